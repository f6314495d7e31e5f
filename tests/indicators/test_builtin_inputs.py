"""Indicators for survey results, activity extracts, GP registrations and ward values, checked
against plain pandas sums of the source files (never through jsna)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import SAMPLES, real_file

AMBRIDGE = "E06999001"
TRAFFORD = "E08000009"


@pytest.fixture(scope="module")
def demo_results(demo_project: Path) -> pd.DataFrame:
    from jsna.workspace import Workspace

    with Workspace.open(demo_project / "jsna.duckdb", read_only=True) as ws:
        return ws.table("results")


def test_survey_responses_are_the_published_percentages_with_bases(
    demo_results: pd.DataFrame,
) -> None:
    source = pd.read_csv(SAMPLES / "survey_results.csv")
    rows = demo_results[demo_results["indicator_id"].eq("survey-responses")]
    assert len(rows) == len(source)
    merged = source.merge(
        rows,
        left_on=["area_code", "question", "response"],
        right_on=["area_code", "category_type", "category"],
    )
    assert len(merged) == len(source)
    assert merged["value"].tolist() == pytest.approx(merged["percentage"].tolist())
    assert merged["denominator"].tolist() == pytest.approx(merged["base"].tolist())
    assert (merged["lower_ci_95"] <= merged["value"]).all() and (
        merged["value"] <= merged["upper_ci_95"]
    ).all()
    area = merged[merged["area_code"].eq(AMBRIDGE)]
    england = source[source["area_code"].eq("E92000001")].set_index(["question", "response"])[
        "percentage"
    ]
    expected = [england[(q, r)] for q, r in zip(area["question"], area["response"], strict=True)]
    assert area["benchmark_value"].tolist() == pytest.approx(expected)


def test_activity_rates_and_cost_per_head_match_the_extract(demo_results: pd.DataFrame) -> None:
    records = pd.read_csv(SAMPLES / "service_activity_extract.csv")
    pop = pd.read_csv(SAMPLES / "population_mye_lad_2020_2024.csv")
    # the extract covers 2023/24: residents at mid-2023
    residents = pop[(pop["area_code"] == AMBRIDGE) & (pop["period"] == 2023)]["population"].sum()
    by_pod = records.groupby("point_of_delivery").agg(
        n=("record_id", "size"), cost=("cost_gbp", "sum")
    )
    rates = demo_results[
        demo_results["indicator_id"].eq("activity-rate") & demo_results["area_code"].eq(AMBRIDGE)
    ]
    got = rates.set_index("category")
    assert set(got.index) == set(by_pod.index)
    for pod, row in by_pod.iterrows():
        assert got.loc[pod, "count"] == row["n"]
        assert got.loc[pod, "value"] == pytest.approx(row["n"] / residents * 1000, rel=1e-9)
    cost = demo_results[
        demo_results["indicator_id"].eq("activity-cost-per-head")
        & demo_results["area_code"].eq(AMBRIDGE)
    ].set_index("category")
    assert cost.loc["All activity", "value"] == pytest.approx(
        records["cost_gbp"].sum() / residents, rel=1e-9
    )
    for pod, row in by_pod.iterrows():
        assert cost.loc[pod, "value"] == pytest.approx(row["cost"] / residents, rel=1e-9)


def test_ward_rates_are_judged_against_the_authority_with_stored_funnel_limits(
    demo_results: pd.DataFrame,
) -> None:
    res = demo_results
    wards = res[res["indicator_id"].eq("activity-rate") & res["area_type"].eq("Ward")]
    assert wards["parent_code"].eq(AMBRIDGE).all() and wards["area_code"].nunique() == 18
    assert set(wards["compared_to_benchmark"]) <= {"Higher", "Similar", "Lower"}
    la = res[res["indicator_id"].eq("activity-rate") & res["area_code"].eq(AMBRIDGE)].set_index(
        "category"
    )
    # wards are judged against the rate of all the wards: records of 2023/24 over the LSOA
    # residents at mid-2023, the mid-year in which the financial year starts
    lsoa = pd.read_csv(SAMPLES / "population_lsoa_2020_2023.csv")
    lookup = pd.read_csv(SAMPLES / "lookup_lsoa21_ward24_msoa21_lad24.csv")
    mid_2023 = lsoa[lsoa["year"].eq(2023) & lsoa["area_code"].isin(lookup["LSOA21CD"])]
    residents = mid_2023["population"].sum()
    records = pd.read_csv(SAMPLES / "service_activity_extract.csv")
    for pod, group in wards.groupby("category"):
        expected = (records["point_of_delivery"] == pod).sum() / residents * 1000
        assert group["benchmark_value"].tolist() == pytest.approx([expected] * len(group), rel=1e-9)
        # the wards add up to the authority
        assert group["count"].sum() == la.loc[pod, "count"]
    limits = res[res["indicator_id"].eq("activity-funnel-limits") & res["area_code"].eq(AMBRIDGE)]
    assert len(limits) == 40 * len(la)
    assert (limits["lower_ci_99_8"] <= limits["lower_ci_95"]).all()
    assert (limits["lower_ci_95"] <= limits["value"]).all() and (
        limits["value"] <= limits["upper_ci_95"]
    ).all()
    assert (limits["upper_ci_95"] <= limits["upper_ci_99_8"]).all()


def test_ward_spread_finds_the_authority_through_the_lsoa_lookup(
    demo_results: pd.DataFrame,
) -> None:
    """The demo's Local Health file has no parent column and its lookup no ward -> authority
    row: the wards' authority comes from their LSOAs (LSOA -> ward and LSOA -> authority)."""
    spread = demo_results[demo_results["indicator_id"].eq("ward-spread")].set_index("category")
    wards = pd.read_csv(SAMPLES / "local_health_wards.csv")
    wards = wards[wards["area_code"].str.startswith("E05")]  # the file also holds LA and England
    lookup = pd.read_csv(SAMPLES / "lookup_lsoa21_ward24_msoa21_lad24.csv")
    assert set(spread["area_code"]) == set(lookup["LAD24CD"]) == {AMBRIDGE}
    assert set(spread.index) == set(wards["indicator"])
    for name, rows in wards.groupby("indicator"):
        assert spread.loc[name, "value"] == pytest.approx(rows["value"].max() - rows["value"].min())
        assert spread.loc[name, "count"] == rows["area_code"].nunique()
    assert "(SAR)" in spread.loc["Emergency hospital admissions for all causes", "value_note"]


@pytest.fixture(scope="module")
def traf_small(trafford_report) -> Path:  # type: ignore[no-untyped-def]
    """Trafford's shared real-data project (``tests/real_areas.py``): among its inputs, as
    downloaded, the ones these indicators read: the 2024 mid-year estimates, the ward lookup, GP
    registrations, practice QOF prevalence, ward boundaries, the adult social care outcomes and
    the ward-level Local Health files. Read only."""
    needed = [
        real_file("trafford_mye2024/mid-year_2024_population_estimates_local_authority.csv"),
        real_file("lookups/gm_ward22_lad22_lookup.csv"),
        real_file("nhs_gp_registrations_2021/gp-reg-pat-prac-all_jan2021.csv"),
        real_file("fingertips_gp_qof_ae_heec/smok_qof_prev.csv"),
        real_file("boundaries_trafford_gm/trafford_ward_2022_generalised.geojson"),
        real_file("oflog_asc_outcomes_la/ASC_data.csv"),
        *sorted(real_file("trafford_ward_health_fingertips_localhealth").glob("*.csv")),
    ]
    loaded = {
        f["file"]
        for step in trafford_report.ingests
        for f in step["files"]
        if f["status"] == "loaded"
    }
    assert {p.name for p in needed} <= loaded, sorted({p.name for p in needed} - loaded)
    return trafford_report.project


def _results(root: Path) -> pd.DataFrame:
    from jsna.workspace import Workspace

    with Workspace.open(root / "jsna.duckdb", read_only=True) as ws:
        return ws.table("results")


def test_gp_registrations_of_the_matching_ccg(traf_small: Path) -> None:
    source = pd.read_csv(real_file("nhs_gp_registrations_2021/gp-reg-pat-prac-all_jan2021.csv"))
    trafford = source[source["ONS_CCG_CODE"].eq("E38000187")]  # NHS Trafford CCG
    res = _results(traf_small)
    total = res[res["indicator_id"].eq("gp-registered-patients") & res["area_code"].eq(TRAFFORD)]
    assert len(total) == 1
    assert total["value"].iloc[0] == trafford["NUMBER_OF_PATIENTS"].sum()  # 243,418
    assert total["count"].iloc[0] == trafford["CODE"].nunique()  # 30 practices
    lists = res[res["indicator_id"].eq("gp-practice-list-size") & res["parent_code"].eq(TRAFFORD)]
    expected = trafford.set_index("CODE")["NUMBER_OF_PATIENTS"].sort_index()
    assert (
        lists.set_index("area_code")["value"].sort_index().tolist()
        == expected.astype(float).tolist()
    )


def test_ward_spread_is_highest_minus_lowest_of_the_file(traf_small: Path) -> None:
    path = real_file("trafford_ward_health_fingertips_localhealth/female_life_expectancy.csv")
    source = pd.read_csv(path)
    res = _results(traf_small)
    spread = res[res["indicator_id"].eq("ward-spread") & res["area_code"].eq(TRAFFORD)]
    row = spread[spread["category"].str.startswith(str(source["indicator"].iloc[0]), na=False)]
    assert len(row) == 1
    assert row["value"].iloc[0] == pytest.approx(source["value"].max() - source["value"].min())
    assert row["count"].iloc[0] == len(source)


def test_asc_measures_are_routed_by_name(traf_small: Path) -> None:
    source = pd.read_csv(real_file("oflog_asc_outcomes_la/ASC_data.csv"))
    res = _results(traf_small)
    asc = res[res["area_code"].eq(TRAFFORD) & res["indicator_id"].str.match(r"ASC\d")]
    sections = asc.drop_duplicates("indicator_id").set_index("indicator_id")["section"].to_dict()
    assert sections == {
        "ASC1": "voice",
        "ASC2": "voice",
        "ASC3": "voice",
        "ASC4": "voice",
        "ASC5": "met_needs",
        "ASC6": "met_needs",
        "ASC7": "met_needs",
    }
    mine = source[source["Local authority code"].eq(TRAFFORD) & source["Value"].notna()]
    assert asc["indicator_id"].nunique() == mine["Code"].nunique() == 7


def test_trafford_report_uses_or_explains_every_input(traf_small: Path) -> None:
    from jsna import api
    from jsna.report.assemble import assemble_report
    from jsna.workspace import Workspace

    config = api.project_config(traf_small)
    with Workspace.open(config.workspace_path, read_only=True) as ws:
        report = assemble_report(ws, config, TRAFFORD)
        files = set(ws.provenance()["file_name"])
    listed = {s["file"]: s["used"] for s in report.sources_appendix}
    assert set(listed) == files
    for name, used in listed.items():
        assert used.startswith(("Section ", "Sections ")) or (
            used.startswith("Not used: ") and len(used) > 20
        ), name
    assert listed["gp-reg-pat-prac-all_jan2021.csv"] == "Section 4"
    assert listed["ASC_data.csv"] == "Sections 4, 5"
    assert listed["female_life_expectancy.csv"] == "Sections 3, 7"
    by_id = {s.info.id: s for s in report.sections}
    assert any(
        b["title"].startswith("Small areas: wards of") for b in by_id["health_status"].blocks
    )
    assert any(t.id == "inequalities-wards" for t in by_id["inequalities"].tables)
    assert any(
        h.label.startswith("Patients registered") and h.value == "243,418"
        for h in by_id["met_needs"].headlines
    )
