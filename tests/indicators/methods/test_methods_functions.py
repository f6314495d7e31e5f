"""Public DataFrame methods: shapes, worked examples, validation, properties."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from jsna.indicators import methods

BANDS = list(methods.ESP2013_BANDS)
LE_BANDS = ["<1", "1-4"] + [f"{a}-{a + 4}" for a in range(5, 90, 5)] + ["90+"]


def dsr_data(seed: int = 0, areas: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = areas * len(BANDS)
    return pd.DataFrame(
        {
            "area": np.repeat([f"A{i}" for i in range(areas)], len(BANDS)),
            "age_band": BANDS * areas,
            "deaths": rng.integers(0, 40, n),
            "pop": rng.integers(1000, 5000, n),
        }
    )


def test_crude_rate_columns_and_exact_switch() -> None:
    data = pd.DataFrame({"g": ["b", "a", "a"], "x": [5, 10, 2], "n": [1000, 2000, 3000]})
    out = methods.crude_rate(data, count="x", population="n", by=["g"])
    assert list(out.columns) == [
        "g", "count", "denominator", "value",
        "lower_ci_95", "upper_ci_95", "lower_ci_99_8", "upper_ci_99_8", "method", "note",
    ]  # fmt: skip
    assert list(out["g"]) == ["a", "b"]
    assert list(out["method"]) == ["Byars", "Exact"]
    assert out.loc[1, "lower_ci_95"] == pytest.approx(stats.chi2.ppf(0.025, 10) / 2 / 1000 * 1e5)
    whole = methods.crude_rate(data, count="x", population="n", by=None, confidence=95)
    assert len(whole) == 1 and whole.loc[0, "value"] == pytest.approx(17 / 6000 * 1e5)


def test_proportion_none_confidence_and_errors() -> None:
    data = pd.DataFrame({"x": [3, 4], "n": [10, 10]})
    out = methods.proportion(data, numerator="x", denominator="n", confidence=None)
    assert "lower_ci_95" not in out and out.loc[0, "value"] == pytest.approx(0.35)
    bad = pd.DataFrame({"x": [3, 11], "n": [10, 10]}, index=[5, 17])
    with pytest.raises(ValueError, match=r"11 > 10.*'x'.*row 17"):
        methods.proportion(bad, numerator="x", denominator="n")
    neg = pd.DataFrame({"deaths": [1, -3]}, index=[0, 17]).assign(n=10)
    with pytest.raises(ValueError, match=r"count must be >= 0, got -3 \(column 'deaths', row 17\)"):
        methods.crude_rate(neg, count="deaths", population="n")


def test_mean_student_t() -> None:
    data = pd.DataFrame({"g": [1, 1, 1, 2], "v": [1.0, 2.0, 6.0, 4.0]})
    out = methods.mean(data, value="v", by="g", confidence=0.95)
    sd = np.std([1, 2, 6], ddof=1)
    half = stats.t.ppf(0.975, 2) * sd / np.sqrt(3)
    assert out.loc[0, "upper_ci_95"] == pytest.approx(3 + half, rel=1e-12)
    assert np.isnan(out.loc[1, "lower_ci_95"]) and out.loc[1, "note"] == "fewer than 2 values"


def test_dsr_against_hand_worked_dobson() -> None:
    data = dsr_data()
    out = methods.directly_standardised_rate(
        data, count="deaths", population="pop", age_band="age_band", by=["area"]
    )
    one = data[data["area"] == "A1"]
    w = np.array([methods.ESP2013_BANDS[b] for b in one["age_band"]], dtype=float)
    x, n = one["deaths"].to_numpy(float), one["pop"].to_numpy(float)
    dsr = (x * w / n).sum() / w.sum() * 1e5
    var = (x * (w / n) ** 2).sum() / w.sum() ** 2
    o = x.sum()
    z = stats.norm.ppf(0.999)
    o_low = o * (1 - 1 / (9 * o) - z / (3 * np.sqrt(o))) ** 3
    row = out[out["area"] == "A1"].iloc[0]
    assert row["value"] == pytest.approx(dsr, rel=1e-12)
    assert row["lower_ci_99_8"] == pytest.approx(
        dsr + np.sqrt(var / o) * (o_low - o) * 1e5, rel=1e-12
    )
    assert row["method"] == "Dobson" and row["denominator"] == n.sum()


def test_dsr_small_counts_suppressed_and_order_free() -> None:
    data = dsr_data()
    data.loc[data["area"] == "A2", "deaths"] = 0
    data.loc[data.index[-1], "deaths"] = 9
    shuffled = data.sample(frac=1, random_state=1)
    a = methods.directly_standardised_rate(
        data, count="deaths", population="pop", age_band="age_band", by=["area"]
    )
    b = methods.directly_standardised_rate(
        shuffled, count="deaths", population="pop", age_band="age_band", by=["area"]
    )
    pd.testing.assert_frame_equal(a, b)
    assert np.isnan(a.loc[2, "value"]) and a.loc[2, "note"] == "total count < 10"


def test_dsr_band_validation() -> None:
    data = dsr_data()
    missing = data.drop(index=3)
    with pytest.raises(ValueError, match=r"missing age band '15-19' in group area='A0'"):
        methods.directly_standardised_rate(
            missing, count="deaths", population="pop", age_band="age_band", by=["area"]
        )
    dup = pd.concat([data, data.iloc[[5]]])
    with pytest.raises(ValueError, match=r"duplicate age band '25-29'"):
        methods.directly_standardised_rate(
            dup, count="deaths", population="pop", age_band="age_band", by=["area"]
        )
    odd = data.copy()
    odd.loc[4, "age_band"] = "20-25"
    with pytest.raises(ValueError, match=r"'20-25'.*column 'age_band', row 4"):
        methods.directly_standardised_rate(
            odd, count="deaths", population="pop", age_band="age_band", by=["area"]
        )


def test_dsr_85_plus_top_band_uses_collapsed_esp() -> None:
    data = dsr_data()
    top = data["age_band"].isin(["85-89", "90+"])
    merged = data[top].groupby("area", as_index=False)[["deaths", "pop"]].sum()
    short = pd.concat([data[~top], merged.assign(age_band="85+")])
    out = methods.directly_standardised_rate(
        short, count="deaths", population="pop", age_band="age_band", by=["area"]
    )
    explicit = methods.directly_standardised_rate(
        short, count="deaths", population="pop", age_band="age_band", by=["area"],
        standard_population=methods.european_standard_population("85+"),
    )  # fmt: skip
    pd.testing.assert_frame_equal(out, explicit)
    assert methods.european_standard_population("85+")["85+"] == 2500


def test_dsr_non_independent_reduces_to_independent_with_single_events() -> None:
    data = dsr_data()
    ind = methods.directly_standardised_rate(
        data, count="deaths", population="pop", age_band="age_band", by=["area"]
    )
    non = methods.directly_standardised_rate(
        data.assign(freq=1), count="deaths", population="pop", age_band="age_band",
        by=["area"], independent_events=False, frequency="freq",
    )  # fmt: skip
    cols = ["count", "denominator", "value", "lower_ci_95", "upper_ci_99_8"]
    pd.testing.assert_frame_equal(ind[cols], non[cols])
    # repeat events widen the limits but keep the rate
    people = data.assign(deaths=data["deaths"] // 2, freq=2)
    events = data.assign(deaths=(data["deaths"] // 2) * 2)
    wide = methods.directly_standardised_rate(
        people, count="deaths", population="pop", age_band="age_band", by=["area"],
        independent_events=False, frequency="freq",
    )  # fmt: skip
    narrow = methods.directly_standardised_rate(
        events, count="deaths", population="pop", age_band="age_band", by=["area"]
    )
    np.testing.assert_allclose(wide["value"], narrow["value"], rtol=1e-12)
    assert (wide["upper_ci_95"] > narrow["upper_ci_95"]).all()


def test_indirect_ratio_and_rate() -> None:
    ref = pd.DataFrame({"age_band": ["0-49", "50+"], "count": [100, 900], "population": [1e5, 5e4]})
    data = pd.DataFrame(
        {"area": ["a", "a"], "age_band": ["0-49", "50+"], "x": [5, 40], "n": [1000, 2000]}
    )
    ratio = methods.indirectly_standardised_ratio(
        data, count="x", population="n", age_band="age_band", reference=ref, by="area"
    )
    expected = 1000 * 0.001 + 2000 * 0.018
    assert ratio.loc[0, "expected"] == pytest.approx(expected)
    assert ratio.loc[0, "value"] == pytest.approx(45 / expected)
    lo = methods.byars_interval([45], 0.95)[0][0]
    assert ratio.loc[0, "lower_ci_95"] == pytest.approx(lo / expected, rel=1e-12)
    rate = methods.indirectly_standardised_rate(
        data, population="n", age_band="age_band", reference=ref, by="area",
        observed=pd.DataFrame({"area": ["a"], "count": [45]}),
    )  # fmt: skip
    assert rate.loc[0, "value"] == pytest.approx(45 / expected * 1000 / 150000 * 1e5)


def test_indirect_ratio_observed_totals_without_a_group_row_are_missing() -> None:
    """As the reference's left_join (R/ISRatio.R): a group with no observed row, or a missing
    observed count, gets a missing value and limits; the other groups are computed."""
    ref = pd.DataFrame({"age_band": ["0-49", "50+"], "count": [100, 900], "population": [1e5, 5e4]})
    data = pd.DataFrame(
        {
            "area": ["a", "a", "b", "b", "c", "c"],
            "age_band": ["0-49", "50+"] * 3,
            "n": [1000, 2000] * 3,
        }
    )
    observed = pd.DataFrame({"area": ["a", "c"], "count": [45, float("nan")]})
    ratio = methods.indirectly_standardised_ratio(
        data, population="n", age_band="age_band", reference=ref, by="area", observed=observed
    )
    expected = 1000 * 0.001 + 2000 * 0.018
    assert ratio["value"].tolist()[0] == pytest.approx(45 / expected)
    assert ratio["method"].tolist() == ["Byars", "Not computed", "Not computed"]
    assert ratio["note"].tolist()[1:] == [
        "observed has no row for this group",
        "observed count is missing",
    ]
    assert ratio.loc[1:, ["value", "lower_ci_95", "upper_ci_95"]].isna().all().all()


def test_crude_rate_with_a_missing_count_says_it_was_not_computed() -> None:
    data = pd.DataFrame({"area": ["a", "b", "c"], "x": [5, None, 20], "n": [1000, 1000, None]})
    got = methods.crude_rate(data, count="x", population="n", by="area")
    assert got["method"].tolist() == ["Exact", "Not computed", "Not computed"]
    assert got["note"].tolist()[1:] == ["count is missing", "denominator is missing"]
    assert got.loc[1:, ["value", "lower_ci_95"]].isna().all().all()


def le_data(areas: int = 2, top: str = "90+") -> pd.DataFrame:
    ref = pd.read_csv(Path(__file__).parents[2] / "reference" / "methods_life_expectancy.csv")
    frame = ref.assign(age_band=LE_BANDS)[["age_band", "start_age", "deaths", "population"]]
    if top != "90+":
        start = int(top[:-1])
        rest = frame[frame["start_age"] >= start]
        closed = pd.DataFrame(
            {"age_band": [top], "deaths": [rest["deaths"].sum()],
             "population": [rest["population"].sum()]}
        )  # fmt: skip
        frame = pd.concat([frame[frame["start_age"] < start], closed])
    frame = frame.drop(columns="start_age")
    return pd.concat([frame.assign(area=f"A{i}") for i in range(areas)], ignore_index=True)


def test_life_expectancy_other_top_bands_and_suppression() -> None:
    for top in ["85+", "80+"]:
        out = methods.life_expectancy(
            le_data(top=top), deaths="deaths", population="population", age_band="age_band",
            by="area", start_ages=[0, top],
        )  # fmt: skip
        assert list(out["age_band"]) == ["<1", top] * 2
        assert 75 < out.loc[0, "value"] < 85
    data = le_data()
    data.loc[3, "deaths"] = -1
    out = methods.life_expectancy(
        data, deaths="deaths", population="population", age_band="age_band", by="area"
    )
    a0 = out[out["area"] == "A0"]
    assert a0["value"].isna().all() and (a0["note"] == "negative deaths in an age band").all()
    assert out[out["area"] == "A1"]["value"].notna().all()
    small = le_data(1).assign(population=lambda d: d["population"] // 100)
    small_out = methods.life_expectancy(
        small, deaths="deaths", population="population", age_band="age_band"
    )
    assert small_out["value"].isna().all()


def test_compare_to_benchmark_vocabulary() -> None:
    data = pd.DataFrame(
        {
            "value": [10.0, 20.0, 30.0, np.nan],
            "lower_ci_95": [8.0, 15.0, 25.0, np.nan],
            "upper_ci_95": [12.0, 25.0, 35.0, np.nan],
        }
    )
    low = methods.compare_to_benchmark(data, benchmark_value=20, polarity="low_is_good")
    assert list(low["compared_to_benchmark"]) == ["Better", "Similar", "Worse", "Not compared"]
    high = methods.compare_to_benchmark(data, benchmark_value=20, polarity="high_is_good")
    assert list(high["compared_to_benchmark"])[:3] == ["Worse", "Similar", "Better"]
    none = methods.compare_to_benchmark(data, benchmark_value=20, polarity="no_judgement")
    assert list(none["compared_to_benchmark"])[:3] == ["Lower", "Similar", "Higher"]
    overlap = methods.compare_to_benchmark(
        data, benchmark_value=20, benchmark_lower=11, benchmark_upper=29,
        polarity="no_judgement", method="ci_overlap",
    )  # fmt: skip
    assert list(overlap["compared_to_benchmark"])[:3] == ["Similar", "Similar", "Similar"]
    quint = methods.compare_to_benchmark(
        pd.DataFrame({"value": np.arange(10.0)}), polarity="no_judgement", method="quintiles"
    )
    assert list(quint["compared_to_benchmark"]) == [
        "Lowest", "Lowest", "Low", "Low", "Middle", "Middle", "High", "High", "Highest", "Highest",
    ]  # fmt: skip


def test_assign_quantiles_reference_formula() -> None:
    data = pd.DataFrame({"g": ["x"] * 10 + ["y"] * 5, "v": [*list(range(10)), 5, 5, 1, 2, np.nan]})
    out = methods.assign_quantiles(data, value="v", n=5, by="g")
    assert list(out["quantile"][:10]) == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]
    assert out["quantile"].isna().sum() == 1
    low = methods.assign_quantiles(data, value="v", n=5, by="g", first="lowest")
    assert list(low["quantile"][:10]) == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]


def test_trend_proportion_and_other() -> None:
    years = list(range(2015, 2021))
    data = pd.DataFrame(
        {
            "area": ["up"] * 6 + ["flat"] * 6 + ["short"] * 3,
            "year": years * 2 + years[:3],
            "num": [100, 150, 200, 260, 330, 400] + [100] * 6 + [1, 2, 3],
            "den": [1000] * 15,
        }
    )
    out = methods.trend(
        data, period="year", kind="proportion", numerator="num", denominator="den",
        by="area", polarity="low_is_good",
    )  # fmt: skip
    got = dict(zip(out["area"], out["trend"], strict=True))
    assert got == {
        "up": "Increasing and getting worse",
        "flat": "No significant change",
        "short": "Cannot be calculated",
    }
    last5 = data[data["area"] == "up"].tail(5)
    d, c = last5["den"].sum(), last5["num"].sum()
    t = last5["year"].to_numpy(float)
    x2 = (
        d
        * (d * (last5["num"] * t).sum() - c * (last5["den"] * t).sum()) ** 2
        / (c * (d - c) * (d * (last5["den"] * t * t).sum() - (last5["den"] * t).sum() ** 2))
    )
    assert out.loc[out["area"] == "up", "statistic"].iloc[0] == pytest.approx(x2, rel=1e-12)
    other = pd.DataFrame(
        {"year": years, "value": [50.0, 48, 45, 40, 38, 33], "lower_ci_95": [48.0, 46, 43, 38, 36, 31],
         "upper_ci_95": [52.0, 50, 47, 42, 40, 35]}
    )  # fmt: skip
    res = methods.trend(other, period="year", kind="other", polarity="high_is_good")
    assert res.loc[0, "trend"] == "Decreasing and getting worse"


def test_funnel_limits_and_significance() -> None:
    data = pd.DataFrame({"x": [5, 50, 500, 90], "n": [100, 1000, 10000, 1000]})
    out = methods.funnel_limits(data, numerator="x", denominator="n")
    assert (out["lower_ci_99_8"] <= out["lower_ci_95"]).all()
    assert (out["upper_ci_95"] <= out["upper_ci_99_8"]).all()
    sig = methods.funnel_significance(data, numerator="x", denominator="n")
    assert sig.loc[3, "funnel_significance"] == "High (99.8%)"
    ratio = methods.funnel_limits(
        data, numerator="x", denominator="n", statistic="ratio", target=0.05
    )
    assert (ratio["lower_ci_95"] < 0.05).all() and (ratio["upper_ci_95"] > 0.05).all()


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=500), min_size=19, max_size=19),
    st.lists(st.integers(min_value=1, max_value=50_000), min_size=19, max_size=19),
)
def test_dsr_properties(counts: list[int], pops: list[int]) -> None:
    data = pd.DataFrame({"age_band": BANDS, "x": counts, "n": pops})
    out = methods.directly_standardised_rate(data, count="x", population="n", age_band="age_band")
    row = out.iloc[0]
    if sum(counts) < 10:
        assert np.isnan(row["value"])
        return
    assert row["value"] >= 0
    assert row["lower_ci_99_8"] <= row["lower_ci_95"] <= row["value"] <= row["upper_ci_95"]
    assert row["upper_ci_95"] <= row["upper_ci_99_8"]


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=0, max_value=10_000), st.integers(min_value=1, max_value=10**7))
def test_crude_rate_properties(count: int, pop: int) -> None:
    out = methods.crude_rate(pd.DataFrame({"x": [count], "n": [pop]}), count="x", population="n")
    row = out.iloc[0]
    assert row["lower_ci_95"] >= 0
    assert row["lower_ci_99_8"] <= row["lower_ci_95"] <= row["value"] <= row["upper_ci_95"]
    assert row["upper_ci_95"] <= row["upper_ci_99_8"]
