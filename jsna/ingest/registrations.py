"""Patients registered at a GP practice (NHS Digital, 'Patients Registered at a GP Practice').

Layouts recognised (all from the monthly NHS Digital publication)
------------------------------------------------------------------
``gp-reg-pat-prac-all``
    one row per practice: ``PUBLICATION, EXTRACT_DATE, TYPE, CCG_CODE, ONS_CCG_CODE, CODE,
    POSTCODE, SEX=ALL, AGE=ALL, NUMBER_OF_PATIENTS`` (stored as Persons, all ages).
``gp-reg-pat-prac-sing-age`` / ``-quin-age``
    the same with ``SEX`` MALE/FEMALE and ``AGE`` a single year (``95+``) or a band (``0_4``);
    newer files name the practice ``ORG_CODE`` and the sub-ICB ``SUB_ICB_LOCATION_CODE``.

The period is the month of the extract (``EXTRACT_DATE`` 01JAN2021 -> ``2021-01``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from jsna.ingest.base import Columns, Parsed, ReadOptions, Source, read_table, with_rows
from jsna.ingest.fields import ALL_AGES_LABELS, duplicate_keys, parse_age, parse_number, parse_sex
from jsna.ingest.readers import TableText, normalise_name
from jsna.vocabulary.issues import ValidationIssue, ValidationReport

if TYPE_CHECKING:
    import pandas as pd

PRACTICE_ALIASES = ("code", "org_code", "practice_code")
COUNT_ALIASES = ("number_of_patients", "patients", "registered_patients")


class RegistrationsSource(Source):
    kind = "registrations"
    title = "Patients registered at GP practices (NHS Digital), by practice, sex and age"
    tables = ("registrations",)
    expected_columns = (
        "EXTRACT_DATE, CODE (or ORG_CODE), SEX, AGE, NUMBER_OF_PATIENTS "
        "(optional POSTCODE, CCG_CODE / SUB_ICB_LOCATION_CODE, ONS_CCG_CODE)"
    )

    def detect(self, columns: list[str]) -> str | None:
        norm = {normalise_name(c) for c in columns}
        by_lsoa = norm & {"lsoa_code", "lsoa_2011_code", "lsoa_2021_code"}
        if (
            norm & set(COUNT_ALIASES)
            and norm & set(PRACTICE_ALIASES)
            and "extract_date" in norm
            and not by_lsoa
        ):
            return "gp-reg-pat-prac"
        return None

    def parse(self, path: Path, options: ReadOptions) -> Parsed:
        import pandas as pd

        table, cols = read_table(path, options)
        raw = table.frame
        issues: list[ValidationIssue] = []
        practice_col = cols.require("practice code", *PRACTICE_ALIASES)
        count_col = cols.require("number of patients", *COUNT_ALIASES)
        out = pd.DataFrame(index=raw.index)
        out["practice_code"] = practice_codes(raw[practice_col], table, practice_col, issues)
        for target, aliases in (
            ("practice_postcode", ("postcode",)),
            ("sub_icb_code", ("sub_icb_location_code", "ccg_code")),
            ("sub_icb_ons_code", ("ons_sub_icb_location_code", "ons_ccg_code")),
        ):
            col = cols.find(*aliases)
            out[target] = raw[col].str.strip().replace("", None) if col else None
        out["extract_date"], out["period"] = extract_dates(raw, cols, table, options, issues)
        out["sex"], out["count"] = sex_and_count(raw, cols, table, count_col, issues)
        age_col = cols.find("age", "age_group_5", "age_band")
        age_text = raw[age_col].str.strip() if age_col else pd.Series("ALL", index=raw.index)
        all_ages = age_text.str.lower().isin(ALL_AGES_LABELS)
        label, lo, hi = parse_age(
            age_text.where(~all_ages, "0"), table=table, column=age_col or "AGE", issues=issues
        )
        out["age_band"] = label.where(~all_ages.to_numpy(), "All ages")
        out["age_from"] = lo.where(~all_ages.to_numpy(), 0)
        out["age_to"] = hi.where(~all_ages.to_numpy(), pd.NA).astype("Int64")
        duplicate_keys(
            out, ["practice_code", "period", "sex", "age_band"], table=table, issues=issues
        )
        frame = with_rows(out, table).reset_index(drop=True)
        report = ValidationReport(
            file=table.label, kind=self.kind, rows_read=len(raw), issues=issues
        )
        return Parsed(
            frames={"registrations": frame}, report=report, layout="gp-reg-pat-prac", table=table
        )


def sex_and_count(
    raw: pd.DataFrame,
    cols: Columns,
    table: TableText,
    count_col: str,
    issues: list[ValidationIssue],
) -> tuple[pd.Series, pd.Series]:
    """The ``SEX`` (ALL when the file has none: Persons) and ``NUMBER_OF_PATIENTS`` columns."""
    import pandas as pd

    sex_col = cols.find("sex")
    sex_text = raw[sex_col].str.strip() if sex_col else pd.Series("ALL", index=raw.index)
    sex = parse_sex(sex_text, table=table, column=sex_col or "SEX", issues=issues)
    count = parse_number(
        raw[count_col],
        table=table,
        column=count_col,
        issues=issues,
        whole=True,
        minimum=0,
        what="number of patients",
    )
    return sex, count


def practice_codes(
    series: pd.Series, table: TableText, column: str, issues: list[ValidationIssue]
) -> pd.Series:
    from jsna.ingest.fields import strip
    from jsna.vocabulary.areas import PRACTICE_PATTERN

    text = strip(series)
    for idx in text.index[(~text.str.fullmatch(PRACTICE_PATTERN.pattern)).to_numpy()]:
        issues.append(
            ValidationIssue(
                code="bad-practice-code",
                file=table.label,
                row=table.file_row(idx),
                column=column,
                value=text[idx],
                message=f"practice code must be a GP practice's NHS code (a letter and five digits) like A81001, got {text[idx]!r}",
            )
        )
    return text


def extract_dates(
    raw: pd.DataFrame,
    cols: Columns,
    table: TableText,
    options: ReadOptions,
    issues: list[ValidationIssue],
) -> tuple[pd.Series, pd.Series]:
    import pandas as pd

    col = cols.require("extract date", "extract_date")
    text = raw[col].str.strip()
    dates = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]")
    for fmt in ("%d%b%Y", "%d/%m/%Y", "%Y-%m-%d"):
        parsed = pd.to_datetime(text.str.title(), format=fmt, errors="coerce")
        dates = dates.fillna(parsed)
    for idx in text.index[dates.isna().to_numpy()]:
        issues.append(
            ValidationIssue(
                code="bad-date",
                file=table.label,
                row=table.file_row(idx),
                column=col,
                value=text[idx],
                message=f"extract date must look like 01JAN2021, got {text[idx]!r}",
            )
        )
    period = (
        pd.Series(options.period, index=raw.index) if options.period else dates.dt.strftime("%Y-%m")
    )
    return dates.dt.date, period
