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


def _expected_people(condition: str, rates_file: str) -> float:
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


@pytest.mark.parametrize(
    ("cohort", "condition", "rates_file"),
    [
        (
            "Long-term conditions and frailty (older people at risk of care-home admission)",
            "Frailty",
            "ipc_prevalence_rates.csv",
        ),
        ("Children with complex needs", "Complex needs", "ipc_prevalence_rates.csv"),
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
    expected = _expected_people(condition, rates_file)
    assert row["people"] == pytest.approx(expected, rel=1e-9)
    assert row["lower_ci_95"] < row["people"] < row["upper_ci_95"]
    assert row["envelope"] == pytest.approx(expected * row["average_budget"], rel=1e-9)


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
