"""Indicators on GP practices' registered lists in the report: observed/expected ratios of the
authority's practices (section 4) and the practice profile's block.

Reads ``analysis_practice_indicators`` (``jsna/indicators/practice_indicators.py``), never
computes a statistic.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from jsna.report import charts
from jsna.report.model import Cell, Headline, Section, Table
from jsna.report.text import fmt, fmt_interval, is_missing

if TYPE_CHECKING:
    import pandas as pd

    from jsna.report.context import ReportContext

TABLE = "analysis_practice_indicators"
SOURCE = (
    "Sources: practice counts by age and sex (jsna ingest practice-counts); NHS Digital, "
    "Patients registered at a GP practice"
)
#: the table cell outcome of a significance label (shaded outside the 99.8% limits)
OUTCOME = {"above 99.8%": "Higher", "below 99.8%": "Lower"}
NOTE = (
    "Expected: the count the practice would have if each of its age-sex groups had the "
    "reference's rate ({reference}); O/E: observed over expected, with limits from the observed "
    "count (Byar's; exact under 10). Standardised: directly standardised to the 2013 European "
    "Standard Population (not computed under 10 events). Sub-ICB and area O/E pool the "
    "observed and expected counts of their practices."
)


def _unit(multiplier: Any) -> str:
    return "%" if float(multiplier) == 100 else f"per {float(multiplier):,.0f}"


def _with_unit(value: Any, multiplier: Any) -> str:
    unit = _unit(multiplier)
    return fmt(value, 2) + (unit if unit == "%" else f" {unit}")


def _shown(rc: ReportContext, value: Any, count: Any, text: str) -> str:
    """A value built on ``count``: hidden (or marked) when the count is."""
    if is_missing(value) or not rc.policy.suppressed(count):
        return text
    return text + rc.policy.marker if rc.policy.rates_on_suppressed == "mark" else "–"


def _ratio_text(rc: ReportContext, r: pd.Series, limits: str = "99_8") -> str:
    interval = fmt_interval(r[f"ratio_lower_ci_{limits}"], r[f"ratio_upper_ci_{limits}"], 2)
    return _shown(rc, r["ratio"], r["count"], f"{fmt(r['ratio'], 2)} ({interval})")


def _named(rows: pd.DataFrame) -> str:
    return "; ".join(
        f"{r['practice_name']} ({r['practice_code']}, O/E {fmt(r['ratio'], 2)}, "
        f"{str(r['significance']).split()[0]})"
        for _, r in rows.sort_values("ratio", ascending=False).iterrows()
    )


# -- section 4 of an authority's report ---------------------------------------------------------
def add_list_indicator_blocks(rc: ReportContext, section: Section) -> None:
    """Per measure: a table of the practices' crude, standardised and expected values and O/E
    ratios, a chart of the ratios with limits, and the practices outside the 99.8% limits."""
    rows = rc.workspace.analysis_table(TABLE, rc.area_code)
    for n, (measure, one) in enumerate(rows.groupby("measure", sort=True)):
        one = one.sort_values("practice_code")
        r0 = one.iloc[0]
        unit = _unit(r0["multiplier"])
        body = [
            [
                Cell(str(r["practice_name"])),
                Cell(str(r["practice_code"])),
                Cell(rc.policy.count(r["list_size"]), numeric=True),
                Cell(rc.policy.count(r["count"]), numeric=True),
                Cell(
                    _shown(rc, r["crude_value"], r["count"], fmt(r["crude_value"], 2)), numeric=True
                ),
                Cell(_shown(rc, r["dsr_value"], r["count"], fmt(r["dsr_value"], 2)), numeric=True),
                Cell(fmt(r["expected_value"], 2), numeric=True),
                Cell(_ratio_text(rc, r), outcome=OUTCOME.get(str(r["significance"])), numeric=True),
            ]
            for _, r in one.iterrows()
        ]
        area_ratio = r0["area_ratio"]
        section.tables.append(
            Table(
                caption=f"{measure} ({r0['period']}) of {rc.area_name}'s GP practices: observed "
                "against expected from each list's age and sex",
                id=f"met-needs-practice-list-{n}",
                columns=[
                    "Practice",
                    "Code",
                    "Registered patients",
                    "Observed",
                    f"Crude ({unit})",
                    f"Standardised ({unit})",
                    f"Expected ({unit})",
                    "O/E (99.8% limits)",
                ],
                rows=body,
                note=NOTE.format(reference=str(r0["reference"]).lower())
                + f" Shaded: outside the 99.8% limits. {rc.area_name}'s practices together: "
                f"O/E {fmt(area_ratio, 2)}.",
            )
        )
        section.figures.append(_ratio_chart(one, str(measure), f"met-needs-practice-oe-{n}"))
        outside = one[one["significance"].astype(str).str.contains("99.8")]
        if outside.empty:
            section.summary.append(
                f"{measure} ({r0['period']}): every practice of {rc.area_name} has as many cases "
                "as its patients' age and sex lead one to expect (observed/expected within the "
                "99.8% limits)."
            )
        else:
            section.summary.append(
                f"{measure} ({r0['period']}): {len(outside)} of {len(one)} practices have more "
                "or fewer cases than their patients' age and sex explain (observed/expected "
                f"outside the 99.8% limits): {_named(outside)}."
            )


def _ratio_chart(one: pd.DataFrame, measure: str, figure_id: str) -> charts.Figure:
    """Each practice's O/E ratio with its 95% and 99.8% limits, against 1."""
    import matplotlib.pyplot as plt

    charts._setup()
    frame = one.sort_values("ratio").reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(6.4, 0.9 + 0.28 * len(frame)))
    y = range(len(frame))
    ax.hlines(y, frame["ratio_lower_ci_99_8"], frame["ratio_upper_ci_99_8"], color="#9aa0a6", lw=1)
    ax.hlines(
        y, frame["ratio_lower_ci_95"], frame["ratio_upper_ci_95"], color=charts.PALETTE[0], lw=3
    )
    outside = frame["significance"].astype(str).str.contains("99.8")
    ax.scatter(
        frame["ratio"],
        y,
        color=["black" if o else charts.PALETTE[0] for o in outside],
        zorder=3,
        s=18,
    )
    ax.axvline(1, color="black", lw=0.8, ls="--", label="As expected (1)")
    ax.plot([], [], color=charts.PALETTE[0], lw=3, label="95% limits")
    ax.plot([], [], color="#9aa0a6", lw=1, label="99.8% limits")
    ax.legend(fontsize=7.5, loc="lower right", framealpha=0.9)
    ax.set_yticks(
        list(y),
        [
            f"{c} {n}"[:38]
            for c, n in zip(frame["practice_code"], frame["practice_name"], strict=True)
        ],
        fontsize=7.5,
    )
    ax.set_xlabel("Observed / expected (1 = as the reference)")
    period = frame["period"].iloc[0]
    title = f"{measure}, observed against expected, GP practices, {period}"
    ax.set_title(title, loc="left")
    alt = (
        f"Observed/expected ratios of {len(frame)} practices from {frame['ratio'].min():.2f} to "
        f"{frame['ratio'].max():.2f}, with 95% (thick) and 99.8% (thin) limits; "
        f"{int(outside.sum())} lie outside the 99.8% limits (black dots)."
    )
    data = frame[["practice_code", "practice_name", "count", "expected", "ratio", "significance"]]
    return charts.figure_of(fig, figure_id, title, alt, SOURCE, data)


# -- the practice profile -----------------------------------------------------------------------
def add_profile_list_indicators(rc: ReportContext, section: Section) -> None:
    """The practice's measures on its list: value, limits, expected, O/E and comparisons."""
    stored = rc.workspace.analysis_table(TABLE)
    mine = stored[stored["practice_code"].eq(rc.area_code)]
    if mine.empty:
        return
    mine = mine[mine["report_area"].eq(mine["report_area"].iloc[0])].sort_values("measure")
    authority = rc.names.get(mine["report_area"].iloc[0], mine["report_area"].iloc[0])
    body = []
    for _, r in mine.iterrows():
        unit = _unit(r["multiplier"])
        crude = fmt_interval(r["crude_lower_ci_95"], r["crude_upper_ci_95"], 2)
        dsr = fmt_interval(r["dsr_lower_ci_95"], r["dsr_upper_ci_95"], 2)
        dsr_text = (
            f"{fmt(r['dsr_value'], 2)} ({dsr})"
            if not is_missing(r["dsr_value"])
            else (f"– ({r['dsr_note']})" if not is_missing(r["dsr_note"]) else "–")
        )
        body.append(
            [
                Cell(f"{r['measure']} ({unit})"),
                Cell(str(r["period"])),
                Cell(rc.policy.count(r["count"]), numeric=True),
                Cell(
                    _shown(
                        rc, r["crude_value"], r["count"], f"{fmt(r['crude_value'], 2)} ({crude})"
                    ),
                    numeric=True,
                ),
                Cell(_shown(rc, r["dsr_value"], r["count"], dsr_text), numeric=True),
                Cell(fmt(r["expected_value"], 2), numeric=True),
                Cell(_ratio_text(rc, r, "95"), numeric=True),
                Cell(
                    str(r["significance"]) if not is_missing(r["significance"]) else "–",
                    outcome=OUTCOME.get(str(r["significance"])),
                ),
                Cell(fmt(r["sub_icb_ratio"], 2), numeric=True),
                Cell(fmt(r["area_ratio"], 2), numeric=True),
            ]
        )
        crude_text = _shown(
            rc, r["crude_value"], r["count"], _with_unit(r["crude_value"], r["multiplier"])
        )
        section.summary.append(
            f"{r['measure']} ({r['period']}): {crude_text} of the practice's "
            f"{rc.policy.count(r['list_size'])} registered patients, against "
            f"{_with_unit(r['expected_value'], r['multiplier'])} expected from their age and sex: "
            f"an observed/expected ratio of {_ratio_text(rc, r)} (99.8% limits; "
            f"{r['significance']}), against {fmt(r['sub_icb_ratio'], 2)} for its sub-ICB's "
            f"practices and {fmt(r['area_ratio'], 2)} for {authority}'s."
        )
    if len(mine) <= 2:
        for _, r in mine.iterrows():
            section.headlines.append(
                Headline(
                    f"{r['measure']}: observed / expected",
                    _shown(rc, r["ratio"], r["count"], fmt(r["ratio"], 2)),
                    f"{r['period']}; expected {_with_unit(r['expected_value'], r['multiplier'])}",
                    outcome=OUTCOME.get(str(r["significance"])),
                )
            )
    section.tables.append(
        Table(
            caption=f"{rc.area_name}: indicators on the registered list",
            id="health-status-practice-list-indicators",
            columns=[
                "Measure",
                "Period",
                "Observed",
                "Crude (95% limits)",
                "Standardised (95% limits)",
                "Expected",
                "O/E (95% limits)",
                "O/E against 1",
                "Sub-ICB O/E",
                f"{authority} O/E",
            ],
            rows=body,
            note=NOTE.format(reference=str(mine["reference"].iloc[0]).lower()),
        )
    )


def profile_list_outliers(rc: ReportContext) -> list[str]:
    """A sentence per measure on the practice's list whose observed/expected ratio lies outside
    the 99.8% limits (for the profile's executive summary)."""
    stored = rc.workspace.analysis_table(TABLE)
    mine = stored[stored["practice_code"].eq(rc.area_code)]
    if mine.empty:
        return []
    mine = mine[mine["report_area"].eq(mine["report_area"].iloc[0])].sort_values("measure")
    lines = []
    for _, r in mine[mine["significance"].astype(str).str.contains("99.8")].iterrows():
        more = str(r["significance"]).startswith("above")
        interval = fmt_interval(r["ratio_lower_ci_99_8"], r["ratio_upper_ci_99_8"], 2)
        ratio = _shown(
            rc, r["ratio"], r["count"], f"{fmt(r['ratio'], 2)} (99.8% limits {interval})"
        )
        hidden = ratio == "\u2013"
        lines.append(
            f"{r['measure']} ({r['period']}): {'more' if more else 'fewer'} cases than the age "
            "and sex of the practice's patients explain"
            + ("" if hidden else f", an observed/expected ratio of {ratio}")
            + "."
        )
    return lines
