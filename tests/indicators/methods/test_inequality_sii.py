"""Slope and relative index of inequality against the reference formula, analytic limits and properties."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jsna.indicators.methods.inequality import slope_index_of_inequality
from tests.conftest import REPO

POP = [
    7291,
    7997,
    6105,
    7666,
    5790,
    6934,
    5918,
    5974,
    7147,
    7534,
    21675,
    20065,
    19750,
    24713,
    20112,
    19618,
    22408,
    19752,
    18939,
    19312,
]
VAL = [
    75.9,
    78.3,
    83.8,
    83.6,
    80.5,
    81.1,
    81.7,
    84.2,
    80.6,
    86.3,
    70.5,
    71.6,
    72.5,
    73.5,
    73.1,
    76.2,
    78.7,
    80.6,
    80.9,
    80,
]
SE = [
    1.64,
    1.58,
    1.51,
    1.78,
    1.7,
    1.56,
    1.37,
    1.4,
    2.43,
    1.57,
    0.23,
    0.26,
    0.3,
    0.16,
    0.79,
    0.78,
    0.4,
    0.28,
    0.23,
    0.35,
]


@pytest.fixture()
def example() -> pd.DataFrame:
    """The phe_sii roxygen example (PHEindicatormethods R/SII_function.R)."""
    return pd.DataFrame(
        {
            "area": ["Area1"] * 10 + ["Area2"] * 10,
            "decile": list(range(1, 11)) * 2,
            "population": POP,
            "value": VAL,
            "se": SE,
        }
    )


def _analytic_limits(group: pd.DataFrame) -> tuple[float, float, float]:
    """SII is linear in y, so its simulated distribution is exactly normal: sd from the hat matrix."""
    a = group["population"].to_numpy(float) / group["population"].sum()
    b = np.cumsum(a) - a / 2
    X = np.c_[np.sqrt(a), b * np.sqrt(a)]
    hat = np.linalg.solve(X.T @ X, X.T)[1] * np.sqrt(a)
    sii = float(hat @ group["value"].to_numpy())
    sd = float(np.sqrt(np.sum((hat * group["se"].to_numpy()) ** 2)))
    return sii, sii - 1.959964 * sd, sii + 1.959964 * sd


def test_deterministic_outputs_match_reference(example):
    ref = pd.read_csv(REPO / "tests/reference/analysis_sii_phe_example.csv")
    out = slope_index_of_inequality(
        example,
        value="value",
        population="population",
        quantile="decile",
        by="area",
        se="se",
        intercept=True,
        repetitions=1000,
    )
    for col in ("sii", "rii", "intercept"):
        assert out[col].to_numpy() == pytest.approx(ref[col].to_numpy(), abs=1e-8)
    assert list(out["area"]) == ["Area1", "Area2"]


def test_simulated_limits_within_five_percent_of_exact(example):
    out = slope_index_of_inequality(
        example,
        value="value",
        population="population",
        quantile="decile",
        by="area",
        se="se",
        repetitions=100_000,
    )
    for (_, group), (_, row) in zip(example.groupby("area"), out.iterrows(), strict=True):
        _, lo, hi = _analytic_limits(group)
        assert row["sii_lower_ci_95"] == pytest.approx(lo, rel=0.05)
        assert row["sii_upper_ci_95"] == pytest.approx(hi, rel=0.05)
        assert row["rii_lower_ci_95"] < row["rii"] < row["rii_upper_ci_95"]


def test_limits_from_confidence_limits_equal_limits_from_se(example):
    data = example.assign(
        lower=example["value"] - 1.959964 * example["se"],
        upper=example["value"] + 1.959964 * example["se"],
    )
    a = slope_index_of_inequality(
        data,
        value="value",
        population="population",
        quantile="decile",
        by="area",
        lower_ci="lower",
        upper_ci="upper",
        repetitions=5000,
        seed=3,
    )
    b = slope_index_of_inequality(
        data,
        value="value",
        population="population",
        quantile="decile",
        by="area",
        se="se",
        repetitions=5000,
        seed=3,
    )
    pd.testing.assert_frame_equal(a, b, rtol=1e-5)


def test_same_seed_same_result_and_multiple_levels(example):
    kw = {
        "value": "value",
        "population": "population",
        "quantile": "decile",
        "by": "area",
        "se": "se",
        "repetitions": 2000,
        "confidence": (0.95, 0.998),
    }
    one, two = slope_index_of_inequality(example, **kw), slope_index_of_inequality(example, **kw)
    pd.testing.assert_frame_equal(one, two)
    assert (one["sii_lower_ci_99_8"] <= one["sii_lower_ci_95"]).all()
    assert (one["sii_upper_ci_99_8"] >= one["sii_upper_ci_95"]).all()


def test_negative_multiplier_flips_sign_and_inverts_rii(example):
    kw = {
        "value": "value",
        "population": "population",
        "quantile": "decile",
        "by": "area",
        "se": "se",
        "repetitions": 1000,
        "intercept": True,
    }
    pos = slope_index_of_inequality(example, **kw)
    neg = slope_index_of_inequality(example, multiplier=-1, **kw)
    assert neg["sii"].to_numpy() == pytest.approx(-pos["sii"].to_numpy())
    assert neg["rii"].to_numpy() == pytest.approx(1 / pos["rii"].to_numpy())
    assert neg["intercept"].to_numpy() == pytest.approx((pos["intercept"] + pos["sii"]).to_numpy())


def test_rate_with_log_transform_back_transforms_fitted_line():
    q = np.arange(1, 6)
    data = pd.DataFrame({"q": q, "pop": [1000.0] * 5, "rate": 100 * np.exp(-0.2 * (q - 1))})
    data["lo"], data["hi"] = data["rate"] * 0.9, data["rate"] * 1.1
    out = slope_index_of_inequality(
        data,
        value="rate",
        population="pop",
        quantile="q",
        lower_ci="lo",
        upper_ci="hi",
        value_type="rate",
        transform=True,
        intercept=True,
        repetitions=2000,
    )
    # log(rate) is exactly linear in the mid-point rank b = 0.1, 0.3, ..., 0.9: slope -1 per unit rank
    alpha = np.log(100) + 0.1  # log(rate) at b = 0
    assert out["intercept"].iloc[0] == pytest.approx(np.exp(alpha))
    assert out["sii"].iloc[0] == pytest.approx(np.exp(alpha - 1) - np.exp(alpha))
    assert out["rii"].iloc[0] == pytest.approx(np.exp(-1))


def test_missing_quantile_gives_note_not_dropped(example):
    data = example.drop(index=3)
    out = slope_index_of_inequality(
        data,
        value="value",
        population="population",
        quantile="decile",
        by="area",
        se="se",
        repetitions=1000,
    )
    assert len(out) == 2
    assert np.isnan(out.loc[0, "sii"]) and "quantiles" in out.loc[0, "note"]
    assert np.isfinite(out.loc[1, "sii"])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"repetitions": 10}, "repetitions"),
        ({"value_type": "count"}, "value_type"),
        ({"transform": True}, "transform"),
    ],
)
def test_bad_arguments_raise(example, kwargs, message):
    with pytest.raises(ValueError, match=message):
        slope_index_of_inequality(
            example,
            value="value",
            population="population",
            quantile="decile",
            by="area",
            se="se",
            **kwargs,
        )


def test_zero_population_names_the_row(example):
    data = example.copy()
    data.loc[5, "population"] = 0
    with pytest.raises(ValueError, match="row 5"):
        slope_index_of_inequality(
            data, value="value", population="population", quantile="decile", by="area", se="se"
        )


@settings(max_examples=25, deadline=None)
@given(level=st.floats(1, 1000), pops=st.lists(st.integers(1, 10**6), min_size=5, max_size=10))
def test_sii_of_equal_values_is_zero(level, pops):
    data = pd.DataFrame({"q": range(1, len(pops) + 1), "pop": pops, "v": level, "se": 0.0})
    out = slope_index_of_inequality(
        data, value="v", population="pop", quantile="q", se="se", repetitions=1000
    )
    assert out["sii"].iloc[0] == pytest.approx(0, abs=1e-9 * level)
    assert out["rii"].iloc[0] == pytest.approx(1)
