r"""Means with Student's t limits.

:func:`mean` gives :math:`\bar x \pm t_{1-\alpha/2,\,n-1}\, s/\sqrt n` per group, *s* the
sample standard deviation (divisor :math:`n - 1`); fewer than 2 observations give missing
limits.

References: OHID Public Health Technical Guidance, "Confidence intervals for means";
PHEindicatormethods ``phe_mean``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from . import _validate as v
from .intervals import student_t_interval

__all__ = ["mean"]


def mean(
    data: pd.DataFrame,
    *,
    value: str,
    by: str | Sequence[str] | None = None,
    confidence: v.Confidence = v.DEFAULT_CONFIDENCE,
) -> pd.DataFrame:
    """Mean of a column with Student's t confidence limits; one row per group.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per observation.
    value : str
        Numeric column; missing values are excluded (and counted in ``note``).
    by : list of str, optional
        Grouping columns.
    confidence : float or tuple of float

    Returns
    -------
    pandas.DataFrame
        ``by`` columns, ``count`` (observations used), ``standard_deviation``, ``value``,
        limit columns, ``method`` (``"Student's t"``) and ``note``.

    Notes
    -----
    :math:`\\bar x \\pm t_{1-\\alpha/2,\\,n-1}\\; s/\\sqrt{n}`, *s* the sample standard
    deviation (divisor :math:`n-1`). Fewer than 2 observations give missing limits.

    References
    ----------
    OHID Public Health Technical Guidance, "Confidence intervals for means".
    PHEindicatormethods ``phe_mean``.
    """
    by_ = v.normalise_by(by)
    levels = v.normalise_confidence(confidence)
    v.check_columns(data, value=value)
    v.check_by(data, by_)
    x = v.numeric(data, value, "value", allow_missing=True)
    present = ~np.isnan(x)
    codes, keys = v.group_codes(data, by_)
    g = len(keys)
    xs = np.where(present, x, 0.0)
    k, total = v.group_sums(codes, g, present.astype("float64"), xs)
    with np.errstate(divide="ignore", invalid="ignore"):
        m = total / k
        dev = np.where(present, x - m[codes], 0.0)
        (ss,) = v.group_sums(codes, g, dev * dev)
        sd = np.sqrt(ss / (k - 1))
    sd = np.where(k >= 2, sd, np.nan)
    columns: dict[str, object] = {"count": k, "standard_deviation": sd, "value": m}
    for level in levels:
        lower, upper = student_t_interval(m, sd, k, level)
        lo, up = v.limit_columns(level)
        columns[lo] = lower
        columns[up] = upper
    columns["method"] = pd.Series(np.full(g, "Student's t"), dtype="str")
    notes = v.notes_column(g)
    notes[k < 2] = "fewer than 2 values"
    notes[k == 0] = "no values"
    columns["note"] = v.as_note_series(notes)
    return v.finish(keys, by_, columns)
