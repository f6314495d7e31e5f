"""Report sections 7-10: inequalities, projected service use, projected outcomes, value for money.

Each builder reads the analyses ``jsna compute`` stored for the area (``analysis_*`` tables and
``analysis_facts``, through :meth:`ReportContext.analysis_results`; computed by
:mod:`jsna.indicators.analyses`), then adds headline numbers, charts, a table and a plain-English
summary generated from the numbers. Where an input is missing, the section says exactly which
input would fill it. Nothing here computes a statistic.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from jsna.report import analysis_charts as ac
from jsna.report.disclosure import Hierarchy, protect_results
from jsna.report.input_blocks import generic
from jsna.report.model import Cell, Headline, Section, Table
from jsna.report.text import change_phrase, fmt, fmt_change, fmt_interval, fmt_money, is_missing

if TYPE_CHECKING:
    import pandas as pd

    from jsna.report.context import ReportContext

#: the row of a personal health budget table that adds up the types
ALL = "All types"


def _failed(rc: ReportContext, section: Section, res: dict[str, Any], what: str) -> None:
    """Say in the section that a stored analysis failed for this area (no error text)."""
    if "failed" in res:
        section.missing.append(
            f"{what}: could not be calculated for {rc.area_name} from the inputs loaded; the "
            "analysis_facts table (jsna export) gives the reason"
        )


def _significant(lower: float, upper: float) -> bool:
    return not (is_missing(lower) or is_missing(upper)) and (lower > 0 or upper < 0)


def _pct(x: float) -> str:
    return f"{x * 100:.0f}%"


# -- section 7 -------------------------------------------------------------------------------------
def build_inequalities(rc: ReportContext, section: Section) -> None:
    res = rc.analysis_results("inequality")
    _failed(rc, section, res, "the inequality analyses")
    if "gap" in res:
        _deprivation_gap(rc, section, res)
    if "sii" in res:
        _sii(rc, section, res)
    if "heat" in res:
        section.tables.append(
            _heat_table(
                res["heat"],
                f"Summary measures of inequality in life expectancy at birth "
                f"across local deprivation quintiles, {rc.area_name}",
                "inequalities-heat",
                decimals=2,
            )
        )
    if "benchmark_gap_by_cause" in res:
        _benchmark_gap(rc, section, res)
    # ward ranges have their own table (input_blocks.add_inequality_blocks)
    rows = generic(rc.latest(rc.area_results(section="inequalities")))
    rows = rows[
        rows["category_type"].notna()
        & ~rows["indicator_id"].eq("life-expectancy-by-deprivation-quintile")
    ]
    other = generic(rc.latest(rc.area_results()))
    other = other[
        other["category_type"].notna()
        & other["category_type"].ne("Activity")
        & other["section"].ne("inequalities")
    ]
    for frame, caption, tid in (
        (rows, f"Indicators by deprivation, {rc.area_name}", "inequality-breakdowns"),
        (other, f"Other indicators by population group, {rc.area_name}", "inequality-other"),
    ):
        if len(frame):
            section.tables.append(_breakdown_table(rc, frame, caption, tid))
    if "gap" not in res:
        section.missing.append(
            "breakdowns by deprivation: deaths by LSOA (jsna ingest deaths FILE) with LSOA "
            "population (jsna ingest population FILE) and IMD by LSOA (jsna ingest deprivation FILE)"
        )
    if "benchmark_gap_by_cause" not in res:
        section.missing.append(
            f"the gap to {rc.benchmark_name} by cause: deaths by age, sex and cause for this area "
            f"and {rc.benchmark_name} (jsna ingest deaths FILE with a cause column) with their "
            "population estimates"
        )


def _breakdown_table(rc: ReportContext, rows: pd.DataFrame, caption: str, table_id: str) -> Table:
    """Indicator values by category (deprivation decile, ward, …) with limits; categories in natural order."""
    import re

    def key(text: object) -> tuple[int, str]:
        m = re.match(r"(\d+)", str(text))
        return (int(m.group(1)) if m else 10**6, str(text))

    rows = protect_results(rows, rc.policy, rc.disclosure_rules)
    rows = rows.assign(_k=rows["category"].map(key)).sort_values(["indicator_name", "sex", "_k"])
    body = []
    for _, r in rows.iterrows():
        d = rc.decimals(str(r["indicator_id"]))
        value = fmt(r["value"], d)
        interval = fmt_interval(r.get("lower_ci_95"), r.get("upper_ci_95"), d)
        if not is_missing(r["value_text"]):
            value = str(r["value_text"])
        if r["value_flag"] == "marked":
            value += rc.policy.marker
        elif r["value_flag"] == "hidden" or r["value_hidden"]:
            value, interval = rc.policy.symbol, rc.policy.symbol
        body.append(
            [
                Cell(str(r["indicator_name"])),
                Cell(str(r["category_type"])),
                Cell(str(r["category"])),
                Cell(str(r["sex"])),
                Cell(str(r["period"])),
                Cell(value, numeric=True),
                Cell(str(r.get("unit") or "")),
                Cell(interval, numeric=True),
                Cell("" if is_missing(r.get("value_note")) else str(r["value_note"])),
            ]
        )
    return Table(
        caption=caption,
        id=table_id,
        rows=body,
        columns=[
            "Indicator",
            "Breakdown",
            "Group",
            "Sex",
            "Period",
            "Value",
            "Unit",
            "95% confidence interval",
            "Note",
        ],
        note=rc.policy.note(),
    )


def _lc(text: object) -> str:
    """Lower-case a name for a sentence unless it starts with an abbreviation ("A&E")."""
    t = str(text)
    return t if len(t) > 1 and not t[1].islower() else t[:1].lower() + t[1:]


def _deprivation_gap(rc: ReportContext, section: Section, res: dict[str, Any]) -> None:
    le, gap, parts = res["le_by_quintile"], res["gap"], res["gap_by_age"]
    period = str(le["period"].iloc[0])
    for _, g in gap.iterrows():
        sex = str(g["sex"]).lower() + "s"
        section.headlines.append(
            Headline(
                f"Life expectancy gap, most vs least deprived fifth ({sex})",
                fmt(g["value"], 1, "years"),
                f"95% CI {fmt_interval(g['lower_ci_95'], g['upper_ci_95'])}; {period}",
            )
        )
        sub = parts[parts["sex"].eq(g["sex"])]
        mid = sub[sub["start_age"].between(50, 74)]["contribution"].sum()
        share = mid / g["value"] if g["value"] else float("nan")
        sig = _significant(g["lower_ci_95"], g["upper_ci_95"])
        sentence = (
            f"For {sex}, the gap in life expectancy at birth between the most and least deprived fifths of "
            f"{rc.area_name}'s neighbourhoods is {fmt(g['value'], 1)} years (95% CI "
            f"{fmt_interval(g['lower_ci_95'], g['upper_ci_95'])}; {fmt(g['e0_comparison'], 1)} against "
            f"{fmt(g['e0_reference'], 1)} years, {period})"
        )
        sentence += (
            ""
            if sig
            else "; the interval includes no gap, so a real difference cannot be confirmed"
        )
        if sig and not is_missing(share):
            sentence += f"; {_pct(share)} of it arises from deaths at ages 50–74"
        section.summary.append(sentence + ".")
    for sex in gap["sex"]:
        section.figures.append(
            ac.gap_decomposition_chart(
                parts[parts["sex"].eq(sex)],
                title=f"Where the gap comes from: age bands, {str(sex).lower()}s, {period}",
                comparison="most deprived fifth",
                reference="least deprived fifth",
                figure_id=f"inequalities-gap-age-{str(sex).lower()}",
                source="Source: Arriaga decomposition of LSOA deaths and population pooled by local deprivation quintile",
            )
        )
    body = [
        [
            Cell(str(r["sex"])),
            Cell(
                str(int(r["quantile"]))
                + (
                    " (most deprived)"
                    if r["quantile"] == 1
                    else " (least deprived)"
                    if r["quantile"] == 5
                    else ""
                )
            ),
            Cell(rc.policy.count(r["population"]), numeric=True),
            Cell(fmt(r["value"], 1), numeric=True),
            Cell(fmt_interval(r["lower_ci_95"], r["upper_ci_95"]), numeric=True),
        ]
        for _, r in le.sort_values(["sex", "quantile"]).iterrows()
    ]
    section.tables.append(
        Table(
            caption=f"Life expectancy at birth by local deprivation quintile, {rc.area_name}, {period}",
            id="inequalities-le-quintile",
            columns=[
                "Sex",
                "Deprivation quintile",
                "Person-years",
                "Life expectancy (years)",
                "95% confidence interval",
            ],
            rows=body,
            note="Quintiles rank the area's LSOAs by IMD score within the area; deaths pooled over "
            "the period shown.",
        )
    )


def _sii(rc: ReportContext, section: Section, res: dict[str, Any]) -> None:
    sii, le10 = res["sii"], res["le_by_decile"]
    for _, s in sii.iterrows():
        sex = str(s["sex"])
        section.headlines.append(
            Headline(
                f"Slope index of inequality in life expectancy ({sex.lower()}s)",
                fmt(s["sii"], 1, "years"),
                f"95% CI {fmt_interval(s['sii_lower_ci_95'], s['sii_upper_ci_95'])}",
            )
        )
        section.summary.append(
            f"Across all ten local deprivation deciles the slope index of inequality for {sex.lower()}s is "
            f"{fmt(s['sii'], 1)} years (95% CI {fmt_interval(s['sii_lower_ci_95'], s['sii_upper_ci_95'])}): the "
            "modelled difference in life expectancy between the least and the most deprived ends of the area"
            + (
                "."
                if _significant(s["sii_lower_ci_95"], s["sii_upper_ci_95"])
                else ", although the interval includes zero."
            )
        )
        section.figures.append(
            ac.sii_chart(
                le10[le10["sex"].eq(sex)],
                sii=float(s["sii"]),
                intercept=float(s["intercept"]),
                title=f"Life expectancy by local deprivation decile, {sex.lower()}s, with the SII line",
                unit="years",
                figure_id=f"inequalities-sii-{sex.lower()}",
                source="Source: Low & Low slope index of inequality, simulated 95% limits",
            )
        )


_HEAT_NOTE = (
    "WHO Health Equity Assessment Toolkit measures. Difference and ratio: least minus (over) most "
    "deprived fifth; Theil index and mean log deviation ×1,000; RCI, PAF, coefficient of variation and "
    "index of disparity in %; between-group standard deviation and the mean difference from the least "
    "deprived fifth (the reference subgroup) in years."
)


def _heat_table(
    heat: pd.DataFrame, caption: str, table_id: str, decimals: int = 2, note: str = _HEAT_NOTE
) -> Table:
    by = [c for c in ("sex", "period") if c in heat.columns]
    body = []
    for _, r in heat.iterrows():
        cells = [Cell(str(r["measure"]))] + [Cell(str(r[c])) for c in by]
        cells += [
            Cell(fmt(r["value"], decimals), numeric=True),
            Cell(fmt_interval(r.get("lower_ci_95"), r.get("upper_ci_95"), decimals), numeric=True),
            Cell(str(r["method"])),
        ]
        body.append(cells)
    return Table(
        caption=caption,
        id=table_id,
        columns=[
            "Measure",
            *[c.title() for c in by],
            "Value",
            "95% confidence interval",
            "Interval",
        ],
        rows=body,
        note=note,
    )


def _benchmark_gap(rc: ReportContext, section: Section, res: dict[str, Any]) -> None:
    parts, gap = res["benchmark_gap_by_cause"], res["benchmark_gap"]
    period = str(gap["period"].iloc[0])
    for _, g in gap.iterrows():
        sex = str(g["sex"])
        sub = parts[parts["sex"].eq(sex)]
        sig = _significant(g["lower_ci_95"], g["upper_ci_95"])
        text = (
            f"{rc.benchmark_name}'s life expectancy at birth for {sex.lower()}s is {fmt(abs(g['value']), 1)} years "
            f"{'higher' if g['value'] > 0 else 'lower'} than {rc.area_name}'s ({period}; 95% CI "
            f"{fmt_interval(g['lower_ci_95'], g['upper_ci_95'])})"
        )
        if sig and g["value"] > 0:
            cell = (
                sub[sub["start_age"].between(50, 74)]
                .groupby("cause")["contribution"]
                .sum()
                .sort_values()
            )
            top = cell.index[-1]
            text += f"; {_pct(cell.iloc[-1] / g['value'])} of the gap is from {top.lower()} deaths at ages 50–74"
        elif not sig:
            text += "; the difference is not statistically significant"
        section.summary.append(text + ".")
        section.figures.append(
            ac.gap_decomposition_chart(
                sub,
                title=f"Life expectancy gap to {rc.benchmark_name} by age and cause, {sex.lower()}s, {period}",
                comparison=rc.area_name,
                reference=rc.benchmark_name,
                figure_id=f"inequalities-benchmark-gap-{sex.lower()}",
                source="Source: Arriaga decomposition of deaths by age and cause (Segment Tool method)",
            )
        )
    by_cause = parts.groupby(["sex", "cause"], as_index=False)["contribution"].sum()
    body = [
        [Cell(str(r["sex"])), Cell(str(r["cause"])), Cell(fmt(r["contribution"], 2), numeric=True)]
        for _, r in by_cause.iterrows()
    ]
    section.tables.append(
        Table(
            caption=f"Contribution of each cause to the life expectancy gap between {rc.area_name} "
            f"and {rc.benchmark_name}, {period}",
            id="inequalities-cause-gap",
            columns=["Sex", "Cause", "Years of the gap"],
            rows=body,
            note="Positive values widen the gap (higher death rates in the area).",
        )
    )


# -- sections 8 and 9 --------------------------------------------------------------------------------
def _projections(rc: ReportContext) -> dict[str, Any]:
    return rc.analysis_results("projection")


def _population_note(res: dict[str, Any]) -> str:
    if res.get("population_source") == "supplied":
        variants = [str(v) for v in res["variants"]]
        if len(variants) == 1:
            return f"The projected population is the one supplied ({variants[0]} variant)."
        return (
            f"The projected population is the one supplied, in {len(variants)} variants ({', '.join(variants)}); "
            f"figures use the {res['central_variant']} variant."
        )
    return (
        f"No population projection was supplied, so jsna projected the population itself: "
        f"{res.get('population_method', 'trend')}. Treat the later years with caution."
    )


def _projected_population(
    rc: ReportContext, section: Section, res: dict[str, Any], first: Any, last: Any, spread: Any
) -> None:
    """The projected-residents card and sentence (a projection with a trend or supplied variants)."""
    section.headlines.append(
        Headline(
            f"Projected residents, {int(last['year'])}",
            fmt(last["count"], 0),
            f"{fmt_change(last['count'] / first['count'] - 1, 1)} on {int(first['year'])}",
        )
    )
    section.summary.append(
        f"{rc.area_name}'s population is projected to change from {fmt(first['count'], 0)} in {int(first['year'])} "
        f"to {fmt(last['count'], 0)} in {int(last['year'])}"
        + (
            f" (from {fmt(spread.min(), 0)} to {fmt(spread.max(), 0)} across the variants)"
            if len(spread) > 1
            else ""
        )
        + "."
        + _estimate_note(rc, int(first["year"]), float(first["count"]))
        + " "
        + _population_note(res)
    )


def _estimate_note(rc: ReportContext, year: int, projected: float) -> str:
    """Where a projection's first year differs from the mid-year estimate of that year, say both."""
    rows = rc.area_results("total-population")
    rows = rows[rows["sex"].eq("Persons") & rows["period"].astype(str).eq(str(year))]
    if rows.empty or is_missing(rows["value"].iloc[0]):
        return ""
    estimate = float(rows["value"].iloc[0])
    if round(estimate) == round(projected):
        return ""
    return (
        f" The projection's {year} figure is its own starting point; the mid-{year} estimate is "
        f"{fmt(estimate, 0)}."
    )


def _projection_table(frame: pd.DataFrame, series: str, caption: str, table_id: str) -> Table:
    body = []
    base = frame[frame["scenario"].eq("Baseline")]
    first_year, last_year = base["year"].min(), base["year"].max()
    for name, rows in base.groupby(series, sort=True):
        for _, r in rows[rows["year"].isin([first_year, last_year])].iterrows():
            body.append(
                [
                    Cell(str(name)),
                    Cell(str(r["period"])),
                    Cell(fmt(r["value"], 0), numeric=True),
                    Cell(fmt_interval(r["lower_ci_95"], r["upper_ci_95"], 0), numeric=True),
                    Cell(fmt_interval(r["variant_low"], r["variant_high"], 0), numeric=True),
                ]
            )
    scenarios = frame[frame["scenario"].ne("Baseline")]
    for (series_name, scen), rows in scenarios.groupby([series, "scenario"], sort=False):
        last = rows[rows["year"].eq(last_year)]
        if len(last):
            r = last.iloc[0]
            body.append(
                [
                    Cell(f"{series_name}: {scen}"),
                    Cell(str(r["period"])),
                    Cell(fmt(r["value"], 0), numeric=True),
                    Cell(fmt_interval(r["lower_ci_95"], r["upper_ci_95"], 0), numeric=True),
                    Cell(fmt_interval(r["variant_low"], r["variant_high"], 0), numeric=True),
                ]
            )
    return Table(
        caption=caption,
        id=table_id,
        columns=[
            "Projection",
            "Year",
            "Projected number",
            "95% interval",
            "Range across population variants",
        ],
        rows=body,
        note="Intervals combine the sampling uncertainty of the rates with the spread of the "
        "population variants (simulation).",
    )


def build_projected_service_use(rc: ReportContext, section: Section) -> None:
    res = _projections(rc)
    _failed(rc, section, res, "the projections")
    held = res.get("central_variant") == "no change" and res.get("population_source") != "supplied"
    usable = "service_use" in res and len(res["service_use"]) > 0 and not held
    if usable:
        use, hist = res["service_use"], res["service_history"]
        base = use[use["scenario"].eq("Baseline")]
        last = base["year"].max()
        for name, rows in base.groupby("measure", sort=True):
            start_row = hist[hist["measure"].eq(name)].sort_values("year").iloc[-1]
            end = rows[rows["year"].eq(last)].iloc[0]
            change = end["value"] / start_row["value"] - 1
            section.headlines.append(
                Headline(
                    f"{name}, {end['period']}",
                    fmt(end["value"], 0),
                    f"{fmt_change(change)} on {start_row['year']}",
                )
            )
            rate_year = res.get("service_rate_period", str(start_row["year"]))
            section.summary.append(
                f"At {rate_year}'s age- and sex-specific rates, {_lc(name)} would go from {fmt(start_row['value'], 0)} "
                f"recorded in {start_row['year']} to about {fmt(end['value'], 0)} in {end['period']} (95% interval "
                f"{fmt_interval(end['lower_ci_95'], end['upper_ci_95'], 0)}), "
                f"{change_phrase(change)} driven by the changing size and age of the population."
            )
            section.figures.append(
                ac.fan_chart(
                    use[use["measure"].eq(name)],
                    title=f"Projected {_lc(name)}, {rc.area_name}",
                    unit="Number a year",
                    history=hist[hist["measure"].eq(name)],
                    figure_id=f"projected-use-{_slug(name)}",
                    source=(
                        f"Source: {res.get('service_rate_period', '')} use rates by age and sex × projected "
                        f"population, so the projection starts from the latest recorded year; interval from the "
                        f"{res.get('service_base_period', '')} counts. " + _population_note(res)
                    ),
                )
            )
        for scen in rc.config.scenarios:
            rows = use[use["scenario"].eq(scen.name) & use["year"].eq(last)]
            if len(rows):
                saved = (
                    base[base["year"].eq(last)].set_index("measure")["value"]
                    - rows.set_index("measure")["value"]
                ).dropna()
                saved = saved[saved.abs() > 0]
                if len(saved):
                    section.summary.append(
                        f"Under the scenario '{scen.name}', {last} would see "
                        + "; ".join(
                            f"{abs(v):,.0f} {'fewer' if v > 0 else 'more'} {str(k).lower()}"
                            for k, v in saved.items()
                        )
                        + " than the baseline."
                    )
        section.tables.append(
            _projection_table(
                use, "measure", f"Projected service use, {rc.area_name}", "projected-use-table"
            )
        )
        section.summary.append(_population_note(res))
    section.narrative_html = rc.narrative("projected_service_use")
    if held and "service_use" in res:
        section.missing.append(
            f"population projections (ONS SNPP: jsna ingest population FILE) or estimates for "
            f"more than one year: only {res['base_year']} is loaded, so there is no trend to "
            "carry today's rates of service use forward"
        )
    elif not usable:
        section.missing.append(
            "population projections (jsna ingest population FILE with a variant column, or "
            "ONS SNPP) together with service activity counts (jsna ingest events FILE)"
        )


def build_projected_outcomes(rc: ReportContext, section: Section) -> None:
    from jsna.report import charts

    res = _projections(rc)
    _failed(rc, section, res, "the projections")
    if "population" in res and len(res["population"]):
        pop = res["population"]
        central = pop[pop["variant"].eq(res["central_variant"])].sort_values("year")
        first, last = central.iloc[0], central.iloc[-1]
        spread = pop[pop["year"].eq(last["year"])]["count"]
        if res.get("population_source") != "supplied" and res["central_variant"] == "no change":
            section.summary.append(
                f"No population projection is loaded and only one year of estimates ({res['base_year']}: "
                f"{fmt(first['count'], 0)} residents), so there is no trend to project; load ONS sub-national "
                f"population projections (jsna ingest population FILE) for one."
            )
        else:
            _projected_population(rc, section, res, first, last, spread)
        if (
            res.get("pyramid_then") is not None
            and len(res["pyramid_then"])
            and res["central_variant"] != "no change"
        ):
            section.figures.append(
                charts.population_pyramid(
                    res["pyramid_now"],
                    area_name=rc.area_name,
                    period=str(res["base_year"]),
                    projected=res["pyramid_then"],
                    projected_label=f"Projected {res['pyramid_then_year']}",
                    figure_id="projected-pyramid",
                )
            )
    if "outcomes" in res:
        out = res["outcomes"]
        base = out[out["scenario"].eq("Baseline")]
        y0, y1 = base["year"].min(), base["year"].max()
        held = (
            res.get("central_variant") == "no change" and res.get("population_source") != "supplied"
        )
        for name, rows in base.groupby("condition", sort=True):
            a, b = rows[rows["year"].eq(y0)].iloc[0], rows[rows["year"].eq(y1)].iloc[0]
            if held:  # no projection: today's estimate only, not a flat line dressed as a forecast
                section.headlines.append(
                    Headline(
                        f"{name}, estimate",
                        fmt(a["value"], 0),
                        f"at the {res['base_year']} population",
                    )
                )
                section.summary.append(
                    f"An estimated {fmt(a['value'], 0)} residents have {_lc(name)} (95% interval "
                    f"{fmt_interval(a['lower_ci_95'], a['upper_ci_95'], 0)}), from the age- and sex-specific "
                    f"prevalence ({res['outcome_references'].get(name, 'supplied rates')}) and the "
                    f"{res['base_year']} population; it is carried forward only once a projection is loaded."
                )
                continue
            change = b["value"] / a["value"] - 1 if a["value"] else float("nan")
            section.headlines.append(
                Headline(
                    f"{name}, {b['period']}",
                    fmt(b["value"], 0),
                    f"{fmt_change(change)} on {a['period']}",
                )
            )
            section.summary.append(
                f"An estimated {fmt(a['value'], 0)} residents had {_lc(name)} in {a['period']} (95% interval "
                f"{fmt_interval(a['lower_ci_95'], a['upper_ci_95'], 0)}); applying the same age- and sex-specific "
                f"prevalence to the projected population gives about {fmt(b['value'], 0)} in {b['period']} "
                f"({fmt_interval(b['lower_ci_95'], b['upper_ci_95'], 0)})."
            )
            section.figures.append(
                ac.fan_chart(
                    out[out["condition"].eq(name)],
                    title=f"Projected people with {_lc(name)}, {rc.area_name}",
                    unit="People",
                    figure_id=f"projected-outcome-{_slug(name)}",
                    source=f"Source: prevalence ({res['outcome_references'].get(name, 'supplied rates')}) × projected "
                    "population",
                )
            )
        if not held:
            section.tables.append(
                _projection_table(
                    out,
                    "condition",
                    f"Projected outcomes, {rc.area_name}",
                    "projected-outcomes-table",
                )
            )
    section.narrative_html = rc.narrative("projected_outcomes")
    if "outcomes" not in res:
        section.missing.append(
            "prevalence rates by condition, age and sex (jsna ingest prevalence FILE, e.g. the "
            "CFAS II dementia rates or POPPI/PANSI tables) and population estimates or projections"
        )


def _slug(text: object) -> str:
    import re

    return re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")


# -- section 10 ------------------------------------------------------------------------------------
def build_value_for_money(rc: ReportContext, section: Section) -> None:
    res = rc.analysis_results("value_for_money")
    _failed(rc, section, res, "the value for money analyses")
    if "spend" in res:
        _spend(rc, section, res["spend"])
    if "roi" in res:
        _roi(rc, section, res)
    if "phb_rates" in res or "phb_budgets" in res:
        _phb(rc, section, res)
    if "phb_client_answers" in res or "phb_client_outcomes" in res:
        _client_groups(rc, section, res)
    if "ipc_cohorts" in res:
        _ipc_cohorts(rc, section, res)

    build_allocation(rc, section)
    section.narrative_html = rc.narrative("value_for_money")
    if "spend" not in res:
        section.missing.append(
            "spend by programme for this area and comparators (jsna ingest spend FILE: area, "
            "period, programme, spend, population, outcome and its polarity)"
        )
    if "roi" not in res:
        section.missing.append(
            "an intervention to appraise: add a [[roi]] table to jsna.toml (cost, people reached, "
            "effect per person with its range, value per outcome, horizon, discount rate)"
        )
    if "phb_rates" not in res:
        section.missing.append(
            "personal health budget uptake per 100,000: the NHS England quarterly return "
            "(jsna ingest phb FILE) and ICB populations (jsna ingest population-totals FILE "
            "--period YEAR)"
        )
    if "phb_budgets" not in res:
        section.missing.append(
            "local personal health budgets (jsna ingest phb-budgets FILE) for budget sizes, costs "
            "against conventional care and outcomes"
        )


def _spend(rc: ReportContext, section: Section, spend: pd.DataFrame) -> None:
    mine = spend[spend["area_code"].eq(rc.area_code)]
    if mine.empty:
        section.missing.append(
            f"spend for {rc.area_name} itself (the spend file holds other areas only)"
        )
        return
    period = str(mine["period"].iloc[0])
    good = mine[mine["quadrant"].eq("Lower spend, better outcome")]["programme"].tolist()
    bad = mine[mine["quadrant"].eq("Higher spend, worse outcome")]["programme"].tolist()
    section.headlines.append(
        Headline(
            "Programmes with higher spend and worse outcomes",
            str(len(bad)),
            f"of {len(mine)} programmes, {period}",
        )
    )
    text = (
        f"Against the median of {spend['area_code'].nunique() - 1} comparator areas in {period}, "
        f"{rc.area_name} spends more per head with worse outcomes on "
        f"{', '.join(p.lower() for p in bad) if bad else 'no programme'}"
    )
    text += (
        f", and less per head with better outcomes on {', '.join(p.lower() for p in good)}."
        if good
        else "."
    )
    section.summary.append(
        text + " These are associations between areas, not evidence that spending caused "
        "the outcomes."
    )
    worst = (
        mine[mine["quadrant"].eq("Higher spend, worse outcome")]["programme"].tolist()
        or mine["programme"].tolist()
    )[:2]
    for prog in worst:
        rows = spend[spend["programme"].eq(prog)]
        section.figures.append(
            ac.quadrant_scatter(
                rows,
                highlight=rc.area_code,
                title=f"{prog}: spend per head and outcome, {period}",
                outcome_label=str(rows["outcome_indicator"].dropna().iloc[0])
                if rows["outcome_indicator"].notna().any()
                else "Outcome",
                figure_id=f"vfm-quadrant-{_slug(prog)}",
                source="Source: programme budgeting spend and outcome table; dotted lines at the comparators' medians",
            )
        )
    body = [
        [
            Cell(str(r["programme"])),
            Cell(fmt_money(r["spend_per_head"]), numeric=True),
            Cell(fmt_money(r["spend_reference"]), numeric=True),
            Cell(str(r.get("outcome_indicator") or "–")),
            Cell(fmt(r["outcome_value"], 1), numeric=True),
            Cell(fmt(r["outcome_reference"], 1), numeric=True),
            Cell(str(r["quadrant"])),
        ]
        for _, r in mine.iterrows()
    ]
    section.tables.append(
        Table(
            caption=f"Spend per head and outcome by programme, {rc.area_name}, {period}",
            id="vfm-spend",
            columns=[
                "Programme",
                "Spend per head",
                "Comparator median",
                "Outcome",
                "Value",
                "Comparator median",
                "Quadrant",
            ],
            rows=body,
        )
    )


def _roi(rc: ReportContext, section: Section, res: dict[str, Any]) -> None:
    roi = res["roi"]
    for _, r in roi.iterrows():
        section.headlines.append(
            Headline(
                f"Return per £1: {r['name']}",
                f"{fmt_money(r['return_per_pound'], 2)}",
                f"95% interval {fmt_money(r['return_per_pound_lower_ci_95'], 2)} to "
                f"{fmt_money(r['return_per_pound_upper_ci_95'], 2)}",
            )
        )
        likely = r["probability_saves"]
        section.summary.append(
            f"{r['name']}: for {fmt_money(r['cost'])} over {int(r['horizon_years'])} years, the model expects "
            f"{fmt(r['outcomes'], 0)} outcomes avoided (95% interval "
            f"{fmt_interval(r['outcomes_lower_ci_95'], r['outcomes_upper_ci_95'], 0)}), worth {fmt_money(r['benefit'])} "
            f"discounted at {r['discount_rate']:.1%} — {fmt_money(r['return_per_pound'], 2)} back for each £1 spent "
            f"({fmt_money(r['return_per_pound_lower_ci_95'], 2)} to {fmt_money(r['return_per_pound_upper_ci_95'], 2)}); the benefits "
            f"exceed the cost in {likely:.0%} of simulations."
        )
    first = roi.iloc[0]
    section.figures.append(
        ac.tornado_chart(
            res["tornado"],
            title=f"What drives the return on investment: {first['name']}",
            figure_id="vfm-roi-tornado",
            source="Source: one-way sensitivity analysis of the jsna.toml [[roi]] inputs",
        )
    )
    body = [
        [
            Cell(str(r["name"])),
            Cell(fmt_money(r["cost"]), numeric=True),
            Cell(fmt(r["outcomes"], 0), numeric=True),
            Cell(fmt_money(r["benefit"]), numeric=True),
            Cell(fmt_money(r["net_cost"]), numeric=True),
            Cell(fmt_money(r["cost_per_outcome"]), numeric=True),
            Cell(f"{r['roi'] * 100:.0f}%", numeric=True),
            Cell(
                f"{r['roi_lower_ci_95'] * 100:.0f}% to {r['roi_upper_ci_95'] * 100:.0f}%",
                numeric=True,
            ),
        ]
        for _, r in roi.iterrows()
    ]
    section.tables.append(
        Table(
            caption="Return on investment of the interventions appraised",
            id="vfm-roi",
            columns=[
                "Intervention",
                "Cost",
                "Outcomes avoided",
                "Benefit (present value)",
                "Net cost",
                "Cost per outcome",
                "ROI",
                "95% interval",
            ],
            rows=body,
            note="ROI = (benefit − cost) / cost. Inputs from jsna.toml; Monte Carlo intervals.",
        )
    )


def _phb_protected(rc: ReportContext, rates: pd.DataFrame) -> pd.DataFrame:
    """ICB budget counts by type with ``people_text``/``people_hidden``: the types of one ICB and
    quarter add up to its "All types" row, so a hidden type hides another cell with it; the rate
    and limits of a hidden count are removed (they give the count back)."""
    protected = rc.policy.protect(
        rates, column="people", hierarchies=[Hierarchy(("icb_code", "period"), "phb_type", ALL)]
    )
    hide = protected["people_hidden"].astype(bool)
    for col in ("value", "lower_ci_95", "upper_ci_95", "lower_ci_99_8", "upper_ci_99_8"):
        if col in protected:
            protected[col] = protected[col].astype(float).where(~hide)
    return protected


def _or_symbol(rc: ReportContext, text: str, hidden: Any) -> str:
    """``text``, or the suppression symbol when the count it rests on is hidden."""
    return rc.policy.symbol if bool(hidden) else text


def _phb(rc: ReportContext, section: Section, res: dict[str, Any]) -> None:
    icb = res.get("phb_icb")
    if "phb_rates" in res:
        rates = _phb_protected(rc, res["phb_rates"])
        allt = rates[rates["phb_type"].eq("All types")]
        latest_q = sorted(allt["period"].unique())[-1]
        if icb is not None and (allt["icb_code"] == icb).any():
            r = allt[allt["icb_code"].eq(icb) & allt["period"].eq(latest_q)].iloc[0]
            others = allt[allt["period"].eq(latest_q) & allt["icb_code"].ne(icb)]["value"]
            section.headlines.append(
                Headline(
                    "People with a personal health budget per 100,000",
                    fmt(r["value"], 0),
                    f"{r['area_name']}, {latest_q}",
                )
            )
            section.summary.append(
                f"In {latest_q}, {r['people_text']} people in {r['area_name']} had a personal health budget: "
                f"{fmt(r['value'], 0)} per 100,000 residents (95% CI {fmt_interval(r['lower_ci_95'], r['upper_ci_95'], 0)}), "
                f"against {fmt(others.min(), 0)} to {fmt(others.max(), 0)} in the other ICBs shown."
            )
            section.figures.append(
                ac.uptake_trend(
                    allt.rename(columns={"icb_code": "area_code"}),
                    highlight=icb,
                    title="People with a personal health budget per 100,000, by quarter",
                    figure_id="vfm-phb-uptake",
                    source="Source: NHS England personal health budgets quarterly return; ICB populations",
                )
            )
        if "phb_heat" in res:
            h = res["phb_heat"]
            d = h[h["measure"].eq("Difference")].iloc[0]
            ratio = h[h["measure"].eq("Ratio")].iloc[0]
            section.summary.append(
                f"Uptake differs between ICBs (the 'postcode lottery'): in {latest_q} the highest rate is "
                f"{fmt(d['value'], 0)} per 100,000 above the lowest (95% CI {fmt_interval(d['lower_ci_95'], d['upper_ci_95'], 0)}), "
                f"{ratio['value']:.1f} times as high."
            )
            section.tables.append(
                _heat_table(
                    h,
                    f"Inequality in personal health budget uptake between ICBs, {latest_q}",
                    "vfm-phb-heat",
                    decimals=1,
                    note="WHO HEAT measures across ICBs (rates per 100,000): difference and ratio of the highest to the "
                    "lowest rate; index of disparity and coefficient of variation in %; between-group standard "
                    "deviation per 100,000.",
                )
            )
        mine = rates[rates["period"].eq(latest_q) & rates["phb_type"].ne("All types")]
        if icb is not None:
            mine = mine[mine["icb_code"].eq(icb)]
        body = [
            [
                Cell(str(r["phb_type"])),
                Cell(str(r["people_text"]), numeric=True),
                Cell(_or_symbol(rc, fmt(r["value"], 1), r["people_hidden"]), numeric=True),
                Cell(
                    _or_symbol(
                        rc, fmt_interval(r["lower_ci_95"], r["upper_ci_95"]), r["people_hidden"]
                    ),
                    numeric=True,
                ),
            ]
            for _, r in mine.sort_values("people", ascending=False).iterrows()
        ]
        if body:
            section.tables.append(
                Table(
                    caption=f"Personal health budgets by type, {latest_q}",
                    id="vfm-phb-types",
                    columns=["Type", "People", "Per 100,000", "95% CI"],
                    rows=body,
                    note=rc.policy.note(),
                )
            )
    if "phb_budgets" in res:
        dist, costs = res["phb_budgets"], res["phb_costs"]
        dist = rc.policy.protect(dist, column="n", hierarchies=[Hierarchy((), "phb_type", ALL)])
        all_d = dist[dist["phb_type"].eq("All types")].iloc[0]
        section.summary.append(
            f"Locally, {all_d['n_text']} budgets have a median of {fmt_money(all_d['median'])} a year (middle half "
            f"{fmt_money(all_d['p25'])} to {fmt_money(all_d['p75'])})."
        )
        all_c = costs[costs["phb_type"].eq("All types")]
        if len(all_c):
            c = all_c.iloc[0]
            sig = _significant(c["lower_ci_95"], c["upper_ci_95"])
            section.summary.append(
                f"On average a budget costs {fmt_money(abs(c['mean_difference']))} a year "
                f"{'less' if c['mean_difference'] < 0 else 'more'} than the conventional care it replaced (95% CI "
                f"{fmt_money(c['lower_ci_95'])} to {fmt_money(c['upper_ci_95'])}, n = {rc.policy.count(c['n'])})"
                + ("" if sig else ", a difference that could be chance")
                + "; the national evaluation also found budgets no more costly on average."
            )
        oc = res.get("phb_outcomes_all")
        if oc is not None and len(oc):
            for _, o in oc.iterrows():
                section.summary.append(
                    f"{o['outcome_measure']} changed by {o['mean_difference']:+.3f} on average after a budget started "
                    f"(95% CI {o['lower_ci_95']:+.3f} to {o['upper_ci_95']:+.3f}, n = {rc.policy.count(o['n'])}); without a "
                    "comparison group this cannot be attributed to the budget alone."
                )
        body = [
            [
                Cell(str(r["phb_type"])),
                Cell(str(r["n_text"]), numeric=True),
                Cell(fmt_money(r["median"]), numeric=True),
                Cell(f"{fmt_money(r['p25'])} to {fmt_money(r['p75'])}", numeric=True),
                Cell(fmt_money(r["mean"]), numeric=True),
            ]
            for _, r in dist.iterrows()
        ]
        section.tables.append(
            Table(
                caption="Annual budget sizes by type (local budgets file)",
                id="vfm-phb-budgets",
                columns=["Type", "Budgets", "Median", "Middle half", "Mean"],
                rows=body,
                note=rc.policy.note(),
            )
        )
        po = res.get("phb_outcomes")
        if po is not None and len(po):
            body = [_outcome_change_row(rc, r, "phb_type") for _, r in po.iterrows()]
            section.tables.append(
                Table(
                    caption="Outcome scores before and after a budget, by type (paired)",
                    id="vfm-phb-outcomes",
                    columns=["Type", "Measure", "People", "Before", "After", "Change", "95% CI"],
                    rows=body,
                )
            )
    if "phb_scenarios" in res:
        sc = res["phb_scenarios"]
        body = [
            [
                Cell(f"{r['uptake']:.1%}"),
                Cell(f"{r['people']:,.0f}", numeric=True),
                Cell(fmt_money(r["budget_size"]), numeric=True),
                Cell(fmt_money(r["budget_spend"]), numeric=True),
                Cell(fmt_money(r["saving"]), numeric=True),
                Cell(
                    f"{fmt_money(r['saving_low'])} to {fmt_money(r['saving_high'])}", numeric=True
                ),
            ]
            for _, r in sc.iterrows()
        ]
        section.tables.append(
            Table(
                caption="Uptake scenarios: people, budget spend and savings a year",
                id="vfm-phb-scenarios",
                columns=[
                    "Uptake of eligible",
                    "People",
                    "Budget size",
                    "Budget spend",
                    "Saving against conventional care",
                    "Range",
                ],
                rows=body,
                note=str(sc["basis"].iloc[0]),
            )
        )
        top = sc.iloc[-1]
        text = (
            f"If uptake rose to {top['uptake']:.0%} of the {rc.config.phb.eligible:,.0f} eligible people "
            f"({top['people']:,.0f} people) with budgets of {fmt_money(top['budget_size'])}, budgets would total "
            f"{fmt_money(top['budget_spend'])} a year"
        )
        if top["saving_low"] == top["saving_high"] == 0:
            text += (
                "; no saving is assumed, because the national evaluation found budgets no more costly than "
                "conventional care on average and no local costs of conventional care were given"
            )
        else:
            text += (
                f", with a saving against conventional care of {fmt_money(top['saving_low'])} to "
                f"{fmt_money(top['saving_high'])} a year (negative = extra cost)"
            )
        section.summary.append(text + ".")
    elif "phb_budgets" in res:
        section.missing.append(
            "uptake scenarios: set [phb] eligible (people eligible for a budget) in jsna.toml"
        )
    if "phb_evidence" in res:
        ev = res["phb_evidence"]
        section.tables.append(
            Table(
                caption="National evidence: the personal health budget pilot evaluation (2012)",
                id="vfm-phb-evidence",
                columns=["Topic", "Finding"],
                rows=[[Cell(str(r["topic"])), Cell(str(r["finding"]))] for _, r in ev.iterrows()],
                note=str(ev["source"].iloc[0]),
            )
        )


#: the budget holders' yes/no answers, in words
_ANSWERS = {
    "satisfied": "satisfied with their support",
    "in_control": "in control of their support",
}


def _outcome_change_row(rc: ReportContext, r: Any, group: str) -> list[Cell]:
    """One row of a before/after outcome table: the ``group`` column's label, the measure, the
    people (a count, under the disclosure policy), the means, the change and its interval."""
    return [
        Cell(str(r[group])),
        Cell(str(r["outcome_measure"])),
        Cell(rc.policy.count(r["n"]), numeric=True),
        Cell(f"{r['mean_score_before']:.3f}", numeric=True),
        Cell(f"{r['mean_score_after']:.3f}", numeric=True),
        Cell(f"{r['mean_difference']:+.3f}", numeric=True),
        Cell(f"{r['lower_ci_95']:+.3f} to {r['upper_ci_95']:+.3f}", numeric=True),
    ]


def _client_groups(rc: ReportContext, section: Section, res: dict[str, Any]) -> None:
    """Budget holders' outcomes by client group: for whom budgets work."""
    answers = res.get("phb_client_answers")
    if answers is not None and len(answers):
        groups = answers[answers["client_group"].ne("All")]
        for outcome, words in _ANSWERS.items():
            rows = groups[groups["outcome"].eq(outcome) & groups["n"].gt(0)]
            if len(rows) < 2:
                continue
            hi = rows.loc[rows["value"].idxmax()]
            lo = rows.loc[rows["value"].idxmin()]
            apart = hi["lower_ci_95"] > lo["upper_ci_95"]
            section.summary.append(
                f"Of budget holders who answered, {fmt(hi['value'], 0)}% in the {str(hi['client_group']).lower()} "
                f"group said they were {words} (95% CI {fmt_interval(hi['lower_ci_95'], hi['upper_ci_95'], 0)}%), "
                f"against {fmt(lo['value'], 0)}% in the {str(lo['client_group']).lower()} group "
                f"({fmt_interval(lo['lower_ci_95'], lo['upper_ci_95'], 0)}%): "
                + (
                    "a gap larger than chance would explain."
                    if apart
                    else "the intervals overlap, so the gap could be chance."
                )
            )
        shown = answers.assign(answer=answers["outcome"].map(_ANSWERS).fillna(answers["outcome"]))
        section.figures.append(
            ac.interval_bars(
                shown.assign(answer=shown["answer"].str.capitalize()),
                label="client_group",
                series="answer",
                value="value",
                lower="lower_ci_95",
                upper="upper_ci_95",
                title="Budget holders who feel satisfied and in control, by client group",
                axis="% of budget holders who answered (95% CI)",
                figure_id="vfm-phb-client-answers",
                alt="Bar chart of the percentage of budget holders satisfied with and in control of "
                "their support, by client group, with 95% confidence intervals.",
                source="Source: local budgets file; Wilson score 95% intervals",
            )
        )
        section.tables.append(
            Table(
                caption="Budget holders' answers by client group",
                id="vfm-phb-client-answers-table",
                columns=["Client group", "Question", "Said yes", "Answered", "%", "95% CI"],
                rows=[
                    [
                        Cell(str(r["client_group"])),
                        Cell(_ANSWERS.get(str(r["outcome"]), str(r["outcome"])).capitalize()),
                        Cell(rc.policy.count(r["yes"]), numeric=True),
                        Cell(rc.policy.count(r["n"]), numeric=True),
                        Cell(fmt(r["value"], 0), numeric=True),
                        Cell(fmt_interval(r["lower_ci_95"], r["upper_ci_95"], 0), numeric=True),
                    ]
                    for _, r in answers.iterrows()
                ],
                note="Wilson score intervals. 'All' is every budget holder whose client group is "
                "recorded. The national pilots found satisfaction and control high for people "
                "with mental health problems and physical disabilities and lower for older people.",
            )
        )
    change = res.get("phb_client_outcomes")
    if change is not None and len(change):
        section.tables.append(
            Table(
                caption="Outcome scores before and after a budget, by client group (paired)",
                id="vfm-phb-client-outcomes",
                columns=[
                    "Client group",
                    "Measure",
                    "People",
                    "Before",
                    "After",
                    "Change",
                    "95% CI",
                ],
                rows=[_outcome_change_row(rc, r, "client_group") for _, r in change.iterrows()],
                note="Mean change after minus before with paired Student's t intervals; without a "
                "comparison group a change cannot be attributed to the budget alone.",
            )
        )


def _thousands(value: Any) -> str:
    """Money estimated from cohort sizes, to the nearest £1,000 (the estimate is no finer)."""
    return fmt_money(value) if is_missing(value) else fmt_money(round(float(value), -3))


IPC_TITLE = "Integrated personal commissioning cohorts"
#: the ``interval`` of a cohort sized from a count (``analysis_ipc_cohorts``)
IPC_COUNTED = "count (no sampling error)"
#: the methods appendix note of the cohorts (and the evidence behind the four groups)
IPC_METHODS = (
    "A cohort is sized from counts where they are loaded, and otherwise estimated. Counts come "
    "first: a QOF register published for the area itself, else the sum of the registers of the GP "
    "practices attached to the area (people registered with those practices, who may live "
    "elsewhere, not residents; the table gives how many practices and patients had a figure), "
    "else the sum of a census count over the area's LSOAs; the pupils with an EHC plan size the "
    "children with complex needs. The map from conditions to counts (learning disability: QOF "
    "register 200; severe mental illness: 90581; complex needs: pupils with an EHC plan) can be "
    "changed with counts = [...] in [[ipc.cohorts]]. No register counts the frail older people "
    "(moderate or severe frailty on the electronic frailty index, about 15% of people aged 65 and "
    "over: Clegg A, et al. Age and Ageing 2016;45:353-60), so that cohort is estimated from "
    "prevalence unless a count is named; the dementia register (247) holds only part of it and "
    "would give a floor. A register "
    "or a census table counts everyone on it rather than a sample, so it has no sampling error "
    "and no interval is shown; it misses people whose condition is not recorded. Otherwise the "
    "size is the sum over age and sex bands of the loaded prevalence rate of its condition times "
    "the area's latest mid-year population estimate; its 95% interval comes from the rates' "
    "limits, taking the bands as independent. The budget envelope is people × the "
    "average budget given in [[ipc.cohorts]]; someone in two cohorts counts in both, so the total "
    "is an upper bound. The four cohorts are those of the Integrated Personal Commissioning "
    "programme of NHS England and the Local Government Association (NHS Five Year Forward View, "
    "2014; Integrated Personal Commissioning emerging framework, NHS England, 2016). Outcomes by "
    "client group are proportions with Wilson score intervals and paired before/after means with "
    "Student's t intervals; the pilots' finding that budgets worked best for people with mental "
    "health problems and physical disabilities is from Forder J, et al. Evaluation of the personal "
    "health budget pilot programme. PSSRU Discussion Paper 2840, 2012."
)


def _ipc_cohorts(rc: ReportContext, section: Section, res: dict[str, Any]) -> None:
    """Integrated personal commissioning: the high-need cohorts and their combined budget."""
    table = res["ipc_cohorts"]
    for column in ("interval", "coverage"):  # a workspace computed before counts were read
        if column not in table.columns:
            table = table.assign(**{column: None})
    cohorts = table[table["cohort"].ne("All cohorts")]
    sized = cohorts[cohorts["people"].notna()] if "people" in cohorts else cohorts.iloc[:0]
    unsized = cohorts[~cohorts.index.isin(sized.index)]
    if len(unsized):
        conditions = ", ".join(f"'{c}'" for c in unsized["condition"])
        section.missing.append(
            f"integrated personal commissioning cohorts ({', '.join(c.lower() for c in unsized['cohort'])}): "
            "load GP practice QOF registers (jsna ingest fingertips FILE) or other counts named in "
            f"[[ipc.cohorts]] counts, or prevalence rates with the condition {conditions} "
            "(jsna ingest prevalence FILE)"
        )
    if not len(sized):
        return
    section.methods.append((IPC_TITLE, IPC_METHODS))
    counted = sized["interval"].eq(IPC_COUNTED)
    parts = [
        f"{r['cohort'].lower()} {fmt(r['people'], 0)} "
        + (
            f"({r['source'].split(':')[0]})"
            if counted[i]
            else f"(estimated, 95% CI {fmt_interval(r['lower_ci_95'], r['upper_ci_95'], 0)})"
        )
        for i, r in sized.iterrows()
    ]
    section.summary.append(
        "Integrated personal commissioning joins health and social care budgets for people with "
        f"high needs. The numbers of people in {rc.area_name} are: "
        + "; ".join(parts)
        + "."
        + (
            " A register count is of people registered with the area's GP practices, who may live "
            "elsewhere."
            if sized["source"].str.contains("GP practices attached", regex=False).any()
            else ""
        )
    )
    total = table[table["cohort"].eq("All cohorts")]
    priced = sized[sized["envelope"].notna()] if "envelope" in sized else sized.iloc[:0]
    if len(total) and len(priced):
        t = total.iloc[0]
        section.headlines.append(
            Headline(
                "Combined health and social care budget envelope",
                _thousands(t["envelope"]),
                "a year, integrated personal commissioning cohorts",
            )
        )
        section.summary.append(
            f"If everyone in {'these cohorts' if len(priced) == len(cohorts) else 'the cohorts with an average budget'} "
            f"had a combined health and social care budget at the averages given in jsna.toml, the envelope "
            f"would be {_thousands(t['envelope'])} a year (95% CI {_thousands(t['envelope_lower_ci_95'])} to "
            f"{_thousands(t['envelope_upper_ci_95'])}, from the uncertainty in the cohort sizes). Someone in "
            "two cohorts is counted in both, so this is an upper bound."
        )
    unpriced = sized[sized["average_budget"].isna()]
    if len(unpriced):
        section.missing.append(
            "combined budget envelope for "
            + ", ".join(str(c).lower() for c in unpriced["cohort"])
            + ": give each cohort's average_budget (£ a year) in [[ipc.cohorts]] in jsna.toml; no "
            "national average budget per cohort is published, so jsna assumes none"
        )
    section.figures.append(
        ac.interval_bars(
            sized.assign(series="People"),
            label="cohort",
            series="series",
            value="people",
            lower="lower_ci_95",
            upper="upper_ci_95",
            title="People in each integrated personal commissioning cohort",
            axis="People (95% CI where estimated)",
            figure_id="vfm-ipc-cohorts",
            alt="Bar chart of the number of people in each integrated personal commissioning "
            "cohort: counts from registers or census tables, and estimates from prevalence with "
            "95% confidence intervals.",
            source="Source: QOF registers, census and SEN counts where loaded; else prevalence "
            "rates × population estimates",
        )
    )
    rows = []
    for _, r in table.iterrows():
        has = not is_missing(r.get("people"))
        rows.append(
            [
                Cell(str(r["cohort"])),
                Cell(str(r["source"])),
                Cell(fmt(r["people"], 0) if has else "–", numeric=True),
                Cell(
                    "–"
                    if not has or r["cohort"] == "All cohorts"
                    else str(r["interval"])
                    if r.get("interval") == IPC_COUNTED
                    else fmt_interval(r.get("lower_ci_95"), r.get("upper_ci_95"), 0),
                    numeric=True,
                ),
                Cell(str(r["coverage"]) if not is_missing(r.get("coverage")) else "–"),
                Cell(fmt_money(r.get("average_budget")), numeric=True),
                Cell(_thousands(r.get("envelope")), numeric=True),
                Cell(
                    "no sampling error"
                    if r.get("interval") == IPC_COUNTED and not is_missing(r.get("envelope"))
                    else f"{_thousands(r.get('envelope_lower_ci_95'))} to {_thousands(r.get('envelope_upper_ci_95'))}"
                    if not is_missing(r.get("envelope"))
                    else "–",
                    numeric=True,
                ),
            ]
        )
    sources = sorted({str(s) for s in table.get("budget_source", []) if not is_missing(s)})
    section.tables.append(
        Table(
            caption="Integrated personal commissioning cohorts and their combined budget envelope",
            id="vfm-ipc-cohorts-table",
            columns=[
                "Cohort",
                "Sized from",
                "People",
                "95% CI",
                "Coverage",
                "Average budget",
                "Envelope a year",
                "95% CI",
            ],
            rows=rows,
            note="People = a register, census or SEN count where one is loaded (a count of "
            "everyone recorded, so no sampling error; practice registers count registered "
            "patients, not residents), else prevalence × population summed over age and sex "
            "bands, with intervals from the prevalence rates' limits. Average budgets are the user's figures from jsna.toml"
            + (f" ({'; '.join(sources)})" if sources else "")
            + ". NHS England planned integrated personal commissioning for up to 5% of the "
            "local population (national expansion plan, 2016).",
        )
    )


# -- section 10: resource allocation and equity --------------------------------------------------
ALLOCATION_TITLE = "Resource allocation and equity"
#: the methods appendix note of the part (with the in Control RAS reference)
ALLOCATION_METHODS = (
    "Each person's indicative budget is their resource allocation system (RAS) points times the "
    "price per point, which is the year's budget envelope ([allocation] envelope_gbp, or else the "
    "agreed budgets' total) divided by the total points of the people assessed, as in Control's "
    "RAS sets it (in Control, Resource allocation system RAS 5: how to calculate an indicative "
    "personal budget, 2009). Only each person's latest assessment counts. Agreed budgets are "
    "fitted to points by least squares, through the origin and with an intercept, with Student t "
    "limits. £ per point in an area or group is its budgets' total over its points (the ratio "
    "estimator, Cochran 1977, with linearised Student t limits); an area or group differs from "
    "the whole when it lies outside funnel limits around the whole's £ per point (95% and 99.8%, "
    "Spiegelhalter 2005), with budget variance taken as proportional to points. Inequality across "
    "deprivation: concentration indices of budgets and of need-predicted (indicative) budgets with "
    "people ranked from most to least deprived (Kakwani, Wagstaff and van Doorslaer 1997), their "
    "difference (horizontal inequity, Wagstaff and van Doorslaer 2000), and the slope index of "
    "inequality in £ per point across deprivation deciles; the coefficient of variation of £ per "
    "point between areas is weighted by points."
)


def _named(rows: pd.DataFrame) -> list[str]:
    """'Glebelands (£358 a point, 43% more than the rest)' for each row."""
    out = []
    for _, r in rows.iterrows():
        change = r["ratio_to_rest"] - 1
        out.append(
            f"{r['group']} ({fmt_money(r['value'])} a point, 95% CI {fmt_money(r['lower_ci_95'])} "
            f"to {fmt_money(r['upper_ci_95'])}: {abs(change):.0%} "
            f"{'more' if change > 0 else 'less'} per point than everyone else)"
        )
    return out


def build_allocation(rc: ReportContext, section: Section) -> None:
    """The "Resource allocation and equity" part of section 10: does the same need get the same
    money across the area, and where not."""
    res = rc.analysis_results("allocation")
    _failed(rc, section, res, "the resource allocation analysis")
    if "allocation_price" not in res:
        section.missing.append(
            "resource allocation: needs assessments with RAS points (jsna ingest assessments FILE: "
            "person_id, assessment_date, area_code, client_group, age, sex, points) for the people "
            "in the local budgets file"
        )
        return
    price = res["allocation_price"].iloc[0]
    ppp = float(price["price_per_point"])
    section.headlines.append(
        Headline(
            "Price per RAS point",
            fmt_money(ppp, 2),
            f"{fmt_money(price['envelope'])} over {fmt(price['total_points'], 0)} points",
        )
    )
    blocks: list[dict[str, Any]] = []
    words = [
        f"The resource allocation system turns each person's assessed need, scored in points, into "
        f"an indicative budget: {fmt_money(price['envelope'])} a year "
        f"({'the envelope set in jsna.toml' if price['envelope_source'] == 'configured' else 'the agreed budgets total'}) "
        f"shared over {fmt(price['total_points'], 0)} points of need among "
        f"{rc.policy.count(price['people'])} people assessed with a budget gives "
        f"{fmt_money(ppp, 2)} a point."
    ]
    cal = res.get("allocation_calibration")
    if cal is not None:
        whole = cal[cal["client_group"].eq("All")].set_index("model")
        if "Through the origin" in whole.index and whole["slope"].notna().all():
            o, i = whole.loc["Through the origin"], whole.loc["With an intercept"]
            fixed = _significant(i["intercept_lower_ci_95"], i["intercept_upper_ci_95"])
            words.append(
                f"Agreed budgets follow need {'closely' if o['r_squared'] >= 0.7 else 'only loosely'}: "
                f"on average each point adds {fmt_money(o['slope'], 2)} to a budget (95% CI "
                f"{fmt_money(o['slope_lower_ci_95'], 2)} to {fmt_money(o['slope_upper_ci_95'], 2)}), "
                f"and need explains {o['r_squared']:.0%} of the differences between budgets."
                + (
                    f" Budgets also carry a fixed sum of about {fmt_money(i['intercept'])} whatever "
                    "the points (95% CI "
                    f"{fmt_money(i['intercept_lower_ci_95'])} to {fmt_money(i['intercept_upper_ci_95'])})."
                    if fixed
                    else " There is no sign of a fixed sum on top of the price per point."
                )
            )
    ind = res.get("allocation_indicative")
    if ind is not None:
        a = ind[ind["client_group"].eq("All")].iloc[0]
        words.append(
            f"{a['share_within']:.0%} of agreed budgets are within ±{rc.config.allocation.tolerance:.0%} "
            f"of their indicative amount (95% CI {a['share_lower_ci_95']:.0%} to "
            f"{a['share_upper_ci_95']:.0%}); agreed budgets total {fmt_money(a['agreed_total'])} "
            f"against {fmt_money(a['indicative_total'])} indicative"
            + (
                f", and {rc.policy.count(a['far_from_indicative'])} people's budgets are far from "
                "their indicative amount (beyond the 99.8% range) and worth reviewing."
                if a["far_from_indicative"]
                else "."
            )
        )
    equity = res.get("allocation_equity")
    if equity is not None:
        areas = equity[equity["dimension"].eq("Area")]
        differ = equity[equity["compared_to_whole_99_8"].ne("Similar")]
        if len(areas):
            off = differ[differ["dimension"].eq("Area")]
            if off.empty:
                words.append(
                    f"The same need gets the same money across {rc.area_name}: no "
                    f"{res.get('allocation_area_level', 'area').lower()}'s £ per point differs from "
                    "the whole area's by more than chance would explain (99.8% funnel limits)."
                )
            else:
                words.append(
                    f"The same need does not get the same money everywhere in {rc.area_name}: "
                    + "; ".join(_named(off))
                    + ". These lie outside the 99.8% funnel limits, so chance is an unlikely "
                    "explanation; the assessments and budgets there are worth checking."
                )
        groups = differ[differ["dimension"].ne("Area")]
        if len(groups):
            words.append(
                "Among groups of people, £ per point differs for "
                + "; ".join(
                    f"{str(d).split(' (')[0].lower()} {n}"
                    for d, n in zip(groups["dimension"], _named(groups), strict=True)
                )
                + "."
            )
        elif len(equity) > len(areas):
            words.append(
                "No client group, age band, sex or deprivation decile gets more or less per point "
                "than chance would explain."
            )
    measures = res.get("allocation_measures")
    if measures is not None:
        hi = measures[measures["measure"].eq("Horizontal inequity by deprivation")]
        if len(hi):
            h = hi.iloc[0]
            if _significant(h["lower_ci_95"], h["upper_ci_95"]):
                who = "less" if h["value"] > 0 else "more"
                words.append(
                    f"Across deprivation, people in {who} deprived neighbourhoods get more money "
                    f"than their need predicts (horizontal inequity {h['value']:+.3f}, 95% CI "
                    f"{h['lower_ci_95']:+.3f} to {h['upper_ci_95']:+.3f})."
                )
            else:
                words.append(
                    "Across deprivation, money follows need: people in more and less deprived "
                    f"neighbourhoods get budgets in line with their points (horizontal inequity "
                    f"{h['value']:+.3f}, 95% CI {h['lower_ci_95']:+.3f} to {h['upper_ci_95']:+.3f}, "
                    "where 0 is equal)."
                )
    verdict = [w for w in words if w.startswith("The same need")]
    section.summary.append(verdict[0] if verdict else words[0])
    blocks.append({"title": ALLOCATION_TITLE, "paragraphs": words})
    funnel = res.get("allocation_funnel")
    if equity is not None and funnel is not None and len(funnel):
        areas = equity[equity["dimension"].eq("Area")]
        level = str(res.get("allocation_area_level", "area"))
        blocks.append(
            {
                "title": "",
                "figure": ac.allocation_funnel(
                    areas,
                    funnel,
                    title=f"Budget £ per point of need by {level.lower()}",
                    figure_id="vfm-allocation-funnel",
                    source="Source: needs assessments (RAS points) and local budgets file; "
                    "funnel limits around the whole area's £ per point",
                ),
            }
        )
    bins = res.get("allocation_bins")
    if bins is not None and cal is not None and len(bins):
        blocks.append(
            {
                "title": "",
                "figure": ac.allocation_calibration(
                    bins,
                    cal[cal["client_group"].eq("All") & cal["slope"].notna()],
                    price_per_point=ppp,
                    title="Agreed budgets against assessed need (RAS points)",
                    figure_id="vfm-allocation-calibration",
                    source="Source: needs assessments and local budgets file; least-squares fits",
                ),
            }
        )
    if equity is not None:
        blocks.append({"title": "", "table": _equity_table(rc, equity)})
    if cal is not None:
        blocks.append({"title": "", "table": _calibration_table(cal)})
    if ind is not None:
        body = [
            [
                Cell(str(r["client_group"])),
                Cell(rc.policy.count(r["people"]), numeric=True),
                Cell(fmt_money(r["agreed_total"]), numeric=True),
                Cell(fmt_money(r["indicative_total"]), numeric=True),
                Cell(f"{r['share_within']:.0%}", numeric=True),
                Cell(f"{r['share_lower_ci_95']:.0%} to {r['share_upper_ci_95']:.0%}", numeric=True),
                Cell(rc.policy.count(r["far_from_indicative"]), numeric=True),
            ]
            for _, r in ind.iterrows()
        ]
        blocks.append(
            {
                "title": "",
                "table": Table(
                    caption="Agreed against indicative budgets, by client group",
                    id="vfm-allocation-indicative",
                    columns=[
                        "Client group",
                        "People",
                        "Agreed total",
                        "Indicative total",
                        f"Within ±{rc.config.allocation.tolerance:.0%}",
                        "95% CI",
                        "Far from indicative",
                    ],
                    rows=body,
                    note="Indicative budget = RAS points × the price per point. 'Far' = beyond "
                    "the 99.8% range of the differences.",
                ),
            }
        )
    if measures is not None:
        body = [
            [
                Cell(str(r["measure"])),
                Cell(
                    fmt_money(r["value"], 2)
                    if r["measure"] == "Price per point"
                    else fmt(r["value"], 3),
                    numeric=True,
                ),
                Cell(fmt_interval(r["lower_ci_95"], r["upper_ci_95"], 3), numeric=True),
                Cell(str(r["note"])),
            ]
            for _, r in measures.iterrows()
        ]
        blocks.append(
            {
                "title": "",
                "table": Table(
                    caption="Summary measures of the equity of allocation",
                    id="vfm-allocation-measures",
                    columns=["Measure", "Value", "95% CI", "What it means"],
                    rows=body,
                ),
            }
        )
    section.blocks.extend(blocks)
    section.methods.append((ALLOCATION_TITLE, ALLOCATION_METHODS))


def _equity_table(rc: ReportContext, equity: pd.DataFrame) -> Table:
    body = [
        [
            Cell(f"{str(r['dimension']).split(' (')[0]}: {r['group']}"),
            Cell(rc.policy.count(r["people"]), numeric=True),
            Cell(fmt_money(r["value"], 2), numeric=True),
            Cell(
                f"{fmt_money(r['lower_ci_95'], 2)} to {fmt_money(r['upper_ci_95'], 2)}",
                numeric=True,
            ),
            Cell(f"{r['ratio_to_rest']:.2f}", numeric=True),
            Cell(str(r["compared_to_whole"]), outcome=_outcome(r["compared_to_whole"])),
            Cell(str(r["compared_to_whole_99_8"]), outcome=_outcome(r["compared_to_whole_99_8"])),
        ]
        for _, r in equity.iterrows()
    ]
    return Table(
        caption="£ per point by area and group, against the whole area",
        id="vfm-allocation-equity",
        columns=[
            "Area or group",
            "People",
            "£ per point",
            "95% CI",
            "Ratio to everyone else",
            "Against the whole (95%)",
            "Against the whole (99.8%)",
        ],
        rows=body,
        note="Higher or Lower: outside the funnel limits around the whole area's £ per point; "
        "Similar: within them.",
    )


def _outcome(word: object) -> str | None:
    """Higher and Lower are shaded (no judgement of better or worse); Similar is not."""
    return str(word) if str(word) in ("Higher", "Lower") else None


def _calibration_table(cal: pd.DataFrame) -> Table:
    body = [
        [
            Cell(f"{r['client_group']}: {str(r['model']).lower()}"),
            Cell(str(int(r["n"])), numeric=True),
            Cell(fmt_money(r["slope"], 2), numeric=True),
            Cell(
                f"{fmt_money(r['slope_lower_ci_95'], 2)} to {fmt_money(r['slope_upper_ci_95'], 2)}",
                numeric=True,
            ),
            Cell(fmt_money(r["intercept"]), numeric=True),
            Cell(
                "–"
                if r["model"] == "Through the origin"
                else f"{fmt_money(r['intercept_lower_ci_95'])} to {fmt_money(r['intercept_upper_ci_95'])}",
                numeric=True,
            ),
            Cell(fmt(r["r_squared"], 2), numeric=True),
            Cell(fmt_money(r["residual_sd"]), numeric=True),
        ]
        for _, r in cal.iterrows()
    ]
    return Table(
        caption="Agreed budgets fitted to RAS points (least squares)",
        id="vfm-allocation-fit",
        columns=[
            "Client group and model",
            "People",
            "£ per point",
            "95% CI",
            "Fixed sum",
            "95% CI",
            "R²",
            "Residual SD",
        ],
        rows=body,
        note="Through the origin: budget = £ per point × points. With an intercept: budget = "
        "fixed sum + £ per point × points.",
    )
