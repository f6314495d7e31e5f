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
from .intervals import poisson_interval

__all__ = ["crude_rate"]


def crude_rate(
    data: pd.DataFrame,
    *,
    count: str,
    population: str,
    by: str | Sequence[str] | None = None,
    confidence: v.Confidence = v.DEFAULT_CONFIDENCE,
    multiplier: float = 100_000,
) -> pd.DataFrame:
    """Crude rate per ``multiplier`` with Poisson confidence limits; one row per group.

    Parameters
    ----------
    data : pandas.DataFrame
        One or more rows per group; counts and populations are summed within groups.
    count : str
        Column of event counts (>= 0).
    population : str
        Column of populations or person-years (>= 0).
    by : list of str, optional
        Grouping columns; ``None`` or ``[]`` gives one row for the whole table.
    confidence : float or tuple of float
        Level(s), e.g. ``0.95`` or ``(0.95, 0.998)``; percentages (95, 99.8) are accepted.
    multiplier : float
        Rate per this many people (default 100,000).

    Returns
    -------
    pandas.DataFrame
        ``by`` columns, ``count``, ``denominator``, ``value``, ``lower_ci_<L>`` /
        ``upper_ci_<L>`` per level, ``method`` (``"Byars"`` or ``"Exact"``) and ``note``.
        Sorted by ``by``.

    Notes
    -----
    :math:`r = O/n \\times m`. For :math:`O \\ge 10` the limits are Byar's approximation
    (:func:`~jsna.indicators.methods.byars_interval`) divided by *n*; for :math:`O < 10`
    they are the exact Poisson limits :math:`\\chi^2_{\\alpha/2}(2O)/2n` and
    :math:`\\chi^2_{1-\\alpha/2}(2O+2)/2n`. A zero denominator gives missing values with a note.
    Counts may exceed the population (repeat events), so that is not an error here.

    References
    ----------
    OHID Public Health Technical Guidance, "Confidence intervals for rates"
    (https://fingertips.phe.org.uk/profile/guidance). Breslow NE, Day NE (1987).
    PHEindicatormethods ``phe_rate`` / ``calculate_rate``.
    """
    by_ = v.normalise_by(by)
    levels = v.normalise_confidence(confidence)
    v.check_columns(data, count=count, population=population)
    v.check_by(data, by_)
    x = v.numeric(data, count, "count")
    n = v.numeric(data, population, "population")
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
    exact = total_x < 10
    for level in levels:
        lower, upper = poisson_interval(total_x, level)[:2]
        lo, up = v.limit_columns(level)
        with np.errstate(divide="ignore", invalid="ignore"):
            columns[lo] = np.where(zero, np.nan, lower / total_n * multiplier)
            columns[up] = np.where(zero, np.nan, upper / total_n * multiplier)
    columns["method"] = v.label_series(("Byars", "Exact"), exact)
    notes = v.notes_column(g)
    notes[zero] = "denominator is zero"
    columns["note"] = v.as_note_series(notes)
    return v.finish(keys, by_, columns)
