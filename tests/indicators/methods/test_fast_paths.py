"""The fast paths of the methods give what a straightforward computation in the test gives.

Each expected value here is computed directly from its formula (scipy.stats quantiles, plain
loops or pandas groupby), not through the code paths under test, including the edge rows:
zero counts, the 9/10 switch between exact and Byar's limits, fractional and large counts,
missing keys and zero populations.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2, norm

from jsna.indicators import methods
from jsna.indicators.methods import _validate as v
from jsna.indicators.methods.inequality import (
    _block_sum,
    _weighted_block_sums,
    slope_index_of_inequality,
)
from jsna.indicators.methods.intervals import exact_poisson_interval, poisson_interval

COUNTS = [0, 1, 2, 8, 9, 9.5, 10, 11, 0.3, 37, 1023, 1024, 1500, 2000.5]


def _by_formula(x: float, level: float) -> tuple[float, float]:
    """Exact (chi-square) limits under 10 events, Byar's otherwise, one count at a time."""
    alpha = 1 - level
    if x < 10:
        lower = 0.0 if x == 0 else chi2.ppf(alpha / 2, 2 * x) / 2
        return lower, chi2.ppf(1 - alpha / 2, 2 * x + 2) / 2
    z = norm.ppf(1 - alpha / 2)
    lower = x * (1 - 1 / (9 * x) - z / (3 * math.sqrt(x))) ** 3
    x1 = x + 1
    return lower, x1 * (1 - 1 / (9 * x1) + z / (3 * math.sqrt(x1))) ** 3


@pytest.mark.parametrize("level", [0.95, 0.998])
def test_poisson_interval_matches_the_formula_on_each_side_of_the_switch(level: float) -> None:
    lower, upper, exact = poisson_interval(COUNTS, level)
    expected = [_by_formula(x, level) for x in COUNTS]
    assert exact.tolist() == [x < 10 for x in COUNTS]
    np.testing.assert_allclose(lower, [e[0] for e in expected], rtol=1e-12, atol=0)
    np.testing.assert_allclose(upper, [e[1] for e in expected], rtol=1e-12, atol=0)


def test_exact_limits_of_large_and_fractional_counts_match_chi_square() -> None:
    counts = np.array([0, 3, 3.25, 1023, 1024, 5000, 7.5])
    lower, upper = exact_poisson_interval(counts, 0.95)
    expected_lower = np.where(counts > 0, chi2.ppf(0.025, 2 * counts) / 2, 0.0)
    np.testing.assert_allclose(lower, expected_lower, rtol=1e-12, atol=0)
    np.testing.assert_allclose(upper, chi2.ppf(0.975, 2 * counts + 2) / 2, rtol=1e-12)


def test_per_row_crude_rates_match_the_formula_with_zero_populations() -> None:
    rng = np.random.default_rng(5)
    n = 400
    counts = np.r_[COUNTS, rng.poisson(rng.choice([1.0, 9.0, 30.0], n - len(COUNTS)))]
    pops = rng.integers(50, 5000, n).astype(float)
    pops[[3, 7, 50]] = 0
    data = pd.DataFrame({"id": [f"E{i:05d}" for i in range(n)], "x": counts, "n": pops})
    out = methods.crude_rate(data, count="x", population="n", by="id", confidence=(0.95, 0.998))
    assert out["id"].tolist() == sorted(data["id"])
    for level, label in ((0.95, "95"), (0.998, "99_8")):
        limits = np.array([_by_formula(x, level) for x in counts])
        scale = np.where(pops == 0, np.nan, 100_000 / np.where(pops == 0, 1, pops))
        np.testing.assert_allclose(out[f"lower_ci_{label}"], limits[:, 0] * scale, rtol=1e-12)
        np.testing.assert_allclose(out[f"upper_ci_{label}"], limits[:, 1] * scale, rtol=1e-12)
    per_head = np.where(pops == 0, np.nan, 1e5 / np.where(pops == 0, 1, pops))
    np.testing.assert_allclose(out["value"], counts * per_head)
    assert out["method"].tolist() == ["Exact" if x < 10 else "Byars" for x in counts]
    assert out["method"].dtype == pd.Series(["a"], dtype="str").dtype
    notes = np.where(pops == 0, "denominator is zero", None)
    pd.testing.assert_series_equal(out["note"], pd.Series(notes, dtype="str", name="note"))


def test_grouped_crude_rates_match_a_groupby() -> None:
    rng = np.random.default_rng(6)
    data = pd.DataFrame(
        {
            "area": rng.choice(["E1", "E2", "E3", None], 300),
            "x": rng.poisson(2, 300),
            "n": rng.integers(10, 100, 300),
        }
    )
    out = methods.crude_rate(data, count="x", population="n", by="area", confidence=0.95)
    sums = data.groupby("area", dropna=False)[["x", "n"]].sum()
    assert out["area"].isna().tolist() == [False, False, False, True]
    np.testing.assert_allclose(out["count"], sums["x"].to_numpy())
    np.testing.assert_allclose(out["value"], (sums["x"] / sums["n"] * 1e5).to_numpy())


@pytest.mark.parametrize(
    "series",
    [
        pd.Series([3, 1, 3, 2]),
        pd.Series(["b", "a", "b", None], dtype="str"),
        pd.Series(["b", None, "b", "a"], dtype=object),
        pd.Series([1.5, np.nan, 1.5, 0.0]),
        pd.Series(pd.Categorical(["x", None, "x", "y"], categories=["y", "x", "z"])),
        pd.Series(pd.to_datetime(["2020-01-01", "2019-01-01", "2020-01-01", "2018-01-01"])),
        pd.Series([1, None, 1, 2], dtype="Int64"),
    ],
    ids=["int", "str", "object", "float", "categorical", "datetime", "Int64"],
)
def test_one_column_group_codes_are_the_groupby_codes_and_keys(series: pd.Series) -> None:
    data = pd.DataFrame({"k": series, "x": range(len(series))})
    codes, keys = v.group_codes(data, ["k"])
    grouped = data.groupby(["k"], sort=False, dropna=False, observed=True)
    np.testing.assert_array_equal(codes, grouped.ngroup().to_numpy())
    expected = grouped.size().index.to_frame(index=False)
    expected["k"] = expected["k"].astype(series.dtype)
    pd.testing.assert_frame_equal(keys, expected)


def test_note_series_is_the_string_series_of_the_notes() -> None:
    notes = np.array([None, "a", None, "b", "a", np.nan], dtype=object)
    pd.testing.assert_series_equal(v.as_note_series(notes), pd.Series(notes, dtype="str"))
    empty = np.array([], dtype=object)
    pd.testing.assert_series_equal(v.as_note_series(empty), pd.Series(empty, dtype="str"))


def _dsr_frame() -> pd.DataFrame:
    bands = list(methods.european_standard_population("90+").index)
    rng = np.random.default_rng(8)
    rows = [(a, s, b) for a in ("E1", "E2", "E3") for s in ("Female", "Male") for b in bands]
    data = pd.DataFrame(rows, columns=["area", "sex", "band"])
    data["x"] = rng.poisson(4, len(data)).astype(float)
    data["n"] = rng.integers(50, 500, len(data)).astype(float)
    data.loc[(data["area"] == "E3") & (data["band"] == "90+"), "n"] = 0  # an empty band
    data.loc[data.index[5], "x"] = np.nan  # a missing count is 0
    return data.sample(frac=1, random_state=1).reset_index(drop=True)


def test_dsr_matches_the_formula_band_by_band() -> None:
    data = _dsr_frame()
    std = methods.european_standard_population("90+")
    out = methods.directly_standardised_rate(
        data, count="x", population="n", age_band="band", by=["area", "sex"],
        confidence=(0.95, 0.998), zero_population="missing",
    )  # fmt: skip
    for _, row in out.iterrows():
        rows = data[(data["area"] == row["area"]) & (data["sex"] == row["sex"])]
        x = rows["x"].fillna(0).to_numpy()
        n = rows["n"].to_numpy()
        w = std.loc[rows["band"]].to_numpy()
        assert row["count"] == x.sum()
        if (n == 0).any():
            assert math.isnan(row["value"])
            assert row["note"] == "not calculated: an age band has no population"
            continue
        dsr = (w * x / n).sum() / w.sum() * 1e5
        var = (x * (w / n) ** 2).sum() / w.sum() ** 2
        lower, upper = _by_formula(x.sum(), 0.998)
        assert row["value"] == pytest.approx(dsr, rel=1e-12)
        scale = math.sqrt(var / x.sum()) * 1e5
        assert row["lower_ci_99_8"] == pytest.approx(dsr + scale * (lower - x.sum()), rel=1e-12)
        assert row["upper_ci_99_8"] == pytest.approx(dsr + scale * (upper - x.sum()), rel=1e-12)


def test_dsr_bands_as_text_or_categorical_give_the_same_rates() -> None:
    data = _dsr_frame()
    kwargs = dict(count="x", population="n", age_band="band", by=["area", "sex"])
    as_text = methods.directly_standardised_rate(data, zero_population="missing", **kwargs)
    cat = data.assign(band=pd.Categorical(data["band"], categories=sorted(set(data["band"]))))
    as_cat = methods.directly_standardised_rate(cat, zero_population="missing", **kwargs)
    pd.testing.assert_frame_equal(as_text, as_cat)


def test_dsr_unknown_band_still_names_the_row() -> None:
    data = _dsr_frame()
    data.loc[7, "band"] = "95+"
    with pytest.raises(ValueError, match=r"age band '95\+' is not in the standard.*row 7"):
        methods.directly_standardised_rate(
            data, count="x", population="n", age_band="band", by=["area", "sex"],
            zero_population="missing",
        )  # fmt: skip


def test_life_expectancy_reads_bands_in_any_row_order_and_dtype() -> None:
    bands = ["<1", "1-4"] + [f"{a}-{a + 4}" for a in range(5, 90, 5)] + ["90+"]
    rng = np.random.default_rng(9)
    rows = [(a, b) for a in ("E1", "E2") for b in bands]
    data = pd.DataFrame(rows, columns=["area", "band"])
    data["n"] = rng.integers(2000, 6000, len(data)).astype(float)
    data["d"] = rng.poisson(data["n"] * np.tile(np.geomspace(1e-4, 0.2, len(bands)), 2))
    kwargs = dict(deaths="d", population="n", age_band="band", by="area")
    ordered = methods.life_expectancy(data, **kwargs)
    shuffled = data.sample(frac=1, random_state=2).reset_index(drop=True)
    pd.testing.assert_frame_equal(methods.life_expectancy(shuffled, **kwargs), ordered)
    cat = shuffled.assign(band=pd.Categorical(shuffled["band"], categories=bands[::-1]))
    as_cat = methods.life_expectancy(cat, **kwargs)
    pd.testing.assert_frame_equal(as_cat, ordered, check_dtype=False)


class _TwoGroups:
    def __init__(self, sizes: list[int]) -> None:
        self.sizes = np.array(sizes)
        self.starts = np.r_[0, np.cumsum(sizes)[:-1]]


@pytest.mark.parametrize("sizes", [[10, 10, 10], [4, 10, 7]], ids=["equal", "unequal"])
def test_weighted_block_sums_are_the_group_sums_of_the_products(sizes: list[int]) -> None:
    rng = np.random.default_rng(10)
    rows = sum(sizes)
    y = rng.standard_normal((rows, 500)).astype(np.float32)
    w1 = rng.random(rows).astype(np.float32)
    w2 = rng.standard_normal(rows).astype(np.float32)
    groups = _TwoGroups(sizes)
    s1, s2 = _weighted_block_sums(y, w1, w2, groups, slice(0, len(sizes)))  # type: ignore[arg-type]
    y64 = y.astype("float64")
    for s, w in ((s1, w1), (s2, w2)):
        start = 0
        for g, size in enumerate(sizes):
            expected = (w[start : start + size, None] * y64[start : start + size]).sum(axis=0)
            np.testing.assert_allclose(s[g], expected, rtol=0, atol=1e-5)
            start += size
    reduceat = _block_sum(w1[:, None] * y, groups, slice(0, len(sizes)))  # type: ignore[arg-type]
    np.testing.assert_allclose(s1, reduceat, rtol=0, atol=1e-5)


def _sii_data() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    data = pd.DataFrame(
        {
            "g": np.repeat(["a", "b", "c"], 10),
            "q": np.tile(np.arange(1, 11), 3),
            "pop": rng.integers(1000, 5000, 30).astype(float),
            "val": rng.uniform(50, 500, 30),
        }
    )
    data["lo"], data["hi"] = data["val"] * 0.9, data["val"] * 1.1
    return data


@pytest.mark.parametrize("value_type", ["normal", "rate"])
def test_sii_limits_do_not_depend_on_asking_for_the_rii(value_type: str) -> None:
    data = _sii_data()
    kwargs = dict(
        value="val", population="pop", quantile="q", by="g", lower_ci="lo", upper_ci="hi",
        value_type=value_type, repetitions=2000, seed=3,
    )  # fmt: skip
    with_rii = slope_index_of_inequality(data, rii=True, **kwargs)
    without = slope_index_of_inequality(data, rii=False, **kwargs)
    pd.testing.assert_frame_equal(without, with_rii[without.columns])
    again = slope_index_of_inequality(data, rii=True, **kwargs)
    pd.testing.assert_frame_equal(again, with_rii)
