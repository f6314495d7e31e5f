"""Personal health budgets: uptake per 100,000, local budgets against conventional care, outcomes
before and after, uptake scenarios, and the national pilot evidence as citable data.

* :func:`uptake_rate` - people with a budget per 100,000 population, a crude rate with
  Byar's limits (exact Poisson below 10), as :func:`~jsna.indicators.methods.crude_rate`.
* :func:`budget_distribution`, :func:`cost_against_conventional`, :func:`outcome_change` -
  budget sizes, and paired differences (budget minus conventional cost, outcome after minus
  before) with Student's t limits and a paired t-test.
* :func:`uptake_scenarios` - people and spend if uptake reached given rates.
* :data:`PHB_EVIDENCE` - the findings of the 2009-2012 national pilot evaluation.

References: Forder J et al. Evaluation of the personal health budget pilot programme. PSSRU
Discussion Paper 2840_2; 2012. NHS England, Personal health budgets quarterly data
collection: guidance. Altman DG. Practical statistics for medical research. London: Chapman
& Hall; 1991 (paired t-test).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from jsna.indicators.methods import _validate as v

__all__ = [
    "PHB_EVIDENCE",
    "budget_distribution",
    "cost_against_conventional",
    "outcome_change",
    "phb_evidence",
    "uptake_rate",
    "uptake_scenarios",
]

_PILOT = (
    "Forder J, Jones K, Glendinning C, Caiels J, Welch E, Baxter K, Davidson J, Windle K, Irvine A, "
    "King D, Dolan P. Evaluation of the personal health budget pilot programme. PSSRU Discussion "
    "Paper 2840_2. Canterbury: Personal Social Services Research Unit, University of Kent; 2012."
)

#: findings of the national evaluation of the 2009-2012 personal health budget pilot programme
PHB_EVIDENCE: tuple[dict[str, str], ...] = (
    {
        "topic": "Cost",
        "finding": "Personal health budgets were not more costly than conventional services on "
        "average: the evaluation found no significant difference in total costs between the budget and "
        "control groups over 12 months.",
        "source": _PILOT,
    },
    {
        "topic": "Cost-effectiveness",
        "finding": "Budgets were cost-effective on care-related quality of life "
        "(ASCOT): people with a budget gained significantly more care-related quality of life and "
        "psychological well-being (GHQ-12) at no greater cost; no significant effect was found on "
        "health-related quality of life (EQ-5D) or mortality.",
        "source": _PILOT,
    },
    {
        "topic": "Budget size",
        "finding": "Gains were larger for people with higher-value budgets; lower-value "
        "budgets showed no significant benefit.",
        "source": _PILOT,
    },
    {
        "topic": "Who benefits",
        "finding": "Effects were largest and cost-effective for people in NHS continuing "
        "healthcare and for people using mental health services; effects for diabetes and chronic lung "
        "disease were not significant.",
        "source": _PILOT,
    },
    {
        "topic": "How budgets are run",
        "finding": "Implementation models giving people more choice and "
        "flexibility (knowing the budget, freedom over how it is spent) were associated with better outcomes.",
        "source": _PILOT,
    },
)


def phb_evidence() -> pd.DataFrame:
    """The national pilot evidence as a table (``topic``, ``finding``, ``source``) the report can quote."""
    return pd.DataFrame(list(PHB_EVIDENCE))


def uptake_rate(
    uptake: pd.DataFrame,
    population: pd.DataFrame,
    *,
    area: str = "icb_code",
    people: str = "people",
    period: str = "period",
    phb_type: str = "phb_type",
    population_area: str = "area_code",
    population_count: str = "population",
    confidence: v.Confidence = v.DEFAULT_CONFIDENCE,
) -> pd.DataFrame:
    """People with a personal health budget per 100,000 residents; one row per area, period and type.

    Parameters
    ----------
    uptake : pandas.DataFrame
        The ``phb_uptake`` table (NHS England quarterly return layout).
    population : pandas.DataFrame
        One row per area: ``population_area`` code and its resident population.
    area : str
        ``icb_code`` or ``sub_icb_code``.

    Returns
    -------
    pandas.DataFrame
        ``area``, ``period``, ``phb_type`` (plus an "All types" total), ``people``,
        ``population``, ``value`` (per 100,000), limit columns and ``note``.

    Notes
    -----
    A crude rate per 100,000 with Byar's limits (exact Poisson below 10 people), as
    :func:`jsna.indicators.methods.crude_rate`. Areas without a population are kept with a
    missing rate and a note.

    References
    ----------
    NHS England. Personal health budgets quarterly data collection: guidance. OHID Public
    Health Technical Guidance, "Crude rates".
    """
    from jsna.indicators.methods.rates import crude_rate

    v.check_columns(uptake, area=area, people=people, period=period, phb_type=phb_type)
    v.check_columns(population, population_area=population_area, population_count=population_count)
    counts = uptake.groupby([area, period, phb_type], as_index=False, dropna=False)[people].sum()
    total = (
        counts.groupby([area, period], as_index=False, dropna=False)[people]
        .sum()
        .assign(**{phb_type: "All types"})
    )
    counts = pd.concat([counts, total], ignore_index=True)
    pop = population[[population_area, population_count]].rename(
        columns={population_area: area, population_count: "population"}
    )
    data = counts.merge(pop, on=area, how="left")
    has = data["population"].notna() & data["population"].gt(0)
    rated = crude_rate(
        data[has],
        count=people,
        population="population",
        by=[area, period, phb_type],
        multiplier=100_000,
        confidence=confidence,
    )
    out = data.merge(
        rated.drop(columns=[people, "population"], errors="ignore"),
        on=[area, period, phb_type],
        how="left",
    )
    out.loc[~has.to_numpy(), "note"] = "no resident population for this area"
    return out.sort_values([area, period, phb_type], kind="stable").reset_index(drop=True)


def budget_distribution(
    budgets: pd.DataFrame,
    *,
    budget: str = "annual_budget",
    by: str | Sequence[str] | None = "phb_type",
    confidence: v.Confidence = 0.95,
) -> pd.DataFrame:
    """Distribution of annual budget sizes; one row per group plus "All types".

    Returns ``n``, ``mean`` with Student's t limits, ``minimum``, ``p10``, ``p25``, ``median``,
    ``p75``, ``p90``, ``maximum`` and ``total``.
    """
    by_ = v.normalise_by(by)
    v.check_columns(budgets, budget=budget)
    frames = [budgets]
    if by_:
        frames.append(budgets.assign(**{c: "All types" for c in by_}))
    data = pd.concat(frames, ignore_index=True)
    g = data.groupby(by_, dropna=False)[budget] if by_ else data.groupby(lambda _: "All")[budget]
    out = g.agg(
        n="count", mean="mean", sd="std", minimum="min", maximum="max", total="sum"
    ).reset_index()
    for name, q in (("p10", 0.1), ("p25", 0.25), ("median", 0.5), ("p75", 0.75), ("p90", 0.9)):
        out[name] = g.quantile(q).to_numpy()
    from jsna.indicators.methods.intervals import student_t_interval

    for level in v.normalise_confidence(confidence):
        lo, hi = student_t_interval(out["mean"], out["sd"], out["n"], level)
        out[v.limit_columns(level)[0]], out[v.limit_columns(level)[1]] = lo, hi
    return out


def _paired(
    frame: pd.DataFrame,
    diff: np.ndarray,
    by: list[str],
    confidence: v.Confidence,
    extra: dict[str, Any],
) -> pd.DataFrame:
    from scipy import stats

    from jsna.indicators.methods.intervals import student_t_interval

    work = frame[by].copy() if by else pd.DataFrame(index=frame.index)
    work["_d"] = diff
    for key, val in extra.items():
        work[key] = val
    groups = work.groupby(by, dropna=False) if by else work.groupby(lambda _: "All")
    agg = {"n": ("_d", "count"), "mean_difference": ("_d", "mean"), "sd": ("_d", "std")}
    agg.update({f"mean_{k}": (k, "mean") for k in extra})
    out = groups.agg(**agg).reset_index()
    if not by:
        out = out.drop(columns=["index"])
    for level in v.normalise_confidence(confidence):
        lo, hi = student_t_interval(out["mean_difference"], out["sd"], out["n"], level)
        out[v.limit_columns(level)[0]], out[v.limit_columns(level)[1]] = lo, hi
    with np.errstate(divide="ignore", invalid="ignore"):
        t = out["mean_difference"] / (out["sd"] / np.sqrt(out["n"]))
        out["p_value"] = np.where(out["n"] >= 2, 2 * stats.t.sf(np.abs(t), out["n"] - 1), np.nan)
    return out


def cost_against_conventional(
    budgets: pd.DataFrame,
    *,
    budget: str = "annual_budget",
    conventional: str = "conventional_cost",
    by: str | Sequence[str] | None = "phb_type",
    confidence: v.Confidence = 0.95,
) -> pd.DataFrame:
    """Budget minus the cost of the conventional care it replaced, paired per person; one row per group and overall.

    Returns ``n``, ``mean_difference`` (£ a year; negative = the budget costs less) with
    Student's t limits, ``mean_annual_budget``, ``mean_conventional_cost``, ``share_cheaper``
    (people whose budget costs less) and ``p_value`` (paired t-test). People without a
    conventional cost are left out of the comparison and counted in ``without_comparison``.

    References
    ----------
    Altman DG. Practical statistics for medical research. London: Chapman & Hall; 1991
    (paired t-test). Forder J et al. (2012), see :data:`PHB_EVIDENCE`.
    """
    by_ = v.normalise_by(by)
    v.check_columns(budgets, budget=budget, conventional=conventional)
    has = budgets[conventional].notna() & budgets[budget].notna()
    parts = [budgets[has]]
    if by_:
        parts.append(budgets[has].assign(**{c: "All types" for c in by_}))
    data = pd.concat(parts, ignore_index=True)
    b = data[budget].to_numpy(dtype="float64")
    c = data[conventional].to_numpy(dtype="float64")
    out = _paired(
        data,
        b - c,
        by_,
        confidence,
        {"annual_budget": b, "conventional_cost": c, "cheaper": (b < c) * 1.0},
    )
    out = out.rename(columns={"mean_cheaper": "share_cheaper"})
    missing = budgets[~has]
    if by_:
        counts = missing.groupby(by_, dropna=False).size()
        out["without_comparison"] = [
            int(counts.get(tuple(r) if len(by_) > 1 else r[0], 0))
            if r[0] != "All types"
            else len(missing)
            for r in out[by_].itertuples(index=False)
        ]
    else:
        out["without_comparison"] = len(missing)
    return out


def outcome_change(
    budgets: pd.DataFrame,
    *,
    before: str = "score_before",
    after: str = "score_after",
    measure: str = "outcome_measure",
    by: str | Sequence[str] | None = None,
    confidence: v.Confidence = 0.95,
) -> pd.DataFrame:
    """Change in outcome score after taking up a budget, paired per person; one row per outcome measure (and group).

    Returns ``n``, ``mean_difference`` (after − before) with Student's t limits,
    ``mean_score_before``, ``mean_score_after`` and ``p_value`` (paired t-test). A
    before/after comparison without a control group cannot attribute the change to the
    budget; the report says so.
    """
    by_ = [measure, *v.normalise_by(by)]
    v.check_columns(budgets, before=before, after=after, measure=measure)
    data = budgets[budgets[before].notna() & budgets[after].notna() & budgets[measure].notna()]
    b = data[before].to_numpy(dtype="float64")
    a = data[after].to_numpy(dtype="float64")
    return _paired(data, a - b, by_, confidence, {"score_before": b, "score_after": a})


def uptake_scenarios(
    *,
    eligible: float,
    uptake_from: float = 0.01,
    uptake_to: float = 0.05,
    budget_sizes: Sequence[float] = (5_000, 15_000, 40_000),
    steps: int = 3,
    cost_ratio: tuple[float, float, float] | None = None,
) -> pd.DataFrame:
    """People, budget spend and savings for uptake levels × budget sizes; one row per combination.

    Parameters
    ----------
    eligible : float
        People eligible for a budget.
    uptake_from, uptake_to : float
        Uptake range as proportions (0.01 = 1%); ``steps`` evenly spaced levels.
    budget_sizes : sequence of float
        Annual budget sizes (£).
    cost_ratio : (central, low, high), optional
        Conventional cost per £1 of budget, e.g. from :func:`cost_against_conventional`
        (mean conventional cost / mean budget, with limits). Without it no saving is assumed,
        following the national evaluation (budgets not more costly on average).

    Returns
    -------
    pandas.DataFrame
        ``uptake``, ``people``, ``budget_size``, ``budget_spend`` (£ a year),
        ``conventional_cost``, ``saving`` and ``saving_low``/``saving_high`` (£ a year;
        positive = budgets cost less), and ``basis``.
    """
    if eligible <= 0:
        raise ValueError(f"eligible must be > 0, got {eligible!r}")
    if not 0 < uptake_from <= uptake_to <= 1:
        raise ValueError(
            f"uptake must satisfy 0 < uptake_from <= uptake_to <= 1, got {uptake_from}, {uptake_to}"
        )
    levels = (
        np.linspace(uptake_from, uptake_to, max(2, steps))
        if uptake_to > uptake_from
        else np.array([uptake_from])
    )
    grid = pd.DataFrame(
        [(u, s) for u in levels for s in budget_sizes], columns=["uptake", "budget_size"]
    )
    grid["people"] = np.round(grid["uptake"] * eligible)
    grid["budget_spend"] = grid["people"] * grid["budget_size"]
    central, low, high = cost_ratio if cost_ratio is not None else (1.0, 1.0, 1.0)
    grid["conventional_cost"] = grid["budget_spend"] * central
    grid["saving"] = grid["conventional_cost"] - grid["budget_spend"]
    grid["saving_low"] = grid["budget_spend"] * (low - 1)
    grid["saving_high"] = grid["budget_spend"] * (high - 1)
    grid["basis"] = (
        "local budgets against conventional costs"
        if cost_ratio is not None
        else "no saving assumed: the national evaluation found budgets no more costly on average"
    )
    return grid[
        [
            "uptake",
            "people",
            "budget_size",
            "budget_spend",
            "conventional_cost",
            "saving",
            "saving_low",
            "saving_high",
            "basis",
        ]
    ]
