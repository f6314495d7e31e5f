"""Small-area views: wards and MSOAs inside the local authority's report, and one page per ward.

Everything shown comes from ``analysis_small_areas``, which ``jsna compute`` stores
(:func:`jsna.indicators.small_areas.small_area_table`): each small-area indicator of the area's
wards (else MSOAs) at its latest period, with limits, the local authority's and the benchmark's
values, the comparisons and the ranks. Published Local Health values, jsna's own small-area death
rates and life expectancies, and any published ward or MSOA table all arrive there alike.

In the report, each indicator gets, in the section of its topic (health status, met needs,
inequalities, social context; any other topic goes to health status):

- a paragraph naming the five highest and five lowest small areas;
- a map of the small areas shaded by quintile, its legend giving each class's range;
- a table of every small area: value, 95% limits, count (disclosure-controlled like every count
  of a small area), and the comparison with the local authority and the benchmark.

:func:`small_area_page` makes one page per ward (``jsna report --all-areas --level ward``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jsna.report.disclosure import COUNT_UNITS, DisclosurePolicy
from jsna.report.model import Cell, Table
from jsna.report.text import fmt, fmt_interval, is_missing, outcome_key, outcome_words, unit_label

if TYPE_CHECKING:
    from collections.abc import Mapping

    import pandas as pd

    from jsna.report.context import ReportContext
    from jsna.report.model import Section
    from jsna.workspace import Workspace

TABLE = "analysis_small_areas"
#: sections that show small-area views of their own topic; indicators of any other go to the first
HOME_SECTIONS = ("health_status", "met_needs", "inequalities", "social_context")
#: how many small areas the text names at each end
NAMED = 5
LEVEL_WORDS = {"Ward": ("ward", "wards"), "MSOA": ("MSOA", "MSOAs")}
BOUNDARY_SOURCE = (
    "boundaries: Office for National Statistics, OGL v3.0, contains OS data © Crown copyright "
    "and database right"
)


def stored(rc: ReportContext) -> pd.DataFrame:
    """This area's rows of ``analysis_small_areas`` as the report may show them, after its
    disclosure control (:func:`controlled`; read once per report)."""
    key = f"{TABLE}:{rc.area_code}"
    if key not in rc._tables:
        rows = rc.workspace.analysis_table(TABLE, rc.area_code)
        rc._tables[key] = controlled(rows, rc.policy, rc.disclosure_rules)
    return rc._tables[key]


#: the note of a small area's value that disclosure control hides
HIDDEN_NOTE = "hidden for disclosure control"
#: the column :func:`controlled` sets true on the rows whose value it hid
HIDDEN = "hidden_by_control"


def controlled(
    rows: pd.DataFrame, policy: DisclosurePolicy, rules: Mapping[str, str]
) -> pd.DataFrame:
    """Small areas' values through the step every result of the report goes through
    (:func:`jsna.report.disclosure.control_results`), so that the sentence, the map and the
    table show what the area's own tables would: a count of 1 to 7 hidden (and a rate resting on
    one), a count rounded to the policy's base and a rate scaled to the rounded count. A value
    hidden here is noted as such; ``count_hidden`` and ``value_hidden`` say what was hidden."""
    import pandas as pd

    from jsna.report.disclosure import control_results

    if rows.empty or "value" not in rows:
        return rows
    shown = control_results(_as_results(rows), policy, rules)
    out = rows.copy()
    for column in ("value", "lower_ci_95", "upper_ci_95"):
        out[column] = shown[column].to_numpy()
    for column in ("count_hidden", "value_hidden"):
        out[column] = shown[column].to_numpy() if column in shown else False
    hidden = rows["value"].notna().to_numpy() & out["value"].isna().to_numpy()
    out[HIDDEN] = hidden
    if hidden.any():
        out["value_note"] = out["value_note"].astype("object")
        out.loc[hidden, "value_note"] = HIDDEN_NOTE
        # a hidden value's rank would still tell its place among the others (and its ties)
        if "rank" in out:
            out["rank"] = out["rank"].astype("Float64")
            out.loc[hidden, "rank"] = pd.NA
    return out


def _as_results(rows: pd.DataFrame) -> pd.DataFrame:
    """Small-area rows with the columns of results rows that disclosure control reads: no age,
    category or denominator; the area type is the level."""
    return rows.assign(
        age=None, category_type=None, category=None, denominator=None, area_type=rows["level"]
    )


def plural_of(levels: list[str]) -> str:
    """'wards', 'MSOAs', or 'small areas' for a mix."""
    words = {LEVEL_WORDS.get(lv, (lv, lv + "s"))[1] for lv in levels}
    return words.pop() if len(words) == 1 else "small areas"


def home_section(section: Any) -> str:
    """The section that shows an indicator stored under ``section``."""
    return str(section) if section in HOME_SECTIONS else HOME_SECTIONS[0]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80]


def _label(first: Any) -> str:
    """The indicator's name, with the sex where the name does not already say it."""
    name = str(first["indicator_name"])
    sex = "" if is_missing(first["sex"]) else str(first["sex"])
    if sex in ("", "Persons") or re.search(rf"\b{sex.lower()}s?\b", name.lower()):
        return name
    return f"{name}, {sex.lower()}s"


def _decimals(rc: ReportContext, indicator_id: str, values: pd.Series) -> int:
    """A registered indicator's own decimals; an imported count none (6 casualties, not 6.00);
    any other imported value two when every value is under 10 (a ratio: 0.87), else one."""
    if indicator_id in rc.indicators or rc.decimals(indicator_id) == 0:
        return rc.decimals(indicator_id)
    small = values.dropna().abs()
    return 2 if len(small) and float(small.max()) < 10 else 1


def groups(rows: pd.DataFrame) -> list[pd.DataFrame]:
    """One frame per indicator and sex, by indicator name, each ordered highest first: by the
    stored rank (of the true values, 1 = highest), then by value. A value disclosure control
    scaled to its rounded count keeps its place, so the rank column reads 1, 2, 3 down the table
    although two scaled values may swap by a tenth."""
    out = []
    keys, ascending = ["value", "area_name"], [False, True]
    if "rank" in rows:
        keys, ascending = ["rank", *keys], [True, *ascending]
    for _, group in sorted(
        rows.groupby(["indicator_id", "sex"], dropna=False),
        key=lambda kv: (str(kv[1]["indicator_name"].iloc[0]), str(kv[0][1])),
    ):
        out.append(group.sort_values(keys, ascending=ascending, na_position="last"))
    return out


def ends_sentence(group: pd.DataFrame, decimals: int, area_name: str) -> str:
    """'… ranges from 74.1 in A to 83.0 in B across 21 wards; highest: …; lowest: ….'"""
    first = group.iloc[0]
    valued = group[group["value"].notna()]
    singular, plural = LEVEL_WORDS.get(str(first["level"]), ("area", "areas"))
    if valued.empty:
        return (
            f"{_label(first)} ({first['period']}): no {singular} of {area_name} has a value "
            f"({_notes(group)})."
        )
    top = valued.head(NAMED)
    bottom = valued.tail(NAMED).iloc[::-1]

    def named(frame: pd.DataFrame) -> str:
        return ", ".join(
            f"{r['area_name']} ({fmt(r['value'], decimals)})" for _, r in frame.iterrows()
        )

    unit = unit_label(first.get("unit"), str(first["indicator_name"]))
    unit_text = f" ({unit})" if unit else ""
    missing = len(group) - len(valued)
    tail = (
        f"; {missing} {plural if missing > 1 else singular} without a value ({_notes(group)})"
        if missing
        else ""
    )
    low, high = fmt(valued["value"].min(), decimals), fmt(valued["value"].max(), decimals)
    start = f"{_label(first)}{unit_text}, {first['period']}: "
    some = f"{len(valued)} {plural if len(valued) > 1 else singular} of {area_name}"
    if low == high:
        names = ", ".join(str(n) for n in valued["area_name"])
        each = "have a value, all" if len(valued) > 1 else "has a value,"
        return f"{start}{some} {each} {low}: {names}{tail}."
    if len(valued) <= 2 * NAMED:
        # too few to name a highest and a lowest five apart: each once, highest first
        return f"{start}{some} have a value, from {low} to {high}: {named(valued)}{tail}."
    return (
        f"{start}across {some} values range from {low} to {high}. "
        f"Highest: {named(top)}. Lowest: {named(bottom)}{tail}."
    )


def _notes(group: pd.DataFrame) -> str:
    notes = group.loc[group["value"].isna(), "value_note"].dropna().astype(str)
    return "; ".join(sorted(set(notes))) or "not given in the source"


def _protected(rc: ReportContext, group: pd.DataFrame) -> pd.DataFrame:
    """The group through the report's disclosure control (small-area counts rounded, small ones hidden)."""
    from jsna.report.disclosure import protect_results

    return protect_results(_as_results(group), rc.policy, rc.disclosure_rules)


def small_area_table(rc: ReportContext, group: pd.DataFrame, table_id: str) -> Table:
    """Every small area of one indicator: value, limits, count, comparisons with the area and benchmark."""
    first = group.iloc[0]
    d = _decimals(rc, str(first["indicator_id"]), group["value"])
    shown = _protected(rc, group)
    has_limits = group["lower_ci_95"].notna().any()
    has_count = group["count"].notna().any()
    has_notes = group["value"].isna().any()
    singular, plural = LEVEL_WORDS.get(str(first["level"]), ("area", "areas"))
    columns = [singular[0].upper() + singular[1:], "Value"]
    columns += ["95% confidence interval"] if has_limits else []
    columns += ["Count"] if has_count else []
    columns += [f"Compared with {rc.area_name}", f"Compared with {rc.benchmark_name}", "Rank"]
    columns += ["Note"] if has_notes else []
    body = []
    for _, r in shown.iterrows():
        value = fmt(r["value"], d)
        interval = fmt_interval(r["lower_ci_95"], r["upper_ci_95"], d)
        if r["value_flag"] == "marked":
            value += rc.policy.marker
        elif r["value_flag"] == "hidden" or bool(r.get(HIDDEN, False)):
            value = interval = rc.policy.symbol
        row = [Cell(str(r["area_name"])), Cell(value, numeric=True)]
        if has_limits:
            row.append(Cell(interval, numeric=True))
        if has_count:
            row.append(Cell(str(r["count_text"]), numeric=True))
        for column in ("compared_with_la", "compared_with_benchmark"):
            outcome = r[column]
            row.append(
                Cell(outcome_words(outcome), outcome=outcome_key(outcome))
                if not is_missing(outcome)
                else Cell("–")
            )
        rank = "–" if is_missing(r["rank"]) else f"{int(r['rank'])} of {int(r['areas'])}"
        row.append(Cell(rank, numeric=True))
        if has_notes:
            row.append(Cell("" if is_missing(r["value_note"]) else str(r["value_note"])))
        body.append(row)
    la, bench = first.get("la_value"), first.get("benchmark_value")
    compared = (
        f"{rc.area_name}: {fmt(la, d)}; {rc.benchmark_name}: {fmt(bench, d)}, same period. "
        if not (is_missing(la) and is_missing(bench))
        else f"The source gives no value for {rc.area_name} or {rc.benchmark_name} for this period. "
    )
    how = (
        "A comparison is Fingertips': the area's or benchmark's value against the "
        f"{singular}'s 95% confidence interval. "
        if has_limits
        else f"The source gives no confidence limits, so the {plural} are ranked, not tested. "
    )
    unit = unit_label(first.get("unit"), str(first["indicator_name"]))
    return Table(
        caption=f"{_label(first)}{f' ({unit})' if unit else ''} by {singular}, {first['period']}",
        id=table_id,
        columns=columns,
        rows=body,
        note=compared + how + (rc.policy.note() if has_count else ""),
    )


def small_area_map(rc: ReportContext, group: pd.DataFrame, figure_id: str) -> Any:
    """The small areas shaded by quintile of the indicator, with the area's outline."""
    from jsna.report import maps

    first = group.iloc[0]
    singular, _ = LEVEL_WORDS.get(str(first["level"]), ("area", "areas"))
    unit = unit_label(first.get("unit"), str(first["indicator_name"]))
    source = "computed by jsna" if first.get("source") == "computed" else "published values"
    return maps.indicator_map(
        rc.workspace,
        group[["area_code", "value"]],
        title=f"{_label(first)} by {singular}, {first['period']}",
        unit=unit,
        area_name=rc.area_name,
        area_code=rc.area_code,
        level=singular,
        figure_id=figure_id,
        source=f"Source: {source} ({first['indicator_name']}); {BOUNDARY_SOURCE}",
        decimals=_decimals(rc, str(first["indicator_id"]), group["value"]),
    )


def add_small_area_views(rc: ReportContext, section: Section) -> None:
    """The paragraph, map and table of each small-area indicator whose topic is ``section``'s."""
    rows = stored(rc)
    if rows.empty or "section" not in rows:
        return
    mine = rows[rows["section"].map(home_section).eq(section.info.id)]
    if mine.empty:
        return
    parts = groups(mine)
    levels = sorted({str(g["level"].iloc[0]) for g in parts})
    words = " and ".join(LEVEL_WORDS.get(lv, (lv, lv + "s"))[1] for lv in levels)
    section.blocks.append(
        {
            "title": f"Small areas: {words} of {rc.area_name}",
            "paragraphs": [
                (
                    f"One indicator is available for the {words} of {rc.area_name}. It has "
                    if len(parts) == 1
                    else f"{len(parts)} indicators are available for the {words} of "
                    f"{rc.area_name}. Each has "
                )
                + f"a map in five groups by value (quintiles; the legend gives each group's "
                f"range) where at least {NAMED} {plural_of(levels)} have a value to show, and a "
                "table of every small area, highest first."
            ],
        }
    )
    for group in parts:
        first = group.iloc[0]
        d = _decimals(rc, str(first["indicator_id"]), group["value"])
        slug = _slug(f"{section.info.id}-{first['indicator_id']}-{first['sex']}")
        section.blocks.append(
            {"title": _label(first), "paragraphs": [ends_sentence(group, d, rc.area_name)]}
        )
        if rc.config.report.maps and group["value"].notna().sum() >= NAMED:
            figure = small_area_map(rc, group, f"map-{slug}")
            if figure is not None:
                section.blocks.append({"title": "", "figure": figure})
        section.blocks.append({"title": "", "table": small_area_table(rc, group, f"table-{slug}")})


# -- one page per ward (jsna report --all-areas --level ward) ------------------------------------------
def small_areas_to_report(workspace: Workspace, level: str) -> list[tuple[str, str, str]]:
    """``(code, name, parent code)`` of every small area of ``level`` (``ward``, ``msoa``) with
    stored values, sorted by code."""
    rows = workspace.analysis_table(TABLE)
    if rows.empty or "level" not in rows:
        return []
    rows = rows[rows["level"].astype(str).str.lower().eq(level.lower())]
    pairs = rows[["area_code", "area_name", "report_area"]].drop_duplicates("area_code")
    return sorted((str(c), str(n), str(p)) for c, n, p in pairs.itertuples(index=False))


def small_area_page(
    workspace: Workspace, config: Any, code: str, *, templates: Path | None = None
) -> tuple[str, str]:
    """``(name, html)`` of one small area's page: every indicator with its value, limits, rank,
    the local authority's and the benchmark's values and the comparisons, and a locator map."""
    from jsna import __version__
    from jsna.errors import UsageError
    from jsna.indicators.registry import IndicatorRegistry
    from jsna.report.context import WorkspaceReads
    from jsna.report.disclosure import rules_of
    from jsna.report.render import environment, render_template, template_source

    rules = rules_of(IndicatorRegistry.from_entry_points().indicators)
    policy = DisclosurePolicy.from_settings(config.disclosure)
    all_rows = workspace.analysis_table(TABLE)
    rows = all_rows[all_rows["area_code"].eq(code)] if "area_code" in all_rows else all_rows
    # control decides within one area's rows (disclosure.protect_results), so the ward's alone
    rows = controlled(rows, policy, rules)
    if rows.empty:
        raise UsageError(f"{code} has no small-area values; run jsna compute with its files loaded")
    first = rows.iloc[0]
    parent = str(first["report_area"])
    names = dict(zip(all_rows["area_code"], all_rows["area_name"], strict=False))
    # the code and name columns alone, not every table whole, for each page of a batch
    area_names = WorkspaceReads(workspace).names()
    parent_name = area_names.get(parent, parent)
    bench = config.project.benchmark
    bench_name = area_names.get(bench, "England" if bench == "E92000001" else bench)
    singular, plural = LEVEL_WORDS.get(str(first["level"]), ("area", "areas"))
    table = []
    for _, r in rows.sort_values(["section", "indicator_name", "sex"]).iterrows():
        small = r["value"] if not is_missing(r["value"]) else None
        counted = str(r.get("unit") or "").strip().lower() in COUNT_UNITS
        d = 0 if counted else 2 if small is not None and abs(float(small)) < 10 else 1
        hidden = bool(r.get(HIDDEN, False))
        table.append(
            {
                "indicator": _label(r),
                "period": str(r["period"]),
                "unit": unit_label(r.get("unit"), str(r["indicator_name"])),
                "value": policy.symbol if hidden else fmt(r["value"], d),
                "interval": policy.symbol
                if hidden
                else fmt_interval(r["lower_ci_95"], r["upper_ci_95"], d),
                "rank": "–" if is_missing(r["rank"]) else f"{int(r['rank'])} of {int(r['areas'])}",
                "la_value": fmt(r["la_value"], d),
                "compared_with_la": outcome_words(r["compared_with_la"])
                if not is_missing(r["compared_with_la"])
                else "–",
                "benchmark_value": fmt(r["benchmark_value"], d),
                "compared_with_benchmark": outcome_words(r["compared_with_benchmark"])
                if not is_missing(r["compared_with_benchmark"])
                else "–",
                "note": "" if is_missing(r["value_note"]) else str(r["value_note"]),
            }
        )
    siblings = sorted(
        c
        for c, p in zip(all_rows["area_code"], all_rows["report_area"], strict=False)
        if p == parent
    )
    locator = _locator_map(
        workspace, code, names.get(code, code), set(siblings), parent, parent_name, singular
    )
    env = environment(templates)
    html = render_template(
        env,
        "small_area.html.j2",
        title=f"{names.get(code, code)}: {singular} profile",
        area_name=str(names.get(code, code)),
        code=code,
        level=singular,
        levels=plural,
        parent_name=parent_name,
        parent_code=parent,
        benchmark_name=bench_name,
        rows=table,
        locator=locator,
        colour=config.organisation.colour,
        accent=config.organisation.accent_colour,
        css=template_source(env, "report.css"),
        run_date=config.run_date().strftime("%-d %B %Y"),
        version=__version__,
    )
    return str(names.get(code, code)), html


def _locator_map(
    workspace: Workspace,
    code: str,
    name: str,
    siblings: set[str],
    parent: str,
    parent_name: str,
    singular: str,
) -> Any:
    """The small area highlighted among the others of its local authority, or None without boundaries."""
    import pandas as pd

    from jsna.report import maps

    geo = maps.load_geometry(workspace, siblings | {code})
    if geo.empty or code not in set(geo["area_code"]):
        return None
    classes = pd.Series((geo["area_code"].eq(code) + 1).to_numpy(), index=geo.index)
    return maps.choropleth(
        geo,
        classes,
        colours=("#DEEBF7", "#08519C"),
        labels=[f"Other {singular}s of {parent_name}", name],
        title=f"{name} in {parent_name}",
        legend_title=singular[0].upper() + singular[1:],
        alt=f"Map of the {singular}s of {parent_name} with {name} shaded dark blue.",
        figure_id="locator-map",
        source=f"Source: {BOUNDARY_SOURCE}",
        outline=maps.load_geometry(workspace, {parent}),
    )


def write_small_area_page(
    workspace: Workspace, config: Any, code: str, path: Path, *, templates: Path | None = None
) -> tuple[str, Path]:
    """Write :func:`small_area_page` to ``path`` (atomically); returns the name and the path."""
    name, html = small_area_page(workspace, config, code, templates=templates)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(path)
    return name, path
