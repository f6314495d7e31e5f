"""Built-in indicators, registered through the ``jsna.indicators`` entry point like any plugin."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from jsna.indicators.context import ESP_BANDS, ComputeContext, rebin
from jsna.indicators.spec import Indicator

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
    persons = mf[both].groupby(others, as_index=False, dropna=False)[value].sum().assign(sex="Persons")
    existing = frame[frame["sex"].eq("Persons")]
    if len(existing):
        merged = persons.merge(existing[others].drop_duplicates(), on=others, how="left", indicator=True)
        persons = persons[merged["_merge"].eq("left_only").to_numpy()]
    return pd.concat([frame, persons], ignore_index=True)


def _population_totals(ctx: ComputeContext) -> pd.DataFrame:
    pop = ctx.population()
    totals = pop.groupby(AREA_PERIOD_SEX, as_index=False)["count"].sum()
    return _with_persons(totals, AREA_PERIOD_SEX)


def _deaths(ctx: ComputeContext) -> pd.DataFrame:
    events = ctx.table_view("events")
    return events[events["measure"].str.lower().eq("deaths")]


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
    series["_pop_period"] = series["period"].astype(str).str.replace(r"^(\d{4})/\d{2}$", r"\1", regex=True)
    pop = pop.rename(columns={"period": "_pop_period"}).merge(series, on=["area_code", "_pop_period"])
    pop = pop.drop(columns=["_pop_period"])
    joined = pop.merge(ev.rename(columns={"count": "events"}), on=[*keys, "age_band"], how="left")
    joined["events"] = joined["events"].fillna(0.0)
    return joined.rename(columns={"count": "population"}).astype({"age_band": str}).pipe(pd.DataFrame)


# -- demography ---------------------------------------------------------------------------
def total_population(ctx: ComputeContext) -> pd.DataFrame:
    totals = _population_totals(ctx)
    return totals.assign(value=totals["count"], denominator=None, method="Sum of mid-year estimates",
                         count=totals["count"])


def _percent_aged(ctx: ComputeContext, min_age: int) -> pd.DataFrame:
    from jsna.indicators import methods

    pop = ctx.population()
    older = pop[pop["age_from"].ge(min_age)].groupby(AREA_PERIOD_SEX, as_index=False)["count"].sum()
    older = _with_persons(older, AREA_PERIOD_SEX).rename(columns={"count": "older"})
    totals = _population_totals(ctx).rename(columns={"count": "total"})
    data = totals.merge(older, on=AREA_PERIOD_SEX, how="left").fillna({"older": 0.0})
    out = methods.proportion(data, numerator="older", denominator="total", by=AREA_PERIOD_SEX, multiplier=100)
    return out.rename(columns={"note": "value_note"})


def percent_aged_65_plus(ctx: ComputeContext) -> pd.DataFrame:
    return _percent_aged(ctx, 65).assign(age="All ages")


def percent_aged_85_plus(ctx: ComputeContext) -> pd.DataFrame:
    return _percent_aged(ctx, 85).assign(age="All ages")


# -- mortality ----------------------------------------------------------------------------
def crude_mortality_rate(ctx: ComputeContext) -> pd.DataFrame:
    from jsna.indicators import methods

    deaths = _deaths(ctx).groupby(AREA_PERIOD_SEX, as_index=False)["count"].sum()
    deaths = _with_persons(deaths, AREA_PERIOD_SEX).rename(columns={"count": "deaths"})
    data = deaths.merge(_population_totals(ctx).rename(columns={"count": "population"}), on=AREA_PERIOD_SEX)
    out = methods.crude_rate(data, count="deaths", population="population", by=AREA_PERIOD_SEX)
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
    return _standardise(joined, standard, AREA_PERIOD_SEX).rename(columns={"note": "value_note"})


def _standardise(joined: pd.DataFrame, standard: pd.Series, by: list[str]) -> pd.DataFrame:
    """Directly standardised rates; groups with an empty age band get a note instead of a value.

    Small areas (LSOAs) often have nobody in a band such as 90+; a rate cannot be
    standardised over a band with no population, so those groups are reported, not dropped.
    """
    import numpy as np
    import pandas as pd

    from jsna.indicators import methods

    empty_band = joined["population"].le(0)
    bad_groups = joined.loc[empty_band, by].drop_duplicates()
    if len(bad_groups):
        flagged = joined.merge(bad_groups.assign(_bad=True), on=by, how="left")["_bad"].eq(True).to_numpy()
    else:
        flagged = np.zeros(len(joined), dtype=bool)
    good = joined[~flagged]
    pieces = []
    if len(good):
        pieces.append(methods.directly_standardised_rate(good, count="events", population="population",
                                                         age_band="age_band", standard_population=standard, by=by))
    if len(bad_groups):
        totals = joined[flagged].groupby(by, as_index=False).agg(count=("events", "sum"),
                                                                 denominator=("population", "sum"))
        totals["value"] = np.nan
        totals["method"] = "Dobson"
        totals["note"] = "not calculated: an age band has no population"
        pieces.append(totals)
    if not pieces:
        return pd.DataFrame({**{k: pd.Series(dtype=object) for k in by}, "value": pd.Series(dtype="float64")})
    return pd.concat(pieces, ignore_index=True)


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
    grouped = stacked.groupby([*others, "_end"], as_index=False).agg(**{value: (value, "sum"), "_n": ("_year", "nunique")})
    grouped = grouped[grouped["_n"].eq(3) & grouped["_end"].le(frame["_year"].max())]
    grouped["period"] = grouped["_end"].map(lambda y: f"{y - 2}-{str(y)[-2:]}")
    return grouped.drop(columns=["_end", "_n"])


def _life_expectancy(ctx: ComputeContext, start_age: int) -> pd.DataFrame:
    from jsna.indicators import methods

    keys = [*AREA_PERIOD_SEX, "age_band"]
    pop = _pooled_three_years(ctx.population("life_table"), keys, "count")
    deaths = _pooled_three_years(rebin(_deaths(ctx), "life_table"), keys, "count").rename(columns={"count": "deaths"})
    data = pop.merge(deaths, on=keys, how="inner")
    data = data[data["sex"].isin(["Male", "Female"])]
    complete = data.groupby(AREA_PERIOD_SEX)["age_band"].transform("nunique").eq(20)
    data = data[complete]
    if data.empty:
        return data.assign(value=[])
    out = methods.life_expectancy(data, deaths="deaths", population="count", age_band="age_band",
                                  by=AREA_PERIOD_SEX, start_ages=[start_age])
    label = "All ages" if start_age == 0 else f"{start_age} yrs"
    return out.drop(columns=["age_band", "start_age"]).rename(columns={"note": "value_note"}).assign(age=label)


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
    covered = rebin(events, "esp", keys=("measure",))
    standard = methods.european_standard_population()
    pieces = []
    for measure, bands in covered.groupby("measure")["age_band"]:
        subset = joined[joined["measure"].eq(measure) & joined["age_band"].isin(set(bands))]
        std = standard[standard.index.isin(set(bands))]
        out = _standardise(subset, std, AREA_PERIOD_SEX)
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
    ("social_context", r"depriv|income|unemploy|homeless|housing|crime|educat|pollution|fuel poverty|"
                       r"employment|loneli|violence|poverty|school|care leaver|ksi|killed"),
    ("met_needs", r"admission|attendance|a&e|screening|vaccin|immunis|coverage|health check|uptake|"
                  r"treatment|referral|emergency|elective|outpatient|diagnos"),
    # service-user and carer experience (ASCOF 1D, 1J, 3D and the like) before service measures
    ("voice", r"satisf|survey|experience|quality of life|finding information|ease of"),
    ("met_needs", r"short-term service|requests? (?:for support )?resulting|workforce|turnover|reablement|"
                  r"delayed transfer|care home|home care"),
)


def section_for(indicator_name: str, overrides: dict[str, str] | None = None, indicator_id: str = "") -> str:
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

    england = values[values["area_code"].eq("E92000001") & values["category_type"].isna()]
    bench = england.drop_duplicates(["indicator_id", "period", "sex", "age"])[
        ["indicator_id", "period", "sex", "age", "value"]].rename(columns={"value": "_b"})
    m = values.merge(bench, on=["indicator_id", "period", "sex", "age"], how="inner")
    judged = m[m["compared_to_benchmark"].isin(["Better", "Worse"])]
    sign = np.sign(judged["value"] - judged["_b"]) * np.where(judged["compared_to_benchmark"].eq("Better"), 1, -1)
    score = sign.groupby(judged["indicator_id"]).mean()
    polarity = score.map(lambda s: "high_is_good" if s > 0 else "low_is_good")
    return values["indicator_id"].map(polarity).fillna("no_judgement")


def fingertips_imports(ctx: ComputeContext) -> pd.DataFrame:
    values = ctx.table("indicator_values")
    overrides = (ctx.config.get("fingertips") or {}).get("sections", {})
    polarity_overrides = (ctx.config.get("fingertips") or {}).get("polarity", {})
    names = values.drop_duplicates("indicator_id").set_index("indicator_id")["indicator_name"]
    sections = {i: section_for(n, overrides, i) for i, n in names.items()}
    values["section"] = values["indicator_id"].map(sections)
    values["polarity"] = _infer_polarity(values)
    if polarity_overrides:
        values["polarity"] = values["indicator_id"].map(polarity_overrides).fillna(values["polarity"])
    values["method"] = "Published by OHID (Fingertips)"
    values["source"] = "imported"
    values["unit"] = values["indicator_name"].map(_unit_from_name)
    return values.drop(columns=["source_id"]).drop_duplicates(
        ["indicator_id", "area_code", "period", "sex", "age", "category_type", "category"])


def _unit_from_name(name: str) -> str:
    text = str(name)
    if m := re.search(r"per ([\d,]+)", text):
        return f"per {m.group(1)}"
    if "%" in text or "percent" in text.lower() or "prevalence" in text.lower() or "proportion" in text.lower():
        return "%"
    if "life expectancy" in text.lower():
        return "years"
    return ""


INDICATORS = [
    Indicator(
        id="total-population", title="Total population", section="demography", polarity="no_judgement",
        unit="people", compute=total_population, decimals=0, benchmark="none", requires=("population",),
        disclosure="value-is-count",
        method="Sum of mid-year population estimates",
        definition="Usually resident population at mid-year, all ages.",
    ),
    Indicator(
        id="percent-aged-65-plus", title="Population aged 65 and over", section="demography",
        polarity="no_judgement", unit="%", multiplier=100, compute=percent_aged_65_plus,
        requires=("population",), method="Proportion with Wilson score limits",
        definition="Residents aged 65 and over as a percentage of all residents.",
    ),
    Indicator(
        id="percent-aged-85-plus", title="Population aged 85 and over", section="demography",
        polarity="no_judgement", unit="%", multiplier=100, compute=percent_aged_85_plus,
        requires=("population",), method="Proportion with Wilson score limits",
        definition="Residents aged 85 and over as a percentage of all residents.",
    ),
    Indicator(
        id="mortality-all-causes-crude-rate", title="Deaths from all causes, crude rate",
        # a crude rate mostly reflects the age structure, so it is compared without judgement
        section="health_status", polarity="no_judgement", unit="per 100,000", multiplier=100_000,
        compute=crude_mortality_rate, requires=("population", "events"),
        method="Crude rate; Byar's limits (exact Poisson below 10 deaths)",
        definition="Deaths from all causes registered in the period per 100,000 residents.",
    ),
    Indicator(
        id="mortality-all-causes-dsr", title="Deaths from all causes, directly standardised rate",
        section="health_status", polarity="low_is_good", unit="per 100,000", multiplier=100_000,
        compute=mortality_dsr, requires=("population", "events"),
        method="Directly standardised to the 2013 European Standard Population; Dobson limits",
        definition="Age-standardised rate of deaths from all causes per 100,000 (ESP2013).",
    ),
    Indicator(
        id="mortality-under-75-dsr", title="Deaths under 75 from all causes, directly standardised rate",
        section="health_status", polarity="low_is_good", unit="per 100,000", multiplier=100_000,
        compute=mortality_under_75_dsr, requires=("population", "events"),
        method="Directly standardised (ESP2013, ages 0-74); Dobson limits",
        definition="Age-standardised rate of deaths under 75 from all causes per 100,000.",
    ),
    Indicator(
        id="life-expectancy-at-birth", title="Life expectancy at birth", section="health_status",
        polarity="high_is_good", unit="years", compute=life_expectancy_at_birth,
        requires=("population", "events"),
        method="Chiang II abridged life table (20 bands, 90+), Silcocks variance; 3 years pooled",
        definition="Average years a newborn would live at the death rates of the three-year period.",
    ),
    Indicator(
        id="life-expectancy-at-65", title="Life expectancy at 65", section="health_status",
        polarity="high_is_good", unit="years", compute=life_expectancy_at_65,
        requires=("population", "events"),
        method="Chiang II abridged life table (20 bands, 90+), Silcocks variance; 3 years pooled",
        definition="Average further years a person aged 65 would live at current death rates.",
    ),
    Indicator(
        id="service-use-dsr", title="Service use, directly standardised rate", section="met_needs",
        polarity="no_judgement", unit="per 100,000", multiplier=100_000, compute=service_use_dsr,
        requires=("population", "events"),
        method="Directly standardised (ESP2013, over the ages the activity covers); Dobson limits",
        definition="Admissions, attendances or other activity per 100,000 residents, by activity.",
    ),
    Indicator(
        id="fingertips-imports", title="Indicators imported from Fingertips", section="health_status",
        polarity="no_judgement", unit="", compute=fingertips_imports, requires=("indicator_values",),
        source="imported", method="Published by OHID (Fingertips)",
        definition="Values, limits and comparisons as published in Fingertips data downloads.",
    ),
]
