"""Interval primitives: hand-worked formulas and invariants."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from jsna.indicators import methods


def test_byars_matches_the_published_formula() -> None:
    z = stats.norm.ppf(0.975)
    o = 25.0
    lower = o * (1 - 1 / (9 * o) - z / (3 * math.sqrt(o))) ** 3
    upper = (o + 1) * (1 - 1 / (9 * (o + 1)) + z / (3 * math.sqrt(o + 1))) ** 3
    lo, up = methods.byars_interval([o], 95)
    assert lo[0] == pytest.approx(lower, rel=1e-12)
    assert up[0] == pytest.approx(upper, rel=1e-12)


def test_exact_poisson_is_the_chi_square_quantile() -> None:
    counts = np.array([0, 1, 4, 9])
    lo, up = methods.exact_poisson_interval(counts, 0.998)
    expected_lo = np.where(counts > 0, stats.chi2.ppf(0.001, 2 * np.maximum(counts, 1)) / 2, 0)
    np.testing.assert_allclose(lo, expected_lo, rtol=1e-12)
    np.testing.assert_allclose(up, stats.chi2.ppf(0.999, 2 * counts + 2) / 2, rtol=1e-12)


def test_wilson_worked_example() -> None:
    # Newcombe & Altman (2000): 81 of 263, 95% CI 0.2553 to 0.3662
    lo, up = methods.wilson_interval([81], [263], 0.95)
    assert lo[0] == pytest.approx(0.2553, abs=5e-5)
    assert up[0] == pytest.approx(0.3662, abs=5e-5)


def test_poisson_interval_switches_at_ten() -> None:
    lo, _up, exact = methods.poisson_interval([9, 10], 0.95)
    assert list(exact) == [True, False]
    assert lo[0] == pytest.approx(stats.chi2.ppf(0.025, 18) / 2, rel=1e-12)
    assert lo[1] == pytest.approx(methods.byars_interval([10])[0][0], rel=1e-15)


@pytest.mark.parametrize("bad", [1.5, 0, 100, -0.95, 101])
def test_bad_confidence_raises(bad: float) -> None:
    with pytest.raises(ValueError, match="confidence"):
        methods.byars_interval([10], bad)


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=100_000), st.integers(min_value=1, max_value=10**6))
def test_limits_bracket_and_nest(count: int, extra: int) -> None:
    n = count + extra
    for interval in (
        lambda c: methods.wilson_interval([count], [n], c),
        lambda c: methods.poisson_interval([count], c)[:2],
    ):
        lo95, up95 = interval(0.95)
        lo998, up998 = interval(0.998)
        assert 0 <= lo998[0] <= lo95[0] + 1e-12
        assert up95[0] <= up998[0] + 1e-12
    lo, up = methods.wilson_interval([count], [n], 0.95)
    assert lo[0] - 1e-12 <= count / n <= up[0] + 1e-12
    lo, up, _ = methods.poisson_interval([count], 0.95)
    assert lo[0] <= count <= up[0]
