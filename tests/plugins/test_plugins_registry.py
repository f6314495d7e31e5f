"""The plugin contract: declarations checked, broken plugins reported by name, collisions fatal.

Every test builds its own registry or fakes the entry points: nothing installed leaks in.
"""

from __future__ import annotations

import sys
import textwrap
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd
import pytest

from jsna.errors import PluginError
from jsna.hookspecs import Indicator, SectionPlugin, TextBlock
from jsna.indicators.registry import IndicatorRegistry, check_result_frame, run_indicators
from jsna.plugins import PluginConflictError, SectionRegistry
from jsna.report.blocks import add_section_blocks


def _frame(**overrides: object) -> pd.DataFrame:
    data = {
        "area_code": ["E06000001", "E06000002"],
        "period": ["2024", "2024"],
        "value": [10.0, 20.0],
        "lower_ci_95": [8.0, 17.0],
        "upper_ci_95": [12.0, 23.0],
        "count": [50.0, 90.0],
    }
    data.update(overrides)  # type: ignore[arg-type]
    return pd.DataFrame(data)


def _indicator(compute=lambda ctx: _frame(), **kw: object) -> Indicator:  # type: ignore[no-untyped-def]
    fields = {
        "id": "falls-65-plus",
        "title": "Falls, 65+",
        "section": "met_needs",
        "polarity": "low_is_good",
        "unit": "per 100,000",
        "compute": compute,
        "multiplier": 100_000,
    }
    fields.update(kw)
    return Indicator(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("id", "Falls_65", "must be kebab-case"),
        ("section", "health", "section 'health' is not one of demography"),
        ("polarity", "up", "polarity 'up' is not one of"),
        ("benchmark", "region", "benchmark 'region' is not one of"),
        ("disclosure", "round", "disclosure 'round' is not one of counts, value-is-count, none"),
        ("multiplier", 0, "multiplier must be a number > 0, got 0"),
        ("decimals", 1.5, "decimals must be a whole number >= 0"),
        ("requires", "population", "requires must be a tuple of table names"),
        ("requires", ("hes",), "requires unknown tables ['hes']"),
    ],
)
def test_declaration_problems_name_the_field(field: str, value: object, expected: str) -> None:
    problems = _indicator(**{field: value}).problems()
    assert len(problems) == 1 and expected in problems[0]


def test_a_valid_declaration_has_no_problems() -> None:
    assert _indicator(requires=("population", "events"), disclosure="none").problems() == []


def test_register_rejects_invalid_and_colliding_declarations() -> None:
    registry = IndicatorRegistry()
    registry.register(_indicator(), origin="jsna-falls")
    with pytest.raises(
        PluginConflictError, match="declared by both jsna-falls and jsna-other"
    ) as info:
        registry.register(_indicator(), origin="jsna-other")
    assert info.value.exit_code == 3
    with pytest.raises(PluginError, match="jsna-bad: indicator 'x_y' is invalid"):
        registry.register(_indicator(id="x_y"), origin="jsna-bad")


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        (
            pd.DataFrame({"area_code": ["E06000001"], "value": [1.0]}),
            "result lacks columns ['period']",
        ),
        (_frame(value=["1", "2"]), "column value is"),
        (_frame(count=[-1.0, 3.0]), "column count has 1 negative values"),
        (
            _frame(value=[np.inf, 1.0], lower_ci_95=[np.nan, 0.5], upper_ci_95=[np.nan, 1.5]),
            "1 infinite values",
        ),
        (_frame(period=[2024, 2024]), "column period must be text, got 2024 (int)"),
        (_frame(area_code=["E06000001", None]), "1 rows have no area_code"),
        (_frame(sex=["Men", "Persons"]), "sex must be one of Male, Female, Persons, got 'Men'"),
        (
            _frame(lower_ci_95=[11.0, 17.0]),
            "1 rows have 95% limits that do not bracket the value (first: area E06000001",
        ),
        (_frame(area_code=["E06000001", "E06000001"]), "1 duplicate rows"),
    ],
)
def test_result_frame_checks(frame: pd.DataFrame, expected: str) -> None:
    problems = check_result_frame(_indicator(), frame)
    assert len(problems) == 1 and expected in problems[0]
    assert check_result_frame(_indicator(), _frame()) == []


def test_a_broken_indicator_is_reported_by_name_and_the_others_carry_on(tmp_path: Path) -> None:
    from jsna.indicators.context import ComputeContext
    from jsna.workspace import Workspace

    def explode(ctx):  # type: ignore[no-untyped-def]
        raise KeyError("measure")

    registry = IndicatorRegistry()
    registry.register(_indicator())
    registry.register(_indicator(id="falls-raises", compute=explode))
    registry.register(
        _indicator(id="falls-bad-limits", compute=lambda ctx: _frame(upper_ci_95=[9.0, 23.0]))
    )
    with Workspace.open(tmp_path / "jsna.duckdb") as ws:
        results, outcome = run_indicators(ComputeContext(ws), registry)
    status = {r.id: (r.status, r.reason) for r in outcome.runs}
    assert status["falls-65-plus"] == ("computed", "")
    assert status["falls-raises"] == ("failed", "KeyError: 'measure'")
    assert (
        status["falls-bad-limits"][0] == "failed"
        and "do not bracket" in status["falls-bad-limits"][1]
    )
    assert not outcome.ok
    assert set(results["indicator_id"]) == {"falls-65-plus"} and len(results) == 2


@pytest.fixture()
def fake_entry_points(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Make ``jsna.plugins.entry_points`` return only the given (group, name, module source) plugins."""

    def install(plugins: list[tuple[str, str, str]]) -> None:
        eps = []
        for number, (group, name, source) in enumerate(plugins):
            module = f"fake_jsna_plugin_{number}"
            (tmp_path / f"{module}.py").write_text(textwrap.dedent(source), encoding="utf-8")
            sys.modules.pop(module, None)
            eps.append(EntryPoint(name=name, value=f"{module}:PLUGINS", group=group))
        monkeypatch.syspath_prepend(str(tmp_path))
        monkeypatch.setattr(
            "jsna.plugins.entry_points", lambda group: [e for e in eps if e.group == group]
        )

    return install


GOOD = """
    import pandas as pd
    from jsna.hookspecs import Indicator
    PLUGINS = [Indicator(id="{id}", title="T", section="health_status", polarity="low_is_good", unit="%",
                         compute=lambda ctx: pd.DataFrame({{"area_code": ["E06000001"], "period": ["2024"],
                                                            "value": [1.0]}}))]
"""


def test_loading_reports_import_errors_and_invalid_declarations_by_name(fake_entry_points) -> None:  # type: ignore[no-untyped-def]
    fake_entry_points(
        [
            ("jsna.indicators", "good", GOOD.format(id="good-one")),
            ("jsna.indicators", "typo", "import pandas as pd\nPLUGINS = [undefined_name]\n"),
            ("jsna.indicators", "invalid", GOOD.format(id="Not_Kebab")),
        ]
    )
    registry = IndicatorRegistry.from_entry_points()
    assert list(registry.indicators) == ["good-one"]
    reasons = {f.name: f.reason for f in registry.failures}
    assert reasons["typo"] == "NameError: name 'undefined_name' is not defined"
    assert (
        "indicator 'Not_Kebab' is invalid: id 'Not_Kebab' must be kebab-case" in reasons["invalid"]
    )


def test_two_plugins_claiming_one_id_stop_the_load(fake_entry_points, cli) -> None:  # type: ignore[no-untyped-def]
    fake_entry_points(
        [
            ("jsna.indicators", "one", GOOD.format(id="same-id")),
            ("jsna.indicators", "two", GOOD.format(id="same-id")),
        ]
    )
    with pytest.raises(PluginConflictError, match="'same-id' is declared by both one and two"):
        IndicatorRegistry.from_entry_points()
    code, _, err = cli("indicators", "list")
    assert code == 3 and "declared by both" in err


def test_jsna_plugins_lists_packages_and_what_they_provide(fake_entry_points, cli) -> None:  # type: ignore[no-untyped-def]
    import json

    fake_entry_points(
        [
            ("jsna.indicators", "falls", GOOD.format(id="falls-dsr")),
            (
                "jsna.sections",
                "notes",
                """
            from jsna.hookspecs import SectionPlugin, TextBlock
            PLUGINS = [SectionPlugin(id="local-notes", section="voice", title="Local notes",
                                     render=lambda ctx: TextBlock("Hello", title="Notes"))]
        """,
            ),
            ("jsna.sections", "broken", "raise ImportError('needs shapely 9')\n"),
        ]
    )
    code, out, _ = cli("plugins", "--json")
    assert code == 1  # a plugin failed to load
    data = json.loads(out)
    by_name = {p["name"]: p for p in data["plugins"]}
    assert by_name["falls"]["indicators"] == ["falls-dsr"] and by_name["notes"]["sections"] == [
        "local-notes"
    ]
    assert [(f["group"], f["name"], f["reason"]) for f in data["failures"]] == [
        ("jsna.sections", "broken", "ImportError: needs shapely 9")
    ]


class _Context:
    """The attributes of the report's assembly context that section plugins see."""

    area_code, area_name, benchmark_code, benchmark_name = (
        "E06000001",
        "Hartlepool",
        "E92000001",
        "England",
    )
    results = pd.DataFrame({"area_code": ["E06000001"], "indicator_id": ["x"], "value": [1.0]})
    config = policy = None
    indicators: ClassVar[dict] = {}

    class workspace:
        @staticmethod
        def table(name: str) -> pd.DataFrame:
            return pd.DataFrame()


def test_section_blocks_are_added_and_a_failing_block_is_skipped_by_name() -> None:
    from jsna.report.model import Section
    from jsna.vocabulary.sections import SECTIONS

    def fails(ctx):  # type: ignore[no-untyped-def]
        raise ValueError("no survey")

    registry = SectionRegistry()
    registry.register(
        SectionPlugin(
            id="voice-quotes",
            section="voice",
            title="Quotes",
            render=lambda ctx: TextBlock(ctx.area_name, title="Quotes"),
        )
    )
    registry.register(
        SectionPlugin(id="voice-survey", section="voice", title="Survey", render=fails)
    )
    with pytest.raises(PluginConflictError):
        registry.register(
            SectionPlugin(id="voice-quotes", section="voice", title="Again", render=fails)
        )
    sections = [Section(info=info) for info in SECTIONS]
    skipped = add_section_blocks(_Context(), sections, registry)
    assert skipped == [
        {
            "id": "voice-survey",
            "reason": "section plugin 'voice-survey' (jsna) failed: ValueError: no survey",
            "kind": "section",
        }
    ]
    voice = next(s for s in sections if s.info.id == "voice")
    assert voice.blocks == [
        {"title": "Quotes", "paragraphs": ["Hartlepool"], "plugin": "voice-quotes"}
    ]
    assert all(not s.blocks for s in sections if s.info.id != "voice")
