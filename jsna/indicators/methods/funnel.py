r"""Funnel plot control limits and significance for proportions, ratios and rates.

:func:`funnel_limits` gives the limits around a target at each denominator: for proportions
the values whose Wilson score interval just reaches the target (closed form, with
:math:`z` from :func:`~jsna.indicators.methods.z_for`); for ratios and rates the exact
Poisson limits of the expected count :math:`E = p_0 n`, :math:`\chi^2_{\alpha/2}(2E)/2` and
:math:`\chi^2_{1-\alpha/2}(2E+2)/2`, divided by *n*. :func:`funnel_significance` places each
point against the 95% and 99.8% funnels.

References: Spiegelhalter DJ. Funnel plots for comparing institutional performance. Stat Med
2005;24:1185-1202. OHID Public Health Technical Guidance, "Funnel plots". PHEindicatormethods
``calculate_funnel_limits`` and ``assign_funnel_significance``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from . import _validate as v
from .intervals import exact_poisson_interval

__all__ = ["funnel_limits", "funnel_significance"]

Statistic = Literal["proportion", "ratio", "rate"]


def _proportion_limits(p0: np.ndarray, n: np.ndarray, z: float, side: str) -> np.ndarray:
    """Proportion whose Wilson limit with normal quantile ``z`` equals the target ``p0``."""
    z2 = z**2
    first = p0 * (n / z2 + 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        adj = np.sqrt(
            (-8 * p0 * (n / z2 + 1)) ** 2
            - 64 * (1 / z2 + 1 / n) * p0 * (n * (p0 * (n / z2 + 2) - 1) + z2 * (p0 - 1))
        )
        last = 1 / z2 + 1 / n
        limit = (first - adj / 8) / last if side == "low" else (first + adj / 8) / last
        return limit / n


def _inputs(
    data: pd.DataFrame,
    statistic: str,
    numerator: str,
    denominator: str,
    by: list[str],
    target: float | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if statistic not in ("proportion", "ratio", "rate"):
        raise ValueError(f"statistic must be 'proportion', 'ratio' or 'rate', got {statistic!r}")
    v.check_columns(data, numerator=numerator, denominator=denominator)
    v.check_by(data, by)
    x = v.numeric(data, numerator, "numerator")
    n = v.numeric(data, denominator, "denominator")
    v.check_non_negative(data, x, numerator, "numerator")
    v.check_positive(data, n, denominator, "denominator")
    if statistic == "proportion":
        v.check_not_greater(data, x, n, numerator, denominator, "numerator", "denominator")
    if target is not None:
        centre = np.full(len(data), float(target))
    elif statistic == "ratio":
        centre = np.ones(len(data))
    else:
        codes, keys = v.group_codes(data, by)
        sx, sn = v.group_sums(codes, len(keys), x, n)
        centre = (sx / sn)[codes]
    return x, n, centre


def funnel_limits(
    data: pd.DataFrame,
    *,
    numerator: str,
    denominator: str,
    statistic: Statistic = "proportion",
    by: str | Sequence[str] | None = None,
    confidence: v.Confidence = v.DEFAULT_CONFIDENCE,
    target: float | None = None,
    multiplier: float = 1,
) -> pd.DataFrame:
    """Funnel plot control limits at each row's denominator; one row per input row.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per area.
    numerator : str
        Cases (proportion), observed events (ratio) or events (rate).
    denominator : str
        Sample size (proportion), expected events (ratio) or population (rate).
    statistic : {"proportion", "ratio", "rate"}
    by : list of str, optional
        Groups sharing a funnel; the target is the pooled value of the group
        (:math:`\\sum O / \\sum n`; 1 for ratios) unless ``target`` is given.
    confidence : float or tuple of float
        Funnel levels (default 95% and 99.8%).
    target : float, optional
        Centre line on the unscaled scale (proportion 0-1, ratio, rate per person).
    multiplier : float
        Scale of the output (100 for percentages, 100,000 for rates).

    Returns
    -------
    pandas.DataFrame
        A copy of ``data`` plus ``value`` (the area's statistic), ``target`` and
        ``lower_ci_<L>`` / ``upper_ci_<L>`` funnel limits, all times ``multiplier``.

    Notes
    -----
    Proportions: the limits are the proportions *p* whose Wilson score interval at level
    :math:`1 - \\alpha/2` just reaches the target :math:`p_0` (closed form of the OHID
    funnel tool). Ratios and rates: exact Poisson limits of the expected count
    :math:`E = p_0 n`, :math:`\\chi^2_{\\alpha/2}(2E)/2` and
    :math:`\\chi^2_{1-\\alpha/2}(2E+2)/2`, divided by *n* (continuous in *E*); the
    reference's spreadsheet macro finds these by bisection to about 1e-7.

    References
    ----------
    Spiegelhalter DJ. Funnel plots for comparing institutional performance. Stat Med
    2005;24:1185-1202. OHID Public Health Technical Guidance, "Funnel plots".
    PHEindicatormethods ``calculate_funnel_limits``.
    """
    by_ = v.normalise_by(by)
    levels = v.normalise_confidence(confidence)
    x, n, centre = _inputs(data, statistic, numerator, denominator, by_, target)
    out = data.copy()
    out["value"] = x / n * multiplier
    out["target"] = centre * multiplier
    for level in levels:
        lo, up = v.limit_columns(level)
        if statistic == "proportion":
            z = v.z_for(level)
            lower = _proportion_limits(centre, n, z, "low")
            upper = _proportion_limits(centre, n, z, "high")
        else:
            lower, upper = exact_poisson_interval(centre * n, level)
            lower, upper = lower / n, upper / n
        out[lo] = lower * multiplier
        out[up] = upper * multiplier
    return out


def funnel_significance(
    data: pd.DataFrame,
    *,
    numerator: str,
    denominator: str,
    statistic: Statistic = "proportion",
    by: str | Sequence[str] | None = None,
    target: float | None = None,
    output: str = "funnel_significance",
) -> pd.DataFrame:
    """Where each point falls against the 95% and 99.8% funnels; one row per input row.

    Returns
    -------
    pandas.DataFrame
        A copy of ``data`` plus ``output``: ``"High (99.8%)"``, ``"High (95%)"``,
        ``"Within limits"``, ``"Low (95%)"`` or ``"Low (99.8%)"``.

    Notes
    -----
    The point :math:`O/n` is compared with :func:`funnel_limits` at its own denominator
    (strictly outside = significant).

    References
    ----------
    OHID Public Health Technical Guidance, "Funnel plots". PHEindicatormethods
    ``assign_funnel_significance``.
    """
    limits = funnel_limits(
        data,
        numerator=numerator,
        denominator=denominator,
        statistic=statistic,
        by=by,
        confidence=(0.95, 0.998),
        target=target,
    )
    x = limits["value"].to_numpy()
    result = np.full(len(x), "Within limits", dtype=object)
    result[x > limits["upper_ci_95"].to_numpy()] = "High (95%)"
    result[x > limits["upper_ci_99_8"].to_numpy()] = "High (99.8%)"
    result[x < limits["lower_ci_95"].to_numpy()] = "Low (95%)"
    result[x < limits["lower_ci_99_8"].to_numpy()] = "Low (99.8%)"
    out = data.copy()
    out[output] = pd.Series(result, index=data.index, dtype="str")
    return out
