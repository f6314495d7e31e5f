"""Personal health budgets: uptake per 100,000, local budgets against conventional care, outcomes
before and after, uptake scenarios, and the national pilot evidence as citable data.

* :func:`uptake_rate` - people with a budget per 100,000 population, a crude rate with
  Byar's limits (exact Poisson below 10), as :func:`~jsna.indicators.methods.crude_rate`.
* :func:`budget_distribution`, :func:`cost_against_conventional`, :func:`outcome_change` -
  budget sizes, and paired differences (budget minus conventional cost, outcome after minus
  before) with Student's t limits and a paired t-test.
* :func:`uptake_scenarios` - people and spend if uptake reached given rates.
* :data:`PHB_EVIDENCE` - the findings of the 2009-2012 national pilot evaluation.
* Integrated personal commissioning (IPC): :func:`cohort_sizes` - people in each high-need
  cohort from prevalence rates × population, with limits; :func:`counts_by_area` - people
  counted in each area by summing the counts of the units that belong to it (GP practices'
  registers, small areas' census counts), with the coverage; :func:`budget_envelope` - the
  combined health and social care envelope, cohort × the average budget the user supplies;
  :func:`outcome_proportions` - budget holders' yes/no outcomes (satisfied, in control) by
  client group with Wilson limits (paired before/after changes by client group are
  :func:`outcome_change` with ``by="client_group"``).

References: Forder J et al. Evaluation of the personal health budget pilot programme. PSSRU
Discussion Paper 2840_2; 2012. NHS England. Personal health budgets and Integrated Personal
Commissioning: national expansion plan; 2016 (IPC for up to 5% of the local population). NHS England, Personal health budgets quarterly data
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
    "budget_envelope",
    "cohort_sizes",
    "cost_against_conventional",
    "counts_by_area",
    "outcome_change",
    "outcome_proportions",
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


# -- integrated personal commissioning -------------------------------------------------------------
def cohort_sizes(
    rates: pd.DataFrame,
    population: pd.DataFrame,
    *,
    cohort: str = "cohort",
    prevalence: str = "prevalence",
    lower_ci: str = "lower_ci_95",
    upper_ci: str = "upper_ci_95",
    count: str = "count",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """People in each cohort, prevalence × population summed over age and sex; one row per cohort.

    Parameters
    ----------
    rates : pandas.DataFrame
        One row per cohort, ``sex`` (Male, Female or Persons) and age band (``age_from``,
        ``age_to``; ``age_to`` missing = open-ended): the prevalence as a proportion and its
        95% limits (optional: missing limits give a cohort without an interval).
    population : pandas.DataFrame
        The area's population: ``sex`` (Male, Female), ``age_from``, ``age_to`` and ``count``,
        in bands no wider than the rates' bands (single years or the same bands).
    confidence : float
        Level of the limits of the cohort size.

    Returns
    -------
    pandas.DataFrame
        ``cohort``, ``people``, ``se``, limit columns, ``population`` (people in the bands the
        rates cover), ``bands`` (age-sex bands used) and ``note``.

    Notes
    -----
    :math:`N = \\sum_b P_b \\, p_b` over the cohort's age-sex bands *b*. Each rate's standard
    error is read from its 95% limits, :math:`se_b = (U_b - L_b) / (2 \\times 1.96)`, and the
    bands are treated as independent samples, so :math:`SE(N) = \\sqrt{\\sum_b (P_b \\, se_b)^2}`
    and the limits are :math:`N \\pm z\\,SE(N)`, floored at 0. The population is taken as
    known. A rate given for Persons applies to males and females together.

    References
    ----------
    OHID. Public Health Technical Guidance: "Proportions" and "Combining estimates". NHS
    England. Integrated Personal Commissioning: emerging framework; 2016 (the four cohorts).
    """
    from jsna.indicators.methods.projections import fitted_rows

    v.check_columns(
        rates, cohort=cohort, prevalence=prevalence, sex="sex", age_from="age_from", age_to="age_to"
    )
    v.check_columns(population, sex="sex", age_from="age_from", age_to="age_to", count=count)
    z95 = v.z_for(0.95)
    z = v.z_for(confidence)
    work = rates.rename(columns={cohort: "cohort", prevalence: "prevalence"}).copy()
    for col in (lower_ci, upper_ci):
        if col not in work.columns:
            work[col] = np.nan
    work["se_rate"] = (work[upper_ci] - work[lower_ci]) / (2 * z95)
    if (work["prevalence"].lt(0) | work["prevalence"].gt(1)).any():
        bad = work.loc[work["prevalence"].lt(0) | work["prevalence"].gt(1), "prevalence"].iloc[0]
        raise ValueError(f"prevalence must be a proportion between 0 and 1, got {bad!r}")
    pop = population[["sex", "age_from", "age_to", count]].rename(columns={count: "count"})
    by_sex = pop[pop["sex"].isin(["Male", "Female"])]
    if len(by_sex):  # Persons made from males and females, so the two never disagree
        pop = pd.concat([by_sex, by_sex.assign(sex="Persons")], ignore_index=True)
    # each band's people by sex: the population rows inside the band (one across its top is an
    # error), summed as aggregate_to_bands sums them
    a_from = pop["age_from"].to_numpy(dtype="float64")
    a_to = pop["age_to"].to_numpy(dtype="float64", na_value=np.inf)
    sex_rank, sexes = pd.factorize(pop["sex"], sort=True, use_na_sentinel=False)
    rank_of = {s: k for k, s in enumerate(sexes.tolist())}
    parts = []
    for _, rows in work.groupby(["age_from", "age_to"], sort=False, dropna=False):
        first = rows["age_from"].to_numpy(dtype="float64")[:1]
        last = rows["age_to"].to_numpy(dtype="float64", na_value=np.inf)[:1]
        _, fits = fitted_rows(first, last, a_from, a_to, population=pop, bands=rows.iloc[:1])
        kept = np.flatnonzero(fits)
        people = pop["count"].iloc[kept].groupby(sex_rank[kept]).sum()
        wanted = [rank_of.get(s, -1) for s in rows["sex"].tolist()]
        parts.append(rows.assign(count=people.reindex(wanted).to_numpy()))
    rows = pd.concat(parts, ignore_index=True)
    rows["count"] = rows["count"].fillna(0.0)
    rows["people"] = rows["count"] * rows["prevalence"]
    rows["var"] = (rows["count"] * rows["se_rate"]) ** 2
    rows["has_ci"] = rows["se_rate"].notna()
    out = rows.groupby("cohort", as_index=False, sort=False).agg(
        people=("people", "sum"),
        var=("var", "sum"),
        population=("count", "sum"),
        bands=("people", "size"),
        with_ci=("has_ci", "all"),
    )
    out["se"] = np.where(out["with_ci"], np.sqrt(out["var"]), np.nan)
    lo, up = v.limit_columns(confidence)
    out[lo] = np.maximum(out["people"] - z * out["se"], 0.0)
    out[up] = out["people"] + z * out["se"]
    out["note"] = np.where(
        out["population"].eq(0),
        "no population in the rates' age bands",
        np.where(out["with_ci"], "", "no interval: the rates have no confidence limits"),
    )
    return out[["cohort", "people", "se", lo, up, "population", "bands", "note"]]


def counts_by_area(
    counts: pd.DataFrame,
    members: pd.DataFrame,
    *,
    unit: str = "unit_code",
    area: str = "area_code",
    count: str = "count",
    size: str = "size",
    weight: str = "weight",
    by: str | Sequence[str] = (),
) -> pd.DataFrame:
    """People counted in each area, the sum of its member units' counts; one row per area and group.

    Parameters
    ----------
    counts : pandas.DataFrame
        One row per unit (a GP practice, an LSOA) and group of ``by``: ``unit`` and ``count``
        (people on the practice's register, residents in the LSOA's category). A missing count
        is a unit without a figure (a suppressed or unpublished value).
    members : pandas.DataFrame
        Which units belong to which area: ``unit``, ``area`` and, optionally, ``size`` (the
        unit's registered list or population, used for the coverage) and ``weight`` (the share
        of the unit that lies in the area, for a GP practice whose patients live in more than
        one authority; 1 when missing). A unit may belong to several areas, once each.
    by : str or sequence of str
        Columns of ``counts`` that split the sums (e.g. ``indicator_id``, ``period``).

    Returns
    -------
    pandas.DataFrame
        ``area``, the ``by`` columns, ``people`` (the sum), ``units`` (members of the area),
        ``units_counted`` (members with a count), ``size`` (the members' total size),
        ``size_counted`` (the size of the members with a count) and ``coverage``
        (``size_counted / size``, else ``units_counted / units``).

    Notes
    -----
    :math:`N_a = \\sum_{u \\in a} w_{u,a} n_u` over the units of area *a* with a count, with
    :math:`w_{u,a}` the unit's share in the area (1 for a unit wholly inside it). A register or a
    census table counts everyone in it rather than a sample, so the sum carries no sampling
    error and no limits are given: what is uncertain is whether everyone with the condition is
    recorded (case-finding), which a confidence interval does not measure. Units without a
    count add nothing, so the sum is a floor where the coverage is below 1. Units that belong
    to no area in ``members`` are left out.

    References
    ----------
    NHS England. Quality and Outcomes Framework: prevalence is the register count over the list
    size. OHID. Public Health Technical Guidance: "Counts and sums". NHS England. Integrated
    Personal Commissioning: emerging framework; 2016 (the cohorts).
    """
    keys = [by] if isinstance(by, str) else list(by)
    v.check_columns(counts, unit=unit, count=count, **{k: k for k in keys})
    v.check_columns(members, unit=unit, area=area)
    if counts[count].dropna().lt(0).any():
        bad = counts.loc[counts[count].lt(0), count].iloc[0]
        raise ValueError(f"a count must be 0 or more, got {bad!r}")
    m = members[[unit, area]].rename(columns={unit: "unit", area: "area"})
    m["size"] = members[size].astype("float64") if size in members.columns else np.nan
    m["weight"] = (
        members[weight].astype("float64").fillna(1.0).to_numpy()
        if weight in members.columns
        else 1.0
    )
    if m["weight"].lt(0).any() or m["weight"].gt(1).any():
        bad = m.loc[m["weight"].lt(0) | m["weight"].gt(1), "weight"].iloc[0]
        raise ValueError(f"a unit's share of an area must be between 0 and 1, got {bad!r}")
    m = m.drop_duplicates(["unit", "area"])
    m["size"] = m["size"] * m["weight"]
    c = counts[[unit, count, *keys]].rename(columns={unit: "unit", count: "count"})
    c = c[c["count"].notna()]
    twice = c.duplicated(["unit", *keys])
    if twice.any():
        raise ValueError(
            f"each unit needs one count per group, {c.loc[twice, 'unit'].iloc[0]!r} has more "
            "(sum its categories first)"
        )
    found = c.merge(m, on="unit", how="inner")
    found["count"] = found["count"] * found["weight"]
    out = found.groupby(["area", *keys], as_index=False, sort=True, dropna=False).agg(
        people=("count", "sum"),
        units_counted=("unit", "nunique"),
        size_counted=("size", lambda s: s.sum(min_count=1)),
    )
    whole = m.groupby("area", as_index=False).agg(
        units=("unit", "size"), size=("size", lambda s: s.sum(min_count=1))
    )
    out = out.merge(whole, on="area", how="left")
    out["coverage"] = np.where(
        out["size"].gt(0), out["size_counted"] / out["size"], out["units_counted"] / out["units"]
    )
    out = out.rename(columns={"area": area})
    return out[
        [area, *keys, "people", "units", "units_counted", "size", "size_counted", "coverage"]
    ]


def budget_envelope(
    cohorts: pd.DataFrame,
    budgets: pd.DataFrame,
    *,
    cohort: str = "cohort",
    people: str = "people",
    se: str = "se",
    average_budget: str = "average_budget",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """The combined health and social care budget envelope; one row per cohort plus "All cohorts".

    Parameters
    ----------
    cohorts : pandas.DataFrame
        Cohort sizes (:func:`cohort_sizes`): ``cohort``, ``people`` and their ``se``.
    budgets : pandas.DataFrame
        ``cohort`` and ``average_budget`` (£ a year per person, health and social care
        together), supplied by the user; cohorts without one get no envelope.

    Returns
    -------
    pandas.DataFrame
        ``cohort``, ``people``, ``average_budget``, ``envelope`` (£ a year), limit columns and
        ``note``.

    Notes
    -----
    :math:`E_c = N_c \\, b_c`, with the uncertainty of the cohort size only (the average budget
    is the user's planning figure): :math:`SE(E_c) = b_c \\, SE(N_c)`. The total is
    :math:`\\sum_c E_c` with :math:`SE = \\sqrt{\\sum_c SE(E_c)^2}` (cohorts estimated
    independently). A person in two cohorts is counted in both, so the total is an upper bound
    where cohorts overlap.
    """
    v.check_columns(cohorts, cohort=cohort, people=people, se=se)
    v.check_columns(budgets, cohort=cohort, average_budget=average_budget)
    b = budgets[[cohort, average_budget]].rename(
        columns={cohort: "cohort", average_budget: "average_budget"}
    )
    if b["average_budget"].lt(0).any():
        raise ValueError("average_budget must be £0 or more a year")
    c = cohorts[[cohort, people, se]].rename(columns={cohort: "cohort", people: "people", se: "se"})
    out = c.merge(b, on="cohort", how="left")
    z = v.z_for(confidence)
    lo, up = v.limit_columns(confidence)
    out["envelope"] = out["people"] * out["average_budget"]
    env_se = out["se"] * out["average_budget"]
    out[lo] = np.maximum(out["envelope"] - z * env_se, 0.0)
    out[up] = out["envelope"] + z * env_se
    out["note"] = np.where(out["average_budget"].isna(), "no average budget given", "")
    priced = out[out["envelope"].notna()]
    if len(priced):
        total_se = float(np.sqrt(((priced["se"] * priced["average_budget"]) ** 2).sum()))
        total = float(priced["envelope"].sum())
        row = {
            "cohort": "All cohorts",
            "people": float(priced["people"].sum()),
            "se": float(np.sqrt((priced["se"] ** 2).sum())),
            "average_budget": total / float(priced["people"].sum())
            if priced["people"].sum() > 0
            else np.nan,
            "envelope": total,
            lo: max(total - z * total_se, 0.0),
            up: total + z * total_se,
            "note": ""
            if len(priced) == len(out)
            else f"{len(out) - len(priced)} cohort(s) without an average budget left out",
        }
        out = pd.concat([out, pd.DataFrame([row])], ignore_index=True)
    return out[["cohort", "people", "average_budget", "envelope", lo, up, "note"]]


def outcome_proportions(
    budgets: pd.DataFrame,
    *,
    outcomes: Sequence[str] = ("satisfied", "in_control"),
    by: str | Sequence[str] | None = "client_group",
    confidence: v.Confidence = 0.95,
) -> pd.DataFrame:
    """Share of budget holders answering yes to each outcome; one row per group and outcome, plus "All".

    Parameters
    ----------
    budgets : pandas.DataFrame
        One row per budget holder; each outcome column holds 1 (yes), 0 (no) or missing (not
        asked or no answer, left out of that outcome's denominator).
    outcomes : sequence of str
        The yes/no columns (those absent from ``budgets`` are skipped).
    by : str or list of str
        Grouping columns (client group); an "All" row per outcome is added.

    Returns
    -------
    pandas.DataFrame
        ``by`` columns, ``outcome``, ``yes``, ``n``, ``value`` (%), limit columns (%).

    Notes
    -----
    A proportion with Wilson score limits, as OHID's proportions.

    References
    ----------
    Wilson EB. J Am Stat Assoc 1927;22:209-212. Forder J et al. (2012), see
    :data:`PHB_EVIDENCE`; Hatton C, Waters J. The POET surveys of personal budget holders and
    carers; In Control and Lancaster University; 2013 (satisfaction and control by client group).
    """
    from jsna.indicators.methods.intervals import wilson_interval

    by_ = v.normalise_by(by)
    v.check_columns(budgets, **{f"by_{i}": c for i, c in enumerate(by_)})
    present = [o for o in outcomes if o in budgets.columns]
    frames = []
    for name in present:
        values = pd.to_numeric(budgets[name], errors="coerce")
        bad = values.notna() & ~values.isin([0, 1])
        if bad.any():
            pos = int(np.flatnonzero(bad.to_numpy())[0])
            raise ValueError(
                f"{name} must be 1 (yes) or 0 (no), got {budgets[name].iloc[pos]!r} "
                f"(row {budgets.index[pos]})"
            )
        part = budgets[by_].copy() if by_ else pd.DataFrame(index=budgets.index)
        part["outcome"] = name
        part["_y"] = values
        part = part[part["_y"].notna()]
        if by_:
            part = pd.concat([part, part.assign(**{c: "All" for c in by_})], ignore_index=True)
        frames.append(part)
    keys = [*by_, "outcome"]
    if not frames:
        return pd.DataFrame(columns=[*keys, "yes", "n", "value"])
    data = pd.concat(frames, ignore_index=True)
    out = data.groupby(keys, as_index=False, dropna=False, sort=False).agg(
        yes=("_y", "sum"), n=("_y", "size")
    )
    out["value"] = 100 * out["yes"] / out["n"]
    for level in v.normalise_confidence(confidence):
        low, high = wilson_interval(out["yes"], out["n"], level)
        lo, up = v.limit_columns(level)
        out[lo], out[up] = 100 * low, 100 * high
    return out.sort_values(keys, kind="stable").reset_index(drop=True)
