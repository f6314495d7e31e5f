"""Department for Education files as downloaded from Explore Education Statistics (EES), into the
results schema (``indicator_values``): ``jsna ingest ees FILE``.

Every EES data file follows DfE's open data standards: one row per time period × geography ×
combination of filters, with the indicators as columns. The columns are

``time_period``, ``time_identifier``
    ``202425`` with ``Academic year`` (or ``Financial year``, ``Tax year``) is ``2024/25``;
    ``2025`` with ``Calendar year`` (or ``Reporting year``) is ``2025``.
``geographic_level`` and the geography's columns
    ``National`` rows carry ``country_code`` (England, ``E92000001``), ``Regional`` rows
    ``region_code`` (``E12…``), ``Local authority`` rows ``new_la_code`` (``E06``/``E08``/``E09``/
    ``E10``; ``old_la_code`` is DfE's three-digit number and is not stored), ``Local authority
    district`` rows ``lad_code``, ``Parliamentary constituency`` rows ``pcon_code``, ``Ward`` rows
    ``ward_code``; the matching ``*_name`` column names the area.
filters
    text columns that break the figures down (``phase_type_grouping``, ``type_of_establishment``,
    ``hospital_school``), each with a ``Total`` (or ``All …``) value. A row whose filters are all
    at their total is the area's headline figure and is stored without a category; on other rows
    the filters not at their total are the category (type ``Phase type grouping``, category
    ``State-funded primary``; several are joined with ``; ``). A ``sex`` or ``gender`` filter is
    the row's sex.
indicators
    the number columns (``total_pupils``, ``sen_support``, ``ehc_plan``, ``ehc_plan_percent``); each
    is one indicator whose id is the column name in lower case with hyphens (``EHC_plan`` ->
    ``ehc-plan``), a count unless the name says it is a percentage.

DfE's symbols are read as missing values with their meaning in ``value_note``, never as zero:
``c`` confidential, ``low`` rounds to zero but is not zero, ``u`` low reliability, ``x`` not
available, ``z`` not applicable, ``:`` not applicable (files before 2021). A publication's data
guidance may give ``x`` and ``z`` other words; the note quotes the symbol either way.

Reference: Department for Education, "Open data standards" (analysts' guide, statistics
production); the layout of, for example, "Special educational needs in England", file
``sen_phase_type_.csv`` ("Pupils in all schools, by type of SEN provision").
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from jsna.errors import MissingColumnError
from jsna.ingest.base import Parsed, ReadOptions, Source, read_table, with_rows
from jsna.ingest.fields import (
    area_type_of,
    check_area_codes,
    duplicate_keys,
    error,
    parse_number,
    period_sortable,
)
from jsna.ingest.indicator_long import header_words
from jsna.ingest.readers import TableText, normalise_name
from jsna.vocabulary.issues import ValidationIssue, ValidationReport

if TYPE_CHECKING:
    import pandas as pd

#: DfE's symbols for a value that is not given, and what each means
SYMBOLS = {
    "c": "confidential (suppressed)",
    "low": "rounds to zero, but is not zero",
    "u": "low reliability",
    "x": "not available",
    "z": "not applicable",
    ":": "not applicable",
}

#: geographic level (lower case) -> (the column of its code, of its name)
LEVELS = {
    "national": ("country_code", "country_name"),
    "regional": ("region_code", "region_name"),
    "local authority": ("new_la_code", "la_name"),
    "local authority district": ("lad_code", "lad_name"),
    "parliamentary constituency": ("pcon_code", "pcon_name"),
    "ward": ("ward_code", "ward_name"),
}

#: geographic level -> the ONS code prefixes its rows may carry
_PREFIXES = {
    "national": ("E92", "K02", "K03", "K04", "W92"),
    "regional": ("E12",),
    "local authority": ("E06", "E08", "E09", "E10"),
    "local authority district": ("E06", "E07", "E08", "E09"),
    "parliamentary constituency": ("E14",),
    "ward": ("E05",),
}

#: the columns every EES file has (besides the geography's): neither filters nor indicators
_STANDARD = {"time_period", "time_identifier", "geographic_level", "old_la_code"}
#: identifiers of an establishment: not a filter, never an indicator
_IDENTIFIERS = {"urn", "school_urn", "laestab", "school_laestab", "estab", "ukprn"}

#: readable names of the columns of "Special educational needs in England" (EES variable
#: descriptions); other columns are named from their header
NAMES = {
    "total_pupils": "Pupils (headcount)",
    "number_of_pupils": "Pupils (headcount)",
    "ehc_plan": "Pupils with an EHC plan",
    "sen_support": "Pupils with SEN support",
    "ehc_plan_percent": "Pupils with an EHC plan (%)",
    "sen_support_percent": "Pupils with SEN support (%)",
}
_ACRONYMS = {"ehc", "ehcp", "sen", "send", "fsm", "eal", "la", "ap", "pru", "ks1", "ks2", "ks4"}
_PERCENT = re.compile(r"(?:^|_)(?:percent|percentage|pct|pc)(?:_|$)")
#: columns that count people (whole numbers >= 0): the SEN file's, and ``num_``/``number_``/
#: ``total_`` columns; other number columns (averages, scores) are stored as values only
_COUNTS = {"ehc_plan", "sen_support", "headcount"}
_COUNT_PREFIXES = ("num_", "number_", "total_", "count_")
_SEX = {
    "boys": "Male",
    "male": "Male",
    "males": "Male",
    "girls": "Female",
    "female": "Female",
    "females": "Female",
    "total": "Persons",
    "all": "Persons",
    "persons": "Persons",
}
_YEAR_PAIRS = ("academic year", "financial year", "tax year")
_SINGLE_YEARS = ("calendar year", "reporting year")


class EesSource(Source):
    kind = "ees"
    title = (
        "DfE files from Explore Education Statistics (Special educational needs in England, EHC "
        "plans, …): time_period, geographic_level, filters and indicator columns"
    )
    tables = ("indicator_values",)
    expected_columns = (
        "time_period, time_identifier, geographic_level, country_code, region_code, new_la_code, "
        "la_name, filter columns (with a Total) and indicator columns"
    )

    def detect(self, columns: list[str]) -> str | None:
        norm = {normalise_name(c) for c in columns}
        if {"time_period", "time_identifier", "geographic_level"} <= norm:
            return "ees-tidy"
        return None

    def parse(self, path: Path, options: ReadOptions) -> Parsed:
        table, cols = read_table(path, options)
        issues: list[ValidationIssue] = []
        for what in ("time_period", "time_identifier", "geographic_level"):
            cols.require(what, what)
        frame = with_rows(_parse(table, issues), table).reset_index(drop=True)
        report = ValidationReport(
            file=table.label, kind=self.kind, rows_read=len(table.frame), issues=issues
        )
        return Parsed(
            frames={"indicator_values": frame}, report=report, layout="ees-tidy", table=table
        )


def ees_period(period: str, identifier: str) -> str | None:
    """``202425`` of an ``Academic year`` -> ``2024/25``; ``2025`` of a ``Calendar year`` ->
    ``2025``; None when the two do not fit together (or the identifier is of another kind)."""
    ident = identifier.strip().lower()
    text = period.strip()
    if ident in _YEAR_PAIRS:
        match = re.fullmatch(r"(\d{4})(\d{2})", text)
        if match and (int(match[1]) + 1) % 100 == int(match[2]):
            return f"{match[1]}/{match[2]}"
        return None
    if ident in _SINGLE_YEARS and re.fullmatch(r"\d{4}", text):
        return text
    return None


def _is_total(values: pd.Series) -> pd.Series:
    low = values.str.strip().str.lower()
    return low.eq("total") | low.eq("all") | low.str.startswith("all ")


def _joined(parts: list[pd.Series], index: pd.Index) -> pd.Series:
    """The non-missing texts of ``parts`` joined with ``"; "`` row by row (None where none)."""
    import pandas as pd

    columns = [part.astype(object).where(part.notna(), None).tolist() for part in parts]
    rows = zip(*columns, strict=True) if columns else ([] for _ in index)
    return pd.Series(
        ["; ".join(t for t in row if t) or None for row in rows], index=index, dtype=object
    )


def _name(column: str) -> str:
    norm = normalise_name(column)
    if norm in NAMES:
        return NAMES[norm]
    words = [w.upper() if w in _ACRONYMS else w for w in norm.split("_")]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def _is_count(norm: str) -> bool:
    return not _PERCENT.search(norm) and (norm in _COUNTS or norm.startswith(_COUNT_PREFIXES))


def _split_columns(table: TableText, geo: set[str]) -> tuple[list[str], list[str]]:
    """(filters, indicators) of the file: a column with a total value or mostly text is a
    filter; one whose values are mostly numbers or DfE's symbols is an indicator."""
    import pandas as pd

    filters, indicators = [], []
    for col in table.frame.columns:
        norm = normalise_name(col)
        if norm in _STANDARD or norm in geo or norm in _IDENTIFIERS:
            continue
        if norm.endswith(("_code", "_name")):
            continue  # the code or name of a geography the file's rows are not at
        if norm in NAMES or _is_count(norm) or _PERCENT.search(norm):
            indicators.append(col)  # named as a figure: any text in it is an error
            continue
        text = table.frame[col].str.strip()
        given = text[~text.str.lower().isin(SYMBOLS) & text.ne("")]
        numeric = pd.to_numeric(given.str.replace(",", "", regex=False), errors="coerce").notna()
        if _is_total(text).any() or not len(given) or numeric.mean() < 0.5:
            filters.append(col)
        else:
            indicators.append(col)
    return filters, indicators


def _parse(table: TableText, issues: list[ValidationIssue]) -> pd.DataFrame:
    import numpy as np
    import pandas as pd

    raw = table.frame
    by_norm = {normalise_name(c): c for c in raw.columns}
    level_col = by_norm["geographic_level"]
    level = raw[level_col].str.strip().str.lower()
    base = pd.DataFrame(index=raw.index)
    base["area_code"] = pd.Series(None, index=raw.index, dtype=object)
    base["area_name"] = pd.Series(None, index=raw.index, dtype=object)
    known = level.isin(LEVELS)
    for idx in raw.index[~known.to_numpy()]:
        issues.append(
            error(
                table,
                idx,
                level_col,
                raw.at[idx, level_col],
                "unsupported-level",
                "geographic_level must be one of "
                + ", ".join(w.capitalize() for w in LEVELS)
                + f", got {raw.at[idx, level_col]!r} (filter the file to those rows, or load it "
                "with --skip-invalid-rows to quarantine the others)",
            )
        )
    geo: set[str] = set()
    for name, (code_norm, name_norm) in LEVELS.items():
        rows = level.eq(name)
        geo |= {code_norm, name_norm}
        if not rows.any():
            continue
        code_col = by_norm.get(code_norm)
        if code_col is None:
            raise MissingColumnError(table, f"{name} code", (code_norm,))
        codes = raw.loc[rows, code_col].str.strip()
        blank = codes.eq("")
        for idx in codes.index[blank.to_numpy()]:
            issues.append(
                error(
                    table,
                    idx,
                    code_col,
                    "",
                    "missing-area-code",
                    f"a {raw.at[idx, level_col]!s} row needs its ONS code in {code_col!r}, got a "
                    "blank"
                    + (
                        f" (old_la_code {raw.at[idx, by_norm['old_la_code']]!r})"
                        if "old_la_code" in by_norm
                        else ""
                    ),
                )
            )
        checked = check_area_codes(codes[~blank], table=table, column=code_col, issues=issues)
        base.loc[checked.index, "area_code"] = checked
        wrong = checked.str.fullmatch(r"[A-Z]\d{8}") & ~checked.str[:3].isin(_PREFIXES[name])
        for idx in checked.index[wrong.to_numpy()]:
            issues.append(
                error(
                    table,
                    idx,
                    code_col,
                    checked[idx],
                    "wrong-area-type",
                    f"a {raw.at[idx, level_col]!s} row's code must begin "
                    + " or ".join(_PREFIXES[name])
                    + f", got {checked[idx]!r} ({area_type_of(checked[idx])})",
                )
            )
        name_col = by_norm.get(name_norm)
        if name_col is not None:
            base.loc[rows, "area_name"] = raw.loc[rows, name_col].str.strip().replace("", None)
    # each distinct code and period worked out once (a national file has 100,000s of rows)
    area_types = {c: area_type_of(c) for c in base["area_code"].dropna().unique()}
    base["area_type"] = base["area_code"].map(area_types)
    base["parent_code"] = None

    period_col, ident_col = by_norm["time_period"], by_norm["time_identifier"]
    keys = raw[period_col].str.strip() + "|" + raw[ident_col].str.strip()
    periods = {k: ees_period(*k.split("|", 1)) for k in keys.unique()}
    base["period"] = keys.map(periods).astype(object)
    for idx in raw.index[base["period"].isna().to_numpy()]:
        issues.append(
            error(
                table,
                idx,
                period_col,
                raw.at[idx, period_col],
                "bad-period",
                "time_period must be six digits of two years (202425) for an Academic, Financial "
                "or Tax year, or four (2025) for a Calendar or Reporting year, got "
                f"{raw.at[idx, period_col]!r} with time_identifier {raw.at[idx, ident_col]!r}",
            )
        )
    order = {p: period_sortable(p) for p in base["period"].dropna().unique()}
    base["period_sortable"] = base["period"].map(order).astype("Int64")

    filters, indicators = _split_columns(table, geo)
    base["sex"] = "Persons"
    parts, types = [], []
    for col in filters:
        text = raw[col].str.strip()
        if normalise_name(col) in ("sex", "gender"):
            sex = text.str.lower().map(_SEX)
            for idx in raw.index[sex.isna().to_numpy()]:
                issues.append(
                    error(
                        table,
                        idx,
                        col,
                        raw.at[idx, col],
                        "bad-sex",
                        f"sex must be Boys, Girls, Male, Female or Total, got {raw.at[idx, col]!r}",
                    )
                )
            base["sex"] = sex.fillna("Persons")
            continue
        shown = ~_is_total(text)
        parts.append(text.where(shown))
        types.append(pd.Series(header_words(col), index=raw.index).where(shown))
    base["category_type"] = _joined(types, raw.index)
    base["category"] = _joined(parts, raw.index)
    if not indicators:
        issues.append(
            ValidationIssue(
                code="no-indicators",
                message="no indicator column found: an EES file holds at least one column of "
                "numbers (or DfE's symbols c, low, u, x, z, :) beside its filters, found only "
                + ", ".join(repr(c) for c in raw.columns),
                file=table.label,
            )
        )
    duplicate_keys(
        base.fillna({"category_type": "", "category": ""}),
        ["area_code", "period", "sex", "category_type", "category"],
        table=table,
        issues=issues,
    )
    out = []
    markers = frozenset({"", *SYMBOLS, *(s.upper() for s in SYMBOLS)})
    for col in indicators:
        text = raw[col].str.strip()
        norm = normalise_name(col)
        percent = bool(_PERCENT.search(norm))
        counts = _is_count(norm)
        value = parse_number(
            text,
            table=table,
            column=col,
            issues=issues,
            allow_missing=True,
            markers=markers,
            what=col,
            whole=counts,
            minimum=0 if counts or percent else None,
        )
        symbol = text.str.lower().map(SYMBOLS)
        part = base.assign(
            indicator_id=norm.replace("_", "-"),
            indicator_name=_name(col),
            value=value,
            count=value if counts else np.nan,
            unit="Percentage" if percent else "Count" if counts else None,
            value_note=(
                "'" + text + "' in the source file: " + symbol.fillna("") + ", read as missing"
            ).where(symbol.notna()),
        )
        out.append(part)
    if not out:
        return base.iloc[0:0].assign(indicator_id=None, indicator_name=None, value=np.nan)
    frame = pd.concat(out)
    for column in ("lower_ci_95", "upper_ci_95", "lower_ci_99_8", "upper_ci_99_8", "denominator"):
        frame[column] = np.nan
    frame["age"] = None
    frame["trend"] = None
    frame["compared_to_benchmark"] = None
    frame["polarity"] = None
    return frame
