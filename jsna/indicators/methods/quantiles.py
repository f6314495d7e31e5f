r"""Assigning values to quantiles within groups.

:func:`assign_quantiles` ranks the non-missing values of each group (ties take the lowest
rank *r*) and gives quantile :math:`q = \lfloor (n + 1) - \lceil (N + 1 - r) / (N / n)
\rceil \rfloor` of *n*, 0 mapped to 1, as Fingertips assigns deprivation deciles and
benchmark quintiles.

References: OHID Public Health Technical Guidance, "Quantiles"; PHEindicatormethods
``phe_quantile``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from . import _validate as v

__all__ = ["assign_quantiles"]


def quantile_numbers(
    data: pd.DataFrame, value: np.ndarray, n: int, by: list[str], first: str
) -> np.ndarray:
    """Quantile number (float, NaN where value missing) per row; vectorised over groups."""
    adjusted = -value if first == "highest" else value
    frame = pd.DataFrame({"adjusted": adjusted}, index=pd.RangeIndex(len(value)))
    if by:
        for i, column in enumerate(by):
            frame[f"__by{i}"] = data[column].to_numpy()
        grouped = frame.groupby([f"__by{i}" for i in range(len(by))], sort=False, dropna=False)
        rank = grouped["adjusted"].rank(method="min").to_numpy()
        count = grouped["adjusted"].transform("count").to_numpy(dtype="float64")
    else:
        rank = frame["adjusted"].rank(method="min").to_numpy()
        count = np.full(len(value), float(np.count_nonzero(~np.isnan(value))))
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.floor((n + 1) - np.ceil(((count + 1) - rank) / (count / n)))
    q = np.where(q == 0, 1, q)
    return np.where(np.isnan(value), np.nan, q)


def assign_quantiles(
    data: pd.DataFrame,
    *,
    value: str,
    n: int = 10,
    by: str | Sequence[str] | None = None,
    first: Literal["highest", "lowest"] = "highest",
) -> pd.DataFrame:
    """Quantile (1 to ``n``) of each row's value within its group; one row per input row.

    Parameters
    ----------
    data : pandas.DataFrame
    value : str
        Numeric column; missing values get a missing quantile.
    n : int
        Number of quantiles (10 for deciles, 5 for quintiles).
    by : list of str, optional
        Groups within which to rank (e.g. the parent area).
    first : {"highest", "lowest"}
        Which end is quantile 1: ``"highest"`` (the reference's default, e.g. IMD decile 1
        = most deprived score) or ``"lowest"``.

    Returns
    -------
    pandas.DataFrame
        A copy of ``data`` with an ``Int64`` column ``quantile``.

    Notes
    -----
    With *N* non-missing values in the group and rank *r* (ties take the lowest rank),
    :math:`q = \\lfloor (n + 1) - \\lceil (N + 1 - r) / (N / n) \\rceil \\rfloor`, with 0
    mapped to 1.

    References
    ----------
    OHID Public Health Technical Guidance, "Quantiles". PHEindicatormethods
    ``phe_quantile``.
    """
    by_ = v.normalise_by(by)
    v.check_columns(data, value=value)
    v.check_by(data, by_)
    if first not in ("highest", "lowest"):
        raise ValueError(f"first must be 'highest' or 'lowest', got {first!r}")
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"n must be a whole number >= 1, got {n!r}")
    x = v.numeric(data, value, "value", allow_missing=True)
    q = quantile_numbers(data, x, int(n), by_, first)
    out = data.copy()
    out["quantile"] = pd.array(np.where(np.isnan(q), 0, q).astype("int64"), dtype="Int64")
    out.loc[np.isnan(q), "quantile"] = pd.NA
    return out
