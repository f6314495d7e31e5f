r"""Fingertips' recent-trend test on the last five points.

For proportions the chi-square test for trend in proportions,

.. math::

    X^2 = \frac{D\,(D\sum c_t t - C \sum d_t t)^2}{C (D - C)\,(D \sum d_t t^2 - (\sum d_t t)^2)},

with the direction from the slope of the logit; for other values a weighted least-squares
slope with weights :math:`1/\sigma_t^2`, :math:`\sigma_t = (U_t - L_t) / 2z`, and
:math:`X^2 = \beta^2 / \operatorname{var}(\beta)`. The trend is significant when
:math:`X^2` exceeds the 99.8% chi-square quantile on 1 df, :math:`z_{0.998}^2 = 9.549536`
(:data:`TREND_CONFIDENCE`), and removing any one point never reverses the slope.

References: OHID Public Health Technical Guidance, "Recent trends" (Fingertips);
PHEindicatormethods ``assign_trend_markers``. Armitage P, Berry G, Matthews JNS. Statistical
methods in medical research. 4th ed. Oxford: Blackwell; 2002 (test for trend in proportions).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from . import _validate as v
from .benchmark import _polarity

__all__ = ["TREND_CONFIDENCE", "trend"]

#: level of the trend test: significant when the chi-square statistic (1 df) exceeds
#: qchisq(0.998, 1) = z(0.998)**2 = 9.549536 (Fingertips' trend calculator)
TREND_CONFIDENCE = 0.998
_POINTS = 5


def _weighted_beta(y: np.ndarray, t: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Slope and chi-square of weighted least squares along the last axis."""
    s1 = w.sum(-1)
    sty = (w * y * t).sum(-1)
    st = (w * t).sum(-1)
    sy = (w * y).sum(-1)
    stt = (w * t * t).sum(-1)
    den = s1 * stt - st * st
    beta = (s1 * sty - st * sy) / den
    variance = s1 / den
    return beta, beta * beta / variance


def _logit_beta(value: np.ndarray, t: np.ndarray) -> np.ndarray:
    k = value.shape[-1]
    y = np.log(value / (1 - value))
    return (k * (y * t).sum(-1) - y.sum(-1) * t.sum(-1)) / (k * (t * t).sum(-1) - t.sum(-1) ** 2)


def trend(
    data: pd.DataFrame,
    *,
    period: str,
    kind: Literal["proportion", "other"],
    value: str = "value",
    lower: str | None = None,
    upper: str | None = None,
    numerator: str | None = None,
    denominator: str | None = None,
    by: str | Sequence[str] | None = None,
    polarity: str = "no_judgement",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Fingertips' recent trend over the latest five periods; one row per group.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per group and period.
    period : str
        Period column. Numeric periods (years) are used as the time variable; otherwise the
        sorted periods are numbered 1, 2, … (equally spaced, as Fingertips requires).
    kind : {"proportion", "other"}
        ``"proportion"`` uses ``numerator`` / ``denominator`` (chi-square test for trend in
        proportions); ``"other"`` (rates, ratios, life expectancy, means, …) uses
        ``value`` and its limits.
    value, lower, upper : str
        For ``kind="other"``: the value and the limits at ``confidence`` (default columns
        ``lower_ci_<L>`` / ``upper_ci_<L>``).
    numerator, denominator : str
        For ``kind="proportion"``.
    by : list of str, optional
    polarity : str
        ``"high_is_good"``, ``"low_is_good"``, ``"no_judgement"`` or a column holding them
        (the value of each group's latest row is used).
    confidence : float
        Level of ``lower`` / ``upper``, used to recover standard errors.

    Returns
    -------
    pandas.DataFrame
        ``by`` columns, ``period`` (the latest), ``points`` (used), ``statistic``
        (chi-square), ``slope``, ``trend`` and ``note``. ``trend`` is one of "Increasing and
        getting better", "Increasing and getting worse", "Decreasing and getting better",
        "Decreasing and getting worse", "Increasing", "Decreasing" (no judgement),
        "No significant change", "Cannot be calculated".

    Notes
    -----
    Proportions (counts :math:`c_t`, denominators :math:`d_t`, time *t*):

    .. math::

        X^2 = \\frac{D\\,(D\\sum c_t t - C \\sum d_t t)^2}{C (D - C)\\,(D \\sum d_t t^2 - (\\sum d_t t)^2)}

    with :math:`C = \\sum c_t`, :math:`D = \\sum d_t`; direction from the least-squares slope
    of the logit of :math:`c_t / d_t`. Other values: weighted least squares of the value on
    *t* with weights :math:`1/\\sigma_t^2`, :math:`\\sigma_t = (U_t - L_t) / 2z`;
    :math:`X^2 = \\beta^2 / \\operatorname{var}(\\beta)`. The trend is significant when
    :math:`X^2 > z_{0.998}^2 = 9.549536` (99.8%, 1 df) and dropping any one point never reverses the sign of
    the slope; fewer than 5 points or any missing input give "Cannot be calculated".

    References
    ----------
    OHID Public Health Technical Guidance, "Recent trends" (Fingertips).
    PHEindicatormethods ``assign_trend_markers``.
    """
    by_ = v.normalise_by(by)
    (level,) = v.normalise_confidence(confidence)
    v.check_columns(data, period=period)
    v.check_by(data, by_)
    if kind not in ("proportion", "other"):
        raise ValueError(f"kind must be 'proportion' or 'other', got {kind!r}")
    if kind == "proportion":
        if numerator is None or denominator is None:
            raise ValueError("kind='proportion' needs numerator and denominator columns")
        v.check_columns(data, numerator=numerator, denominator=denominator)
        a = v.numeric(data, numerator, "numerator", allow_missing=True)
        b = v.numeric(data, denominator, "denominator", allow_missing=True)
        v.check_non_negative(data, a, numerator, "numerator")
        v.check_non_negative(data, b, denominator, "denominator")
        v.check_not_greater(data, a, b, numerator, denominator, "numerator", "denominator")
        c = np.full(len(data), np.nan)
    else:
        lo_col, up_col = v.limit_columns(level)
        lower, upper = lower or lo_col, upper or up_col
        v.check_columns(data, value=value, lower=lower, upper=upper)
        a = v.numeric(data, value, "value", allow_missing=True)
        b = v.numeric(data, lower, "lower", allow_missing=True)
        c = v.numeric(data, upper, "upper", allow_missing=True)
    pol = _polarity(data, polarity)

    if pd.api.types.is_numeric_dtype(data[period]):
        time = v.numeric(data, period, "period")
    else:
        time = pd.Series(pd.factorize(data[period], sort=True)[0] + 1.0).to_numpy()
    codes, keys = v.group_codes(data, by_)
    g = len(keys)
    dup = pd.Series(codes * (time.max() + 1) + time).duplicated().to_numpy()
    if dup.any():
        pos = int(np.flatnonzero(dup)[0])
        raise ValueError(
            f"period {data[period].iloc[pos]!r} appears twice in a group "
            f"(column {period!r}, row {data.index[pos]})"
        )
    # last five rows of each group, by time: sort by (group, time), rank from the end
    order = np.lexsort((time, codes))
    sc = codes[order]
    counts = np.bincount(codes, minlength=g)
    ends = np.cumsum(counts)
    from_end = ends[sc] - np.arange(len(sc))  # 1 for the latest
    take = from_end <= _POINTS
    rows = order[take]
    slot = _POINTS - from_end[take]
    grp = sc[take]
    enough = counts >= _POINTS
    A = np.full((g, _POINTS), np.nan)
    B = np.full((g, _POINTS), np.nan)
    C = np.full((g, _POINTS), np.nan)
    T = np.full((g, _POINTS), np.nan)
    A[grp, slot], B[grp, slot], C[grp, slot], T[grp, slot] = a[rows], b[rows], c[rows], time[rows]
    latest_row = order[ends - 1]

    loo = np.array([[j for j in range(_POINTS) if j != i] for i in range(_POINTS)])
    with np.errstate(divide="ignore", invalid="ignore"):
        if kind == "proportion":
            missing = np.isnan(A).any(1) | np.isnan(B).any(1)
            sd, sc_, sdt = B.sum(1), A.sum(1), (B * T).sum(1)
            sct, sdt2 = (A * T).sum(1), (B * T * T).sum(1)
            stat = sd * (sd * sct - sc_ * sdt) ** 2 / (sc_ * (sd - sc_) * (sd * sdt2 - sdt**2))
            p = A / B
            beta = _logit_beta(p, T)
            beta_loo = _logit_beta(p[:, loo], T[:, loo])
        else:
            missing = np.isnan(A).any(1) | np.isnan(B).any(1) | np.isnan(C).any(1)
            w = ((2 * v.z_for(level)) / (C - B)) ** 2
            beta, stat = _weighted_beta(A, T, w)
            beta_loo, _ = _weighted_beta(A[:, loo], T[:, loo], w[:, loo])
    flipped = (np.sign(beta_loo) != np.sign(beta)[:, None]).any(1)
    threshold = v.z_for(TREND_CONFIDENCE) ** 2
    ok = enough & ~missing & np.isfinite(stat) & np.isfinite(beta)
    significant = ok & (stat > threshold) & ~flipped
    up = beta > 0
    p_latest = pol[latest_row]
    judged = p_latest != "no_judgement"
    good = np.where(p_latest == "high_is_good", up, ~up)
    direction = np.where(up, "Increasing", "Decreasing")
    judged_text = np.char.add(
        direction.astype(str), np.where(good, " and getting better", " and getting worse")
    )
    text = np.where(judged, judged_text, direction)
    result = np.where(significant, text, "No significant change").astype(object)
    result[~ok] = "Cannot be calculated"
    notes = v.notes_column(g)
    notes[ok & (stat > threshold) & flipped] = "removing one point reverses the slope"
    notes[~ok] = "could not be tested"
    notes[~enough] = "fewer than 5 points"
    notes[enough & missing] = "missing values in the latest 5 points"

    columns = {
        "period": data[period].to_numpy()[latest_row],
        "points": np.minimum(counts, _POINTS),
        "statistic": np.where(ok, stat, np.nan),
        "slope": np.where(ok, beta, np.nan),
        "trend": pd.Series(result, dtype="str"),
        "note": v.as_note_series(notes),
    }
    return v.finish(keys, by_, columns)
