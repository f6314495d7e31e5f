"""Small areas (ward, MSOA, LSOA): death rates and life expectancy, and their comparison table.

Two things live here, both run by ``jsna compute``:

- the indicators :data:`INDICATORS`: the directly standardised death rate from all causes and
  life expectancy at birth over five pooled years (as OHID's Local Health does for small areas),
  for every area with its own deaths and population, and for every parent of a loaded
  LSOA lookup (ward, MSOA, local authority …) that has none of its own, by summing its LSOAs'
  deaths and population. A parent is given a figure only when every LSOA the lookup puts in it
  has deaths and population for every year of the period, so a partial sum is never published.
  Small numbers follow the methods' rules: a rate on fewer than 10 deaths, a life expectancy on
  5,000 people or fewer, or one whose interval is wider than 20 years, is missing, with the
  reason in ``value_note``.
- :func:`small_area_table`, stored as ``analysis_small_areas``: for each report area, every
  small-area indicator of its wards or MSOAs (latest period), each value with its limits,
  compared with the local authority's and the benchmark's values of the same indicator and
  period, and its rank among the area's small areas. The report only reads it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from jsna.indicators.context import ENGLAND, ComputeContext, rebin
from jsna.indicators.spec import Indicator, MissingInput

if TYPE_CHECKING:
    import pandas as pd

#: years pooled for a small-area rate or life expectancy (OHID Local Health uses five)
POOLED_YEARS = 5
#: the levels shown as small areas in a report (LSOA figures reach the report summed to these)
SMALL_AREA_LEVELS = ("Ward", "MSOA")
#: the ids of this module's indicators (the report's generic tables leave them to the small-area views)
SMALL_AREA_INDICATORS = ("small-area-mortality-dsr", "small-area-life-expectancy")
_KEYS = ["area_code", "period", "sex"]
#: the columns of ``analysis_small_areas`` (docs/workspace-tables.md)
SMALL_AREA_COLUMNS = (
    "report_area",
    "indicator_id",
    "indicator_name",
    "section",
    "level",
    "period",
    "sex",
    "unit",
    "polarity",
    "source",
    "area_code",
    "area_name",
    "value",
    "lower_ci_95",
    "upper_ci_95",
    "count",
    "value_note",
    "rank",
    "areas",
    "la_value",
    "compared_with_la",
    "benchmark_value",
    "compared_with_benchmark",
)


def lsoa_parents(lookups: pd.DataFrame) -> pd.DataFrame:
    """``child_code``, ``parent_code``, ``parent_type`` of every LSOA → parent pair of the lookups."""
    rows = lookups[lookups["child_type"].astype(str).str.upper().eq("LSOA")]
    return rows[["child_code", "parent_code", "parent_type"]].drop_duplicates(
        ["child_code", "parent_code"]
    )


def aggregate_to_parents(
    frame: pd.DataFrame, parents: pd.DataFrame, *, value: str, keys: Sequence[str]
) -> pd.DataFrame:
    """``frame`` (one row per LSOA and ``keys``) summed to each parent of ``parents``.

    One row per parent and ``keys`` (``area_code`` becomes the parent's code). A parent and
    period (``keys`` other than ``area_code`` and ``age_band``) is kept only where every LSOA
    the lookup gives it is present, so a parent with a missing LSOA gets no figure.
    """
    import pandas as pd

    others = [k for k in keys if k != "area_code"]
    joined = frame.merge(
        parents[["child_code", "parent_code"]], left_on="area_code", right_on="child_code"
    )
    if joined.empty:
        return pd.DataFrame(columns=[*keys, value])
    expected = parents.groupby("parent_code")["child_code"].nunique()
    scope = [k for k in others if k != "age_band"]
    present = joined.groupby(["parent_code", *scope])["child_code"].transform("nunique")
    complete = present.eq(joined["parent_code"].map(expected))
    summed = (
        joined[complete]
        .groupby(["parent_code", *others], observed=True)[value]
        .sum()
        .reset_index()
        .rename(columns={"parent_code": "area_code"})
    )
    return summed[[*keys, value]]


def pooled_years(
    frame: pd.DataFrame, *, value: str, keys: Sequence[str], years: int = POOLED_YEARS
) -> pd.DataFrame:
    """Sums of every run of ``years`` consecutive single years, labelled ``2020-24``.

    One row per ``keys`` and period; rows whose period is not a single year are left out, and a
    run is kept only where all its years are present for the group.
    """
    import pandas as pd

    single = frame[frame["period"].astype(str).str.fullmatch(r"\d{4}")]
    if single.empty:
        return pd.DataFrame(columns=[*keys, value])
    year = single["period"].astype(int)
    others = [k for k in keys if k != "period"]
    pieces = [single.assign(_end=year + shift) for shift in range(years)]
    stacked = pd.concat(pieces, ignore_index=True)
    grouped = stacked.groupby([*others, "_end"], as_index=False, observed=True).agg(
        **{value: (value, "sum"), "_n": ("period", "nunique")}
    )
    grouped = grouped[grouped["_n"].eq(years) & grouped["_end"].le(int(year.max()))]
    grouped["period"] = grouped["_end"].map(lambda y: f"{y - years + 1}-{str(y)[-2:]}")
    return grouped[[*keys, value]]


def _deaths_and_population(ctx: ComputeContext, bands: str) -> pd.DataFrame:
    """Pooled deaths and population by ``bands`` for every area with both, and for every LSOA
    lookup parent without its own rows (its LSOAs summed); Male and Female rows."""
    from jsna.indicators.builtin import all_cause_deaths

    deaths = all_cause_deaths(ctx.table_view("events"))
    if deaths.empty:
        raise MissingInput(
            "deaths from all causes by age and sex (jsna ingest deaths FILE), by LSOA or small area"
        )
    keys = [*_KEYS, "age_band"]
    d = rebin(deaths, bands).rename(columns={"count": "deaths"})
    p = ctx.population(bands).rename(columns={"count": "population"})
    d = d[d["sex"].isin(["Male", "Female"])]
    p = p[p["sex"].isin(["Male", "Female"])]
    lookups = ctx.table_view("lookups")
    parents = lsoa_parents(lookups) if len(lookups) else lookups
    import pandas as pd

    if len(parents):
        own = set(p["area_code"]) & set(d["area_code"])
        parents = parents[~parents["parent_code"].isin(own)]
        d = pd.concat([d, aggregate_to_parents(d, parents, value="deaths", keys=keys)])
        p = pd.concat([p, aggregate_to_parents(p, parents, value="population", keys=keys)])
    d = pooled_years(d, value="deaths", keys=keys)
    p = pooled_years(p, value="population", keys=keys)
    data = p.merge(d, on=keys, how="left")
    # a band with population and no recorded deaths had none, for areas whose deaths are loaded
    has_deaths = data["area_code"].isin(set(d["area_code"]))
    data = data[has_deaths].copy()
    data["deaths"] = data["deaths"].fillna(0.0)
    if data.empty:
        raise MissingInput(
            f"{POOLED_YEARS} consecutive years of deaths from all causes and population estimates "
            "by age and sex for the same areas"
        )
    return data


def small_area_mortality_dsr(ctx: ComputeContext) -> pd.DataFrame:
    """Deaths from all causes, directly standardised (ESP2013), five years pooled; by sex and persons."""
    import pandas as pd

    from jsna.indicators import methods

    data = _deaths_and_population(ctx, "esp")
    keys = [*_KEYS, "age_band"]
    persons = data.groupby(["area_code", "period", "age_band"], as_index=False, observed=True)[
        ["deaths", "population"]
    ].sum()
    data = pd.concat([data, persons.assign(sex="Persons")], ignore_index=True)[
        [*keys, "deaths", "population"]
    ]
    out = methods.directly_standardised_rate(
        data,
        count="deaths",
        population="population",
        age_band="age_band",
        standard_population=methods.european_standard_population(),
        by=_KEYS,
        zero_population="missing",
        **ctx.interval_options(),
    )
    return out.rename(columns={"note": "value_note"})


def small_area_life_expectancy(ctx: ComputeContext) -> pd.DataFrame:
    """Life expectancy at birth by sex, five years pooled (Chiang II, 20 bands to 90+)."""
    from jsna.indicators import methods

    data = _deaths_and_population(ctx, "life_table")
    complete = data.groupby(_KEYS)["age_band"].transform("nunique").eq(20)
    data = data[complete]
    if data.empty:
        raise MissingInput(
            "deaths and population in all 20 life-table age bands (<1, 1-4, 5-9 … 85-89, 90+)"
        )
    out = methods.life_expectancy(
        data,
        deaths="deaths",
        population="population",
        age_band="age_band",
        by=_KEYS,
        start_ages=[0],
    )
    return (
        out.drop(columns=["age_band", "start_age"])
        .rename(columns={"note": "value_note"})
        .assign(age="All ages")
    )


INDICATORS = [
    Indicator(
        id="small-area-mortality-dsr",
        title="Deaths from all causes, directly standardised rate, five years pooled",
        section="health_status",
        polarity="low_is_good",
        unit="per 100,000",
        multiplier=100_000,
        compute=small_area_mortality_dsr,
        requires=("population", "events"),
        method=(
            "Directly standardised to the 2013 European Standard Population; Dobson limits; five "
            "years pooled; LSOAs summed to each ward, MSOA or other parent of the loaded lookup; "
            "not published under 10 deaths"
        ),
        definition=(
            "Age-standardised rate of deaths from all causes per 100,000 residents over five "
            "years, for wards, MSOAs and LSOAs (and their local authority, on the same basis)."
        ),
    ),
    Indicator(
        id="small-area-life-expectancy",
        title="Life expectancy at birth, five years pooled",
        section="health_status",
        polarity="high_is_good",
        unit="years",
        compute=small_area_life_expectancy,
        requires=("population", "events"),
        method=(
            "Chiang II abridged life table (20 bands, 90+), Silcocks variance; five years pooled; "
            "LSOAs summed to each ward, MSOA or other parent of the loaded lookup; not published "
            "for 5,000 people or fewer, or where the 95% interval is wider than 20 years"
        ),
        definition=(
            "Average years a newborn would live at the death rates of the five-year period, for "
            "wards, MSOAs and LSOAs (and their local authority, on the same basis)."
        ),
    ),
]


# -- the comparison table the report shows (analysis_small_areas) --------------------------------
def memberships(lookups: pd.DataFrame, results: pd.DataFrame, codes: set[str]) -> pd.DataFrame:
    """``report_area``, ``area_code``, ``level``: the wards and MSOAs of each area of ``codes``.

    A small area belongs to an area when the lookups make it the area's child, when they put
    one of its LSOAs in the area (one LSOA lookup gives wards and MSOAs alike), or when its
    results name the area as parent.
    """
    import pandas as pd

    cols = ["report_area", "area_code", "level"]
    pieces = []
    if len(lookups):
        direct = lookups[
            lookups["parent_code"].isin(codes) & lookups["child_type"].isin(SMALL_AREA_LEVELS)
        ]
        pieces.append(direct[["parent_code", "child_code", "child_type"]].set_axis(cols, axis=1))
        lsoa = lookups[lookups["child_type"].astype(str).str.upper().eq("LSOA")]
        mine = lsoa[lsoa["parent_code"].isin(codes)][["child_code", "parent_code"]]
        small = lsoa[lsoa["parent_type"].isin(SMALL_AREA_LEVELS)][
            ["child_code", "parent_code", "parent_type"]
        ].rename(columns={"parent_code": "area_code", "parent_type": "level"})
        via = mine.merge(small, on="child_code").rename(columns={"parent_code": "report_area"})
        pieces.append(via[cols])
    rs = results[results["parent_code"].isin(codes) & results["area_type"].isin(SMALL_AREA_LEVELS)]
    pieces.append(rs[["parent_code", "area_code", "area_type"]].set_axis(cols, axis=1))
    return pd.concat(pieces, ignore_index=True).drop_duplicates(["report_area", "area_code"])


def _compare(rows: pd.DataFrame, value_col: str) -> pd.Series:
    """Better/Similar/Worse (or Higher/Lower) at 95% where the small area has limits, else
    "Not compared"; rows with no comparator value are left missing."""
    import pandas as pd

    from jsna.indicators import methods

    out = pd.Series([None] * len(rows), index=rows.index, dtype=object)
    has = rows[value_col].notna() & rows["value"].notna()
    if not has.any():
        return out
    work = rows.loc[has, ["value", "lower_ci_95", "upper_ci_95", value_col, "polarity"]].rename(
        columns={value_col: "benchmark_value"}
    )
    work["polarity"] = work["polarity"].where(
        work["polarity"].isin(methods.benchmark.POLARITIES), "no_judgement"
    )
    with_limits = work["lower_ci_95"].notna() & work["upper_ci_95"].notna()
    out.loc[has] = "Not compared"
    if with_limits.any():
        judged = methods.compare_to_benchmark(
            work[with_limits].astype({"value": float, "benchmark_value": float}),
            lower="lower_ci_95",
            upper="upper_ci_95",
            polarity="polarity",
            confidence=0.95,
        )["compared_to_benchmark"]
        out.loc[judged.index] = judged.to_numpy()
    return out


def small_area_table(
    results: pd.DataFrame,
    areas: Sequence[tuple[str, str]],
    lookups: pd.DataFrame,
    benchmark: str = ENGLAND,
) -> pd.DataFrame:
    """Every ward and MSOA indicator of each ``(code, name)`` area: ``analysis_small_areas``.

    One row per report area, indicator, sex and small area, for each indicator's latest period
    among the area's small areas (one level per indicator: wards where it has them, else MSOAs).
    ``la_value`` and ``benchmark_value`` are the area's and the benchmark's values of the same
    indicator, period and sex; the comparisons are Fingertips' at 95% (the benchmark value
    against the small area's interval, polarity-aware), "Not compared" when the small area has
    no limits. ``rank`` is 1 for the highest value of ``areas`` small areas with a value.
    """
    import pandas as pd

    from jsna.indicators.finish import shown

    if results.empty:
        return pd.DataFrame(columns=list(SMALL_AREA_COLUMNS))
    base = results[shown(results).to_numpy()]
    base = base[base["category_type"].isna()]
    base = base.assign(sex=base["sex"].fillna("Persons"))
    members = memberships(lookups, base, {code for code, _ in areas})
    rows = base.merge(members, on="area_code")
    if rows.empty:
        return pd.DataFrame(columns=list(SMALL_AREA_COLUMNS))
    series = ["report_area", "indicator_id", "sex"]
    # one level per indicator and area: wards before MSOAs
    rank = rows["level"].map({lvl: i for i, lvl in enumerate(SMALL_AREA_LEVELS)})
    rows = rows[rank.eq(rank.groupby([rows["report_area"], rows["indicator_id"]]).transform("min"))]
    latest = rows.groupby(series)["period_sortable"].transform("max")
    # the results' own benchmark columns give way to this table's two comparators
    rows = rows[rows["period_sortable"].eq(latest)].drop(
        columns=["benchmark_value", "la_value"], errors="ignore"
    )
    keys = ["indicator_id", "period", "sex"]
    ref = base[["area_code", *keys, "value"]].drop_duplicates(["area_code", *keys])
    rows = rows.merge(
        ref.rename(columns={"area_code": "report_area", "value": "la_value"}),
        on=["report_area", *keys],
        how="left",
    )
    bench = ref[ref["area_code"].eq(benchmark)].drop(columns="area_code")
    rows = rows.merge(bench.rename(columns={"value": "benchmark_value"}), on=keys, how="left")
    rows["compared_with_la"] = _compare(rows, "la_value")
    rows["compared_with_benchmark"] = _compare(rows, "benchmark_value")
    group = rows.groupby(series)["value"]
    rows["rank"] = group.rank(ascending=False, method="min")
    rows["areas"] = group.transform("count")
    out = rows
    for column in SMALL_AREA_COLUMNS:
        if column not in out:
            out[column] = None
    out = out.sort_values(
        ["report_area", "indicator_name", "sex", "value"],
        ascending=[True, True, True, False],
        na_position="last",
    )
    return out[list(SMALL_AREA_COLUMNS)].reset_index(drop=True)
