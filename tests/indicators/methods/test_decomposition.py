"""Arriaga decomposition of a life-expectancy gap: parts sum to the gap; agrees with the LE method."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jsna.indicators import methods
from jsna.indicators.context import LIFE_TABLE_BANDS
from jsna.indicators.methods.decomposition import (
    life_expectancy_gap,
    life_expectancy_gap_decomposition,
)


def _population(scale: float, causes: dict[str, float]) -> pd.DataFrame:
    rows = []
    for i, band in enumerate(LIFE_TABLE_BANDS):
        pop = 5000.0 if i else 1000.0
        rate = 0.0005 * np.exp(0.085 * max(0, 5 * i - 20)) * scale
        for cause, share in causes.items():
            rows.append(
                {
                    "age_band": band,
                    "population": pop,
                    "cause": cause,
                    "deaths": round(pop * rate * share, 3),
                }
            )
    return pd.DataFrame(rows)


def _pair(s1: float = 1.4, s2: float = 1.0, causes: dict[str, float] | None = None) -> pd.DataFrame:
    causes = causes or {"Circulatory": 0.4, "Cancer": 0.35, "Other": 0.25}
    return pd.concat(
        [
            _population(s1, causes).assign(quintile="Most deprived"),
            _population(s2, causes).assign(quintile="Least deprived"),
        ],
        ignore_index=True,
    )


def test_parts_sum_to_gap_and_e0_matches_life_expectancy_method():
    data = _pair()
    out = life_expectancy_gap_decomposition(
        data,
        deaths="deaths",
        population="population",
        age_band="age_band",
        group="quintile",
        comparison="Most deprived",
        reference="Least deprived",
        cause="cause",
    )
    assert out["contribution"].sum() == pytest.approx(out["gap"].iloc[0], abs=1e-9)
    totals = data.groupby(["quintile", "age_band"], as_index=False, sort=False).agg(
        deaths=("deaths", "sum"), population=("population", "first")
    )
    le = methods.life_expectancy(
        totals,
        deaths="deaths",
        population="population",
        age_band="age_band",
        by="quintile",
        start_ages=[0],
    ).set_index("quintile")["value"]
    assert out["e0_comparison"].iloc[0] == pytest.approx(le["Most deprived"], abs=1e-9)
    assert out["e0_reference"].iloc[0] == pytest.approx(le["Least deprived"], abs=1e-9)
    by_cause = out.groupby("cause")["contribution"].sum()
    # all causes scaled by the same factor: each cause's share equals its share of deaths
    assert by_cause["Circulatory"] / out["gap"].iloc[0] == pytest.approx(
        0.4, rel=1e-3
    )  # deaths rounded


def test_identical_populations_have_no_gap():
    data = _pair(1.0, 1.0)
    out = life_expectancy_gap_decomposition(
        data,
        deaths="deaths",
        population="population",
        age_band="age_band",
        group="quintile",
        comparison="Most deprived",
        reference="Least deprived",
        cause="cause",
    )
    assert np.allclose(out["contribution"], 0, atol=1e-12)


def test_gap_interval_combines_both_standard_errors():
    data = (
        _pair()
        .groupby(["quintile", "age_band"], as_index=False, sort=False)
        .agg(deaths=("deaths", "sum"), population=("population", "first"))
    )
    gap = life_expectancy_gap(
        data,
        deaths="deaths",
        population="population",
        age_band="age_band",
        group="quintile",
        comparison="Most deprived",
        reference="Least deprived",
    )
    le = methods.life_expectancy(
        data,
        deaths="deaths",
        population="population",
        age_band="age_band",
        by="quintile",
        start_ages=[0],
        confidence=0.95,
    ).set_index("quintile")
    se = np.hypot(*((le["upper_ci_95"] - le["value"]) / 1.959964).to_numpy())
    assert gap["value"].iloc[0] == pytest.approx(
        le.loc["Least deprived", "value"] - le.loc["Most deprived", "value"]
    )
    assert gap["upper_ci_95"].iloc[0] - gap["value"].iloc[0] == pytest.approx(
        1.959964 * se, rel=1e-5
    )


def test_missing_band_is_named():
    data = _pair()
    data = data[~((data["quintile"] == "Least deprived") & (data["age_band"] == "40-44"))]
    with pytest.raises(ValueError, match="40-44"):
        life_expectancy_gap_decomposition(
            data,
            deaths="deaths",
            population="population",
            age_band="age_band",
            group="quintile",
            comparison="Most deprived",
            reference="Least deprived",
            cause="cause",
        )


@settings(max_examples=40, deadline=None)
@given(
    s1=st.floats(0.3, 1.5),
    s2=st.floats(0.3, 1.5),
    w=st.lists(st.floats(0.01, 1), min_size=2, max_size=4),
    tilt=st.floats(-0.5, 0.3),
)
def test_decomposition_parts_sum_to_gap(s1, s2, w, tilt):
    causes = {f"c{i}": x / sum(w) for i, x in enumerate(w)}  # death rates low enough that q < 1
    one = _population(s1, causes)
    two = _population(s2, causes)
    two["deaths"] = two["deaths"] * np.where(two["cause"] == "c0", 1 + tilt, 1.0)
    data = pd.concat([one.assign(g="a"), two.assign(g="b")], ignore_index=True)
    out = life_expectancy_gap_decomposition(
        data,
        deaths="deaths",
        population="population",
        age_band="age_band",
        group="g",
        comparison="a",
        reference="b",
        cause="cause",
    )
    assert out["contribution"].sum() == pytest.approx(out["gap"].iloc[0], abs=1e-8)
    bands = out.groupby("age_band")["contribution"].sum()
    assert np.isfinite(bands).all()
