"""Every built-in indicator computes or is skipped with the input it needs, in words; never fails.

Also: deaths whose cause the file does not state feed no indicator; England's figure is made from
its local authorities; one source per indicator where jsna and OHID both give it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from jsna import api
from jsna.indicators.context import ComputeContext
from jsna.indicators.registry import IndicatorRegistry, list_indicators, run_indicators
from jsna.ingest.base import ReadOptions
from jsna.workspace import Workspace
from tests.conftest import REAL, SAMPLES, real_file

TRAFFORD, BIRMINGHAM, ENGLAND = "E08000009", "E08000025", "E92000001"


def _run(workspace: Path, config: dict | None = None) -> dict[str, object]:
    """Every registered indicator over the workspace, read only (the stored results stay)."""
    with Workspace.open(workspace, read_only=True) as ws:
        ctx = ComputeContext(ws, config=config or {})
        results, outcome = run_indicators(ctx, IndicatorRegistry.from_entry_points())
    return {"results": results, "outcome": outcome, "runs": {r.id: r for r in outcome.runs}}


def _assert_none_failed(runs: dict[str, object]) -> None:
    failed = {i: r.reason for i, r in runs.items() if r.status == "failed"}  # type: ignore[attr-defined]
    assert not failed
    for run in runs.values():
        if run.status == "skipped":  # type: ignore[attr-defined]
            text = run.to_report()["reason"]  # type: ignore[attr-defined]
            assert (
                text.startswith("not computed")
                and "Error" not in text
                and "lacks columns" not in text
            )
            assert run.to_report()["id"] != run.id  # the report names it by its title  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def trafford(trafford_report) -> Path:  # type: ignore[no-untyped-def]
    """Trafford's shared real-data project (``tests/real_areas.py``), ingested as downloaded and
    computed once per session; among its inputs the ones these tests read: the mid-2021 estimates
    of every authority (sex 1 = female), the ward lookup and the drug-poisoning deaths, whose
    file does not state their cause. Read only."""
    needed = [
        real_file("ons_mye2021_lad/mye2021_lad21_uk_syoa_long.csv"),
        real_file("lookups/gm_ward22_lad22_lookup.csv"),
        real_file("ons_drug_poisoning_deaths_lad/drug_poisoning_registrations_by_LA_1993_2020.csv"),
    ]
    loaded = {
        f["file"]
        for step in trafford_report.ingests
        for f in step["files"]
        if f["status"] == "loaded"
    }
    assert {p.name for p in needed} <= loaded, sorted({p.name for p in needed} - loaded)
    return trafford_report.project


def test_every_builtin_on_an_empty_workspace_is_skipped_with_what_it_needs(project: Path) -> None:
    config = api.project_config(project)
    with Workspace.open(config.workspace_path):
        pass
    ran = _run(config.workspace_path)
    _assert_none_failed(ran["runs"])  # type: ignore[arg-type]
    assert all(r.status == "skipped" for r in ran["runs"].values())  # type: ignore[attr-defined]
    assert "population estimates by age and sex" in ran["runs"]["total-population"].reason  # type: ignore[index]


def test_population_only_computes_demography_and_skips_the_rest_in_words(project: Path) -> None:
    config = api.project_config(project)
    api.ingest(config, "population", [SAMPLES / "population_mye_lad_2020_2024.csv"])
    ran = _run(config.workspace_path)
    runs = ran["runs"]
    _assert_none_failed(runs)  # type: ignore[arg-type]
    assert runs["total-population"].status == "computed"  # type: ignore[index]
    assert runs["mortality-dsr-by-ward"].status == "skipped"  # type: ignore[index]


@pytest.fixture(scope="module")
def trafford_runs(trafford: Path) -> dict[str, object]:
    """Every indicator run once over Trafford's shared workspace."""
    return _run(api.project_config(trafford).workspace_path)["runs"]  # type: ignore[return-value]


def test_trafford_real_inputs_no_builtin_fails(trafford_runs: dict[str, object]) -> None:
    runs = trafford_runs
    _assert_none_failed(runs)  # type: ignore[arg-type]
    # a ward lookup without small-area deaths: skipped, naming the input in words
    ward = runs["mortality-dsr-by-ward"]  # type: ignore[index]
    assert ward.status == "skipped" and "deaths from all causes by LSOA" in ward.reason


def test_scheduled_run_with_partial_inputs_exits_0_and_the_report_shows_no_error_text(
    tmp_path: Path,
) -> None:
    root = tmp_path / "p"
    (root / "inputs").mkdir(parents=True)
    blocks = ""
    for kind, name in (
        ("population", "population_mye_lad_2020_2024.csv"),
        ("lookup", "lookup_lsoa21_ward24_msoa21_lad24.csv"),
    ):
        (root / "inputs" / name).write_bytes((SAMPLES / name).read_bytes())
        blocks += f'[[inputs]]\nkind = "{kind}"\npath = "inputs/{name}"\n\n'
    config_path = root / "jsna.toml"
    config_path.write_text(
        '[project]\nname = "Partial"\narea = "E06999001"\nrun_date = 2025-03-31\n\n'
        + blocks
        + '[report]\nformats = ["html"]\noutput_dir = "output"\n',
        encoding="utf-8",
    )
    result = api.run(config_path)
    assert result.ok, result.problems
    html = next((tmp_path / "p" / "output").glob("*.html")).read_text(encoding="utf-8")
    assert (
        "mortality-dsr-by-ward" not in html and "Traceback" not in html and "KeyError" not in html
    )


def test_unstated_cause_deaths_feed_nothing_and_say_how_to_fix(
    trafford_runs: dict[str, object],
) -> None:
    runs = trafford_runs
    crude = runs["mortality-all-causes-crude-rate"]  # type: ignore[index]
    assert crude.status == "skipped"
    assert "drug_poisoning_registrations_by_LA_1993_2020.csv" in crude.reason
    assert "jsna ingest --replace deaths FILE --cause 'All causes'" in crude.reason


def test_ingest_warns_when_a_deaths_file_does_not_state_its_cause(project: Path) -> None:
    from jsna.ingest.pipeline import validate_file

    path = REAL / "ons_drug_poisoning_deaths_lad/drug_poisoning_registrations_by_LA_1993_2020.csv"
    if not path.exists():
        pytest.skip("real data absent")
    report = validate_file("deaths", path, ReadOptions())
    warning = [i for i in report.issues if i.code == "no-cause"]
    assert (
        warning
        and "--cause 'All causes'" in warning[0].message
        and "count toward no indicator" in warning[0].message
    )


def test_a_long_deaths_file_without_a_cause_column_is_all_causes_only_when_told(
    project: Path,
) -> None:
    config = api.project_config(project)
    api.ingest(config, "population", [SAMPLES / "population_mye_lad_2020_2024.csv"])
    deaths = project / "deaths.csv"
    frame = pd.read_csv(SAMPLES / "deaths_lad_2020_2024.csv")
    frame.groupby(["area_code", "year", "sex", "age_band"], as_index=False)["deaths"].sum().to_csv(
        deaths, index=False
    )
    api.ingest(config, "deaths", [deaths])
    assert _run(config.workspace_path)["runs"]["mortality-all-causes-dsr"].status == "skipped"  # type: ignore[index]
    # the sample file's own breakdown by cause (with "Other") adds up to all causes
    api.ingest(config, "deaths", [SAMPLES / "deaths_lad_2020_2024.csv"])
    ran = _run(config.workspace_path)
    assert ran["runs"]["mortality-all-causes-dsr"].status == "computed"  # type: ignore[index]
    crude = ran["results"]
    crude = crude[
        crude["indicator_id"].eq("mortality-all-causes-crude-rate")
        & crude["area_code"].eq("E06999001")
        & crude["sex"].eq("Persons")
        & crude["period"].eq("2024")
    ]
    expected = frame[frame["area_code"].eq("E06999001") & frame["year"].eq(2024)]["deaths"].sum()
    assert crude["count"].iloc[0] == expected  # all five causes, the unstated copy not added on top


def test_england_65_plus_share_from_the_sum_of_its_authorities(project: Path) -> None:
    # the mid-2021 estimates alone: in Trafford's project a census table replaces Greater
    # Manchester's ten districts for 2021, so England's sum there is not this file's
    path = real_file("ons_mye2021_lad/mye2021_lad21_uk_syoa_long.csv")
    config = api.project_config(project)
    api.ingest(config, "population", [path], ReadOptions(sex_codes="1=Female,2=Male"))
    results = _run(config.workspace_path)["results"]
    source = pd.read_csv(path)
    england = source[source["ladcode21"].str[:3].isin(["E06", "E07", "E08", "E09"])]
    expected = (
        england.loc[england["age"].ge(65), "population_2021"].sum()
        / england["population_2021"].sum()
        * 100
    )
    for area, share in ((ENGLAND, expected), (BIRMINGHAM, None)):
        row = results[
            results["indicator_id"].eq("percent-aged-65-plus")
            & results["area_code"].eq(area)
            & results["period"].eq("2021")
            & results["sex"].eq("Persons")
        ]
        if share is None:  # Birmingham, straight from the file
            mine = source[source["ladcode21"].eq(area)]
            share = (
                mine.loc[mine["age"].ge(65), "population_2021"].sum()
                / mine["population_2021"].sum()
                * 100
            )
            assert row["benchmark_value"].iloc[0] == pytest.approx(expected)
        assert row["value"].iloc[0] == pytest.approx(share)
    note = results.loc[
        results["indicator_id"].eq("percent-aged-65-plus") & results["area_code"].eq(ENGLAND),
        "value_note",
    ].iloc[0]
    assert "309 lower-tier local authorities" in note
    assert set(results.loc[results["area_code"].eq(ENGLAND), "area_name"]) == {"England"}


def test_indicators_show_lists_what_is_still_missing(trafford: Path) -> None:
    config = api.project_config(trafford)
    info = list_indicators(config.workspace_path, indicator_id="mortality-dsr-by-ward").indicators[
        0
    ]
    assert not info["ready"]
    assert any("deaths from all causes by LSOA" in m for m in info["missing"])
    assert all(
        i["present"] for i in info["inputs"]
    )  # the tables have rows; what they lack is listed
    ready = list_indicators(config.workspace_path, indicator_id="total-population").indicators[0]
    assert ready["ready"] and ready["missing"] == []


def test_indicators_show_cli_says_still_missing(trafford: Path, cli) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli("indicators", "show", "mortality-all-causes-dsr", "--project", trafford)
    assert code == 0, err
    printed = out + err
    assert "still missing" in printed and "ready: True" not in printed
    assert "--cause 'All causes'" in printed
