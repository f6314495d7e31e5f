"""The analyses of report sections 7-10, run by ``jsna compute`` and stored in the workspace.

For every area a report can be made for (:func:`reportable_areas`), :func:`run_analyses` runs
the inequality analysis (section 7), the projections (sections 8 and 9) and value for money
(section 10), and returns their named frames and scalar facts, which
:meth:`jsna.workspace.Workspace.replace_results` stores as ``analysis_<name>`` tables and
``analysis_facts`` (documented in ``docs/workspace-tables.md``). :func:`funnel_analysis` adds
the funnel plots of section 3 (``analysis_funnel``). The report only reads them.

The statistics themselves live in :mod:`jsna.indicators.methods`; this module chooses the rows
each analysis needs and calls them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from jsna.indicators.builtin import all_cause_deaths, cause_breakdown_deaths
from jsna.indicators.builtin_analysis import Tables, by_quantile
from jsna.indicators.context import rebin
from jsna.indicators.methods import z_for
from jsna.vocabulary.areas import area_type_of
from jsna.vocabulary.periods import latest_period

if TYPE_CHECKING:
    import pandas as pd

#: the three analyses, in report order
ANALYSES = ("inequality", "projection", "value_for_money", "allocation")

#: area types never reported on their own: the benchmark levels and small areas
NOT_REPORTED = frozenset(
    {"Country", "England", "Region", "LSOA", "MSOA", "Ward", "Output area", "OA"}
)

#: the jsna.toml values the analyses use (a change after compute makes them stale), in words
SETTINGS_WORDS = {
    "project.benchmark": "[project] benchmark",
    "analysis": "[analysis]",
    "projections": "[projections]",
    "scenarios": "[[scenarios]]",
    "roi": "[[roi]]",
    "phb": "[phb]",
    "ipc": "[ipc]",
    "allocation": "[allocation]",
    "comparators": "[comparators]",
}


def _latest_years(frame: pd.DataFrame, years: int) -> pd.DataFrame:
    y = frame["period"].astype(str).str[:4].astype(int)
    return frame[y.gt(int(y.max()) - years)]


def _life_expectancy_by_quantile(
    tables: Tables, area: str, n: int, pooled: dict[int, pd.DataFrame] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """(pooled deaths and population by local quantile, life expectancy at birth per quantile and sex)
    for ``area``, or None when the area's LSOAs do not fill all ``n`` quantiles.

    ``pooled`` keeps each ``n``'s pooling of every authority, so that many areas pool once."""
    from jsna.indicators import methods

    every = pooled.get(n) if pooled is not None else None
    if every is None:
        every = by_quantile(tables, n=n, within="lad_code")
        if pooled is not None:
            pooled[n] = every
    pooled_area = every[every["area_code"].eq(area)] if len(every) else every
    if not len(pooled_area) or pooled_area["quantile"].nunique() != n:
        return None
    keys = ["quantile", "sex"]
    area_rows = pooled_area[pooled_area.groupby(keys)["age_band"].transform("nunique").eq(20)]
    le = methods.life_expectancy(
        area_rows,
        deaths="deaths",
        population="population",
        age_band="age_band",
        by=keys,
        start_ages=[0],
        confidence=0.95,
    )
    return area_rows, le.merge(area_rows.groupby(keys, as_index=False)["population"].sum(), on=keys)


def inequality_analysis(
    tables: Tables,
    area: str,
    benchmark: str,
    *,
    seed: int | None = None,
    repetitions: int = 10_000,
    pooled: dict[int, pd.DataFrame] | None = None,
) -> dict[str, pd.DataFrame]:
    """Everything section 7 shows for ``area``: LE by local quintile, the gap between the most and least
    deprived fifths with its Arriaga decomposition by age, SII across local deciles, HEAT measures,
    and the gap to the benchmark decomposed by age and cause. Missing inputs give missing keys."""
    import pandas as pd

    from jsna.indicators.methods import decomposition as dec
    from jsna.indicators.methods import inequality as ineq

    out: dict[str, pd.DataFrame] = {}
    quintiles = _life_expectancy_by_quantile(tables, area, 5, pooled)
    if quintiles is not None:
        q5, le = quintiles
        out["le_by_quintile"] = le.assign(
            period=q5["period"].iloc[0], category_type=q5["category_type"].iloc[0]
        )
        out["gap"] = dec.life_expectancy_gap(
            q5,
            deaths="deaths",
            population="population",
            age_band="age_band",
            group="quantile",
            comparison=1,
            reference=5,
            by="sex",
        )
        out["gap_by_age"] = dec.life_expectancy_gap_decomposition(
            q5,
            deaths="deaths",
            population="population",
            age_band="age_band",
            group="quantile",
            comparison=1,
            reference=5,
            by="sex",
        )
        heat = []
        fine = le[le["value"].notna()].assign(se=(le["upper_ci_95"] - le["value"]) / z_for(0.95))
        fine = fine.assign(least_deprived=fine["quantile"].eq(5))
        for name in (
            "difference",
            "ratio",
            "par",
            "paf",
            "bgv",
            "bgsd",
            "cov",
            "mdr",
            "idis",
            "theil",
            "mld",
            "aci",
            "rci",
        ):
            fn = ineq.HEAT_MEASURES[name]
            kw: dict[str, object] = {"value": "value", "by": "sex", "se": "se"}
            if name not in {"difference", "ratio"}:
                kw["population"] = "population"
            if name in {"difference", "ratio", "par", "paf", "aci", "rci"}:
                kw["order"] = "quantile"
            if name == "mdr":  # each fifth against the least deprived, as the gap is
                if not fine.groupby("sex")["least_deprived"].sum().eq(1).all():
                    continue
                kw["reference"] = "least_deprived"
            if name not in {"difference", "ratio", "bgv"}:
                kw.update(repetitions=max(1000, repetitions // 10), seed=seed)
            heat.append(fn(fine, **kw))
        out["heat"] = pd.concat(heat, ignore_index=True)
    deciles = _life_expectancy_by_quantile(tables, area, 10, pooled)
    if deciles is not None:
        _, le10 = deciles
        out["le_by_decile"] = le10
        fine = le10[le10["value"].notna()]
        if len(fine):
            out["sii"] = ineq.slope_index_of_inequality(
                fine,
                value="value",
                population="population",
                quantile="quantile",
                by="sex",
                lower_ci="lower_ci_95",
                upper_ci="upper_ci_95",
                repetitions=max(1000, repetitions),
                seed=seed,
                intercept=True,
            )
    cause = _cause_gap(tables, area, benchmark)
    if cause is not None:
        out["benchmark_gap_by_cause"], out["benchmark_gap"] = cause
    return out


def _cause_gap(
    tables: Tables, area: str, benchmark: str
) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    from jsna.indicators.methods import decomposition as dec

    events = tables("events")
    events = events[
        events["area_code"].isin([area, benchmark]) & events["sex"].isin(["Male", "Female"])
    ]
    # by cause where both areas have a complete breakdown by cause, else all causes as one
    d = cause_breakdown_deaths(events)
    if set(d["area_code"]) != {area, benchmark}:
        d = all_cause_deaths(events)
    if d.empty or set(d["area_code"]) != {area, benchmark}:
        return None
    d = _latest_years(d, 3)
    pop = tables("population")
    pop = pop[
        pop["variant"].eq("estimate")
        & pop["area_code"].isin([area, benchmark])
        & pop["sex"].isin(["Male", "Female"])
    ]
    pop = pop[pop["period"].isin(d["period"].unique())]
    if pop.empty:
        return None
    label = f"{d['period'].min()}-{str(d['period'].max())[-2:]}"
    deaths = rebin(d, "life_table", keys=("area_code", "sex", "cause")).rename(
        columns={"count": "deaths"}
    )
    people = rebin(pop, "life_table", keys=("area_code", "sex")).rename(
        columns={"count": "population"}
    )
    grid = people.merge(deaths[["cause"]].drop_duplicates(), how="cross")
    data = grid.merge(deaths, on=["area_code", "sex", "age_band", "cause"], how="left").fillna(
        {"deaths": 0.0}
    )
    complete = data.groupby(["area_code", "sex"])["age_band"].transform("nunique").eq(20)
    data = data[complete]
    if data["area_code"].nunique() < 2:
        return None
    parts = dec.life_expectancy_gap_decomposition(
        data,
        deaths="deaths",
        population="population",
        age_band="age_band",
        group="area_code",
        comparison=area,
        reference=benchmark,
        by="sex",
        cause="cause",
    )
    totals = data.groupby(["area_code", "sex", "age_band"], as_index=False).agg(
        deaths=("deaths", "sum"), population=("population", "first")
    )
    gap = dec.life_expectancy_gap(
        totals,
        deaths="deaths",
        population="population",
        age_band="age_band",
        group="area_code",
        comparison=area,
        reference=benchmark,
        by="sex",
    )
    return parts.assign(period=label), gap.assign(period=label)


def area_rows(
    tables: Tables, name: str, area: str, shared: dict[Any, Any] | None = None
) -> pd.DataFrame:
    """The rows of table ``name`` whose ``area_code`` is ``area``, in table order. With ``shared``
    the table is sorted by area once and each area's rows are a slice of it."""
    import numpy as np

    frame = tables(name)
    if shared is None:
        return frame[frame["area_code"].eq(area)]
    key = ("by_area", name)
    if key not in shared:
        codes = frame["area_code"].fillna("").astype(str).to_numpy()
        order = np.argsort(codes, kind="stable")
        shared[key] = (frame.iloc[order], codes[order])
    ordered, codes = shared[key]
    lo, hi = np.searchsorted(codes, area, side="left"), np.searchsorted(codes, area, side="right")
    return ordered.iloc[int(lo) : int(hi)]


def _projection_base(est: pd.DataFrame, year: pd.Series, base_year: int) -> pd.DataFrame:
    """The estimates a trend projection starts from: the single years of age (with the open top
    band), or, for an area whose estimates are in bands (a census's 0-4 … 85+), the bands of the
    base year, which the projection holds constant with every band's count, the open top one
    included. ``year`` is each estimate's year."""
    single = est[est["age_to"].notna() & est["age_to"].eq(est["age_from"]) | est["age_to"].isna()]
    if single.empty or single["age_to"].notna().any():
        return single
    return est[year.eq(base_year)]


def _pyramid(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` summed into ESP bands by area and sex; an open top band that starts inside an
    ESP band (a census's 85+) is kept as its own band rather than left out."""
    import pandas as pd

    keys = ("area_code", "sex")
    binned = rebin(frame, "esp", keys=keys)
    if not binned.attrs.get("unbinnable"):
        return binned
    starts = frame["age_from"].astype("int64")
    open_top = frame[frame["age_to"].isna() & starts.eq(starts.max())]
    if open_top.empty or not rebin(open_top, "esp", keys=keys).attrs.get("unbinnable"):
        return binned
    top = pd.DataFrame(
        open_top.groupby([*keys, "age_band"], observed=True, as_index=False)["count"].sum()
    )
    parts = [binned, top.reindex(columns=binned.columns)]
    return pd.concat(parts, ignore_index=True)


def projection_analysis(
    tables: Tables,
    area: str,
    *,
    horizon: int = 10,
    year_type: str = "calendar",
    base_years: int = 3,
    principal: str | None = None,
    scenarios: Sequence[Any] = (),
    repetitions: int = 2_000,
    seed: int | None = None,
    shared: dict[Any, Any] | None = None,
) -> dict[str, Any]:
    """Sections 8 and 9 for ``area``: projected population, service use and outcomes with intervals.

    ``shared`` (one dict for all the areas of one run) keeps the tables indexed by area and the
    prevalence rates by condition with their references, which are the same for every area.
    """
    from jsna.indicators.methods import projections as pj

    if year_type not in ("calendar", "financial"):
        raise ValueError(f"year_type must be 'calendar' or 'financial', got {year_type!r}")
    kind: Literal["calendar", "financial"] = "financial" if year_type == "financial" else "calendar"
    out: dict[str, Any] = {}
    pop = area_rows(tables, "population", area, shared)
    sexed = pop["sex"].isin(["Male", "Female"])
    est = pop[pop["variant"].eq("estimate") & sexed]
    if est.empty:
        return out
    proj = pop[~pop["variant"].isin(["estimate", "all-ages total"]) & sexed]
    est_year = est["period"].astype(str).str[:4].astype(int)
    base_year = int(est_year.max())
    if len(proj):
        out["population_source"] = "supplied"
        proj = proj.assign(year=proj["period"].astype(str).str[:4].astype(int))
    else:
        proj = pj.project_population(_projection_base(est, est_year, base_year), horizon=horizon)
        out["population_source"] = "trend"
        out["population_method"] = str(proj["method"].iloc[0])
    scen = [
        s
        if isinstance(s, pj.Scenario)
        else pj.Scenario.from_mapping(s if isinstance(s, dict) else s.model_dump())
        for s in scenarios
    ]
    years = list(range(base_year + 1, base_year + horizon + 1))
    totals = proj.groupby(["variant", "year"], as_index=False)["count"].sum()
    out["population"] = totals[totals["year"].between(base_year, base_year + horizon)]
    out["pyramid_now"] = _pyramid(est[est_year.eq(base_year)])
    central = principal or next(
        (v for v in proj["variant"].unique() if "principal" in str(v).lower()),
        sorted(proj["variant"].unique())[0],
    )
    final = proj[
        proj["variant"].eq(central)
        & proj["year"].eq(min(base_year + horizon, int(proj["year"].max())))
    ]
    out["pyramid_then"] = _pyramid(final)
    out["pyramid_then_year"] = int(final["year"].iloc[0]) if len(final) else None
    # how service use and outcomes are projected: the same scenarios, draws and limits for both
    simulation: dict[str, Any] = {
        "year_type": kind,
        "scenarios": scen,
        "principal": principal,
        "repetitions": repetitions,
        "seed": seed,
        "confidence": (0.95, 0.998),
    }
    events = area_rows(tables, "events", area, shared)
    activity = events[
        ~events["measure"].str.lower().eq("deaths") & events["sex"].isin(["Male", "Female"])
    ]
    if len(activity):
        rates = pj.service_use_rates(activity, est, base_years=base_years)
        last = int(activity["period"].astype(str).str[:4].astype(int).max())
        use_years = list(range(last + 1, last + horizon + 1))
        out["service_use"] = pj.projected_cases(
            rates, proj, series="measure", years=use_years, **simulation
        )
        hist = activity.assign(year=activity["period"].astype(str).str[:4].astype(int))
        out["service_history"] = hist.groupby(["measure", "year"], as_index=False).agg(
            value=("count", "sum")
        )
        out["service_rates"] = rates
        # the year whose rates the projection uses, and the years whose counts set its interval
        out["service_rate_period"] = str(rates["rate_period"].iloc[0]) if len(rates) else str(last)
        out["service_base_period"] = str(rates["base_period"].iloc[0]) if len(rates) else str(last)
    prevalence = tables("prevalence")
    if len(prevalence):
        cached = shared if shared is not None else {}
        if "prevalence_rates" not in cached:
            cached["prevalence_rates"] = pj.prevalence_rates(prevalence)
        rates = cached["prevalence_rates"]
        if "prevalence_by_condition" not in cached:
            cached["prevalence_by_condition"] = [
                r for _, r in rates.groupby("condition", sort=True)
            ]
        # a population in coarser bands than the rates (a census's 85+) still projects; its
        # outcomes cannot, and the fact says why
        reason = next(
            (
                why
                for r in cached["prevalence_by_condition"]
                if (why := pj.straddling_band(proj, r)) is not None
            ),
            None,
        )
        if reason is not None:
            out["outcomes_not_projected"] = reason
        else:
            out["outcomes"] = pj.projected_cases(
                rates, proj, series="condition", years=[base_year, *years], **simulation
            )
            if "outcome_references" not in cached:
                references = prevalence.groupby("condition")["reference"].first()
                cached["outcome_references"] = references
            out["outcome_references"] = cached["outcome_references"]
    out["base_year"] = base_year
    out["central_variant"] = central
    out["variants"] = sorted(proj["variant"].unique())
    return out


def value_for_money_analysis(
    tables: Tables,
    area: str,
    area_name: str,
    *,
    roi: Sequence[Any] = (),
    phb: Any = None,
    cohorts: Sequence[Any] = (),
    repetitions: int = 10_000,
    seed: int | None = None,
    shared: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Section 10 for ``area``: spend and outcome against comparators, ROI, personal health budgets,
    and the integrated personal commissioning cohorts of ``cohorts`` (``[[ipc.cohorts]]``).

    Only ``phb_icb`` (the area's ICB in the uptake returns) depends on the area; the rest is the
    same for every area, so ``shared`` (one dict for all the areas of one run) keeps it.
    """
    common = shared.get("value_for_money") if shared is not None else None
    if common is None:
        common = _value_for_money_common(
            tables, roi=roi, phb=phb, repetitions=repetitions, seed=seed
        )
        if shared is not None:
            shared["value_for_money"] = common
    out = dict(common)
    out.update(integrated_budgets_analysis(tables, area, cohorts=cohorts, shared=shared))
    uptake = tables("phb_uptake")
    if len(uptake):
        mine = uptake[
            uptake["sub_icb_name"].fillna("").str.contains(area_name, regex=False)
            | uptake["sub_icb_code"].eq(area)
        ]
        out["phb_icb"] = str(mine["icb_code"].iloc[0]) if len(mine) else None
    return out


def _value_for_money_common(
    tables: Tables, *, roi: Sequence[Any], phb: Any, repetitions: int, seed: int | None
) -> dict[str, Any]:
    """The area-independent part of :func:`value_for_money_analysis`."""
    import pandas as pd

    from jsna.indicators.methods import inequality as ineq
    from jsna.indicators.methods import personal_budgets as phbm
    from jsna.indicators.methods import value_for_money as vfm

    out: dict[str, Any] = {}
    spend = tables("spend")
    if len(spend):
        latest = spend[spend["period"].eq(str(latest_period(spend["period"].unique())))]
        out["spend"] = vfm.spend_outcome_quadrants(
            latest, spend="spend", by=["programme", "period"]
        )
    specs = [r if isinstance(r, dict) else r.model_dump() for r in roi]
    if specs:
        out["roi"] = vfm.return_on_investment(specs, repetitions=repetitions, seed=seed)
        out["tornado"] = vfm.roi_tornado(specs[0])
    uptake = tables("phb_uptake")
    if len(uptake):
        pop = tables("population")
        totals = pop[pop["variant"].eq("all-ages total")]
        totals = totals.sort_values("period").drop_duplicates("area_code", keep="last")
        names = (
            uptake.dropna(subset=["icb_code"])
            .drop_duplicates("icb_code")
            .set_index("icb_code")["icb_name"]
        )
        if len(totals):
            rates = phbm.uptake_rate(
                uptake, totals.rename(columns={"count": "population"}), area="icb_code"
            )
            rates["area_name"] = rates["icb_code"].map(names)
            out["phb_rates"] = rates
            latest_q = str(latest_period(rates["period"].unique()))
            cur = rates[
                rates["period"].eq(latest_q)
                & rates["phb_type"].eq("All types")
                & rates["value"].notna()
            ]
            cur = cur.assign(se=(cur["upper_ci_95"] - cur["lower_ci_95"]) / (2 * z_for(0.95)))
            if len(cur) >= 2:
                rows = [
                    ineq.difference(cur, value="value", se="se"),
                    ineq.ratio(cur, value="value", se="se"),
                    ineq.index_of_disparity(
                        cur,
                        value="value",
                        se="se",
                        population="population",
                        weighted=False,
                        repetitions=2000,
                        seed=seed,
                    ),
                    ineq.between_group_variance(
                        cur, value="value", se="se", population="population"
                    ),
                    ineq.between_group_standard_deviation(
                        cur,
                        value="value",
                        se="se",
                        population="population",
                        repetitions=2000,
                        seed=seed,
                    ),
                    ineq.coefficient_of_variation(
                        cur,
                        value="value",
                        se="se",
                        population="population",
                        repetitions=2000,
                        seed=seed,
                    ),
                ]
                out["phb_heat"] = pd.concat(rows, ignore_index=True).assign(period=latest_q)
    budgets = tables("phb_budgets")
    if len(budgets):
        out["phb_budgets"] = phbm.budget_distribution(budgets)
        out["phb_costs"] = phbm.cost_against_conventional(budgets)
        out["phb_outcomes"] = phbm.outcome_change(budgets, by="phb_type")
        out["phb_outcomes_all"] = phbm.outcome_change(budgets)
        allrow = out["phb_costs"][out["phb_costs"]["phb_type"].eq("All types")]
        ratio = None
        if len(allrow) and allrow["mean_annual_budget"].iloc[0] > 0:
            r = allrow.iloc[0]
            mb = r["mean_annual_budget"]
            # conventional cost per £1 of budget: 1 - (budget - conventional) / budget, with the paired limits
            ratio = (
                r["mean_conventional_cost"] / mb,
                1 - r["upper_ci_95"] / mb,
                1 - r["lower_ci_95"] / mb,
            )
        if phb is not None and getattr(phb, "eligible", None):
            out["phb_scenarios"] = phbm.uptake_scenarios(
                eligible=phb.eligible,
                uptake_from=phb.uptake_from,
                uptake_to=phb.uptake_to,
                budget_sizes=phb.budget_sizes,
                cost_ratio=ratio,
            )
    if len(uptake) or len(budgets):
        out["phb_evidence"] = phbm.phb_evidence()
    out.update(_client_group_outcomes(budgets))
    return out


def _client_group_outcomes(budgets: pd.DataFrame) -> dict[str, Any]:
    """Budget holders' outcomes by client group: yes/no answers (Wilson limits) and outcome
    scores before and after (paired), for the people whose client group is recorded."""
    from jsna.indicators.methods import personal_budgets as phbm

    if not len(budgets) or "client_group" not in budgets.columns:
        return {}
    grouped = budgets[budgets["client_group"].notna()]
    if not len(grouped):
        return {}
    out: dict[str, Any] = {}
    answers = grouped[
        [c for c in ("client_group", "satisfied", "in_control") if c in grouped.columns]
    ]
    shares = phbm.outcome_proportions(answers, by="client_group")
    if len(shares):
        out["phb_client_answers"] = shares
    change = phbm.outcome_change(grouped, by="client_group")
    if len(change):
        out["phb_client_outcomes"] = change
    return out


#: the loaded indicators whose counts size a cohort of a condition before its prevalence rates,
#: in order of preference (``[[ipc.cohorts]] counts`` overrides): Fingertips' QOF registers
#: (200 learning disability, 90581 mental health: schizophrenia, bipolar affective disorder and
#: other psychoses) and the pupils with an EHC plan (``ehc-plan`` of DfE's "Special educational
#: needs in England" as downloaded, ``pupils-with-an-ehc-plan`` of a tidy indicator file).
#: Frailty has no count: no register counts the older people with moderate or severe frailty
#: (the dementia register, 247, holds only part of them), so that cohort is prevalence ×
#: population unless ``counts`` names one
IPC_DEFAULT_COUNTS: dict[str, tuple[str, ...]] = {
    "learning disability": ("200",),
    "severe mental illness": ("90581",),
    "complex needs": ("ehc-plan", "pupils-with-an-ehc-plan"),
}

#: the ``interval`` of a cohort sized from a count (the report reads it as such)
IPC_COUNTED = "count (no sampling error)"

#: the levels a count comes from, in order of preference
_COUNT_LEVELS = ("area", "practice", "small area")


def ipc_count_ids(spec: dict[str, Any]) -> tuple[str, ...]:
    """The indicator ids whose counts size the cohort ``spec`` (a ``[[ipc.cohorts]]`` entry)."""
    if spec.get("counts") is not None:
        return tuple(str(i) for i in spec["counts"])
    return IPC_DEFAULT_COUNTS.get(str(spec["condition"]).strip().lower(), ())


def _count_rows(values: pd.DataFrame, ids: Iterable[str]) -> pd.DataFrame:
    """Persons rows of ``values`` (``indicator_values``) of the indicators ``ids`` with a count,
    the count taken from ``value`` where the row is itself a count (a census table)."""
    import pandas as pd

    wanted = {str(i) for i in ids}
    if not len(values) or not wanted:
        return values.iloc[0:0]
    rows = values[
        values["indicator_id"].astype(str).isin(wanted)
        & values["sex"].fillna("Persons").eq("Persons")
    ]
    is_count = rows["unit"].fillna("").str.strip().str.lower().eq("count")
    value = pd.to_numeric(rows["value"], errors="coerce").where(is_count)
    return rows.assign(count=pd.to_numeric(rows["count"], errors="coerce").fillna(value))


def _count_words(name: str, level: str) -> str:
    low = name.lower()
    if level == "practice" or "qof" in low or "register" in low:
        return "register count"
    if "ehc" in low or "special educational" in low:
        return "SEN count"
    if level == "small area" or "census" in low or "disab" in low:
        return "census count"
    return "count"


def _lsoa_authorities(tables: Tables) -> pd.DataFrame:
    """``unit_code`` (LSOA) -> ``area_code`` (authority): the deprivation table and the LSOA ->
    LAD lookups, else through the output areas of an OA -> LSOA -> LAD lookup."""
    import pandas as pd

    from jsna.indicators.builtin_analysis import lsoa_parents

    direct = lsoa_parents(tables)
    lk = tables("lookups")
    oa = lk[lk["child_type"].eq("Output area")] if len(lk) else lk
    if len(oa):
        lsoa = oa[oa["parent_type"].eq("LSOA")][["child_code", "parent_code"]]
        lad = oa[oa["parent_type"].isin(_LA_PARENTS)][["child_code", "parent_code"]]
        chained = lsoa.merge(lad, on="child_code", suffixes=("_lsoa", "_lad"))
        chained = chained.rename(
            columns={"parent_code_lsoa": "lsoa_code", "parent_code_lad": "lad_code"}
        )[["lsoa_code", "lad_code"]]
        direct = pd.concat(
            [direct, chained[~chained["lsoa_code"].isin(direct["lsoa_code"])]], ignore_index=True
        ).drop_duplicates("lsoa_code")
    return direct.rename(columns={"lsoa_code": "unit_code", "lad_code": "area_code"})


def ipc_counted_cohorts(
    tables: Tables, cohorts: Sequence[Any], practices: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Every area's cohorts sized from counts: one row per area and cohort with figures.

    For each cohort, its count indicators (:func:`ipc_count_ids`) in order; for each indicator
    the area's own rows (an LA's register or EHC plan count), else the sum over the GP
    practices attached to the area (``practices``: ``practice_code``, ``area_code``,
    ``list_size``), else the sum over the area's LSOAs (census counts; LSOA -> LA from the
    deprivation table or the lookups). The latest period of each indicator and level is used.
    Columns: ``area_code``, ``cohort``, ``people``, ``period``, ``indicator_id``, ``source``,
    ``coverage``, ``coverage_share``.
    """
    import math

    import pandas as pd

    from jsna.indicators.methods import personal_budgets as phbm
    from jsna.vocabulary.areas import PCN_PATTERN, PRACTICE_PATTERN

    specs = [c if isinstance(c, dict) else c.model_dump() for c in cohorts]
    ids = {i for spec in specs for i in ipc_count_ids(spec)}
    values = _count_rows(tables("indicator_values"), ids)
    columns = ["area_code", "cohort", "people", "period", "indicator_id", "source", "coverage"]
    if not len(values):
        return pd.DataFrame(columns=[*columns, "coverage_share"])
    # a PCN's row (U and five digits, the shape of a practice code) is neither a practice's
    # nor an area's own figure: it is never summed with the practices
    values = values[~values["area_code"].astype(str).str.fullmatch(PCN_PATTERN.pattern)]
    code = values["area_code"].astype(str)
    level = pd.Series("area", index=values.index)
    level[code.str.fullmatch(PRACTICE_PATTERN.pattern)] = "practice"
    level[code.str[:3].isin(("E01", "W01"))] = "small area"
    values = values.assign(_level=level)
    members = {
        "practice": (
            practices.rename(
                columns={
                    "practice_code": "unit_code",
                    "list_size": "size",
                    "share_in_area": "weight",
                }
            )
            if practices is not None and len(practices)
            else None
        ),
        "small area": _lsoa_authorities(tables),
    }
    found = []
    for spec in specs:
        category = spec.get("count_category")
        for order, indicator in enumerate(ipc_count_ids(spec)):
            rows = values[values["indicator_id"].astype(str).eq(indicator)]
            if category:
                rows = rows[
                    rows["category"].fillna("").str.lower().str.startswith(category.lower())
                ]
            else:
                rows = rows[rows["category_type"].isna()]
            for lvl, part in rows.groupby("_level", sort=False):
                part = part[part["period_sortable"].eq(part["period_sortable"].max())]
                period = str(part["period"].iloc[0])
                name = (
                    str(part["indicator_name"].dropna().iloc[0])
                    if part["indicator_name"].notna().any()
                    else indicator
                )
                words = f"{_count_words(name, str(lvl))}: {name}, {period}"
                if lvl == "area":
                    own = part.groupby("area_code")["count"].sum(min_count=1).dropna()
                    sums = pd.DataFrame(
                        {
                            "area_code": own.index,
                            "people": own.to_numpy(),
                            "coverage": "the area's own figure",
                            "coverage_share": 1.0,
                        }
                    )
                else:
                    who = members[str(lvl)]
                    if who is None or not len(who):
                        continue
                    # a census table's categories (limited a lot, a little) add up per LSOA
                    per_unit = part.groupby("area_code")["count"].sum(min_count=1)
                    sums = phbm.counts_by_area(
                        pd.DataFrame({"unit_code": per_unit.index, "count": per_unit.to_numpy()}),
                        who,
                    )
                    unit = "GP practices" if lvl == "practice" else "LSOAs"
                    sums["coverage_share"] = sums["coverage"]
                    sums["coverage"] = [
                        f"{n} of {u} {unit}"
                        + (
                            f"; {sc:,.0f} of {sz:,.0f} registered patients"
                            if lvl == "practice" and math.isfinite(float(sz))
                            else ""
                        )
                        for n, u, sc, sz in zip(
                            sums["units_counted"].tolist(),
                            sums["units"].tolist(),
                            sums["size_counted"].tolist(),
                            sums["size"].tolist(),
                            strict=True,
                        )
                    ]
                    words += (
                        " (summed over the GP practices attached to the area, each weighted by "
                        "the share of its patients living there where patients by LSOA are "
                        "loaded: registered patients, not residents)"
                        if lvl == "practice"
                        else " (summed over the area's LSOAs)"
                    )
                found.append(
                    sums.assign(
                        cohort=spec["name"],
                        period=period,
                        indicator_id=indicator,
                        source=words,
                        _order=order,
                        _level=_COUNT_LEVELS.index(str(lvl)),
                    )
                )
    if not found:
        return pd.DataFrame(columns=[*columns, "coverage_share"])
    out = pd.concat(found, ignore_index=True).sort_values(
        ["area_code", "_order", "_level"], kind="stable"
    )
    out = out.drop_duplicates(["area_code", "cohort"])
    return out[[*columns, "coverage_share"]].reset_index(drop=True)


def integrated_budgets_analysis(
    tables: Tables,
    area: str,
    *,
    cohorts: Sequence[Any],
    shared: dict[Any, Any] | None = None,
    practices: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """The integrated personal commissioning cohorts of ``area``: each cohort's size from counts
    where loaded (:func:`ipc_counted_cohorts`: QOF registers, census and SEN counts), else from
    the loaded prevalence rates of its condition × the area's latest population estimate, with
    limits, and the combined budget envelope where ``cohorts`` give an average budget.

    ``practices`` (or ``shared["practices"]``) are the GP practices attached to each area;
    ``shared`` keeps every area's counted cohorts and each cohort's prevalence rates, worked out
    once, and the population indexed by area.

    Gives ``ipc_cohorts`` (one row per configured cohort, sized or not, with ``source``,
    ``interval`` and ``coverage``) and the fact ``ipc_unsized`` (the cohorts no loaded data
    could size)."""
    import numpy as np
    import pandas as pd

    from jsna.indicators.methods import personal_budgets as phbm

    specs = [c if isinstance(c, dict) else c.model_dump() for c in cohorts]
    if not specs:
        return {}
    pop = area_rows(tables, "population", area, shared)
    shared = {} if shared is None else shared
    if "ipc_counts" not in shared:
        attached = practices if practices is not None else shared.get("practices")
        shared["ipc_counts"] = ipc_counted_cohorts(tables, specs, attached)
    if "ipc_counts_by_area" not in shared:
        every = shared["ipc_counts"]
        shared["ipc_counts_by_area"] = every.groupby("area_code", sort=False).indices
    mine = shared["ipc_counts_by_area"].get(area)
    counted: Any = (
        shared["ipc_counts"].iloc[mine].set_index("cohort") if mine is not None else pd.DataFrame()
    )
    if "ipc_rates" not in shared:
        shared["ipc_rates"] = _ipc_rates(tables("prevalence"), specs)
    pop = pop[
        pop["variant"].eq("estimate")
        & pop["sex"].isin(["Male", "Female"])
        & pop["age_from"].notna()
    ]
    period = str(latest_period(pop["period"].unique())) if len(pop) else None
    if period is not None:
        pop = pop[pop["period"].eq(period)]
    rows, rates, counts = [], [], []
    for spec, (found, words) in zip(specs, shared["ipc_rates"], strict=True):
        row = {"cohort": spec["name"], "condition": spec["condition"], "period": period}
        if spec["name"] in counted.index:
            c = counted.loc[spec["name"]]
            row.update(
                period=c["period"],
                source=c["source"],
                interval=IPC_COUNTED,
                coverage=c["coverage"],
                coverage_share=c["coverage_share"],
            )
            counts.append({"cohort": spec["name"], "people": float(c["people"]), "se": 0.0})
            row["average_budget"] = spec.get("average_budget")
            row["budget_source"] = spec.get("budget_source")
            rows.append(row)
            continue
        if not len(found) or not len(pop):
            row["source"] = (
                f"not sized: no counts or prevalence rates for '{spec['condition']}' loaded"
                + ("" if spec.get("min_age") is None else f" at ages {spec['min_age']}+")
                if len(pop)
                else "not sized: no counts, and no population estimate for the area"
            )
        else:
            row["source"] = words
            row["coverage"] = "residents of the area"
            rates.append(found)
        row["average_budget"] = spec.get("average_budget")
        row["budget_source"] = spec.get("budget_source")
        rows.append(row)
    table = pd.DataFrame(rows)
    for col in ("interval", "coverage", "coverage_share"):
        if col not in table.columns:
            table[col] = None
    sized = []
    if rates:
        estimated = phbm.cohort_sizes(pd.concat(rates, ignore_index=True), pop)
        table = table.merge(
            estimated[["cohort", "note"]].rename(columns={"note": "_note"}), on="cohort", how="left"
        )
        table["interval"] = table["interval"].fillna(
            table["_note"].where(table["_note"].fillna("").ne(""))
        )
        table = table.drop(columns="_note")
        sized.append(estimated.drop(columns="note"))
    if counts:
        sized.append(pd.DataFrame(counts).assign(lower_ci_95=np.nan, upper_ci_95=np.nan))
    if sized:
        sizes = pd.concat(sized, ignore_index=True)
        budgets = table[["cohort", "average_budget"]].dropna()
        envelope = phbm.budget_envelope(sizes, budgets.astype({"average_budget": "float64"}))
        envelope = envelope.rename(
            columns={"lower_ci_95": "envelope_lower_ci_95", "upper_ci_95": "envelope_upper_ci_95"}
        )
        table = table.merge(sizes, on="cohort", how="left").merge(
            envelope.drop(columns=["people", "average_budget"]), on="cohort", how="left"
        )
        total = envelope[envelope["cohort"].eq("All cohorts")]
        if len(total):  # the sum, after the cohorts in their configured order
            total = total.assign(source="sum of the cohorts with an average budget", period=period)
            table = pd.concat([table, total], ignore_index=True)
    out: dict[str, Any] = {"ipc_cohorts": table}
    out["ipc_unsized"] = [
        str(cohort)
        for cohort, source in zip(table["cohort"], table["source"], strict=True)
        if str(source).startswith("not sized")
    ]
    return out


def _ipc_rates(
    prevalence: pd.DataFrame, specs: Sequence[dict[str, Any]]
) -> list[tuple[pd.DataFrame, str]]:
    """For each cohort of ``specs`` (``[[ipc.cohorts]]`` entries), the loaded prevalence rates of
    its condition at its ages, with the cohort's name in ``cohort``, and the words of a source
    sized from them: the same for every area."""
    import pandas as pd

    by_condition = (
        prevalence.assign(_c=prevalence["condition"].str.strip().str.lower())
        if len(prevalence)
        else None
    )
    out = []
    for spec in specs:
        found = (
            by_condition[by_condition["_c"].eq(spec["condition"].strip().lower())]
            if by_condition is not None
            else pd.DataFrame()
        )
        if len(found):
            lo = spec.get("min_age")
            hi = spec.get("max_age")
            top = found["age_to"].fillna(10_000)
            keep = found["age_from"].ge(lo if lo is not None else 0) & top.le(
                hi if hi is not None else 10_000
            )
            found = found[keep]
        if not len(found):
            out.append((found, ""))
            continue
        refs = sorted({str(r) for r in found["reference"].dropna().unique()})
        words = "prevalence rates × population" + (f" ({'; '.join(refs)})" if refs else "")
        out.append((found.assign(cohort=spec["name"]), words))
    return out


# -- which areas, with which settings ------------------------------------------------------------
def reportable_areas(
    results: pd.DataFrame,
    population_codes: Iterable[str],
    names: dict[str, str],
    benchmark: str,
) -> list[tuple[str, str]]:
    """``(code, name)`` of every area a report can be made for, sorted by code.

    The areas with results (else with population), leaving out the benchmark, benchmark levels
    (country, region), small areas (LSOA, MSOA, ward, output area) and GP practices (and PCNs),
    which appear inside the reports of the areas that hold them (a practice profile is made with
    ``jsna report --area CODE``, never by ``--all-areas``).
    """
    from jsna.vocabulary.areas import PRACTICE_PATTERN

    if len(results):
        pairs = results[["area_code", "area_type"]].drop_duplicates()
        rows = [(str(c), str(t)) for c, t in pairs.itertuples(index=False)]
    else:
        rows = [(str(c), area_type_of(str(c))) for c in set(population_codes)]
    codes = sorted(
        {
            c
            for c, t in rows
            if t not in NOT_REPORTED
            and area_type_of(c) not in NOT_REPORTED
            and c != benchmark
            and not PRACTICE_PATTERN.fullmatch(c)
        }
    )
    return [(c, names.get(c, c)) for c in codes]


def analysis_settings(config: Any) -> dict[str, Any]:
    """The jsna.toml values the analyses use, keyed as :data:`SETTINGS_WORDS` (JSON-ready)."""
    dumped = config.model_dump(mode="json")
    return {
        "project.benchmark": config.project.benchmark,
        "analysis": dumped["analysis"],
        "projections": dumped["projections"],
        "scenarios": dumped["scenarios"],
        "roi": dumped["roi"],
        "phb": dumped["phb"],
        "ipc": dumped["ipc"],
        "allocation": dumped["allocation"],
        "comparators": dumped["comparators"],
    }


def changed_settings(stored: dict[str, Any], config: Any) -> list[str]:
    """In words (``[projections]``), the settings whose value in ``config`` differs from
    ``stored`` (what compute used, :meth:`jsna.workspace.Workspace.analysis_settings`)."""
    current = analysis_settings(config)
    return [
        words
        for key, words in SETTINGS_WORDS.items()
        if json.dumps(stored.get(key), sort_keys=True)
        != json.dumps(current.get(key), sort_keys=True)
    ]


# -- running and collecting -----------------------------------------------------------------------
@dataclass
class StoredAnalyses:
    """Every area's analyses as the workspace stores them.

    ``frames``: table name (``analysis_<name>``) -> one frame with a leading ``report_area`` column;
    ``facts``: ``report_area``, ``analysis``, ``key``, ``value`` (JSON text), where the key
    ``frames`` lists the frames the analysis gave for the area (an empty frame is listed too);
    ``settings``: :func:`analysis_settings` as JSON text, by setting.
    """

    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    facts: pd.DataFrame | None = None
    settings: dict[str, str] = field(default_factory=dict)
    areas: list[str] = field(default_factory=list)
    seconds: float = 0.0
    #: ``(area, analysis, reason)`` of every analysis that raised
    failed: list[tuple[str, str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "areas": len(self.areas),
            "tables": {k: len(v) for k, v in sorted(self.frames.items())},
            "failed": [{"area": a, "analysis": n, "reason": r} for a, n, r in self.failed],
            "seconds": round(self.seconds, 2),
        }


def _json_value(value: Any) -> str:
    """A fact as JSON: numpy scalars unwrapped, a Series as an object, NaN as null."""
    import math

    import pandas as pd

    if isinstance(value, pd.Series):
        value = {str(k): v for k, v in value.items()}
    if isinstance(value, dict):
        return json.dumps({str(k): json.loads(_json_value(v)) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return json.dumps([json.loads(_json_value(v)) for v in value])
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        value = None
    return json.dumps(value)


ANALYSIS_TITLES = {
    "inequality": "Inequality analyses (section 7)",
    "projection": "Projections of population, service use and outcomes (sections 8 and 9)",
    "value_for_money": "Value for money and personal health budgets (section 10)",
    "allocation": "Resource allocation and equity (section 10)",
}


def area_analyses(
    tables: Tables,
    area: str,
    area_name: str,
    config: Any,
    shared: dict[Any, Any] | None = None,
) -> dict[str, Callable[[], dict[str, Any]]]:
    """The three analyses for one area with the project's settings, each ready to call:
    analysis -> a function returning its named results.

    ``shared`` (one dict for all the areas of one run) keeps what every area's analyses share.
    """
    shared = {} if shared is None else shared
    p = config.projections
    have = _areas_with_inputs(tables, shared)
    pooled = shared.setdefault("pooled", {})
    for n in (5, 10):  # pooled once from the whole tables, before any area's analysis
        if n not in pooled:
            pooled[n] = by_quantile(tables, n=n, within="lad_code")
    if "pooled" not in have:
        have["pooled"] = {str(c) for n in (5, 10) for c in pooled[n]["area_code"].unique()}
    # the same early exits the analyses take, decided once: an area without inputs costs nothing
    inequality_inputs = area in have["pooled"] or area in have["events"]
    projection_inputs = area in have["estimates"]
    return {
        "inequality": lambda: (
            inequality_analysis(
                tables,
                area,
                config.project.benchmark,
                seed=config.analysis.seed,
                repetitions=config.analysis.repetitions,
                pooled=pooled,
            )
            if inequality_inputs
            else {}
        ),
        "projection": lambda: (
            projection_analysis(
                tables,
                area,
                horizon=p.horizon,
                year_type=p.year_type,
                base_years=p.base_years,
                principal=p.principal,
                scenarios=config.scenarios,
                repetitions=p.repetitions,
                seed=config.analysis.seed,
                shared=shared,
            )
            if projection_inputs
            else {}
        ),
        "value_for_money": lambda: value_for_money_analysis(
            tables,
            area,
            area_name,
            roi=config.roi,
            phb=config.phb,
            cohorts=config.ipc.cohorts,
            repetitions=config.analysis.repetitions,
            seed=config.analysis.seed,
            shared=shared,
        ),
        "allocation": lambda: allocation_analysis(
            tables, area, config.allocation, shared, seed=config.analysis.seed
        ),
    }


def _areas_with_inputs(tables: Tables, shared: dict[Any, Any]) -> dict[str, set[str]]:
    """Area codes with population estimates by sex (what a projection starts from) and with
    deaths or activity by sex (what a gap to the benchmark is made of), found once per run."""
    if "have" not in shared:
        pop = tables("population")
        est = pop[pop["variant"].eq("estimate") & pop["sex"].isin(["Male", "Female"])]
        events = tables("events")
        shared["have"] = {
            "estimates": {str(c) for c in est["area_code"].unique()},
            "events": {
                str(c)
                for c in events.loc[events["sex"].isin(["Male", "Female"]), "area_code"].unique()
            },
        }
    have: dict[str, set[str]] = shared["have"]
    return have


@dataclass
class AreaAnalyses:
    """One area's analyses, as rows to store: frames by name, facts, and what failed."""

    area: str
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    facts: list[tuple[str, str, str, str]] = field(default_factory=list)
    #: ``(analysis, reason)`` of each analysis that raised
    failed: list[tuple[str, str]] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


def analyse_area(
    tables: Tables, area: str, area_name: str, config: Any, shared: dict[Any, Any]
) -> AreaAnalyses:
    """Run the three analyses for one area. An analysis that raises is recorded (the fact
    ``failed`` with its reason) and the others still run: one area's or one analysis's failure
    must not stop compute for every other area."""
    import time

    import pandas as pd

    out = AreaAnalyses(area)
    for analysis, run in area_analyses(tables, area, area_name, config, shared).items():
        start = time.perf_counter()
        try:
            found = run()
        except Exception as exc:  # recorded and shown in the section; the other analyses go on
            reason = f"{type(exc).__name__}: {exc}" if not isinstance(exc, ValueError) else str(exc)
            out.failed.append((analysis, reason))
            out.facts.append((area, analysis, "failed", json.dumps(reason)))
            found = {}
        listed = []
        for key, value in found.items():
            if isinstance(value, pd.DataFrame):
                listed.append(key)
                frame = value.reset_index(drop=True)
                if "report_area" in frame.columns:
                    frame = frame.drop(columns="report_area")
                frame["report_area"] = area
                out.frames[key] = frame
            else:
                out.facts.append((area, analysis, key, _json_value(value)))
        out.facts.append((area, analysis, "frames", json.dumps(listed)))
        out.seconds[analysis] = time.perf_counter() - start
    return out


#: the workspace tables the analyses read
ANALYSIS_INPUTS = (
    "population",
    "events",
    "deprivation",
    "lookups",
    "prevalence",
    "spend",
    "phb_uptake",
    "phb_budgets",
    "assessments",
    "indicator_values",
)

#: below this many areas with inputs the analyses run in-process (a process pool costs seconds
#: to start)
POOL_FROM = 12

_WORKER: dict[str, Any] = {}


def run_analyses(
    tables: Tables,
    areas: Sequence[tuple[str, str]],
    config: Any,
    *,
    progress: Callable[[str], None] | None = None,
    workers: int = 1,
    pool_from: int | None = None,
    practices: pd.DataFrame | None = None,
) -> StoredAnalyses:
    """Run the analyses of sections 7-10 for every ``(code, name)`` in ``areas``, ready to store.

    ``practices`` are the GP practices attached to each authority
    (:func:`jsna.indicators.practices.attached_practices`), whose registers size the integrated
    personal commissioning cohorts.

    Areas without inputs for an analysis skip it at once. When ``pool_from`` (default
    :data:`POOL_FROM`) or more areas have inputs and ``workers`` > 1, those areas run on a
    process pool fed with the tables already
    read (and what every area shares, computed once here); each area's simulations use the
    configured seed, so the stored figures do not depend on the pool.
    """
    import time

    start = time.perf_counter()
    shared: dict[Any, Any] = {} if practices is None else {"practices": practices}
    done: dict[str, AreaAnalyses] = {}
    busy: list[tuple[str, str]] = []
    for code, name in areas:
        if not busy or not _has_inputs(tables, code, config, shared):
            if progress and (not busy or code == config.project.area):
                progress(f"analyses {code} {name}")
            done[code] = analyse_area(tables, code, name, config, shared)
            if not busy and _has_inputs(tables, code, config, shared):
                busy.append((code, name))  # the first computes what all areas share
        else:
            busy.append((code, name))
    rest = busy[1:]
    if workers > 1 and len(rest) >= (POOL_FROM if pool_from is None else pool_from):
        for one in _pooled(tables, rest, config, shared, workers, progress):
            done[one.area] = one
    else:
        for code, name in rest:
            if progress:
                progress(f"analyses {code} {name}")
            done[code] = analyse_area(tables, code, name, config, shared)
    stored = collect_analyses([done[code] for code, _ in areas], config)
    stored.seconds = time.perf_counter() - start
    return stored


def _has_inputs(tables: Tables, area: str, config: Any, shared: dict[Any, Any]) -> bool:
    """Whether any analysis of ``area`` has inputs beyond what every area shares."""
    have = _areas_with_inputs(tables, shared)
    return area in have["estimates"] or area in have["events"] or area in have.get("pooled", ())


def _pooled(
    tables: Tables,
    areas: Sequence[tuple[str, str]],
    config: Any,
    shared: dict[Any, Any],
    workers: int,
    progress: Callable[[str], None] | None,
) -> list[AreaAnalyses]:
    """``areas`` analysed on ``workers`` processes, in the order given."""
    import multiprocessing
    import os
    from concurrent.futures import ProcessPoolExecutor

    data = _rows_for(tables, [code for code, _ in areas], config.project.benchmark)
    # every area's counted cohorts are in ``shared``: a worker needs only the count rows
    data["indicator_values"] = _count_rows(
        data["indicator_values"],
        {i for c in config.ipc.cohorts for i in ipc_count_ids(c.model_dump())},
    )
    n = max(1, min(workers, len(areas)))
    with ProcessPoolExecutor(
        n,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_init_worker,
        initargs=(data, config, _portable(shared), os.getpid()),
    ) as pool:
        codes = [c for c, _ in areas]
        names = [name for _, name in areas]
        out = []
        for one in pool.map(_worker_area, codes, names, chunksize=max(1, len(areas) // (n * 4))):
            if progress:
                progress(f"analyses {one.area}")
            out.append(one)
    return out


#: the tables whose rows an area's analyses read only for the area and the benchmark (the
#: others are read whole, or were pooled once into what every area shares)
BY_AREA = ("population", "events")


def _rows_for(tables: Tables, codes: Sequence[str], benchmark: str) -> dict[str, pd.DataFrame]:
    """The analysis inputs a pool worker needs for ``codes``: of :data:`BY_AREA` only the rows
    of those areas and the benchmark, the rest whole (a worker is sent no more than it reads)."""
    wanted = {*codes, benchmark}
    data = {}
    for name in ANALYSIS_INPUTS:
        frame = tables(name)
        if name in BY_AREA:
            frame = frame[frame["area_code"].isin(wanted)]
        data[name] = frame
    return data


def _portable(shared: dict[Any, Any]) -> dict[Any, Any]:
    """What every area shares, without the whole tables indexed by area (:func:`area_rows`),
    which a worker rebuilds from the rows it is sent."""
    return {k: v for k, v in shared.items() if not (isinstance(k, tuple) and k[0] == "by_area")}


def _init_worker(
    data: dict[str, pd.DataFrame], config: Any, shared: dict[Any, Any], parent: int
) -> None:
    import os

    from jsna.processes import die_with_parent

    die_with_parent(parent)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    _WORKER.update(tables=data, config=config, shared=shared)


def _worker_area(code: str, name: str) -> AreaAnalyses:
    data: dict[str, pd.DataFrame] = _WORKER["tables"]
    return analyse_area(data.__getitem__, code, name, _WORKER["config"], _WORKER["shared"])


def collect_analyses(done: Sequence[AreaAnalyses], config: Any) -> StoredAnalyses:
    """Every area's analyses joined into the tables compute stores (areas in the order given)."""
    import pandas as pd

    frames: dict[str, list[pd.DataFrame]] = {}
    for one in done:
        for key, frame in one.frames.items():
            frames.setdefault(key, []).append(frame)
    stored = StoredAnalyses(areas=[one.area for one in done])
    for key, parts in sorted(frames.items()):
        joined = pd.concat(parts, ignore_index=True)
        stored.frames[f"analysis_{key}"] = _storable(
            joined[["report_area", *[c for c in joined.columns if c != "report_area"]]]
        )
    stored.facts = pd.DataFrame(
        [fact for one in done for fact in one.facts],
        columns=["report_area", "analysis", "key", "value"],
    )
    stored.failed = [(one.area, a, reason) for one in done for a, reason in one.failed]
    stored.settings = {
        k: json.dumps(v, sort_keys=True) for k, v in analysis_settings(config).items()
    }
    return stored


def _storable(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns DuckDB can store: an object column holding values of more than one type becomes
    text (missing values stay missing); categorical columns become their values."""
    import pandas as pd

    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if isinstance(series.dtype, pd.CategoricalDtype):
            series = series.astype(object)
            out[column] = series
        if series.dtype == object:
            kinds = {type(v) for v in series.dropna()}
            if len(kinds) > 1:
                out[column] = series.map(lambda v: v if v is None or v != v else str(v))
    return out


# -- section 3: funnel plots --------------------------------------------------------------------------
#: indicators (rates per 100,000) whose funnel plot section 3 shows: compute stores each one's
#: points and limits for every reported area in ``analysis_funnel``
FUNNEL_INDICATORS = ("mortality-all-causes-crude-rate",)
#: fewest areas (the report area and its comparators with a count) a funnel is drawn for
FUNNEL_MIN_AREAS = 5
#: points along the population axis, which runs from this share of the smallest population in
#: the funnel to this share of the largest
FUNNEL_GRID = 80
FUNNEL_SPAN = (0.8, 1.15)
FUNNEL_MULTIPLIER = 100_000
#: the columns of ``analysis_funnel`` (docs/workspace-tables.md)
FUNNEL_COLUMNS = (
    "report_area",
    "indicator_id",
    "indicator_name",
    "period",
    "age",
    "unit",
    "method",
    "row_type",
    "area_code",
    "area_name",
    "count",
    "denominator",
    "value",
    "target",
    "lower_ci_95",
    "upper_ci_95",
    "lower_ci_99_8",
    "upper_ci_99_8",
)


def funnel_analysis(
    results: pd.DataFrame,
    areas: Sequence[tuple[str, str]],
    config: Any,
    tables: Tables,
    names: dict[str, str],
) -> pd.DataFrame:
    """The funnel plots of section 3 for every ``(code, name)`` in ``areas``: ``analysis_funnel``.

    For each :data:`FUNNEL_INDICATORS` indicator and area: the persons, all-categories rows of the
    area's latest period and age, the area and its comparators
    (:func:`jsna.indicators.comparators.comparator_set`) with a count and a population. With
    :data:`FUNNEL_MIN_AREAS` or more, one ``point`` row per area (its rate and the limits at its
    population) and :data:`FUNNEL_GRID` ``limit`` rows along the population axis, exact Poisson
    95% and 99.8% limits around the pooled rate of the areas (the ``target``); else no rows.
    """
    import pandas as pd

    from jsna.indicators.comparators import comparator_set, regions
    from jsna.indicators.finish import shown

    shown_rows = results[shown(results).to_numpy()] if len(results) else results
    series = {
        indicator_id: shown_rows[
            shown_rows["indicator_id"].eq(indicator_id)
            & shown_rows["sex"].eq("Persons")
            & shown_rows["category_type"].isna()
        ]
        for indicator_id in FUNNEL_INDICATORS
    }
    series = {k: v for k, v in series.items() if len(v)}
    pieces = []
    if series:
        candidates = set(shown_rows["area_code"].dropna())
        region_map = regions(tables)
        for code, _ in areas:
            peers = comparator_set(
                config, tables, code, names, candidates, region_map=region_map
            ).codes
            for rows in series.values():
                piece = _area_funnel(rows, code, peers)
                if piece is not None:
                    pieces.append(piece.assign(report_area=code))
    if not pieces:
        return pd.DataFrame(columns=list(FUNNEL_COLUMNS))
    return pd.concat(pieces, ignore_index=True)[list(FUNNEL_COLUMNS)]


def _area_funnel(rows: pd.DataFrame, area: str, comparators: list[str]) -> pd.DataFrame | None:
    """One indicator's funnel for ``area`` (``rows``: the indicator's persons, all-categories
    results), or None when fewer than :data:`FUNNEL_MIN_AREAS` areas have a count."""
    import numpy as np
    import pandas as pd

    from jsna.indicators.methods import funnel_limits

    mine = rows[rows["area_code"].eq(area)]
    if mine.empty:
        return None
    keys = ["indicator_id", "area_code", "sex", "age", "category_type", "category"]
    filled = mine.assign(**{k: mine[k].fillna("") for k in keys})
    latest = mine[
        filled["period_sortable"].eq(filled.groupby(keys)["period_sortable"].transform("max"))
    ]
    if latest.empty:
        return None
    r = latest.iloc[0]
    same = rows[rows["period"].eq(r["period"]) & rows["age"].eq(r["age"])]
    data = same[same["area_code"].isin({area, *comparators})]
    data = data[data["count"].notna() & data["denominator"].gt(0)].reset_index(drop=True)
    if len(data) < FUNNEL_MIN_AREAS:
        return None
    target = float(data["count"].sum() / data["denominator"].sum())

    def limits(frame: pd.DataFrame) -> pd.DataFrame:
        return funnel_limits(
            frame,
            numerator="count",
            denominator="denominator",
            statistic="rate",
            target=target,
            multiplier=FUNNEL_MULTIPLIER,
        )

    points = limits(data[["area_code", "area_name", "count", "denominator"]])
    low = float(data["denominator"].min()) * FUNNEL_SPAN[0]
    high = float(data["denominator"].max()) * FUNNEL_SPAN[1]
    grid = pd.DataFrame({"count": 0.0, "denominator": np.geomspace(low, high, FUNNEL_GRID)})
    lines = limits(grid).assign(count=np.nan, value=np.nan)
    about = {
        k: r.get(k) for k in ("indicator_id", "indicator_name", "period", "age", "unit", "method")
    }
    return pd.concat(
        [points.assign(row_type="point"), lines.assign(row_type="limit")], ignore_index=True
    ).assign(**about)


# -- the compute step (jsna compute, jsna run, jsna demo) ---------------------------------------------
def analysis_areas(
    results: pd.DataFrame, population_codes: Iterable[str], names: dict[str, str], config: Any
) -> list[tuple[str, str]]:
    """The project area (when set) and every :func:`reportable_areas` area: the
    areas compute stores analyses for."""
    listed = reportable_areas(results, population_codes, names, config.project.benchmark)
    own = config.project.area
    if own and own not in dict(listed):
        listed = sorted([*listed, (own, names.get(own, own))])
    return listed


def compute_project(config: Any, *, progress: Callable[[str], None] | None = None) -> Any:
    """Run every enabled indicator into the results table and every analysis of sections 7-10
    into the ``analysis_*`` tables, replacing both in one transaction; returns the
    :class:`jsna.indicators.registry.ComputeResult` of the indicators."""
    import os

    from jsna.errors import UsageError
    from jsna.indicators.context import ComputeContext
    from jsna.indicators.practice_indicators import practice_list_indicators
    from jsna.indicators.practices import attached_practices, practice_analysis
    from jsna.indicators.registry import (
        IndicatorRegistry,
        IndicatorRun,
        run_indicators,
        unknown_indicator_settings,
    )
    from jsna.indicators.small_areas import small_area_table
    from jsna.workspace import Workspace

    registry = IndicatorRegistry.from_entry_points()
    unknown = unknown_indicator_settings(config.indicators, registry.indicators)
    if unknown:
        raise UsageError("; ".join(message for _, message in unknown))
    with Workspace.open(config.workspace_path) as ws:
        ctx = ComputeContext(
            ws, benchmark_code=config.project.benchmark, config=config.model_dump()
        )
        results, outcome = run_indicators(
            ctx, registry, tuple(config.indicators.disabled), progress=progress
        )
        areas = analysis_areas(
            results, ctx.table_view("population")["area_code"].unique(), ctx.area_names(), config
        )
        stored = run_analyses(
            ctx.table_view,
            areas,
            config,
            progress=progress,
            workers=config.report.workers or os.cpu_count() or 1,
            practices=attached_practices(ctx),
        )
        stored.frames["analysis_funnel"] = _storable(
            funnel_analysis(results, areas, config, ctx.table_view, ctx.area_names())
        )
        stored.frames["analysis_practices"] = _storable(practice_analysis(ctx, areas))
        stored.frames["analysis_practice_indicators"] = _storable(
            practice_list_indicators(ctx, areas)
        )

        stored.frames["analysis_small_areas"] = _storable(
            small_area_table(results, areas, ctx.table_view("lookups"), config.project.benchmark)
        )
        ws.replace_results(results, stored)
    # the project area's report would miss a section: a failure of the run, like an indicator's
    outcome.runs += [
        IndicatorRun(
            id=f"analysis-{analysis}",
            status="failed",
            seconds=0.0,
            reason=f"{area}: {reason}",
            title=ANALYSIS_TITLES[analysis],
            report_reason="not computed: it could not be calculated from the inputs loaded; the "
            "compute log (jsna compute, or run.json) gives the details",
        )
        for area, analysis, reason in stored.failed
        if area == config.project.area
    ]
    return outcome


# -- section 10: resource allocation -----------------------------------------------------------------
#: the age bands of the allocation equity table
ALLOCATION_AGE_BANDS = ((0, 17, "0-17"), (18, 64, "18-64"), (65, 74, "65-74"), (75, 84, "75-84"))
#: words for the equity dimensions (the ``dimension`` column of ``analysis_allocation_equity``)
ALLOCATION_DIMENSIONS = {
    "area": "Area",
    "client_group": "Client group",
    "age_band": "Age band",
    "sex": "Sex",
    "deprivation_decile": "Deprivation decile (1 = most deprived)",
}
#: the local authority types a person's area rolls up to
_LA_PARENTS = (
    "Local authority district",
    "Lower-tier local authority",
    "County or unitary authority",
    "Upper-tier local authority",
)


def _age_band(age: pd.Series) -> pd.Series:
    import numpy as np

    out = np.full(len(age), "85+", dtype=object)
    for low, high, label in reversed(ALLOCATION_AGE_BANDS):
        out[(age >= low).to_numpy() & (age <= high).to_numpy()] = label
    out[age.isna().to_numpy()] = None
    return age.__class__(out, index=age.index)


def allocation_people(tables: Tables) -> pd.DataFrame:
    """One row per person assessed: their latest assessment, with their agreed budget (from the
    local budgets file, missing when they have none), the LSOA, ward, MSOA and local authority
    their area lies in, and their LSOA's deprivation rank and decile. Empty without
    assessments."""

    from jsna.indicators.builtin_analysis import lsoa_parents

    assessed = tables("assessments")
    if not len(assessed):
        return assessed
    latest = (
        assessed.sort_values(["person_id", "assessment_date"], kind="stable")
        .drop_duplicates("person_id", keep="last")
        .drop(columns=["source_id"], errors="ignore")
        .reset_index(drop=True)
    )
    budgets = tables("phb_budgets")
    if len(budgets):
        per_person = (
            budgets.sort_values(["person_id", "start_date"], kind="stable")
            .drop_duplicates("person_id", keep="last")[["person_id", "annual_budget"]]
            .rename(columns={"annual_budget": "budget"})
        )
        latest = latest.merge(per_person, on="person_id", how="left")
    else:
        latest["budget"] = float("nan")
    types = latest["area_code"].map(lambda c: area_type_of(str(c)))
    latest["lsoa_code"] = latest["area_code"].where(types.eq("LSOA"))
    lk = tables("lookups")
    names: dict[str, str] = {}
    for level in ("Ward", "MSOA"):
        col = f"{level.lower()}_code"
        latest[col] = latest["area_code"].where(types.eq(level))
        if len(lk):
            links = lk[lk["child_type"].eq("LSOA") & lk["parent_type"].eq(level)]
            up = links.drop_duplicates("child_code").set_index("child_code")["parent_code"]
            latest[col] = latest[col].fillna(latest["lsoa_code"].map(up))
    if len(lk):
        names = dict(zip(lk["child_code"], lk["child_name"], strict=False)) | dict(
            zip(lk["parent_code"], lk["parent_name"], strict=False)
        )
    parents = lsoa_parents(tables).set_index("lsoa_code")["lad_code"]
    la = latest["area_code"].where(~types.isin(["LSOA", "Ward", "MSOA"]))
    la = la.fillna(latest["lsoa_code"].map(parents))
    for level in ("ward_code", "msoa_code"):  # a ward or MSOA: the authority of its LSOAs
        if len(lk):
            kids = lk[lk["parent_type"].isin(["Ward", "MSOA"]) & lk["child_type"].eq("LSOA")]
            placed = kids.assign(lad=kids["child_code"].map(parents)).dropna(subset=["lad"])
            of = placed.drop_duplicates("parent_code").set_index("parent_code")["lad"]
            la = la.fillna(latest[level].map(of))
    if len(lk):
        up_la = lk[lk["parent_type"].isin(_LA_PARENTS)].drop_duplicates("child_code")
        la = la.fillna(latest["area_code"].map(up_la.set_index("child_code")["parent_code"]))
    latest["la_code"] = la
    dep = tables("deprivation")
    if len(dep):
        dep = dep.sort_values("vintage").drop_duplicates("lsoa_code", keep="last")
        dep = dep.set_index("lsoa_code")
        latest["deprivation_rank"] = latest["lsoa_code"].map(dep["imd_rank"])
        latest["deprivation_decile"] = latest["lsoa_code"].map(dep["imd_decile"])
    else:
        latest["deprivation_rank"] = latest["deprivation_decile"] = float("nan")
    latest["age_band"] = _age_band(latest["age"].astype("float64"))
    areas = tables("areas")
    if len(areas):
        names = dict(zip(areas["area_code"], areas["area_name"], strict=False)) | names
    latest["area_name"] = latest["area_code"].map(names)
    for level in ("ward", "msoa", "la"):
        latest[f"{level}_name"] = latest[f"{level}_code"].map(names)
    latest["lsoa_name"] = latest["lsoa_code"].map(names)
    return latest


def allocation_analysis(
    tables: Tables,
    area: str,
    settings: Any,
    shared: dict[Any, Any] | None = None,
    *,
    seed: int | None = None,
) -> dict[str, Any]:
    """Section 10's resource allocation for ``area``: the price per point, the calibration of
    agreed budgets to points, indicative against agreed budgets, and the equity of £ per point
    across areas and groups. Only the people whose assessed area lies in ``area`` count; nothing
    when none does, or none has a budget."""
    import numpy as np
    import pandas as pd

    from jsna.indicators.methods import allocation as alm
    from jsna.indicators.methods import inequality as ineq

    shared = {} if shared is None else shared
    if "allocation_people" not in shared:
        shared["allocation_people"] = allocation_people(tables)
    everyone = shared["allocation_people"]
    if not len(everyone):
        return {}
    mine = everyone[everyone["la_code"].eq(area) | everyone["area_code"].eq(area)]
    assessed = len(mine)
    people = mine[mine["budget"].notna()].reset_index(drop=True)
    if len(people) < 3 or not people["points"].sum() > 0:
        return {}
    out: dict[str, Any] = {
        "allocation_assessed": assessed,
        "allocation_with_budget": len(people),
        "allocation_area_level": settings.area_level,
    }
    price = alm.price_per_point(
        people, points="points", budget="budget", envelope=settings.envelope_gbp
    )
    out["allocation_price"] = price
    ppp = float(price["price_per_point"].iloc[0])
    calibration = alm.calibrate_allocation(people, points="points", budget="budget").assign(
        client_group="All"
    )
    if settings.calibrate_by_client_group:
        calibration = pd.concat(
            [
                calibration,
                alm.calibrate_allocation(
                    people, points="points", budget="budget", by="client_group"
                ),
            ],
            ignore_index=True,
        )
    out["allocation_calibration"] = calibration[
        ["client_group", *[c for c in calibration.columns if c != "client_group"]]
    ]
    rows = alm.indicative_budgets(
        people, points="points", budget="budget", price_per_point=ppp, tolerance=settings.tolerance
    )
    out["allocation_people"] = rows[
        [
            "person_id",
            "area_code",
            "client_group",
            "age_band",
            "sex",
            "points",
            "budget",
            "indicative",
            "difference",
            "ratio",
            "within_tolerance",
            "far_from_indicative",
        ]
    ]
    summary = alm.indicative_summary(rows, budget="budget").assign(client_group="All")
    indicative = pd.concat(
        [summary, alm.indicative_summary(rows, budget="budget", by="client_group")],
        ignore_index=True,
    )
    out["allocation_indicative"] = indicative[
        ["client_group", *[c for c in indicative.columns if c != "client_group"]]
    ]
    # the calibration chart: people in ten bands of points, their mean points and budgets
    band = pd.qcut(people["points"].rank(method="first"), min(10, len(people)), labels=False)
    bins = (
        rows.assign(band=band.to_numpy() + 1)
        .groupby("band", as_index=False)
        .agg(
            people=("points", "size"),
            mean_points=("points", "mean"),
            mean_budget=("budget", "mean"),
            sd_budget=("budget", "std"),
            mean_indicative=("indicative", "mean"),
        )
    )
    out["allocation_bins"] = bins
    level_col = {"LSOA": "lsoa_code", "Ward": "ward_code", "MSOA": "msoa_code", "LA": "la_code"}[
        settings.area_level
    ]
    equity = []
    for dim in settings.group_by:
        column = level_col if dim == "area" else dim
        known = people[people[column].notna()]
        if known[column].nunique() < 2:
            continue
        grouped = alm.allocation_per_point(
            known.assign(_group=known[column].astype(str)),
            points="points",
            budget="budget",
            by="_group",
        )
        grouped = grouped.rename(columns={"_group": "group_code"})
        if dim == "area":
            named = known.drop_duplicates(column).set_index(column)[
                column.replace("_code", "_name")
            ]
            grouped["group"] = grouped["group_code"].map(named).fillna(grouped["group_code"])
        else:
            grouped["group"] = grouped["group_code"]
        if dim in ("deprivation_decile",):
            grouped["group_code"] = grouped["group_code"].astype(float).astype(int).astype(str)
            grouped["group"] = grouped["group_code"]
            grouped = grouped.sort_values(
                "group_code", key=lambda c: c.astype(int), kind="stable"
            ).reset_index(drop=True)
        grouped.insert(0, "dimension", ALLOCATION_DIMENSIONS[dim])
        equity.append(grouped)
        if dim == "area":
            out["allocation_area_cv"] = alm.coefficient_of_variation_between(grouped)
            top = float(grouped["people"].max())
            out["allocation_funnel"] = alm.funnel_limits_per_point(
                known,
                points="points",
                budget="budget",
                people=np.linspace(
                    max(1.0, float(grouped["people"].min()) * 0.8), top * 1.15, 60
                ).tolist(),
            )
    if equity:
        joined = pd.concat(equity, ignore_index=True)
        first = [
            "dimension",
            "group",
            "people",
            "value",
            "lower_ci_95",
            "upper_ci_95",
            "compared_to_whole",
            "compared_to_whole_99_8",
            "ratio_to_rest",
        ]
        out["allocation_equity"] = joined[first + [c for c in joined if c not in first]]
    measures = [
        {
            "measure": "Price per point",
            "value": ppp,
            "lower_ci_95": np.nan,
            "upper_ci_95": np.nan,
            "note": f"envelope / total points ({price['envelope_source'].iloc[0]})",
        }
    ]
    if "allocation_area_cv" in out:
        measures.append(
            {
                "measure": f"Coefficient of variation of £ per point between areas ({settings.area_level})",
                "value": out["allocation_area_cv"],
                "lower_ci_95": np.nan,
                "upper_ci_95": np.nan,
                "note": "standard deviation over mean of the areas' £ per point, weighted by points",
            }
        )
    ranked = rows.assign(deprivation_rank=people["deprivation_rank"])
    ranked = ranked[ranked["deprivation_rank"].notna()]
    if len(ranked) >= 10:
        for label, column in (
            ("Concentration index of budgets by deprivation", None),
            ("Concentration index of need (indicative budgets) by deprivation", "indicative"),
        ):
            ci = alm.concentration_index(
                ranked, value=column or "budget", rank_by="deprivation_rank"
            ).iloc[0]
            measures.append(
                {
                    "measure": label,
                    "value": ci["value"],
                    "lower_ci_95": ci["lower_ci_95"],
                    "upper_ci_95": ci["upper_ci_95"],
                    "note": "people ranked from most to least deprived; above 0 = more among the "
                    "less deprived",
                }
            )
        hi = alm.horizontal_inequity(
            ranked, budget="budget", need="indicative", rank_by="deprivation_rank"
        ).iloc[0]
        measures.append(
            {
                "measure": "Horizontal inequity by deprivation",
                "value": hi["value"],
                "lower_ci_95": hi["lower_ci_95"],
                "upper_ci_95": hi["upper_ci_95"],
                "note": "budgets' index less need's; 0 = same need, same money at every level "
                "of deprivation; above 0 = the less deprived get more than their need predicts",
            }
        )
    deciles = out.get("allocation_equity")
    if deciles is not None:
        dec = deciles[deciles["dimension"].eq(ALLOCATION_DIMENSIONS["deprivation_decile"])]
        if len(dec) >= 3:
            dec = dec.assign(
                quantile=dec["group_code"].astype(int),
                se=(dec["upper_ci_95"] - dec["lower_ci_95"]) / (2 * z_for(0.95)),
            )
            dec = dec[dec["se"].notna()]
            if len(dec) >= 3:
                sii = ineq.slope_index_of_inequality(
                    dec,
                    value="value",
                    population="total_points",
                    quantile="quantile",
                    se="se",
                    rii=False,
                    repetitions=10_000,
                    seed=seed,
                ).iloc[0]
                measures.append(
                    {
                        "measure": "Slope index of inequality in £ per point across deprivation deciles",
                        "value": sii["sii"],
                        "lower_ci_95": sii["sii_lower_ci_95"],
                        "upper_ci_95": sii["sii_upper_ci_95"],
                        "note": "£ per point from the most to the least deprived; above 0 = the "
                        "less deprived get more per point",
                    }
                )
    out["allocation_measures"] = pd.DataFrame(measures)
    return out
