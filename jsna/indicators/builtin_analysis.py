"""Built-in indicators for sections 7-10 (inequalities), registered through the ``jsna.indicators``
entry point like any plugin. Small-area (LSOA) deaths and population are grouped by deprivation
quantile or ward within each local authority; results carry the authority's code and the
breakdown in ``category_type``/``category``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

from jsna.indicators.builtin import all_cause_deaths, cause_breakdown_deaths
from jsna.indicators.context import ComputeContext, rebin
from jsna.indicators.spec import Indicator, MissingInput
from jsna.vocabulary.periods import latest_period

if TYPE_CHECKING:
    import pandas as pd

SMALL_AREA_PREFIXES = ("E01", "W01")
KEYS = ["area_code", "period", "sex"]
Tables = Callable[[str], "pd.DataFrame"]


# -- small-area preparation (shared with the report) ----------------------------------------------
def lsoa_parents(tables: Tables) -> pd.DataFrame:
    """``lsoa_code`` -> ``lad_code`` from the deprivation table, else the LSOA -> LAD lookup."""
    import pandas as pd

    dep = tables("deprivation")
    parents = (
        dep[["lsoa_code", "lad_code"]].dropna()
        if len(dep)
        else pd.DataFrame(columns=["lsoa_code", "lad_code"])
    )
    lk = tables("lookups")
    if len(lk):
        lad = lk[
            lk["child_type"].eq("LSOA")
            & lk["parent_type"].isin(
                [
                    "Local authority district",
                    "Lower-tier local authority",
                    "County or unitary authority",
                    "Upper-tier local authority",
                ]
            )
        ]
        extra = lad.rename(columns={"child_code": "lsoa_code", "parent_code": "lad_code"})[
            ["lsoa_code", "lad_code"]
        ]
        parents = pd.concat(
            [parents, extra[~extra["lsoa_code"].isin(parents["lsoa_code"])]], ignore_index=True
        )
    return parents.drop_duplicates("lsoa_code")


def small_area_deaths_population(
    tables: Tables, bands: str = "life_table", years: int = 5
) -> pd.DataFrame:
    """LSOA deaths pooled over the latest ``years`` years with matching person-years; one row per LSOA, sex, band.

    Person-years are the sum of each year's population; a year without an LSOA estimate takes
    the nearest year's (documented in the indicators' method). Returns ``lsoa_code``,
    ``period`` ("2020-24"), ``sex``, ``age_band``, ``deaths``, ``population``.
    """
    import numpy as np
    import pandas as pd

    deaths = all_cause_deaths(tables("events"))
    deaths = deaths[
        deaths["area_code"].str[:3].isin(SMALL_AREA_PREFIXES)
        & deaths["sex"].isin(["Male", "Female"])
    ]
    pop = tables("population")
    pop = pop[
        pop["variant"].eq("estimate")
        & pop["area_code"].str[:3].isin(SMALL_AREA_PREFIXES)
        & pop["sex"].isin(["Male", "Female"])
    ]
    if deaths.empty or pop.empty:
        return pd.DataFrame(
            columns=["lsoa_code", "period", "sex", "age_band", "deaths", "population"]
        )
    deaths = deaths.assign(_y=deaths["period"].astype(str).str[:4].astype(int))
    last = int(deaths["_y"].max())
    deaths = deaths[deaths["_y"].gt(last - years)]
    first = int(deaths["_y"].min())
    label = f"{first}-{str(last)[-2:]}" if first != last else str(last)
    d = rebin(deaths, bands, keys=("area_code", "sex")).rename(columns={"count": "deaths"})
    pop = pop.assign(_y=pop["period"].astype(str).str[:4].astype(int))
    have = np.sort(pop["_y"].unique())
    nearest = {y: int(have[np.argmin(np.abs(have - y))]) for y in range(first, last + 1)}
    weights = pd.Series(list(nearest.values())).value_counts()
    pop = pop[pop["_y"].isin(weights.index)]
    p = rebin(pop, bands, keys=("area_code", "sex", "_y"))
    p["count"] = p["count"] * p["_y"].map(weights)
    p = (
        p.groupby(["area_code", "sex", "age_band"], as_index=False)["count"]
        .sum()
        .rename(columns={"count": "population"})
    )
    out = p.merge(d, on=["area_code", "sex", "age_band"], how="left").fillna({"deaths": 0.0})
    return out.rename(columns={"area_code": "lsoa_code"}).assign(period=label)


def by_quantile(
    tables: Tables, *, n: int, within: str | None, bands: str = "life_table"
) -> pd.DataFrame:
    """Pooled small-area deaths and population summed to deprivation quantiles within each authority.

    Returns ``area_code`` (the authority), ``quantile``, ``category_type``, ``period``, ``sex``,
    ``age_band``, ``deaths``, ``population``.
    """
    from jsna.indicators.methods.inequality import deprivation_quantiles

    small = small_area_deaths_population(tables, bands)
    dep = tables("deprivation")
    if small.empty or dep.empty:
        return small.assign(area_code=[], quantile=[], category_type=[])
    parents = lsoa_parents(tables)
    dep = dep.drop(columns=["lad_code"]).merge(parents, on="lsoa_code", how="inner")
    dep = dep[dep["lsoa_code"].isin(small["lsoa_code"])]
    q = deprivation_quantiles(dep, n=n, within="lad_code" if within else None)
    q = q.merge(parents, on="lsoa_code")
    data = small.merge(q, on="lsoa_code", how="inner").rename(columns={"lad_code": "area_code"})
    keys = ["area_code", "quantile", "category_type", "period", "sex", "age_band"]
    return data.groupby(keys, as_index=False)[["deaths", "population"]].sum()


SMALL_AREA_DEATHS = (
    "deaths from all causes by LSOA, sex and age band, with population estimates by LSOA "
    "(jsna ingest deaths FILE and jsna ingest population FILE with LSOA codes)"
)


def _small_area_inputs(
    ctx: ComputeContext, *, deprivation: bool = False, wards: bool = False
) -> None:
    """:class:`MissingInput` naming, in words, the small-area inputs that are not loaded."""
    tables = ctx.table_view
    missing = []
    pop = tables("population")
    deaths = all_cause_deaths(tables("events"))
    if not (
        deaths["area_code"].str[:3].isin(SMALL_AREA_PREFIXES).any()
        and pop["area_code"].str[:3].isin(SMALL_AREA_PREFIXES).any()
    ):
        missing.append(SMALL_AREA_DEATHS)
    if deprivation and tables("deprivation").empty:
        missing.append("deprivation by LSOA (jsna ingest deprivation FILE: IoD File 1)")
    if wards:
        lk = tables("lookups")
        if lk.empty or not (lk["child_type"].eq("LSOA") & lk["parent_type"].eq("Ward")).any():
            missing.append("an LSOA to ward lookup (jsna ingest lookup FILE)")
    if missing:
        raise MissingInput("; ".join(missing))


def _label(frame: pd.DataFrame, n: int) -> pd.DataFrame:
    from jsna.indicators.methods.inequality import quantile_label

    return frame.assign(category=frame["quantile"].map(lambda q: quantile_label(int(q), n)))


# -- indicators --------------------------------------------------------------------------------------
def _le_by_quantile(ctx: ComputeContext, n: int) -> pd.DataFrame:
    from jsna.indicators import methods

    _small_area_inputs(ctx, deprivation=True)
    data = by_quantile(ctx.table_view, n=n, within="lad_code")
    if data.empty:
        return data.assign(value=[])
    keys = ["area_code", "quantile", "category_type", "period", "sex"]
    complete = data.groupby(keys)["age_band"].transform("nunique").eq(20)
    data = data[complete]
    out = methods.life_expectancy(
        data, deaths="deaths", population="population", age_band="age_band", by=keys, start_ages=[0]
    )
    out = _label(out, n).drop(columns=["age_band", "start_age", "quantile"])
    return out.rename(columns={"note": "value_note"}).assign(age="All ages")


def life_expectancy_by_deprivation_quintile(ctx: ComputeContext) -> pd.DataFrame:
    return _le_by_quantile(ctx, 5)


def mortality_dsr_by_deprivation_decile(ctx: ComputeContext) -> pd.DataFrame:
    import pandas as pd

    from jsna.indicators import methods

    _small_area_inputs(ctx, deprivation=True)
    data = by_quantile(ctx.table_view, n=10, within=None, bands="esp")
    if data.empty:
        return data.assign(value=[])
    keys = ["area_code", "quantile", "category_type", "period", "sex"]
    persons = data.groupby([k for k in keys if k != "sex"] + ["age_band"], as_index=False)[
        ["deaths", "population"]
    ].sum()
    data = pd.concat([data, persons.assign(sex="Persons")], ignore_index=True)
    out = methods.directly_standardised_rate(
        data, count="deaths", population="population", age_band="age_band", by=keys
    )
    return _label(out, 10).drop(columns=["quantile"]).rename(columns={"note": "value_note"})


def sii_life_expectancy(ctx: ComputeContext) -> pd.DataFrame:
    from jsna.indicators.methods.inequality import slope_index_of_inequality

    le = _le_by_quantile(ctx, 10)
    le = le[le["value"].notna()]
    if le.empty:
        return le
    data = le.assign(quantile=le["category"].str.extract(r"^(\d+)")[0].astype(int))
    pops = (
        by_quantile(ctx.table_view, n=10, within="lad_code")
        .groupby(["area_code", "quantile", "sex"], as_index=False)["population"]
        .sum()
    )
    data = data.merge(pops, on=["area_code", "quantile", "sex"])
    analysis = ctx.config.get("analysis") or {}
    out = slope_index_of_inequality(
        data,
        value="value",
        population="population",
        quantile="quantile",
        by=["area_code", "period", "sex"],
        lower_ci="lower_ci_95",
        upper_ci="upper_ci_95",
        confidence=(0.95, 0.998),
        repetitions=int(analysis.get("repetitions", 10_000)),
        seed=analysis.get("seed"),
        rii=False,
    )
    out = out[out["quantiles"].eq(10)]
    return (
        out.rename(
            columns={
                "sii": "value",
                "sii_lower_ci_95": "lower_ci_95",
                "sii_upper_ci_95": "upper_ci_95",
                "sii_lower_ci_99_8": "lower_ci_99_8",
                "sii_upper_ci_99_8": "upper_ci_99_8",
                "note": "value_note",
            }
        )
        .drop(columns=["quantiles", "method"])
        .assign(age="All ages")
    )


def mortality_dsr_by_ward(ctx: ComputeContext) -> pd.DataFrame:
    import pandas as pd

    from jsna.indicators import methods

    _small_area_inputs(ctx, wards=True)
    small = small_area_deaths_population(ctx.table_view, "esp")
    lk = ctx.table_view("lookups")
    wards = lk[lk["child_type"].eq("LSOA") & lk["parent_type"].eq("Ward")][
        ["child_code", "parent_code", "parent_name"]
    ]
    wards = wards.drop_duplicates("child_code").rename(columns={"child_code": "lsoa_code"})
    data = small.merge(wards, on="lsoa_code", how="inner").merge(
        lsoa_parents(ctx.table_view), on="lsoa_code"
    )
    if data.empty:
        raise MissingInput(
            "a ward lookup for the LSOAs whose deaths are loaded: the LSOA to ward lookup and the "
            "small-area deaths share no LSOA codes (check both use the same LSOA vintage)"
        )
    data = data.rename(columns={"lad_code": "area_code"})
    vintage = lk.loc[lk["parent_type"].eq("Ward"), "vintage"].dropna()
    data["category_type"] = f"Ward ({vintage.iloc[0]})" if len(vintage) else "Ward"
    data["category"] = data["parent_name"].fillna(data["parent_code"])
    keys = ["area_code", "category_type", "category", "period"]
    persons = (
        data.groupby([*keys, "age_band"], as_index=False)[["deaths", "population"]]
        .sum()
        .assign(sex="Persons")
    )
    out = methods.directly_standardised_rate(
        persons, count="deaths", population="population", age_band="age_band", by=[*keys, "sex"]
    )
    return pd.DataFrame(out).rename(columns={"note": "value_note"})


_POOLED = "LSOA deaths pooled over up to 5 years; person-years from LSOA estimates (nearest year where one is missing)"

INDICATORS = [
    Indicator(
        id="life-expectancy-by-deprivation-quintile",
        title="Life expectancy at birth by deprivation quintile",
        section="inequalities",
        polarity="high_is_good",
        unit="years",
        compute=life_expectancy_by_deprivation_quintile,
        requires=("population", "events", "deprivation"),
        needs=partial(_small_area_inputs, deprivation=True),
        benchmark="none",
        method=f"Chiang II life table by local IMD quintile (LSOAs ranked within the area); {_POOLED}",
        definition="Life expectancy at birth in each fifth of the area's neighbourhoods ranked by deprivation.",
    ),
    Indicator(
        id="mortality-dsr-by-deprivation-decile",
        title="Deaths from all causes by national deprivation decile",
        section="inequalities",
        polarity="low_is_good",
        unit="per 100,000",
        multiplier=100_000,
        compute=mortality_dsr_by_deprivation_decile,
        requires=("population", "events", "deprivation"),
        needs=partial(_small_area_inputs, deprivation=True),
        benchmark="none",
        method=f"Directly standardised rate (ESP2013), Dobson limits, by national IMD decile; {_POOLED}",
        definition="Age-standardised death rate of residents of the area's LSOAs in each national deprivation decile.",
    ),
    Indicator(
        id="sii-life-expectancy",
        title="Slope index of inequality in life expectancy at birth",
        section="inequalities",
        polarity="low_is_good",
        unit="years",
        compute=sii_life_expectancy,
        requires=("population", "events", "deprivation"),
        needs=partial(_small_area_inputs, deprivation=True),
        benchmark="none",
        method="Slope index of inequality (Low & Low) across local deprivation deciles, simulated limits",
        definition="The modelled gap in life expectancy between the most and least deprived ends of the area, "
        "using all ten local deprivation deciles.",
    ),
    Indicator(
        id="mortality-dsr-by-ward",
        title="Deaths from all causes by ward",
        section="inequalities",
        polarity="low_is_good",
        unit="per 100,000",
        multiplier=100_000,
        compute=mortality_dsr_by_ward,
        requires=("population", "events", "lookups"),
        needs=partial(_small_area_inputs, wards=True),
        benchmark="none",
        method=f"Directly standardised rate (ESP2013), Dobson limits, by ward; {_POOLED}",
        definition="Age-standardised death rate of the residents of each ward (LSOAs aggregated by the lookup).",
    ),
]


# -- workspace analyses for the report and the CLI (sections 7-10) ---------------------------------------
def _latest_years(frame: pd.DataFrame, years: int) -> pd.DataFrame:
    y = frame["period"].astype(str).str[:4].astype(int)
    return frame[y.gt(int(y.max()) - years)]


def _life_expectancy_by_quantile(
    tables: dict[str, pd.DataFrame], area: str, n: int
) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """(pooled deaths and population by local quantile, life expectancy at birth per quantile and sex)
    for ``area``, or None when the area's LSOAs do not fill all ``n`` quantiles."""
    from jsna.indicators import methods

    pooled = by_quantile(tables, n=n, within="lad_code")
    pooled = pooled[pooled["area_code"].eq(area)] if len(pooled) else pooled
    if not len(pooled) or pooled["quantile"].nunique() != n:
        return None
    keys = ["quantile", "sex"]
    pooled = pooled[pooled.groupby(keys)["age_band"].transform("nunique").eq(20)]
    le = methods.life_expectancy(
        pooled,
        deaths="deaths",
        population="population",
        age_band="age_band",
        by=keys,
        start_ages=[0],
        confidence=0.95,
    )
    return pooled, le.merge(pooled.groupby(keys, as_index=False)["population"].sum(), on=keys)


def inequality_analysis(
    tables: Tables, area: str, benchmark: str, *, seed: int | None = None, repetitions: int = 10_000
) -> dict[str, pd.DataFrame]:
    """Everything section 7 shows for ``area``: LE by local quintile, the gap between the most and least
    deprived fifths with its Arriaga decomposition by age, SII across local deciles, HEAT measures,
    and the gap to the benchmark decomposed by age and cause. Missing inputs give missing keys."""
    import pandas as pd

    from jsna.indicators.methods import decomposition as dec
    from jsna.indicators.methods import inequality as ineq

    out: dict[str, pd.DataFrame] = {}
    quintiles = _life_expectancy_by_quantile(tables, area, 5)
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
        fine = le[le["value"].notna()].assign(se=(le["upper_ci_95"] - le["value"]) / 1.959964)
        for name in (
            "difference",
            "ratio",
            "par",
            "paf",
            "bgv",
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
            if name not in {"difference", "ratio", "bgv"}:
                kw.update(repetitions=max(1000, repetitions // 10), seed=seed)
            heat.append(fn(fine, **kw))
        out["heat"] = pd.concat(heat, ignore_index=True)
    deciles = _life_expectancy_by_quantile(tables, area, 10)
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
) -> dict[str, Any]:
    """Sections 8 and 9 for ``area``: projected population, service use and outcomes with intervals."""
    from jsna.indicators.methods import projections as pj

    out: dict[str, Any] = {}
    pop = tables("population")
    pop = pop[pop["area_code"].eq(area)]
    est = pop[pop["variant"].eq("estimate") & pop["sex"].isin(["Male", "Female"])]
    if est.empty:
        return out
    proj = pop[
        ~pop["variant"].isin(["estimate", "all-ages total"]) & pop["sex"].isin(["Male", "Female"])
    ]
    base_year = int(est["period"].astype(str).str[:4].astype(int).max())
    if len(proj):
        out["population_source"] = "supplied"
        proj = proj.assign(year=proj["period"].astype(str).str[:4].astype(int))
    else:
        single = est[
            est["age_to"].notna() & est["age_to"].eq(est["age_from"]) | est["age_to"].isna()
        ]
        proj = pj.project_population(single, horizon=horizon)
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
    out["pyramid_now"] = rebin(
        est[est["period"].astype(str).str[:4].astype(int).eq(base_year)],
        "esp",
        keys=("area_code", "sex"),
    )
    central = principal or next(
        (v for v in proj["variant"].unique() if "principal" in str(v).lower()),
        sorted(proj["variant"].unique())[0],
    )
    final = proj[
        proj["variant"].eq(central)
        & proj["year"].eq(min(base_year + horizon, int(proj["year"].max())))
    ]
    out["pyramid_then"] = rebin(
        final.assign(period=final["year"].astype(str)), "esp", keys=("area_code", "sex")
    )
    out["pyramid_then_year"] = int(final["year"].iloc[0]) if len(final) else None
    events = tables("events")
    activity = events[
        events["area_code"].eq(area)
        & ~events["measure"].str.lower().eq("deaths")
        & events["sex"].isin(["Male", "Female"])
    ]
    if len(activity):
        rates = pj.service_use_rates(activity, est, base_years=base_years)
        last = int(activity["period"].astype(str).str[:4].astype(int).max())
        use_years = list(range(last + 1, last + horizon + 1))
        out["service_use"] = pj.projected_cases(
            rates,
            proj,
            series="measure",
            years=use_years,
            year_type=year_type,
            scenarios=scen,
            principal=principal,
            repetitions=repetitions,
            seed=seed,
            confidence=(0.95, 0.998),
        )
        hist = activity.assign(year=activity["period"].astype(str).str[:4].astype(int))
        out["service_history"] = (
            hist.groupby(["measure", "year"], as_index=False)["count"]
            .sum()
            .rename(columns={"count": "value"})
        )
        out["service_rates"] = rates
        # the year whose rates the projection uses, and the years whose counts set its interval
        out["service_rate_period"] = str(rates["rate_period"].iloc[0]) if len(rates) else str(last)
        out["service_base_period"] = str(rates["base_period"].iloc[0]) if len(rates) else str(last)
    prevalence = tables("prevalence")
    if len(prevalence):
        rates = pj.prevalence_rates(prevalence)
        out["outcomes"] = pj.projected_cases(
            rates,
            proj,
            series="condition",
            years=[base_year, *years],
            year_type=year_type,
            scenarios=scen,
            principal=principal,
            repetitions=repetitions,
            seed=seed,
            confidence=(0.95, 0.998),
        )
        out["outcome_references"] = prevalence.groupby("condition")["reference"].first()
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
    repetitions: int = 10_000,
    seed: int | None = None,
) -> dict[str, Any]:
    """Section 10 for ``area``: spend and outcome against comparators, ROI, personal health budgets."""
    import pandas as pd

    from jsna.indicators.methods import inequality as ineq
    from jsna.indicators.methods import personal_budgets as phbm
    from jsna.indicators.methods import value_for_money as vfm

    out: dict[str, Any] = {}
    spend = tables("spend")
    if len(spend):
        latest = spend[spend["period"].eq(latest_period(spend["period"].unique()))]
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
        mine = uptake[
            uptake["sub_icb_name"].fillna("").str.contains(area_name, regex=False)
            | uptake["sub_icb_code"].eq(area)
        ]
        out["phb_icb"] = str(mine["icb_code"].iloc[0]) if len(mine) else None
        out["phb_counts"] = uptake
        if len(totals):
            rates = phbm.uptake_rate(
                uptake, totals.rename(columns={"count": "population"}), area="icb_code"
            )
            rates["area_name"] = rates["icb_code"].map(names)
            out["phb_rates"] = rates
            latest_q = latest_period(rates["period"].unique())
            cur = rates[
                rates["period"].eq(latest_q)
                & rates["phb_type"].eq("All types")
                & rates["value"].notna()
            ]
            cur = cur.assign(se=(cur["upper_ci_95"] - cur["lower_ci_95"]) / (2 * 1.959964))
            if len(cur) >= 2:
                kw: dict[str, object] = {"value": "value", "se": "se"}
                rows = [
                    ineq.difference(cur, **kw),
                    ineq.ratio(cur, **kw),
                    ineq.index_of_disparity(
                        cur,
                        population="population",
                        weighted=False,
                        repetitions=2000,
                        seed=seed,
                        **kw,
                    ),
                    ineq.between_group_variance(cur, population="population", **kw),
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
    return out
