r"""Argument checking and grouping helpers shared by the methods (private), and the one z.

* :func:`z_for` - the two-sided standard normal quantile of a confidence level,
  :math:`z = \Phi^{-1}(1 - \alpha/2)`, the only place the package turns a level into a *z*.
* :func:`normalise_confidence` - confidence as proportions (``95`` -> ``0.95``);
  :data:`DEFAULT_CONFIDENCE` is Fingertips' pair, 95% and 99.8%.
* column, number and group checks that raise ``ValueError`` naming the column, the row and
  the value found; group codes and sums by ``numpy.bincount`` (no Python loop over groups).

:data:`DEFAULT_SEED` seeds every simulation when no seed is given, so the same input always
gives the same output.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Hashable, Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

DEFAULT_CONFIDENCE: tuple[float, float] = (0.95, 0.998)

#: seed of every simulation when none is given, so that reports are reproducible run to run
DEFAULT_SEED = 20_070_101

Confidence = float | Sequence[float] | None


def normalise_confidence(confidence: Confidence, *, allow_none: bool = False) -> tuple[float, ...]:
    """Return confidence levels as proportions in (0, 1).

    Percent forms (``95``, ``99.8``) are divided by 100. Values that are neither a
    proportion strictly between 0 and 1 nor a percentage between 50 and 100 raise.
    """
    if confidence is None:
        if allow_none:
            return ()
        raise ValueError("confidence must be given, got None")
    if isinstance(confidence, int | float | np.integer | np.floating):
        levels: Iterable[Any] = (confidence,)
    else:
        levels = tuple(confidence)
        if not levels:
            raise ValueError("confidence must name at least one level, got an empty sequence")
    out: list[float] = []
    for level in levels:
        if isinstance(level, bool) or not isinstance(level, int | float | np.integer | np.floating):
            raise ValueError(f"confidence must be a number, got {level!r}")
        c = float(level)
        if 50 <= c < 100:
            c = c / 100
        elif not 0 < c < 1:
            raise ValueError(
                "confidence must be a proportion between 0 and 1 (e.g. 0.95) or a "
                f"percentage between 50 and 100 (e.g. 95), got {level!r}"
            )
        if c not in out:
            out.append(c)
    return tuple(out)


def level_label(confidence: float) -> str:
    """``0.95`` -> ``'95'``, ``0.998`` -> ``'99_8'``."""
    text = f"{confidence * 100:.10g}"
    return text.replace(".", "_")


def limit_columns(confidence: float) -> tuple[str, str]:
    label = level_label(confidence)
    return f"lower_ci_{label}", f"upper_ci_{label}"


def z_for(confidence: float) -> float:
    """Two-sided standard normal quantile of a confidence level: ``0.95`` -> 1.959963984540054.

    :math:`z = \\Phi^{-1}(1 - \\alpha/2)` with :math:`\\alpha = 1 - confidence` (1.96 at 95%,
    3.09 at 99.8%). The one source of z in the package: every limit, standard error read back
    from limits, and significance test takes its z from here. ``confidence`` is a proportion
    (``0.95``) or a percentage (``95``). Uses :func:`scipy.special.ndtri`, which imports in a
    fraction of the time of ``scipy.stats``.
    """
    from scipy.special import ndtri

    (level,) = normalise_confidence(float(confidence))
    return float(ndtri(level + (1 - level) / 2))


#: ``z=`` of a method: one number (with one confidence level) or a level -> z mapping
ZOverride = float | dict[float, float] | dict[str, float] | None


def z_overrides(levels: tuple[float, ...], z: Any) -> dict[float, float | None]:
    """The *z* each level uses: ``None`` (the quantile of the level, :func:`z_for`) or a given one.

    ``z`` is ``None``, one number (allowed only with one level: which level it overrides must
    be unambiguous) or a mapping of level (``0.95``, ``95`` or ``"95"``) to *z*; levels the
    mapping leaves out keep their quantile. Raises naming the bad entry.
    """
    out: dict[float, float | None] = dict.fromkeys(levels)
    if z is None:
        return out
    if isinstance(z, int | float | np.integer | np.floating) and not isinstance(z, bool):
        if len(levels) != 1:
            raise ValueError(
                f"z={z!r} is ambiguous with {len(levels)} confidence levels; give one level or "
                "a mapping of level to z, e.g. {0.95: 1.96}"
            )
        given: dict[Any, Any] = {levels[0]: z}
    elif isinstance(z, dict):
        given = {}
        for key, value in z.items():
            try:
                (level,) = normalise_confidence(float(key))
            except (TypeError, ValueError):
                raise ValueError(f"z keys must be confidence levels, got {key!r}") from None
            if level not in out:
                raise ValueError(
                    f"z is given for confidence {key!r}, which is not computed (levels: "
                    f"{', '.join(f'{x * 100:g}%' for x in levels)})"
                )
            given[level] = value
    else:
        raise ValueError(f"z must be a number or a mapping of level to z, got {z!r}")
    for level, value in given.items():
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float | np.integer | np.floating)
            or not math.isfinite(value)
            or value <= 0
        ):
            raise ValueError(f"z must be a number > 0, got {value!r}")
        out[level] = float(value)
    return out


def check_choice(value: Any, choices: Sequence[str], role: str) -> str:
    """``value`` if it is one of ``choices``; else raise naming them."""
    if value not in choices:
        raise ValueError(f"{role} must be one of {', '.join(choices)}, got {value!r}")
    return str(value)


def normalise_by(by: str | Sequence[str] | None) -> list[str]:
    if by is None:
        return []
    if isinstance(by, str):
        return [by]
    return list(by)


def check_columns(data: pd.DataFrame, **columns: Hashable | None) -> None:
    """Raise if any named column is missing from ``data``."""
    if not isinstance(data, pd.DataFrame):
        raise ValueError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    for role, column in columns.items():
        if column is None:
            continue
        if column not in data.columns:
            raise ValueError(
                f"{role} column {column!r} not found in data (columns: {list(data.columns)})"
            )


def check_by(data: pd.DataFrame, by: list[str]) -> None:
    for column in by:
        if column not in data.columns:
            raise ValueError(
                f"by column {column!r} not found in data (columns: {list(data.columns)})"
            )


def _first_bad(data: pd.DataFrame, mask: np.ndarray) -> tuple[Any, Any]:
    pos = int(np.flatnonzero(mask)[0])
    return data.index[pos], pos


def numeric(
    data: pd.DataFrame, column: Hashable, role: str, *, allow_missing: bool = False
) -> np.ndarray:
    """Column as float64; raise naming the column and row if not numeric."""
    series = data[column]
    try:
        values = pd.to_numeric(series, errors="raise").to_numpy(dtype="float64", na_value=np.nan)
    except (ValueError, TypeError):
        coerced = pd.to_numeric(series, errors="coerce")
        bad = (coerced.isna() & series.notna()).to_numpy()
        row, _ = _first_bad(data, bad)
        raise ValueError(
            f"{role} must be numeric, got {series.loc[row]!r} (column {column!r}, row {row})"
        ) from None
    if not allow_missing:
        missing = np.isnan(values)
        if missing.any():
            row, _ = _first_bad(data, missing)
            raise ValueError(f"{role} must not be missing, got NaN (column {column!r}, row {row})")
    return values


def _fmt(value: float) -> str:
    if math.isfinite(value) and value == int(value):
        return str(int(value))
    return repr(value)


def check_non_negative(data: pd.DataFrame, values: np.ndarray, column: Hashable, role: str) -> None:
    bad = values < 0
    if bad.any():
        row, pos = _first_bad(data, bad)
        raise ValueError(
            f"{role} must be >= 0, got {_fmt(values[pos])} (column {column!r}, row {row})"
        )


def check_positive(data: pd.DataFrame, values: np.ndarray, column: Hashable, role: str) -> None:
    bad = values <= 0
    if bad.any():
        row, pos = _first_bad(data, bad)
        raise ValueError(
            f"{role} must be > 0, got {_fmt(values[pos])} (column {column!r}, row {row})"
        )


def check_not_greater(
    data: pd.DataFrame,
    small: np.ndarray,
    large: np.ndarray,
    small_column: Hashable,
    large_column: Hashable,
    small_role: str,
    large_role: str,
) -> None:
    bad = small > large
    if bad.any():
        row, pos = _first_bad(data, bad)
        raise ValueError(
            f"{small_role} must be <= {large_role}, got {_fmt(small[pos])} > {_fmt(large[pos])} "
            f"(columns {small_column!r} and {large_column!r}, row {row})"
        )


def group_codes(data: pd.DataFrame, by: list[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """Integer group code per row and the table of group keys (in code order).

    Codes follow the order of first appearance; callers sort the final result.
    """
    if not by:
        return np.zeros(len(data), dtype=np.intp), pd.DataFrame(index=pd.RangeIndex(1))
    if len(by) == 1:
        # one column: factorizing it gives the same codes and keys as a groupby, faster
        first_seen, uniques = pd.factorize(data[by[0]], use_na_sentinel=False)
        keys = _restore_dtypes(pd.DataFrame({by[0]: uniques}), data, by)
        return first_seen.astype(np.intp, copy=False), keys
    grouped = data.groupby(by, sort=False, dropna=False, observed=True)
    codes = grouped.ngroup().to_numpy(dtype=np.intp)
    keys = grouped.size().index.to_frame(index=False)
    keys = _restore_dtypes(keys, data, by)
    return codes, keys


def _restore_dtypes(keys: pd.DataFrame, data: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    for column in by:
        dtype = data[column].dtype
        if keys[column].dtype != dtype:
            with contextlib.suppress(TypeError, ValueError):
                keys[column] = keys[column].astype(dtype)
    return keys


def group_sums(codes: np.ndarray, n_groups: int, *arrays: np.ndarray) -> list[np.ndarray]:
    """Sum each array within groups (bincount: fast, no Python loop over groups)."""
    return [np.bincount(codes, weights=a, minlength=n_groups) for a in arrays]


def finish(
    keys: pd.DataFrame, by: list[str], columns: dict[str, Any], *, sort: bool = True
) -> pd.DataFrame:
    """Assemble the output frame: by columns, then ``columns``; sorted by ``by``."""
    out = keys.reset_index(drop=True).copy() if by else pd.DataFrame(index=pd.RangeIndex(1))
    for name, value in columns.items():
        out[name] = value
    if by and sort and len(out) > 1:
        out = out.sort_values(by, kind="stable", na_position="last").reset_index(drop=True)
    return out


def notes_column(n: int) -> np.ndarray:
    return np.full(n, None, dtype=object)


def as_note_series(notes: np.ndarray) -> pd.Series:
    """Object array of texts (``None`` where there is no note) as a string Series.

    Each distinct text is converted once and the rows take from those (most rows share a
    few notes), which gives the same Series as converting every row.
    """
    codes, uniques = pd.factorize(notes)
    texts = pd.array([*uniques, None], dtype="str")
    return pd.Series(texts.take(np.where(codes < 0, len(uniques), codes)))


def label_series(labels: Sequence[str], codes: np.ndarray) -> pd.Series:
    """String Series whose row *i* is ``labels[codes[i]]`` (a method name per row, say)."""
    return pd.Series(pd.array(list(labels), dtype="str").take(np.asarray(codes, dtype=np.intp)))
