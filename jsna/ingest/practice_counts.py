"""Counts by GP practice, sex and age band: people on a register or events of a practice's
patients (``jsna ingest practice-counts FILE``).

One row per practice, period, sex, age band and measure::

    practice_code,period,sex,age_band,measure,count
    P91004,2023/24,Female,45-49,Diabetes register,38

``practice_code`` (or ``CODE``/``ORG_CODE``) is the practice's NHS code; ``measure`` names what
is counted (``--measure`` gives it to a file without the column); ``period`` is a year, a
financial year or a month. Age bands are 5-year bands (``0-4`` … ``85-89``, ``90+``) or single
years, so that they nest in the bands of the 2013 European Standard Population: a band across
two of them (``0-14``) is an issue. ``jsna compute`` divides these counts by the practices'
registered lists (``jsna ingest registrations``) into ``analysis_practice_indicators``.
"""

from __future__ import annotations

from pathlib import Path

from jsna.ingest.base import Parsed, ReadOptions, Source, read_table, with_rows
from jsna.ingest.fields import duplicate_keys, parse_age, parse_number, parse_period, parse_sex
from jsna.ingest.readers import normalise_name
from jsna.ingest.registrations import PRACTICE_ALIASES, practice_codes
from jsna.vocabulary.issues import ValidationIssue, ValidationReport

MEASURE_ALIASES = ("measure", "register", "condition", "event")
COUNT_ALIASES = ("count", "number", "patients", "value")
AGE_ALIASES = ("age_band", "age", "age_group")
PERIOD_ALIASES = ("period", "year", "time_period")


class PracticeCountsSource(Source):
    kind = "practice-counts"
    title = (
        "Counts by GP practice, sex and age band (registers, events) for rates on registered lists"
    )
    tables = ("practice_events",)
    expected_columns = "practice_code, period, sex, age_band, measure (or --measure), count"

    def detect(self, columns: list[str]) -> str | None:
        norm = {normalise_name(c) for c in columns}
        need = (PRACTICE_ALIASES, PERIOD_ALIASES, ("sex",), AGE_ALIASES, COUNT_ALIASES)
        if all(norm & set(group) for group in need) and "extract_date" not in norm:
            return "practice-counts"
        return None

    def parse(self, path: Path, options: ReadOptions) -> Parsed:
        import pandas as pd

        table, cols = read_table(path, options)
        raw = table.frame
        issues: list[ValidationIssue] = []
        practice_col = cols.require("practice code", *PRACTICE_ALIASES)
        period_col = cols.require("period", *PERIOD_ALIASES)
        sex_col = cols.require("sex", "sex")
        age_col = cols.require("age band", *AGE_ALIASES)
        count_col = cols.require("count", *COUNT_ALIASES)
        out = pd.DataFrame(index=raw.index)
        out["practice_code"] = practice_codes(raw[practice_col], table, practice_col, issues)
        out["period"] = parse_period(raw[period_col], table=table, column=period_col, issues=issues)
        out["sex"] = parse_sex(raw[sex_col], table=table, column=sex_col, issues=issues)
        out["age_band"], out["age_from"], out["age_to"] = parse_age(
            raw[age_col], table=table, column=age_col, issues=issues
        )
        measure_col = cols.find(*MEASURE_ALIASES)
        if options.measure:
            out["measure"] = options.measure
        else:
            if measure_col is None:
                cols.require("measure (or --measure)", *MEASURE_ALIASES)
            out["measure"] = raw[measure_col].str.strip()
        out["count"] = parse_number(
            raw[count_col],
            table=table,
            column=count_col,
            issues=issues,
            whole=True,
            minimum=0,
            what="count",
        )
        # a band must lie inside one 5-year band of the standard population (90+ is open)
        start = out["age_from"] // 5
        end = out["age_to"].fillna(out["age_from"].clip(lower=90)) // 5
        across = out["age_from"].notna() & (start.clip(upper=18) != end.clip(upper=18))
        for idx in out.index[across.fillna(False).to_numpy(dtype=bool)]:
            issues.append(
                ValidationIssue(
                    code="bad-age-band",
                    file=table.label,
                    row=table.file_row(idx),
                    column=age_col,
                    value=str(raw.at[idx, age_col]),
                    message="age band must be a 5-year band (0-4 … 85-89, 90+) or a single year, "
                    f"to nest in the European Standard Population, got {raw.at[idx, age_col]!r}",
                )
            )
        duplicate_keys(
            out,
            ["practice_code", "period", "sex", "age_band", "measure"],
            table=table,
            issues=issues,
        )
        frame = with_rows(out, table).reset_index(drop=True)
        report = ValidationReport(
            file=table.label, kind=self.kind, rows_read=len(raw), issues=issues
        )
        return Parsed(
            frames={"practice_events": frame}, report=report, layout="practice-counts", table=table
        )
