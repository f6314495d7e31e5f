"""Published indicator values in a tidy long layout, into the results schema (``indicator_values``).

Many files analysts are given are Fingertips-like but not the Fingertips download: a tidy
extract with one row per area × period × indicator (OHID Local Health ward files, tidied
Fingertips extracts, Census 2021 tables by category, Oflog's adult social care outcomes).

Layouts recognised
------------------
``indicator-long``
    ``area_code, period, indicator, value`` with any of ``area_name``, ``area_type`` (or
    ``geography``), ``measure``/``unit`` (what the value is: Percentage, SMR, Years),
    ``compared_to_<benchmark>``, ``inequality``. Sex is read from a ``sex`` column, else from
    ``inequality`` or ``unit`` where those hold Male/Female/Persons (tidy Fingertips extracts
    put it in either). One further column (e.g. Census ``general_health``) is a category;
    its header, in words, is the category type ("General health").

    Where the indicator text is a definition rather than a name (see :func:`is_definition`),
    as in ONS Census 2021 tables ("Estimates that classify usual residents by their own
    assessment of the general state of their health …"), and the file has one descriptive
    category column, the indicator is named after that column ("General health"), with
    ", age-standardised" when the definition says the values are age-standardised; its id
    adds the measure ("general-health-count", "general-health-age-standardised-percentage"),
    so counts and percentages stay separate indicators. The definition itself is given in a
    warning of the file's report (``jsna validate``, ``jsna ingest``, ``--json``).
``measure-code``
    Oflog-style: ``Financial year, Local authority code, Local authority name, Measure, Code,
    Value`` with ``rank_order`` (asc/desc, in any case) giving the polarity. A value of exactly
    0 where every other area has a positive value for that measure and year is the publisher's
    missing marker: it is stored as missing, with a warning naming the row.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from jsna.ingest.base import Columns, Parsed, ReadOptions, Source, read_table, with_rows
from jsna.ingest.fields import (
    ALL_AGES_LABELS,
    check_area_codes,
    duplicate_keys,
    normalise_period,
    parse_number,
    parse_optional_numbers,
    period_sortable,
    warn,
)
from jsna.ingest.readers import TableText, normalise_name
from jsna.vocabulary.issues import ValidationIssue, ValidationReport

if TYPE_CHECKING:
    import pandas as pd

AREA_ALIASES = ("area_code", "local_authority_code", "la_code", "geography_code", "code")
NAME_ALIASES = ("area_name", "local_authority_name", "la_name", "name")
TYPE_ALIASES = ("area_type", "geography", "entity_name", "geography_type")
PERIOD_ALIASES = ("period", "time_period", "financial_year", "year")
INDICATOR_ALIASES = ("indicator", "indicator_name")
#: columns understood by name; anything else (except these) is a category column
KNOWN = {
    *AREA_ALIASES,
    *NAME_ALIASES,
    *TYPE_ALIASES,
    *PERIOD_ALIASES,
    *INDICATOR_ALIASES,
    "measure",
    "unit",
    "value",
    "inequality",
    "sex",
    "age",
    "region",
    "grouping",
    "median",
    "mads_from_median",
    "rank_order",
    "lower_ci_95",
    "upper_ci_95",
    "count",
    "denominator",
    "value_note",
    "date",
    "date_code",
}
_SEX_WORDS = {
    "male": "Male",
    "males": "Male",
    "female": "Female",
    "females": "Female",
    "persons": "Persons",
    "person": "Persons",
    "all persons": "Persons",
}


class IndicatorSource(Source):
    kind = "indicator"
    title = "Published indicator values in a tidy long layout (Local Health, Census tables, Oflog, extracts)"
    tables = ("indicator_values",)
    expected_columns = (
        "area_code, period, indicator, value (optional area_name, area_type, measure, unit, "
        "compared_to_England, inequality, one category column); or Oflog: Financial year, "
        "Local authority code, Measure, Code, Value, rank_order"
    )

    def detect(self, columns: list[str]) -> str | None:
        norm = {normalise_name(c) for c in columns}
        if "indicator_id" in norm or "indicatorid" in norm:
            return None  # a Fingertips download
        has_area = bool(norm & {"area_code", "local_authority_code", "la_code"})
        has_period = bool(norm & set(PERIOD_ALIASES))
        if has_area and has_period and "value" in norm:
            if norm & set(INDICATOR_ALIASES):
                return "indicator-long"
            if {"measure", "code"} <= norm:
                return "measure-code"
        return None

    def detect_table(self, table: TableText) -> str | None:
        layout = self.detect(list(table.frame.columns))
        if layout == "indicator-long" and (_indicator_is_age(table) or _is_population_count(table)):
            return None  # a Census population table by age (and sex): that is population
        return layout

    def parse(self, path: Path, options: ReadOptions) -> Parsed:
        table, cols = read_table(path, options)
        layout = self.detect(list(table.frame.columns)) or "indicator-long"
        issues: list[ValidationIssue] = []
        out = _parse(table, cols, options, issues, layout)
        frame = with_rows(out, table).reset_index(drop=True)
        report = ValidationReport(
            file=table.label, kind=self.kind, rows_read=len(table.frame), issues=issues
        )
        return Parsed(frames={"indicator_values": frame}, report=report, layout=layout, table=table)


def _indicator_is_age(table: TableText) -> bool:
    from jsna.ingest.fields import _parse_age_label

    col = next((c for c in table.frame.columns if normalise_name(c) in INDICATOR_ALIASES), None)
    if col is None:
        return False
    values = table.frame[col].str.strip().head(200)
    return bool(len(values)) and all(
        _parse_age_label(v) or v.lower() in ALL_AGES_LABELS for v in values.unique()
    )


def _is_population_count(table: TableText) -> bool:
    """Counts of people by age and sex (Census 'Usual resident population by sex and age')."""
    norm = {normalise_name(c): c for c in table.frame.columns}
    if not ({"age", "age_group"} & set(norm) and "sex" in norm and "measure" in norm):
        return False
    sample = table.frame[norm["measure"]].head(200).str.strip().str.lower()
    return bool(len(sample)) and bool(sample.eq("count").all())


def slug(text: str) -> str:
    """A short, stable identifier for an indicator that has only a name.

    Names longer than 80 characters keep their first words and end in a hash of the whole
    name, so two indicators whose names differ only further on never share an identifier
    (a newer file replaces rows of the same identifier).
    """
    import hashlib

    words = re.sub(r"[^0-9a-z]+", "-", text.lower()).strip("-")
    if len(words) <= 80:
        return words
    return words[:71].rstrip("-") + "-" + hashlib.sha256(words.encode()).hexdigest()[:8]


def _parse(
    table: TableText,
    cols: Columns,
    options: ReadOptions,
    issues: list[ValidationIssue],
    layout: str,
) -> pd.DataFrame:
    import pandas as pd

    raw = table.frame
    out = pd.DataFrame(index=raw.index)
    code_col = cols.require("area code", *AREA_ALIASES)
    out["area_code"] = check_area_codes(
        raw[code_col], table=table, column=code_col, issues=issues, allow_ods=True
    )
    for target, aliases in (("area_name", NAME_ALIASES), ("area_type", TYPE_ALIASES)):
        col = cols.find(*aliases)
        out[target] = raw[col].str.strip().replace("", None) if col else None
    out["parent_code"] = None
    if layout == "measure-code":
        name_col = cols.require("measure name", "measure")
        id_col = cols.require("measure code", "code")
        out["indicator_name"] = raw[name_col].str.strip()
        out["indicator_id"] = raw[id_col].str.strip()
        unit_col = None
    else:
        name_col = cols.require("indicator", *INDICATOR_ALIASES)
        out["indicator_name"] = raw[name_col].str.strip()
        unit_col = cols.find("measure")
        out["indicator_id"] = out["indicator_name"].map(slug)
        if unit_col:
            # one indicator published as several measures (Count and Percentage) is several indicators
            per = pd.DataFrame({"i": out["indicator_id"], "m": raw[unit_col].str.strip()})
            multi = per.groupby("i")["m"].transform("nunique") > 1
            out.loc[multi, "indicator_id"] = (out["indicator_id"] + "-" + per["m"].map(slug))[multi]
    out["unit"] = raw[unit_col].str.strip().replace("", None) if unit_col else None
    out["sex"] = _sex(raw, cols)
    age_col = cols.find("age")
    out["age"] = raw[age_col].str.strip().replace("", None) if age_col else None
    period_col = cols.require("period", *PERIOD_ALIASES)
    periods = raw[period_col].str.strip()
    out["period"] = periods.map(lambda p: normalise_period(p) or p)
    out["period_sortable"] = out["period"].map(period_sortable).astype("Int64")
    value_col = cols.require("value", "value")
    out["value"] = parse_number(
        raw[value_col], table=table, column=value_col, issues=issues, allow_missing=True
    )
    parse_optional_numbers(
        out,
        raw,
        {
            "lower_ci_95": cols.find("lower_ci_95", "lower_95"),
            "upper_ci_95": cols.find("upper_ci_95", "upper_95"),
            "lower_ci_99_8": None,
            "upper_ci_99_8": None,
            "count": cols.find("count"),
            "denominator": cols.find("denominator"),
        },
        table=table,
        issues=issues,
    )
    note_col = cols.find("value_note")
    out["value_note"] = raw[note_col].str.strip().replace("", None) if note_col else None
    out["trend"] = None
    compare = cols.matching(lambda n: n.startswith("compared_to"))
    out["compared_to_benchmark"] = (
        raw[compare[0]].str.strip().replace({"": None, "NA": None})  # type: ignore[arg-type]  # pandas-stubs: a dict to None is allowed
        if compare
        else None
    )
    rank_col = cols.find("rank_order", "polarity")
    out["polarity"] = (
        raw[rank_col].str.strip().str.lower().map({"desc": "High is good", "asc": "Low is good"})
        if rank_col
        else None
    )
    used = {code_col, name_col, period_col, value_col, *(v for v in cols.table_map_sources())}
    category = [
        c
        for c in raw.columns
        if normalise_name(c) not in KNOWN
        and c not in used
        and not normalise_name(c).startswith("compared_to")
    ]
    if layout == "indicator-long" and len(category) == 1:
        _name_definitions(out, raw, table, name_col, category[0], unit_col, issues)
    if category:
        out["category_type"] = header_words(category[0])
        out["category"] = raw[category[0]].str.strip().replace("", None)
        for extra in category[1:]:
            issues.append(
                warn(
                    table,
                    None,
                    extra,
                    None,
                    "column-not-stored",
                    f"column {extra!r} is not part of the indicator layout and is not stored "
                    f"(only {category[0]!r} is kept, as the category)",
                )
            )
    else:
        out["category_type"] = None
        out["category"] = None
    if layout == "measure-code":
        _zeros_as_missing(out, table, value_col, issues)
    key = ["indicator_id", "area_code", "period", "sex", "age", "category_type", "category"]
    duplicate_keys(
        out.fillna({"sex": "", "age": "", "category_type": "", "category": ""}),
        key,
        table=table,
        issues=issues,
    )
    return out


#: headers that say only "this is a breakdown", not what it classifies
_GENERIC_HEADERS = {
    "category",
    "categories",
    "category_type",
    "category_name",
    "breakdown",
    "group",
    "subgroup",
    "type",
    "classification",
}
#: words dropped from the end of a category column's header to name its topic
_GENERIC_HEADER_WORDS = {"category", "categories", "classification"}
_AGE_STANDARDISED = re.compile(r"\bage[- ]?standardi[sz](?:ed|ation)\b", re.IGNORECASE)
_RELATIVE_CLAUSE = re.compile(r"\b(?:that|which)\s+\w+\s+\w+", re.IGNORECASE)


def is_definition(text: str) -> bool:
    """Whether an indicator column's text is a definition sentence rather than a name.

    Names are noun phrases, however long ("Emergency hospital admissions for intentional
    self-harm, directly standardised rate per 100,000"); definitions are sentences. A text
    is a definition when it has at least 8 words and either ends with a full stop (a name
    never does) or has at least 12 words and a relative clause ("Estimates that classify
    usual residents by the number of hours of unpaid care they provide").
    """
    words = text.split()
    if len(words) < 8:
        return False
    return text.rstrip().endswith(".") or (len(words) >= 12 and bool(_RELATIVE_CLAUSE.search(text)))


def header_words(column: str) -> str:
    """A column header as words, capitalised: ``general_health`` -> "General health"."""
    words = normalise_name(column).replace("_", " ")
    return words[:1].upper() + words[1:]


def _topic(column: str) -> str | None:
    """What a category column classifies ("disability_category" -> "Disability"); None when its
    header says nothing but "category"."""
    words = normalise_name(column).split("_")
    if "_".join(words) in _GENERIC_HEADERS:
        return None
    while len(words) > 1 and words[-1] in _GENERIC_HEADER_WORDS:
        words.pop()
    if not any(w.isalpha() for w in words):
        return None
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def _name_definitions(
    out: pd.DataFrame,
    raw: pd.DataFrame,
    table: TableText,
    name_col: str,
    category_col: str,
    unit_col: str | None,
    issues: list[ValidationIssue],
) -> None:
    """Name the indicators whose text is a definition after the file's category column.

    The name is the column's topic, with ", age-standardised" when the definition says so;
    the id adds the measure, so that a count and a percentage are two indicators. When one
    file holds several definitions that would get one name and measure, those rows keep
    their text as the name (two indicators are never merged).
    """
    import pandas as pd

    topic = _topic(category_col)
    if topic is None:
        return
    measures = raw[unit_col].str.strip() if unit_col else pd.Series("", index=raw.index)
    pairs = pd.DataFrame({"text": out["indicator_name"], "measure": measures}).drop_duplicates()
    pairs = pairs[pairs["text"].map(is_definition)]
    if pairs.empty:
        return
    pairs["name"] = pairs["text"].map(
        lambda t: topic + (", age-standardised" if _AGE_STANDARDISED.search(t) else "")
    )
    pairs["id"] = [slug(f"{n} {m}") for n, m in zip(pairs["name"], pairs["measure"], strict=True)]
    pairs = pairs[pairs.groupby("id")["text"].transform("nunique").eq(1)]
    for r in pairs.to_dict("records"):
        rows = out["indicator_name"].eq(r["text"]) & measures.eq(r["measure"])
        out.loc[rows, "indicator_name"] = r["name"]
        out.loc[rows, "indicator_id"] = r["id"]
        measure = f" ({r['measure']})" if r["measure"] else ""
        issues.append(
            warn(
                table,
                None,
                name_col,
                r["text"],
                "indicator-named-from-definition",
                f"column {name_col!r} holds a definition (the value shown), not a name: stored as "
                f"the indicator {r['name']!r}{measure}, id {r['id']!r}, by {topic.lower()} "
                f"(column {category_col!r})",
            )
        )


def _sex(raw: pd.DataFrame, cols: Columns) -> pd.Series:
    """Sex from a sex column, else from inequality/unit where they hold a sex, else Persons."""
    import pandas as pd

    result = pd.Series("Persons", index=raw.index, dtype=object)
    for name in ("unit", "inequality", "sex"):  # later columns win
        col = cols.find(name)
        if col is None:
            continue
        mapped = raw[col].str.strip().str.lower().map(_SEX_WORDS)
        result = mapped.where(mapped.notna(), result)
    return result


def _zeros_as_missing(
    out: pd.DataFrame, table: TableText, value_col: str, issues: list[ValidationIssue]
) -> None:
    """Oflog publishes 0 for 'no data': a zero where all other areas are positive is missing."""
    group = out.groupby(["indicator_id", "period"])["value"]
    others_positive = group.transform(
        lambda v: bool((v[v != 0].dropna() > 0).all()) and (v > 0).sum() >= 5
    )
    zero = out["value"].eq(0) & others_positive.astype(bool)
    for idx in out.index[zero.to_numpy()]:
        issues.append(
            warn(
                table,
                idx,
                value_col,
                "0",
                "zero-as-missing",
                f"{out.at[idx, 'indicator_id']!s} is 0 for {out.at[idx, 'area_code']!s} in "
                f"{out.at[idx, 'period']!s} while every other area is above 0: stored as missing, "
                "not as zero (the publisher uses 0 for 'no data')",
            )
        )
    out.loc[zero, "value"] = float("nan")
    out.loc[zero, "value_note"] = "0 in the source file, read as missing"
