"""Comparing areas with a benchmark the way Fingertips does.

:func:`compare_to_benchmark` gives each value's RAG verdict against a benchmark (England,
the region, or a parent area): with ``benchmark_in_ci`` it is higher when the value's lower
limit :math:`L > B`, lower when :math:`U < B`, otherwise similar; with ``ci_overlap`` it
compares the two intervals (higher when :math:`L > B_U`). "Higher" is "Better" for
indicators where high is good and "Worse" where low is good; indicators with no judgement
get quintiles of the areas' values (:func:`~jsna.indicators.methods.assign_quantiles`).
Limits at 95% and 99.8% give the two levels of significance Fingertips shows.

References: OHID Public Health Technical Guidance, "Comparing with a benchmark" (Fingertips,
https://fingertips.phe.org.uk/profile/guidance); PHEindicatormethods.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from . import _validate as v
from .quantiles import quantile_numbers

__all__ = ["POLARITIES", "compare_to_benchmark"]

POLARITIES = ("high_is_good", "low_is_good", "no_judgement")

_QUINTILE_NO_JUDGEMENT = np.array(["Lowest", "Low", "Middle", "High", "Highest"], dtype=object)
_QUINTILE_RAG = np.array(["Best", "Better", "Middle", "Worse", "Worst"], dtype=object)


def _column_or_scalar(data: pd.DataFrame, spec: str | float | None, role: str) -> np.ndarray:
    if spec is None:
        return np.full(len(data), np.nan)
    if isinstance(spec, str):
        v.check_columns(data, **{role: spec})
        return v.numeric(data, spec, role, allow_missing=True)
    return np.full(len(data), float(spec))


def _polarity(data: pd.DataFrame, polarity: str) -> np.ndarray:
    if polarity in POLARITIES:
        return np.full(len(data), polarity, dtype=object)
    if polarity in data.columns:
        values = data[polarity].astype(object).to_numpy()
        bad = ~pd.Series(values).isin(POLARITIES).to_numpy()
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            raise ValueError(
                f"polarity must be one of {POLARITIES}, got {values[pos]!r} "
                f"(column {polarity!r}, row {data.index[pos]})"
            )
        return values
    raise ValueError(f"polarity must be one of {POLARITIES} or a column name, got {polarity!r}")


def compare_to_benchmark(
    data: pd.DataFrame,
    *,
    value: str = "value",
    lower: str | None = None,
    upper: str | None = None,
    benchmark_value: str | float = "benchmark_value",
    benchmark_lower: str | float | None = None,
    benchmark_upper: str | float | None = None,
    polarity: str = "low_is_good",
    method: Literal["benchmark_in_ci", "ci_overlap", "quintiles"] = "benchmark_in_ci",
    confidence: float = 0.95,
    by: str | Sequence[str] | None = None,
    output: str = "compared_to_benchmark",
) -> pd.DataFrame:
    """Fingertips' comparison of each area with a benchmark; one row per input row.

    Parameters
    ----------
    data : pandas.DataFrame
        Area values with confidence limits (e.g. the output of :func:`crude_rate`) and the
        benchmark (e.g. England) joined on as columns, or given as numbers.
    value : str
        Area value column.
    lower, upper : str, optional
        Area limit columns; default ``lower_ci_<L>`` / ``upper_ci_<L>`` for ``confidence``
        (so ``confidence=0.998`` compares at 99.8%).
    benchmark_value : str or float
        Benchmark value column, or a number.
    benchmark_lower, benchmark_upper : str or float, optional
        Benchmark limits; needed only for ``method="ci_overlap"``.
    polarity : str
        ``"high_is_good"``, ``"low_is_good"`` or ``"no_judgement"``, or the name of a column
        holding one of these per row.
    method : {"benchmark_in_ci", "ci_overlap", "quintiles"}
        ``"benchmark_in_ci"`` (Fingertips' default): significantly different when the area's
        interval excludes the benchmark *value*. ``"ci_overlap"``: when the area's and the
        benchmark's intervals do not overlap. ``"quintiles"``: rank areas within ``by`` into
        quintiles (no confidence limits used).
    confidence : float
        Level whose limit columns are used by default.
    by : list of str, optional
        Peer groups for ``method="quintiles"``.
    output : str
        Name of the added column.

    Returns
    -------
    pandas.DataFrame
        A copy of ``data`` plus ``output``: ``"Better"``, ``"Similar"``, ``"Worse"`` (with a
        polarity), ``"Higher"``, ``"Similar"``, ``"Lower"`` (``"no_judgement"``), or
        ``"Not compared"`` when the value, a limit or the benchmark is missing. Quintiles give
        ``"Best"`` … ``"Worst"`` with a polarity and ``"Lowest"``, ``"Low"``, ``"Middle"``,
        ``"High"``, ``"Highest"`` without.

    Notes
    -----
    ``benchmark_in_ci``: higher when :math:`L > B`, lower when :math:`U < B`, else similar.
    ``ci_overlap``: higher when :math:`L > B_U`, lower when :math:`U < B_L`. Higher is
    "Better" for ``high_is_good`` and "Worse" for ``low_is_good``. Quintile *k* of 5 is
    :func:`assign_quantiles` with the lowest values first.

    References
    ----------
    OHID. Fingertips: "Comparing with a benchmark" in the Public Health Technical Guidance,
    https://fingertips.phe.org.uk/profile/guidance/supporting-information/PH-methods.
    """
    if method not in ("benchmark_in_ci", "ci_overlap", "quintiles"):
        raise ValueError(
            f"method must be 'benchmark_in_ci', 'ci_overlap' or 'quintiles', got {method!r}"
        )
    (level,) = v.normalise_confidence(confidence)
    v.check_columns(data, value=value)
    x = v.numeric(data, value, "value", allow_missing=True)
    pol = _polarity(data, polarity)
    judged = pol != "no_judgement"
    high_good = pol == "high_is_good"
    result = np.full(len(data), "Not compared", dtype=object)

    if method == "quintiles":
        by_ = v.normalise_by(by)
        v.check_by(data, by_)
        q = quantile_numbers(data, x, 5, by_, "lowest")
        ok = ~np.isnan(q)
        idx = np.where(ok, q, 1).astype(np.intp) - 1
        rag_idx = np.where(high_good, 4 - idx, idx)
        labels = np.where(judged, _QUINTILE_RAG[rag_idx], _QUINTILE_NO_JUDGEMENT[idx])
        result[ok] = labels[ok]
    else:
        lo_col, up_col = v.limit_columns(level)
        lower = lower or lo_col
        upper = upper or up_col
        v.check_columns(data, lower=lower, upper=upper)
        lo = v.numeric(data, lower, "lower", allow_missing=True)
        up = v.numeric(data, upper, "upper", allow_missing=True)
        bench = _column_or_scalar(data, benchmark_value, "benchmark_value")
        if method == "ci_overlap":
            if benchmark_lower is None or benchmark_upper is None:
                raise ValueError("method 'ci_overlap' needs benchmark_lower and benchmark_upper")
            b_lo = _column_or_scalar(data, benchmark_lower, "benchmark_lower")
            b_up = _column_or_scalar(data, benchmark_upper, "benchmark_upper")
            ok = ~(np.isnan(x) | np.isnan(lo) | np.isnan(up) | np.isnan(b_lo) | np.isnan(b_up))
            higher = lo > b_up
            lower_ = up < b_lo
        else:
            ok = ~(np.isnan(x) | np.isnan(lo) | np.isnan(up) | np.isnan(bench))
            higher = lo > bench
            lower_ = up < bench
        text_high = np.where(judged, np.where(high_good, "Better", "Worse"), "Higher")
        text_low = np.where(judged, np.where(high_good, "Worse", "Better"), "Lower")
        labels = np.where(higher, text_high, np.where(lower_, text_low, "Similar"))
        result[ok] = labels[ok]
    out = data.copy()
    out[output] = pd.Series(result, index=data.index, dtype="str")
    return out
