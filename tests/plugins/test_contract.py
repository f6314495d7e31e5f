"""The plugin contract and the one registry mechanism.

The contract module imports no loading machinery; jsna's own indicators, sources and
sections come through the same entry points as a third party's; discovery can be switched
off; section plugins return text, table and chart blocks that the report draws with its own
templates, and anything else is refused by name.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from importlib.metadata import EntryPoint, distribution
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import pytest

import jsna
from jsna.errors import PluginError, UsageError
from jsna.hookspecs import (
    GROUPS,
    INDICATOR_GROUP,
    SECTION_GROUP,
    SOURCE_GROUP,
    Cell,
    ChartBlock,
    SectionPlugin,
    TableBlock,
    TextBlock,
)
from jsna.plugins import (
    IndicatorRegistry,
    PluginRegistry,
    SectionRegistry,
    SourceRegistry,
)
from jsna.report.blocks import add_section_blocks

MACHINERY = ("jsna.plugins", "jsna.ingest.pipeline", "jsna.indicators.registry")
CONTRACT = Path(jsna.__file__).parent / "hookspecs.py"


def _imports_outside_type_checking(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(inner) for stmt in node.body for inner in ast.walk(stmt))
    found = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_the_contract_imports_no_loading_machinery() -> None:
    imported = _imports_outside_type_checking(CONTRACT)
    assert not [m for m in imported if m.startswith(MACHINERY)]
    # and importing it (in a fresh interpreter) does not load the machinery indirectly
    probe = (
        "import sys, jsna.hookspecs\n"
        f"print(sorted(m for m in sys.modules if m.startswith({MACHINERY!r})))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == "[]"


def test_the_machinery_takes_the_group_names_from_the_contract() -> None:
    import jsna.plugins as machinery

    assert (INDICATOR_GROUP, SOURCE_GROUP, SECTION_GROUP) == GROUPS
    assert machinery.INDICATORS.group == INDICATOR_GROUP
    assert machinery.SOURCES.group == SOURCE_GROUP
    assert machinery.SECTIONS.group == SECTION_GROUP
    assert {IndicatorRegistry, SourceRegistry, SectionRegistry} <= {
        c for c in PluginRegistry.__subclasses__()
    }


def _declared_by_jsna(group: str) -> dict[str, str]:
    """What jsna's own distribution metadata declares for ``group``, loaded here by hand:
    identifier -> entry-point name."""
    out: dict[str, str] = {}
    for ep in distribution("jsna").entry_points:
        if ep.group != group:
            continue
        target = ep.load()
        for obj in target if isinstance(target, list | tuple) else [target]:
            out[obj.kind if group == SOURCE_GROUP else obj.id] = ep.name
    return out


@pytest.mark.parametrize(
    ("group", "registry_class"),
    [
        (INDICATOR_GROUP, IndicatorRegistry),
        (SOURCE_GROUP, SourceRegistry),
        (SECTION_GROUP, SectionRegistry),
    ],
)
def test_builtins_are_exactly_what_the_entry_points_declare(
    group: str, registry_class: type[PluginRegistry[Any]]
) -> None:
    declared = _declared_by_jsna(group)
    registry = registry_class.from_entry_points(discover=False)
    assert declared, f"jsna declares nothing in {group}"
    assert sorted(registry.entries) == sorted(declared)
    assert set(registry.origin.values()) == {"jsna"}
    assert registry.failures == []


def test_every_builtin_indicator_group_comes_through_the_one_door() -> None:
    names = {ep.name for ep in distribution("jsna").entry_points if ep.group == INDICATOR_GROUP}
    assert {"builtin", "analysis", "inputs"} <= names
    registry = IndicatorRegistry.from_entry_points(discover=False)
    from jsna.indicators import builtin, builtin_analysis, builtin_inputs

    for module in (builtin, builtin_analysis, builtin_inputs):
        assert {i.id for i in module.INDICATORS} <= set(registry.indicators)


THIRD_PARTY = """
from jsna.hookspecs import SectionPlugin, TextBlock
PLUGINS = [SectionPlugin(id="local-notes", section="voice", title="Local notes",
                         render=lambda ctx: TextBlock("Hello"))]
"""


@pytest.fixture()
def third_party_installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every installed entry point, plus one third-party section plugin."""
    from importlib.metadata import entry_points

    (tmp_path / "third_party_notes.py").write_text(THIRD_PARTY, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    sys.modules.pop("third_party_notes", None)
    extra = EntryPoint(name="notes", value="third_party_notes:PLUGINS", group=SECTION_GROUP)

    def installed(group: str) -> list[EntryPoint]:
        found = list(entry_points(group=group))
        return [*found, extra] if group == SECTION_GROUP else found

    monkeypatch.setattr("jsna.plugins.entry_points", installed)
    monkeypatch.delenv("JSNA_PLUGINS", raising=False)


@pytest.mark.usefixtures("third_party_installed")
def test_discovery_switched_off_gives_only_the_builtins(monkeypatch: pytest.MonkeyPatch) -> None:
    builtin = set(_declared_by_jsna(SECTION_GROUP))
    assert set(SectionRegistry.from_entry_points().entries) == builtin | {"local-notes"}
    assert set(SectionRegistry.from_entry_points(discover=False).entries) == builtin
    monkeypatch.setenv("JSNA_PLUGINS", "builtin-only")
    assert set(SectionRegistry.from_entry_points().entries) == builtin
    # an explicit argument wins over the environment
    assert "local-notes" in SectionRegistry.from_entry_points(discover=True)
    monkeypatch.setenv("JSNA_PLUGINS", "none-please")
    with pytest.raises(UsageError, match="JSNA_PLUGINS must be one of all, builtin-only"):
        SectionRegistry.from_entry_points()


def test_each_registry_loads_afresh() -> None:
    first = SourceRegistry.from_entry_points(discover=False)
    second = SourceRegistry.from_entry_points(discover=False)
    assert first is not second and first.sources == second.sources
    first.entries.clear()
    assert second.sources


# -- section plugins return blocks the report draws --------------------------------------------
class _Context:
    """The attributes of the report's assembly context that section plugins see."""

    area_code, area_name, benchmark_code, benchmark_name = (
        "E08000009",
        "Trafford",
        "E92000001",
        "England",
    )
    results = pd.DataFrame({"area_code": ["E08000009"], "indicator_id": ["x"], "value": [1.0]})
    config = policy = None
    indicators: ClassVar[dict[str, Any]] = {}

    class workspace:
        @staticmethod
        def table(name: str) -> pd.DataFrame:
            return pd.DataFrame()


def _registry(*plugins: SectionPlugin) -> SectionRegistry:
    registry = SectionRegistry()
    for plugin in plugins:
        registry.register(plugin, origin="jsna-local-notes", version="0.1.0")
    return registry


def _voice(render: Any, plugin_id: str = "clinic-waits") -> SectionPlugin:
    return SectionPlugin(id=plugin_id, section="voice", title="Clinic waits", render=render)


def _sections() -> list[Any]:
    from jsna.report.model import Section
    from jsna.vocabulary.sections import SECTIONS

    return [Section(info=info) for info in SECTIONS]


def _page(sections: list[Any]) -> str:
    from jsna.report.model import Report
    from jsna.report.render import render_html

    report = Report(
        title="JSNA",
        area_code="E08000009",
        area_name="Trafford",
        benchmark_name="England",
        run_date="1 April 2026",
        organisation="Trafford Council",
        colour="#12436D",
        sections=sections,
        executive_summary=[],
        worse_than_benchmark=[],
        indicators_appendix=[],
        sources_appendix=[],
    )
    return render_html(report)


def test_a_table_block_is_drawn_as_a_report_table() -> None:
    table = TableBlock(
        title="Waiting times",
        caption="Weeks waited, <2025>",
        columns=["Clinic", "Patients", "Median wait", "Compared with England"],
        rows=[
            ["North & East", 1234.0, 6.25, Cell("Worse", outcome="Worse")],
            ["South", np.int64(88), None, Cell("Similar", outcome="Similar")],
        ],
        note="Counts of 1 to 7 are hidden.",
        decimals=1,
    )
    sections = _sections()
    skipped = add_section_blocks(
        _Context(), sections, _registry(_voice(lambda ctx: [TextBlock("Two clinics."), table]))
    )
    assert skipped == []
    page = _page(sections)
    start = page.index('<table class="data" id="plugin-clinic-waits-2">')
    drawn = page[start : page.index("</table>", start)]
    assert "<caption>Weeks waited, &lt;2025&gt;</caption>" in drawn
    assert '<th scope="col">Median wait</th>' in drawn
    assert '<th scope="row">North &amp; East</th>' in drawn
    assert '<td class="num">1,234.0</td>' in drawn and '<td class="num">6.2</td>' in drawn
    assert re.search(r'<td class=" ?outcome-worse">Worse</td>', drawn)
    assert '<td class="num">88</td>' in drawn  # a whole number (int) has no decimals
    assert re.search(r'<td class="">–</td>', drawn)  # a missing value is a dash
    assert '<p class="table-note">Counts of 1 to 7 are hidden.</p>' in page
    assert "<h3>Waiting times</h3>" in page and "<p>Two clinics.</p>" in page
    # the same table in the report's own table layout: headers, one row header per row
    assert drawn.count('scope="row"') == 2


def test_a_chart_block_is_drawn_by_the_report_chart_module() -> None:
    data = pd.DataFrame({"clinic": ["North", "South"], "weeks": [6.0, 3.5]})
    chart = ChartBlock(data=data, x="clinic", y="weeks", title="Median wait", unit="weeks")
    sections = _sections()
    assert add_section_blocks(_Context(), sections, _registry(_voice(lambda ctx: chart))) == []
    page = _page(sections)
    assert '<figure id="plugin-clinic-waits-1" class="chart">' in page
    assert "Figure 1: Median wait" in page and "<svg" in page


@pytest.mark.parametrize(
    ("returned", "reason"),
    [
        ("<p>raw</p>", "render returned a string (raw HTML is not accepted)"),
        ({"title": "x", "html": "<p>raw</p>"}, "render returned dict, not a TextBlock"),
        (42, "render returned int, not a TextBlock, TableBlock or ChartBlock"),
        (
            TableBlock(columns=["a", "b"], rows=[["only one"]]),
            "TableBlock row 1 has 1 cells, expected 2",
        ),
        (
            TableBlock(columns=["a"], rows=[[Cell("x", outcome="Great")]]),
            "outcome 'Great' is not one of Better, Similar",
        ),
        (
            ChartBlock(data=pd.DataFrame({"a": [1]}), x="a", y="missing", title="t"),
            "ChartBlock data lacks columns missing",
        ),
    ],
)
def test_anything_but_blocks_is_refused_by_name(returned: Any, reason: str) -> None:
    from jsna.hookspecs import BlockContext
    from jsna.report.blocks import plugin_blocks

    plugin = _voice(lambda ctx: returned)
    context = BlockContext(
        "E08000009", "Trafford", "E92000001", "England", pd.DataFrame(), None, None, pd.DataFrame
    )
    with pytest.raises(
        PluginError, match="section plugin 'clinic-waits' \\(jsna-local-notes\\)"
    ) as caught:
        plugin_blocks(plugin, context, "jsna-local-notes")
    assert reason in str(caught.value)
    # in a report the plugin is left out, named, and the others carry on
    good = _voice(lambda ctx: TextBlock("fine"), plugin_id="clinic-notes")
    sections = _sections()
    skipped = add_section_blocks(_Context(), sections, _registry(plugin, good))
    assert [(s["id"], reason in s["reason"]) for s in skipped] == [("clinic-waits", True)]
    voice = next(s for s in sections if s.info.id == "voice")
    assert [b["plugin"] for b in voice.blocks] == ["clinic-notes"]
