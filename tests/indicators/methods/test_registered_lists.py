"""Expected prevalence of a registered list and the observed/expected ratio
(:func:`jsna.indicators.methods.expected_prevalence`), worked by hand and checked against a
plain numpy computation of indirect standardisation."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from jsna.indicators.methods import expected_prevalence, ratio_significance

Z95 = 1.959963984540054


def _two_practices() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "practice": ["A"] * 4 + ["B"] * 4,
            "sex": ["Male", "Male", "Female", "Female"] * 2,
            "age": ["0-39", "40+"] * 4,
            "observed": [2, 10, 3, 12, 1, 30, 2, 20],
            "list": [100, 50, 100, 50, 50, 100, 50, 100],
        }
    )


def _run(data: pd.DataFrame, **kw: object) -> pd.DataFrame:
    return expected_prevalence(
        data,
        count="observed",
        population="list",
        age_band="age",
        sex="sex",
        by="practice",
        confidence=(0.95, 0.998),
        **kw,  # type: ignore[arg-type]
    ).set_index("practice")


def test_expected_count_and_ratio_by_hand() -> None:
    """Pooled reference rates: men 0-39 3/150, men 40+ 40/150, women 0-39 5/150, women 40+
    32/150; practice A expects 100*3/150 + 50*40/150 + 100*5/150 + 50*32/150 = 88/3."""
    out = _run(_two_practices())
    a = out.loc["A"]
    assert a["expected"] == pytest.approx(88 / 3, rel=1e-12)
    assert a["count"] == 27 and a["denominator"] == 300
    assert a["value"] == pytest.approx(27 / (88 / 3), rel=1e-12)
    assert a["crude_value"] == pytest.approx(9.0, rel=1e-12)
    assert a["expected_value"] == pytest.approx(88 / 3 / 300 * 100, rel=1e-12)
    # Byar's limits of O = 27 over E (OHID technical guide, ISR)
    o = 27
    lower = o * (1 - 1 / (9 * o) - Z95 / (3 * math.sqrt(o))) ** 3
    upper = (o + 1) * (1 - 1 / (9 * (o + 1)) + Z95 / (3 * math.sqrt(o + 1))) ** 3
    assert a["lower_ci_95"] == pytest.approx(lower / (88 / 3), rel=1e-9)
    assert a["upper_ci_95"] == pytest.approx(upper / (88 / 3), rel=1e-9)
    assert a["method"] == "Byars"
    # the pooled reference makes the lists' observed and expected totals equal
    assert out["expected"].sum() == pytest.approx(out["count"].sum(), rel=1e-12)


def test_against_an_independent_indirect_standardisation() -> None:
    rng = np.random.default_rng(7)
    rows = []
    for p in range(6):
        for sex in ("Male", "Female"):
            for band in ("0-4", "5-44", "45-64", "65+"):
                n = int(rng.integers(50, 2000))
                rows.append([f"P{p}", sex, band, int(rng.binomial(n, 0.03)), n])
    data = pd.DataFrame(rows, columns=["practice", "sex", "age", "observed", "list"])
    reference = pd.DataFrame(
        [
            [sex, band, int(rng.integers(100, 900)), int(rng.integers(9000, 20000))]
            for sex in ("Male", "Female")
            for band in ("0-4", "5-44", "45-64", "65+")
        ],
        columns=["sex", "age_band", "count", "population"],
    )
    out = _run(data, reference=reference)
    rates = {
        (s, b): c / n
        for s, b, c, n in reference[["sex", "age_band", "count", "population"]].itertuples(
            index=False
        )
    }
    for practice, rows_p in data.groupby("practice"):
        expected = sum(
            n * rates[(s, b)]
            for s, b, n in zip(rows_p["sex"], rows_p["age"], rows_p["list"], strict=True)
        )
        observed = rows_p["observed"].sum()
        assert out.loc[practice, "expected"] == pytest.approx(expected, rel=1e-12)
        assert out.loc[practice, "value"] == pytest.approx(observed / expected, rel=1e-12)


def test_exact_limits_under_ten_and_an_empty_list() -> None:
    data = _two_practices()
    data.loc[data["practice"].eq("B"), "observed"] = [1, 2, 0, 3]
    out = _run(data)
    assert out.loc["B", "method"] == "Exact"
    empty = _two_practices().assign(list=lambda f: f["list"].where(f["practice"].eq("A"), 0))
    empty.loc[empty["practice"].eq("B"), "observed"] = 0
    got = _run(empty)
    assert math.isnan(got.loc["B", "expected_value"]) and got.loc["B", "note"] == (
        "list size is zero"
    )


def test_a_missing_band_is_an_error_naming_the_group() -> None:
    data = _two_practices().drop(index=7)
    with pytest.raises(ValueError, match=r"missing age band 'Female\|40\+'.*practice='B'"):
        _run(data)


def test_significance_against_one() -> None:
    frame = pd.DataFrame(
        {
            "lower_ci_95": [1.1, 1.05, 0.8, 0.7, 0.5, np.nan],
            "upper_ci_95": [1.4, 1.3, 1.2, 0.95, 0.8, np.nan],
            "lower_ci_99_8": [1.02, 0.97, 0.7, 0.6, 0.4, np.nan],
            "upper_ci_99_8": [1.6, 1.5, 1.4, 1.05, 0.9, np.nan],
        }
    )
    got = ratio_significance(frame)
    assert [None if pd.isna(x) else x for x in got] == [
        "above 99.8%",
        "above 95%",
        "within 95%",
        "below 95%",
        "below 99.8%",
        None,
    ]
