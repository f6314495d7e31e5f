"""The primary care network profile: ``jsna report --area <PCN code>``.

Reads the ``pcn`` and ``pcn_point`` rows of ``analysis_practices`` (``jsna/indicators/pcns.py``)
and its practices' rows; never computes a statistic. The sections are a practice profile's
(:data:`jsna.report.practices.PROFILE_SECTIONS`): demography (the PCN's list, the sum of its
practices', and their age-sex pyramid against the sub-ICB location and every practice in the
file), social context (its practices' deprivation scores), health status and met needs (its
indicators with limits and comparison; met needs also lists its practices).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from jsna.report.model import Cell, Headline, Section, Table
from jsna.report.practices import (
    compared_sentence,
    funnel_cell,
    funnel_outliers,
    hidden_list_sizes,
    list_pyramid,
    section_of,
    stored_funnel,
)
from jsna.report.text import fmt, fmt_interval, is_missing

if TYPE_CHECKING:
    import pandas as pd

    from jsna.report.context import ReportContext

#: what to load for a section a PCN's rows leave empty
MISSING = {
    "social_context": "the deprivation scores of the PCN's practices: jsna ingest fingertips FILE "
    "(Fingertips indicator 93553, Deprivation score (IMD 2019), GP practices)",
    "health_status": "QOF prevalences of the PCN's practices: jsna ingest fingertips FILE "
    "(a Fingertips download for GP practices, with counts)",
    "met_needs": "service use of the PCN's patients: jsna ingest fingertips FILE "
    "(e.g. Fingertips A&E attendances by GP practice or PCN)",
}


def is_pcn(rc: ReportContext) -> bool:
    """True when the report area is a primary care network compute stored rows for."""
    stored = rc.workspace.analysis_table("analysis_practices")
    if not len(stored) or "pcn_code" not in stored.columns:
        return False
    return bool((stored["row_type"].eq("pcn") & stored["pcn_code"].eq(rc.area_code)).any())


def pcn_rows(rc: ReportContext) -> pd.DataFrame:
    """The stored rows of the PCN and of its practices (of the first authority they attach to)."""
    stored = rc.workspace.analysis_table("analysis_practices")
    mine = stored[stored["pcn_code"].eq(rc.area_code)]
    return mine[mine["report_area"].eq(mine["report_area"].iloc[0])]


def pcn_rows_of_authority(rc: ReportContext, authority: str) -> pd.DataFrame:
    """Every stored ``analysis_practices`` row of ``authority``."""
    return rc.workspace.analysis_table("analysis_practices", authority)


def profile_builders() -> dict[str, Any]:
    """The section builders of a PCN profile, by section id."""
    return {
        "demography": build_demography,
        "social_context": build_social_context,
        "health_status": lambda rc, s: _indicators(rc, s, "health_status"),
        "met_needs": build_met_needs,
    }


def build_demography(rc: ReportContext, section: Section) -> None:
    """The PCN's list size, its practices, sub-ICB and authority, and the age-sex pyramid."""
    rows = pcn_rows(rc)
    pcn = rows[rows["row_type"].eq("pcn")].iloc[0]
    practices = rows[rows["row_type"].eq("practice")].sort_values("practice_code")
    authority = rc.names.get(pcn["report_area"], pcn["report_area"])
    sub = rc.names.get(pcn["sub_icb_code"], pcn["sub_icb_code"])
    # hidden whenever the authority's report hides one of its practices' lists with it
    hidden = rc.area_code in hidden_list_sizes(rc, pcn["report_area"])[1]
    size = rc.policy.count(pcn["list_size"], hidden=hidden)
    section.headlines.append(Headline("Registered patients", size, str(pcn["list_period"])))
    section.headlines.append(Headline("GP practices", str(len(practices)), "in the network"))
    section.summary.append(
        f"{pcn['pcn_name']} ({rc.area_code}) had {size} registered patients at its "
        f"{len(practices)} practices in {pcn['list_period']}. Its practices belong to the sub-ICB "
        f"location {sub} and are attached to {authority}."
    )
    pyramid = list_pyramid(
        rc,
        practices["practice_code"].astype(str).tolist(),
        str(pcn["list_period"]),
        str(pcn["pcn_name"]),
        str(sub),
        total_hidden=hidden,
    )
    if pyramid is None:
        section.missing.append(
            "the network's age-sex pyramid: jsna ingest registrations FILE with the single-year "
            "or 5-year-band file of NHS Digital's Patients registered at a GP practice"
        )
    else:
        section.figures.append(pyramid)


def build_social_context(rc: ReportContext, section: Section) -> None:
    """The published deprivation scores (and other social-context series) of its practices."""
    rows = pcn_rows(rc)
    points = rows[rows["row_type"].eq("point")]
    points = points[points["indicator_name"].map(section_of).eq("social_context")]
    if points.empty:
        section.missing.append(MISSING["social_context"])
        return
    for indicator_id, one in points.groupby("indicator_id", sort=True):
        one = one.sort_values("value", ascending=False)
        r = one.iloc[0]
        section.tables.append(
            Table(
                caption=f"{r['indicator_name']} ({r['period']}) of the practices of {rc.area_name}",
                id=f"social-context-pcn-practices-{indicator_id}",
                columns=["Practice", "Code", "Value", "England"],
                rows=[
                    [
                        Cell(str(p["practice_name"])),
                        Cell(str(p["practice_code"])),
                        Cell(fmt(p["value"], 2), numeric=True),
                        Cell(fmt(p["england_value"], 2), numeric=True),
                    ]
                    for _, p in one.iterrows()
                ],
                note="Published values of each practice (Fingertips).",
            )
        )
        low = one.iloc[-1]
        section.summary.append(
            f"{r['indicator_name']} ({r['period']}): from {fmt(low['value'], 2)} at "
            f"{low['practice_name']} to {fmt(r['value'], 2)} at {r['practice_name']} "
            f"(England {fmt(r['england_value'], 2)})."
        )


def build_met_needs(rc: ReportContext, section: Section) -> None:
    """The PCN's practices (list size and latest values) and its service-use indicators."""
    rows = pcn_rows(rc)
    practices = rows[rows["row_type"].eq("practice")].sort_values("practice_code")
    points = rows[rows["row_type"].eq("point")]
    series = points.drop_duplicates("indicator_id").sort_values("indicator_name")
    # the lists the authority's report hides (docs/report.md), not a decision of this page's own
    hidden_lists, _ = hidden_list_sizes(rc, str(rows["report_area"].iloc[0]))
    hidden = practices["practice_code"].isin(hidden_lists).tolist()
    body = []
    for (_, p), hide in zip(practices.iterrows(), hidden, strict=True):
        mine = points[points["practice_code"].eq(p["practice_code"])].set_index("indicator_id")
        body.append(
            [
                Cell(str(p["practice_name"])),
                Cell(str(p["practice_code"])),
                Cell(rc.policy.count(p["list_size"], hidden=hide), numeric=True),
                *(
                    Cell(
                        fmt(mine.loc[i, "value"], 2) if i in mine.index else "–",
                        outcome=funnel_cell(mine.loc[i, "funnel_outcome"])
                        if i in mine.index
                        else None,
                        numeric=True,
                    )
                    for i in series["indicator_id"]
                ),
            ]
        )
    section.tables.append(
        Table(
            caption=f"The GP practices of {rc.area_name}",
            id="met-needs-pcn-practices",
            columns=[
                "Practice",
                "Code",
                "Registered patients",
                *(f"{s['indicator_name']} ({s['period']})" for _, s in series.iterrows()),
            ],
            rows=body,
            note="Each practice's list size and latest published values; shaded cells lie "
            "outside the 99.8% funnel limits around the authority's average.",
        )
    )
    _indicators(rc, section, "met_needs", required=False)


def _england_word(row: pd.Series) -> str:
    """ "higher", "lower" or "similar" (the stored comparison with England), else "–"."""
    compared = row.get("compared_to_england")
    return "–" if is_missing(compared) else str(compared).lower()


def _indicators(
    rc: ReportContext, section: Section, section_id: str, *, required: bool = True
) -> None:
    """The PCN's indicators of this section: value, limits, sub-ICB, authority and England."""
    rows = pcn_rows(rc)
    points = rows[rows["row_type"].eq("pcn_point")]
    points = points[points["indicator_name"].map(section_of).eq(section_id)]
    if points.empty:
        if required:
            section.missing.append(MISSING[section_id])
        return
    authority = rc.names.get(points["report_area"].iloc[0], points["report_area"].iloc[0])
    body = []
    for _, r in points.sort_values("indicator_name").iterrows():
        body.append(
            [
                Cell(str(r["indicator_name"])),
                Cell(str(r["period"])),
                Cell(fmt(r["value"], 2), numeric=True),
                Cell(fmt_interval(r["lower_ci_95"], r["upper_ci_95"], 2), numeric=True),
                Cell(
                    f"{rc.policy.count(r['count'])} / {rc.policy.count(r['denominator'])}",
                    numeric=True,
                ),
                Cell(fmt(r["sub_icb_value"], 2), numeric=True),
                Cell(fmt(r["area_value"], 2), numeric=True),
                Cell(fmt(r["england_value"], 2), numeric=True),
                Cell(
                    "–" if is_missing(r["compared_to_england"]) else str(r["compared_to_england"]),
                    outcome=None
                    if is_missing(r["compared_to_england"])
                    else str(r["compared_to_england"]),
                ),
                Cell(str(r["value_note"])),
                Cell("–" if is_missing(r["funnel_outcome"]) else str(r["funnel_outcome"])),
            ]
        )
        interval = fmt_interval(r["lower_ci_95"], r["upper_ci_95"], 2)
        section.summary.append(compared_sentence(r, f"in the network (95% limits {interval})"))
        if len(points) <= 2:
            section.headlines.append(
                Headline(
                    str(r["indicator_name"]),
                    fmt(r["value"], 2),
                    f"{r['period']}; England {fmt(r['england_value'], 2)}",
                    outcome=r["compared_to_england"],
                )
            )
    section.tables.append(
        Table(
            caption=f"{rc.area_name}: indicators",
            id=f"{section_id.replace('_', '-')}-pcn-indicators",
            columns=[
                "Indicator",
                "Period",
                "Value",
                "95% limits",
                "Count / denominator",
                "Sub-ICB",
                authority,
                "England",
                "Compared with England",
                "Source of the value",
                f"Against {authority}'s funnel",
            ],
            rows=body,
            note="Fingertips' value for the PCN where published; otherwise its practices' "
            "counts and denominators summed, with Wilson score limits (percentages) or Byar's "
            "limits (rates). Sub-ICB and authority values pool their practices; compared with "
            "England: England's value outside the network's 95% limits; the last column places "
            "the network against the 95% and 99.8% funnel limits around the authority's "
            "average (the funnel plot, with the authority's other networks).",
        )
    )
    for n, (indicator_id, one) in enumerate(points.groupby("indicator_id", sort=True)):
        every = pcn_rows_of_authority(rc, str(one["report_area"].iloc[0]))
        every = every[every["indicator_id"].eq(indicator_id)]
        lines = every[every["row_type"].eq("pcn_limit")]
        placed = every[every["row_type"].eq("pcn_point") & every["funnel_upper_95"].notna()]
        if lines.empty or placed.empty:
            continue
        section.figures.append(
            stored_funnel(
                rc,
                placed,
                lines,
                members="pcn",
                highlight=rc.area_code,
                figure_id=f"{section_id.replace('_', '-')}-pcn-funnel-{n}",
            )
        )


# -- section 4 of an authority's report ---------------------------------------------------------
def add_pcn_blocks(rc: ReportContext, section: Section) -> None:
    """The primary care networks of the authority's practices in section 4 (met needs): a table
    of every PCN (practices, registered patients, each series' value with limits and its
    comparison with England), a funnel plot per series against the authority's average, and
    the PCNs outside the 99.8% limits named. Nothing without attached practices."""
    from jsna.report.practices import practice_rows

    rows = practice_rows(rc)
    practices = rows[rows["row_type"].eq("practice")]
    if practices.empty:
        return
    pcns = rows[rows["row_type"].eq("pcn")].sort_values("pcn_code")
    if pcns.empty:
        section.missing.append(
            "the primary care networks of the area's practices: jsna ingest lookup FILE (NHS "
            "Digital's ePCN practice -> PCN file), or a Fingertips download for GP practices "
            "whose parent codes are PCNs"
        )
        return
    points = rows[rows["row_type"].eq("pcn_point")]
    series = points.drop_duplicates("indicator_id").sort_values("indicator_name")
    members = practices["pcn_code"].value_counts()
    _, hidden_totals = hidden_list_sizes(rc, rc.area_code)
    body = []
    for _, pcn in pcns.iterrows():
        code = str(pcn["pcn_code"])
        cells = [
            Cell(str(pcn["pcn_name"])),
            Cell(code),
            Cell(str(int(members.get(code, 0))), numeric=True),
            Cell(rc.policy.count(pcn["list_size"], hidden=code in hidden_totals), numeric=True),
        ]
        mine = points[points["pcn_code"].eq(code)].set_index("indicator_id")
        for indicator_id in series["indicator_id"]:
            if indicator_id not in mine.index:
                cells.append(Cell("–", numeric=True))
                continue
            r = mine.loc[indicator_id]
            interval = fmt_interval(r["lower_ci_95"], r["upper_ci_95"], 2)
            text = f"{fmt(r['value'], 2)} ({interval}; England {_england_word(r)})"
            cells.append(Cell(text, outcome=funnel_cell(r.get("funnel_outcome")), numeric=True))
        body.append(cells)
    known = int(practices["pcn_code"].notna().sum())
    published = points[points["value_note"].astype(str).eq("published for the PCN")]
    section.tables.append(
        Table(
            caption=f"Primary care networks of {rc.area_name}'s GP practices",
            id="met-needs-pcns",
            columns=[
                "Primary care network",
                "Code",
                "Practices",
                "Registered patients",
                *(f"{s['indicator_name']} ({s['period']})" for _, s in series.iterrows()),
            ],
            rows=body,
            note=(
                f"Practices and registered patients: the networks' practices attached to "
                f"{rc.area_name} ({known} of its {len(practices)} practices have a known network), "
                f"lists of {pcns['list_period'].max()}. Values with 95% limits: "
                + (
                    "Fingertips' published value of the whole network where there is one "
                    "(which counts any of its practices attached elsewhere too), otherwise "
                    if len(published)
                    else ""
                )
                + "the network's practices' counts and denominators summed (Wilson score limits "
                "for percentages, Byar's for rates); compared with England: England's value "
                "outside the network's 95% limits. Shaded cells lie outside the 99.8% funnel "
                f"limits around {rc.area_name}'s average."
            ),
        )
    )
    section.summary.append(
        f"{known} of {rc.area_name}'s {len(practices)} GP practices belong to {len(pcns)} "
        "primary care networks"
        + (
            f"; the network of {len(practices) - known} is not known."
            if known < len(practices)
            else "."
        )
    )
    for n, (indicator_id, one) in enumerate(points.groupby("indicator_id", sort=True)):
        lines = rows[rows["row_type"].eq("pcn_limit") & rows["indicator_id"].eq(indicator_id)]
        placed = one[one["funnel_upper_95"].notna()]
        if lines.empty or placed.empty:
            continue
        section.figures.append(
            stored_funnel(
                rc,
                placed,
                lines,
                members="pcn",
                highlight="",
                figure_id=f"met-needs-pcn-funnel-{n}",
            )
        )
        section.summary.append(
            funnel_outliers(
                rc, placed, key="pcn", one="primary care network", many="primary care networks"
            )
        )
