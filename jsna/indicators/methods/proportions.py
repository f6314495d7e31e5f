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
from .intervals import PROPORTION_CI_METHODS, proportion_interval

__all__ = ["proportion"]


def proportion(
    data: pd.DataFrame,
    *,
    numerator: str,
    denominator: str,
    by: str | Sequence[str] | None = None,
    confidence: v.Confidence = v.DEFAULT_CONFIDENCE,
    multiplier: float = 1,
    ci_method: str = "wilson",
    z: v.ZOverride = None,
) -> pd.DataFrame:
    """Proportion with Wilson score confidence limits; one row per group.

    Parameters
    ----------
    data : pandas.DataFrame
        Rows are summed within groups.
    numerator : str
        Column of cases (>= 0, <= denominator on every row); may be missing (see Notes).
    denominator : str
        Column of sample sizes (>= 0); may be missing (see Notes).
    by : list of str, optional
        Grouping columns; ``None`` or ``[]`` gives one row for the whole table.
    confidence : float, tuple of float or None
        Level(s); ``None`` gives no limit columns.
    multiplier : float
        1 for a proportion, 100 for a percentage.
    ci_method : {"wilson", "exact"}
        ``"wilson"`` (default; OHID's and the reference's) score limits, or ``"exact"``
        Clopper-Pearson limits.
    z : float or mapping, optional
        *z* for Wilson limits instead of the quantile of the level: one number with one
        level, or a mapping such as ``{0.95: 1.96}``.

    Returns
    -------
    pandas.DataFrame
        ``by`` columns, ``count`` (numerator), ``denominator``, ``value``, limit columns,
        ``method`` (``"Wilson"`` or ``"Clopper-Pearson"``) and ``note``. Sorted by ``by``.

    Notes
    -----
    :math:`p = O/n`; limits
    :math:`\\big(2O + z^2 \\mp z\\sqrt{z^2 + 4O(1 - O/n)}\\big) / 2(n + z^2)`, times
    ``multiplier``.

    Missing, zero and out-of-range inputs, as the reference ``phe_proportion``:

    * a missing numerator or denominator is summed with its group (``sum`` without
      ``na.rm``, so the missing value propagates): that group's value and limits are
      missing, with the note ``"count is missing"`` or ``"denominator is missing"``; the
      other groups are computed;
    * a negative value raises, and so does a numerator above its denominator on any row (the
      reference stops: "numerators must be less than or equal to denominator");
    * a zero denominator gives missing values with the note ``"denominator is zero"`` (the
      reference stops instead);
    * a numerator of 0 or equal to the denominator is valid (limits 0 or 1 at that end).

    References
    ----------
    Wilson EB (1927). Newcombe RG, Altman DG (2000). OHID Public Health Technical Guidance,
    "Confidence intervals for proportions". PHEindicatormethods ``phe_proportion`` (R/Proportions.R).
    """
    by_ = v.normalise_by(by)
    levels = v.normalise_confidence(confidence, allow_none=True)
    zs = v.z_overrides(levels, z)
    v.check_choice(ci_method, PROPORTION_CI_METHODS, "ci_method")
    v.check_columns(data, numerator=numerator, denominator=denominator)
    v.check_by(data, by_)
    x = v.numeric(data, numerator, "numerator", allow_missing=True)
    n = v.numeric(data, denominator, "denominator", allow_missing=True)
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
        lower, upper = proportion_interval(
            total_x, total_n, level, ci_method=ci_method, z=zs[level]
        )
        lo, up = v.limit_columns(level)
        columns[lo] = lower * multiplier
        columns[up] = upper * multiplier
    label = "Clopper-Pearson" if ci_method == "exact" else "Wilson"
    columns["method"] = pd.Series(np.full(g, label), dtype="str")
    notes = v.notes_column(g)
    notes[zero] = "denominator is zero"
    notes[np.isnan(total_n)] = "denominator is missing"
    notes[np.isnan(total_x)] = "count is missing"
    columns["note"] = v.as_note_series(notes)
    return v.finish(keys, by_, columns)
