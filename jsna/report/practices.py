"""GP practices in the report: the practice table and funnel plots of section 4, and the practice profile.

Reads ``analysis_practices`` (``jsna/indicators/practices.py``), never computes a statistic.

- In an authority's report, section 4 (met needs) gains a table of every attached practice (list
  size, the latest value of each practice-level series, and whether it is higher or lower than
  the sub-ICB's pooled value and England's value), a funnel plot per series with counts (the
  practices against the authority's average) and the practices outside the 99.8% limits named.
- ``jsna report --area <practice code>`` makes a practice profile (:data:`PROFILE_SECTIONS`):
  demography (list size, age-sex pyramid when registrations by age and sex are loaded), social
  context (the practice's deprivation score), health status and met needs (its series with limits
  and comparison). Sections 5 to 10 describe a population, not a practice list, and are left out
  of a practice profile by design (docs/report.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from jsna.indicators.context import ENGLAND
from jsna.report import charts
from jsna.report.model import Cell, Headline, Section, Table
from jsna.report.practice_lists import add_profile_list_indicators
from jsna.report.text import fmt, fmt_interval, is_missing
from jsna.vocabulary.areas import PRACTICE_SHARE_MIN

if TYPE_CHECKING:
    import pandas as pd

    from jsna.report.context import ReportContext

#: the sections a practice profile has (the others are left out by design)
PROFILE_SECTIONS = ("demography", "social_context", "health_status", "met_needs")
#: words in a series' name that put it in a profile's section (else health status)
SECTION_WORDS = {
    "social_context": ("deprivation", "imd"),
    "met_needs": ("attendance", "admission", "a&e", "appointment", "screening", "vaccination"),
}
SOURCE = (
    "Sources: NHS Digital, Patients registered at a GP practice; OHID Fingertips (GP practice data)"
)


def practice_rows(rc: ReportContext) -> pd.DataFrame:
    """Every stored ``analysis_practices`` row of the report area (an authority)."""
    return rc.workspace.analysis_table("analysis_practices", rc.area_code)


def hidden_list_sizes(rc: ReportContext, authority: str) -> tuple[set[str], set[str]]:
    """The practices (codes) whose list size no page may show, and the primary care networks
    whose total is hidden with them, decided once per authority so that its report, its
    practices' profiles and its PCNs' profiles hide the same lists (docs/report.md).

    The authority's total and each PCN's total (the sum of its attached practices) are stated,
    so a list hidden on its own (primary suppression) takes the next smallest list of the same
    PCN (of the practices without a PCN when it has none) with it: no total minus the shown
    lists gives it back. A PCN whose only shown part would be its hidden one hides its total."""
    stored = rc.workspace.analysis_table("analysis_practices", authority)
    practices = stored[stored["row_type"].eq("practice")].sort_values("practice_code")
    if practices.empty:
        return set(), set()
    groups = practices["pcn_code"].fillna("").astype(str).tolist()
    hidden = rc.policy.hidden_parts(practices["list_size"].tolist(), groups=groups)
    codes = practices["practice_code"].astype(str).tolist()
    lists = {c for c, h in zip(codes, hidden, strict=True) if h}
    totals = {
        g
        for g in set(groups) - {""}
        if sum(h for h, gg in zip(hidden, groups, strict=True) if gg == g) == 1
    }
    return lists, totals


def is_practice(rc: ReportContext) -> bool:
    """True when the report area is a GP practice compute stored rows for."""
    stored = rc.workspace.analysis_table("analysis_practices")
    return bool(len(stored)) and bool(stored["practice_code"].eq(rc.area_code).any())


def outcome_word(value: Any, other: Any) -> str:
    if is_missing(value) or is_missing(other):
        return "–"
    return "higher" if float(value) > float(other) else "lower" if value < other else "same"


def compared_sentence(r: pd.Series, where: str) -> str:
    """One summary sentence: the series, its value ``where``, and how it compares with its
    sub-ICB's pooled value and England's."""
    compared = [
        f"{outcome_word(r['value'], other)} than {who} ({fmt(other, 2)})"
        for who, other in (("its sub-ICB", r["sub_icb_value"]), ("England", r["england_value"]))
        if not is_missing(other)
    ]
    return (
        f"{r['indicator_name']} ({r['period']}): {fmt(r['value'], 2)} {where}"
        + (", " + " and ".join(compared) if compared else "")
        + "."
    )


def _share(share: Any) -> str:
    return "–" if is_missing(share) else f"{float(share):.0%}"


def _pcn(row: pd.Series) -> str:
    code = row.get("pcn_code")
    if is_missing(code):
        return "–"
    return f"{row['pcn_name']} ({code})" if row.get("pcn_name") != code else str(code)


# -- section 4 of an authority's report ---------------------------------------------------------
#: the published comparisons with England that are significant, by the direction of the value
SIGNIFICANT = ("Higher", "Lower", "Better", "Worse")
#: the marks of the practice table: significantly higher or lower than England's value
MARKS = {"higher": "\u25b2", "lower": "\u25bc"}


def england_mark(r: pd.Series) -> str:
    """``▲`` or ``▼`` when the practice's value is significantly higher or lower than England's
    (the comparison published with the value, at 95%), else nothing (similar, not compared)."""
    compared = r.get("compared_to_england")
    if is_missing(compared) or not str(compared).startswith(SIGNIFICANT):
        return ""
    if is_missing(r["value"]) or is_missing(r["england_value"]):
        return ""
    direction = outcome_word(r["value"], r["england_value"])
    return MARKS.get(direction, "")


def funnel_cell(outcome: Any) -> str | None:
    """The shading of a value outside the 99.8% funnel limits (``Higher`` above, ``Lower`` below)."""
    text = str(outcome)
    return (
        "Higher"
        if text.startswith("above 99.8")
        else "Lower"
        if text.startswith("below 99.8")
        else None
    )


def _series_heading(s: pd.Series) -> str:
    unit = _unit_label(s)
    return f"{s['indicator_name']} ({'' if unit == 'Value' else unit + ', '}{s['period']})"


def _sub_names(rc: ReportContext, practices: pd.DataFrame) -> list[str]:
    return [
        f"{code} {rc.names.get(code, code)}"
        for code in sorted(practices["sub_icb_code"].dropna().astype(str).unique())
    ]


def _reference_rows(
    rc: ReportContext, points: pd.DataFrame, series: pd.DataFrame, blanks: int
) -> list[list[Cell]]:
    """England's value, each sub-ICB location's pooled value and the authority's pooled value of
    every series: the rows a practice's value is read against."""
    by_id = points.drop_duplicates("indicator_id").set_index("indicator_id")

    def row(label: str, code: str, values: list[Any]) -> list[Cell]:
        return [
            Cell(label),
            Cell(code),
            *(Cell("") for _ in range(blanks)),
            *(Cell(fmt(v, 2), numeric=True) for v in values),
        ]

    ids = list(series["indicator_id"])
    rows = [row("England", ENGLAND, [by_id.loc[i, "england_value"] for i in ids])]
    for sub, mine in points.groupby("sub_icb_code", sort=True):
        first = mine.drop_duplicates("indicator_id").set_index("indicator_id")
        values = [first.loc[i, "sub_icb_value"] if i in first.index else None for i in ids]
        rows.append(row("Sub-ICB location (pooled)", str(sub), values))
    rows.append(
        row(f"{rc.area_name}'s practices (pooled)", "", [by_id.loc[i, "area_value"] for i in ids])
    )
    return rows


def add_practice_blocks(rc: ReportContext, section: Section) -> None:
    """The practice table, funnel plots and named outliers of section 4 (nothing without practices)."""
    rows = practice_rows(rc)
    if rows.empty:
        return
    practices = rows[rows["row_type"].eq("practice")].sort_values("practice_code")
    points = rows[rows["row_type"].eq("point")]
    series = points.drop_duplicates("indicator_id").sort_values("indicator_name")
    columns = ["Practice", "Code", "Registered patients"]
    weighted = practices["share_in_area"].notna().any()
    if weighted:
        columns.append(f"Share living in {rc.area_name}")
    with_pcn = practices["pcn_code"].notna().any()
    if with_pcn:
        columns.append("Primary care network")
    # practices of several sub-ICB locations: each says whose pooled value it is read against
    several = practices["sub_icb_code"].nunique() > 1
    if several:
        columns.append("Sub-ICB location")
    columns += [_series_heading(s) for _, s in series.iterrows()]
    body = []
    # the area's and its PCNs' totals are stated: the lists hidden on every page of the area
    hidden_lists, _ = hidden_list_sizes(rc, rc.area_code)
    hidden = practices["practice_code"].isin(hidden_lists).tolist()
    for (_, p), hide in zip(practices.iterrows(), hidden, strict=True):
        cells = [
            Cell(str(p["practice_name"])),
            Cell(str(p["practice_code"])),
            Cell(rc.policy.count(p["list_size"], hidden=hide), numeric=True),
        ]
        if weighted:
            cells.append(Cell(_share(p["share_in_area"]), numeric=True))
        if with_pcn:
            cells.append(Cell(_pcn(p)))
        if several:
            cells.append(Cell(str(p["sub_icb_code"])))
        mine = points[points["practice_code"].eq(p["practice_code"])].set_index("indicator_id")
        for indicator_id in series["indicator_id"]:
            if indicator_id not in mine.index:
                cells.append(Cell("\u2013", numeric=True))
                continue
            r = mine.loc[indicator_id]
            mark = england_mark(r)
            text = fmt(r["value"], 2) + (f" {mark}" if mark else "")
            cells.append(Cell(text, outcome=funnel_cell(r.get("funnel_outcome")), numeric=True))
        body.append(cells)
    references = (
        _reference_rows(rc, points, series, len(columns) - 2 - len(series)) if len(series) else []
    )
    period = str(practices["list_period"].dropna().max()) if len(practices) else ""
    how = (
        f" Practices are attached by where their patients live: the share column is the part of "
        f"each list living in {rc.area_name}'s LSOAs (practices under {PRACTICE_SHARE_MIN:.0%} "
        "are left out; a practice attached through its sub-ICB location shows \u2013)."
        if weighted
        else ""
    )
    key = (
        " Each value is the practice's latest published figure; the first rows give England's "
        "value and the pooled values (counts over denominators) of the practices of each "
        f"sub-ICB location (by its code: {', '.join(_sub_names(rc, practices))}) and of "
        f"{rc.area_name}'s practices. {MARKS['higher']} {MARKS['lower']}: significantly "
        "higher or lower than England (the comparison published with the value, 95% limits); "
        "no mark: similar or not compared. Shaded: outside the 99.8% funnel limits around "
        f"{rc.area_name}'s pooled value (light above, dark below). Every value with its limits, "
        "counts and comparisons: jsna export (analysis_practices)."
        if len(series)
        else ""
    )
    section.tables.append(
        Table(
            caption=f"GP practices of {rc.area_name}: list size and practice-level indicators",
            id="met-needs-practice-indicators",
            columns=columns,
            rows=references + body,
            note=f"List sizes of {period}.{key}{how}",
            reference_rows=len(references),
        )
    )
    for n, (indicator_id, one) in enumerate(points.groupby("indicator_id", sort=True)):
        lines = rows[rows["row_type"].eq("limit") & rows["indicator_id"].eq(indicator_id)]
        if lines.empty:
            continue
        figure = stored_funnel(
            rc,
            one,
            lines,
            members="practice",
            highlight="",
            figure_id=f"met-needs-practice-funnel-{n}",
        )
        section.figures.append(figure)
        section.summary.append(
            funnel_outliers(rc, one, key="practice", one="practice", many="practices")
        )


def _unit_label(row: pd.Series) -> str:
    """The value axis of a practice series: its unit, else what its multiplier says it is."""
    unit = row.get("unit")
    if isinstance(unit, str) and unit.strip():
        return unit
    multiplier = row.get("multiplier")
    if multiplier is None or is_missing(multiplier):
        return "Value"
    scale = float(multiplier)
    return "%" if scale == 100 else f"per {scale:,.0f}"


#: what a stored funnel's points are: their code and name columns, the chart's title word, the
#: legend's label for the points and the denominator axis
FUNNEL_MEMBERS = {
    "practice": (
        "practice_code",
        "practice_name",
        "GP practices",
        "Practices",
        "Denominator of the practice's value",
    ),
    "pcn": (
        "pcn_code",
        "pcn_name",
        "primary care networks",
        "Primary care networks",
        "Denominator of the network's value",
    ),
}


def funnel_outliers(
    rc: ReportContext, placed: pd.DataFrame, *, key: str, one: str, many: str
) -> str:
    """One series' funnel in words: every one of ``placed`` (practices, ``key`` "practice", or
    networks, "pcn": the ``<key>_name`` and ``<key>_code`` columns) inside the 99.8% limits
    around the authority's average, or how many lie outside, named with their values and sides,
    highest first. ``one`` and ``many`` name them ("practice", "practices")."""
    r = placed.iloc[0]
    outside = placed[placed["funnel_outcome"].astype(str).str.contains("99.8")]
    if outside.empty:
        return (
            f"{r['indicator_name']} ({r['period']}): every {one} of {rc.area_name} lies "
            f"within the 99.8% limits around the area's average of {fmt(r['target'], 2)}."
        )
    named = "; ".join(
        f"{o[f'{key}_name']} ({o[f'{key}_code']}, {fmt(o['value'], 2)}, "
        f"{str(o['funnel_outcome']).split()[0]})"
        for _, o in outside.sort_values("value", ascending=False).iterrows()
    )
    return (
        f"{r['indicator_name']} ({r['period']}): {len(outside)} of {len(placed)} {many} "
        f"lie outside the 99.8% limits around {rc.area_name}'s average of "
        f"{fmt(r['target'], 2)}: {named}."
    )


def stored_funnel(
    rc: ReportContext,
    points: pd.DataFrame,
    lines: pd.DataFrame,
    *,
    members: Literal["practice", "pcn"],
    highlight: str,
    figure_id: str,
) -> charts.Figure:
    """The funnel plot of one series as compute stored it: the authority's practices (or
    networks, ``members``) placed on the funnel, around their pooled value, with the limit rows
    ``lines``; ``highlight`` (a practice or PCN code) marked."""
    code, name, title, points_label, denominator_label = FUNNEL_MEMBERS[members]
    names = {
        "funnel_lower_95": "lower_ci_95",
        "funnel_upper_95": "upper_ci_95",
        "funnel_lower_99_8": "lower_ci_99_8",
        "funnel_upper_99_8": "upper_ci_99_8",
    }
    shown = points[points["funnel_upper_95"].notna()].drop(columns=list(names.values()))
    shown = shown.rename(columns={**names, code: "area_code", name: "area_name"})
    r = points.iloc[0]
    # the authority whose practices make the funnel (on a practice's or network's profile too)
    authority = rc.names.get(r["report_area"], r["report_area"])
    # the limit rows may carry the points' own (empty) interval columns: only the funnel's are drawn
    curves = lines.drop(columns=[c for c in names.values() if c in lines.columns])
    return charts.funnel_plot(
        shown.reset_index(drop=True),
        curves.rename(columns=names).sort_values("denominator").reset_index(drop=True),
        title=f"{r['indicator_name']}, {title}, {r['period']}",
        unit=_unit_label(r),
        highlight=highlight,
        figure_id=figure_id,
        source=f"{SOURCE}; limits around the pooled value of {authority}'s practices",
        points_label=points_label,
        average_label=f"Pooled value of {authority}'s practices",
        denominator_label=denominator_label,
    )


# -- the practice profile -----------------------------------------------------------------------
def profile_builders() -> dict[str, Any]:
    """The section builders of a practice profile, by section id (:data:`PROFILE_SECTIONS`)."""
    return {
        "demography": build_profile_demography,
        "social_context": lambda rc, s: _profile_series(rc, s, "social_context"),
        "health_status": _profile_health_status,
        "met_needs": lambda rc, s: _profile_series(rc, s, "met_needs"),
    }


def _profile_health_status(rc: ReportContext, section: Section) -> None:
    _profile_series(rc, section, "health_status")
    add_profile_list_indicators(rc, section)


def _profile_rows(rc: ReportContext) -> pd.DataFrame:
    stored = rc.workspace.analysis_table("analysis_practices")
    mine = stored[stored["practice_code"].eq(rc.area_code)]
    if mine.empty:
        return mine
    return mine[mine["report_area"].eq(mine["report_area"].iloc[0])]


def section_of(name: str) -> str:
    low = name.lower()
    for section, words in SECTION_WORDS.items():
        if any(w in low for w in words):
            return section
    return "health_status"


def build_profile_demography(rc: ReportContext, section: Section) -> None:
    """List size, sub-ICB and authority, and the age-sex pyramid when loaded by age and sex."""
    rows = _profile_rows(rc)
    practice = rows[rows["row_type"].eq("practice")]
    if practice.empty:
        return
    p = practice.iloc[0]
    authority = rc.names.get(p["report_area"], p["report_area"])
    sub = rc.names.get(p["sub_icb_code"], p["sub_icb_code"])
    # hidden here whenever the authority's report hides it
    hidden = p["practice_code"] in hidden_list_sizes(rc, p["report_area"])[0]
    size = rc.policy.count(p["list_size"], hidden=hidden)
    section.headlines.append(Headline("Registered patients", size, str(p["list_period"])))
    section.summary.append(
        f"{p['practice_name']} ({p['practice_code']}) had {size} "
        f"registered patients in {p['list_period']}. It belongs to the sub-ICB location {sub} "
        f"and is attached to {authority}."
    )
    pyramid = list_pyramid(
        rc,
        [str(p["practice_code"])],
        str(p["list_period"]),
        str(p["practice_code"]),
        str(sub),
        total_hidden=hidden,
    )
    if pyramid is None:
        section.missing.append(
            "the practice's age-sex pyramid: jsna ingest registrations FILE with the single-year "
            "or 5-year-band file of NHS Digital's Patients registered at a GP practice"
        )
    else:
        section.figures.append(pyramid)


def list_pyramid(
    rc: ReportContext,
    practices: list[str],
    period: str,
    label: str,
    sub_icb_name: str = "",
    *,
    total_hidden: bool = False,
) -> charts.Figure | None:
    """The registered list of ``practices`` (one practice, or a PCN's) by age and sex against
    the lists of their sub-ICB location's practices and of every practice in the file (shares)."""
    import pandas as pd

    reg = rc.table("registrations")
    banded = reg[reg["period"].eq(period) & reg["sex"].isin(["Male", "Female"])]
    banded = banded[banded["age_band"].ne("All ages")]
    banded = banded.assign(band=(banded["age_from"] // 5 * 5).clip(upper=90))
    mine = banded[banded["practice_code"].isin(practices)]
    if mine.empty:
        return None

    def shares(rows: pd.DataFrame) -> pd.DataFrame:
        out = rows.groupby(["sex", "band"], as_index=False)["count"].sum()
        return out.assign(share=out["count"] / out["count"].sum() * 100)

    frame, england = shares(mine), shares(banded)
    subs = set(mine["sub_icb_ons_code"].dropna()) | set(mine["sub_icb_code"].dropna())
    same_sub = banded["sub_icb_ons_code"].isin(subs) | banded["sub_icb_code"].isin(subs)
    sub_icb = shares(banded[same_sub]) if subs and not same_sub.all() else None
    import matplotlib.pyplot as plt

    charts._setup()
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    bands = sorted(set(england["band"]))
    labels = [f"{b}-{b + 4}" if b < 90 else "90+" for b in bands]
    for sex, sign, colour in (("Male", -1, charts.PALETTE[0]), ("Female", 1, charts.PALETTE[1])):
        own = frame[frame["sex"].eq(sex)].set_index("band")["share"].reindex(bands).fillna(0)
        ref = england[england["sex"].eq(sex)].set_index("band")["share"].reindex(bands).fillna(0)
        ax.barh(range(len(bands)), sign * own.to_numpy(), color=colour, label=f"{sex}s")
        ax.step(sign * ref.to_numpy(), range(len(bands)), where="mid", color="black", lw=1)
        if sub_icb is not None:
            own_sub = sub_icb[sub_icb["sex"].eq(sex)].set_index("band")["share"]
            ax.step(
                sign * own_sub.reindex(bands).fillna(0).to_numpy(),
                range(len(bands)),
                where="mid",
                color=charts.PALETTE[2],
                lw=1,
                ls="--",
            )
    if sub_icb is not None:
        ax.plot([], [], color=charts.PALETTE[2], lw=1, ls="--", label=f"Sub-ICB {sub_icb_name}")
    ax.plot([], [], color="black", lw=1, label="All registered patients in the file")
    ax.set_yticks(range(len(bands)), labels)
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{abs(v):.0f}%"))
    ax.set_xlabel("Share of registered patients")
    title = f"Registered patients by age and sex, {label}, {period}"
    ax.set_title(title, loc="left")
    charts.legend_below(ax, ncols=2, fontsize=7.5)
    alt = (
        "Population pyramid of the "
        # a list size the authority's page hides is not given here either
        + ("" if total_hidden else f"{int(mine['count'].sum()):,} ")
        + "patients registered at "
        f"{label} by 5-year age band and sex, against "
        + ("its sub-ICB location's practices and " if sub_icb is not None else "")
        + "every practice in the file."
    )
    svg = charts.to_svg(fig, figure_id="demography-practice-pyramid", title=title, alt=alt)
    data = pd.DataFrame(frame[["sex", "band", "count", "share"]])
    return charts.Figure(
        id="demography-practice-pyramid",
        title=title,
        svg=svg,
        alt=alt,
        source="Source: NHS Digital, Patients registered at a GP practice",
        data=data,
    )


def _standing(stored: pd.DataFrame, r: pd.Series, authority: str) -> str:
    """How many of the authority's practices have a higher and a lower value of ``r``'s series."""
    others = stored[
        stored["row_type"].eq("point")
        & stored["indicator_id"].eq(r["indicator_id"])
        & stored["value"].notna()
    ]
    value = float(r["value"])
    higher, lower = int(others["value"].gt(value).sum()), int(others["value"].lt(value).sum())
    return (
        f"Of the {len(others)} practices attached to {authority} with a value, {higher} "
        f"{'has' if higher == 1 else 'have'} a higher {r['indicator_name']} and {lower} a lower "
        f"one (from {fmt(others['value'].min(), 2)} to {fmt(others['value'].max(), 2)})."
    )


def _profile_series(rc: ReportContext, section: Section, section_id: str) -> None:
    """The practice's series of this section: value, limits, sub-ICB, area and England."""
    rows = _profile_rows(rc)
    points = rows[rows["row_type"].eq("point")]
    points = points[points["indicator_name"].map(section_of).eq(section_id)]
    if points.empty:
        what = {
            "social_context": "the practice's deprivation score: jsna ingest fingertips FILE "
            "(Fingertips indicator 93553, Deprivation score (IMD 2019), GP practices)",
            "health_status": "QOF prevalences of the practice: jsna ingest fingertips FILE "
            "(a Fingertips download for GP practices)",
            "met_needs": "service use of the practice's patients: jsna ingest fingertips FILE "
            "(e.g. Fingertips A&E attendances by GP practice)",
        }[section_id]
        section.missing.append(what)
        return
    authority = rc.names.get(points["report_area"].iloc[0], points["report_area"].iloc[0])
    stored = rc.workspace.analysis_table("analysis_practices", points["report_area"].iloc[0])
    body = []
    for _, r in points.sort_values("indicator_name").iterrows():
        outcome, compared = r.get("funnel_outcome"), r.get("compared_to_england")
        body.append(
            [
                Cell(str(r["indicator_name"])),
                Cell(str(r["period"])),
                Cell(fmt(r["value"], 2), numeric=True),
                Cell(fmt_interval(r["lower_ci_95"], r["upper_ci_95"], 2), numeric=True),
                Cell(rc.policy.count(r["count"]), numeric=True),
                Cell(fmt(r["sub_icb_value"], 2), numeric=True),
                Cell(fmt(r["area_value"], 2), numeric=True),
                Cell(fmt(r["england_value"], 2), numeric=True),
                Cell(
                    "\u2013" if is_missing(compared) else str(compared),
                    outcome=None if is_missing(compared) else str(compared),
                ),
                Cell(
                    "\u2013" if is_missing(outcome) else str(outcome),
                    outcome=funnel_cell(outcome),
                ),
            ]
        )
        section.summary.append(compared_sentence(r, "at the practice"))
        if is_missing(r["target"]):
            # no funnel (a score without counts): where the practice stands among the others
            section.summary.append(_standing(stored, r, authority))
    if len(points) <= 2:
        for _, r in points.iterrows():
            section.headlines.append(
                Headline(
                    str(r["indicator_name"]),
                    fmt(r["value"], 2),
                    f"{r['period']}; England {fmt(r['england_value'], 2)}",
                    outcome=r.get("compared_to_england"),
                )
            )
    columns = [
        "Indicator",
        "Period",
        "Value",
        "95% limits",
        "Count",
        "Sub-ICB",
        authority,
        "England",
        "Compared with England",
        f"Against {authority}'s funnel",
    ]
    # a column no series fills (a score has no limits, count or pooled values) is left out
    keep = [
        n
        for n in range(len(columns))
        if n < 3 or any(row[n].text not in ("\u2013", "") for row in body)
    ]
    section.tables.append(
        Table(
            caption=f"{rc.area_name}: practice-level indicators",
            id=f"{section_id.replace('_', '-')}-practice-indicators",
            columns=[columns[n] for n in keep],
            rows=[[row[n] for n in keep] for row in body],
            note="Published values (Fingertips), compared with England as published (95% limits)"
            + (
                "; sub-ICB and authority values pool the counts and denominators of their practices"
                if 5 in keep
                else ""
            )
            + (
                "; the last column places the practice against the 95% and 99.8% funnel limits "
                "around the authority's pooled value (shaded outside the 99.8% limits)"
                if len(columns) - 1 in keep
                else ""
            )
            + ".",
        )
    )
    for n, (indicator_id, _) in enumerate(points.groupby("indicator_id", sort=True)):
        every = stored[stored["indicator_id"].eq(indicator_id)]
        lines = every[every["row_type"].eq("limit")]
        dots = every[every["row_type"].eq("point")]
        if lines.empty:
            continue
        section.figures.append(
            stored_funnel(
                rc,
                dots,
                lines,
                members="practice",
                highlight=rc.area_code,
                figure_id=f"{section_id.replace('_', '-')}-practice-funnel-{n}",
            )
        )


# -- what a practice or PCN profile shows, for its summary and appendix -------------------------
#: a published comparison with England, as the summary words it
COMPARED_WORDS = {
    "Higher": "significantly higher",
    "Lower": "significantly lower",
    "Better": "significantly better",
    "Worse": "significantly worse",
    "Similar": "similar",
}


def profile_points(rc: ReportContext, profile: str) -> pd.DataFrame:
    """The ``analysis_practices`` rows of the series a profile shows: a practice's own
    (``point``); a PCN's own (``pcn_point``) and its practices' (``point``)."""
    if profile == "practice":
        rows = _profile_rows(rc)
        return rows[rows["row_type"].eq("point")]
    stored = rc.workspace.analysis_table("analysis_practices")
    if "pcn_code" not in stored.columns:
        return stored.iloc[0:0]
    mine = stored[stored["pcn_code"].eq(rc.area_code)]
    if mine.empty:
        return mine
    mine = mine[mine["report_area"].eq(mine["report_area"].iloc[0])]
    return mine[mine["row_type"].isin(["point", "pcn_point"])]


def profile_comparison(rc: ReportContext, profile: str) -> str:
    """One sentence: how the profile's own series compare with England (the comparison
    published with the value, or the network's 95% limits), naming each; "" when none is
    compared."""
    rows = profile_points(rc, profile)
    own = rows[rows["row_type"].eq("point" if profile == "practice" else "pcn_point")]
    compared = own[own["compared_to_england"].isin(list(COMPARED_WORDS))]
    if compared.empty:
        return ""
    parts = []
    for outcome, words in COMPARED_WORDS.items():
        these = compared[compared["compared_to_england"].eq(outcome)].sort_values("indicator_name")
        if these.empty:
            continue
        named = [f"{r['indicator_name']}, {r['period']}," for _, r in these.iterrows()]
        listed = ", ".join(named[:-1]) + (" and " if len(named) > 1 else "") + named[-1]
        parts.append(f"{listed} {'is' if len(named) == 1 else 'are'} {words}")
    n = len(compared)
    if n == 1:
        return f"Compared with England (95% confidence), {parts[0]}."
    who = "practice" if profile == "practice" else "network"
    return (
        f"Of the {who}'s {n} indicators compared with England (95% confidence): "
        + "; ".join(parts)
        + "."
    )


def profile_compared_with(rc: ReportContext, profile: str) -> str:
    """Whom a profile compares the practice or network with (no comparator areas)."""
    rows = profile_points(rc, profile)
    if rows.empty:
        return "its sub-ICB location and England"
    area = rows["report_area"].iloc[0]
    return f"its sub-ICB location, {rc.names.get(area, area)}'s practices and England"


#: the practice inputs (by kind) and the tables and figures (by id) that draw on them
PRACTICE_INPUT_BLOCKS = {
    "registrations": (
        "demography-practice-pyramid",
        "met-needs-practice-indicators",
        "met-needs-pcn-practices",
        "health-status-practice-list-indicators",
        "met-needs-practice-list-",
        "met-needs-practice-oe-",
    ),
    "practice-counts": (
        "health-status-practice-list-indicators",
        "met-needs-practice-list-",
        "met-needs-practice-oe-",
    ),
}


def practice_input_sections(sections: list[Section], profile: str) -> dict[str, set[int]]:
    """The numbers of the sections each practice input (by kind) feeds, read from the blocks
    the sections hold: the registered lists, the practice counts, the patients by LSOA (the
    share column), the practice -> PCN file (the PCN column, or all of a PCN's profile)."""
    used: dict[str, set[int]] = {}
    for section in sections:
        ids = [t.id for t in section.tables] + [f.id for f in section.figures]
        for kind, prefixes in PRACTICE_INPUT_BLOCKS.items():
            if any(i.startswith(prefixes) for i in ids):
                used.setdefault(kind, set()).add(section.info.number)
        for table in section.tables:
            if table.id != "met-needs-practice-indicators":
                continue
            if any(c.startswith("Share living in") for c in table.columns):
                used.setdefault("registrations-lsoa", set()).add(section.info.number)
            if "Primary care network" in table.columns:
                used.setdefault("pcn", set()).add(section.info.number)
        if profile == "pcn" and not section.empty:
            used.setdefault("pcn", set()).add(section.info.number)
    return used
