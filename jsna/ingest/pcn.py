"""Primary care networks (NHS Digital's ePCN workbook) and patients registered at a practice by LSOA.

``ePCN.xlsx`` (or a CSV of one of its sheets)
    sheet "PCN Core Partner Details": ``Partner Organisation Code`` (the practice), ``Partner
    Name``, ``Practice Parent Sub ICB Loc Code`` (files before July 2022: ``Practice Parent CCG
    Code``), ``PCN Code``, ``PCN Name``, ``Practice to PCN Relationship Start Date``, ``Practice
    to PCN Relationship End Date``; sheet "PCN Details": ``PCN Code``, ``PCN Name``, ``Current
    Sub ICB Loc Code`` (``Current CCG Code``), ``Open Date``, ``Close Date``. Every relationship
    is stored as a ``lookups`` row (child a practice, parent a PCN) with its dates in
    ``valid_from`` / ``valid_to`` and its start date as ``vintage``, so a later workbook replaces
    the same relationships and adds new ones. Which relationship is current is decided against
    the registrations' extract date at compute (:func:`jsna.indicators.builtin_inputs.practice_pcns`).
    The workbook's "PCN Details" sheet, when present, adds one row per PCN (child the PCN,
    parent its sub-ICB location).
``gp-reg-pat-prac-lsoa-all``
    ``PUBLICATION, EXTRACT_DATE, PRACTICE_CODE, PRACTICE_NAME, LSOA_CODE`` (``LSOA_2011_CODE`` or
    ``LSOA_2021_CODE`` in some years), ``SEX, NUMBER_OF_PATIENTS``: the weights that attach a
    practice to the local authorities its patients live in (``registrations_lsoa``).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING

from jsna.errors import UnreadableFileError
from jsna.ingest.base import Columns, Parsed, ReadOptions, Source, read_table, with_rows
from jsna.ingest.fields import duplicate_keys
from jsna.ingest.readers import TableText, normalise_name
from jsna.vocabulary.areas import PCN_PATTERN, PCN_TYPE, PRACTICE_TYPE
from jsna.vocabulary.issues import ValidationIssue, ValidationReport

if TYPE_CHECKING:
    import pandas as pd

#: the ePCN sheets read when no --sheet is given
PARTNER_SHEET = "PCN Core Partner Details"
DETAILS_SHEET = "PCN Details"
PARTNER_ALIASES = ("partner_organisation_code", "practice_code")
SUB_ICB_ALIASES = (
    "practice_parent_sub_icb_loc_code",
    "practice_parent_ccg_code",
    "current_sub_icb_loc_code",
    "current_ccg_code",
)
START_ALIASES = ("practice_to_pcn_relationship_start_date", "open_date")
END_ALIASES = ("practice_to_pcn_relationship_end_date", "close_date")
LSOA_ALIASES = ("lsoa_code", "lsoa_2011_code", "lsoa_2021_code")
DATE_FORMATS = ("%Y%m%d", "%d/%m/%Y", "%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%d%b%Y", "%d-%b-%Y")


def parse_dates(
    text: pd.Series,
    *,
    table: TableText,
    column: str,
    issues: list[ValidationIssue],
    what: str,
) -> pd.Series:
    """Dates in any of :data:`DATE_FORMATS` (blank stays missing); one issue per unreadable cell."""
    import pandas as pd

    text = text.astype(str).str.strip()
    dates = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    for fmt in DATE_FORMATS:
        dates = dates.fillna(pd.to_datetime(text.str.title(), format=fmt, errors="coerce"))
    for idx in text.index[(dates.isna() & text.ne("")).to_numpy()]:
        issues.append(
            ValidationIssue(
                code="bad-date",
                file=table.label,
                row=table.file_row(idx),
                column=column,
                value=text[idx],
                message=f"{what} must be a date like 20200701 or 01/07/2020, got {text[idx]!r}",
            )
        )
    return dates.dt.date


class PcnSource(Source):
    kind = "pcn"
    title = "Practice -> primary care network (NHS Digital ePCN), as a lookup"
    tables = ("lookups",)
    expected_columns = (
        "Partner Organisation Code, PCN Code, PCN Name, Practice to PCN Relationship Start Date, "
        "Practice to PCN Relationship End Date (optional Partner Name, Practice Parent Sub ICB "
        "Loc Code or Practice Parent CCG Code); sheet 'PCN Core Partner Details' of ePCN.xlsx"
    )

    def detect(self, columns: list[str]) -> str | None:
        norm = {normalise_name(c) for c in columns}
        return "epcn" if "pcn_code" in norm and norm & set(PARTNER_ALIASES) else None

    def parse(self, path: Path, options: ReadOptions) -> Parsed:
        import pandas as pd

        workbook = path.suffix.lower() in (".xlsx", ".xlsm") and options.sheet is None
        if workbook:
            options = dataclasses.replace(options, sheet=PARTNER_SHEET)
        table, cols = read_table(path, options)
        raw = table.frame
        issues: list[ValidationIssue] = []
        practice_col = cols.require("practice code", *PARTNER_ALIASES)
        pcn_col = cols.require("PCN code", "pcn_code")
        start_col = cols.require("relationship start date", *START_ALIASES)
        end_col = cols.require("relationship end date", *END_ALIASES)
        practices = _codes(raw[practice_col], table, practice_col, issues, pcn=False)
        pcns = _codes(raw[pcn_col], table, pcn_col, issues, pcn=True)
        start = parse_dates(
            raw[start_col], table=table, column=start_col, issues=issues, what="start date"
        )
        end = parse_dates(raw[end_col], table=table, column=end_col, issues=issues, what="end date")
        for idx in raw.index[start.isna().to_numpy() & raw[start_col].str.strip().eq("")]:
            issues.append(
                ValidationIssue(
                    code="missing-value",
                    file=table.label,
                    row=table.file_row(idx),
                    column=start_col,
                    value="",
                    message="every practice-to-PCN relationship needs a start date, got a blank",
                )
            )
        name_col = cols.find("partner_name", "practice_name")
        pcn_name_col = cols.find("pcn_name")
        frame = pd.DataFrame(
            {
                "child_code": practices,
                "child_name": _text(raw, name_col),
                "child_type": PRACTICE_TYPE,
                "parent_code": pcns,
                "parent_name": _text(raw, pcn_name_col),
                "parent_type": PCN_TYPE,
                "vintage": start.map(lambda d: d.isoformat() if pd.notna(d) else None),
                "valid_from": start,
                "valid_to": end,
            },
            index=raw.index,
        )
        _open_twice(frame, table, practice_col, issues)
        duplicate_keys(frame, ["child_code", "vintage"], table=table, issues=issues)
        frame = with_rows(frame, table)
        if workbook:
            frame = pd.concat([frame, _pcn_rows(path, options, issues)], ignore_index=True)
        report = ValidationReport(
            file=table.label, kind=self.kind, rows_read=len(raw), issues=issues
        )
        return Parsed(
            frames={"lookups": frame.reset_index(drop=True)},
            report=report,
            layout="epcn",
            table=table,
        )


def _text(raw: pd.DataFrame, column: str | None) -> pd.Series | None:
    return raw[column].str.strip().replace("", None) if column else None


def _codes(
    series: pd.Series, table: TableText, column: str, issues: list[ValidationIssue], *, pcn: bool
) -> pd.Series:
    from jsna.vocabulary.areas import PRACTICE_PATTERN

    text = series.astype(str).str.strip().str.upper()
    pattern, what = (
        (PCN_PATTERN, "a PCN's NHS code (U and five digits) like U42898")
        if pcn
        else (PRACTICE_PATTERN, "a GP practice's NHS code (a letter and five digits) like P91004")
    )
    for idx in text.index[(~text.str.fullmatch(pattern.pattern)).to_numpy()]:
        issues.append(
            ValidationIssue(
                code="bad-practice-code" if not pcn else "bad-area-code",
                file=table.label,
                row=table.file_row(idx),
                column=column,
                value=text[idx],
                message=f"code must be {what}, got {text[idx]!r}",
            )
        )
    return text


def _open_twice(
    frame: pd.DataFrame, table: TableText, column: str, issues: list[ValidationIssue]
) -> None:
    """A practice with two relationships that have not ended is in two PCNs at once: an error."""
    open_ended = frame[frame["valid_to"].isna() & frame["parent_code"].ne("")]
    twice = open_ended[open_ended.duplicated("child_code", keep=False)]
    for code, rows in twice.groupby("child_code", sort=True):
        both = " and ".join(sorted(set(rows["parent_code"])))
        if rows["parent_code"].nunique() < 2:
            continue
        idx = rows.index[1]
        issues.append(
            ValidationIssue(
                code="conflicting-parent",
                file=table.label,
                row=table.file_row(idx),
                column=column,
                value=str(code),
                message=f"practice {code} is in two PCNs with no end date ({both}); "
                "a practice belongs to one PCN at a time",
            )
        )


def _pcn_rows(path: Path, options: ReadOptions, issues: list[ValidationIssue]) -> pd.DataFrame:
    """The "PCN Details" sheet: one PCN -> sub-ICB location row per PCN (nothing without it)."""
    import pandas as pd

    from jsna.ingest.readers import read_text_table

    try:
        table = read_text_table(
            path,
            sheet=DETAILS_SHEET,
            xlsx_max_mb=options.xlsx_max_mb,
            xlsx_max_rows=options.xlsx_max_rows,
        )
    except UnreadableFileError:  # no such sheet: a workbook of the partner sheet alone is fine
        return pd.DataFrame()
    cols = Columns(table)
    code_col, sub_col = cols.find("pcn_code"), cols.find(*SUB_ICB_ALIASES)
    if code_col is None or sub_col is None:
        return pd.DataFrame()
    raw = table.frame
    start_col, end_col = cols.find(*START_ALIASES), cols.find(*END_ALIASES)
    start = (
        parse_dates(raw[start_col], table=table, column=start_col, issues=issues, what="open date")
        if start_col
        else None
    )
    end = (
        parse_dates(raw[end_col], table=table, column=end_col, issues=issues, what="close date")
        if end_col
        else None
    )
    frame = pd.DataFrame(
        {
            "child_code": _codes(raw[code_col], table, code_col, issues, pcn=True),
            "child_name": _text(raw, cols.find("pcn_name")),
            "child_type": PCN_TYPE,
            "parent_code": raw[sub_col].str.strip(),
            "parent_name": None,
            "parent_type": "Sub-ICB location",
            "vintage": None,
            "valid_from": start,
            "valid_to": end,
        },
        index=raw.index,
    )
    duplicate_keys(frame, ["child_code"], table=table, issues=issues)
    return with_rows(frame, table)


class RegistrationsLsoaSource(Source):
    kind = "registrations-lsoa"
    title = "Patients registered at GP practices by LSOA of residence (NHS Digital)"
    tables = ("registrations_lsoa",)
    expected_columns = (
        "EXTRACT_DATE, PRACTICE_CODE, LSOA_CODE (or LSOA_2011_CODE / LSOA_2021_CODE), SEX, "
        "NUMBER_OF_PATIENTS"
    )

    def detect(self, columns: list[str]) -> str | None:
        norm = {normalise_name(c) for c in columns}
        if norm & set(LSOA_ALIASES) and "practice_code" in norm and "extract_date" in norm:
            return "gp-reg-pat-prac-lsoa"
        return None

    def parse(self, path: Path, options: ReadOptions) -> Parsed:
        import pandas as pd

        from jsna.ingest.fields import check_area_codes
        from jsna.ingest.registrations import (
            COUNT_ALIASES,
            extract_dates,
            practice_codes,
            sex_and_count,
        )

        table, cols = read_table(path, options)
        raw = table.frame
        issues: list[ValidationIssue] = []
        practice_col = cols.require("practice code", "practice_code", "code", "org_code")
        lsoa_col = cols.require("LSOA code", *LSOA_ALIASES)
        count_col = cols.require("number of patients", *COUNT_ALIASES)
        out = pd.DataFrame(index=raw.index)
        out["practice_code"] = practice_codes(raw[practice_col], table, practice_col, issues)
        out["lsoa_code"] = check_area_codes(
            raw[lsoa_col], table=table, column=lsoa_col, issues=issues
        )
        out["extract_date"], out["period"] = extract_dates(raw, cols, table, options, issues)
        out["sex"], out["count"] = sex_and_count(raw, cols, table, count_col, issues)
        duplicate_keys(
            out, ["practice_code", "period", "lsoa_code", "sex"], table=table, issues=issues
        )
        report = ValidationReport(
            file=table.label, kind=self.kind, rows_read=len(raw), issues=issues
        )
        return Parsed(
            frames={"registrations_lsoa": with_rows(out, table).reset_index(drop=True)},
            report=report,
            layout="gp-reg-pat-prac-lsoa",
            table=table,
        )
