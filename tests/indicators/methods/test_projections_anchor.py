"""Projected service use starts where the record ends: the latest year's rates × next year's population."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jsna.indicators.methods.projections import projected_cases, service_use_rates

AREA = "E06999001"


def _population(years: range, per_year: dict[int, float]) -> pd.DataFrame:
    rows = [
        (AREA, str(y), s, band, hi, per_year[y] * (2 if band == 65 else 1))
        for y in years
        for s in ("Male", "Female")
        for band, hi in ((0, 64), (65, None))
    ]
    return pd.DataFrame(rows, columns=["area_code", "period", "sex", "age_from", "age_to", "count"])


def test_first_projected_year_is_last_recorded_rates_times_next_years_population() -> None:
    estimates = _population(range(2022, 2025), {2022: 1000.0, 2023: 1000.0, 2024: 1000.0})
    # use falls year on year, so pooled rates would start the projection below the record
    counts = {2022: (30.0, 90.0), 2023: (25.0, 80.0), 2024: (20.0, 60.0)}
    events = pd.DataFrame(
        [
            (
                AREA,
                str(y),
                s,
                band,
                hi,
                "A&E attendances",
                counts[y][band == 65] * (1 if s == "Male" else 2),
            )
            for y in counts
            for s in ("Male", "Female")
            for band, hi in ((0, 64), (65, None))
        ],
        columns=["area_code", "period", "sex", "age_from", "age_to", "measure", "count"],
    )
    projection = _population(range(2025, 2028), {2025: 1100.0, 2026: 1200.0, 2027: 1300.0}).assign(
        variant="principal", year=lambda f: f["period"].astype(int)
    )
    rates = service_use_rates(events, estimates, base_years=3)
    out = projected_cases(
        rates, projection, series="measure", years=[2025, 2026], repetitions=400, seed=1
    )
    first = out[out["year"].eq(2025) & out["scenario"].eq("Baseline")].iloc[0]
    # by hand: 2024 counts / 2024 population in each sex and band, times the 2025 projected population
    e24 = events[events["period"].eq("2024")].set_index(["sex", "age_from"])["count"]
    p24 = estimates[estimates["period"].eq("2024")].set_index(["sex", "age_from"])["count"]
    p25 = projection[projection["year"].eq(2025)].set_index(["sex", "age_from"])["count"]
    expected = float((e24 / p24 * p25).sum())
    assert first["value"] == pytest.approx(expected)
    assert first["lower_ci_95"] < first["value"] < first["upper_ci_95"]
    assert "2024 rates" in first["method"] and "2022-24" in first["method"]
    # recorded 2024 total at 2024's rates on 2024's population is the record itself: no step at the join
    assert float((e24 / p24 * p24).sum()) == pytest.approx(float(e24.sum()))
    pooled = service_use_rates(events, estimates, base_years=3, anchor="pooled")
    lower = projected_cases(
        pooled, projection, series="measure", years=[2025], repetitions=100, seed=1
    )
    assert (
        lower["value"].iloc[0] > expected
    )  # pooled rates of busier years would not start at the record
    assert np.isfinite(out["value"]).all()
