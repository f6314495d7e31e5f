"""jsna compute stores the analyses of report sections 7-10; the report only reads them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tests.conftest import SAMPLES


def _open(project: Path) -> Any:
    from jsna import api
    from jsna.workspace import Workspace

    config = api.project_config(project)
    return config, Workspace.open(config.workspace_path, read_only=True)


def test_compute_stores_every_reportable_area(demo_project: Path) -> None:
    from jsna.report.batch import areas_to_report

    config, opened = _open(demo_project)
    expected = {c for c, _ in areas_to_report(config)} | {config.project.area}
    with opened as ws:
        facts = ws.analysis_table("analysis_facts")
        tables = ws.analysis_tables()
        settings = ws.analysis_settings()
        frames = {name: ws.analysis_table(name) for name in tables}
    assert len(expected) == 10
    assert set(facts["report_area"]) == expected
    # every area has a row saying which frames each analysis gave
    from jsna.indicators.analyses import ANALYSES

    listed = facts[facts["key"].eq("frames")]
    assert listed.groupby("report_area")["analysis"].nunique().eq(len(ANALYSES)).all()
    for name in ("analysis_gap", "analysis_sii", "analysis_service_use", "analysis_phb_rates"):
        assert name in tables
    for name, frame in frames.items():
        assert frame.columns[0] == "report_area", name
        assert set(frame["report_area"]) <= expected, name
    # the small-area analyses exist for the demo area only (its LSOAs are the ones loaded)
    assert set(frames["analysis_gap"]["report_area"]) == {config.project.area}
    assert settings["projections"]["horizon"] == config.projections.horizon
    assert settings["analysis"]["seed"] == config.analysis.seed


def test_stored_service_history_is_the_sum_of_the_file(demo_project: Path) -> None:
    """The history line of the projected-use charts, against a plain sum over the sample file."""
    config, opened = _open(demo_project)
    area = config.project.area
    with opened as ws:
        stored = ws.analysis_table("analysis_service_history", area)
    raw = pd.read_csv(SAMPLES / "admissions_lad_2020_2024.csv")
    raw = raw[raw["area_code"].eq(area) & raw["sex"].isin(["Male", "Female"])]
    expected = raw.groupby(["measure", "year"])["count"].sum()
    got = stored.set_index(["measure", "year"])["value"]
    assert set(expected.index) <= set(got.index)
    for key, value in expected.items():
        assert got[key] == pytest.approx(value)


def test_stored_frames_match_a_fresh_run(demo_project: Path) -> None:
    """What compute stored is what the analysis gives (after the round trip through DuckDB)."""
    from jsna.indicators.analyses import projection_analysis

    config, opened = _open(demo_project)
    p = config.projections
    with opened as ws:
        fresh = projection_analysis(
            ws.table,
            config.project.area,
            horizon=p.horizon,
            year_type=p.year_type,
            base_years=p.base_years,
            principal=p.principal,
            scenarios=config.scenarios,
            repetitions=p.repetitions,
            seed=config.analysis.seed,
        )
        stored = ws.stored_analysis(config.project.area, "projection")
    assert stored is not None
    for key in ("service_use", "outcomes", "population"):
        pd.testing.assert_frame_equal(
            stored[key], fresh[key].reset_index(drop=True), check_dtype=False
        )
    assert stored["base_year"] == fresh["base_year"]
    assert stored["variants"] == list(fresh["variants"])


def test_report_renders_sections_7_to_10_without_computing(
    demo_assembled: Any, demo_assembled_without_statistics: Any
) -> None:
    """The demo report assembled (read only) in a process where every analysis and every function
    of the statistics families of sections 7-10 raises is the report assembled normally."""
    import inspect

    from jsna.indicators import analyses
    from jsna.indicators.methods import inequality, personal_budgets, projections, value_for_money

    refused = {
        f"{analyses.__name__}.{name}"
        for name in (
            "inequality_analysis",
            "projection_analysis",
            "value_for_money_analysis",
            "run_analyses",
            "analyse_area",
            "compute_project",
        )
    }
    for module in (inequality, personal_budgets, projections, value_for_money):
        refused |= {
            f"{module.__name__}.{name}"
            for name, member in vars(module).items()
            if inspect.isfunction(member) and member.__module__ == module.__name__
        }
    report, disabled = demo_assembled_without_statistics
    assert refused <= set(disabled), sorted(refused - set(disabled))
    before, _, _ = demo_assembled
    for mine, theirs in zip(report.sections[6:], before.sections[6:], strict=True):
        assert mine.headlines, mine.info.id
        assert [(h.label, h.value) for h in mine.headlines] == [
            (h.label, h.value) for h in theirs.headlines
        ]
        assert [f.id for f in mine.figures] == [f.id for f in theirs.figures]
        assert mine.summary == theirs.summary
    assert report.warnings == []


def test_no_report_module_imports_the_statistics() -> None:
    import ast

    root = Path(__file__).resolve().parents[2] / "jsna" / "report"
    for path in root.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        imported = set()
        for node in ast.walk(ast.parse(text)):  # module level and inside functions
            if isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported |= {node.module, *(f"{node.module}.{a.name}" for a in node.names)}
        statistics = sorted(m for m in imported if m.startswith("jsna.indicators.methods"))
        assert not statistics, f"{path.name} imports {statistics}"
        assert "funnel_limits" not in text, path.name
        for forbidden in ("jsna.ingest", "inequality_analysis", "projection_analysis"):
            assert forbidden not in text, f"{path.name} mentions {forbidden}"
        assert "value_for_money_analysis" not in text, path.name


def test_changed_settings_after_compute_warn(demo_project: Path, tmp_path: Path) -> None:
    from jsna import api
    from jsna.report.assemble import stored_analysis_warnings
    from jsna.workspace import Workspace

    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(demo_project / "jsna.toml", project / "jsna.toml")
    text = (project / "jsna.toml").read_text(encoding="utf-8")
    assert "[projections]\nhorizon = 10" in text
    (project / "jsna.toml").write_text(
        text.replace("[projections]\nhorizon = 10", "[projections]\nhorizon = 5"), encoding="utf-8"
    )
    unchanged = api.project_config(demo_project)
    changed = api.project_config(project)
    with Workspace.open(unchanged.workspace_path, read_only=True) as ws:
        area = unchanged.project.area
        assert stored_analysis_warnings(ws, unchanged, area) == []
        warnings = stored_analysis_warnings(ws, changed, area)
        elsewhere = stored_analysis_warnings(ws, unchanged, "E12999001")
    assert len(warnings) == 1
    assert "jsna.toml's [projections] changed since jsna compute" in warnings[0]
    assert warnings[0].endswith("run jsna compute")
    assert "stored no analyses for E12999001" in elsewhere[0]


def test_pool_gives_the_same_tables(demo_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Areas analysed on a process pool give exactly what one process gives, on the first four
    areas and the first of each further area type: the first area is analysed in this process
    (it computes what every area shares), the others on a pool of two workers, so a worker takes
    more than one. All ten demo areas would take three times as long and add no other path (they
    are all unitary authorities with inputs)."""
    from jsna.indicators import analyses
    from jsna.indicators.analyses import analysis_areas, run_analyses
    from jsna.indicators.context import ComputeContext
    from jsna.vocabulary.areas import area_type_of

    config, opened = _open(demo_project)
    with opened as ws:
        ctx = ComputeContext(ws)
        listed = analysis_areas(
            ws.table("results"), ws.table("population")["area_code"], ctx.area_names(), config
        )
        first_of_type: dict[str, tuple[str, str]] = {}
        for code, name in listed:
            first_of_type.setdefault(area_type_of(code), (code, name))
        areas = [a for a in listed if a in listed[:4] or a in first_of_type.values()]
        one = run_analyses(ctx.table_view, areas, config, workers=1)
        sent: list[str] = []
        pool = analyses._pooled

        def pool_spy(tables: Any, some: Any, *args: Any) -> Any:
            sent.extend(code for code, _ in some)
            return pool(tables, some, *args)

        monkeypatch.setattr(analyses, "_pooled", pool_spy)
        pooled = run_analyses(ctx.table_view, areas, config, workers=2, pool_from=1)
    assert len(sent) > 2, sent  # the pool ran, with more areas than workers
    assert one.frames.keys() == pooled.frames.keys()
    for name, frame in one.frames.items():
        pd.testing.assert_frame_equal(frame, pooled.frames[name], obj=name)
    assert one.facts is not None and pooled.facts is not None
    pd.testing.assert_frame_equal(one.facts, pooled.facts)
    assert json.loads(one.settings["projections"]) == json.loads(pooled.settings["projections"])


def test_trafford_stored_projection_against_the_files(trafford_report: Any) -> None:
    """Trafford's stored pyramid and projected residents against plain sums over the files."""
    from jsna.workspace import Workspace
    from tests.conftest import real_file
    from tests.real_areas import TRAFFORD

    mye = pd.read_csv(
        real_file("trafford_mye2024/mid-year_2024_population_estimates_local_authority.csv")
    )
    totals = mye.set_index("sex")["all_ages"]
    snpp = pd.concat(
        pd.read_csv(real_file(f"ons_snpp2022_trafford/2022_SNPP_population_{sex}_trafford.csv"))
        for sex in ("females", "males")
    )
    snpp = snpp[snpp["AGE_GROUP"].ne("All ages")]
    with Workspace.open(trafford_report.project / "jsna.duckdb", read_only=True) as ws:
        stored = ws.stored_analysis(TRAFFORD, "projection")
    assert stored is not None
    assert stored["base_year"] == 2024
    assert stored["population_source"] == "supplied"
    pyramid = stored["pyramid_now"].groupby("sex")["count"].sum()
    assert pyramid["Female"] == pytest.approx(totals["Females"])
    assert pyramid["Male"] == pytest.approx(totals["Males"])
    projected = stored["population"].set_index("year")["count"]
    for year in (2025, 2030):
        assert projected[year] == pytest.approx(snpp[str(year)].sum())
