"""Built-in indicators for sections 7-10 (inequalities), registered through the ``jsna.indicators``
entry point like any plugin. Small-area (LSOA) deaths and population are grouped by deprivation
quantile or ward within each local authority; results carry the authority's code and the
breakdown in ``category_type``/``category``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from jsna.indicators.builtin import all_cause_deaths
from jsna.indicators.context import ComputeContext, rebin
from jsna.indicators.spec import Indicator, MissingInput

if TYPE_CHECKING:
    import pandas as pd

SMALL_AREA_PREFIXES = ("E01", "W01")
KEYS = ["area_code", "period", "sex"]
Tables = Callable[[str], "pd.DataFrame"]


# -- small-area preparation (shared with jsna.indicators.analyses) ----------------------------------------------
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
    p = p.groupby(["area_code", "sex", "age_band"], as_index=False).agg(population=("count", "sum"))
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
