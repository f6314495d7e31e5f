r"""Indicators on registered lists: a GP practice's expected prevalence from its list's age-sex
profile, and the observed/expected ratio with limits.

* :func:`expected_prevalence` - indirect standardisation of a practice's count (people on a
  register, events) against reference age-sex-specific rates :math:`R_{s,a}`:
  :math:`E = \sum_{s,a} n_{s,a} R_{s,a}`, expected prevalence :math:`E/n \times m`, and the
  ratio :math:`O/E` with Byar's limits (exact Poisson under 10), computed by
  :func:`~jsna.indicators.methods.indirectly_standardised_ratio`.

Crude and directly standardised rates on lists use :func:`~jsna.indicators.methods.crude_rate`,
:func:`~jsna.indicators.methods.proportion` and
:func:`~jsna.indicators.methods.directly_standardised_rate` with list sizes as populations.

References: OHID Public Health Technical Guidance, "Indirectly standardised ratios";
PHEindicatormethods ``calculate_ISRatio``; Breslow NE, Day NE (1987) Statistical methods in
cancer research II, IARC; NHS Digital, Quality and Outcomes Framework: expected and observed
prevalence.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from . import _validate as v
from .standardised import indirectly_standardised_ratio

__all__ = ["expected_prevalence", "ratio_significance"]

#: joins sex and age band into the one band label the standardisation keys on
_SEP = "|"


def expected_prevalence(
    data: pd.DataFrame,
    *,
    count: str,
    population: str,
    age_band: str,
    sex: str,
    by: str | Sequence[str],
    reference: pd.DataFrame | None = None,
    confidence: v.Confidence = v.DEFAULT_CONFIDENCE,
    multiplier: float = 100,
    ci_method: str = "phe",
) -> pd.DataFrame:
    """Expected prevalence of each list from its age-sex profile, and the observed/expected
    ratio with limits; one row per group.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per group (e.g. a practice), sex and age band: the observed ``count`` and the
        registered ``population`` of the band.
    count, population, age_band, sex : str
        Column names. A missing count is taken as 0 (as the reference does).
    by : str or list of str
        The groups (e.g. ``practice_code``); every group must have every sex and age band of
        the reference exactly once.
    reference : pandas.DataFrame, optional
        Columns ``sex``, ``age_band``, ``count``, ``population``: the reference counts and
        lists by sex and band (England's, or a sub-ICB's). ``None`` pools every group of
        ``data`` (the sum of all loaded lists).
    confidence : float or tuple of float
        Levels of the ratio's limits, e.g. ``(0.95, 0.998)``.
    multiplier : float
        Scale of the crude and expected prevalences (100: per cent).
    ci_method : {"phe", "exact", "byars"}
        Limits of *O* as :func:`~jsna.indicators.methods.indirectly_standardised_ratio`.

    Returns
    -------
    pandas.DataFrame
        ``by`` columns, ``count`` (observed *O*), ``expected`` (*E*), ``denominator`` (list
        size *n*), ``crude_value`` (:math:`O/n \\times m`), ``expected_value``
        (:math:`E/n \\times m`, the expected prevalence), ``value`` (the ratio *O/E*), its
        limit columns, ``method`` (``"Byars"`` or ``"Exact"``), ``note`` and, when both 95%
        and 99.8% limits are asked for, ``significance`` (:func:`ratio_significance`).

    Notes
    -----
    With reference rates :math:`R_{s,a} = O^{ref}_{s,a} / n^{ref}_{s,a}` by sex *s* and age
    band *a*, a list's expected count is :math:`E = \\sum_{s,a} n_{s,a} R_{s,a}`; its expected
    prevalence :math:`E/n\\,m` is the prevalence it would have if each of its age-sex groups
    had the reference's; the ratio :math:`O/E` is above 1 when the list has more cases than
    its age and sex explain. The ratio's limits are :math:`O_{L,U}/E` with Byar's limits of
    *O*, exact Poisson limits under 10 (the ISR rule of the technical guide). A list of size
    0 has no crude or expected prevalence (note ``"list size is zero"``).

    References
    ----------
    OHID Public Health Technical Guidance, "Indirectly standardised ratios".
    PHEindicatormethods ``calculate_ISRatio``. Breslow NE, Day NE (1987).
    """
    by_ = v.normalise_by(by)
    if not by_:
        raise ValueError("by must name the groups (e.g. the practice code column)")
    v.check_columns(data, count=count, population=population, age_band=age_band, sex=sex)
    v.check_by(data, by_)
    if not np.isfinite(multiplier) or multiplier <= 0:
        raise ValueError(f"multiplier must be > 0, got {multiplier!r}")
    key = data[sex].astype(str) + _SEP + data[age_band].astype(str)
    frame = pd.DataFrame({"__band": key, "__n": data[population], "__x": data[count]})
    for col in by_:
        frame[col] = data[col].to_numpy()
    if reference is None:
        ref = (
            frame.assign(__x=frame["__x"].fillna(0.0))
            .groupby("__band", as_index=False, sort=True)[["__x", "__n"]]
            .sum()
        )
    else:
        v.check_columns(
            reference, sex="sex", age_band="age_band", count="count", population="population"
        )
        ref = pd.DataFrame(
            {
                "__band": reference["sex"].astype(str) + _SEP + reference["age_band"].astype(str),
                "__x": reference["count"],
                "__n": reference["population"],
            }
        )
    ref = ref.rename(columns={"__band": "age_band", "__x": "count", "__n": "population"})
    out = indirectly_standardised_ratio(
        frame,
        count="__x",
        population="__n",
        age_band="__band",
        reference=ref,
        by=by_,
        confidence=confidence,
        multiplier=1,
        ci_method=ci_method,
    )
    n = out["denominator"].to_numpy(dtype="float64")
    empty = n == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        crude = np.where(empty, np.nan, out["count"].to_numpy(dtype="float64") / n * multiplier)
        expected = np.where(
            empty, np.nan, out["expected"].to_numpy(dtype="float64") / n * multiplier
        )
    out.insert(len(by_) + 3, "crude_value", crude)
    out.insert(len(by_) + 4, "expected_value", expected)
    notes = out["note"].astype(object).where(~empty, "list size is zero")
    out["note"] = notes
    if {"lower_ci_95", "lower_ci_99_8"} <= set(out.columns):
        out["significance"] = ratio_significance(out)
    return out


def ratio_significance(data: pd.DataFrame, *, target: float = 1.0) -> pd.Series:
    """Where each ratio's 95% and 99.8% limits put it against ``target``; one row per input row.

    ``"above 99.8%"`` when the 99.8% lower limit is above the target, ``"above 95%"`` when only
    the 95% one is, ``"below 99.8%"`` and ``"below 95%"`` likewise, ``"within 95%"`` when the
    95% limits hold the target, and missing without limits. Needs the columns ``lower_ci_95``,
    ``upper_ci_95``, ``lower_ci_99_8`` and ``upper_ci_99_8``.

    Notes
    -----
    The comparison of an indirectly standardised ratio with its reference (1): significant when
    the interval excludes it (OHID Public Health Technical Guidance, "Indirectly standardised
    ratios"; the 99.8% level is the funnel plot's three-sigma control limit).
    """
    v.check_columns(
        data,
        lower_95="lower_ci_95",
        upper_95="upper_ci_95",
        lower_998="lower_ci_99_8",
        upper_998="upper_ci_99_8",
    )
    out = pd.Series(None, index=data.index, dtype=object)
    out[data["upper_ci_95"].notna() & data["lower_ci_95"].notna()] = "within 95%"
    out[data["lower_ci_95"].gt(target)] = "above 95%"
    out[data["upper_ci_95"].lt(target)] = "below 95%"
    out[data["lower_ci_99_8"].gt(target)] = "above 99.8%"
    out[data["upper_ci_99_8"].lt(target)] = "below 99.8%"
    return out
