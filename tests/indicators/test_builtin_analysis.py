"""Ingest of spend/prevalence inputs, the section 7-10 indicators and the CLI commands on the samples."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from jsna import api
from jsna.ingest.base import ReadOptions
from jsna.ingest.pipeline import validate_file
from tests.conftest import SAMPLES, real_file

FILES = [
    ("population", "population_mye_lad_2020_2024.csv"),
    ("population", "population_mye2024_lsoa_wide.csv"),
    ("population", "population_projections_2024_based.csv"),
    ("deaths", "deaths_lad_2020_2024.csv"),
    ("deaths", "deaths_lsoa_2020_2024.csv"),
    ("deprivation", "imd2019_lsoa.csv"),
    ("lookup", "lookup_lsoa21_ward24_msoa21_lad24.csv"),
    ("events", "admissions_lad_2020_2024.csv"),
    ("prevalence", "dementia_prevalence_rates.csv"),
    ("spend", "spend_by_programme.csv"),
]


def test_cfas2_workbook_reads_as_published():
    path = real_file("dementia_prevalence_cfas2/dementia-reference-rates.xlsx")
    from jsna.ingest.analysis_inputs import PrevalenceSource

    parsed = PrevalenceSource().parse(path, ReadOptions())
    assert parsed.report.ok and parsed.layout == "cfas2"
    frame = parsed.frames["prevalence"].set_index(["sex", "age_band"])
    assert set(frame["condition"]) == {"Dementia"}
    row = frame.loc[("Female", "90+")]
    assert (row["prevalence"], row["lower_ci_95"], row["upper_ci_95"]) == pytest.approx(
        (0.350, 0.284, 0.423), abs=5e-4
    )


def test_percentages_are_an_error_not_coerced(tmp_path: Path):
    bad = tmp_path / "prev.csv"
    bad.write_text(
        "condition,sex,age_band,prevalence\nDementia,Male,65-69,1.5\nDementia,Female,65-69,0.02\n"
    )
    report = validate_file("prevalence", bad, ReadOptions())
    assert not report.ok
    issue = report.errors[0]
    assert issue.row == 2 and issue.column == "prevalence" and "divide them by 100" in issue.message


def test_spend_polarity_must_be_known(tmp_path: Path):
    bad = tmp_path / "spend.csv"
    bad.write_text(
        "area_code,period,programme,spend,population,outcome_value,outcome_polarity\n"
        "E06999001,2023/24,Circ,100,10,5,sideways\n"
    )
    report = validate_file("spend", bad, ReadOptions())
    assert [i.code for i in report.errors] == ["bad-polarity"]


def build_analysis_project(folder: Path) -> None:
    """The samples' analysis inputs ingested into ``folder/p`` and computed with short
    projections and an ROI scenario (a shared build: ``tests/shared_builds.py``)."""
    project = folder / "p"
    api.init_project(project)
    config = api.project_config(project)
    for kind, name in FILES:
        # the LSOA deaths file has no cause column; it counts deaths from all causes
        cause = "All causes" if name == "deaths_lsoa_2020_2024.csv" else None
        api.ingest(config, kind, [SAMPLES / name], ReadOptions(cause=cause))
    (project / "jsna.toml").write_text(
        (project / "jsna.toml").read_text()
        + "\n".join(
            [
                "",
                "[projections]",
                "horizon = 5",
                "repetitions = 300",
                "",
                "[analysis]",
                "repetitions = 2000",
                "",
                "[[roi]]",
                'name = "Falls prevention"',
                "cost = 100000",
                "reached = 1000",
                "effect = 0.05",
                "effect_low = 0.02",
                "effect_high = 0.08",
                "value_per_outcome = 3000",
                "",
            ]
        )
    )
    api.compute(api.project_config(project))


@pytest.fixture(scope="session")
def analysis_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``build_analysis_project``, built once per session for every worker; read only."""
    from tests.shared_builds import shared_build

    if not (SAMPLES / "deaths_lsoa_2020_2024.csv").exists():
        pytest.skip("samples not generated")
    return shared_build(tmp_path_factory.getbasetemp(), "analysis-project") / "p"


def test_inequality_indicators_are_in_the_results(analysis_project: Path):
    from jsna.workspace import Workspace

    with Workspace.open(api.project_config(analysis_project).workspace_path, read_only=True) as ws:
        res = ws.table("results")
    le = res[
        res["indicator_id"].eq("life-expectancy-by-deprivation-quintile")
        & res["area_code"].eq("E06999001")
    ]
    assert set(le["category_type"]) == {"IMD2019 quintile within area"}
    assert len(le) == 10 and le["value"].notna().all()
    most = le[le["category"].eq("1 (most deprived)")].set_index("sex")["value"]
    least = le[le["category"].eq("5 (least deprived)")].set_index("sex")["value"]
    assert (least > most).all()
    sii = res[res["indicator_id"].eq("sii-life-expectancy")]
    assert len(sii) == 2 and (sii["lower_ci_95"] < sii["value"]).all()


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("inequality", {"gap", "gap_by_age", "sii", "heat", "benchmark_gap_by_cause"}),
        ("project", {"population", "service_use", "outcomes"}),
        ("vfm", {"spend", "roi", "tornado"}),
    ],
)
def test_cli_commands_print_json(  # type: ignore[no-untyped-def]
    analysis_project: Path, command: str, expected: set[str], cli
):
    code, out, err = cli(command, "--project", analysis_project, "--area", "E06999001", "--json")
    assert code == 0, (out, err)
    data = json.loads(out)
    assert expected <= set(data["tables"])
    if command == "project":
        rows = [r for r in data["tables"]["outcomes"] if r["scenario"] == "Baseline"]
        assert all(r["lower_ci_95"] <= r["value"] <= r["upper_ci_95"] for r in rows)


def test_report_sections_filled_and_missing_inputs_named(analysis_project: Path, tmp_path: Path):
    from jsna.report.assemble import assemble_report
    from jsna.workspace import Workspace

    config = api.project_config(analysis_project)
    with Workspace.open(config.workspace_path, read_only=True) as ws:
        report = assemble_report(ws, config, "E06999001")
    sections = {s.info.id: s for s in report.sections}
    ineq = sections["inequalities"]
    assert any("most and least deprived fifths" in s for s in ineq.summary)
    assert any(f.id.startswith("inequalities-sii") for f in ineq.figures)
    assert sections["projected_outcomes"].headlines and sections["projected_service_use"].figures
    vfm = sections["value_for_money"]
    assert any("Return per £1" in h.label for h in vfm.headlines)
    assert any("jsna ingest phb FILE" in m for m in vfm.missing)
    shutil.rmtree(tmp_path, ignore_errors=True)
