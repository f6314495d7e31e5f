"""Missing, zero and suppressed inputs handled as PHEindicatormethods handles them.

Expected values come from outside jsna: the reference package's own edge cases
(tests/reference/methods_reference_missing.csv, worked with scipy.stats) and hand-worked
formulas.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from jsna.indicators import methods

REFERENCE = Path(__file__).parents[2] / "reference"
LE_BANDS = ["<1", "1-4"] + [f"{a}-{a + 4}" for a in range(5, 90, 5)] + ["90+"]
# PHEindicatormethods tests/testthat/testLifeExpectancy.R df1
LE_POPS = [7060, 35059, 46974, 48489, 43219, 38561, 46009, 57208, 61435, 55601]
LE_POPS += [50209, 56416, 46411, 39820, 37978, 37039, 33288, 23306, 11936, 11936]
LE_DEATHS = [17, 9, 4, 8, 20, 15, 24, 33, 50, 71, 100, 163, 263, 304, 536, 872, 1390, 1605]
LE_DEATHS += [1936, 1937]
LIMITS = ["lower_ci_95", "upper_ci_95", "lower_ci_99_8", "upper_ci_99_8"]


def _roxygen_example() -> pd.DataFrame:
    """The reference's phe_rate / phe_proportion example: Area1 has a missing numerator."""
    return pd.DataFrame(
        {
            "area": [f"Area{i}" for i in range(1, 5) for _ in range(3)],
            "obs": [np.nan, 82, 9, 48, 6500, 8200, 10000, 10000, 8, 7, 750, 900],
            "pop": [100] * 3 + [10000] * 9,
        }
    )


@pytest.mark.parametrize("which", ["rate", "proportion"])
def test_grouped_missing_numerator_is_missing_for_its_group_only(which: str) -> None:
    ref = pd.read_csv(REFERENCE / "methods_reference_missing.csv")
    assert ref["source"].notna().all()
    ref = ref[ref["method"] == which].reset_index(drop=True)
    data = _roxygen_example()
    if which == "rate":
        out = methods.crude_rate(data, count="obs", population="pop", by="area")
    else:
        out = methods.proportion(data, numerator="obs", denominator="pop", by="area")
    assert list(out["area"]) == list(ref["area"])
    for column in ["count", "denominator", "value", *LIMITS]:
        np.testing.assert_allclose(out[column], ref[column], rtol=1e-12, equal_nan=True)
    assert out["note"].fillna("").tolist() == ref["note"].fillna("").tolist()


@pytest.mark.parametrize("which", ["rate", "proportion"])
def test_missing_denominator_is_missing_for_its_group_only(which: str) -> None:
    data = pd.DataFrame({"g": ["a", "a", "b"], "x": [5.0, 6.0, 7.0], "n": [100.0, np.nan, 50.0]})
    if which == "rate":
        out = methods.crude_rate(data, count="x", population="n", by="g", multiplier=100)
    else:
        out = methods.proportion(data, numerator="x", denominator="n", by="g")
    a, b = out.iloc[0], out.iloc[1]
    assert np.isnan(a["value"]) and a[LIMITS].isna().all()
    assert a["note"] == "denominator is missing"
    assert b["value"] == pytest.approx(7 / 50 * (100 if which == "rate" else 1), rel=1e-15)
    assert b[LIMITS].notna().all() and pd.isna(b["note"])


def test_negative_and_zero_inputs_as_the_reference() -> None:
    data = pd.DataFrame({"x": [-1.0], "n": [10.0]})
    with pytest.raises(ValueError, match="count must be >= 0, got -1"):
        methods.crude_rate(data, count="x", population="n")
    zero = methods.crude_rate(pd.DataFrame({"x": [0.0], "n": [10.0]}), count="x", population="n")
    # exact limits of 0 events: lower 0, upper chi2(0.975, 2) / 2 = -ln(0.025)
    assert zero["lower_ci_95"].iloc[0] == 0.0
    assert zero["upper_ci_95"].iloc[0] == pytest.approx(-np.log(0.025) / 10 * 1e5, rel=1e-12)


def _isr_inputs() -> tuple[pd.DataFrame, pd.DataFrame]:
    local = pd.DataFrame(
        {
            "area": ["a"] * 3 + ["b"] * 3,
            "age_band": ["0-39", "40-69", "70+"] * 2,
            "count": [3.0, np.nan, 40.0, 2.0, 9.0, 30.0],
            "population": [1000.0, 800.0, np.nan, 900.0, 700.0, 300.0],
        }
    )
    reference = pd.DataFrame(
        {
            "age_band": ["0-39", "40-69", "70+"],
            "count": [100.0, np.nan, 900.0],
            "population": [100000.0, 80000.0, 20000.0],
        }
    )
    return local, reference


def test_indirect_standardisation_takes_missing_count_and_population_as_zero() -> None:
    local, reference = _isr_inputs()
    out = methods.indirectly_standardised_ratio(
        local,
        count="count",
        population="population",
        age_band="age_band",
        reference=reference,
        by="area",
        confidence=0.95,
    )
    # calculate_ISRatio: na.zero(x_ref) / n_ref * na.zero(n), observed sum(x, na.rm = TRUE)
    expected_a = 1000 * 100 / 100000 + 800 * 0 + 0 * 900 / 20000
    expected_b = 900 * 100 / 100000 + 700 * 0 + 300 * 900 / 20000
    np.testing.assert_allclose(out["expected"], [expected_a, expected_b], rtol=1e-15)
    np.testing.assert_allclose(out["count"], [43.0, 41.0])
    np.testing.assert_allclose(out["value"], [43 / expected_a, 41 / expected_b], rtol=1e-15)


def test_dsr_missing_count_is_zero() -> None:
    bands = list(methods.ESP2013_BANDS)
    pop = np.full(len(bands), 1000.0)
    deaths = np.arange(len(bands), dtype="float64") + 1
    with_nan = deaths.copy()
    with_nan[0] = np.nan
    zeroed = deaths.copy()
    zeroed[0] = 0.0
    one = pd.DataFrame({"age_band": bands, "population": pop})
    a = methods.directly_standardised_rate(
        one.assign(count=with_nan), count="count", population="population", age_band="age_band"
    )
    b = methods.directly_standardised_rate(
        one.assign(count=zeroed), count="count", population="population", age_band="age_band"
    )
    pd.testing.assert_frame_equal(a, b)


def _le_frame(deaths: list[float], pops: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"age_band": LE_BANDS, "deaths": deaths, "population": pops})


def test_life_expectancy_wide_interval_keeps_its_limits() -> None:
    deaths, pops = list(LE_DEATHS), list(LE_POPS)
    deaths[-1], pops[-1] = 1, 10  # 90+: M = 0.1 from one death
    out = methods.life_expectancy(
        _le_frame(deaths, pops), deaths="deaths", population="population", age_band="age_band"
    )
    top = out[out["start_age"] == 90].iloc[0]
    # hand-worked: e_90 = 1/M = 10; se = sqrt(4 / (D M^2)) / 2 = 1 / (M sqrt(D)) = 10
    assert np.isnan(top["value"])
    assert top["note"] == "95% confidence interval wider than 20 years"
    z95, z998 = methods.z_for(0.95), methods.z_for(0.998)
    assert top["lower_ci_95"] == pytest.approx(10 - z95 * 10, rel=1e-9)
    assert top["upper_ci_95"] == pytest.approx(10 + z95 * 10, rel=1e-9)
    assert top["upper_ci_99_8"] == pytest.approx(10 + z998 * 10, rel=1e-9)
    birth = out[out["start_age"] == 0].iloc[0]
    assert np.isfinite(birth["value"]) and pd.isna(birth["note"])


@pytest.mark.parametrize(
    ("band", "deaths", "pop", "note"),
    [
        (3, -5, None, "negative deaths in an age band"),  # df_neg_deaths
        (5, None, 0, "population <= 0 in an age band"),  # df_zero_pop
        (18, None, 119, "deaths exceed population in an age band"),  # df_deaths_greater_pops
    ],
)
def test_life_expectancy_reference_edge_cases_are_all_missing(
    band: int, deaths: float | None, pop: float | None, note: str
) -> None:
    d, p = list(LE_DEATHS), list(LE_POPS)
    if deaths is not None:
        d[band] = deaths
    if pop is not None:
        p[band] = pop
    out = methods.life_expectancy(
        _le_frame(d, p), deaths="deaths", population="population", age_band="age_band"
    )
    # testLifeExpectancy.R: "... produces only NAs"
    assert out[["value", *LIMITS]].isna().all().all()
    assert (out["note"] == note).all()


def test_life_expectancy_low_population_is_all_missing() -> None:
    # testLifeExpectancy.R df_low_pops: total population 2,783 <= 5,000
    pops = [128, 152, 120, 176, 194, 180, 145, 149, 107, 185, 165, 109, 100, 122, 133, 189]
    pops += [123, 121, 147, 138]
    deaths = [58, 93, 78, 94, 59, 71, 80, 73, 69, 72, 91, 69, 78, 71, 54, 91, 82, 53, 50, 84]
    out = methods.life_expectancy(
        _le_frame(deaths, pops), deaths="deaths", population="population", age_band="age_band"
    )
    assert out[["value", *LIMITS]].isna().all().all()
    assert (out["note"] == "total population <= 5,000").all()
