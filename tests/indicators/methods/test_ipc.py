"""Integrated personal commissioning methods: cohort sizes, the budget envelope and budget
holders' answers by client group, against values worked by hand.

Cohort sizes, worked example: males 65+ 200 people at 10% (95% limits 8% to 12%), females 65+
300 people at 20% (18% to 22%):

* people = 200 x 0.10 + 300 x 0.20 = 80
* se of each rate = 0.04 / (2 x 1.959964) = 0.0102042; SE = 0.0102042 x sqrt(200^2 + 300^2)
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from jsna.indicators import methods
from jsna.indicators.methods import personal_budgets as phbm

Z = 1.959963984540054


@pytest.fixture
def rates() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "cohort": ["Frail", "Frail", "Adults"],
            "sex": ["Male", "Female", "Persons"],
            "age_from": [65, 65, 18],
            "age_to": [np.nan, np.nan, 64],
            "prevalence": [0.10, 0.20, 0.02],
            "lower_ci_95": [0.08, 0.18, 0.015],
            "upper_ci_95": [0.12, 0.22, 0.025],
        }
    )


@pytest.fixture
def population() -> pd.DataFrame:
    """Single years 0-90+ for each sex: 10 people a year of age, the open band 90+ holds 20."""
    ages = list(range(91))
    rows = []
    for sex, per_year in (("Male", 10), ("Female", 10)):
        for age in ages:
            rows.append((sex, age, age if age < 90 else np.nan, per_year * (2 if age == 90 else 1)))
    return pd.DataFrame(rows, columns=["sex", "age_from", "age_to", "count"])


def test_exported() -> None:
    for name in ("cohort_sizes", "budget_envelope", "outcome_proportions"):
        assert getattr(methods, name) is getattr(phbm, name)
        assert name in methods.__all__


def test_cohort_sizes_by_hand(rates: pd.DataFrame) -> None:
    pop = pd.DataFrame(
        {
            "sex": ["Male", "Male", "Female", "Female"],
            "age_from": [18, 65, 18, 65],
            "age_to": [64, np.nan, 64, np.nan],
            "count": [500, 200, 520, 300],
        }
    )
    out = phbm.cohort_sizes(rates, pop).set_index("cohort")
    se_rate = 0.04 / (2 * Z)
    frail_se = se_rate * math.sqrt(200**2 + 300**2)
    assert out.loc["Frail", "people"] == pytest.approx(80.0)
    assert out.loc["Frail", "se"] == pytest.approx(frail_se)
    assert out.loc["Frail", "lower_ci_95"] == pytest.approx(80 - Z * frail_se)
    assert out.loc["Frail", "upper_ci_95"] == pytest.approx(80 + Z * frail_se)
    assert out.loc["Frail", "population"] == 500
    # Persons rate: males and females together, 1,020 people aged 18-64
    assert out.loc["Adults", "people"] == pytest.approx(0.02 * 1020)
    assert out.loc["Adults", "se"] == pytest.approx(0.01 / (2 * Z) * 1020)
    assert list(out.index) == ["Frail", "Adults"]


def test_cohort_sizes_from_single_years(rates: pd.DataFrame, population: pd.DataFrame) -> None:
    out = phbm.cohort_sizes(rates, population).set_index("cohort")
    over_65 = 10 * 25 + 20  # ages 65-89 and the open 90+
    assert out.loc["Frail", "people"] == pytest.approx(0.10 * over_65 + 0.20 * over_65)
    assert out.loc["Adults", "people"] == pytest.approx(0.02 * 2 * 10 * 47)


def test_cohort_sizes_without_limits(population: pd.DataFrame) -> None:
    bare = pd.DataFrame(
        {"cohort": ["X"], "sex": ["Persons"], "age_from": [0], "age_to": [17], "prevalence": [0.05]}
    )
    out = phbm.cohort_sizes(bare, population).iloc[0]
    assert out["people"] == pytest.approx(0.05 * 2 * 10 * 18)
    assert math.isnan(out["lower_ci_95"])
    assert "no interval" in out["note"]


def test_cohort_sizes_rejects_a_rate_above_one(rates: pd.DataFrame, population) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="between 0 and 1"):
        phbm.cohort_sizes(rates.assign(prevalence=[0.1, 12.0, 0.02]), population)


def test_budget_envelope_by_hand() -> None:
    cohorts = pd.DataFrame(
        {"cohort": ["A", "B", "C"], "people": [80.0, 20.0, 5.0], "se": [4.0, 3.0, 1.0]}
    )
    budgets = pd.DataFrame({"cohort": ["A", "B"], "average_budget": [10_000.0, 20_000.0]})
    out = phbm.budget_envelope(cohorts, budgets).set_index("cohort")
    assert out.loc["A", "envelope"] == pytest.approx(800_000)
    assert out.loc["A", "lower_ci_95"] == pytest.approx(800_000 - Z * 40_000)
    assert math.isnan(out.loc["C", "envelope"])
    assert out.loc["C", "note"] == "no average budget given"
    total = out.loc["All cohorts"]
    assert total["envelope"] == pytest.approx(1_200_000)
    se = math.sqrt(40_000**2 + 60_000**2)
    assert total["upper_ci_95"] == pytest.approx(1_200_000 + Z * se)
    assert total["people"] == pytest.approx(100)
    assert "1 cohort(s) without an average budget" in total["note"]


def _wilson(yes: float, n: float) -> tuple[float, float]:
    """Wilson score limits, written out from Wilson (1927)."""
    p = yes / n
    centre = p + Z**2 / (2 * n)
    half = Z * math.sqrt(p * (1 - p) / n + Z**2 / (4 * n**2))
    return (centre - half) / (1 + Z**2 / n), (centre + half) / (1 + Z**2 / n)


def test_outcome_proportions_by_hand() -> None:
    holders = pd.DataFrame(
        {
            "client_group": ["Mental health"] * 4 + ["Older people"] * 5,
            "satisfied": [1, 1, 1, 0, 1, 0, 0, np.nan, 1],
            "in_control": [1, 1, 0, 0, 1, 1, 0, 0, 0],
        }
    )
    out = phbm.outcome_proportions(holders).set_index(["client_group", "outcome"])
    mh = out.loc[("Mental health", "satisfied")]
    assert (mh["yes"], mh["n"]) == (3, 4)
    assert mh["value"] == pytest.approx(75.0)
    lo, hi = _wilson(3, 4)
    assert mh["lower_ci_95"] == pytest.approx(100 * lo)
    assert mh["upper_ci_95"] == pytest.approx(100 * hi)
    op = out.loc[("Older people", "satisfied")]  # the missing answer is not in the denominator
    assert (op["yes"], op["n"]) == (2, 4)
    every = out.loc[("All", "in_control")]
    assert (every["yes"], every["n"]) == (4, 9)


def test_outcome_proportions_rejects_other_answers() -> None:
    with pytest.raises(ValueError, match="1 \\(yes\\) or 0 \\(no\\)"):
        phbm.outcome_proportions(pd.DataFrame({"client_group": ["A"], "satisfied": [2]}))


def test_outcome_change_by_client_group() -> None:
    """Paired before/after by client group: mean of after - before, Student's t limits."""
    holders = pd.DataFrame(
        {
            "client_group": ["A", "A", "A", "B", "B"],
            "outcome_measure": ["ASCOT"] * 5,
            "score_before": [0.5, 0.6, 0.4, 0.7, 0.8],
            "score_after": [0.6, 0.8, 0.5, 0.7, 0.9],
        }
    )
    out = phbm.outcome_change(holders, by="client_group").set_index("client_group")
    d = np.array([0.1, 0.2, 0.1])
    t = 4.302652729911275  # t(0.975, 2)
    half = t * d.std(ddof=1) / math.sqrt(3)
    assert out.loc["A", "mean_difference"] == pytest.approx(d.mean())
    assert out.loc["A", "lower_ci_95"] == pytest.approx(d.mean() - half)
    assert out.loc["A", "upper_ci_95"] == pytest.approx(d.mean() + half)


def test_counts_by_area_sums_members_and_gives_the_coverage() -> None:
    """Three practices in area A (lists 1,000, 2,000 and 3,000; the third has no figure), one in
    B; a practice in no area is left out. A: 10 + 25 = 35 people, 2 of 3 practices, 3,000 of
    6,000 patients (coverage 0.5); B: 7, 1 of 1."""
    members = pd.DataFrame(
        {
            "unit_code": ["P1", "P2", "P3", "P4"],
            "area_code": ["A", "A", "A", "B"],
            "size": [1000, 2000, 3000, 500],
        }
    )
    counts = pd.DataFrame(
        {"unit_code": ["P1", "P2", "P3", "P4", "P9"], "count": [10, 25, np.nan, 7, 99]}
    )
    out = phbm.counts_by_area(counts, members).set_index("area_code")
    assert out.loc["A", "people"] == 35
    assert (out.loc["A", "units"], out.loc["A", "units_counted"]) == (3, 2)
    assert (out.loc["A", "size"], out.loc["A", "size_counted"]) == (6000, 3000)
    assert out.loc["A", "coverage"] == pytest.approx(0.5)
    assert out.loc["B", "people"] == 7
    assert out.loc["B", "coverage"] == 1.0
    assert list(out.index) == ["A", "B"]


def test_counts_by_area_by_group_and_without_sizes() -> None:
    members = pd.DataFrame({"unit_code": ["L1", "L2"], "area_code": ["A", "A"]})
    counts = pd.DataFrame(
        {"unit_code": ["L1", "L2", "L1"], "indicator_id": ["x", "x", "y"], "count": [4, 6, 1]}
    )
    out = phbm.counts_by_area(counts, members, by="indicator_id").set_index("indicator_id")
    assert out.loc["x", "people"] == 10
    assert out.loc["y", "people"] == 1
    # no sizes: the coverage is the share of units with a count
    assert out.loc["y", "coverage"] == pytest.approx(0.5)


def test_counts_by_area_refuses_a_negative_count() -> None:
    members = pd.DataFrame({"unit_code": ["L1"], "area_code": ["A"]})
    with pytest.raises(ValueError, match="0 or more"):
        phbm.counts_by_area(pd.DataFrame({"unit_code": ["L1"], "count": [-1]}), members)


def test_counts_by_area_refuses_a_unit_counted_twice() -> None:
    members = pd.DataFrame({"unit_code": ["L1"], "area_code": ["A"]})
    counts = pd.DataFrame({"unit_code": ["L1", "L1"], "count": [1, 2]})
    with pytest.raises(ValueError, match="one count per group"):
        phbm.counts_by_area(counts, members)


def test_a_population_band_across_a_rate_band_is_refused(rates: pd.DataFrame) -> None:
    """A census's 60-69 cannot be split at the cohort's 65: refused, not summed or dropped, by
    the cohort sizes as by the projections' band sums (one placement of rows in bands)."""
    from jsna.indicators.methods.projections import aggregate_to_bands

    census = pd.DataFrame(
        {
            "sex": ["Male", "Female", "Male", "Female"],
            "age_from": [18, 18, 60, 60],
            "age_to": [59, 59, 69, 69],
            "age_band": ["18-59", "18-59", "60-69", "60-69"],
            "count": [500.0, 520.0, 90.0, 110.0],
        }
    )
    message = "population band '60-69' straddles the rate band starting at 18"
    with pytest.raises(ValueError, match=message):
        phbm.cohort_sizes(rates, census)
    with pytest.raises(ValueError, match=message):
        aggregate_to_bands(census, rates[["age_from", "age_to"]], keys=["sex"])
