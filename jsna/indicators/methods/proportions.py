r"""Proportions with Wilson score limits.

:func:`proportion` gives :math:`p = O/n` per group with the Wilson score limits
:math:`(2O + z^2 \mp z\sqrt{z^2 + 4O(1 - O/n)}) / 2(n + z^2)`, times a multiplier (100 for
a percentage); a zero denominator gives a missing value with a note.

References: Wilson EB. J Am Stat Assoc 1927;22:209-212. Newcombe RG, Altman DG (2000). OHID
Public Health Technical Guidance, "Confidence intervals for proportions"; PHEindicatormethods
``phe_proportion``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from . import _validate as v
from .intervals import wilson_interval

__all__ = ["proportion"]


def proportion(
    data: pd.DataFrame,
    *,
    numerator: str,
    denominator: str,
    by: str | Sequence[str] | None = None,
    confidence: v.Confidence = v.DEFAULT_CONFIDENCE,
    multiplier: float = 1,
) -> pd.DataFrame:
    """Proportion with Wilson score confidence limits; one row per group.

    Parameters
    ----------
    data : pandas.DataFrame
        Rows are summed within groups.
    numerator : str
        Column of cases (>= 0, <= denominator on every row).
    denominator : str
        Column of sample sizes (>= 0).
    by : list of str, optional
        Grouping columns; ``None`` or ``[]`` gives one row for the whole table.
    confidence : float, tuple of float or None
        Level(s); ``None`` gives no limit columns.
    multiplier : float
        1 for a proportion, 100 for a percentage.

    Returns
    -------
    pandas.DataFrame
        ``by`` columns, ``count`` (numerator), ``denominator``, ``value``, limit columns,
        ``method`` (``"Wilson"``) and ``note``. Sorted by ``by``.

    Notes
    -----
    :math:`p = O/n`; limits
    :math:`\\big(2O + z^2 \\mp z\\sqrt{z^2 + 4O(1 - O/n)}\\big) / 2(n + z^2)`, times
    ``multiplier``. A zero denominator gives missing values with a note.

    References
    ----------
    Wilson EB (1927). Newcombe RG, Altman DG (2000). OHID Public Health Technical Guidance,
    "Confidence intervals for proportions". PHEindicatormethods ``phe_proportion``.
    """
    by_ = v.normalise_by(by)
    levels = v.normalise_confidence(confidence, allow_none=True)
    v.check_columns(data, numerator=numerator, denominator=denominator)
    v.check_by(data, by_)
    x = v.numeric(data, numerator, "numerator")
    n = v.numeric(data, denominator, "denominator")
    v.check_non_negative(data, x, numerator, "numerator")
    v.check_non_negative(data, n, denominator, "denominator")
    v.check_not_greater(data, x, n, numerator, denominator, "numerator", "denominator")
    if not np.isfinite(multiplier) or multiplier <= 0:
        raise ValueError(f"multiplier must be > 0, got {multiplier!r}")

    codes, keys = v.group_codes(data, by_)
    g = len(keys)
    total_x, total_n = v.group_sums(codes, g, x, n)
    zero = total_n == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(zero, np.nan, total_x / total_n * multiplier)
    columns: dict[str, object] = {"count": total_x, "denominator": total_n, "value": value}
    for level in levels:
        lower, upper = wilson_interval(total_x, total_n, level)
        lo, up = v.limit_columns(level)
        columns[lo] = lower * multiplier
        columns[up] = upper * multiplier
    columns["method"] = pd.Series(np.full(g, "Wilson"), dtype="str")
    notes = v.notes_column(g)
    notes[zero] = "denominator is zero"
    columns["note"] = v.as_note_series(notes)
    return v.finish(keys, by_, columns)
