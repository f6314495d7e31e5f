"""Counts of events (deaths, admissions, attendances) by area, period, sex and age band.

``deaths`` and ``events`` share this module: for ``deaths`` the measure is "deaths" and
an optional cause column is kept; ``events`` needs a measure column (or ``--measure``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from jsna.ingest.base import Columns, Parsed, ReadOptions, Source, with_rows
from jsna.ingest.fields import (
    check_area_codes,
    duplicate_keys,
    parse_age,
    parse_number,
    parse_period,
    parse_sex,
)
from jsna.ingest.issues import ValidationIssue, ValidationReport
from jsna.ingest.population import AREA_ALIASES, NAME_ALIASES, PERIOD_ALIASES, SEX_ALIASES
from jsna.ingest.readers import normalise_name, read_text_table

if TYPE_CHECKING:
    import pandas as pd

AGE_ALIASES = ("age_band", "age", "age_group", "ageband", "age_range")
COUNT_ALIASES = ("count", "deaths", "number", "value", "events", "admissions", "attendances", "n")
CAUSE_ALIASES = ("cause", "cause_of_death", "icd10_group", "cause_group")
MEASURE_ALIASES = ("measure", "event", "event_type", "activity", "point_of_delivery")


class EventsSource(Source):
    kind = "events"
    title = "Counts of events (admissions, attendances, deaths) by area, period, sex and age band"
    tables = ("events",)
    expected_columns = "area_code, period (or year), sex, age_band, measure, count"

    def detect(self, columns: list[str]) -> str | None:
        norm = {normalise_name(c) for c in columns}
        need = [PERIOD_ALIASES, SEX_ALIASES, AGE_ALIASES, MEASURE_ALIASES, COUNT_ALIASES]
        if all(norm & {normalise_name(a) for a in group} for group in need) and "deaths" not in norm:
            return "long"
        return None

    def parse(self, path: Path, options: ReadOptions) -> Parsed:
        return _parse(self.kind, path, options)


class DeathsSource(EventsSource):
    kind = "deaths"
    title = "Deaths by area, period, sex and age band (optionally by cause)"
    expected_columns = "area_code, period (or year), sex, age_band, deaths (or count), optional cause"

    def detect(self, columns: list[str]) -> str | None:
        norm = {normalise_name(c) for c in columns}
        need = [PERIOD_ALIASES, SEX_ALIASES, AGE_ALIASES]
        if "deaths" in norm and all(norm & {normalise_name(a) for a in group} for group in need):
            return "long"
        return None


def _parse(kind: str, path: Path, options: ReadOptions) -> Parsed:
    import pandas as pd

    table = read_text_table(path, sheet=options.sheet, skip_rows=options.skip_rows, encoding=options.encoding)
    raw = table.frame
    cols = Columns(table, options.column_map)
    issues: list[ValidationIssue] = []
    code_col = cols.require("area code", *AREA_ALIASES)
    name_col = cols.find(*NAME_ALIASES)
    sex_col = cols.require("sex", *SEX_ALIASES)
    age_col = cols.require("age band", *AGE_ALIASES)
    count_col = cols.require("count", *(("deaths",) if kind == "deaths" else ()), *COUNT_ALIASES)
    out = pd.DataFrame(index=raw.index)
    out["area_code"] = check_area_codes(raw[code_col], table=table, column=code_col, issues=issues)
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
    out["cause"] = raw[cause_col].str.strip() if cause_col else "All causes"
    if kind == "deaths":
        out["measure"] = options.measure or "deaths"
    elif options.measure:
        out["measure"] = options.measure
    else:
        measure_col = cols.require("measure", *MEASURE_ALIASES)
        out["measure"] = raw[measure_col].str.strip()
    out["count"] = parse_number(raw[count_col], table=table, column=count_col, issues=issues,
                                whole=True, minimum=0, what="count")
    duplicate_keys(out, ["area_code", "period", "sex", "age_band", "measure", "cause"], table=table, issues=issues)
    frame = with_rows(out, table).reset_index(drop=True)
    report = ValidationReport(file=table.label, kind=kind, rows_read=len(raw), issues=issues)
    return Parsed(frames={"events": frame}, report=report, layout="long")
