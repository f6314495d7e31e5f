r"""Directly and indirectly standardised rates and ratios.

* :func:`directly_standardised_rate` - how a DSR is computed:
  :math:`DSR = m \sum_i w_i O_i / n_i \,/\, \sum_i w_i` over age bands, with standard
  weights :math:`w_i` (ESP2013 by default, joined by band label), and Dobson limits
  :math:`DSR + \sqrt{\operatorname{var}/O}\,(O_{L,U} - O)\,m`,
  :math:`\operatorname{var} = \sum_i O_i (w_i/n_i)^2 / (\sum_i w_i)^2`, from Byar's limits
  of the total count. Not published under 10 events; an option for non-independent events;
  a band with no population is an error or, by choice, a missing value with a note.
* :func:`indirectly_standardised_ratio` - :math:`O/E \times m` with
  :math:`E = \sum_i n_i R_i` from reference rates, Byar's or exact limits of *O*.
* :func:`indirectly_standardised_rate` - the ratio times the reference's crude rate.

References: Dobson AJ, Kuulasmaa K, Eberle E, Scherer J. Confidence intervals for weighted
sums of Poisson parameters. Stat Med 1991;10:457-462. Breslow NE, Day NE (1987). OHID Public
Health Technical Guidance, "Directly standardised rates", "Indirectly standardised ratios";
PHEindicatormethods ``calculate_dsr``, ``calculate_ISRatio``, ``calculate_ISRate``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd

from . import _validate as v
from .esp2013 import european_standard_population
from .intervals import POISSON_CI_METHODS, poisson_interval

__all__ = [
    "directly_standardised_rate",
    "indirectly_standardised_rate",
    "indirectly_standardised_ratio",
]

StandardPopulation = pd.Series | pd.DataFrame | Mapping[str, float] | None


def _standard_series(standard: StandardPopulation, labels: pd.Series) -> pd.Series:
    """Standard population as float weights indexed by band label."""
    if standard is None:
        # distinct labels first, then as text: the same set as converting every row
        present = pd.unique(pd.Series(pd.unique(labels.dropna())).astype(str))
        open_bands = [b for b in present if b.endswith("+") and b != "90+"]
        top = open_bands[0] if len(open_bands) == 1 and "90+" not in present else "90+"
        return european_standard_population(top)
    if isinstance(standard, pd.DataFrame):
        cols = list(standard.columns)
        if "age_band" in cols and "standard_population" in cols:
            s = standard.set_index("age_band")["standard_population"]
        elif len(cols) == 2:
            s = standard.set_index(cols[0])[cols[1]]
        else:
            raise ValueError(
                "standard_population DataFrame must have columns 'age_band' and "
                f"'standard_population', got {cols}"
            )
    elif isinstance(standard, pd.Series):
        s = standard
    else:
        s = pd.Series(dict(standard))
    s = s.astype("float64")
    s.index = s.index.astype(str)
    dup = s.index.duplicated()
    if dup.any():
        raise ValueError(f"standard_population has duplicate band {s.index[dup][0]!r}")
    if (s < 0).any() or s.isna().any():
        bad = s[(s < 0) | s.isna()]
        raise ValueError(
            f"standard_population must be >= 0, got {bad.iloc[0]!r} for band {bad.index[0]!r}"
        )
    return s


def _band_codes(data: pd.DataFrame, column: str, bands: pd.Index, what: str) -> np.ndarray:
    """Code of each row's band in ``bands``; raise naming the row for an unknown band."""
    series = data[column]
    if isinstance(series.dtype, pd.CategoricalDtype):
        lookup = bands.get_indexer(series.cat.categories.astype(str))
        raw = series.cat.codes.to_numpy()
        codes = np.where(raw >= 0, lookup[raw], -1)
    else:
        # look each distinct label up once, not every row's string
        raw, uniques = pd.factorize(series)
        lookup = np.r_[bands.get_indexer(pd.Index(uniques)), -1]
        codes = lookup[raw]
    bad = codes < 0
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"age band {series.iloc[pos]!r} is not in the {what} (bands: {list(bands)}) "
            f"(column {column!r}, row {data.index[pos]})"
        )
    return codes.astype(np.intp)


def _describe_group(keys: pd.DataFrame, by: list[str], g: int) -> str:
    if not by:
        return "the whole table"
    return ", ".join(f"{c}={keys[c].iloc[g]!r}" for c in by)


def _check_complete(
    codes: np.ndarray,
    band: np.ndarray,
    keys: pd.DataFrame,
    by: list[str],
    bands: pd.Index,
    column: str,
    *,
    exactly_once: bool = True,
) -> None:
    """Every group has every band exactly once (or at least once); raise naming group and band."""
    g = len(keys)
    nb = len(bands)
    if exactly_once and nb <= 52:
        # Each band contributes 2**band: with exactly nb rows, the sum is 2**nb - 1 only
        # when every band appears once (any repeat would need a carry, so fewer terms).
        counts = np.bincount(codes, minlength=g)
        sums = np.bincount(codes, weights=np.ldexp(1.0, band), minlength=g)
        if ((counts == nb) & (sums == float((1 << nb) - 1))).all():
            return
    pair = codes.astype(np.int64) * nb + band
    uniq, n_each = np.unique(pair, return_counts=True)
    if exactly_once and (n_each > 1).any():
        p = uniq[np.flatnonzero(n_each > 1)[0]]
        raise ValueError(
            f"duplicate age band {bands[p % nb]!r} in group {_describe_group(keys, by, p // nb)} "
            f"(column {column!r})"
        )
    present = np.zeros(g * nb, dtype=bool)
    present[uniq] = True
    missing = np.flatnonzero(~present)
    if missing.size:
        p = missing[0]
        raise ValueError(
            f"missing age band {bands[p % nb]!r} in group {_describe_group(keys, by, p // nb)} "
            f"(column {column!r})"
        )


def directly_standardised_rate(
    data: pd.DataFrame,
    *,
    count: str,
    population: str,
    age_band: str,
    standard_population: StandardPopulation = None,
    by: str | Sequence[str] | None = None,
    confidence: v.Confidence = v.DEFAULT_CONFIDENCE,
    multiplier: float = 100_000,
    independent_events: bool = True,
    frequency: str | None = None,
    zero_population: Literal["error", "missing"] = "error",
    ci_method: str = "phe",
    z: v.ZOverride = None,
) -> pd.DataFrame:
    """Directly standardised rate with Dobson confidence limits; one row per group.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per group and age band (and per event frequency when
        ``independent_events=False``).
    count : str
        Events in the band; missing counts are taken as 0 (as the reference does). With
        ``independent_events=False``, the number of *people* with ``frequency`` events.
    population : str
        Population of the band (> 0; see ``zero_population``).
    age_band : str
        Band label column, joined to the standard population by label (never by position).
    standard_population : Series, DataFrame, mapping or None
        Weights by band label. ``None`` uses ESP2013 (19 bands ``0-4`` ... ``90+``); if the
        data's only open band is e.g. ``85+``, ESP2013 is closed there
        (:func:`~jsna.indicators.methods.european_standard_population`).
    by : list of str, optional
        Grouping columns; every group must have every band exactly once.
    confidence : float or tuple of float
    multiplier : float
        Rate per this many (default 100,000).
    independent_events : bool
        ``False`` widens the limits for people with repeated events (see Notes).
    frequency : str, optional
        Column of event frequencies (events per person), required when
        ``independent_events=False``.
    zero_population : {"error", "missing"}
        What a band with no population does. ``"error"`` (the reference's rule) raises;
        ``"missing"`` reports the group with its count and denominator but no value or
        limits, and the note ``"not calculated: an age band has no population"`` (small
        areas such as LSOAs often have nobody in a band such as 90+).
    ci_method : {"phe", "exact", "byars"}
        Limits of the total count that the Dobson method scales: ``"phe"`` and ``"byars"``
        give Byar's (OHID's and the reference's rule for DSRs, which are not published under
        10 events); ``"exact"`` gives exact Poisson limits.
    z : float or mapping, optional
        *z* for Byar's limits instead of the quantile of the level (one number with one
        level, or a mapping such as ``{0.95: 1.96}``).

    Returns
    -------
    pandas.DataFrame
        ``by`` columns, ``count`` (total events), ``denominator`` (total population),
        ``value``, limit columns, ``method`` (``"Dobson"``) and ``note``.

    Notes
    -----
    With events :math:`O_i`, populations :math:`n_i` and standard weights :math:`w_i`,
    :math:`O = \\sum O_i`:

    .. math::

        DSR = \\frac{\\sum_i w_i O_i / n_i}{\\sum_i w_i}\\, m,\\qquad
        \\operatorname{var} = \\frac{\\sum_i O_i (w_i/n_i)^2}{(\\sum_i w_i)^2}

    and the Dobson limits are
    :math:`DSR + \\sqrt{\\operatorname{var}/O}\\,(O_{L,U} - O)\\,m` with :math:`O_L, O_U`
    Byar's limits of the total count (:func:`~jsna.indicators.methods.byars_interval`).
    When :math:`O < 10` the value and limits are missing, with note ``"total count < 10"``.

    A rate cannot be standardised over a band with no population (:math:`O_i / n_i` is
    undefined and the standard's weight for that band would be lost), so a group with a band
    of population 0 is either an error or, with ``zero_population="missing"``, a row with
    a missing value and a note; its ``count`` and ``denominator`` are still the totals.

    Missing and out-of-range inputs, as the reference ``calculate_dsr``: a missing count is
    taken as 0 (the reference's ``na.zero``); a missing population raises naming the row
    (the rate of that band cannot be known); a negative count raises.

    For non-independent events the variance is replaced by
    :math:`\\sum_f f^2 \\operatorname{var}_f`, :math:`\\operatorname{var}_f` being the variance
    above computed from the numbers of people with *f* events (the sum of weights taken over
    the rows for that frequency, as the reference does); counts become
    :math:`\\sum_f f\\,x_f` and ``method`` is
    ``"Dobson, with confidence adjusted for non-independent events"``.

    References
    ----------
    Dobson AJ, Kuulasmaa K, Eberle E, Scherer J. Confidence intervals for weighted sums of
    Poisson parameters. Stat Med 1991;10:457-462. Breslow NE, Day NE (1987). OHID Public
    Health Technical Guidance, "Directly standardised rates". PHEindicatormethods
    ``calculate_dsr``.
    """
    by_ = v.normalise_by(by)
    levels = v.normalise_confidence(confidence)
    zs = v.z_overrides(levels, z)
    v.check_choice(ci_method, POISSON_CI_METHODS, "ci_method")
    v.check_columns(data, count=count, population=population, age_band=age_band)
    v.check_by(data, by_)
    if not independent_events:
        if frequency is None:
            raise ValueError("frequency column must be given when independent_events=False")
        v.check_columns(data, frequency=frequency)
    if not np.isfinite(multiplier) or multiplier <= 0:
        raise ValueError(f"multiplier must be > 0, got {multiplier!r}")
    x = v.numeric(data, count, "count", allow_missing=True)
    x = np.where(np.isnan(x), 0.0, x)
    v.check_non_negative(data, x, count, "count")
    n = v.numeric(data, population, "population")
    if zero_population == "error":
        v.check_positive(data, n, population, "population")
    elif zero_population == "missing":
        v.check_non_negative(data, n, population, "population")
    else:
        raise ValueError(f"zero_population must be 'error' or 'missing', got {zero_population!r}")
    empty_row = n == 0
    n_rate = np.where(empty_row, 1.0, n)  # the group is reported without a value
    std = _standard_series(standard_population, data[age_band])
    band = _band_codes(data, age_band, std.index, "standard population")
    w = std.to_numpy()[band]
    codes, keys = v.group_codes(data, by_)
    g = len(keys)
    nb = len(std)

    if independent_events:
        _check_complete(codes, band, keys, by_, std.index, age_band)
        ratio = w / n_rate
        total_x, total_n, wt, sq = v.group_sums(codes, g, x, n, x * ratio, x * ratio * ratio)
        total_w = np.full(g, std.sum())
        variance = sq / (total_w * total_w)
        method = "Dobson"
    else:
        f = v.numeric(data, frequency, "frequency")
        v.check_positive(data, f, frequency, "frequency")
        _check_complete(codes, band, keys, by_, std.index, age_band, exactly_once=False)
        fcodes, fkeys = pd.factorize(f, sort=True)
        triple = (codes.astype(np.int64) * nb + band) * len(fkeys) + fcodes
        _, first, counts = np.unique(triple, return_index=True, return_counts=True)
        if (counts > 1).any():
            pos = first[np.flatnonzero(counts > 1)[0]]
            raise ValueError(
                f"duplicate row for age band {data[age_band].iloc[pos]!r} and frequency "
                f"{f[pos]:g} in group {_describe_group(keys, by_, codes[pos])} "
                f"(columns {age_band!r}, {frequency!r})"
            )
        pair = codes.astype(np.int64) * nb + band
        _uniq, first_pair, inverse = np.unique(pair, return_index=True, return_inverse=True)
        inconsistent = n != n[first_pair][inverse]
        if inconsistent.any():
            pos = int(np.flatnonzero(inconsistent)[0])
            raise ValueError(
                f"population must be the same on every frequency row of a band, got {n[pos]:g} "
                f"and {n[first_pair][inverse][pos]:g} (column {population!r}, row {data.index[pos]})"
            )
        ratio = w / n_rate
        events = f * x
        total_x, wt = v.group_sums(codes, g, events, events * ratio)
        gp = codes[first_pair]
        total_n, total_w = v.group_sums(gp, g, n[first_pair], w[first_pair])
        gf = codes.astype(np.int64) * len(fkeys) + fcodes
        gf_uniq, gf_inv = np.unique(gf, return_inverse=True)
        sq_f = np.bincount(gf_inv, weights=x * ratio * ratio)
        w_f = np.bincount(gf_inv, weights=w)
        freq = np.asarray(fkeys, dtype="float64")[gf_uniq % len(fkeys)]
        var_f = sq_f / (w_f * w_f) * freq * freq
        variance = np.bincount(gf_uniq // len(fkeys), weights=var_f, minlength=g)
        method = "Dobson, with confidence adjusted for non-independent events"

    small = total_x < 10
    empty = np.bincount(codes, weights=empty_row, minlength=g) > 0
    hide = small | empty
    with np.errstate(divide="ignore", invalid="ignore"):
        value = wt / total_w * multiplier
        scale = np.sqrt(variance / total_x) * multiplier
    columns: dict[str, object] = {
        "count": total_x,
        "denominator": total_n,
        "value": np.where(hide, np.nan, value),
    }
    safe_x = np.where(small, 10.0, total_x)
    rule = "exact" if ci_method == "exact" else "byars"
    for level in levels:
        lower, upper, _ = poisson_interval(safe_x, level, ci_method=rule, z=zs[level])
        lo, up = v.limit_columns(level)
        columns[lo] = np.where(hide, np.nan, value + scale * (lower - total_x))
        columns[up] = np.where(hide, np.nan, value + scale * (upper - total_x))
    columns["method"] = pd.Series(np.full(g, method), dtype="str")
    notes = v.notes_column(g)
    notes[small] = "total count < 10"
    notes[empty] = "not calculated: an age band has no population"
    columns["note"] = v.as_note_series(notes)
    return v.finish(keys, by_, columns)


def _reference_rates(reference: pd.DataFrame) -> pd.Series:
    v.check_columns(reference, age_band="age_band", count="count", population="population")
    rx = v.numeric(reference, "count", "reference count", allow_missing=True)
    rx = np.where(np.isnan(rx), 0.0, rx)
    rn = v.numeric(reference, "population", "reference population")
    v.check_non_negative(reference, rx, "count", "reference count")
    v.check_positive(reference, rn, "population", "reference population")
    labels = reference["age_band"].astype(str)
    dup = labels.duplicated().to_numpy()
    if dup.any():
        pos = int(np.flatnonzero(dup)[0])
        raise ValueError(
            f"duplicate age band {labels.iloc[pos]!r} in reference (column 'age_band', "
            f"row {reference.index[pos]})"
        )
    rates = pd.Series(rx / rn, index=pd.Index(labels.to_numpy()), dtype="float64")
    rates.attrs["overall"] = rx.sum() / rn.sum()
    return rates


def _indirect(
    data: pd.DataFrame,
    *,
    count: str | None,
    population: str,
    age_band: str,
    reference: pd.DataFrame,
    observed: pd.DataFrame | None,
    observed_count: str,
    by: list[str],
    levels: tuple[float, ...],
    scale_of: str,
    multiplier: float,
    ci_method: str = "phe",
    z: v.ZOverride = None,
) -> pd.DataFrame:
    zs = v.z_overrides(levels, z)
    v.check_choice(ci_method, POISSON_CI_METHODS, "ci_method")
    v.check_columns(data, population=population, age_band=age_band, count=count)
    v.check_by(data, by)
    if (count is None) == (observed is None):
        raise ValueError("give exactly one of count (age-specific counts) or observed (totals)")
    if not np.isfinite(multiplier) or multiplier <= 0:
        raise ValueError(f"multiplier must be > 0, got {multiplier!r}")
    rates = _reference_rates(reference)
    n = v.numeric(data, population, "population", allow_missing=True)
    n = np.where(np.isnan(n), 0.0, n)
    v.check_non_negative(data, n, population, "population")
    band = _band_codes(data, age_band, rates.index, "reference")
    codes, keys = v.group_codes(data, by)
    g = len(keys)
    _check_complete(codes, band, keys, by, rates.index, age_band)
    (expected,) = v.group_sums(codes, g, rates.to_numpy()[band] * n)
    (total_n,) = v.group_sums(codes, g, n)
    if count is not None:
        x = v.numeric(data, count, "count", allow_missing=True)
        x = np.where(np.isnan(x), 0.0, x)
        v.check_non_negative(data, x, count, "count")
        (total_x,) = v.group_sums(codes, g, x)
        no_row = np.zeros(g, dtype=bool)
    else:
        assert observed is not None
        v.check_columns(observed, observed_count=observed_count)
        v.check_by(observed, by)
        ox = v.numeric(observed, observed_count, "observed count", allow_missing=True)
        v.check_non_negative(observed, ox, observed_count, "observed count")
        if by:
            obs = observed[by].copy()
            obs["__observed"] = ox
            if obs.duplicated(by).any():
                raise ValueError(f"observed has more than one row for a group of {by}")
            # as the reference's left_join: a group with no observed row gets a missing count
            merged = keys.merge(obs, on=by, how="left", indicator="__found")
            total_x = merged["__observed"].to_numpy(dtype="float64")
            no_row = merged["__found"].eq("left_only").to_numpy()
        else:
            if len(ox) != 1:
                raise ValueError(f"observed must have one row when by is empty, got {len(ox)}")
            total_x = ox.astype("float64")
            no_row = np.zeros(1, dtype=bool)
    scale = multiplier * (rates.attrs["overall"] if scale_of == "rate" else 1.0)
    zero = expected == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(zero, np.nan, total_x / expected * scale)
    columns: dict[str, object] = {
        "count": total_x,
        "expected": expected,
        "denominator": total_n,
        "value": value,
    }
    exact = np.zeros(g, dtype=bool)
    for level in levels:
        lower, upper, exact = poisson_interval(total_x, level, ci_method=ci_method, z=zs[level])
        lo, up = v.limit_columns(level)
        with np.errstate(divide="ignore", invalid="ignore"):
            columns[lo] = np.where(zero, np.nan, lower / expected * scale)
            columns[up] = np.where(zero, np.nan, upper / expected * scale)
    missing = np.isnan(total_x)
    columns["method"] = pd.Series(
        np.where(missing, "Not computed", np.where(exact, "Exact", "Byars")), dtype="str"
    )
    notes = v.notes_column(g)
    notes[zero] = "expected count is zero"
    notes[missing] = "observed count is missing"
    notes[no_row] = "observed has no row for this group"
    columns["note"] = v.as_note_series(notes)
    return v.finish(keys, by, columns)


def indirectly_standardised_ratio(
    data: pd.DataFrame,
    *,
    population: str,
    age_band: str,
    reference: pd.DataFrame,
    count: str | None = None,
    observed: pd.DataFrame | None = None,
    observed_count: str = "count",
    by: str | Sequence[str] | None = None,
    confidence: v.Confidence = v.DEFAULT_CONFIDENCE,
    multiplier: float = 1,
    ci_method: str = "phe",
    z: v.ZOverride = None,
) -> pd.DataFrame:
    """Indirectly standardised ratio (observed / expected, e.g. an SMR); one row per group.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per group and age band.
    population : str
        Band population column.
    age_band : str
        Band label column, joined by label to ``reference``.
    reference : pandas.DataFrame
        Columns ``age_band``, ``count``, ``population``: the reference (e.g. England)
        events and population by band.
    count : str, optional
        Band event counts. Give this or ``observed``.
    observed : pandas.DataFrame, optional
        Observed totals per group (``by`` columns plus ``observed_count``), for when
        age-specific counts are not available.
    observed_count : str
        Count column of ``observed``.
    by, confidence
        As elsewhere.
    multiplier : float
        1 for a ratio, 100 to express it as 100 = reference.
    ci_method : {"phe", "exact", "byars"}
        Limits of *O*: exact under 10 and Byar's from 10 (default), exact, or Byar's.
    z : float or mapping, optional
        *z* for Byar's limits instead of the quantile of the level.

    Returns
    -------
    pandas.DataFrame
        ``by`` columns, ``count`` (observed), ``expected``, ``denominator``, ``value``,
        limit columns, ``method`` (``"Byars"`` or ``"Exact"``), ``note``.

    Notes
    -----
    :math:`E = \\sum_i n_i R_i / N_i` (reference rates); ratio :math:`O/E \\times m`; limits
    :math:`O_{L,U}/E \\times m` with Byar's limits of *O* for :math:`O \\ge 10` and exact
    Poisson limits below.

    Missing, zero and out-of-range inputs, as the reference ``calculate_ISRatio``
    (R/ISRatio.R): a missing count, local population or reference count is taken as 0 (the
    reference's ``na.zero`` and ``sum(x, na.rm = TRUE)``); with ``observed`` totals, a group
    with no row in ``observed``, or a missing observed count, has a missing value and limits,
    the method ``"Not computed"`` and a note saying why (the reference's ``left_join`` gives
    it ``NA``); the other groups are computed; a missing or non-positive
    reference population raises (its rate is undefined); a negative value raises; an
    expected count of 0 gives missing values with the note ``"expected count is zero"``.
    ``ci_method`` and ``z`` choose the limits of *O* as in
    :func:`~jsna.indicators.methods.crude_rate`.

    References
    ----------
    Breslow NE, Day NE (1987). OHID Public Health Technical Guidance, "Indirectly
    standardised ratios". PHEindicatormethods ``calculate_ISRatio``.
    """
    return _indirect(
        data,
        count=count,
        population=population,
        age_band=age_band,
        reference=reference,
        observed=observed,
        observed_count=observed_count,
        by=v.normalise_by(by),
        levels=v.normalise_confidence(confidence),
        scale_of="ratio",
        multiplier=multiplier,
        ci_method=ci_method,
        z=z,
    )


def indirectly_standardised_rate(
    data: pd.DataFrame,
    *,
    population: str,
    age_band: str,
    reference: pd.DataFrame,
    count: str | None = None,
    observed: pd.DataFrame | None = None,
    observed_count: str = "count",
    by: str | Sequence[str] | None = None,
    confidence: v.Confidence = v.DEFAULT_CONFIDENCE,
    multiplier: float = 100_000,
    ci_method: str = "phe",
    z: v.ZOverride = None,
) -> pd.DataFrame:
    """Indirectly standardised rate (ratio times the reference crude rate); one row per group.

    Parameters are as :func:`indirectly_standardised_ratio`; ``multiplier`` defaults to
    100,000.

    Returns
    -------
    pandas.DataFrame
        As :func:`indirectly_standardised_ratio`.

    Notes
    -----
    :math:`ISR = (O/E)\\,(\\sum R_i / \\sum N_i)\\, m`; limits scale the ratio limits the same
    way (Byar's for :math:`O \\ge 10`, exact Poisson below).

    References
    ----------
    OHID Public Health Technical Guidance, "Indirectly standardised rates".
    PHEindicatormethods ``calculate_ISRate``.
    """
    return _indirect(
        data,
        count=count,
        population=population,
        age_band=age_band,
        reference=reference,
        observed=observed,
        observed_count=observed_count,
        by=v.normalise_by(by),
        levels=v.normalise_confidence(confidence),
        scale_of="rate",
        multiplier=multiplier,
        ci_method=ci_method,
        z=z,
    )
