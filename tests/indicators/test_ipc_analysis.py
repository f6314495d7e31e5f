"""Integrated personal commissioning analyses stored by ``jsna compute``: the cohorts of the demo
and budget holders' answers by client group, checked against plain pandas sums over the sample
files; and :func:`integrated_budgets_analysis` on small tables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from jsna.indicators.analyses import integrated_budgets_analysis
from tests.conftest import SAMPLES

AREA = "E06999001"


def _stored(project: Path, name: str) -> pd.DataFrame:
    from jsna import api
    from jsna.workspace import Workspace

    config = api.project_config(project)
    with Workspace.open(config.workspace_path, read_only=True) as ws:
        frame = ws.analysis_table(name)
    return frame[frame["report_area"].eq(AREA)]


def _band(text: str) -> tuple[int, float]:
    if text.endswith("+"):
        return int(text[:-1]), np.inf
    lo, hi = text.split("-")
    return int(lo), int(hi)


def expected_people(condition: str, rates_file: str) -> float:
    """Prevalence × the 2024 single-year population of the demo area, summed by hand."""
    rates = pd.read_csv(SAMPLES / rates_file)
    rates = rates[rates["condition"].eq(condition)]
    pop = pd.read_csv(SAMPLES / "population_mye_lad_2020_2024.csv")
    pop = pop[pop["area_code"].eq(AREA) & pop["period"].eq(2024)]
    pop["age_num"] = pop["age"].astype(str).str.rstrip("+").astype(int)
    total = 0.0
    for _, r in rates.iterrows():
        lo, hi = _band(r["age_band"])
        people = pop[pop["sex"].eq(r["sex"]) & pop["age_num"].between(lo, hi)]["population"].sum()
        total += people * r["prevalence"]
    return total


FRAIL = "Long-term conditions and frailty (older people at risk of care-home admission)"
CHILDREN = "Children with complex needs"


@pytest.mark.parametrize(
    ("cohort", "condition", "rates_file"),
    [
        (FRAIL, "Frailty", "ipc_prevalence_rates.csv"),
        ("People with learning disabilities", "Learning disability", "prevalence_rates.csv"),
        (
            "People with severe and enduring mental illness",
            "Severe mental illness",
            "ipc_prevalence_rates.csv",
        ),
    ],
)
def test_demo_cohort_sizes_match_the_sample_files(
    demo_project: Path, cohort: str, condition: str, rates_file: str
) -> None:
    stored = _stored(demo_project, "analysis_ipc_cohorts").set_index("cohort")
    row = stored.loc[cohort]
    expected = expected_people(condition, rates_file)
    assert row["people"] == pytest.approx(expected, rel=1e-9)
    assert row["lower_ci_95"] < row["people"] < row["upper_ci_95"]
    assert row["envelope"] == pytest.approx(expected * row["average_budget"], rel=1e-9)


def ehc_plans(area: str) -> tuple[int, str]:
    """The authority's pupils with an EHC plan in the latest year of the SEN sample (DfE's EES
    layout), and that year as ``2024/25``: its row whose filters are all ``Total``."""
    sen = pd.read_csv(SAMPLES / "sen_ehc_plans_la.csv", dtype=str)
    rows = sen[
        sen["new_la_code"].eq(area)
        & sen["phase_type_grouping"].eq("Total")
        & sen["type_of_establishment"].eq("Total")
        & sen["hospital_school"].eq("Total")
    ]
    latest = rows[rows["time_period"].eq(rows["time_period"].max())].iloc[0]
    period = latest["time_period"]
    return int(latest["ehc_plan"]), f"{period[:4]}/{period[4:]}"


def test_demo_cohorts_from_counts_match_the_sample_files(demo_project: Path) -> None:
    """The children are the authority's pupils with an EHC plan (DfE's file as downloaded);
    the frail older people are not the dementia register, which the demo loads for the
    authority and its practices (247), but frailty prevalence × population."""
    stored = _stored(demo_project, "analysis_ipc_cohorts").set_index("cohort")
    count, period = ehc_plans(AREA)
    children = stored.loc[CHILDREN]
    assert children["people"] == count
    assert children["period"] == period == "2024/25"
    assert children["source"] == "SEN count: Pupils with an EHC plan, 2024/25"
    assert children["coverage"] == "the area's own figure"
    assert children["interval"] == "count (no sampling error)"
    assert np.isnan(children["lower_ci_95"]) and np.isnan(children["upper_ci_95"])
    assert children["envelope"] == count * children["average_budget"]
    assert children["envelope_lower_ci_95"] == children["envelope"]
    export = pd.read_csv(SAMPLES / "fingertips_export.csv")
    assert export["Indicator ID"].eq(247).any()  # loaded, and still not used
    frail = stored.loc[FRAIL]
    assert frail["source"].startswith("prevalence rates × population")
    assert frail["coverage"] == "residents of the area"
    assert frail["lower_ci_95"] < frail["people"] < frail["upper_ci_95"]


def test_demo_envelope_total(demo_project: Path) -> None:
    stored = _stored(demo_project, "analysis_ipc_cohorts").set_index("cohort")
    cohorts = stored.drop(index="All cohorts")
    assert stored.loc["All cohorts", "envelope"] == pytest.approx(cohorts["envelope"].sum())
    assert list(stored.index)[-1] == "All cohorts"


def test_demo_answers_by_client_group_match_the_sample_file(demo_project: Path) -> None:
    raw = pd.read_csv(SAMPLES / "phb_local_budgets.csv")
    stored = _stored(demo_project, "analysis_phb_client_answers")
    for outcome in ("satisfied", "in_control"):
        answered = raw[raw[outcome].notna()]
        by_hand = answered.groupby("client_group")[outcome].agg(["sum", "count"])
        mine = stored[stored["outcome"].eq(outcome)].set_index("client_group")
        for group, r in by_hand.iterrows():
            assert mine.loc[group, "yes"] == r["sum"]
            assert mine.loc[group, "n"] == r["count"]
            assert mine.loc[group, "value"] == pytest.approx(100 * r["sum"] / r["count"])
        assert mine.loc["All", "n"] == len(answered)
    change = _stored(demo_project, "analysis_phb_client_outcomes").set_index("client_group")
    for group, rows in raw.groupby("client_group"):
        diff = rows["score_after"] - rows["score_before"]
        assert change.loc[group, "mean_difference"] == pytest.approx(diff.mean(), rel=1e-9)


def _tables(**frames: pd.DataFrame) -> Any:
    empty = {
        "indicator_values": pd.DataFrame(
            columns=[
                "indicator_id",
                "indicator_name",
                "area_code",
                "sex",
                "category_type",
                "category",
                "period",
                "period_sortable",
                "value",
                "count",
                "unit",
            ]
        ),
        "deprivation": pd.DataFrame(columns=["lsoa_code", "lad_code"]),
        "lookups": pd.DataFrame(columns=["child_code", "child_type", "parent_code", "parent_type"]),
        "prevalence": pd.DataFrame(
            columns=["condition", "sex", "age_band", "age_from", "age_to", "prevalence"]
        ),
        "population": pd.DataFrame(
            columns=["area_code", "period", "sex", "age_from", "age_to", "variant", "count"]
        ),
    }
    empty.update(frames)
    return lambda name: empty[name]


def _population() -> pd.DataFrame:
    rows = [
        ("E06000001", "2024", sex, a, a if a < 90 else np.nan, "estimate", 10.0)
        for sex in ("Male", "Female")
        for a in range(91)
    ]
    return pd.DataFrame(
        rows, columns=["area_code", "period", "sex", "age_from", "age_to", "variant", "count"]
    )


def test_unsized_cohorts_say_what_is_missing() -> None:
    from jsna.config import IpcSettings

    out = integrated_budgets_analysis(
        _tables(population=_population()), "E06000001", cohorts=IpcSettings().cohorts
    )
    assert len(out["ipc_unsized"]) == 4
    assert out["ipc_cohorts"]["source"].str.startswith("not sized").all()


def test_cohort_age_limits_and_case() -> None:
    prevalence = pd.DataFrame(
        {
            "condition": ["frailty", "frailty"],
            "sex": ["Persons", "Persons"],
            "age_band": ["50-64", "65+"],
            "age_from": [50, 65],
            "age_to": [64, np.nan],
            "prevalence": [0.05, 0.2],
            "lower_ci_95": [0.04, 0.18],
            "upper_ci_95": [0.06, 0.22],
            "reference": ["eFI", "eFI"],
        }
    )
    cohorts = [{"name": "Frail", "condition": "Frailty", "min_age": 65, "average_budget": 1000.0}]
    out = integrated_budgets_analysis(
        _tables(prevalence=prevalence, population=_population()), "E06000001", cohorts=cohorts
    )
    table = out["ipc_cohorts"].set_index("cohort")
    people_65 = 2 * (10 * 25 + 10)  # both sexes, ages 65-89 and 90+
    assert table.loc["Frail", "people"] == pytest.approx(0.2 * people_65)
    assert table.loc["Frail", "source"] == "prevalence rates × population (eFI)"
    assert table.loc["All cohorts", "envelope"] == pytest.approx(0.2 * people_65 * 1000)
    assert out["ipc_unsized"] == []


def _values(rows: list[tuple[Any, ...]]) -> pd.DataFrame:
    """``indicator_values`` rows: (id, name, area, category, period, count, value, unit)."""
    frame = pd.DataFrame(
        rows,
        columns=[
            "indicator_id",
            "indicator_name",
            "area_code",
            "category",
            "period",
            "count",
            "value",
            "unit",
        ],
    )
    return frame.assign(
        sex="Persons",
        category_type=frame["category"].map(lambda c: None if c is None else "Disability"),
        period_sortable=frame["period"].str[:4].astype(int) * 10_000,
    )


LD = "Learning disability: QOF prevalence (all ages)"
AREA_A = "E06000001"
AREA_B = "E06000002"


def _practices() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "practice_code": ["A00001", "A00002", "A00003", "B00001"],
            "area_code": [AREA_A, AREA_A, AREA_A, AREA_B],
            "list_size": [4000.0, 6000.0, 10000.0, 5000.0],
        }
    )


def _ld_prevalence() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "condition": ["Learning disability"],
            "sex": ["Persons"],
            "age_band": ["0+"],
            "age_from": [0],
            "age_to": [np.nan],
            "prevalence": [0.01],
            "lower_ci_95": [0.009],
            "upper_ci_95": [0.011],
            "reference": ["PANSI"],
        }
    )


def test_practice_registers_beat_prevalence_and_give_the_coverage() -> None:
    """A's practices hold 20 + 35 (+ one without a figure) on the latest register, 2022/23;
    B's own LA row (60) is used rather than its one practice (41)."""
    values = _values(
        [
            ("200", LD, "A00001", None, "2021/22", 1.0, None, None),
            ("200", LD, "A00001", None, "2022/23", 20.0, None, None),
            ("200", LD, "A00002", None, "2022/23", 35.0, None, None),
            ("200", LD, "A00003", None, "2022/23", None, None, None),
            ("200", LD, "B00001", None, "2022/23", 41.0, None, None),
            ("200", LD, AREA_B, None, "2022/23", 60.0, None, None),
        ]
    )
    cohorts = [{"name": "LD", "condition": "Learning disability", "average_budget": 100.0}]
    tables = _tables(indicator_values=values, prevalence=_ld_prevalence(), population=_population())
    shared: dict[str, Any] = {}
    a = integrated_budgets_analysis(
        tables, AREA_A, cohorts=cohorts, shared=shared, practices=_practices()
    )["ipc_cohorts"].set_index("cohort")
    assert a.loc["LD", "people"] == 55
    assert a.loc["LD", "period"] == "2022/23"
    assert a.loc["LD", "coverage"] == "2 of 3 GP practices; 10,000 of 20,000 registered patients"
    assert a.loc["LD", "coverage_share"] == pytest.approx(0.5)
    assert a.loc["LD", "interval"] == "count (no sampling error)"
    assert a.loc["All cohorts", "envelope"] == 5500
    b = integrated_budgets_analysis(tables, AREA_B, cohorts=cohorts, shared=shared)
    row = b["ipc_cohorts"].set_index("cohort").loc["LD"]
    assert row["people"] == 60
    assert row["coverage"] == "the area's own figure"
    assert row["source"] == f"register count: {LD}, 2022/23"


def test_no_counts_falls_back_to_prevalence_and_counts_can_be_turned_off() -> None:
    values = _values([("200", LD, AREA_A, None, "2022/23", 60.0, None, None)])
    tables = _tables(indicator_values=values, prevalence=_ld_prevalence(), population=_population())
    off = [{"name": "LD", "condition": "Learning disability", "counts": []}]
    row = integrated_budgets_analysis(tables, AREA_A, cohorts=off)["ipc_cohorts"].iloc[0]
    assert row["people"] == pytest.approx(0.01 * 2 * 91 * 10)
    assert row["source"] == "prevalence rates × population (PANSI)"
    assert row["lower_ci_95"] < row["people"] < row["upper_ci_95"]


def test_frailty_is_estimated_unless_a_count_is_named() -> None:
    """The dementia register (247) is loaded for the area; the frailty cohort ignores it by
    default (no register counts frailty) and uses it, as a floor, only when named."""
    frailty = pd.DataFrame(
        {
            "condition": ["Frailty"],
            "sex": ["Persons"],
            "age_band": ["65+"],
            "age_from": [65],
            "age_to": [np.nan],
            "prevalence": [0.15],
            "lower_ci_95": [0.13],
            "upper_ci_95": [0.17],
            "reference": ["eFI"],
        }
    )
    dementia = "Dementia: QOF prevalence (all ages)"
    values = _values([("247", dementia, AREA_A, None, "2022/23", 12.0, None, None)])
    tables = _tables(indicator_values=values, prevalence=frailty, population=_population())
    spec = {"name": "Frail", "condition": "Frailty", "min_age": 65}
    row = integrated_budgets_analysis(tables, AREA_A, cohorts=[spec])["ipc_cohorts"].iloc[0]
    people_65 = 2 * (10 * 25 + 10)
    assert row["people"] == pytest.approx(0.15 * people_65)
    assert row["lower_ci_95"] == pytest.approx(0.13 * people_65)
    assert row["source"] == "prevalence rates × population (eFI)"
    named = integrated_budgets_analysis(tables, AREA_A, cohorts=[{**spec, "counts": ["247"]}])[
        "ipc_cohorts"
    ].iloc[0]
    assert named["people"] == 12
    assert named["source"] == f"register count: {dementia}, 2022/23"


def test_children_from_dfes_file_before_a_tidy_ehc_plan_count() -> None:
    """The default children's cohort takes DfE's ``ehc-plan`` (the EES file) first, else the
    tidy file's ``pupils-with-an-ehc-plan``; a suppressed ``ehc-plan`` (no count) gives way."""
    from jsna.config import IpcSettings

    children = [c for c in IpcSettings().cohorts if c.condition == "Complex needs"]
    tidy = ("pupils-with-an-ehc-plan", "Pupils with an EHC plan", AREA_A, None, "2024/25")
    both = _values(
        [
            (
                "ehc-plan",
                "Pupils with an EHC plan",
                AREA_A,
                None,
                "2024/25",
                2100.0,
                2100.0,
                "Count",
            ),
            (*tidy, 2000.0, None, "Count"),
            ("ehc-plan", "Pupils with an EHC plan", AREA_B, None, "2024/25", None, None, "Count"),
            (*tidy[:2], AREA_B, None, "2024/25", 700.0, None, "Count"),
        ]
    )
    tables = _tables(indicator_values=both, population=_population())
    shared: dict[str, Any] = {}
    a = integrated_budgets_analysis(tables, AREA_A, cohorts=children, shared=shared)
    assert a["ipc_cohorts"].iloc[0]["people"] == 2100
    b = integrated_budgets_analysis(tables, AREA_B, cohorts=children, shared=shared)
    assert b["ipc_cohorts"].iloc[0]["people"] == 700


def test_census_counts_over_lsoas_with_a_category() -> None:
    """A disability cohort from a census table by LSOA: the two 'Disabled …' categories of the
    area's two LSOAs (LSOA -> LA from the lookups), not the 'Not disabled' rows."""
    lsoas = ["E01000001", "E01000002", "E01000003"]
    rows = []
    for lsoa, a_lot, a_little, not_disabled in zip(
        lsoas, (10, 20, 99), (5, 7, 99), (100, 200, 999), strict=True
    ):
        for category, n in (
            ("Disabled under the Equality Act: Day-to-day activities limited a lot", a_lot),
            ("Disabled under the Equality Act: Day-to-day activities limited a little", a_little),
            ("Not disabled under the Equality Act: No long term conditions", not_disabled),
        ):
            rows.append(
                ("disability-count", "Disability", lsoa, category, "2021", None, n, "Count")
            )
    lookups = pd.DataFrame(
        {
            "child_code": lsoas,
            "child_type": "LSOA",
            "parent_code": [AREA_A, AREA_A, AREA_B],
            "parent_type": "Local authority district",
        }
    )
    cohorts = [
        {
            "name": "Disabled residents",
            "condition": "Disability",
            "counts": ["disability-count"],
            "count_category": "disabled under the equality act",
        }
    ]
    out = integrated_budgets_analysis(
        _tables(indicator_values=_values(rows), lookups=lookups, population=_population()),
        AREA_A,
        cohorts=cohorts,
    )
    row = out["ipc_cohorts"].iloc[0]
    assert row["people"] == 10 + 20 + 5 + 7
    assert row["source"].startswith("census count: Disability, 2021")
    assert row["coverage"] == "2 of 2 LSOAs"
    assert out["ipc_unsized"] == []
