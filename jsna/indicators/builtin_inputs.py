"""Built-in indicators for inputs that have no other home: survey results, record-level activity
extracts, GP registrations and ward-level published values. Registered through the
``jsna.indicators`` entry point like any plugin.

What each writes to the results table
-------------------------------------
``survey-responses`` (section 5)
    one row per area x period x question x response: ``category_type`` is the question,
    ``category`` the response, ``indicator_name`` the survey; ``value`` the percentage,
    ``denominator`` the base (respondents), ``count`` the respondents it implies (rounded),
    Wilson 95%/99.8% limits. Areas are compared with the benchmark's row for the same question
    and response (Higher / Similar / Lower at 95%).
``activity-rate`` (section 4)
    record-level activity (``events`` rows of small areas, any measure but deaths) summed to
    each local authority and to each ward or MSOA of the lookups: crude rate per 1,000
    residents by point of delivery (``category``), Byar's limits. A small area's row is
    compared through funnel limits with the pooled rate of its authority's small areas of the
    same level (the same denominators: ``benchmark_value``; ``benchmark_code`` the authority;
    ``compared_to_benchmark`` Higher / Similar / Lower at 95%, ``compared_to_benchmark_99_8``
    at 99.8%). Each area's denominator is the estimate of the year the period starts in, or
    the nearest year the area has (named in ``value_note``).
``activity-dsr`` (section 4)
    the same activity per 100,000 directly standardised to ESP2013 over the ages it covers,
    for authorities with population by age for the year the period starts in.
``activity-cost-per-head`` (section 4)
    summed cost (£) per resident by point of delivery and for all activity.
``activity-funnel-limits`` (section 4)
    the funnel each authority's report draws: ``category`` the point of delivery,
    ``denominator`` a population along the x axis (40 points, geometric), ``value`` the target
    (the pooled rate of the areas in the funnel), ``lower_ci_95``/``upper_ci_95`` and
    ``lower_ci_99_8``/``upper_ci_99_8`` the funnel limits at that population (exact Poisson,
    :func:`jsna.indicators.methods.funnel_limits`), ``value_note`` the level of the points
    (``Ward``, ``MSOA`` or ``Local authority``). The points are that level's
    ``activity-rate`` rows.
``gp-registered-patients`` (section 4)
    patients registered at the practices attached to each local authority: ``value`` the list
    total, ``count`` the number of practices, ``denominator`` the resident population of the
    nearest mid-year estimate; ``gp-practice-list-size`` one row per attached practice
    (``area_code`` the practice, ``parent_code`` the authority).
``ward-spread`` (section 7)
    for each published indicator with ward values, the latest period's range between the
    authority's wards: ``value`` highest minus lowest, ``count`` the wards with a value,
    ``lower_ci_95``/``upper_ci_95`` left empty; ``category`` the indicator name.

How practices are attached to an authority
------------------------------------------
A loaded lookup that places the practice's sub-ICB location (CCG) in exactly one authority wins
(the pair in either order, as ONS files put the district first, or through the smaller areas a
file maps to both); otherwise the sub-ICB (ONS ``E38`` code) whose name in any loaded table contains the
authority's name as whole words (the longest such authority name, so "North Somerset" beats
"Somerset"). A sub-ICB that matches no authority leaves its practices unattached.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from jsna.indicators.context import ComputeContext
from jsna.indicators.spec import Indicator, MissingInput

if TYPE_CHECKING:
    import pandas as pd

SMALL_AREA_PREFIXES = ("E01", "E02", "W01", "W02")
LA_PREFIXES = ("E06", "E07", "E08", "E09", "W06")
#: points along the x axis of a stored funnel
FUNNEL_POINTS = 40
POD = "Point of delivery"


# -- shared -----------------------------------------------------------------------------------------
def _year(period: pd.Series) -> pd.Series:
    """The calendar year a period starts in ('2023/24' -> 2023, '2021-01' -> 2021)."""
    return period.astype(str).str.extract(r"^(\d{4})", expand=False).astype("float64")


def _population_years(ctx: ComputeContext) -> pd.DataFrame:
    """Persons population estimate per area and year: ``area_code``, ``year``, ``population``."""
    import pandas as pd

    pop = ctx.population()
    if pop.empty:
        return pd.DataFrame(columns=["area_code", "year", "population"])
    mf = pop[pop["sex"].isin(["Male", "Female"])]
    persons = pop[pop["sex"].eq("Persons")]
    # a Persons total only where the file gave no Male/Female rows for that area and period
    have = mf[["area_code", "period"]].drop_duplicates().assign(_mf=True)
    persons = persons.merge(have, on=["area_code", "period"], how="left")
    persons = persons[persons["_mf"].isna()].drop(columns="_mf")
    both = pd.concat([mf, persons], ignore_index=True)
    out = both.groupby(["area_code", "period"])["count"].sum().reset_index()
    out["year"] = _year(out["period"])
    out = out.dropna(subset=["year"]).groupby(["area_code", "year"])["count"].sum().reset_index()
    return out.rename(columns={"count": "population"})


def nearest_population(needed: pd.DataFrame, years: pd.DataFrame) -> pd.DataFrame:
    """``needed`` (``area_code``, ``year``) with the population of the nearest year the area has.

    Adds ``population`` and ``population_year``; an area with no estimate at all is dropped.
    Ties go to the earlier year.
    """
    merged = needed.merge(
        years.rename(columns={"year": "population_year"}), on="area_code", how="inner"
    )
    if merged.empty:
        return merged.assign(population=[], population_year=[])
    merged["_gap"] = (merged["population_year"] - merged["year"]).abs()
    merged = merged.sort_values(["_gap", "population_year"], kind="stable")
    return merged.drop_duplicates([*needed.columns]).drop(columns="_gap").reset_index(drop=True)


def _authority_of(ctx: ComputeContext, level: str) -> pd.DataFrame:
    """Small-area -> parent code: ``child_code``, ``parent_code`` for ``level`` (``LA``, ``Ward``, ``MSOA``)."""
    import pandas as pd

    from jsna.indicators.builtin_analysis import lsoa_parents

    lk = ctx.table_view("lookups")
    if level == "LA":
        parents = lsoa_parents(ctx.table_view).rename(
            columns={"lsoa_code": "child_code", "lad_code": "parent_code"}
        )
        if len(lk):
            msoa = lk[lk["child_type"].eq("MSOA") & lk["parent_code"].str[:3].isin(LA_PREFIXES)]
            parents = pd.concat([parents, msoa[["child_code", "parent_code"]]], ignore_index=True)
        return parents.drop_duplicates("child_code")
    if lk.empty:
        return pd.DataFrame(columns=["child_code", "parent_code"])
    rows = lk[lk["child_type"].eq("LSOA") & lk["parent_type"].eq(level)]
    return rows[["child_code", "parent_code"]].drop_duplicates("child_code")


# -- survey ---------------------------------------------------------------------------------------------
def survey_responses(ctx: ComputeContext) -> pd.DataFrame:
    from jsna.indicators import methods

    survey = ctx.table("survey")
    survey = survey[survey["base"].gt(0) & survey["percentage"].notna()]
    survey = survey.assign(
        respondents=(survey["percentage"] / 100 * survey["base"]).round(),
        category_type=survey["question"],
        category=survey["response"],
    )
    survey["respondents"] = survey["respondents"].clip(upper=survey["base"])
    keys = ["survey", "area_code", "period", "category_type", "category"]
    out = methods.proportion(
        survey,
        numerator="respondents",
        denominator="base",
        by=keys,
        multiplier=100,
        **ctx.interval_options(),
    )
    # the published percentage is the value; the limits are Wilson's on the respondents it implies
    published = survey.set_index(keys)["percentage"]
    out["value"] = published.reindex(out.set_index(keys).index).to_numpy()
    for level in ("95", "99_8"):
        lo, up = f"lower_ci_{level}", f"upper_ci_{level}"
        out[lo] = out[[lo, "value"]].min(axis=1)
        out[up] = out[[up, "value"]].max(axis=1)
    out = out.rename(columns={"survey": "indicator_name", "note": "value_note"})
    return out.assign(
        method="Published percentage; Wilson score limits on the respondents it implies"
    )


# -- record-level activity --------------------------------------------------------------------------
def _activity(ctx: ComputeContext) -> pd.DataFrame:
    events = ctx.table_view("events")
    return events[
        events["area_code"].str[:3].isin(SMALL_AREA_PREFIXES)
        & ~events["measure"].str.lower().eq("deaths")
    ]


def needs_small_area_activity(ctx: ComputeContext) -> None:
    """The activity indicators need activity counts by LSOA (a record-level extract) and a way up to the authority."""
    if _activity(ctx).empty:
        raise MissingInput(
            "service activity by LSOA, such as a record-level extract of admissions or attendances "
            "(jsna ingest activity FILE)"
        )
    if _authority_of(ctx, "LA").empty:
        raise MissingInput(
            "a lookup from the activity's LSOAs to their local authority (jsna ingest lookup FILE)"
        )


def _activity_by(ctx: ComputeContext, level: str) -> pd.DataFrame:
    """Activity summed to ``level`` areas: ``area_code``, ``parent_code``, ``period``, ``category``, ``events``, ``cost``."""
    events = _activity(ctx)
    mapping = _authority_of(ctx, level)
    if events.empty or mapping.empty:
        return events.iloc[0:0].assign(parent_code=[], category=[], events=[])
    joined = events.merge(mapping, left_on="area_code", right_on="child_code", how="inner")
    grouped = joined.groupby(["parent_code", "period", "measure"], as_index=False).agg(
        events=("count", "sum"), cost=("cost", "sum"), _costed=("cost", "count")
    )
    grouped.loc[grouped["_costed"].eq(0), "cost"] = float("nan")
    grouped = grouped.drop(columns="_costed").rename(
        columns={"parent_code": "area_code", "measure": "category"}
    )
    if level != "LA":
        la = _authority_of(ctx, "LA")
        lsoa_la = joined[["child_code", "parent_code"]].merge(
            la, on="child_code", suffixes=("", "_la")
        )
        owner = lsoa_la.drop_duplicates("parent_code").set_index("parent_code")["parent_code_la"]
        grouped["parent_code"] = grouped["area_code"].map(owner)
    else:
        grouped["parent_code"] = None
    return grouped


def _small_area_population(ctx: ComputeContext, level: str) -> pd.DataFrame:
    """Population of each ``level`` area per year as the sum of its LSOAs' estimates."""
    years = _population_years(ctx)
    mapping = _authority_of(ctx, level)
    lsoa = years[years["area_code"].str[:3].isin(SMALL_AREA_PREFIXES)]
    joined = lsoa.merge(mapping, left_on="area_code", right_on="child_code", how="inner")
    return (
        joined.groupby(["parent_code", "year"])["population"]
        .sum()
        .reset_index()
        .rename(columns={"parent_code": "area_code"})
    )


def _with_population(ctx: ComputeContext, frame: pd.DataFrame, level: str) -> pd.DataFrame:
    years = _population_years(ctx) if level == "LA" else _small_area_population(ctx, level)
    needed = frame[["area_code", "period"]].drop_duplicates()
    needed = needed.assign(year=_year(needed["period"]))
    pops = nearest_population(needed[["area_code", "year"]].drop_duplicates(), years)
    needed = needed.merge(pops, on=["area_code", "year"], how="inner")
    return frame.merge(
        needed[["area_code", "period", "population", "population_year"]], on=["area_code", "period"]
    )


def _activity_levels(ctx: ComputeContext) -> list[str]:
    """LA, then the small-area levels the lookups give (wards before MSOAs)."""
    lk = ctx.table_view("lookups")
    levels = ["LA"]
    if len(lk):
        levels += [
            lv
            for lv in ("Ward", "MSOA")
            if (lk["child_type"].eq("LSOA") & lk["parent_type"].eq(lv)).any()
        ]
    return levels


def _rates(ctx: ComputeContext) -> pd.DataFrame:
    """Crude rates per 1,000 at every level, with each small area's funnel comparison."""
    import pandas as pd

    from jsna.indicators import methods

    pieces = []
    for level in _activity_levels(ctx):
        data = _activity_by(ctx, level)
        if data.empty:
            continue
        data = _with_population(ctx, data, level)
        data = data[data["population"].gt(0)]
        if data.empty:
            continue
        keys = ["area_code", "parent_code", "period", "category", "population_year"]
        out = methods.crude_rate(
            data.fillna({"parent_code": ""}),
            count="events",
            population="population",
            by=keys,
            multiplier=1000,
            **ctx.interval_options(),
        )
        out["parent_code"] = out["parent_code"].replace("", None)
        out["level"] = level
        pieces.append(out)
    if not pieces:
        return pd.DataFrame(columns=["area_code", "period", "value"])
    rates = pd.concat(pieces, ignore_index=True)
    return _funnel_compare(rates)


def _funnel_compare(rates: pd.DataFrame) -> pd.DataFrame:
    """Compare each small area with the pooled rate of its authority's small areas (95% and 99.8% funnels)."""
    from jsna.indicators import methods

    small = rates[rates["level"].ne("LA") & rates["parent_code"].notna()]
    if small.empty:
        return rates
    merged = small[small["denominator"].gt(0)].copy()
    for _, group in merged.groupby(["level", "parent_code", "period", "category"]):
        centre = float(group["count"].sum() / group["denominator"].sum())
        limits = methods.funnel_limits(
            group,
            numerator="count",
            denominator="denominator",
            statistic="rate",
            target=centre,
            multiplier=1000,
        )
        idx = group.index
        merged.loc[idx, "benchmark_value"] = centre * 1000
        for level, column in (
            ("95", "compared_to_benchmark"),
            ("99_8", "compared_to_benchmark_99_8"),
        ):
            value = limits["value"]
            merged.loc[idx, column] = "Similar"
            merged.loc[idx[(value > limits[f"upper_ci_{level}"]).to_numpy()], column] = "Higher"
            merged.loc[idx[(value < limits[f"lower_ci_{level}"]).to_numpy()], column] = "Lower"
    merged["benchmark_code"] = merged["parent_code"]
    keep = [c for c in merged.columns if not c.startswith("_")]
    rest = rates[~rates.index.isin(small.index)]
    import pandas as pd

    return pd.concat([rest, merged[keep]], ignore_index=True)


def activity_rate(ctx: ComputeContext) -> pd.DataFrame:
    rates = _rates(ctx)
    if rates.empty:
        return rates
    note = rates["population_year"].astype("Int64").astype(str)
    rates["value_note"] = ("denominator: mid-" + note + " population estimate").where(
        rates["population_year"].ne(_year(rates["period"])), rates.get("note")
    )
    rates["area_type"] = rates["level"].map({"LA": None, "Ward": "Ward", "MSOA": "MSOA"})
    rates["category_type"] = POD
    return rates.drop(columns=["level", "population_year", "note"], errors="ignore")


def activity_funnel_limits(ctx: ComputeContext) -> pd.DataFrame:
    """Funnel limits along the population axis, one funnel per authority x period x point of delivery."""
    import pandas as pd

    rates = _rates(ctx)
    if rates.empty:
        return rates
    pieces = []
    la = rates[rates["level"].eq("LA")]
    small = rates[rates["level"].ne("LA") & rates["parent_code"].notna()]
    for level in ("Ward", "MSOA"):
        points = small[small["level"].eq(level)]
        for (parent, period, pod), group in points.groupby(["parent_code", "period", "category"]):
            if len(group) < 5:
                continue
            centre = float(group["count"].sum() / group["denominator"].sum())
            pieces.append(_funnel_grid(group, centre, str(parent), str(period), str(pod), level))
        if pieces:
            break  # the finest level the lookups give with enough areas
    # authorities compared with one another when the extract covers five or more
    for (period, pod), group in la.groupby(["period", "category"]):
        if len(group) < 5:
            continue
        centre = float(group["count"].sum() / group["denominator"].sum())
        for code in group["area_code"]:
            pieces.append(
                _funnel_grid(group, centre, code, str(period), str(pod), "Local authority")
            )
    if not pieces:
        return pd.DataFrame(columns=["area_code", "period", "value"])
    out = pd.concat(pieces, ignore_index=True)
    return out.assign(method="Exact Poisson funnel limits (OHID)")


def _funnel_grid(
    points: pd.DataFrame, centre: float, owner: str, period: str, pod: str, level: str
) -> pd.DataFrame:
    import numpy as np
    import pandas as pd

    from jsna.indicators import methods

    low, high = float(points["denominator"].min()) * 0.8, float(points["denominator"].max()) * 1.15
    grid = pd.DataFrame({"count": 0.0, "denominator": np.geomspace(low, high, FUNNEL_POINTS)})
    lines = methods.funnel_limits(
        grid,
        numerator="count",
        denominator="denominator",
        statistic="rate",
        target=centre,
        multiplier=1000,
    )
    return pd.DataFrame(
        {
            "area_code": owner,
            "period": period,
            "category_type": f"Funnel: {POD.lower()}",
            "category": [f"{pod} | {i:02d}" for i in range(len(lines))],
            "value": lines["target"],
            "denominator": lines["denominator"],
            "lower_ci_95": lines["lower_ci_95"],
            "upper_ci_95": lines["upper_ci_95"],
            "lower_ci_99_8": lines["lower_ci_99_8"],
            "upper_ci_99_8": lines["upper_ci_99_8"],
            "value_note": level,
        }
    )


def activity_dsr(ctx: ComputeContext) -> pd.DataFrame:
    import pandas as pd

    from jsna.indicators import methods
    from jsna.indicators.builtin import AREA_PERIOD_SEX, _esp_join, _standardise
    from jsna.indicators.context import rebin

    events = _activity(ctx)
    mapping = _authority_of(ctx, "LA")
    if events.empty or mapping.empty:
        return pd.DataFrame(columns=["area_code", "period", "value"])
    events = events.merge(mapping, left_on="area_code", right_on="child_code").drop(
        columns=["area_code"]
    )
    events = events.rename(columns={"parent_code": "area_code"})
    events = events[events["sex"].isin(["Male", "Female"])]
    keys = [*AREA_PERIOD_SEX, "measure"]
    joined = _esp_join(ctx, events, keys=keys)
    covered = rebin(events, "esp", keys=("measure",))
    standard = methods.european_standard_population()
    pieces = []
    for measure, bands in covered.groupby("measure")["age_band"]:
        subset = joined[joined["measure"].eq(measure) & joined["age_band"].isin(set(bands))]
        if subset.empty:
            continue
        out = _standardise(
            subset,
            standard[standard.index.isin(set(bands))],
            AREA_PERIOD_SEX,
            ctx.interval_options(),
        )
        youngest = min(int(re.match(r"\d+", b).group(0)) for b in bands)  # type: ignore[union-attr]
        pieces.append(
            out.assign(
                age="All ages" if youngest == 0 else f"{youngest}+ yrs",
                category_type=POD,
                category=measure,
            )
        )
    if not pieces:
        return pd.DataFrame(columns=["area_code", "period", "value"])
    out = pd.concat(pieces, ignore_index=True).rename(columns={"note": "value_note"})
    return out.astype({"value": "float64"})


def activity_cost_per_head(ctx: ComputeContext) -> pd.DataFrame:
    import pandas as pd

    data = _activity_by(ctx, "LA")
    if data.empty or data["cost"].isna().all():
        return pd.DataFrame(columns=["area_code", "period", "value"])
    data = data[data["cost"].notna()]
    total = (
        data.groupby(["area_code", "period"], as_index=False)[["events", "cost"]]
        .sum()
        .assign(category="All activity")
    )
    data = pd.concat([data.drop(columns=["parent_code"]), total], ignore_index=True)
    data = _with_population(ctx, data, "LA")
    data = data[data["population"].gt(0)]
    out = data.assign(
        value=data["cost"] / data["population"],
        count=data["events"],
        denominator=data["population"],
        category_type=POD,
    )
    out["value_note"] = (
        "denominator: mid-"
        + out["population_year"].astype("Int64").astype(str)
        + " population estimate"
    ).where(out["population_year"].ne(_year(out["period"])))
    return out[
        [
            "area_code",
            "period",
            "category_type",
            "category",
            "value",
            "count",
            "denominator",
            "value_note",
        ]
    ]


# -- GP registrations ------------------------------------------------------------------------------------
def practice_authorities(ctx: ComputeContext) -> pd.DataFrame:
    """Sub-ICB (CCG) code -> local authority: ``sub_icb``, ``area_code`` (see the module notes)."""
    import pandas as pd

    reg = ctx.table_view("registrations")
    codes = set(reg["sub_icb_ons_code"].dropna()) | set(reg["sub_icb_code"].dropna())
    lk = ctx.table_view("lookups")
    pairs = []
    if len(lk):
        pairs.append(_sub_icb_lookup_pairs(lk, codes))
    names = ctx.area_names()
    authorities = {c: n for c, n in names.items() if str(c)[:3] in LA_PREFIXES and n}
    patterns = sorted(
        ((re.compile(rf"\b{re.escape(n.lower())}\b"), c, len(n)) for c, n in authorities.items()),
        key=lambda t: -t[2],
    )
    found = []
    for code in sorted(c for c in codes if str(c).startswith("E38")):
        name = str(names.get(code, "")).lower()
        if not name:
            continue
        match = next((c for pattern, c, _ in patterns if pattern.search(name)), None)
        if match:
            found.append({"sub_icb": code, "area_code": match})
    pairs.append(pd.DataFrame(found, columns=["sub_icb", "area_code"]))
    out = pd.concat(pairs, ignore_index=True)
    return out.drop_duplicates("sub_icb")


def _sub_icb_lookup_pairs(lookups: pd.DataFrame, codes: set[str]) -> pd.DataFrame:
    """``sub_icb``, ``area_code``: the sub-ICB locations of ``codes`` that the loaded lookups
    place in exactly one local authority.

    A lookup pairs them whichever way round its file puts them: ONS files list the sub-ICB
    location after the district (``LAD24CD, SICBL24CD``), so it loads as the district's parent;
    a file whose sub-ICB column comes first loads as the authority's child. Files that map
    smaller areas to both (``LSOA21CD, SICBL24CD, LAD24CD``) pair them through those areas.
    A sub-ICB location paired with several authorities (one that covers several districts)
    is attached to none of them: its practices need patients by LSOA to be shared out.
    """
    import pandas as pd

    links = lookups[["child_code", "parent_code"]].dropna().astype(str).drop_duplicates()
    is_la = {side: links[side].str[:3].isin(LA_PREFIXES) for side in ("child_code", "parent_code")}
    down = links[links["child_code"].isin(codes) & is_la["parent_code"]]
    up = links[links["parent_code"].isin(codes) & is_la["child_code"]]
    subs = links[links["parent_code"].isin(codes)]
    las = links[is_la["parent_code"]]
    shared = subs.merge(las, on="child_code", suffixes=("_sub", "_la"))
    pairs = pd.concat(
        [
            pd.DataFrame({"sub_icb": down["child_code"], "area_code": down["parent_code"]}),
            pd.DataFrame({"sub_icb": up["parent_code"], "area_code": up["child_code"]}),
            pd.DataFrame(
                {"sub_icb": shared["parent_code_sub"], "area_code": shared["parent_code_la"]}
            ),
        ],
        ignore_index=True,
    ).drop_duplicates()
    single = pairs.groupby("sub_icb")["area_code"].transform("nunique").eq(1)
    return pairs[single].sort_values(["sub_icb", "area_code"]).reset_index(drop=True)


def practice_shares(ctx: ComputeContext) -> pd.DataFrame:
    """Practice -> authority by where its patients live: ``practice_code``, ``area_code``,
    ``share`` (patients in the authority's LSOAs over the practice's patients in the file, the
    latest extract of each practice), only shares of at least
    :data:`~jsna.vocabulary.areas.PRACTICE_SHARE_MIN`.

    LSOAs reach an authority through a loaded lookup (child an LSOA, parent a local authority
    code); patients in LSOAs of no loaded authority count in the practice's total only.
    """
    import pandas as pd

    from jsna.vocabulary.areas import PRACTICE_SHARE_MIN

    by_lsoa = ctx.table_view("registrations_lsoa")
    columns = ["practice_code", "area_code", "share"]
    if by_lsoa.empty:
        return pd.DataFrame(columns=columns)
    latest = by_lsoa.groupby("practice_code")["period"].transform("max")
    by_lsoa = by_lsoa[by_lsoa["period"].eq(latest)]
    totals = by_lsoa.groupby("practice_code")["count"].sum()
    lk = ctx.table_view("lookups")
    links = lk[lk["parent_code"].astype(str).str[:3].isin(LA_PREFIXES)]
    links = links[["child_code", "parent_code"]].drop_duplicates()
    inside = by_lsoa.merge(links, left_on="lsoa_code", right_on="child_code", how="inner")
    shares = pd.DataFrame(
        inside.groupby(["practice_code", "parent_code"], as_index=False)["count"].sum()
    )
    shares["share"] = shares["count"] / shares["practice_code"].map(totals)
    shares = shares.rename(columns={"parent_code": "area_code"})
    return shares[shares["share"].ge(PRACTICE_SHARE_MIN)][columns].reset_index(drop=True)


def practice_links(ctx: ComputeContext, practices: pd.DataFrame) -> pd.DataFrame:
    """The authorities of ``practices`` (``practice_code``, ``sub_icb_code``,
    ``sub_icb_ons_code``): ``practice_code``, ``area_code``, ``share``. Where patients by LSOA
    are loaded for a practice its shares (:func:`practice_shares`) decide; otherwise its
    sub-ICB location does (:func:`practice_authorities`; ``share`` left empty)."""
    import pandas as pd

    shares = practice_shares(ctx)
    weighted = set(ctx.table_view("registrations_lsoa")["practice_code"])
    rest = practices[~practices["practice_code"].isin(weighted)]
    links = practice_authorities(ctx)
    by_sub = pd.concat(
        [
            rest.merge(links, left_on=column, right_on="sub_icb", how="inner")
            for column in ("sub_icb_ons_code", "sub_icb_code")
        ],
        ignore_index=True,
    )[["practice_code", "area_code"]]
    out = pd.concat([shares, by_sub.assign(share=float("nan"))], ignore_index=True)
    # an empty shares frame has object columns: the share stays a number either way
    out["share"] = pd.to_numeric(out["share"]).astype("float64")
    wanted = out["practice_code"].isin(set(practices["practice_code"]))
    return out[wanted].drop_duplicates(["practice_code", "area_code"]).reset_index(drop=True)


def practice_pcns(ctx: ComputeContext) -> pd.DataFrame:
    """Practice -> primary care network: ``practice_code``, ``pcn_code``, ``pcn_name``.

    From the ePCN lookup rows, the relationship current at the latest extract date of the loaded
    registrations (started on or before it and not ended before it; the latest start when no
    registrations are loaded). Practices the ePCN does not name take the PCN that Fingertips
    gives as their parent (GP rows of a download whose parent codes are PCN codes). A practice
    in two current PCNs raises :class:`~jsna.errors.AnalysisError` naming both.
    """
    import pandas as pd

    from jsna.errors import AnalysisError
    from jsna.vocabulary.areas import PCN_PATTERN, PCN_TYPE, PRACTICE_PATTERN, PRACTICE_TYPE

    columns = ["practice_code", "pcn_code", "pcn_name"]
    names = ctx.area_names()
    lk = ctx.table_view("lookups")
    rel = lk[lk["child_type"].eq(PRACTICE_TYPE) & lk["parent_type"].eq(PCN_TYPE)]
    pieces = [pd.DataFrame(columns=columns)]
    if len(rel):
        reg = ctx.table_view("registrations")
        dates = pd.to_datetime(reg["extract_date"]).dropna()
        start = pd.to_datetime(rel["valid_from"])
        end = pd.to_datetime(rel["valid_to"])
        at = dates.max() if len(dates) else start.max()
        current = rel[start.le(at).to_numpy() & (end.isna() | end.ge(at)).to_numpy()]
        current = current.drop_duplicates(["child_code", "parent_code"])
        twice = current[current.duplicated("child_code", keep=False)]
        if len(twice):
            code = twice["child_code"].iloc[0]
            both = " and ".join(sorted(twice.loc[twice["child_code"].eq(code), "parent_code"]))
            raise AnalysisError(
                f"practice {code} is in two primary care networks on {at:%d %B %Y} ({both}): "
                "load an ePCN file where one of the relationships has ended"
            )
        pieces.append(
            current.rename(columns={"child_code": "practice_code", "parent_code": "pcn_code"})[
                ["practice_code", "pcn_code"]
            ]
        )
    values = ctx.table_view("indicator_values")
    gp = values[
        values["area_code"].astype(str).str.fullmatch(PRACTICE_PATTERN.pattern)
        & values["parent_code"].astype(str).str.fullmatch(PCN_PATTERN.pattern)
    ]
    latest = gp.sort_values("period_sortable").drop_duplicates("area_code", keep="last")
    pieces.append(
        latest.rename(columns={"area_code": "practice_code", "parent_code": "pcn_code"})[
            ["practice_code", "pcn_code"]
        ]
    )
    out = pd.concat(pieces, ignore_index=True).drop_duplicates("practice_code")
    out["pcn_name"] = out["pcn_code"].map(lambda c: names.get(c) or c)
    return out[columns].reset_index(drop=True)


def _attached_practices(ctx: ComputeContext) -> pd.DataFrame:
    reg = ctx.table_view("registrations")
    reg = reg[reg["sex"].eq("Persons") & reg["age_band"].eq("All ages")]
    if reg.empty:
        reg = ctx.table_view("registrations")
        reg = (
            reg.groupby(
                ["practice_code", "period", "sub_icb_code", "sub_icb_ons_code"], dropna=False
            )["count"]
            .sum()
            .reset_index()
        )
    links = practice_links(ctx, reg.drop_duplicates("practice_code"))
    return reg.merge(links, on="practice_code", how="inner")


def gp_registered_patients(ctx: ComputeContext) -> pd.DataFrame:
    import pandas as pd

    practices = _attached_practices(ctx)
    if practices.empty:
        return pd.DataFrame(columns=["area_code", "period", "value"])
    # a practice attached by where its patients live counts its share of its list
    practices = practices.assign(weighted=practices["count"] * practices["share"].fillna(1.0))
    totals = practices.groupby(["area_code", "period"], as_index=False).agg(
        value=("weighted", "sum"), count=("practice_code", "nunique")
    )
    totals = totals.assign(year=_year(totals["period"]))
    pops = nearest_population(
        totals[["area_code", "year"]].drop_duplicates(), _population_years(ctx)
    )
    totals = totals.merge(pops, on=["area_code", "year"], how="left")
    totals["denominator"] = totals["population"]
    totals["value_note"] = (
        "residents: mid-"
        + totals["population_year"].astype("Int64").astype(str)
        + " population estimate"
    ).where(totals["population"].notna())
    return totals[["area_code", "period", "value", "count", "denominator", "value_note"]]


def gp_practice_list_size(ctx: ComputeContext) -> pd.DataFrame:
    import pandas as pd

    practices = _attached_practices(ctx)
    if practices.empty:
        return pd.DataFrame(columns=["area_code", "period", "value"])
    # a practice whose patients live in two authorities is listed under the one with most of them
    practices = practices.sort_values("share", ascending=False).drop_duplicates(
        ["practice_code", "period"]
    )
    return pd.DataFrame(
        {
            "area_code": practices["practice_code"],
            "parent_code": practices["area_code"],
            "area_type": "GP practice",
            "period": practices["period"],
            "value": practices["count"].astype("float64"),
        }
    )


# -- ward-level published values ------------------------------------------------------------------
def ward_values(ctx: ComputeContext) -> pd.DataFrame:
    """Imported values of wards with their authority: ``indicator_values`` rows plus ``authority``."""
    values = ctx.table_view("indicator_values")
    wards = values[
        values["area_code"].str[:3].isin(("E05", "W05"))
        & values["value"].notna()
        & values["category_type"].isna()
    ]
    if wards.empty:
        return wards.assign(authority=[])
    lk = ctx.table_view("lookups")
    parents = {}
    if len(lk):
        rows = lk[lk["child_type"].eq("Ward") & lk["parent_code"].str[:3].isin(LA_PREFIXES)]
        parents = dict(zip(rows["child_code"], rows["parent_code"], strict=False))
        # without a ward -> authority lookup, the authority of the ward's LSOAs (LSOA -> ward
        # and LSOA -> authority rows of one lookup file)
        small = lk[lk["child_type"].eq("LSOA")]
        to_ward = small[small["parent_type"].eq("Ward")][["child_code", "parent_code"]]
        to_la = small[small["parent_code"].str[:3].isin(LA_PREFIXES)][["child_code", "parent_code"]]
        via = to_ward.merge(to_la, on="child_code", suffixes=("_ward", "_la"))
        via = via[~via["parent_code_ward"].isin(set(parents))]
        # a ward split by a boundary belongs to the authority most of its LSOAs are in
        top = via.groupby(["parent_code_ward", "parent_code_la"]).size().reset_index(name="n")
        top = top.sort_values("n", ascending=False, kind="stable").drop_duplicates(
            "parent_code_ward"
        )
        parents.update(zip(top["parent_code_ward"], top["parent_code_la"], strict=True))
    authority = wards["area_code"].map(parents)
    # the file's own parent where no lookup names one (where, not fillna: values of one dtype)
    fallback = wards["parent_code"].where(wards["parent_code"].str[:3].isin(LA_PREFIXES))
    authority = authority.where(authority.notna(), fallback)
    return wards.assign(authority=authority).dropna(subset=["authority"])


def needs_ward_values(ctx: ComputeContext) -> None:
    """The ward range needs published values for at least two wards of one authority."""
    if ward_values(ctx).empty:
        raise MissingInput(
            "published values for wards (a Local Health or Fingertips download with ward codes, "
            "jsna ingest FILE) and the authority of each ward (a ward lookup, jsna ingest lookup FILE)"
        )


def ward_spread(ctx: ComputeContext) -> pd.DataFrame:
    import pandas as pd

    wards = ward_values(ctx)
    if wards.empty:
        return pd.DataFrame(columns=["area_code", "period", "value"])
    keys = ["authority", "indicator_id", "sex", "age"]
    filled = wards.assign(sex=wards["sex"].fillna("Persons"), age=wards["age"].fillna("All ages"))
    latest = filled["period_sortable"].eq(filled.groupby(keys)["period_sortable"].transform("max"))
    filled = filled[latest]
    filled = filled.assign(unit=filled["unit"].astype("object").where(filled["unit"].notna(), ""))
    out = filled.groupby([*keys, "indicator_name", "period"], as_index=False).agg(
        high=("value", "max"), low=("value", "min"), count=("value", "size"), unit=("unit", "first")
    )
    out = out[out["count"].ge(2)]
    ratio = (out["high"] / out["low"]).where(out["low"].gt(0))
    # "percentage" reads in lower case; an abbreviation (SAR, DSR) keeps its capitals
    unit = out["unit"].map(
        lambda u: f" ({u if str(u).isupper() else str(u).lower()})" if str(u).strip() else ""
    )
    out["value_note"] = [
        f"highest minus lowest ward{u}"
        + (f"; highest is {r:.1f} times the lowest" if r == r else "")
        for u, r in zip(unit, ratio, strict=True)
    ]
    # the indicator's name says which ward values; two indicators of one name are told apart by period
    name = out["indicator_name"].astype(str)
    twice = name.duplicated(keep=False) & out.duplicated(
        ["authority", "indicator_name", "sex", "age"], keep=False
    )
    return out.assign(
        area_code=out["authority"],
        value=out["high"] - out["low"],
        category_type="Ward indicator",
        category=name.where(~twice, name + ", " + out["period"].astype(str)),
    )[
        [
            "area_code",
            "period",
            "sex",
            "age",
            "category_type",
            "category",
            "value",
            "count",
            "value_note",
        ]
    ]


INDICATORS = [
    Indicator(
        id="survey-responses",
        title="Survey responses",
        section="voice",
        polarity="no_judgement",
        unit="%",
        multiplier=100,
        compute=survey_responses,
        requires=("survey",),
        method="Published percentage; Wilson score limits on the respondents it implies",
        definition="Share of respondents giving each answer to each survey question, with the base (respondents).",
    ),
    Indicator(
        id="activity-rate",
        title="Service use per 1,000 residents, by point of delivery",
        section="met_needs",
        polarity="no_judgement",
        unit="per 1,000",
        multiplier=1000,
        compute=activity_rate,
        benchmark="none",
        requires=("events", "population"),
        needs=needs_small_area_activity,
        method="Crude rate; Byar's limits (exact Poisson below 10); small areas against their authority's "
        "rate with exact Poisson funnel limits",
        definition="Admissions, attendances and other activity of the record-level extract per 1,000 residents, "
        "by point of delivery, for each authority and its wards or MSOAs.",
    ),
    Indicator(
        id="activity-dsr",
        title="Service use by point of delivery, directly standardised rate",
        section="met_needs",
        polarity="no_judgement",
        unit="per 100,000",
        multiplier=100_000,
        compute=activity_dsr,
        benchmark="none",
        requires=("events", "population"),
        needs=needs_small_area_activity,
        method="Directly standardised (ESP2013, over the ages the activity covers); Dobson limits",
        definition="Activity of the record-level extract per 100,000, age-standardised, by point of delivery.",
    ),
    Indicator(
        id="activity-cost-per-head",
        title="Cost of service use per resident, by point of delivery",
        section="met_needs",
        polarity="no_judgement",
        unit="£ per resident",
        decimals=2,
        compute=activity_cost_per_head,
        benchmark="none",
        requires=("events", "population"),
        needs=needs_small_area_activity,
        method="Summed cost of the records divided by the resident population",
        definition="Cost (£) of the activity in the record-level extract per resident, by point of delivery.",
    ),
    Indicator(
        id="activity-funnel-limits",
        title="Funnel limits for service use per 1,000 residents",
        section="met_needs",
        polarity="no_judgement",
        unit="per 1,000",
        multiplier=1000,
        compute=activity_funnel_limits,
        benchmark="none",
        disclosure="none",
        requires=("events", "population"),
        needs=needs_small_area_activity,
        method="Exact Poisson funnel limits at 95% and 99.8% around the authority's rate (OHID)",
        definition="Control limits along the population axis for the service-use funnel plots.",
    ),
    Indicator(
        id="gp-registered-patients",
        title="Patients registered at the area's GP practices",
        section="met_needs",
        polarity="no_judgement",
        unit="patients",
        decimals=0,
        compute=gp_registered_patients,
        benchmark="none",
        disclosure="none",
        requires=("registrations",),
        method="Sum of practice list sizes; practices attached through their sub-ICB location (CCG)",
        definition="Patients registered at the GP practices of the sub-ICB location that matches the authority.",
    ),
    Indicator(
        id="gp-practice-list-size",
        title="GP practice list size",
        section="met_needs",
        polarity="no_judgement",
        unit="patients",
        decimals=0,
        compute=gp_practice_list_size,
        benchmark="none",
        disclosure="none",
        requires=("registrations",),
        method="Registered patients per practice, as published",
        definition="Patients registered at each practice attached to the authority.",
    ),
    Indicator(
        id="ward-spread",
        title="Range between wards",
        section="inequalities",
        polarity="no_judgement",
        unit="",
        compute=ward_spread,
        benchmark="none",
        disclosure="none",
        requires=("indicator_values",),
        needs=needs_ward_values,
        method="Highest minus lowest ward value in the latest period",
        definition="How far apart the authority's wards are on each published ward-level indicator.",
    ),
]
