"""Report blocks for inputs with no section of their own, and Appendix B's account of every input.

Everything here reads the results table and the workspace; the statistics (rates, limits,
funnel limits, ranges) are computed by :mod:`jsna.indicators.builtin_inputs` in ``jsna compute``.

Where each input goes
---------------------
- survey results (``survey-responses``): section 5, one table and one chart per question.
- published measures routed to sections 4 and 5 by name (see
  :data:`jsna.indicators.builtin._SECTION_RULES`): a trend chart each where three or more
  periods are loaded.
- record-level activity (``activity-*``): section 4, a table by point of delivery and a funnel
  plot per point of delivery of the authority's wards (or MSOAs, or comparator authorities).
- GP registrations (``gp-*``): section 4, headline, table and list-size chart.
- ward-level published values: section 7 (the range between wards with the five highest and
  lowest named); their maps and tables are :mod:`jsna.report.small_areas`'.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from jsna.report.model import Cell, Headline, Section, Table
from jsna.report.text import fmt, fmt_interval, is_missing

if TYPE_CHECKING:
    import pandas as pd

    from jsna.report.charts import Figure
    from jsna.report.context import ReportContext

#: indicators this module draws; the generic indicator tables leave them out
INPUT_INDICATORS = (
    "survey-responses",
    "activity-rate",
    "activity-dsr",
    "activity-cost-per-head",
    "activity-funnel-limits",
    "gp-registered-patients",
    "gp-practice-list-size",
    "ward-spread",
    "small-area-mortality-dsr",
    "small-area-life-expectancy",
)
WARD_PREFIXES = ("E05", "W05")


def generic(rows: pd.DataFrame) -> pd.DataFrame:
    """``rows`` without the indicators drawn by this module's blocks."""
    return rows[~rows["indicator_id"].isin(INPUT_INDICATORS)]


def _latest_rows(
    rc: ReportContext, indicator_id: str, area_code: str | None = None
) -> pd.DataFrame:
    res = rc.results
    rows = res[
        res["indicator_id"].eq(indicator_id) & res["area_code"].eq(area_code or rc.area_code)
    ]
    if rows.empty:
        return rows
    return rows[rows["period_sortable"].eq(rows["period_sortable"].max())]


# -- section 5: survey results -------------------------------------------------------------------------
def add_voice_blocks(rc: ReportContext, section: Section) -> None:
    rows = _latest_rows(rc, "survey-responses")
    for n, ((survey, question), group) in enumerate(
        rows.groupby(["indicator_name", "category_type"], sort=True)
    ):
        period = str(group["period"].iloc[0])
        body = []
        for _, r in group.sort_values("value", ascending=False).iterrows():
            body.append(
                [
                    Cell(str(r["category"])),
                    Cell(fmt(r["value"], 1, "%"), numeric=True),
                    Cell(fmt_interval(r["lower_ci_95"], r["upper_ci_95"], 1), numeric=True),
                    Cell(fmt(r["denominator"], 0), numeric=True),
                    Cell(fmt(r.get("benchmark_value"), 1, "%"), numeric=True),
                    Cell(_outcome(r), outcome=_outcome(r)),
                ]
            )
        section.tables.append(
            Table(
                caption=f"{survey}, {period}: {question}",
                id=f"voice-survey-{n + 1}",
                columns=[
                    "Response",
                    rc.area_name,
                    "95% confidence interval",
                    "Respondents (base)",
                    rc.benchmark_name,
                    f"Compared with {rc.benchmark_name}",
                ],
                rows=body,
                note="Percentages as published; the interval is Wilson's on the respondents the percentage implies.",
            )
        )
        fig = _survey_chart(
            rc,
            group,
            title=f"{question} ({survey}, {period})",
            figure_id=f"voice-survey-chart-{n + 1}",
        )
        if fig is not None:
            section.figures.append(fig)
        if n == 0:
            top = group.sort_values("value", ascending=False).iloc[0]
            section.summary.append(
                f'In the {survey} ({period}), the most common answer to "{question}" in {rc.area_name} was '
                f'"{top["category"]}" ({fmt(top["value"], 1, "%")} of {fmt(top["denominator"], 0)} respondents'
                + (
                    f"; {rc.benchmark_name} {fmt(top['benchmark_value'], 1, '%')})."
                    if not is_missing(top.get("benchmark_value"))
                    else ")."
                )
            )
    _trend_figures(rc, section, "voice")


def _outcome(r: Any) -> str:
    value = r.get("compared_to_benchmark")
    return "Not compared" if is_missing(value) or value == "" else str(value)


def _survey_chart(
    rc: ReportContext, group: pd.DataFrame, *, title: str, figure_id: str
) -> Figure | None:
    import matplotlib.pyplot as plt
    import numpy as np

    from jsna.report import charts

    charts._setup()
    group = group.sort_values("value")
    fig, ax = plt.subplots(figsize=(6.4, 0.5 + 0.42 * len(group)))
    y = np.arange(len(group))
    has_bench = group["benchmark_value"].notna().any()
    height = 0.38 if has_bench else 0.6
    ax.barh(
        y + (height / 2 if has_bench else 0),
        group["value"],
        height=height,
        color=charts.PALETTE[0],
        label=rc.area_name,
    )
    err = np.vstack([group["value"] - group["lower_ci_95"], group["upper_ci_95"] - group["value"]])
    ax.errorbar(
        group["value"],
        y + (height / 2 if has_bench else 0),
        xerr=err,
        fmt="none",
        ecolor="#3D3D3D",
        linewidth=0.8,
        capsize=2,
        label="95% confidence interval",
    )
    if has_bench:
        ax.barh(
            y - height / 2,
            group["benchmark_value"],
            height=height,
            color=charts.PALETTE[1],
            label=rc.benchmark_name,
        )
    import textwrap

    ax.set_yticks(y, [textwrap.shorten(str(c), 45, placeholder="…") for c in group["category"]])
    ax.set_xlabel("% of respondents")
    ax.legend(fontsize=7.5, loc="lower right")
    ax.set_title(textwrap.shorten(title, 80, placeholder="…"), loc="left")
    alt = "; ".join(
        f"{c}: {v:.1f}%" for c, v in zip(group["category"], group["value"], strict=True)
    )
    svg = charts.to_svg(
        fig,
        figure_id=figure_id,
        title=title,
        alt=f"Bar chart of responses in {rc.area_name}: {alt}",
    )
    return charts.Figure(
        id=figure_id,
        title=title,
        svg=svg,
        alt=alt,
        source="Source: loaded survey results",
        data=group[["category", "value", "lower_ci_95", "upper_ci_95", "benchmark_value"]],
    )


def _trend_figures(rc: ReportContext, section: Section, section_id: str, limit: int = 6) -> None:
    """A trend chart for each published measure of the section with three or more periods."""
    from jsna.report.context import trend_figure

    rows = rc.area_results(section=section_id)
    rows = rows[rows["source"].eq("imported") & rows["category_type"].isna()]
    counts = rows[rows["value"].notna()].groupby("indicator_id")["period"].nunique()
    for ind in sorted(counts[counts.ge(3)].index)[:limit]:
        sex = rows.loc[rows["indicator_id"].eq(ind), "sex"].mode().iloc[0]
        fig = trend_figure(
            rc, ind, sex=sex, figure_id=f"{section_id}-trend-{ind}".replace("_", "-").lower()
        )
        if fig is not None:
            section.figures.append(fig)
    judged = rows[rows["benchmark_value"].notna()]["indicator_id"].unique()
    unjudged = sorted(set(rows["indicator_name"][~rows["indicator_id"].isin(judged)]))
    if unjudged:
        section.summary.append(
            f"{len(unjudged)} published measure{'s' if len(unjudged) != 1 else ''} in this section "
            f"({'; '.join(unjudged[:4])}{'…' if len(unjudged) > 4 else ''}) "
            f"{'come' if len(unjudged) != 1 else 'comes'} from files with no {rc.benchmark_name} figure, so "
            f"{'they are' if len(unjudged) != 1 else 'it is'} shown without a comparison."
        )


# -- section 4: activity, GP registrations, published service measures ------------------------------------
def add_met_needs_blocks(rc: ReportContext, section: Section) -> None:
    _activity(rc, section)
    _registrations(rc, section)
    _trend_figures(rc, section, "met_needs")


def _activity(rc: ReportContext, section: Section) -> None:
    rates = _latest_rows(rc, "activity-rate")
    if rates.empty:
        return
    period = str(rates["period"].iloc[0])
    dsr = _latest_rows(rc, "activity-dsr")
    dsr = dsr[dsr["sex"].eq("Persons")].set_index("category") if len(dsr) else dsr
    cost = _latest_rows(rc, "activity-cost-per-head").set_index("category")
    body = []
    for _, r in rates.sort_values("category").iterrows():
        pod = r["category"]
        d = dsr.loc[pod] if len(dsr) and pod in dsr.index else None
        c = cost.loc[pod] if len(cost) and pod in cost.index else None
        body.append(
            [
                Cell(str(pod)),
                Cell(rc.policy.count(r["count"]), numeric=True),
                Cell(fmt(r["value"], 1), numeric=True),
                Cell(fmt_interval(r["lower_ci_95"], r["upper_ci_95"], 1), numeric=True),
                Cell(fmt(d["value"], 0) if d is not None else "–", numeric=True),
                Cell(_money(c["value"]) if c is not None else "–", numeric=True),
            ]
        )
    if "All activity" in cost.index:
        c = cost.loc["All activity"]
        body.append(
            [
                Cell("All activity"),
                Cell(rc.policy.count(c["count"]), numeric=True),
                Cell("–", numeric=True),
                Cell("–", numeric=True),
                Cell("–", numeric=True),
                Cell(_money(c["value"]), numeric=True),
            ]
        )
        section.headlines.append(
            Headline("Cost of recorded activity per resident", _money(c["value"]), period)
        )
    section.tables.append(
        Table(
            caption=f"Service use and cost per resident by point of delivery, {rc.area_name}, {period}",
            id="met-needs-activity",
            columns=[
                "Point of delivery",
                "Records",
                "Per 1,000 residents",
                "95% confidence interval",
                "Per 100,000, age-standardised",
                "Cost per resident",
            ],
            rows=body,
            note="From the record-level activity extract; rates use the resident population "
            + _note_text(rates)
            + " "
            + rc.policy.note(),
        )
    )
    top = rates.sort_values("value", ascending=False).iloc[0]
    section.summary.append(
        f"In {period}, {rc.area_name} residents' most frequent recorded activity was "
        f"{str(top['category']).lower()}: {fmt(top['value'], 1)} per 1,000 residents."
    )
    fig = _funnels(rc, sorted(str(p) for p in rates["category"]), period)
    if fig is not None:
        section.figures.append(fig)


def _note_text(rates: pd.DataFrame) -> str:
    notes = sorted(
        {str(n) for n in rates["value_note"].dropna() if str(n).startswith("denominator")}
    )
    return f"({'; '.join(notes)})." if notes else "of the year the period starts in."


def _money(value: Any) -> str:
    if is_missing(value):
        return "–"
    return f"{'−' if float(value) < 0 else ''}£{abs(float(value)):,.2f}"


def _funnel_data(
    rc: ReportContext, pod: str, period: str
) -> tuple[pd.DataFrame, pd.DataFrame, str] | None:
    """The stored funnel limits and points of one point of delivery, and their level."""
    res = rc.results
    limits = res[
        res["indicator_id"].eq("activity-funnel-limits")
        & res["area_code"].eq(rc.area_code)
        & res["period"].eq(period)
        & res["category"].str.startswith(f"{pod} | ", na=False)
    ]
    if limits.empty:
        return None
    level = str(limits["value_note"].iloc[0])
    rates = res[
        res["indicator_id"].eq("activity-rate") & res["period"].eq(period) & res["category"].eq(pod)
    ]
    if level == "Local authority":
        kind = rates.loc[rates["area_code"].eq(rc.area_code), "area_type"]
        points = rates[rates["area_type"].eq(kind.iloc[0])] if len(kind) else rates.iloc[0:0]
    else:
        points = rates[rates["parent_code"].eq(rc.area_code) & rates["area_type"].eq(level)]
    if points.empty:
        return None
    return limits.sort_values("denominator"), points, level


def _funnels(rc: ReportContext, pods: list[str], period: str) -> Figure | None:
    """One funnel plot per point of delivery, side by side, from the limits stored by compute."""
    import math

    import matplotlib.pyplot as plt
    import pandas as pd

    from jsna.report import charts

    found = [(pod, d) for pod in pods if (d := _funnel_data(rc, pod, period)) is not None]
    if not found:
        return None
    charts._setup()
    cols = 2 if len(found) > 1 else 1
    rows = math.ceil(len(found) / cols)
    fig, axes = plt.subplots(rows, cols, squeeze=False)
    level = found[0][1][2]
    plural = "areas" if level == "Local authority" else f"{level.lower()}s"
    outside = []
    data = []
    for ax, (pod, (limits, points, _)) in zip(axes.flat, found, strict=False):
        ax.plot(
            limits["denominator"],
            limits["upper_ci_99_8"],
            color="#3D3D3D",
            linestyle="--",
            linewidth=1,
        )
        ax.plot(
            limits["denominator"],
            limits["lower_ci_99_8"],
            color="#3D3D3D",
            linestyle="--",
            linewidth=1,
        )
        ax.plot(limits["denominator"], limits["upper_ci_95"], color=charts.PALETTE[0], linewidth=1)
        ax.plot(limits["denominator"], limits["lower_ci_95"], color=charts.PALETTE[0], linewidth=1)
        ax.axhline(float(limits["value"].iloc[0]), color="black", linewidth=0.8)
        mine = points["area_code"].eq(rc.area_code)
        ax.scatter(
            points.loc[~mine, "denominator"],
            points.loc[~mine, "value"],
            s=14,
            color=charts.PALETTE[4],
            zorder=3,
        )
        if mine.any():
            ax.scatter(
                points.loc[mine, "denominator"],
                points.loc[mine, "value"],
                s=50,
                color=charts.PALETTE[3],
                edgecolor="black",
                zorder=4,
            )
        ax.set_title(pod, loc="left", fontsize=9)
        ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:,.0f}"))
        ax.tick_params(labelsize=7.5)
        outside.append(int(points["compared_to_benchmark_99_8"].isin(["Higher", "Lower"]).sum()))
        data.append(points.assign(point_of_delivery=pod))
    for ax in list(axes.flat)[len(found) :]:
        ax.set_visible(False)
    handles = [
        plt.Line2D([], [], color="#3D3D3D", linestyle="--", linewidth=1, label="99.8% limits"),
        plt.Line2D([], [], color=charts.PALETTE[0], linewidth=1, label="95% limits"),
        plt.Line2D([], [], color="black", linewidth=0.8, label=f"Rate of all the {plural} shown"),
        plt.Line2D(
            [],
            [],
            color=charts.PALETTE[4],
            marker="o",
            linestyle="",
            markersize=4,
            label=f"{plural.capitalize()} of {rc.area_name}"
            if level != "Local authority"
            else "Other authorities",
        ),
    ]
    if level == "Local authority":
        handles.append(
            plt.Line2D(
                [],
                [],
                color=charts.PALETTE[3],
                marker="o",
                markeredgecolor="black",
                linestyle="",
                markersize=6,
                label=rc.area_name,
            )
        )
    # panels of one size, spaced by their own titles and tick labels, measured once
    charts.arrange_grid(
        fig,
        axes,
        panel=(2.65, 2.05),
        xlabel="Residents (denominator)",
        ylabel="per 1,000 residents",
        handles=handles,
    )
    title = f"Service use per 1,000 residents by {level.lower()}, {rc.area_name}, {period}"
    alt = (
        f"Funnel plots of service use per 1,000 residents against population for the {plural} of "
        f"{rc.area_name}, one per point of delivery ({', '.join(p for p, _ in found)}), with 95% and 99.8% "
        f"limits around the rate of all of them; "
        + "; ".join(
            f"{p}: {n} outside the 99.8% limits" for (p, _), n in zip(found, outside, strict=True)
        )
        + "."
    )
    svg = charts.to_svg(fig, figure_id="met-needs-funnels", title=title, alt=alt)
    notes = sorted(
        {
            str(n)
            for _, (_, pts, _) in found
            for n in pts["value_note"].dropna()
            if str(n).startswith("denominator")
        }
    )
    frame = pd.concat(data, ignore_index=True)[
        [
            "point_of_delivery",
            "area_code",
            "area_name",
            "count",
            "denominator",
            "value",
            "compared_to_benchmark",
            "compared_to_benchmark_99_8",
        ]
    ]
    return charts.Figure(
        id="met-needs-funnels",
        title=title,
        svg=svg,
        alt=alt,
        source="Source: record-level activity extract and population estimates"
        + (f" ({'; '.join(notes)})" if notes else "")
        + "; exact Poisson funnel limits (OHID)",
        data=frame,
    )


def _registrations(rc: ReportContext, section: Section) -> None:
    import pandas as pd

    total = _latest_rows(rc, "gp-registered-patients")
    if total.empty:
        return
    r = total.iloc[0]
    period = str(r["period"])
    res = rc.results
    practices = res[
        res["indicator_id"].eq("gp-practice-list-size")
        & res["parent_code"].eq(rc.area_code)
        & res["period"].eq(period)
    ].sort_values("value", ascending=False)
    residents = r.get("denominator")
    detail = f"{int(r['count'])} practices, {period}"
    section.headlines.append(
        Headline("Patients registered at the area's GP practices", fmt(r["value"], 0), detail)
    )
    line = (
        f"{int(r['count'])} GP practices are attached to {rc.area_name}; {fmt(r['value'], 0)} patients were "
        f"registered with them in {period}"
    )
    if not is_missing(residents):
        line += (
            f", against {fmt(residents, 0)} residents ({r.get('value_note') or 'mid-year estimate'}). "
            "Lists include people living outside the area and leave out residents registered elsewhere."
        )
    else:
        line += "."
    section.summary.append(line)
    # every practice's list size is in the practice table of jsna/report/practices.py; the
    # lists it hides are left out here too
    from jsna.report.practices import hidden_list_sizes

    hidden = practices["area_code"].isin(hidden_list_sizes(rc, rc.area_code)[0])
    if len(practices) >= 3:
        section.figures.append(
            _list_size_chart(rc, pd.DataFrame(practices[~hidden]), period, int(hidden.sum()))
        )


def _list_size_chart(
    rc: ReportContext, practices: pd.DataFrame, period: str, hidden: int = 0
) -> Figure:
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    from jsna.report import charts

    charts._setup()
    fig, ax = plt.subplots(figsize=(6.4, 3.0))
    values = practices["value"].astype(float)
    ax.hist(
        values, bins=min(12, max(4, len(values) // 2)), color=charts.PALETTE[0], edgecolor="white"
    )
    ax.set_xlabel("Registered patients per practice")
    ax.set_ylabel("Practices")
    # a count of practices: whole numbers only on its axis
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    title = f"GP practice list sizes, {rc.area_name}, {period}"
    ax.set_title(title, loc="left")
    alt = (
        f"Histogram of the list sizes of {len(values)} practices, from {values.min():,.0f} to "
        f"{values.max():,.0f} registered patients"
        + (f" ({hidden} practices whose list size is hidden are left out)." if hidden else ".")
    )
    svg = charts.to_svg(fig, figure_id="met-needs-gp-list-sizes", title=title, alt=alt)
    return charts.Figure(
        id="met-needs-gp-list-sizes",
        title=title,
        svg=svg,
        alt=alt,
        source="Source: NHS Digital, Patients registered at a GP practice",
        data=practices[["area_code", "value"]],
    )


# -- sections 3 and 7: ward-level published values ----------------------------------------------------------
def _hidden_by_control(res: pd.DataFrame) -> pd.Series:
    """Rows whose value the report's disclosure control hid (a count of 1 to 7, or a value
    resting on one); none when control is off."""
    import pandas as pd

    hidden = pd.Series(False, index=res.index)
    for column in ("value_hidden", "count_hidden"):
        if column in res:
            hidden |= res[column].fillna(False).astype(bool)
    return hidden & res["value"].isna()


def _ward_rows(rc: ReportContext) -> pd.DataFrame:
    """Latest imported values of the area's wards, one block per indicator; a ward whose value
    disclosure control hid is kept, without its value."""
    res = rc.results
    wards = res[
        res["area_code"].str[:3].isin(WARD_PREFIXES)
        & res["source"].eq("imported")
        & res["category_type"].isna()
        & (res["value"].notna() | _hidden_by_control(res))
    ]
    lk = rc.table("lookups")
    mine = (
        set(lk.loc[lk["child_type"].eq("Ward") & lk["parent_code"].eq(rc.area_code), "child_code"])
        if len(lk)
        else set()
    )
    wards = wards[wards["area_code"].isin(mine) | wards["parent_code"].eq(rc.area_code)]
    if wards.empty:
        return wards
    latest = wards.groupby("indicator_id")["period_sortable"].transform("max")
    return wards[wards["period_sortable"].eq(latest)]


def add_health_status_blocks(rc: ReportContext, section: Section) -> None:
    """Ward and MSOA values are drawn by :mod:`jsna.report.small_areas` (a map and a table per
    indicator, in the section of its topic); nothing else of section 3 comes from here."""


def _unit(rc: ReportContext, row: Any) -> str:
    """The row's unit, else the unit the loaded file gave the indicator."""
    if not is_missing(row.get("unit")) and row.get("unit"):
        return str(row["unit"])
    values = rc.table("indicator_values")
    units = values.loc[values["indicator_id"].eq(row["indicator_id"]), "unit"].dropna()
    return str(units.iloc[0]) if len(units) else ""


def _ratio(note: Any) -> str:
    """'1.9×' from a stored note 'highest is 1.9 times the lowest'."""
    import re

    found = re.search(r"([\d.]+) times", str(note)) if not is_missing(note) else None
    return f"{found.group(1)}×" if found else "–"


def add_inequality_blocks(rc: ReportContext, section: Section) -> None:
    spread = _latest_by_category(rc, "ward-spread")
    wards = _ward_rows(rc)
    if spread.empty or wards.empty:
        return
    body = []
    held: set[str] = set()
    for _, s in spread.sort_values("category").iterrows():
        # the range is named by its ward indicator's name ("name, period" where one name has two series)
        name = str(s["category"])
        same = wards["period"].eq(s["period"]) & wards["sex"].fillna("Persons").eq(s["sex"])
        group = wards[same & wards["indicator_name"].eq(name)]
        if group.empty and ", " in name:
            group = wards[same & wards["indicator_name"].eq(name.rsplit(", ", 1)[0])]
        group = group.sort_values("value")
        if group.empty:
            continue
        hidden = int(group["value"].isna().sum())
        if hidden:
            # the range and the ends of a series with hidden values would give those values away
            held.add(name)
            why = (
                f"not shown: {hidden} of {len(group)} wards' values are hidden for disclosure "
                "control"
            )
            body.append(
                [
                    Cell(str(group["indicator_name"].iloc[0])),
                    Cell(str(s["period"])),
                    Cell(str(int(s["count"])), numeric=True),
                    Cell(rc.policy.symbol, numeric=True),
                    Cell(rc.policy.symbol, numeric=True),
                    Cell(why),
                    Cell(why),
                ]
            )
            continue
        low = ", ".join(
            f"{n} {fmt(v, 1)}"
            for n, v in zip(group["area_name"].head(5), group["value"].head(5), strict=True)
        )
        high = ", ".join(
            f"{n} {fmt(v, 1)}"
            for n, v in zip(
                group["area_name"].tail(5)[::-1], group["value"].tail(5)[::-1], strict=True
            )
        )
        body.append(
            [
                Cell(str(group["indicator_name"].iloc[0])),
                Cell(str(s["period"])),
                Cell(str(int(s["count"])), numeric=True),
                Cell(fmt(s["value"], 1), numeric=True),
                Cell(_ratio(s["value_note"]), numeric=True),
                Cell(high),
                Cell(low),
            ]
        )
    if not body:
        return
    section.tables.append(
        Table(
            caption=f"Differences between the wards of {rc.area_name}",
            id="inequalities-wards",
            columns=[
                "Indicator",
                "Period",
                "Wards",
                "Range (highest − lowest)",
                "Highest ÷ lowest",
                "Five highest",
                "Five lowest",
            ],
            rows=body,
            note="Published ward values (OHID Local Health and Census); no confidence limits are given, so "
            "differences are described, not tested.",
        )
    )
    widest = spread.assign(
        _r=spread["value_note"].str.extract(r"([\d.]+) times", expand=False).astype(float)
    )
    widest = widest[~widest["category"].astype(str).isin(held)]
    widest = widest.dropna(subset=["_r"]).sort_values("_r", ascending=False)
    if len(widest):
        w = widest.iloc[0]
        section.summary.append(
            f"Across {rc.area_name}'s wards the widest relative gap is in "
            f"{str(w['category']).rsplit(' (', 1)[0].lower()} ({w['period']}): the "
            f"{w['value_note']}."
        )


def _latest_by_category(rc: ReportContext, indicator_id: str) -> pd.DataFrame:
    rows = rc.area_results(indicator_id)
    return rc.latest(rows) if len(rows) else rows


# -- Appendix B ---------------------------------------------------------------------------------------------
#: canonical tables with the column that names an area
_AREA_COLUMNS = {
    "population": ("area_code",),
    "events": ("area_code",),
    "indicator_values": ("area_code",),
    "survey": ("area_code",),
    "spend": ("area_code",),
    "deprivation": ("lad_code", "lsoa_code"),
    "deprivation_summaries": ("area_code",),
    "areas": ("area_code",),
    "lookups": ("child_code", "parent_code"),
}
#: sections a table feeds directly (besides the indicators computed from it)
_DIRECT = {
    "population": ("demography",),
    "deprivation": ("social_context",),
    "deprivation_summaries": ("social_context",),
    "spend": ("value_for_money",),
    "phb_uptake": ("value_for_money",),
    "phb_budgets": ("value_for_money",),
}
#: why an input that holds this area's rows may still reach no section
_WHY = {
    "prevalence": "prevalence rates: used for projected outcomes (section 9) only when a population projection "
    "for this area is loaded",
    "registrations": "no practice in this file is attached to {area}: practices are attached through a sub-ICB "
    "location (CCG) whose name contains the area's name, or a loaded lookup from sub-ICB to area",
    "areas": "no boundary in this file is drawn on a map of {area}",
    "lookups": "the links in this file are not needed by any table or map of {area}",
    "phb_uptake": "personal health budget returns: used in section 10 when the area's ICB can be matched",
    "phb_budgets": "personal health budget records: used in section 10",
}


def sources_appendix(rc: ReportContext, sections: list[Section]) -> list[dict[str, str]]:
    """One row per input file: what it is, its hash, and the sections that use it or why none does."""

    prov = rc.workspace.provenance()
    shown = {s.info.id: s.info.number for s in sections if not s.empty}
    family = _family(rc)
    res = rc.results
    mine = res[res["area_code"].isin(family) | res["parent_code"].eq(rc.area_code)]
    needs: dict[str, set[str]] = {}
    for ind_id, sec in mine[["indicator_id", "section"]].drop_duplicates().itertuples(index=False):
        ind = rc.indicators.get(ind_id)
        for table in ind.requires if ind is not None else ("indicator_values",):
            needs.setdefault(table, set()).add(str(sec))
    with_maps = {s.info.id for s in sections if any("map" in f.id for f in s.figures)}
    per_table = _rows_by_source(rc)
    out = []
    for _, p in prov.iterrows():
        sid = int(p["source_id"])
        used: set[str] = set()
        reasons: list[str] = []
        if p["status"] != "loaded":
            reasons.append(f"{p['status']}: a file loaded later covers the same rows")
        else:
            for table in per_table.get(sid, []):
                secs, reason = _table_use(rc, table, sid, family, mine, needs, with_maps)
                used |= {s for s in secs if s in shown}
                if reason:
                    reasons.append(reason)
            if not used and not reasons:
                tables = per_table.get(sid, [])
                why = [_WHY[t].format(area=rc.area_name) for t in tables if t in _WHY]
                reasons.append(
                    why[0]
                    if why
                    else f"loaded into {', '.join(tables) or 'no table'}, but no section "
                    f"of the report for {rc.area_name} draws on it"
                )
        numbers = sorted(shown[s] for s in used)
        out.append(
            {
                "kind": str(p["kind"]),
                "file": str(p["file_name"]),
                "sha256": str(p["sha256"]),
                "rows": f"{int(p['rows_loaded']):,} of {int(p['rows_read']):,}",
                "periods": _stored_periods(p["periods"]),
                "status": str(p["status"]),
                "ingested": str(p["ingested_at"]),
                "used": ("Sections " if len(numbers) > 1 else "Section ")
                + ", ".join(map(str, numbers))
                if numbers
                else "Not used: " + "; ".join(dict.fromkeys(reasons)),
            }
        )
    return out


def _stored_periods(stored: Any) -> str:
    """The periods provenance lists for a file (``"2014/15, 2015/16, ..."``), as runs."""
    from jsna.vocabulary.periods import describe_periods

    if is_missing(stored) or not str(stored).strip():
        return ""
    return describe_periods(p.strip() for p in str(stored).split(",") if p.strip())


def _family(rc: ReportContext) -> set[str]:
    """The area and every small area or practice the workspace places inside it."""
    codes = {rc.area_code}
    lk = rc.table("lookups")
    if len(lk):
        children = set(lk.loc[lk["parent_code"].eq(rc.area_code), "child_code"])
        codes |= children | set(lk.loc[lk["parent_code"].isin(children), "child_code"])
        # the MSOAs and wards the area's LSOAs and output areas belong to
        codes |= set(
            lk.loc[
                lk["child_code"].isin(children) & lk["parent_type"].isin(["MSOA", "Ward"]),
                "parent_code",
            ]
        )
    dep = rc.table("deprivation")
    if len(dep):
        codes |= set(dep.loc[dep["lad_code"].eq(rc.area_code), "lsoa_code"])
    res = rc.results
    codes |= set(res.loc[res["parent_code"].eq(rc.area_code), "area_code"])
    return codes


def _rows_by_source(rc: ReportContext) -> dict[int, list[str]]:
    from jsna.vocabulary.tables import TABLES

    con = rc.workspace.con
    present = {
        r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
    }
    out: dict[int, list[str]] = {}
    for table, columns in TABLES.items():
        if (
            table in {"provenance", "results", "quarantine"}
            or table not in present
            or "source_id" not in columns
        ):
            continue
        for (sid,) in con.execute(f'SELECT DISTINCT source_id FROM "{table}"').fetchall():
            if sid is not None:
                out.setdefault(int(sid), []).append(table)
    return out


def _table_use(
    rc: ReportContext,
    table: str,
    sid: int,
    family: set[str],
    mine: pd.DataFrame,
    needs: dict[str, set[str]],
    with_maps: set[str],
) -> tuple[set[str], str]:
    """Sections ``table``'s rows from source ``sid`` reach, or why they reach none."""
    frame = rc.table(table)
    rows = frame[frame["source_id"].eq(sid)]
    if table == "indicator_values":
        ids = set(rows["indicator_id"].unique())
        secs = set(mine.loc[mine["indicator_id"].isin(ids), "section"].astype(str))
        if (
            "inequalities" not in secs
            and rows["area_code"].isin(family).any()
            and rows["area_code"].str[:3].isin(WARD_PREFIXES).any()
        ):
            secs.add("inequalities")
        if secs:
            return secs, ""
    columns = _AREA_COLUMNS.get(table)
    nhs = rows["area_code"].str[:3].isin(("E38", "E54")) if table == "population" else None
    if nhs is not None and len(rows) and nhs.all():
        phb = rc.table("phb_uptake")
        if (
            len(phb)
            and phb["icb_code"].isin(rows["area_code"]).any()
            | phb["sub_icb_code"].isin(rows["area_code"]).any()
        ):
            return {"value_for_money"}, ""
        return (
            set(),
            "NHS area populations: used as denominators of personal health budget uptake (section 10)",
        )
    if columns:
        relevant = any(rows[c].isin(family).any() for c in columns)
        if not relevant:
            return set(), _not_relevant(rc, rows[columns[0]])
    secs = set(needs.get(table, set())) | set(_DIRECT.get(table, ()))
    if table in {"areas", "lookups"}:
        secs |= with_maps
    if table == "events":
        deaths = rows["measure"].str.lower().eq("deaths")
        if deaths.all():
            secs -= {"met_needs", "projected_service_use"}
        elif not deaths.any():
            # projected service use starts from the authority's own counts
            own = rows["area_code"].eq(rc.area_code).any()
            secs = (secs & {"met_needs"}) | ({"projected_service_use"} if own else set())
    if table == "population" and rows["variant"].ne("estimate").all():
        variant = str(rows["variant"].iloc[0])
        later = rows["period"].astype(str).str[:4].max() > _latest_estimate(rc)
        if not later:
            return set(), (
                f"population of variant '{variant}': the report draws on mid-year estimates, and on "
                "projections beyond the latest estimate in sections 8 and 9"
            )
        return {"projected_service_use", "projected_outcomes"}, ""
    if table == "prevalence":
        return {"projected_outcomes"}, ""
    return secs, ""


def _latest_estimate(rc: ReportContext) -> str:
    pop = rc.table("population")
    est = pop.loc[pop["variant"].eq("estimate") & pop["area_code"].eq(rc.area_code), "period"]
    return str(est.astype(str).str[:4].max()) if len(est) else "0000"


def _not_relevant(rc: ReportContext, codes: pd.Series) -> str:
    """Why a file's rows (area codes ``codes``) reach no part of this area's report."""
    from jsna.vocabulary.areas import area_type_of

    distinct = codes.dropna().unique()
    small = {"E00", "E01", "E02", "E05", "W01", "W02", "W05"}
    if len(distinct) and all(str(c)[:3] in small for c in distinct):
        kinds = sorted({area_type_of(str(c)) for c in distinct})
        return (
            f"its {len(distinct):,} small areas ({', '.join(kinds)}) are not linked to {rc.area_name} by any "
            "loaded lookup (jsna ingest lookup FILE), or their rows were replaced by a later file"
        )
    return (
        f"none of its {len(distinct):,} areas is {rc.area_name} or inside it, or its rows for "
        f"{rc.area_name} were replaced by a later file for the same area and period"
    )
