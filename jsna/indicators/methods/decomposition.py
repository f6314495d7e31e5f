r"""Life-expectancy gaps between two populations and their decomposition by age and cause.

* :func:`life_expectancy_gap` - the gap in life expectancy at birth between two populations
  (most and least deprived fifths, an area and England) with limits from the two Chiang II
  standard errors, :math:`SE_{gap} = \sqrt{SE_1^2 + SE_2^2}`.
* :func:`life_expectancy_gap_decomposition` - Arriaga's decomposition of that gap into the
  contribution of each age band, split by cause of death in proportion to the difference in
  cause-specific death rates (the method of PHE's Segment Tool).

Both read the one life table of :mod:`jsna.indicators.methods.life_expectancy`
(:func:`~jsna.indicators.methods.life_expectancy.abridged_life_table`).

References: Arriaga EE. Measuring and explaining the change in life expectancies.
Demography 1984;21:83-96. Preston SH, Heuveline P, Guillot M. Demography: measuring and
modeling population processes. Oxford: Blackwell; 2001. Public Health England. Segment Tool:
technical guide; 2019. Chiang CL (1968); Silcocks PBS et al. J Epidemiol Community Health
2001;55:38-43.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from . import _validate as v
from .life_expectancy import LifeTable, abridged_life_table, age_bands, life_expectancy

__all__ = ["life_expectancy_gap", "life_expectancy_gap_decomposition"]


def _arriaga(lt1: LifeTable, lt2: LifeTable) -> np.ndarray:
    """Arriaga (1984) contribution of each age band to e0(2) - e0(1); rows = groups."""
    l1, l2, L1, L2, T2 = lt1.lx, lt2.lx, lt1.Lx, lt2.Lx, lt2.Tx
    l0 = l1[:, :1]
    out = np.empty_like(l1)
    with np.errstate(divide="ignore", invalid="ignore"):
        direct = l1[:, :-1] / l0 * (L2[:, :-1] / l2[:, :-1] - L1[:, :-1] / l1[:, :-1])
        indirect = T2[:, 1:] / l0 * (l1[:, :-1] / l2[:, :-1] - l1[:, 1:] / l2[:, 1:])
        out[:, :-1] = direct + indirect
        out[:, -1] = l1[:, -1] / l0[:, 0] * (T2[:, -1] / l2[:, -1] - lt1.Tx[:, -1] / l1[:, -1])
    return out


def _gap_inputs(
    data: pd.DataFrame,
    *,
    deaths: str,
    population: str,
    age_band: str,
    group: str,
    comparison: object,
    reference: object,
    by: list[str],
    cause: str | None,
):
    """Deaths (by cause) and population arrays shaped (groups, bands[, causes]) for both populations."""
    v.check_columns(
        data, deaths=deaths, population=population, age_band=age_band, group=group, cause=cause
    )
    v.check_by(data, by)
    present = set(pd.unique(data[group]))
    for label, role in ((comparison, "comparison"), (reference, "reference")):
        if label not in present:
            raise ValueError(
                f"{role} {label!r} is not a value of column {group!r} (values: {sorted(map(str, present))})"
            )
    sub = data[data[group].isin([comparison, reference])]
    d = v.numeric(sub, deaths, "deaths")
    v.check_non_negative(sub, d, deaths, "deaths")
    p = v.numeric(sub, population, "population")
    v.check_positive(sub, p, population, "population")
    starts, band_index, band = age_bands(sub[age_band], age_band)
    codes, keys = v.group_codes(sub, by)
    which = (sub[group] == reference).to_numpy().astype(np.intp)
    if cause is not None:
        cause_codes, causes = pd.factorize(sub[cause], sort=True)
    else:
        cause_codes, causes = np.zeros(len(sub), dtype=np.intp), pd.Index(["All causes"])
    g, nb, nc = len(keys), starts.size, len(causes)
    key = ((codes * 2 + which) * nb + band) * nc + cause_codes
    uniq, counts = np.unique(key, return_counts=True)
    if (counts > 1).any():
        k = uniq[np.flatnonzero(counts > 1)[0]]
        raise ValueError(
            f"duplicate row for age band {band_index[(k // nc) % nb]!r}"
            + (f" and cause {causes[k % nc]!r}" if cause else "")
            + f" (column {age_band!r})"
        )
    Dc = np.zeros((g, 2, nb, nc))
    np.add.at(Dc, (codes, which, band, cause_codes), d)
    Pm = np.full((g, 2, nb), np.nan)
    pop_key = (codes * 2 + which) * nb + band
    Pm.reshape(-1)[pop_key] = p
    # the population must be the same on every cause row of a band
    first = pd.Series(p).groupby(pop_key).agg(["min", "max"])
    if (first["max"] - first["min"] > 1e-9 * first["max"]).any():
        k = int(first.index[(first["max"] - first["min"] > 1e-9 * first["max"]).to_numpy()][0])
        raise ValueError(
            f"population differs between cause rows of age band {band_index[k % nb]!r} "
            f"(column {population!r})"
        )
    if np.isnan(Pm).any():
        gi, wi, bi = (int(x[0]) for x in np.nonzero(np.isnan(Pm)))
        who = ", ".join(f"{c}={keys[c].iloc[gi]!r}" for c in by) or "the data"
        raise ValueError(
            f"age band {band_index[bi]!r} is missing for {[comparison, reference][wi]!r} in {who} "
            f"(column {age_band!r})"
        )
    return Dc, Pm, starts, band_index, keys, causes


def life_expectancy_gap_decomposition(
    data: pd.DataFrame,
    *,
    deaths: str,
    population: str,
    age_band: str,
    group: str,
    comparison: object,
    reference: object,
    by: str | Sequence[str] | None = None,
    cause: str | None = None,
) -> pd.DataFrame:
    """Contribution of each age band (and cause) to a life-expectancy gap; one row per group, band and cause.

    Parameters
    ----------
    data : pandas.DataFrame
        Deaths and population by age band for (at least) two populations told apart by
        ``group``; with ``cause``, one row per band and cause, the band's population repeated.
    deaths, population, age_band : str
        As :func:`jsna.indicators.methods.life_expectancy` (same bands for both populations).
    group : str
        Column naming the population of each row.
    comparison, reference : object
        Values of ``group``; the gap is :math:`e_0(\\text{reference}) - e_0(\\text{comparison})`,
        e.g. least deprived fifth minus most deprived fifth, or England minus the area.
    by : str or list of str, optional
        Further grouping (sex, period, ...).
    cause : str, optional
        Cause-of-death column; contributions are split by cause.

    Returns
    -------
    pandas.DataFrame
        ``by`` columns, ``age_band``, ``start_age``, ``cause``, ``contribution`` (years),
        ``share`` (of the gap), ``gap``, ``e0_comparison`` and ``e0_reference``; the
        contributions of a group sum to its gap.

    Notes
    -----
    Life tables as Chiang II (:func:`jsna.indicators.methods.life_expectancy`). With
    population 1 the comparison and 2 the reference, the contribution of band
    :math:`[x, x+n)` is

    .. math::

        \\Delta_x = \\frac{l^1_x}{l_0}\\Big(\\frac{L^2_x}{l^2_x} - \\frac{L^1_x}{l^1_x}\\Big)
        + \\frac{T^2_{x+n}}{l_0}\\Big(\\frac{l^1_x}{l^2_x} - \\frac{l^1_{x+n}}{l^2_{x+n}}\\Big),
        \\qquad \\Delta_\\omega = \\frac{l^1_\\omega}{l_0}\\Big(\\frac{T^2_\\omega}{l^2_\\omega}
        - \\frac{T^1_\\omega}{l^1_\\omega}\\Big)

    for the open band ω, and :math:`\\sum_x \\Delta_x = e^2_0 - e^1_0` exactly. By cause,
    :math:`\\Delta_{x,i} = \\Delta_x (m^1_{x,i} - m^2_{x,i}) / (m^1_x - m^2_x)`; where the
    all-cause rates are equal the band's (zero) contribution is shared by deaths.

    References
    ----------
    Arriaga EE. Measuring and explaining the change in life expectancies. Demography
    1984;21:83-96. Preston SH, Heuveline P, Guillot M. Demography: measuring and modeling
    population processes. Oxford: Blackwell; 2001:64-65, 84-85. Public Health England.
    Segment Tool: technical guide; 2019.
    """
    by_ = v.normalise_by(by)
    Dc, Pm, starts, band_index, keys, causes = _gap_inputs(
        data,
        deaths=deaths,
        population=population,
        age_band=age_band,
        group=group,
        comparison=comparison,
        reference=reference,
        by=by_,
        cause=cause,
    )
    D = Dc.sum(axis=3)
    lt1 = abridged_life_table(D[:, 0], Pm[:, 0], starts)
    lt2 = abridged_life_table(D[:, 1], Pm[:, 1], starts)
    contrib = _arriaga(lt1, lt2)  # (g, nb)
    m1 = Dc[:, 0] / Pm[:, 0, :, None]
    m2 = Dc[:, 1] / Pm[:, 1, :, None]
    dm = (m1 - m2).sum(axis=2, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        share_by_cause = np.where(np.abs(dm) > 1e-15, (m1 - m2) / dm, np.nan)
    total_d = Dc.sum(axis=1)
    fallback = np.where(
        total_d.sum(axis=2, keepdims=True) > 0,
        total_d / np.maximum(total_d.sum(axis=2, keepdims=True), 1e-300),
        1.0 / Dc.shape[3],
    )
    share_by_cause = np.where(np.isnan(share_by_cause), fallback, share_by_cause)
    parts = contrib[:, :, None] * share_by_cause  # (g, nb, nc)
    g, nb, nc = parts.shape
    gap = lt2.ex[:, 0] - lt1.ex[:, 0]
    gi = np.repeat(np.arange(g), nb * nc)
    bi = np.tile(np.repeat(np.arange(nb), nc), g)
    ci = np.tile(np.arange(nc), g * nb)
    out = (
        keys.iloc[gi].reset_index(drop=True) if by_ else pd.DataFrame(index=pd.RangeIndex(len(gi)))
    )
    labels = np.asarray(band_index, dtype=object)[bi]
    out["age_band"] = (
        pd.Series(labels, dtype="str") if isinstance(labels[0], str) else pd.Series(labels)
    )
    out["start_age"] = starts[bi].astype("int64")
    out["cause"] = pd.Series(np.asarray(causes, dtype=object)[ci], dtype="str")
    out["contribution"] = parts.reshape(-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["share"] = parts.reshape(-1) / gap[gi]
    out["gap"] = gap[gi]
    out["e0_comparison"] = lt1.ex[gi, 0]
    out["e0_reference"] = lt2.ex[gi, 0]
    if by_:
        out = out.sort_values([*by_, "start_age", "cause"], kind="stable").reset_index(drop=True)
    return out


def life_expectancy_gap(
    data: pd.DataFrame,
    *,
    deaths: str,
    population: str,
    age_band: str,
    group: str,
    comparison: object,
    reference: object,
    by: str | Sequence[str] | None = None,
    confidence: v.Confidence = v.DEFAULT_CONFIDENCE,
) -> pd.DataFrame:
    """Gap in life expectancy at birth between two populations, with limits; one row per group.

    Returns
    -------
    pandas.DataFrame
        ``by`` columns, ``e0_comparison``, ``e0_reference``, ``value`` (the gap,
        reference minus comparison, years), limit columns, ``se`` and ``note``.

    Notes
    -----
    Each life expectancy and its standard error come from
    :func:`jsna.indicators.methods.life_expectancy` (Chiang II with Silcocks' final-band
    variance); the two populations are independent, so
    :math:`SE_{gap} = \\sqrt{SE_1^2 + SE_2^2}` and the limits are :math:`gap \\pm z\\,SE`.
    When either life expectancy is suppressed (see that function) the gap is missing with
    the reason in ``note``.

    References
    ----------
    Chiang CL (1968); Silcocks PBS et al. J Epidemiol Community Health 2001;55:38-43.
    """
    by_ = v.normalise_by(by)
    levels = v.normalise_confidence(confidence)
    v.check_columns(data, group=group)
    sub = data[data[group].isin([comparison, reference])]
    le = life_expectancy(
        sub,
        deaths=deaths,
        population=population,
        age_band=age_band,
        by=[*by_, group],
        confidence=0.95,
        start_ages=[0],
    )
    le["se"] = (le["upper_ci_95"] - le["value"]) / v.z_for(0.95)
    one = le[le[group] == comparison].drop(columns=[group])
    two = le[le[group] == reference].drop(columns=[group])
    cols = ["value", "se", "note"]
    if by_:
        merged = one[[*by_, *cols]].merge(
            two[[*by_, *cols]], on=by_, suffixes=("_1", "_2"), how="outer"
        )
    else:
        merged = pd.concat(
            [
                one[cols].reset_index(drop=True).add_suffix("_1"),
                two[cols].reset_index(drop=True).add_suffix("_2"),
            ],
            axis=1,
        )
    out = merged[by_].copy() if by_ else pd.DataFrame(index=merged.index)
    out["e0_comparison"] = merged["value_1"].to_numpy()
    out["e0_reference"] = merged["value_2"].to_numpy()
    gap = (merged["value_2"] - merged["value_1"]).to_numpy(dtype="float64")
    se = np.sqrt(
        merged["se_1"].to_numpy(dtype="float64") ** 2
        + merged["se_2"].to_numpy(dtype="float64") ** 2
    )
    out["value"] = gap
    for level in levels:
        lo, up = v.limit_columns(level)
        out[lo] = gap - v.z_for(level) * se
        out[up] = gap + v.z_for(level) * se
    out["se"] = se
    notes = merged["note_1"].where(merged["note_1"].notna(), merged["note_2"])
    out["note"] = v.as_note_series(notes.to_numpy(dtype=object))
    return out.reset_index(drop=True)
