"""Projections: financial years, Hamilton-Perry, rates x projected population with intervals and scenarios."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jsna.indicators.methods.projections import (
    Scenario,
    financial_year,
    prevalence_rates,
    project_population,
    projected_cases,
    service_use_rates,
)


def _estimates(growth: float = 0.0, years: range = range(2020, 2025)) -> pd.DataFrame:
    rows = []
    for y in years:
        for s in ("Male", "Female"):
            for a in range(91):
                rows.append(
                    (
                        "E06999001",
                        str(y),
                        s,
                        a,
                        None if a == 90 else a,
                        1000.0 * (1 + growth) ** (y - 2020),
                    )
                )
    return pd.DataFrame(rows, columns=["area_code", "period", "sex", "age_from", "age_to", "count"])


def test_financial_year_is_three_quarters_plus_one_quarter():
    data = pd.DataFrame({"a": "x", "year": [2025, 2026, 2027], "value": [100.0, 200.0, 400.0]})
    out = financial_year(data, value="value", by="a")
    assert list(out["period"]) == ["2025/26", "2026/27"]
    assert out["value"].tolist() == pytest.approx(
        [125.0, 250.0]
    )  # 0.75*100 + 0.25*200; 0.75*200 + 0.25*400


def test_hamilton_perry_holds_a_stationary_population():
    out = project_population(_estimates(), horizon=5)
    totals = out.groupby("year")["count"].sum()
    # every age 1000: ratios 1, open age (1000 / 2000) x 2000 = 1000, births 1000 per 30,000 women x 30,000
    assert totals.to_numpy() == pytest.approx(np.full(5, 182_000.0))
    assert set(out["variant"]) == {"trend (Hamilton-Perry)"}


def test_one_year_of_estimates_is_held_constant_and_says_so():
    out = project_population(_estimates(years=range(2024, 2025)), horizon=3)
    assert set(out["variant"]) == {"no change"}
    assert out.groupby("year")["count"].sum().tolist() == pytest.approx([182_000.0] * 3)


def test_population_needs_single_years():
    bands = _estimates()
    bands = bands[bands["age_from"] % 5 == 0]
    with pytest.raises(ValueError, match="single years"):
        project_population(bands)


def _projection(scale: float = 1.0, variant: str = "principal") -> pd.DataFrame:
    proj = project_population(_estimates(), horizon=4)
    return proj.assign(count=proj["count"] * scale, variant=variant)


def test_projected_cases_central_is_rate_times_population():
    prev = pd.DataFrame(
        {
            "condition": "Dementia",
            "sex": ["Male", "Female"],
            "age_from": [80, 80],
            "age_to": [np.nan, np.nan],
            "prevalence": [0.1, 0.2],
            "lower_ci_95": [0.08, 0.17],
            "upper_ci_95": [0.12, 0.23],
        }
    )
    proj = pd.concat([_projection(), _projection(1.1, "high")])
    out = projected_cases(prevalence_rates(prev), proj, series="condition", repetitions=500)
    # ages 80-90: 10 single years of 1000 plus the open age of 1000 = 11,000 per sex
    assert out["value"].iloc[0] == pytest.approx(0.1 * 11_000 + 0.2 * 11_000)
    assert (out["lower_ci_95"] < out["value"]).all() and (out["upper_ci_95"] > out["value"]).all()
    assert out["variant_high"].iloc[0] == pytest.approx(1.1 * out["value"].iloc[0])
    assert out["variants"].iloc[0] == 2


def test_scenarios_change_only_the_series_they_name():
    prev = pd.DataFrame(
        {
            "condition": ["Dementia", "Falls"],
            "sex": "Persons",
            "age_from": [65, 65],
            "age_to": [np.nan, np.nan],
            "prevalence": [0.1, 0.05],
        }
    )
    scen = [
        Scenario("falls 1% a year", annual_change=-0.01, applies_to=("Dementia",)),
        Scenario("cut 10% from 2027", step_change=-0.10, start=2027),
    ]
    out = projected_cases(
        prevalence_rates(prev), _projection(), series="condition", scenarios=scen, repetitions=300
    )
    dem = out[out["condition"].eq("Dementia")].pivot(
        index="year", columns="scenario", values="value"
    )
    assert dem["falls 1% a year"].to_numpy() == pytest.approx(
        dem["Baseline"].to_numpy() * 0.99 ** np.arange(1, 5)
    )
    assert dem.loc[2026, "cut 10% from 2027"] == pytest.approx(dem.loc[2026, "Baseline"])
    assert dem.loc[2027, "cut 10% from 2027"] == pytest.approx(0.9 * dem.loc[2027, "Baseline"])
    assert "falls 1% a year" not in set(out.loc[out["condition"].eq("Falls"), "scenario"])


def test_service_use_rates_pool_base_years():
    est = _estimates()
    events = pd.DataFrame(
        {
            "area_code": "E06999001",
            "period": ["2023", "2024"] * 2,
            "sex": ["Male"] * 2 + ["Female"] * 2,
            "age_from": 65,
            "age_to": np.nan,
            "measure": "Falls",
            "count": [100.0, 140.0, 50.0, 70.0],
        }
    )
    rates = service_use_rates(events, est, base_years=2, anchor="pooled")
    male = rates[rates["sex"].eq("Male")].iloc[0]
    assert male["rate"] == pytest.approx(
        240 / (2 * 26_000)
    )  # ages 65..89 + 90+ = 26 x 1000, two years
    assert male["base_period"] == "2023-24"
    latest = service_use_rates(events, est, base_years=2)  # the default: the latest year's rates
    male = latest[latest["sex"].eq("Male")].iloc[0]
    assert male["rate"] == pytest.approx(140 / 26_000) and male["rate_period"] == "2024"
    assert (
        male["count"] == 240 and male["base_period"] == "2023-24"
    )  # the pooled counts set the interval
    out = projected_cases(
        rates,
        _projection(),
        series="measure",
        year_type="financial",
        years=[2025, 2026, 2027],
        repetitions=300,
    )
    assert list(out["period"]) == ["2025/26", "2026/27", "2027/28"]
