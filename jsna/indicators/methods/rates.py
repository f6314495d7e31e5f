r"""Crude rates with Byar's / exact Poisson limits.

:func:`crude_rate` gives :math:`r = O/n \times m` per group (per 100,000 by default), with
Byar's limits of the count divided by *n* for :math:`O \ge 10` and exact Poisson limits
below. A zero denominator is not an error: the rate is missing with the note "denominator
is zero".

References: OHID Public Health Technical Guidance, "Confidence intervals for rates". Breslow
NE, Day NE (1987). PHEindicatormethods ``phe_rate`` / ``calculate_rate``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from . import _validate as v
from .intervals import POISSON_CI_METHODS, poisson_interval

__all__ = ["crude_rate"]


def crude_rate(
    data: pd.DataFrame,
    *,
    count: str,
    population: str,
    by: str | Sequence[str] | None = None,
    confidence: v.Confidence = v.DEFAULT_CONFIDENCE,
    multiplier: float = 100_000,
    ci_method: str = "phe",
    z: v.ZOverride = None,
) -> pd.DataFrame:
    """Crude rate per ``multiplier`` with Poisson confidence limits; one row per group.

    Parameters
    ----------
    data : pandas.DataFrame
        One or more rows per group; counts and populations are summed within groups.
    count : str
        Column of event counts (>= 0); may be missing (see Notes).
    population : str
        Column of populations or person-years (>= 0); may be missing (see Notes).
    by : list of str, optional
        Grouping columns; ``None`` or ``[]`` gives one row for the whole table.
    confidence : float or tuple of float
        Level(s), e.g. ``0.95`` or ``(0.95, 0.998)``; percentages (95, 99.8) are accepted.
    multiplier : float
        Rate per this many people (default 100,000).
    ci_method : {"phe", "exact", "byars"}
        ``"phe"`` (default; OHID's and the reference's rule): exact Poisson limits under 10
        events, Byar's from 10. ``"exact"``: exact for every count. ``"byars"``: Byar's for
        every count (a count of 0 then has no lower limit).
    z : float or mapping, optional
        *z* for Byar's limits instead of the quantile of the level: one number when one
        level is computed, or a mapping such as ``{0.95: 1.96}`` (Fingertips has published
        limits with :math:`z = 1.96` exactly).

    Returns
    -------
    pandas.DataFrame
        ``by`` columns, ``count``, ``denominator``, ``value``, ``lower_ci_<L>`` /
        ``upper_ci_<L>`` per level, ``method`` (``"Byars"``, ``"Exact"``, or ``"Not computed"``
        for a group with a missing count or denominator) and ``note``. Sorted by ``by``.

    Notes
    -----
    :math:`r = O/n \\times m`. For :math:`O \\ge 10` the limits are Byar's approximation
    (:func:`~jsna.indicators.methods.byars_interval`) divided by *n*; for :math:`O < 10`
    they are the exact Poisson limits :math:`\\chi^2_{\\alpha/2}(2O)/2n` and
    :math:`\\chi^2_{1-\\alpha/2}(2O+2)/2n` (``ci_method`` changes the rule).

    Missing, zero and out-of-range inputs, as the reference ``phe_rate``:

    * a missing count or population is summed with its group (``sum`` without ``na.rm``, so
      the missing value propagates): that group's value and limits are missing, with the
      note ``"count is missing"`` or ``"denominator is missing"`` and the method ``"Not
      computed"``; the other groups are computed;
    * a negative count or population raises (the reference stops: "numerators must be
      greater than or equal to zero");
    * a zero denominator gives missing values with the note ``"denominator is zero"`` (the
      reference stops instead; one empty area should not stop a table);
    * a count of 0 is valid: exact lower limit 0.

    Counts may exceed the population (repeat events), so that is not an error here.

    References
    ----------
    OHID Public Health Technical Guidance, "Confidence intervals for rates"
    (https://fingertips.phe.org.uk/profile/guidance). Breslow NE, Day NE (1987).
    PHEindicatormethods ``phe_rate`` (R/Rates.R).
    """
    by_ = v.normalise_by(by)
    levels = v.normalise_confidence(confidence)
    zs = v.z_overrides(levels, z)
    v.check_choice(ci_method, POISSON_CI_METHODS, "ci_method")
    v.check_columns(data, count=count, population=population)
    v.check_by(data, by_)
    x = v.numeric(data, count, "count", allow_missing=True)
    n = v.numeric(data, population, "population", allow_missing=True)
    v.check_non_negative(data, x, count, "count")
    v.check_non_negative(data, n, population, "population")
    if not np.isfinite(multiplier) or multiplier <= 0:
        raise ValueError(f"multiplier must be > 0, got {multiplier!r}")

    codes, keys = v.group_codes(data, by_)
    g = len(keys)
    total_x, total_n = v.group_sums(codes, g, x, n)
    zero = total_n == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(zero, np.nan, total_x / total_n * multiplier)
    columns: dict[str, object] = {"count": total_x, "denominator": total_n, "value": value}
    exact = np.zeros(g, dtype=bool)
    for level in levels:
        lower, upper, exact = poisson_interval(total_x, level, ci_method=ci_method, z=zs[level])
        lo, up = v.limit_columns(level)
        with np.errstate(divide="ignore", invalid="ignore"):
            columns[lo] = np.where(zero, np.nan, lower / total_n * multiplier)
            columns[up] = np.where(zero, np.nan, upper / total_n * multiplier)
    # a group with a missing count or denominator has no rate: its method says so, not "Byars"
    not_computed = np.isnan(total_x) | np.isnan(total_n)
    columns["method"] = v.label_series(
        ("Byars", "Exact", "Not computed"), np.where(not_computed, 2, exact)
    )
    notes = v.notes_column(g)
    notes[zero] = "denominator is zero"
    notes[np.isnan(total_n)] = "denominator is missing"
    notes[np.isnan(total_x)] = "count is missing"
    columns["note"] = v.as_note_series(notes)
    return v.finish(keys, by_, columns)
