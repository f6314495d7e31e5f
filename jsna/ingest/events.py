"""Counts of events (deaths, admissions, attendances) by area, period, sex and age band.

``deaths`` and ``events`` share this module: for ``deaths`` the measure is "deaths" and
an optional cause column is kept; ``events`` needs a measure column (or ``--measure``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from jsna.ingest.base import Columns, Parsed, ReadOptions, Source, read_table, with_rows
from jsna.ingest.fields import (
    check_area_codes,
    duplicate_keys,
    is_missing,
    overlapping_bands,
    parse_age,
    parse_number,
    parse_period,
    parse_sex,
    warn,
)
from jsna.ingest.population import AREA_ALIASES, NAME_ALIASES, PERIOD_ALIASES, SEX_ALIASES
from jsna.ingest.readers import TableText, normalise_name, read_text_table
from jsna.vocabulary.issues import ValidationIssue, ValidationReport
from jsna.vocabulary.tables import UNSTATED_CAUSE

AGE_ALIASES = ("age_band", "age", "age_group", "ageband", "age_range", "ageband")
COUNT_ALIASES = (
    "count",
    "deaths",
    "number",
    "value",
    "events",
    "admissions",
    "attendances",
    "n",
    "num_admissions",
    "number_of_admissions",
    "num_attendances",
    "activity",
)
CAUSE_ALIASES = ("cause", "cause_of_death", "icd10_group", "cause_group")
MEASURE_ALIASES = ("measure", "event", "event_type", "activity", "point_of_delivery")


class EventsSource(Source):
    kind = "events"
    title = "Counts of events (admissions, attendances, deaths) by area, period, sex and age band"
    tables = ("events",)
    expected_columns = "area_code, period (or year), sex, age_band, measure, count"

    def detect(self, columns: list[str]) -> str | None:
        norm = {normalise_name(c) for c in columns}
        if "indicator" in norm:
            return None  # Census tables carry an 'indicator' description: population or indicator
        if "practice_code" in norm and not norm & {normalise_name(a) for a in AREA_ALIASES}:
            return None  # counts by GP practice: practice-counts
        need = [PERIOD_ALIASES, SEX_ALIASES, AGE_ALIASES, MEASURE_ALIASES, COUNT_ALIASES]
        if (
            all(norm & {normalise_name(a) for a in group} for group in need)
            and "deaths" not in norm
        ):
            return "long"
        return None

    def parse(self, path: Path, options: ReadOptions) -> Parsed:
        return _parse(self.kind, path, options)

    def cross_check(self, workspace: Any, parsed: Parsed) -> None:
        """Counts above the population already loaded for the same area, period, sex and age."""
        _check_against_population(workspace, parsed, self.kind)


class DeathsSource(EventsSource):
    kind = "deaths"
    title = "Deaths by area, period, sex and age band (optionally by cause); or areas × years"
    expected_columns = (
        "area_code, period (or year), sex, age_band, deaths (or count), optional cause; "
        "or code, name and one column per year (ONS deaths by local authority)"
    )

    def detect(self, columns: list[str]) -> str | None:
        norm = {normalise_name(c) for c in columns}
        need = [PERIOD_ALIASES, SEX_ALIASES, AGE_ALIASES]
        if "deaths" in norm and all(norm & {normalise_name(a) for a in group} for group in need):
            return "long"
        years = [c for c in columns if _YEAR.match(c.strip())]
        if (
            len(years) >= 3
            and norm & {"code", "area_code", "lad_code"}
            and len(years) >= len(columns) - 3
        ):
            return "years-as-columns"
        return None

    def parse(self, path: Path, options: ReadOptions) -> Parsed:
        table = read_text_table(
            path,
            sheet=options.sheet,
            skip_rows=options.skip_rows,
            encoding=options.encoding,
            **options.read_limits(),
        )
        if self.detect(list(table.frame.columns)) == "years-as-columns":
            return _parse_years_wide(table, options)
        return _parse(self.kind, path, options)


_YEAR = re.compile(r"^(?:19|20)\d{2}$")


def _parse_years_wide(table: TableText, options: ReadOptions) -> Parsed:
    """Deaths by area with one column per registration year, no sex or age: Persons, all ages."""
    import pandas as pd

    raw = table.frame
    cols = Columns(table, options.column_map)
    issues: list[ValidationIssue] = []
    code_col = cols.require("area code", *AREA_ALIASES)
    name_col = cols.find(*NAME_ALIASES)
    base = pd.DataFrame(index=raw.index)
    base["area_code"] = check_area_codes(raw[code_col], table=table, column=code_col, issues=issues)
    base["area_name"] = raw[name_col].str.strip() if name_col else None
    base["sex"], base["age_band"], base["age_from"], base["age_to"] = "Persons", "All ages", 0, None
    base["measure"] = options.measure or "deaths"
    if options.cause:
        base["cause"] = options.cause
    else:
        base["cause"] = UNSTATED_CAUSE
        issues.append(_unstated_cause(table))
    pieces = []
    missing_cells = 0
    for col in [c for c in raw.columns if _YEAR.match(c.strip())]:
        piece = base.copy()
        piece["period"] = col.strip()
        piece["count"] = parse_number(
            raw[col],
            table=table,
            column=col,
            issues=issues,
            whole=True,
            minimum=0,
            allow_missing=True,
            what="deaths",
        )
        missing = piece["count"].isna() & is_missing(raw[col])
        missing_cells += int(missing.sum())
        pieces.append(piece[~missing])
    if missing_cells:
        issues.append(
            warn(
                table,
                None,
                None,
                None,
                "missing-cells",
                f"{missing_cells} cells hold a missing-value marker (no figure published for that "
                "area and year); those area-years are not stored",
            )
        )
    long = pd.concat(pieces)
    frame = (
        with_rows(long, table)
        .reset_index(drop=True)
        .astype({"age_from": "Int64", "age_to": "Int64"})
    )
    report = ValidationReport(file=table.label, kind="deaths", rows_read=len(raw), issues=issues)
    return Parsed(frames={"events": frame}, report=report, layout="years-as-columns", table=table)


#: the cause stored for deaths whose file does not say (see jsna.indicators.builtin.all_cause_deaths)


def _unstated_cause(table: TableText) -> ValidationIssue:
    return warn(
        table,
        None,
        None,
        None,
        "no-cause",
        f"the file does not say which cause these deaths are from: they are stored as '{UNSTATED_CAUSE}' "
        "and count toward no indicator, neither all-cause nor cause-specific. If the file counts deaths "
        "from all causes, load it with --cause 'All causes' (a file already loaded: jsna ingest --replace "
        "deaths FILE --cause 'All causes'); if it counts one cause, name it, e.g. --cause 'Drug poisoning'",
    )


def _check_against_population(workspace: Any, parsed: Parsed, kind: str) -> None:
    """An error for each count above the loaded population it happened in, compared on common
    age bands whatever the bands of the two files.

    Two comparisons, on the area, period and sex: an event band that the population's bands
    tile exactly (``85-89`` against ``85`` … ``89``, or the same band) is compared with the sum of
    those population rows; and the events of one measure and cause whose bands lie inside one
    population band (``85-89`` and ``90+`` against ``85+``) are summed and compared with it.
    Open bands reach age 200.
    """
    frame = parsed.frames.get("events")
    if frame is None or frame.empty or not workspace.has_data("population"):
        return
    con = workspace.con
    events = frame[
        [
            "area_code",
            "period",
            "sex",
            "age_band",
            "age_from",
            "age_to",
            "measure",
            "cause",
            "count",
            "_row",
        ]
    ]
    con.register("_events_check", events[events["age_from"].notna()])
    population = (
        "SELECT area_code, period, sex, age_band, age_from, coalesce(age_to, 200) AS age_to, "
        "sum(count) AS count, min(source_id) AS source_id FROM population "
        "WHERE variant = 'estimate' AND age_from IS NOT NULL GROUP BY ALL"
    )
    try:
        rows = con.execute(
            f"WITH p AS ({population}), e AS (SELECT *, coalesce(age_to, 200) AS upto "
            "FROM _events_check), "
            # population bands tiling an event band
            "tiled AS (SELECT e._row, e.area_code, e.period, e.sex, e.age_band, e.count, "
            "sum(p.count) AS population, min(p.source_id) AS source_id, "
            "sum(p.age_to - p.age_from + 1) AS width, any_value(e.upto - e.age_from + 1) AS span "
            "FROM e JOIN p USING (area_code, period, sex) "
            "WHERE p.age_from >= e.age_from AND p.age_to <= e.upto GROUP BY ALL), "
            # event bands inside one population band
            "inside AS (SELECT min(e._row) AS _row, p.area_code, p.period, p.sex, "
            "string_agg(e.age_band, ', ' ORDER BY e.age_from) AS age_band, sum(e.count) AS count, "
            "p.count AS population, p.source_id, p.age_band AS population_band, count(*) AS n "
            "FROM e JOIN p USING (area_code, period, sex) "
            "WHERE e.age_from >= p.age_from AND e.upto <= p.age_to GROUP BY p.area_code, p.period, "
            "p.sex, p.age_band, p.count, p.source_id, e.measure, e.cause) "
            "SELECT _row, area_code, period, sex, age_band, count, population, source_id, NULL "
            "FROM tiled WHERE width = span AND count > population "
            "UNION ALL SELECT _row, area_code, period, sex, age_band, count, population, source_id, "
            "population_band FROM inside WHERE count > population "
            "AND (n > 1 OR age_band <> population_band) "
            "ORDER BY 1"
        ).fetchall()
    finally:
        con.unregister("_events_check")
    what = "deaths" if kind == "deaths" else "events"
    for row, code, period, sex, band, count, population, source_id, pop_band in rows:
        ages = f"age {band}" if pop_band is None else f"ages {band} (population band {pop_band})"
        parsed.report.issues.append(
            ValidationIssue(
                code="count-exceeds-population",
                file=parsed.report.file,
                row=int(row),
                column="count",
                value=count,
                message=f"{what} ({count:g}) exceed the population ({population:g}) of {code}, {period}, {sex}, "
                f"{ages} already in the workspace (input #{source_id}); a count cannot be larger than "
                "the population it happened in",
            )
        )


def _parse(kind: str, path: Path, options: ReadOptions) -> Parsed:
    import pandas as pd

    table, cols = read_table(path, options)
    raw = table.frame
    issues: list[ValidationIssue] = []
    code_col = None if options.area else cols.find(*AREA_ALIASES)
    if code_col is None and not options.area:
        cols.require("area code (or pass --area CODE for a file about one area)", *AREA_ALIASES)
    name_col = cols.find(*NAME_ALIASES)
    sex_col = cols.require("sex", *SEX_ALIASES)
    age_col = cols.require("age band", *AGE_ALIASES)
    count_col = cols.require("count", *(("deaths",) if kind == "deaths" else ()), *COUNT_ALIASES)
    out = pd.DataFrame(index=raw.index)
    if code_col:
        out["area_code"] = check_area_codes(
            raw[code_col], table=table, column=code_col, issues=issues
        )
    else:
        out["area_code"] = check_area_codes(
            pd.Series(options.area, index=raw.index), table=table, column="--area", issues=issues
        )
    out["area_name"] = raw[name_col].str.strip() if name_col else None
    if options.period:
        out["period"] = options.period
    else:
        period_col = cols.require("period", *PERIOD_ALIASES)
        out["period"] = parse_period(raw[period_col], table=table, column=period_col, issues=issues)
    out["sex"] = parse_sex(raw[sex_col], table=table, column=sex_col, issues=issues)
    label, lo, hi = parse_age(raw[age_col], table=table, column=age_col, issues=issues)
    out["age_band"], out["age_from"], out["age_to"] = label, lo, hi
    cause_col = cols.find(*CAUSE_ALIASES)
    if cause_col:
        out["cause"] = raw[cause_col].str.strip()
    elif options.cause:
        out["cause"] = options.cause
    elif kind == "deaths":
        # a deaths file that does not say its cause is never taken for deaths from all causes
        out["cause"] = UNSTATED_CAUSE
        issues.append(_unstated_cause(table))
    else:
        out["cause"] = "All causes"
    if kind == "deaths":
        out["measure"] = options.measure or "deaths"
    elif options.measure:
        out["measure"] = options.measure
    elif (measure_col := cols.find(*MEASURE_ALIASES)) is not None:
        out["measure"] = raw[measure_col].str.strip()
    elif normalise_name(count_col) not in {"count", "value", "number", "n"}:
        # the count column says what it counts: Num_Admissions -> admissions
        out["measure"] = re.sub(r"^(num|number)_(of_)?", "", normalise_name(count_col)).replace(
            "_", " "
        )
    else:
        cols.require("measure (or pass --measure)", *MEASURE_ALIASES)
    out["count"] = parse_number(
        raw[count_col],
        table=table,
        column=count_col,
        issues=issues,
        whole=True,
        minimum=0,
        what="count",
    )
    # the summed cost of an aggregate of activity (``jsna.engines.spark.aggregate``'s output)
    cost_col = cols.find("cost", "cost_gbp") if kind == "events" else None
    if cost_col:
        out["cost"] = parse_number(
            raw[cost_col],
            table=table,
            column=cost_col,
            issues=issues,
            minimum=0,
            allow_missing=True,
            what="cost",
        )
    duplicate_keys(
        out,
        ["area_code", "period", "sex", "age_band", "measure", "cause"],
        table=table,
        issues=issues,
    )
    overlapping_bands(
        out, ["area_code", "period", "sex", "measure", "cause"], table=table, issues=issues
    )
    frame = with_rows(out, table).reset_index(drop=True)
    report = ValidationReport(file=table.label, kind=kind, rows_read=len(raw), issues=issues)
    return Parsed(frames={"events": frame}, report=report, layout="long", table=table)
