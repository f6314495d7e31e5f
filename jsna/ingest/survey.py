"""Survey results for the service-user voice section: question, response, percentage, base.

One row per survey × area × period × question × response; ``percentage`` is 0-100 (a file
of proportions, every value at most 1, is reported so it can be fixed rather than guessed),
``base`` the number who answered the question.
"""

from __future__ import annotations

from pathlib import Path

from jsna.ingest.base import Parsed, ReadOptions, Source, read_table, with_rows
from jsna.ingest.fields import duplicate_keys
from jsna.ingest.tabular import Field, detect_fields, parse_fields
from jsna.vocabulary.issues import ValidationIssue, ValidationReport

FIELDS = [
    Field("survey", ("survey", "survey_name", "source"), required=False),
    Field(
        "area_code", ("area_code", "la_code", "icb_code", "practice_code"), "code", required=False
    ),
    Field("period", ("period", "year", "wave", "survey_year"), "period", required=False),
    Field("question", ("question", "question_text", "item")),
    Field("response", ("response", "answer", "response_option", "option")),
    Field("percentage", ("percentage", "percent", "pct", "share"), "optional-number", minimum=0),
    Field(
        "base",
        ("base", "respondents", "n", "unweighted_base", "base_n"),
        "optional-number",
        required=False,
        minimum=0,
        what="base (number answering)",
    ),
]


class SurveySource(Source):
    kind = "survey"
    title = (
        "Survey results (question, response, percentage, base) for the service-user voice section"
    )
    tables = ("survey",)
    expected_columns = "question, response, percentage, base (optional survey, area_code, period)"

    def detect(self, columns: list[str]) -> str | None:
        return "question-response" if detect_fields(columns, FIELDS) else None

    def parse(self, path: Path, options: ReadOptions) -> Parsed:
        table, cols = read_table(path, options)
        issues: list[ValidationIssue] = []
        defaults: dict[str, object] = {"survey": path.stem, "area_code": options.area}
        if options.period:
            defaults["period"] = options.period
        out = parse_fields(table, cols, FIELDS, issues, defaults=defaults)
        over = out["percentage"] > 100
        for idx in out.index[over.to_numpy()]:
            issues.append(
                ValidationIssue(
                    code="out-of-range",
                    file=table.label,
                    row=table.file_row(idx),
                    column="percentage",
                    value=out.at[idx, "percentage"],
                    message=f"percentage must be between 0 and 100, got "
                    f"{float(out['percentage'].loc[idx]):g}",
                )
            )
        if len(out) and out["percentage"].dropna().le(1).all() and out["percentage"].notna().any():
            issues.append(
                ValidationIssue(
                    code="proportions-not-percentages",
                    file=table.label,
                    column="percentage",
                    message="every percentage is 1 or less: these look like proportions; multiply by 100 "
                    "(or check the file) before loading",
                )
            )
        key = ["survey", "area_code", "period", "question", "response"]
        duplicate_keys(out.fillna({k: "" for k in key}), key, table=table, issues=issues)
        frame = with_rows(out, table).reset_index(drop=True)
        report = ValidationReport(
            file=table.label, kind=self.kind, rows_read=len(table.frame), issues=issues
        )
        return Parsed(
            frames={"survey": frame}, report=report, layout="question-response", table=table
        )
