"""Published indicator tables: one row per area (and sex, period) with a value and its limits.

ONS small-area life expectancy workbooks, local dashboards and NHS Digital tables publish one
indicator per table: an area code, a value, usually its 95% confidence limits and often the
numerator and denominator it came from. They load into ``indicator_values`` (the results
schema), so they chart and benchmark beside computed indicators. Where a row has its count and
denominator, ``jsna ingest`` and ``jsna compute`` recompute its limits and say whether the
published ones agree (see :mod:`jsna.indicators.published`).

Layouts recognised
------------------
``published-table``
    an area code column; a value column (``value``, or a header naming the measure: ``Life
    expectancy``, ``Rate per 100,000``, ``Percentage``, ``SMR``); a lower and an upper limit
    column (``Lower CI``, ``LCI``, ``lower_ci_95``, ``Lower 95% confidence limit``, …; ``99.8``
    in a header marks the 99.8% limits); optionally ``area_name``, ``sex``, ``period``,
    numerator (``numerator``, ``count``, ``observed``, ``events``) and denominator
    (``denominator``, ``population``). Any column can be named with ``--map SOURCE=value``
    (or ``lower_ci_95``, ``upper_ci_95``, ``count``, ``denominator``, ``area_code``,
    ``period``, ``sex``, ``indicator``).

The indicator is named by an ``indicator`` column, else by the value column's header when it
names the measure, else by the file name (``male_life_expectancy.csv`` -> "Male life
expectancy"). Without a period column, ``--period`` or a year in the file name gives it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from jsna.ingest.base import Columns, Parsed, ReadOptions, Source, read_table, with_rows
from jsna.ingest.fields import (
    LIMIT_COLUMNS,
    check_area_codes,
    duplicate_keys,
    normalise_period,
    parse_number,
    parse_optional_numbers,
    parse_sex,
    period_sortable,
)
from jsna.ingest.indicator_long import _sex as sex_from_columns
from jsna.ingest.indicator_long import slug
from jsna.ingest.readers import TableText, normalise_name
from jsna.vocabulary.issues import ValidationIssue, ValidationReport

if TYPE_CHECKING:
    import pandas as pd

AREA_ALIASES = (
    "area_code",
    "areacode",
    "code",
    "geography_code",
    "org_code",
    "organisation_code",
    "ons_code",
    "ward_code",
    "msoa_code",
    "lsoa_code",
    "la_code",
    "lad_code",
)
NAME_ALIASES = ("area_name", "areaname", "name", "geography_name", "org_name", "organisation_name")
TYPE_ALIASES = ("area_type", "geography", "geography_type")
SEX_ALIASES = ("sex", "gender")
PERIOD_ALIASES = ("period", "time_period", "timeperiod", "year", "years", "financial_year")
INDICATOR_ALIASES = ("indicator", "indicator_name", "indicatorname")
UNIT_ALIASES = ("measure", "unit", "value_type")
NUMERATOR_ALIASES = ("count", "numerator", "observed", "events", "deaths", "cases")
DENOMINATOR_ALIASES = ("denominator", "population", "pop", "person_years")
#: words of a header that names what the value measures (the value column of the table)
_MEASURE_WORDS = re.compile(
    r"(^|_)(value|life_expectancy|healthy_life_expectancy|rate|ratio|percentage|percent|"
    r"prevalence|proportion|smr|sir|sar|estimate|le|hle)(_|$)"
)
_LOWER = re.compile(r"(^|_)(lower|lci|lcl|ll|low)(_|$|ci|cl|95|99)|^lowerci")
_UPPER = re.compile(r"(^|_)(upper|uci|ucl|ul|high)(_|$|ci|cl|95|99)|^upperci")
_LIMIT_WORDS = re.compile(r"ci|cl|limit|confidence|interval|bound|95|99|lci|uci")


def limit_column(column: str) -> tuple[str, str] | None:
    """("lower" or "upper", "95" or "99_8") for a confidence-limit header, else None.

    ``Lower CI``, ``LCI``, ``lower_ci_95``, ``LowerCI95.0limit``, ``Upper 95% confidence
    limit`` and ``Upper CI 99.8`` are limit headers; ``lower_age`` is not.
    """
    n = normalise_name(column)
    if not _LIMIT_WORDS.search(n):
        return None
    level = "99_8" if "99" in n else "95"
    if _LOWER.search(n):
        return ("lower", level)
    if _UPPER.search(n):
        return ("upper", level)
    return None


def _limit_columns(columns: list[str]) -> dict[str, str]:
    """target column (``lower_ci_95`` …) -> file column, the first of each."""
    found: dict[str, str] = {}
    for col in columns:
        if (kind := limit_column(col)) is not None:
            found.setdefault(f"{kind[0]}_ci_{kind[1]}", col)
    return found


def _value_column(columns: list[str]) -> str | None:
    """The one column whose header names a measure (``value``, ``Life expectancy``, ``Rate``)."""
    if (col := next((c for c in columns if normalise_name(c) == "value"), None)) is not None:
        return col
    limits = set(_limit_columns(columns).values())
    known = {
        normalise_name(a)
        for a in (*NUMERATOR_ALIASES, *DENOMINATOR_ALIASES, *AREA_ALIASES, *NAME_ALIASES)
    }
    candidates = [
        c
        for c in columns
        if c not in limits
        and normalise_name(c) not in known
        and _MEASURE_WORDS.search(normalise_name(c))
    ]
    return candidates[0] if len(candidates) == 1 else None


class PublishedSource(Source):
    kind = "published"
    title = "Published indicator tables: a value per area with its limits (ONS, dashboards, NHS Digital)"
    tables = ("indicator_values",)
    expected_columns = (
        "area code, a value (value, Life expectancy, Rate, Percentage …), Lower CI, Upper CI "
        "(optional area_name, sex, period, numerator/count, denominator); --map names others"
    )

    def detect(self, columns: list[str]) -> str | None:
        norm = {normalise_name(c) for c in columns}
        if norm & {"indicator_id", "indicatorid"}:
            return None  # a Fingertips download
        if norm & set(INDICATOR_ALIASES) and norm & set(PERIOD_ALIASES) and "value" in norm:
            return None  # a tidy long indicator file (kind indicator)
        if not norm & {normalise_name(a) for a in AREA_ALIASES}:
            return None
        limits = _limit_columns(columns)
        if not {"lower_ci_95", "upper_ci_95"} <= set(limits):
            return None
        return "published-table" if _value_column(columns) else None

    def parse(self, path: Path, options: ReadOptions) -> Parsed:
        table, cols = read_table(path, options)
        issues: list[ValidationIssue] = []
        out = _parse(table, cols, options, issues)
        frame = with_rows(out, table).reset_index(drop=True)
        report = ValidationReport(
            file=table.label, kind=self.kind, rows_read=len(table.frame), issues=issues
        )
        return Parsed(
            frames={"indicator_values": frame}, report=report, layout="published-table", table=table
        )


def _words_of(text: str) -> str:
    words = re.sub(r"[_\s]+", " ", text).strip()
    return words[:1].upper() + words[1:]


def _parse(
    table: TableText, cols: Columns, options: ReadOptions, issues: list[ValidationIssue]
) -> pd.DataFrame:
    import pandas as pd

    raw = table.frame
    columns = list(raw.columns)
    out = pd.DataFrame(index=raw.index)
    code_col = cols.require("area code", *AREA_ALIASES)
    out["area_code"] = check_area_codes(
        raw[code_col], table=table, column=code_col, issues=issues, allow_ods=True
    )
    for target, aliases in (("area_name", NAME_ALIASES), ("area_type", TYPE_ALIASES)):
        col = cols.find(*aliases)
        out[target] = raw[col].str.strip().replace("", None) if col else None
    out["parent_code"] = None
    value_col = cols.find("value") or _value_column(columns)
    if value_col is None:
        value_col = cols.require("value (name it with --map COLUMN=value)", "value")
    indicator_col = cols.find(*INDICATOR_ALIASES)
    named = _value_column(columns)  # a header that names the measure ("Life expectancy")
    if indicator_col:
        out["indicator_name"] = raw[indicator_col].str.strip()
    elif named == value_col and normalise_name(value_col) != "value":
        out["indicator_name"] = _words_of(value_col)
    else:
        out["indicator_name"] = _words_of(table.path.stem)
    out["indicator_id"] = out["indicator_name"].map(slug)
    unit_col = cols.find(*UNIT_ALIASES)
    out["unit"] = raw[unit_col].str.strip().replace("", None) if unit_col else None
    sex_col = cols.find(*SEX_ALIASES)
    out["sex"] = (
        parse_sex(
            raw[sex_col], table=table, column=sex_col, issues=issues, codes=options.sex_code_map()
        )
        if sex_col
        else sex_from_columns(raw, cols)  # a unit or inequality column that holds the sex
    )
    age_col = cols.find("age", "age_group", "age_band")
    out["age"] = raw[age_col].str.strip().replace("", None) if age_col else None
    out["period"] = _periods(table, cols, options, issues)
    out["period_sortable"] = out["period"].map(period_sortable).astype("Int64")
    out["value"] = parse_number(
        raw[value_col], table=table, column=value_col, issues=issues, allow_missing=True
    )
    limits = _limit_columns(columns)
    parse_optional_numbers(
        out,
        raw,
        {
            **{t: cols.find(t) or limits.get(t) for t in LIMIT_COLUMNS},
            "count": cols.find(*NUMERATOR_ALIASES),
            "denominator": cols.find(*DENOMINATOR_ALIASES),
        },
        table=table,
        issues=issues,
    )
    note_col = cols.find("value_note", "valuenote", "note")
    out["value_note"] = raw[note_col].str.strip().replace("", None) if note_col else None
    out["trend"] = None
    out["compared_to_benchmark"] = None
    out["polarity"] = None
    out["category_type"] = None
    out["category"] = None
    key = ["indicator_id", "area_code", "period", "sex", "age"]
    duplicate_keys(out.fillna({"sex": "", "age": ""}), key, table=table, issues=issues)
    return out


def _periods(
    table: TableText, cols: Columns, options: ReadOptions, issues: list[ValidationIssue]
) -> pd.Series:
    import pandas as pd

    raw = table.frame
    period_col = cols.find(*PERIOD_ALIASES)
    if period_col:
        text = raw[period_col].str.strip()
        return text.map(lambda p: normalise_period(p) or p)
    given = options.period
    if not given:
        years = re.findall(r"(?:19|20)\d{2}", table.path.stem)
        if len(years) == 1:
            given = years[0]
        elif len(years) == 2:
            given = normalise_period(f"{years[0]}-{years[1][2:]}") or f"{years[0]}-{years[1]}"
    if not given:
        issues.append(
            ValidationIssue(
                code="no-period",
                file=table.label,
                message="no period column (period, year) and none given; pass --period 2017-19",
            )
        )
        given = ""
    return pd.Series(given, index=raw.index, dtype="object")
