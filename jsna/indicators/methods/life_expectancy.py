r"""Abridged life tables: Chiang II, with Silcocks' variance for the open final band.

One life table serves the whole package: :func:`age_bands` reads the bands from their labels
and :func:`abridged_life_table` builds the columns
(:math:`m_x, q_x, l_x, d_x, L_x, T_x, e_x`) for many groups at once from arrays of deaths
and population by age band, and both :func:`life_expectancy` (values with confidence
limits and the suppression rules) and the life-expectancy gap and its Arriaga decomposition
(:mod:`jsna.indicators.methods.decomposition`) read it.

Formulas: :math:`q_x = n_x M_x / (1 + n_x M_x (1 - a_x))` with :math:`a_x = 0.1` for a
first band ``<1`` and 0.5 otherwise, :math:`l_0 = 100\,000`, :math:`L_x = n_x (l_{x+n} +
a_x d_x)`, the open band closed by :math:`L_\omega = l_\omega / M_\omega`, and
:math:`e_x = T_x / l_x`; the variance is Chiang's with Silcocks et al.'s term for the final
band. See :func:`life_expectancy` for the full statement and the suppression rules.

References: Chiang CL, *Introduction to stochastic processes in biostatistics* (Wiley,
1968); Silcocks PBS, Jenner DA, Reza R, J Epidemiol Community Health 2001;55:38-43; Public
Health England, Life Expectancy Calculator; OHID Public Health Technical Guidance, "Life
expectancy"; PHEindicatormethods ``phe_life_expectancy``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import _validate as v
from .standardised import _check_complete

__all__ = [
    "LifeTable",
    "abridged_life_table",
    "age_bands",
    "life_expectancy",
    "parse_start_age",
]

#: radix of the life table (people alive at age 0)
RADIX = 1e5


@dataclass(frozen=True)
class LifeTable:
    """Columns of abridged life tables, one row per group and one column per age band.

    Every array has shape ``(groups, bands)``; ``width`` and ``a`` (the fraction of the
    interval lived by those who die in it) have one entry per closed band (all but the last).
    """

    mx: np.ndarray
    """Death rate :math:`M_x = D_x / P_x`."""
    qx: np.ndarray
    """Probability of dying in the band (closed bands only: shape ``(groups, bands - 1)``)."""
    lx: np.ndarray
    """Survivors to the start of the band, of :data:`RADIX` born."""
    dx: np.ndarray
    """Deaths in the band :math:`l_x - l_{x+n}` (closed bands only)."""
    Lx: np.ndarray
    """Person-years lived in the band."""
    Tx: np.ndarray
    r"""Person-years lived from the start of the band on: :math:`\sum_{j \ge x} L_j`."""
    ex: np.ndarray
    """Life expectancy at the start of the band :math:`T_x / l_x` (0 where nobody survives)."""
    width: np.ndarray
    a: np.ndarray


def abridged_life_table(
    deaths: np.ndarray, population: np.ndarray, starts: np.ndarray
) -> LifeTable:
    r"""Chiang II abridged life tables for many groups at once; one row per group.

    Parameters
    ----------
    deaths, population : numpy.ndarray
        Shape ``(groups, bands)``: deaths and population (person-years) by age band.
    starts : numpy.ndarray
        Start age of each band, ascending, the first 0; the last band is open.

    Returns
    -------
    LifeTable
        The columns :math:`M_x, q_x, l_x, d_x, L_x, T_x, e_x` as arrays.

    Notes
    -----
    :math:`M_x = D_x/P_x`, :math:`q_x = \min(1, n_x M_x / (1 + n_x M_x (1 - a_x)))` with
    :math:`a_x = 0.1` for a first band one year wide and 0.5 otherwise, :math:`l_0 =
    100\,000`, :math:`l_{x+n} = l_x (1 - q_x)`, :math:`L_x = n_x (l_{x+n} + a_x d_x)`, the
    open band :math:`L_\omega = l_\omega / M_\omega`, :math:`T_x = \sum_{j \ge x} L_j`
    and :math:`e_x = T_x / l_x`. No checks: a zero death rate in the open band gives an
    infinite :math:`L_\omega`, which callers rule out (:func:`life_expectancy` suppresses
    the group; the decomposition lets it show as a missing contribution).

    References
    ----------
    Chiang CL. The life table and its construction. In: Introduction to stochastic
    processes in biostatistics. New York: Wiley; 1968:189-214.
    """
    width = np.diff(starts)
    nb = starts.size
    a = np.full(nb - 1, 0.5)
    if width[0] == 1:
        a[0] = 0.1
    with np.errstate(divide="ignore", invalid="ignore"):
        m = deaths / population
    mi = m[:, :-1]
    q = np.minimum(1.0, width * mi / (1 + width * mi * (1 - a)))
    lx = np.empty(m.shape)
    lx[:, 0] = RADIX
    lx[:, 1:] = RADIX * np.cumprod(1 - q, axis=1)
    dx = lx[:, :-1] - lx[:, 1:]
    big_l = np.empty(m.shape)
    big_l[:, :-1] = width * (lx[:, 1:] + a * dx)
    with np.errstate(divide="ignore", invalid="ignore"):
        big_l[:, -1] = lx[:, -1] / m[:, -1]
    big_t = np.cumsum(big_l[:, ::-1], axis=1)[:, ::-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        e = np.where(lx == 0, 0.0, big_t / lx)
    return LifeTable(mx=m, qx=q, lx=lx, dx=dx, Lx=big_l, Tx=big_t, ex=e, width=width, a=a)


_FIRST_INT = re.compile(r"\d+")


def parse_start_age(label: object) -> int:
    """Start age of a band label: ``"<1"`` -> 0, ``"1-4"`` -> 1, ``"90+"`` -> 90, ``"0"`` -> 0."""
    if isinstance(label, int | np.integer):
        return int(label)
    if isinstance(label, float | np.floating) and float(label).is_integer():
        return int(label)
    text = str(label).strip()
    if text.startswith("<") or text.lower() in {"under 1", "under1"}:
        return 0
    match = _FIRST_INT.search(text)
    if match is None:
        raise ValueError(f"cannot read a start age from age band {label!r}")
    return int(match.group())


def age_bands(labels: pd.Series, column: str) -> tuple[np.ndarray, pd.Index, np.ndarray]:
    """The life table's bands read from their labels: start ages, labels and each row's band.

    Returns the start ages in ascending order (float), the band labels in that order, and for
    each row the position of its band. Raises, naming ``column``, when a label has no start
    age, two labels start at the same age, or the bands do not start at 0 or are fewer than 2.
    """
    # each distinct label is read once; rows carry their label's code
    band, uniques = pd.factorize(labels, use_na_sentinel=False)
    try:
        start_of = {label: parse_start_age(label) for label in uniques}
    except ValueError as exc:
        raise ValueError(f"{exc} (column {column!r})") from None
    by_start: dict[int, object] = {}
    for label, start in start_of.items():
        if start in by_start and by_start[start] != label:
            raise ValueError(
                f"age bands {by_start[start]!r} and {label!r} both start at {start} "
                f"(column {column!r})"
            )
        by_start[start] = label
    starts = np.array(sorted(by_start), dtype="float64")
    if starts.size < 2 or starts[0] != 0:
        raise ValueError(
            f"age bands must start at 0 and have at least 2 bands, got {list(by_start.values())} "
            f"(column {column!r})"
        )
    band_index = pd.Index([by_start[int(s)] for s in starts])
    remap = np.array([int(np.searchsorted(starts, start_of[u])) for u in uniques], dtype=np.intp)
    return starts, band_index, remap[band]


def life_expectancy(
    data: pd.DataFrame,
    *,
    deaths: str,
    population: str,
    age_band: str,
    by: str | Sequence[str] | None = None,
    confidence: v.Confidence = v.DEFAULT_CONFIDENCE,
    start_ages: Sequence[int | str] | None = None,
) -> pd.DataFrame:
    """Life expectancy at each starting age from an abridged life table; one row per group and starting age.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per group and age band: deaths and mid-year population (or person-years).
    deaths, population : str
        Columns of deaths and population in the band.
    age_band : str
        Band label column (``"<1"``, ``"1-4"``, ``"5-9"``, …, ``"85-89"``, ``"90+"``) or
        start ages as numbers. Start ages are read from the labels (``"<1"`` -> 0, ``"90+"``
        -> 90). Every group must have the same bands, each exactly once, starting at 0; the
        last band is open. The reference's 20 bands (top band 90+) are the standard, but a
        top band of ``85+`` or ``80+`` (or any other) works too.
    by : list of str, optional
        Grouping columns (area, sex, period, …).
    confidence : float or tuple of float
    start_ages : sequence of int or str, optional
        Return only these starting ages (numbers or labels); default all bands.

    Returns
    -------
    pandas.DataFrame
        ``by`` columns, ``age_band`` (label), ``start_age``, ``value`` (years), limit
        columns, ``method`` (``"Chiang II"``) and ``note``; sorted by ``by`` then age.

    Notes
    -----
    For band *i* with start :math:`x_i`, width :math:`n_i`, deaths :math:`D_i`, population
    :math:`P_i`, :math:`M_i = D_i/P_i` and fraction of the interval lived by those who die
    :math:`a_i` (0.1 for a first band ``<1``, otherwise 0.5):

    .. math::

        q_i = \\min\\Big(1, \\frac{n_i M_i}{1 + n_i M_i (1 - a_i)}\\Big),\\quad
        l_0 = 100000,\\ l_{i+1} = l_i (1 - q_i),\\ d_i = l_i - l_{i+1},

        L_i = n_i (l_{i+1} + a_i d_i),\\qquad e_i = \\frac{\\sum_{j \\ge i} L_j}{l_i}.

    **Closing the final band.** The open top band ω (``90+``, ``85+``, ``80+``, …) has
    :math:`q_ω = 1` and :math:`L_ω = l_ω / M_ω`: survivors to ω are assumed to die at the
    band's observed death rate, so their mean further life is :math:`1/M_ω`, whichever age
    the band starts at. At least one death is needed in it.

    Variance (Chiang II, with Silcocks et al.'s term for the final band):
    :math:`S^2_{p_i} = q_i^2 (1 - q_i)/D_i` (0 when :math:`d_i = 0`),
    :math:`S^2_{p_ω} = 4 / (D_ω M_ω^2)`;
    :math:`\\operatorname{var}(e_i) = \\big[\\sum_{j \\ge i,\\,j<ω} l_j^2 ((1 - a_j) n_j
    + e_{j+1})^2 S^2_{p_j} + (l_ω/2)^2 S^2_{p_ω}\\big] / l_i^2` and limits
    :math:`e_i \\pm z\\sqrt{\\operatorname{var}(e_i)}`.

    Suppression, as the reference ``phe_life_expectancy`` (R/LifeExpectancy.R), with a
    ``note`` naming the reason:

    * value and limits missing for the whole group: negative deaths, a population <= 0,
      deaths > population in any band, total population <= 5,000 (the reference's order;
      the first reason wins); no deaths in the final band (its rate is 0, so the open band
      cannot be closed: the reference's value would be infinite, which it sets missing);
    * value missing and limits **kept** for a starting age whose 95% interval is wider than
      20 years (:math:`1.959964 \\times se > 10`), as the reference does: the limits show
      the reader why the value is not given;
    * missing deaths or population raise naming the row (the reference has no rule for
      them: its arithmetic would give a missing life table).

    References
    ----------
    Chiang CL. The life table and its construction. In: Introduction to stochastic
    processes in biostatistics. New York: Wiley; 1968:189-214. Silcocks PBS, Jenner DA,
    Reza R. Life expectancy as a summary of mortality in a population: statistical
    considerations and suitability for use by health authorities. J Epidemiol Community
    Health 2001;55:38-43. Eayres DP, Williams ES. Evaluation of methodologies for small
    area life expectancy estimation. J Epidemiol Community Health 2004;58:243-249. Public
    Health England, Life Expectancy Calculator (Excel). PHEindicatormethods
    ``phe_life_expectancy``.
    """
    by_ = v.normalise_by(by)
    levels = v.normalise_confidence(confidence)
    v.check_columns(data, deaths=deaths, population=population, age_band=age_band)
    v.check_by(data, by_)
    d_row = v.numeric(data, deaths, "deaths")
    p_row = v.numeric(data, population, "population")

    starts, band_index, band = age_bands(data[age_band], age_band)
    codes, keys = v.group_codes(data, by_)
    g, nb = len(keys), len(starts)
    _check_complete(codes, band, keys, by_, band_index, age_band)

    D = np.empty((g, nb))
    P = np.empty((g, nb))
    D[codes, band] = d_row
    P[codes, band] = p_row

    # group-level suppression, in the reference's order (first reason wins)
    notes = np.full(g, None, dtype=object)
    reasons = [
        ((D < 0).any(axis=1), "negative deaths in an age band"),
        ((P <= 0).any(axis=1), "population <= 0 in an age band"),
        ((D > P).any(axis=1), "deaths exceed population in an age band"),
        (P.sum(axis=1) <= 5000, "total population <= 5,000"),
        (D[:, -1] <= 0, "no deaths in the final age band"),
    ]
    for mask, text in reversed(reasons):
        notes[mask] = text
    bad = np.array([n is not None for n in notes], dtype=bool)
    Dc = np.where(bad[:, None], 1.0, D)
    Pc = np.where(bad[:, None], 2.0, P)

    table = abridged_life_table(Dc, Pc, starts)
    width, a, M, q, lx, dx, e = (
        table.width,
        table.a,
        table.mx,
        table.qx,
        table.lx,
        table.dx,
        table.ex,
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        sp = np.where(dx == 0, 0.0, q * q * (1 - q) / Dc[:, :-1])
        sp_last = 4 / (Dc[:, -1] * M[:, -1] ** 2)
        W = np.empty((g, nb))
        W[:, :-1] = sp * lx[:, :-1] ** 2 * ((1 - a) * width + e[:, 1:]) ** 2
        W[:, -1] = (lx[:, -1] / 2) ** 2 * sp_last
        ST = np.cumsum(W[:, ::-1], axis=1)[:, ::-1]
        se = np.sqrt(ST / lx**2)

    row_notes = np.repeat(notes[:, None], nb, axis=1)
    wide = (2 * v.z_for(0.95) * se > 20) & ~bad[:, None]
    row_notes[wide] = "95% confidence interval wider than 20 years"
    # the reference blanks the value of a wide interval but keeps its limits
    blank_limits = bad[:, None] | ~np.isfinite(e)
    value = np.where(blank_limits | wide, np.nan, e)

    columns: dict[str, np.ndarray] = {"value": value}
    for level in levels:
        z = v.z_for(level)
        lo, up = v.limit_columns(level)
        columns[lo] = np.where(blank_limits, np.nan, e - z * se)
        columns[up] = np.where(blank_limits, np.nan, e + z * se)

    # long output, ordered by group keys then age
    if by_:
        order = keys.sort_values(by_, kind="stable", na_position="last").index.to_numpy()
    else:
        order = np.arange(1)
    keep = np.ones(nb, dtype=bool)
    if start_ages is not None:
        wanted = {parse_start_age(s) for s in start_ages}
        unknown = wanted - {int(s) for s in starts}
        if unknown:
            raise ValueError(
                f"start_ages {sorted(unknown)} are not band starts (bands: {list(band_index)})"
            )
        keep = np.isin(starts, sorted(wanted))
    kept = np.flatnonzero(keep)
    k = kept.size
    rows = np.repeat(order, k)
    cols = np.tile(kept, len(order))
    out = (
        keys.iloc[rows].reset_index(drop=True)
        if by_
        else pd.DataFrame(index=pd.RangeIndex(len(rows)))
    )
    band_labels = np.asarray(band_index, dtype=object)[cols]
    out["age_band"] = (
        pd.Series(band_labels, dtype="str")
        if isinstance(band_labels[0], str)
        else pd.Series(band_labels)
    )
    out["start_age"] = starts[cols].astype("int64")
    for name, arr in columns.items():
        out[name] = arr[rows, cols]
    out["method"] = pd.Series(np.full(len(rows), "Chiang II"), dtype="str")
    out["note"] = v.as_note_series(row_notes[rows, cols])
    return out
