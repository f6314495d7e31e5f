"""Built-in indicators, registered through the ``jsna.indicators`` entry point like any plugin."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from jsna.indicators.context import ENGLAND, ESP_BANDS, ComputeContext, rebin
from jsna.indicators.spec import Indicator, MissingInput
from jsna.vocabulary.tables import UNSTATED_CAUSE

if TYPE_CHECKING:
    import pandas as pd

AREA_PERIOD_SEX = ["area_code", "period", "sex"]


# -- shared preparation ------------------------------------------------------------------
def _with_persons(frame: pd.DataFrame, keys: list[str], value: str = "count") -> pd.DataFrame:
    """Add Persons rows (Male + Female) where a group has both sexes and no Persons row."""
    import pandas as pd

    others = [k for k in keys if k != "sex"]
    mf = frame[frame["sex"].isin(["Male", "Female"])]
    both = mf.groupby(others, dropna=False)["sex"].transform("nunique").eq(2)
    persons = (
        mf[both].groupby(others, as_index=False, dropna=False)[value].sum().assign(sex="Persons")
    )
    existing = frame[frame["sex"].eq("Persons")]
    if len(existing):
        merged = persons.merge(
            existing[others].drop_duplicates(), on=others, how="left", indicator=True
        )
        persons = persons[merged["_merge"].eq("left_only").to_numpy()]
    return pd.concat([frame, persons], ignore_index=True)


#: lower-tier local authorities (unitary, district, metropolitan district, London borough): they tile England
LOWER_TIER_PREFIXES = ("E06", "E07", "E08", "E09")
#: a file of at least this many English lower-tier authorities covers England (296 to 326 since 2009)
ENGLAND_AUTHORITIES_MINIMUM = 290


def england_population(ctx: ComputeContext) -> tuple[pd.DataFrame, dict[str, str]]:
    """Population estimates with England added for periods that lack it; and how each was made.

    For a period with no England (E92000001) rows, England is the sum of the nine English
    regions (E12) when one file has all nine, else the sum of the lower-tier local authorities
    (E06, E07, E08, E09: they tile England, so counties are never added to their districts)
    loaded for the period, whichever files hold them, when there are at least
    :data:`ENGLAND_AUTHORITIES_MINIMUM` of them. Returns the
    frame and ``{period: note}`` saying which sum gave England's figure.
    """
    import pandas as pd

    pop = ctx.population()
    have = set(pop.loc[pop["area_code"].eq(ENGLAND), "period"])
    rest = pop[
        ~pop["period"].isin(have) & pop["area_code"].str[:3].isin(("E12", *LOWER_TIER_PREFIXES))
    ]
    if rest.empty:
        return pop, {}
    files = _file_names(ctx, rest["source_id"].unique())
    pieces, notes = [pop], {}
    keys = ["period", "sex", "age_from", "age_to", "age_band", "variant"]
    for period, rows in rest.groupby("period"):
        regions = rows[rows["area_code"].str.startswith("E12")]
        per_file = regions.groupby("source_id")["area_code"].nunique()
        source: Any
        if len(per_file) and per_file.max() >= 9:
            source, what = per_file.idxmax(), "the nine English regions"
            use = regions[regions["source_id"].eq(source)]
        else:
            # every authority of the period, whichever file holds it: a newer file that replaced some
            # authorities (a census table for one county's districts) leaves the others in the older one
            use = rows[rows["area_code"].str[:3].isin(LOWER_TIER_PREFIXES)]
            if use["area_code"].nunique() < ENGLAND_AUTHORITIES_MINIMUM:
                continue
            source = use.groupby("source_id")["area_code"].nunique().idxmax()
            what = f"England's {use['area_code'].nunique()} lower-tier local authorities"
        summed = use.groupby(keys, as_index=False, dropna=False)["count"].sum()
        pieces.append(summed.assign(area_code=ENGLAND, area_name="England", source_id=source))
        names = [files.get(int(s), f"input #{s}") for s in sorted(use["source_id"].unique())]
        notes[str(period)] = f"England: sum of {what} in {' and '.join(names)}"
    return pd.concat(pieces, ignore_index=True), notes


def _population_totals(ctx: ComputeContext, pop: pd.DataFrame | None = None) -> pd.DataFrame:
    pop = ctx.population() if pop is None else pop
    totals = pop.groupby(AREA_PERIOD_SEX, as_index=False)[["count"]].sum()
    return _with_persons(totals, AREA_PERIOD_SEX)


def _deaths(ctx: ComputeContext) -> pd.DataFrame:
    """Deaths from all causes (see :func:`all_cause_deaths`); :class:`MissingInput` when there are none."""
    deaths = all_cause_deaths(ctx.table_view("events"))
    if deaths.empty:
        raise MissingInput(all_cause_deaths_missing(ctx))
    return deaths


ALL_CAUSES = "All causes"
_ALL_CAUSE_LABELS = {
    "all causes",
    "all cause",
    "all-cause",
    "all-causes",
    "all",
    "total",
    "all deaths",
}
#: the residual group that makes a breakdown by cause complete ("Other", "All other causes")
_RESIDUAL_CAUSE = r"^(?:all\s+)?other(?:\s+causes?)?$"


def all_cause_deaths(events: pd.DataFrame) -> pd.DataFrame:
    """Deaths from all causes, one row per input row that counts toward them.

    Deaths count toward all causes when their cause says so (``All causes``: a cause column
    that says it, or ``jsna ingest deaths FILE --cause 'All causes'``), or when they are one
    file's complete breakdown by cause: a file whose causes include a residual group
    (``Other``, ``All other causes``) adds up to all causes. Where an area and period has both,
    the rows that say "All causes" are used and the breakdown is not added to them. Deaths
    whose cause is not stated (``Cause not stated in file``) or that belong to a partial
    breakdown (say drug poisoning alone) count toward no all-cause figure.
    """
    import pandas as pd

    deaths = events[events["measure"].astype(str).str.lower().eq("deaths")]
    if deaths.empty:
        return deaths
    cause = deaths["cause"].fillna(UNSTATED_CAUSE).astype(str).str.strip().str.lower()
    explicit = deaths[cause.isin(_ALL_CAUSE_LABELS)]
    breakdown = cause_breakdown_deaths(events)
    if len(explicit) and len(breakdown):
        covered = explicit[["area_code", "period"]].drop_duplicates().assign(_covered=True)
        flag = breakdown[["area_code", "period"]].merge(
            covered, how="left", on=["area_code", "period"]
        )["_covered"]
        breakdown = breakdown[~flag.eq(True).to_numpy()]
    return pd.concat([explicit, breakdown]).assign(cause=ALL_CAUSES)


def cause_breakdown_deaths(events: pd.DataFrame) -> pd.DataFrame:
    """Deaths of the files that break all deaths down by cause (their causes include ``Other``)."""
    deaths = events[events["measure"].astype(str).str.lower().eq("deaths")]
    cause = deaths["cause"].fillna(UNSTATED_CAUSE).astype(str).str.strip().str.lower()
    stated = cause.ne(UNSTATED_CAUSE.lower()) & ~cause.isin(_ALL_CAUSE_LABELS)
    complete = deaths.loc[cause.str.match(_RESIDUAL_CAUSE) & stated, "source_id"].unique()
    return deaths[stated & deaths["source_id"].isin(complete)]


def all_cause_deaths_missing(ctx: ComputeContext) -> str:
    """Why there are no deaths from all causes, in words, naming the files that could supply them."""
    events = ctx.table_view("events")
    deaths = events[events["measure"].astype(str).str.lower().eq("deaths")]
    if deaths.empty:
        return (
            "deaths from all causes by age and sex: jsna ingest deaths FILE (registrations by area, year, "
            "sex and age band)"
        )
    files = _file_names(ctx, deaths["source_id"].unique())
    unstated = deaths[deaths["cause"].fillna(UNSTATED_CAUSE).eq(UNSTATED_CAUSE)]
    named = ", ".join(files.get(i, f"input #{i}") for i in sorted(unstated["source_id"].unique()))
    causes = sorted(set(deaths["cause"].dropna()) - {UNSTATED_CAUSE})
    text = "deaths from all causes: the deaths loaded "
    if named:
        text += (
            f"do not say which cause they are from ({named}, stored as '{UNSTATED_CAUSE}'), so they count "
            "toward no cause. If a file counts deaths from all causes, reload it with "
            "jsna ingest --replace deaths FILE --cause 'All causes'"
        )
    else:
        text += (
            f"are for {', '.join(causes[:4])} only, not all causes; load deaths from all causes "
            "(jsna ingest deaths FILE)"
        )
    return text


def needs_all_cause_deaths(ctx: ComputeContext) -> None:
    """:class:`MissingInput` unless some loaded deaths count toward all causes."""
    if all_cause_deaths(ctx.table_view("events")).empty:
        raise MissingInput(all_cause_deaths_missing(ctx))


def needs_population_by_sex(ctx: ComputeContext, pop: pd.DataFrame, why: str) -> None:
    """:class:`MissingInput` naming the files when the population loaded is Persons only."""
    if pop.empty or pop["sex"].isin(["Male", "Female"]).any():
        return
    files = _file_names(ctx, pop["source_id"].dropna().unique()) if "source_id" in pop else {}
    named = ", ".join(sorted(set(files.values()))) or "the population files"
    raise MissingInput(
        f"population estimates by sex (Male and Female): the population loaded ({named}) is for "
        f"Persons only, as a file with no sex column is read; {why}. Load estimates by sex "
        "(one row per area and sex, or F0…/M0… columns)"
    )


def needs_activity(ctx: ComputeContext) -> None:
    """:class:`MissingInput` unless service activity (events other than deaths) is loaded."""
    events = ctx.table_view("events")
    if not (~events["measure"].astype(str).str.lower().eq("deaths")).any():
        raise MissingInput(
            "counts of service activity (admissions, attendances) by area, year, age and sex "
            "(jsna ingest events FILE)"
        )


def _file_names(ctx: ComputeContext, source_ids: Any) -> dict[int, str]:
    """Input number -> file name from the provenance table."""
    prov = ctx.workspace.provenance() if hasattr(ctx.workspace, "provenance") else None
    if prov is None or prov.empty:
        return {}
    rows = prov[prov["source_id"].isin(list(source_ids))]
    return {int(i): str(n) for i, n in zip(rows["source_id"], rows["file_name"], strict=True)}


def _esp_join(ctx: ComputeContext, events: pd.DataFrame, *, keys: list[str]) -> pd.DataFrame:
    """Events and population by ESP band for every area/period/sex with population, zeros filled."""
    import pandas as pd

    pop = _with_persons(ctx.population("esp"), [*AREA_PERIOD_SEX, "age_band"])
    ev = rebin(events, "esp", keys=tuple(keys))
    ev = _with_persons(ev, [*keys, "age_band"])
    extra = [k for k in keys if k not in AREA_PERIOD_SEX]
    # every band of a series the events file has, zeros included: one series per area, period
    # (and measure), never a measure crossed with areas or periods it was not recorded for
    series = ev[["area_code", "period", *extra]].drop_duplicates()
    # a financial year's denominator is the mid-year estimate of the year it starts in (2023/24 -> 2023)
    series["_pop_period"] = (
        series["period"].astype(str).str.replace(r"^(\d{4})/\d{2}$", r"\1", regex=True)
    )
    pop = pop.rename(columns={"period": "_pop_period"}).merge(
        series, on=["area_code", "_pop_period"]
    )
    pop = pop.drop(columns=["_pop_period"])
    joined = pop.merge(ev.rename(columns={"count": "events"}), on=[*keys, "age_band"], how="left")
    joined["events"] = joined["events"].fillna(0.0)
    return (
        joined.rename(columns={"count": "population"}).astype({"age_band": str}).pipe(pd.DataFrame)
    )


# -- demography ---------------------------------------------------------------------------
def total_population(ctx: ComputeContext) -> pd.DataFrame:
    totals = _population_totals(ctx)
    return totals.assign(
        value=totals["count"],
        denominator=None,
        method="Sum of mid-year estimates",
        count=totals["count"],
    )


def _percent_aged(ctx: ComputeContext, min_age: int) -> pd.DataFrame:
    from jsna.indicators import methods

    pop, notes = england_population(ctx)
    older = (
        pop[pop["age_from"].ge(min_age)].groupby(AREA_PERIOD_SEX, as_index=False)[["count"]].sum()
    )
    older = _with_persons(older, AREA_PERIOD_SEX).rename(columns={"count": "older"})
    totals = _population_totals(ctx, pop).rename(columns={"count": "total"})
    data = totals.merge(older, on=AREA_PERIOD_SEX, how="left").fillna({"older": 0.0})
    out = methods.proportion(
        data,
        numerator="older",
        denominator="total",
        by=AREA_PERIOD_SEX,
        multiplier=100,
        **ctx.interval_options(),
    )
    out = out.rename(columns={"note": "value_note"})
    if notes:
        summed = out["area_code"].eq(ENGLAND) & out["period"].astype(str).isin(notes)
        note = out.loc[summed, "period"].astype(str).map(notes)
        existing = out.loc[summed, "value_note"]
        out.loc[summed, "value_note"] = note.where(
            existing.isna() | existing.eq(""), existing + "; " + note
        )
    return out


def percent_aged_65_plus(ctx: ComputeContext) -> pd.DataFrame:
    return _percent_aged(ctx, 65).assign(age="All ages")


def percent_aged_85_plus(ctx: ComputeContext) -> pd.DataFrame:
    return _percent_aged(ctx, 85).assign(age="All ages")


# -- mortality ----------------------------------------------------------------------------
def crude_mortality_rate(ctx: ComputeContext) -> pd.DataFrame:
    from jsna.indicators import methods

    deaths = _deaths(ctx).groupby(AREA_PERIOD_SEX, as_index=False)[["count"]].sum()
    deaths = _with_persons(deaths, AREA_PERIOD_SEX).rename(columns={"count": "deaths"})
    data = deaths.merge(
        _population_totals(ctx).rename(columns={"count": "population"}), on=AREA_PERIOD_SEX
    )
    out = methods.crude_rate(
        data,
        count="deaths",
        population="population",
        by=AREA_PERIOD_SEX,
        **ctx.interval_options(),
    )
    return out.rename(columns={"note": "value_note"})


def _dsr(ctx: ComputeContext, *, max_age: int | None = None) -> pd.DataFrame:
    from jsna.indicators import methods

    deaths = _deaths(ctx)
    joined = _esp_join(ctx, deaths, keys=AREA_PERIOD_SEX)
    standard = methods.european_standard_population()
    if max_age is not None:
        bands = [b for b in ESP_BANDS if b != "90+" and int(b.split("-")[1]) < max_age]
        joined = joined[joined["age_band"].isin(bands)]
        standard = standard[standard.index.isin(bands)]
    return _standardise(joined, standard, AREA_PERIOD_SEX, ctx.interval_options()).rename(
        columns={"note": "value_note"}
    )


def _standardise(
    joined: pd.DataFrame,
    standard: pd.Series,
    by: list[str],
    options: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """Directly standardised rates; a group with an empty age band gets a note, not a value.

    Small areas (LSOAs) often have nobody in a band such as 90+: the rule for that is the
    method's (``zero_population="missing"``), so such groups are reported, not dropped.
    """
    import pandas as pd

    from jsna.indicators import methods

    if joined.empty:
        return pd.DataFrame(
            {**{k: pd.Series(dtype=object) for k in by}, "value": pd.Series(dtype="float64")}
        )
    return methods.directly_standardised_rate(
        joined,
        count="events",
        population="population",
        age_band="age_band",
        standard_population=standard,
        by=by,
        zero_population="missing",
        **(options or {}),
    )


def mortality_dsr(ctx: ComputeContext) -> pd.DataFrame:
    return _dsr(ctx)


def mortality_under_75_dsr(ctx: ComputeContext) -> pd.DataFrame:
    return _dsr(ctx, max_age=75).assign(age="<75 yrs")


def _pooled_three_years(frame: pd.DataFrame, keys: list[str], value: str) -> pd.DataFrame:
    """Sum each run of three consecutive single years into periods labelled '2022-24'."""
    import pandas as pd

    frame = frame[frame["period"].astype(str).str.fullmatch(r"\d{4}")].copy()
    frame["_year"] = frame["period"].astype(int)
    others = [k for k in keys if k != "period"]
    pieces = [frame.assign(_end=frame["_year"] + shift) for shift in (0, 1, 2)]
    stacked = pd.concat(pieces, ignore_index=True)
    grouped = stacked.groupby([*others, "_end"], as_index=False).agg(
        **{value: (value, "sum"), "_n": ("_year", "nunique")}
    )
    grouped = grouped[grouped["_n"].eq(3) & grouped["_end"].le(frame["_year"].max())]
    grouped["period"] = grouped["_end"].map(lambda y: f"{y - 2}-{str(y)[-2:]}")
    return grouped.drop(columns=["_end", "_n"])


def _life_expectancy(ctx: ComputeContext, start_age: int) -> pd.DataFrame:
    from jsna.indicators import methods

    keys = [*AREA_PERIOD_SEX, "age_band"]
    needs_population_by_sex(ctx, ctx.population(), "life expectancy is computed by sex")
    pop = _pooled_three_years(ctx.population("life_table"), keys, "count")
    deaths = _pooled_three_years(rebin(_deaths(ctx), "life_table"), keys, "count").rename(
        columns={"count": "deaths"}
    )
    data = pop.merge(deaths, on=keys, how="inner")
    data = data[data["sex"].isin(["Male", "Female"])]
    complete = data.groupby(AREA_PERIOD_SEX)["age_band"].transform("nunique").eq(20)
    data = data[complete]
    if data.empty:
        raise MissingInput(
            "three consecutive years of deaths from all causes and of population estimates for one "
            "area, by sex and in all 20 life-table age bands (<1, 1-4, 5-9 … 85-89, 90+)"
        )
    out = methods.life_expectancy(
        data,
        deaths="deaths",
        population="count",
        age_band="age_band",
        by=AREA_PERIOD_SEX,
        start_ages=[start_age],
    )
    label = "All ages" if start_age == 0 else f"{start_age} yrs"
    return (
        out.drop(columns=["age_band", "start_age"])
        .rename(columns={"note": "value_note"})
        .assign(age=label)
    )


def life_expectancy_at_birth(ctx: ComputeContext) -> pd.DataFrame:
    return _life_expectancy(ctx, 0)


def life_expectancy_at_65(ctx: ComputeContext) -> pd.DataFrame:
    return _life_expectancy(ctx, 65)


# -- service use --------------------------------------------------------------------------
def service_use_dsr(ctx: ComputeContext) -> pd.DataFrame:
    """One directly standardised rate per activity measure, over the bands the measure covers."""
    import pandas as pd

    from jsna.indicators import methods

    events = ctx.table_view("events")
    events = events[~events["measure"].str.lower().eq("deaths")]
    if events.empty:
        return pd.DataFrame(columns=["area_code", "period", "value"])
    keys = [*AREA_PERIOD_SEX, "measure"]
    joined = _esp_join(ctx, events, keys=keys)
    if joined.empty:
        wanted = ", ".join(sorted(events["period"].astype(str).unique()))
        have = ", ".join(sorted(ctx.population()["period"].astype(str).unique())) or "no period"
        raise MissingInput(
            f"population estimates of the same areas for the periods of the activity counts "
            f"({wanted}); the estimates loaded are for {have}"
        )
    covered = rebin(events, "esp", keys=("measure",))
    standard = methods.european_standard_population()
    pieces = []
    for measure, bands in covered.groupby("measure")["age_band"]:
        subset = joined[joined["measure"].eq(measure) & joined["age_band"].isin(set(bands))]
        std = standard[standard.index.isin(set(bands))]
        out = _standardise(subset, std, AREA_PERIOD_SEX, ctx.interval_options())
        youngest = min(int(re.match(r"\d+", b).group(0)) for b in bands)  # type: ignore[union-attr]
        out["age"] = "All ages" if youngest == 0 else f"{youngest}+ yrs"
        out["category_type"] = "Activity"
        out["category"] = measure
        pieces.append(out)
    if not pieces:
        return pd.DataFrame(columns=["area_code", "period", "value"])
    out = pd.concat(pieces, ignore_index=True).rename(columns={"note": "value_note"})
    return out.astype({"value": "float64"})


# -- imported Fingertips values -----------------------------------------------------------
_SECTION_RULES = (
    (
        "social_context",
        r"depriv|income|unemploy|homeless|housing|crime|educat|pollution|fuel poverty|"
        r"employment|loneli|violence|poverty|school|care leaver|ksi|killed",
    ),
    (
        "met_needs",
        r"admission|attendance|a&e|screening|vaccin|immunis|coverage|health check|uptake|"
        r"treatment|referral|emergency|elective|outpatient|diagnos",
    ),
    # service-user and carer experience (ASCOF 1D, 1J, 3D and the like) before service measures
    ("voice", r"satisf|survey|experience|quality of life|finding information|ease of"),
    (
        "met_needs",
        r"short-term service|requests? (?:for support )?resulting|workforce|turnover|reablement|"
        r"delayed transfer|care home|home care",
    ),
)


def section_for(
    indicator_name: str, overrides: dict[str, str] | None = None, indicator_id: str = ""
) -> str:
    """Minimum-dataset section of an imported indicator: config override, else by its name."""
    if overrides and indicator_id in overrides:
        return overrides[indicator_id]
    text = str(indicator_name).lower()
    for section, pattern in _SECTION_RULES:
        if re.search(pattern, text):
            return section
    return "health_status"


def _infer_polarity(values: pd.DataFrame) -> pd.Series:
    """Polarity of each imported indicator from its own Better/Worse labels, per indicator id."""
    import numpy as np
    import pandas as pd

    england = values[values["area_code"].eq("E92000001") & values["category_type"].isna()]
    bench = england.drop_duplicates(["indicator_id", "period", "sex", "age"])[
        ["indicator_id", "period", "sex", "age", "value"]
    ].rename(columns={"value": "_b"})
    m = values.merge(bench, on=["indicator_id", "period", "sex", "age"], how="inner")
    judged = m[m["compared_to_benchmark"].isin(["Better", "Worse"])]
    sign = pd.Series(
        np.sign((judged["value"] - judged["_b"]).to_numpy(dtype="float64", na_value=np.nan))
        * np.where(judged["compared_to_benchmark"].eq("Better"), 1, -1),
        index=judged.index,
    )
    score = sign.groupby(judged["indicator_id"]).mean()
    polarity = {i: "high_is_good" if s > 0 else "low_is_good" for i, s in score.items()}
    return values["indicator_id"].map(lambda i: polarity.get(i, "no_judgement"))


def fingertips_imports(ctx: ComputeContext) -> pd.DataFrame:
    values = ctx.table("indicator_values")
    overrides = (ctx.config.get("fingertips") or {}).get("sections", {})
    polarity_overrides = (ctx.config.get("fingertips") or {}).get("polarity", {})
    names = values.drop_duplicates("indicator_id").set_index("indicator_id")["indicator_name"]
    sections = {i: section_for(n, overrides, str(i)) for i, n in names.items()}
    values["section"] = values["indicator_id"].map(sections)
    values["polarity"] = _infer_polarity(values)
    if polarity_overrides:
        values["polarity"] = (
            values["indicator_id"].map(polarity_overrides).fillna(values["polarity"])
        )
    values["method"] = _publisher_note(ctx, values["source_id"])
    values["value_note"] = _limits_notes(ctx, values)
    values["age"] = _one_age_per_indicator(values)
    values["source"] = "imported"
    pairs = list(
        zip(
            values["unit"].astype("object").where(values["unit"].notna(), None),
            values["indicator_name"],
            strict=True,
        )
    )
    units = {pair: _unit_of(*pair) for pair in set(pairs)}
    values["unit"] = [units[pair] for pair in pairs]
    return values.drop(columns=["source_id"]).drop_duplicates(
        ["indicator_id", "area_code", "period", "sex", "age", "category_type", "category"]
    )


#: age labels that state no age group: Fingertips writes "Not applicable" for some periods of a
#: series whose other periods name the age group
_NO_AGE = ("Not applicable", "All ages")


def _one_age_per_indicator(values: pd.DataFrame) -> pd.Series:
    """Ages of published rows, with "Not applicable" (or none) read as the indicator's one stated age.

    Where an indicator states exactly one age group in some rows and none in others (QOF
    smoking: "Not applicable" in 2015/16, "15+ yrs" after), the rows are one series, so the
    report shows one latest value. An indicator with several age groups keeps its rows as they are.
    """
    age = values["age"].astype("object")
    generic = age.isna() | age.isin(_NO_AGE)
    specific = age[~generic].groupby(values.loc[~generic, "indicator_id"]).unique()
    single = {i: a[0] for i, a in specific.items() if len(a) == 1}
    fill = values["indicator_id"].map(single)
    return age.where(~(generic & fill.notna()), fill)


def _limits_notes(ctx: ComputeContext, values: pd.DataFrame) -> pd.Series:
    """Value notes, with whether a published table's limits are reproduced from its counts."""
    from jsna.indicators.published import limits_agreement

    prov = ctx.table("provenance")
    tables = set(prov.loc[prov["layout"].eq("published-table"), "source_id"].astype(int))
    rows = values["source_id"].map(lambda sid: int(sid) in tables)
    notes = values["value_note"].astype("object").copy()
    if not rows.any():
        return notes
    checked = limits_agreement(values[rows])
    old = notes[checked.index]
    notes[checked.index] = [
        n if not isinstance(o, str) or not o else (o if n is None else f"{o}; {n}")
        for o, n in zip(old, checked, strict=True)
    ]
    return notes


def _publisher_note(ctx: ComputeContext, source_ids: pd.Series) -> pd.Series:
    """Who published each imported value, in words, with the file it came from.

    A Fingertips data download names OHID; any other tidy file of published values (Local
    Health, Census tables, Oflog, a council's own) is credited to its file, never to OHID.
    """
    prov = ctx.table("provenance")
    notes = {
        int(sid): (
            f"Published by OHID (Fingertips), from {name}"
            if layout == "fingertips-download"
            else f"Published values, from {name}"
        )
        for sid, name, layout in zip(
            prov["source_id"], prov["file_name"], prov["layout"], strict=True
        )
    }
    return source_ids.map(lambda sid: notes.get(int(sid), "Published values"))


_RATIO = re.compile(r"\b(smr|sir|sar|standardi[sz]ed (mortality|incidence|admission) ratio)\b")


def _unit_of(measure: object, name: object) -> str:
    """The unit of a published value, from the file's measure/unit text, else its name.

    Fingertips and Local Health files state what a value is in a measure column ("Percentage",
    "Cumulative percentage from eligible", "Rate per 1,000", "SMR") or only in the indicator's
    name ("… (per 100,000 population)"). Standardised ratios are indexed to England = 100.
    """
    texts = [str(t) for t in (measure, name) if isinstance(t, str) and t.strip()]
    for text in texts:
        if m := re.search(r"per ([\d,]+)", text):
            return f"per {m.group(1)}"
    for text in (t.lower() for t in texts):
        if "%" in text or "percent" in text or "prevalence" in text or "proportion" in text:
            return "%"
        if _RATIO.search(text):
            return "ratio (England = 100)"
        if "life expectancy" in text or text == "years":
            return "years"
        if text == "count":
            return "count"
    return ""


INDICATORS = [
    Indicator(
        id="total-population",
        title="Total population",
        section="demography",
        polarity="no_judgement",
        unit="people",
        compute=total_population,
        decimals=0,
        benchmark="none",
        requires=("population",),
        disclosure="value-is-count",
        method="Sum of mid-year population estimates",
        definition="Usually resident population at mid-year, all ages.",
    ),
    Indicator(
        id="percent-aged-65-plus",
        title="Population aged 65 and over",
        section="demography",
        polarity="no_judgement",
        unit="%",
        multiplier=100,
        compute=percent_aged_65_plus,
        requires=("population",),
        method="Proportion with Wilson score limits",
        definition="Residents aged 65 and over as a percentage of all residents.",
    ),
    Indicator(
        id="percent-aged-85-plus",
        title="Population aged 85 and over",
        section="demography",
        polarity="no_judgement",
        unit="%",
        multiplier=100,
        compute=percent_aged_85_plus,
        requires=("population",),
        method="Proportion with Wilson score limits",
        definition="Residents aged 85 and over as a percentage of all residents.",
    ),
    Indicator(
        id="mortality-all-causes-crude-rate",
        title="Deaths from all causes, crude rate",
        # a crude rate mostly reflects the age structure, so it is compared without judgement
        section="health_status",
        polarity="no_judgement",
        unit="per 100,000",
        multiplier=100_000,
        compute=crude_mortality_rate,
        requires=("population", "events"),
        needs=needs_all_cause_deaths,
        method="Crude rate; Byar's limits (exact Poisson below 10 deaths)",
        definition="Deaths from all causes registered in the period per 100,000 residents.",
    ),
    Indicator(
        id="mortality-all-causes-dsr",
        title="Deaths from all causes, directly standardised rate",
        section="health_status",
        polarity="low_is_good",
        unit="per 100,000",
        multiplier=100_000,
        compute=mortality_dsr,
        requires=("population", "events"),
        equivalents=(("Mortality rate from all causes", None), ("All-cause mortality", None)),
        needs=needs_all_cause_deaths,
        method="Directly standardised to the 2013 European Standard Population; Dobson limits",
        definition="Age-standardised rate of deaths from all causes per 100,000 (ESP2013).",
    ),
    Indicator(
        id="mortality-under-75-dsr",
        title="Deaths under 75 from all causes, directly standardised rate",
        section="health_status",
        polarity="low_is_good",
        unit="per 100,000",
        multiplier=100_000,
        compute=mortality_under_75_dsr,
        requires=("population", "events"),
        # Fingertips 108, "Under 75 mortality rate from all causes" (Public Health Outcomes Framework)
        equivalents=(("108", "<75 yrs"), ("Under 75 mortality rate from all causes", None)),
        needs=needs_all_cause_deaths,
        method="Directly standardised (ESP2013, ages 0-74); Dobson limits",
        definition="Age-standardised rate of deaths under 75 from all causes per 100,000.",
    ),
    Indicator(
        id="life-expectancy-at-birth",
        title="Life expectancy at birth",
        section="health_status",
        polarity="high_is_good",
        unit="years",
        compute=life_expectancy_at_birth,
        # Fingertips 90366, "Life expectancy at birth" (PHOF A01b), published by sex for 3-year periods
        equivalents=(("90366", "All ages"), ("Life expectancy at birth", None)),
        requires=("population", "events"),
        needs=needs_all_cause_deaths,
        method="Chiang II abridged life table (20 bands, 90+), Silcocks variance; 3 years pooled",
        definition="Average years a newborn would live at the death rates of the three-year period.",
    ),
    Indicator(
        id="life-expectancy-at-65",
        title="Life expectancy at 65",
        section="health_status",
        polarity="high_is_good",
        unit="years",
        compute=life_expectancy_at_65,
        # Fingertips 90366 at age "65 yrs" ("Life expectancy at 65", PHOF A01c)
        equivalents=(("90366", "65 yrs"), ("Life expectancy at 65", None)),
        requires=("population", "events"),
        needs=needs_all_cause_deaths,
        method="Chiang II abridged life table (20 bands, 90+), Silcocks variance; 3 years pooled",
        definition="Average further years a person aged 65 would live at current death rates.",
    ),
    Indicator(
        id="service-use-dsr",
        title="Service use, directly standardised rate",
        section="met_needs",
        polarity="no_judgement",
        unit="per 100,000",
        multiplier=100_000,
        compute=service_use_dsr,
        requires=("population", "events"),
        needs=needs_activity,
        method="Directly standardised (ESP2013, over the ages the activity covers); Dobson limits",
        definition="Admissions, attendances or other activity per 100,000 residents, by activity.",
    ),
    Indicator(
        id="fingertips-imports",
        title="Indicators imported from Fingertips",
        section="health_status",
        polarity="no_judgement",
        unit="",
        compute=fingertips_imports,
        requires=("indicator_values",),
        source="imported",
        method="Published by OHID (Fingertips)",
        definition="Values, limits and comparisons as published in Fingertips data downloads.",
    ),
]
