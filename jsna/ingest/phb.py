"""Personal health budgets: the NHS England quarterly return, and a local budgets file.

``phb`` (NHS England PHB quarterly return layout, into ``phb_uptake``)
    one row per sub-ICB location (or ICB) × quarter × PHB type: ``Period`` (2024/25 Q1),
    region, ICB and sub-ICB codes and names, ``PHB type`` (Continuing healthcare,
    Wheelchair, Mental health aftercare (s117), Personal care, …) and the number of people
    with a PHB. Codes may be ODS (QE1, 02A) or GSS (E54000008, E38000014).
``phb-budgets`` (a local budgets file, into ``phb_budgets``)
    one row per person: pseudonymised ``person_id``, area, start and end dates, PHB type,
    annual budget (£), the cost of the conventional care it replaced, an outcome measure
    scored before and after, and optionally the client group and the budget holder's yes/no
    answers (1/0) on being satisfied with their support and in control of it.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from jsna.ingest.base import Parsed, ReadOptions, Source, read_table, with_rows
from jsna.ingest.fields import duplicate_keys
from jsna.ingest.tabular import Field, detect_fields, parse_fields
from jsna.vocabulary.issues import ValidationIssue, ValidationReport

UPTAKE_FIELDS = [
    Field("period", ("period", "quarter", "reporting_period", "time_period"), "period"),
    Field(
        "region_code",
        ("region_code", "nhs_region_code", "commissioner_region_code"),
        "code",
        required=False,
    ),
    Field("region_name", ("region_name", "nhs_region_name", "region"), required=False),
    Field(
        "icb_code",
        ("icb_code", "icb22cd", "icb23cd", "integrated_care_board_code"),
        "code",
        required=False,
    ),
    Field(
        "icb_name", ("icb_name", "icb22nm", "icb23nm", "integrated_care_board_name"), required=False
    ),
    Field(
        "sub_icb_code",
        ("sub_icb_code", "sub_icb_location_code", "sicbl_code", "sicbl23cd", "ccg_code"),
        "code",
        required=False,
    ),
    Field(
        "sub_icb_name",
        ("sub_icb_name", "sub_icb_location_name", "sicbl_name", "sicbl23nm", "ccg_name"),
        required=False,
    ),
    Field(
        "phb_type", ("phb_type", "type", "budget_type", "personal_health_budget_type", "category")
    ),
    Field(
        "people",
        (
            "people",
            "number_of_people",
            "people_with_a_phb",
            "number_of_phbs",
            "number_of_people_with_a_phb_in_the_quarter",
            "number_of_people_with_a_phb",
            "count",
            "value",
        ),
        "count",
        minimum=0,
        what="number of people with a PHB",
    ),
]

BUDGET_FIELDS = [
    Field("person_id", ("person_id", "client_id", "nhs_number_pseudonymised", "pseudo_id", "id")),
    Field(
        "area_code",
        ("area_code", "sub_icb_code", "icb_code", "la_code", "lsoa_code"),
        "code",
        required=False,
    ),
    Field("start_date", ("start_date", "budget_start", "start"), "date"),
    Field("end_date", ("end_date", "budget_end", "end"), "date", required=False),
    Field("phb_type", ("phb_type", "type", "budget_type")),
    Field(
        "annual_budget",
        ("annual_budget", "budget", "budget_gbp", "annual_budget_gbp", "budget_amount"),
        "number",
        minimum=0,
        what="annual budget (£)",
    ),
    Field(
        "conventional_cost",
        (
            "conventional_cost",
            "conventional_care_cost",
            "conventional_care_cost_gbp",
            "conventional_cost_gbp",
            "previous_package_cost",
            "cost_of_conventional_care",
        ),
        "optional-number",
        required=False,
        minimum=0,
        what="conventional care cost (£)",
    ),
    Field("outcome_measure", ("outcome_measure", "outcome_tool", "measure"), required=False),
    Field(
        "score_before",
        ("score_before", "outcome_before", "baseline_score"),
        "optional-number",
        required=False,
    ),
    Field(
        "score_after",
        ("score_after", "outcome_after", "follow_up_score", "followup_score"),
        "optional-number",
        required=False,
    ),
    Field("client_group", ("client_group", "primary_support_reason", "cohort"), required=False),
    Field(
        "satisfied",
        ("satisfied", "satisfied_with_support", "satisfaction"),
        "optional-number",
        required=False,
        minimum=0,
        what="satisfied with support (1 = yes, 0 = no)",
    ),
    Field(
        "in_control",
        ("in_control", "feels_in_control", "control_over_support"),
        "optional-number",
        required=False,
        minimum=0,
        what="in control of their support (1 = yes, 0 = no)",
    ),
]

#: the budget holders' yes/no answers, 1 or 0
YES_NO = ("satisfied", "in_control")


class _FieldSource(Source):
    fields: ClassVar[list[Field]] = []
    table_name = ""
    layout = ""
    key: tuple[str, ...] = ()

    def detect(self, columns: list[str]) -> str | None:
        return self.layout if detect_fields(columns, self.fields) else None

    def parse(self, path: Path, options: ReadOptions) -> Parsed:
        table, cols = read_table(path, options)
        issues: list[ValidationIssue] = []
        defaults = {"period": options.period} if options.period else {}
        out = parse_fields(table, cols, self.fields, issues, defaults=defaults)
        self.check(out, table, issues)
        duplicate_keys(
            out.fillna({k: "" for k in self.key}), list(self.key), table=table, issues=issues
        )
        frame = with_rows(out, table).reset_index(drop=True)
        report = ValidationReport(
            file=table.label, kind=self.kind, rows_read=len(table.frame), issues=issues
        )
        return Parsed(
            frames={self.table_name: frame}, report=report, layout=self.layout, table=table
        )

    def check(self, out, table, issues) -> None:  # type: ignore[no-untyped-def]
        return None


class PhbUptakeSource(_FieldSource):
    kind = "phb"
    title = "Personal health budgets: NHS England quarterly return (people with a PHB by area, quarter, type)"
    tables = ("phb_uptake",)
    expected_columns = (
        "Period (e.g. 2024/25 Q1), ICB code/name and/or Sub-ICB code/name, Region code/name, "
        "PHB type, Number of people"
    )
    fields = UPTAKE_FIELDS
    table_name = "phb_uptake"
    layout = "nhse-quarterly-return"
    key = ("period", "icb_code", "sub_icb_code", "phb_type")

    def detect(self, columns: list[str]) -> str | None:
        found = detect_fields(columns, self.fields) and detect_fields(
            columns, [f for f in self.fields if f.name in {"icb_code", "sub_icb_code"}], needed=0
        )
        from jsna.ingest.readers import normalise_name

        norm = {normalise_name(c) for c in columns}
        has_area = bool(
            norm
            & {
                "icb_code",
                "sub_icb_code",
                "sub_icb_location_code",
                "sicbl_code",
                "ccg_code",
                "icb22cd",
                "icb23cd",
                "sicbl23cd",
                "integrated_care_board_code",
            }
        )
        return self.layout if found and has_area else None

    def check(self, out, table, issues) -> None:  # type: ignore[no-untyped-def]
        no_area = out["icb_code"].isna() & out["sub_icb_code"].isna()
        for idx in out.index[no_area.to_numpy()]:
            issues.append(
                ValidationIssue(
                    code="missing-value",
                    file=table.label,
                    row=table.file_row(idx),
                    column="icb_code",
                    value="",
                    message="each row needs an ICB or sub-ICB code",
                )
            )


class PhbBudgetsSource(_FieldSource):
    kind = "phb-budgets"
    title = "Personal health budgets: local budgets file (one row per person: dates, type, budget £, outcomes)"
    tables = ("phb_budgets",)
    expected_columns = (
        "person_id, start_date, phb_type, annual_budget (optional area_code, end_date, "
        "conventional_cost, outcome_measure, score_before, score_after, client_group, "
        "satisfied and in_control as 1/0)"
    )
    fields = BUDGET_FIELDS
    table_name = "phb_budgets"
    layout = "local-budgets"
    key = ("person_id",)

    def check(self, out, table, issues) -> None:  # type: ignore[no-untyped-def]
        for column in YES_NO:
            if column not in out.columns:
                continue
            bad = out[column].notna() & ~out[column].isin([0, 1])
            for idx in out.index[bad.to_numpy()]:
                issues.append(
                    ValidationIssue(
                        code="not-yes-no",
                        file=table.label,
                        row=table.file_row(idx),
                        column=column,
                        value=str(out.at[idx, column]),
                        message=f"{column} must be 1 (yes) or 0 (no), got {out.at[idx, column]!r}",
                    )
                )
        backwards = (
            out["end_date"].notna()
            & out["start_date"].notna()
            & (out["end_date"] < out["start_date"])
        )
        for idx in out.index[backwards.to_numpy()]:
            issues.append(
                ValidationIssue(
                    code="end-before-start",
                    file=table.label,
                    row=table.file_row(idx),
                    column="end_date",
                    value=str(out.at[idx, "end_date"]),
                    message=f"end date {out.at[idx, 'end_date']} is before the start date "
                    f"{out.at[idx, 'start_date']}",
                )
            )
