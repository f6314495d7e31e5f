"""Needs assessments for the resource allocation system (RAS): one row per person assessment.

``assessments`` (into ``assessments``, and ``assessment_domains`` for the domain scores)
    ``person_id`` (pseudonymised; the same ids as the local budgets file, ``phb-budgets``),
    ``assessment_date``, ``area_code`` (LSOA, ward, MSOA or local authority), ``client_group``
    (older people, physical disability, learning disability, mental health, …), ``age``,
    ``sex`` and ``points`` (the RAS questionnaire's total). Any ``points_<domain>`` column
    (``points_personal_care``, ``points_mobility``, …) is a domain score, stored one row per
    domain.

Checks: a blank or malformed value in any field; points and domain points that are negative or
not numbers; an age that is not a whole number from 0 to 120; sex that is not male or female;
the same person assessed twice on the same date; domain points that do not add up to the total
(a warning). Against the workspace: area codes that no loaded geography knows (when geography is
loaded), and people with no budget in the loaded local budgets file (a warning: they may not
have a budget yet).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jsna.ingest.base import Parsed, ReadOptions, Source, read_table, with_rows
from jsna.ingest.fields import (
    check_area_codes,
    duplicate_keys,
    parse_number,
    parse_sex,
    warn,
)
from jsna.ingest.readers import normalise_name
from jsna.ingest.tabular import Field, detect_fields, parse_fields
from jsna.vocabulary.issues import ValidationIssue, ValidationReport

FIELDS = [
    Field("person_id", ("person_id", "client_id", "nhs_number_pseudonymised", "pseudo_id", "id")),
    Field(
        "assessment_date",
        ("assessment_date", "date_of_assessment", "assessed_on", "date"),
        "date",
    ),
    Field(
        "area_code",
        ("area_code", "lsoa_code", "lsoa21cd", "ward_code", "msoa_code", "la_code"),
        what="area code",
    ),
    Field("client_group", ("client_group", "primary_support_reason", "support_reason", "group")),
    Field("age", ("age", "age_at_assessment", "age_years"), "count", minimum=0, what="age"),
    Field("sex", ("sex", "gender")),
    Field(
        "points",
        ("points", "ras_points", "total_points", "points_total", "needs_points"),
        "number",
        minimum=0,
        what="RAS points",
    ),
]

#: prefix of the domain score columns (``points_personal_care``)
DOMAIN_PREFIX = "points_"
#: the oldest age accepted
MAX_AGE = 120
#: domain scores may differ from the total by this much (rounding) before a warning
DOMAIN_TOLERANCE = 0.5


def _domain_columns(columns: list[str]) -> dict[str, str]:
    """``points_<domain>`` columns of the file (not the total's aliases): column -> domain."""
    totals = {normalise_name(a) for a in FIELDS[-1].aliases}
    out = {}
    for col in columns:
        norm = normalise_name(col)
        if norm.startswith(DOMAIN_PREFIX) and norm not in totals and len(norm) > len(DOMAIN_PREFIX):
            out[col] = norm[len(DOMAIN_PREFIX) :].replace("_", " ")
    return out


class AssessmentsSource(Source):
    kind = "assessments"
    title = "Needs assessments for resource allocation (one row per person assessment: RAS points)"
    tables = ("assessments", "assessment_domains")
    expected_columns = (
        "person_id, assessment_date, area_code, client_group, age, sex, points "
        "(optional points_<domain> columns, e.g. points_personal_care)"
    )

    def detect(self, columns: list[str]) -> str | None:
        return "ras-assessments" if detect_fields(columns, FIELDS) else None

    def parse(self, path: Path, options: ReadOptions) -> Parsed:
        import pandas as pd

        table, cols = read_table(path, options)
        raw = table.frame
        issues: list[ValidationIssue] = []
        domains = _domain_columns(list(raw.columns))
        sex_col = cols.find(*FIELDS[5].aliases)
        fields = [f for f in FIELDS if f.name != "sex"]
        out = parse_fields(table, cols, fields, issues)
        # the domain columns and sex are read below: only the others are unrecognised
        issues[:] = [i for i in issues if i.code != "unused-column"]
        unused = [
            c for c in raw.columns if c not in domains and c != sex_col and not _used(c, cols)
        ]
        issues.extend(_unused(unused, table))
        if sex_col is None:
            cols.require("sex", *FIELDS[5].aliases)
        sex = parse_sex(raw[sex_col], table=table, column=str(sex_col), issues=issues)
        for idx in sex.index[sex.eq("Persons").to_numpy()]:
            issues.append(
                ValidationIssue(
                    code="bad-sex",
                    file=table.label,
                    row=table.file_row(idx),
                    column=str(sex_col),
                    value=str(raw.at[idx, sex_col]),
                    message=f"sex of a person must be male or female, got {raw.at[idx, sex_col]!r}",
                )
            )
        out.insert(5, "sex", sex)
        area_col = cols.find(*FIELDS[2].aliases)  # an ONS code (LSOA, ward, MSOA, LA), not ODS
        given = out["area_code"].notna()
        out.loc[given, "area_code"] = check_area_codes(
            raw.loc[given, area_col], table=table, column=str(area_col), issues=issues
        )
        old = out["age"] > MAX_AGE
        for idx in out.index[old.fillna(False).to_numpy(dtype=bool)]:
            issues.append(
                ValidationIssue(
                    code="out-of-range",
                    file=table.label,
                    row=table.file_row(idx),
                    column=cols.find(*FIELDS[4].aliases),
                    value=str(raw.at[idx, cols.find(*FIELDS[4].aliases)]),
                    message=f"age must be a whole number from 0 to {MAX_AGE}, "
                    f"got {out['age'][idx]:g}",
                )
            )
        duplicate_keys(out, ["person_id", "assessment_date"], table=table, issues=issues)
        frame = with_rows(out, table).reset_index(drop=True)
        long = []
        for col, domain in domains.items():
            scores = parse_number(
                raw[col],
                table=table,
                column=col,
                issues=issues,
                minimum=0,
                allow_missing=True,
                what=f"{domain} points",
            )
            long.append(
                pd.DataFrame(
                    {
                        "person_id": out["person_id"],
                        "assessment_date": out["assessment_date"],
                        "domain": domain,
                        "points": scores,
                        "_row": [table.file_row(i) for i in out.index],
                    }
                )
            )
        if domains:
            summed = pd.concat([p["points"].fillna(0) for p in long], axis=1).sum(axis=1)
            off = (summed - out["points"]).abs() > DOMAIN_TOLERANCE
            for idx in out.index[(off & out["points"].notna()).to_numpy()]:
                issues.append(
                    warn(
                        table,
                        idx,
                        ", ".join(domains),
                        f"{float(summed[idx]):g}",
                        "domains-do-not-add-up",
                        f"the domain points add up to {float(summed[idx]):g}, not the total of "
                        f"{out['points'][idx]:g}; the total is used",
                    )
                )
        frames: dict[str, Any] = {"assessments": frame}
        if long:
            domain_frame = pd.concat(long, ignore_index=True)
            frames["assessment_domains"] = domain_frame[domain_frame["points"].notna()].reset_index(
                drop=True
            )
        report = ValidationReport(
            file=table.label, kind=self.kind, rows_read=len(raw), issues=issues
        )
        return Parsed(frames=frames, report=report, layout="ras-assessments", table=table)

    def cross_check(self, workspace: Any, parsed: Parsed) -> None:
        frame = parsed.frames.get("assessments")
        if frame is None or frame.empty:
            return
        known = known_area_codes(workspace)
        if known:
            for row, code in frame.loc[
                frame["area_code"].notna() & ~frame["area_code"].isin(known), ["_row", "area_code"]
            ].itertuples(index=False):
                parsed.report.issues.append(
                    ValidationIssue(
                        code="unknown-area",
                        file=parsed.report.file,
                        row=int(row),
                        column="area_code",
                        value=str(code),
                        message=f"area code {code} is not in the geography loaded (boundaries, "
                        "lookups, deprivation or population); load the lookup that holds it, or "
                        "correct the code",
                    )
                )
        if workspace.has_data("phb_budgets"):
            ids = set(
                workspace.con.execute("SELECT DISTINCT person_id FROM phb_budgets").fetchall()
            )
            ids = {str(i[0]) for i in ids}
            missing = frame[~frame["person_id"].astype(str).isin(ids)]
            for row, pid in missing[["_row", "person_id"]].itertuples(index=False):
                parsed.report.issues.append(
                    ValidationIssue(
                        code="no-budget",
                        file=parsed.report.file,
                        row=int(row),
                        column="person_id",
                        value=str(pid),
                        severity="warning",
                        message=f"person {pid} has no budget in the local budgets file loaded "
                        "(phb-budgets); their assessment counts towards need but not towards "
                        "the price per point",
                    )
                )


def known_area_codes(workspace: Any) -> set[str]:
    """Every area code the workspace's geography holds (empty when none is loaded)."""
    queries = {
        "areas": ["SELECT area_code FROM areas"],
        "lookups": ["SELECT child_code FROM lookups", "SELECT parent_code FROM lookups"],
        "deprivation": ["SELECT lsoa_code FROM deprivation", "SELECT lad_code FROM deprivation"],
        "population": ["SELECT DISTINCT area_code FROM population"],
    }
    codes: set[str] = set()
    for table, sqls in queries.items():
        if workspace.has_data(table):
            for sql in sqls:
                codes |= {str(r[0]) for r in workspace.con.execute(sql).fetchall() if r[0]}
    return codes


def _used(column: str, cols: Any) -> bool:
    return any(cols.find(*f.aliases) == column for f in FIELDS)


def _unused(unused: list[str], table: Any) -> list[ValidationIssue]:
    """The unused-column warning, for the columns that are neither a field nor a domain."""
    if not unused:
        return []
    return [
        ValidationIssue(
            code="unused-column",
            file=table.label,
            column=", ".join(unused),
            severity="warning",
            message=f"column(s) {', '.join(repr(c) for c in unused)} were not recognised and were "
            f"not loaded; the fields are {', '.join(f.name for f in FIELDS)} and "
            f"{DOMAIN_PREFIX}<domain> (use --map SOURCE=FIELD to name one)",
        )
    ]
