"""Inputs for sections 8-10: programme-budget spend tables and prevalence rates.

``spend`` (into ``spend``)
    one row per area × period × programme: ``area_code``, ``area_name``, ``period``,
    ``programme``, ``spend`` (£), ``population`` and optionally the programme's outcome
    (``outcome_indicator``, ``outcome_value``, ``outcome_polarity`` high_is_good/low_is_good).
``prevalence`` (into ``prevalence``)
    POPPI/PANSI-style rates: one row per condition × sex × age band with the prevalence as a
    proportion (0.012 = 1.2%) and optional 95% limits and reference. The CFAS II dementia
    reference-rate workbook (``AgeBand, Sex, DementiaPrevalence, DementiaPrevalence95Lower,
    DementiaPrevalence95Upper``) is read as it is published: the condition is taken from the
    column names ("Dementia") unless ``--measure`` names it.
"""

from __future__ import annotations

import re
from pathlib import Path

from jsna.ingest.base import Parsed, ReadOptions, Source, read_table, with_rows
from jsna.ingest.fields import duplicate_keys, parse_age, parse_number, parse_sex
from jsna.ingest.readers import normalise_name
from jsna.ingest.tabular import Field, detect_fields, parse_fields
from jsna.vocabulary.issues import ValidationIssue, ValidationReport

SPEND_FIELDS = [
    Field(
        "area_code",
        ("area_code", "code", "lad_code", "la_code", "organisation_code", "ons_code"),
        "code",
    ),
    Field("area_name", ("area_name", "name", "la_name", "organisation_name"), required=False),
    Field("period", ("period", "year", "financial_year", "time_period"), "period"),
    Field(
        "programme",
        ("programme", "programme_budget_category", "pbc", "category", "service", "spend_line"),
    ),
    Field(
        "spend",
        ("spend", "expenditure", "spend_gbp", "gross_expenditure", "net_expenditure", "amount"),
        "number",
        minimum=0,
        what="spend (£)",
    ),
    Field(
        "population",
        ("population", "resident_population", "registered_population", "denominator"),
        "number",
        minimum=0,
        what="population",
    ),
    Field("outcome_indicator", ("outcome_indicator", "outcome", "outcome_name"), required=False),
    Field(
        "outcome_value",
        ("outcome_value", "outcome_score", "outcome_rate"),
        "optional-number",
        required=False,
        what="outcome value",
    ),
    Field("outcome_polarity", ("outcome_polarity", "polarity"), required=False),
]
_POLARITIES = {"high_is_good", "low_is_good"}


class SpendSource(Source):
    kind = "spend"
    title = "Spend by programme (programme budgeting) with population and an outcome per programme"
    tables = ("spend",)
    expected_columns = (
        "area_code, area_name, period, programme, spend (£), population, optional "
        "outcome_indicator, outcome_value, outcome_polarity (high_is_good/low_is_good)"
    )

    def detect(self, columns: list[str]) -> str | None:
        return "programme-spend" if detect_fields(columns, SPEND_FIELDS) else None

    def parse(self, path: Path, options: ReadOptions) -> Parsed:
        table, cols = read_table(path, options)
        issues: list[ValidationIssue] = []
        defaults = {"period": options.period} if options.period else {}
        out = parse_fields(table, cols, SPEND_FIELDS, issues, defaults=defaults)
        pol = (
            out["outcome_polarity"]
            .fillna("")
            .str.lower()
            .str.replace(" ", "_")
            .str.replace("-", "_")
        )
        bad = pol.ne("") & ~pol.isin(_POLARITIES)
        col = cols.find(*SPEND_FIELDS[-1].aliases) or "outcome_polarity"
        for idx in out.index[bad.to_numpy()]:
            issues.append(
                ValidationIssue(
                    code="bad-polarity",
                    file=table.label,
                    row=table.file_row(idx),
                    column=col,
                    value=out.at[idx, "outcome_polarity"],
                    message="outcome polarity must be high_is_good or low_is_good, got "
                    f"{out.at[idx, 'outcome_polarity']!r}",
                )
            )
        need = out["outcome_value"].notna() & pol.eq("")
        for idx in out.index[need.to_numpy()]:
            issues.append(
                ValidationIssue(
                    code="missing-value",
                    file=table.label,
                    row=table.file_row(idx),
                    column=col,
                    value="",
                    message="an outcome value needs its polarity (high_is_good or low_is_good)",
                )
            )
        out["outcome_polarity"] = pol.replace("", None)
        duplicate_keys(out, ["area_code", "period", "programme"], table=table, issues=issues)
        frame = with_rows(out, table).reset_index(drop=True)
        report = ValidationReport(
            file=table.label, kind=self.kind, rows_read=len(table.frame), issues=issues
        )
        return Parsed(frames={"spend": frame}, report=report, layout="programme-spend", table=table)


_PREV_VALUE = ("prevalence", "rate", "proportion", "dementiaprevalence", "value")
_PREV_LOWER = ("lower_ci_95", "lower_ci", "lower", "lcl", "dementiaprevalence95lower", "lower_95")
_PREV_UPPER = ("upper_ci_95", "upper_ci", "upper", "ucl", "dementiaprevalence95upper", "upper_95")
_AGE = ("age_band", "ageband", "age", "age_group")
_CONDITION = ("condition", "disease", "measure", "outcome")


class PrevalenceSource(Source):
    kind = "prevalence"
    title = "Prevalence rates by condition, sex and age band (POPPI/PANSI style; proportions)"
    tables = ("prevalence",)
    expected_columns = (
        "condition, sex, age_band, prevalence (a proportion: 0.012 = 1.2%), optional "
        "lower_ci_95, upper_ci_95, reference; or the CFAS II workbook (AgeBand, Sex, "
        "DementiaPrevalence, DementiaPrevalence95Lower, DementiaPrevalence95Upper)"
    )

    def detect(self, columns: list[str]) -> str | None:
        norm = {normalise_name(c) for c in columns}
        if {"ageband", "sex", "dementiaprevalence"} <= norm:
            return "cfas2"
        if norm & {"prevalence", "dementiaprevalence"} and norm & set(_AGE) and "sex" in norm:
            return "long"
        return None

    def parse(self, path: Path, options: ReadOptions) -> Parsed:
        import pandas as pd

        table, cols = read_table(path, options)
        raw = table.frame
        issues: list[ValidationIssue] = []
        layout = self.detect(list(raw.columns)) or "long"
        value_col = cols.require("prevalence", *_PREV_VALUE)
        age_col = cols.require("age band", *_AGE)
        sex_col = cols.require("sex", "sex", "gender")
        out = pd.DataFrame(index=raw.index)
        condition_col = cols.find(*_CONDITION)
        if options.measure:
            out["condition"] = options.measure
        elif condition_col:
            out["condition"] = raw[condition_col].str.strip()
        else:
            named = re.match(r"([A-Za-z ]+?)\s*prevalence", str(value_col), flags=re.IGNORECASE)
            if not named:
                cols.require("condition", *_CONDITION)
            out["condition"] = named.group(1).strip().capitalize() if named else None
        out["sex"] = parse_sex(raw[sex_col], table=table, column=sex_col, issues=issues)
        out["age_band"], out["age_from"], out["age_to"] = parse_age(
            raw[age_col], table=table, column=age_col, issues=issues
        )
        for name, col, required in (
            ("prevalence", value_col, True),
            ("lower_ci_95", cols.find(*_PREV_LOWER), False),
            ("upper_ci_95", cols.find(*_PREV_UPPER), False),
        ):
            if col is None:
                out[name] = float("nan")
                continue
            values = parse_number(
                raw[col],
                table=table,
                column=col,
                issues=issues,
                minimum=0,
                allow_missing=not required,
                what=name.replace("_", " "),
            )
            for idx in values.index[(values > 1).to_numpy()]:
                issues.append(
                    ValidationIssue(
                        code="not-a-proportion",
                        file=table.label,
                        row=table.file_row(idx),
                        column=col,
                        value=raw.at[idx, col],
                        message=f"{name.replace('_', ' ')} must be a proportion between 0 and 1 (0.012 = 1.2%), got "
                        f"{raw.at[idx, col]!r}; if the file holds percentages, divide them by 100",
                    )
                )
            out[name] = values
        both = out["lower_ci_95"].notna() & out["upper_ci_95"].notna()
        outside = both & (
            (out["lower_ci_95"] > out["prevalence"]) | (out["upper_ci_95"] < out["prevalence"])
        )
        for idx in out.index[outside.to_numpy()]:
            issues.append(
                ValidationIssue(
                    code="limits-do-not-bracket",
                    file=table.label,
                    row=table.file_row(idx),
                    column=value_col,
                    value=raw.at[idx, value_col],
                    message="the 95% limits must bracket the prevalence, got "
                    f"{out.at[idx, 'lower_ci_95']!s} to {out.at[idx, 'upper_ci_95']!s}",
                )
            )
        ref_col = cols.find("reference", "source", "citation")
        out["reference"] = raw[ref_col].str.strip() if ref_col else table.path.name
        duplicate_keys(out, ["condition", "sex", "age_band"], table=table, issues=issues)
        frame = with_rows(out, table).reset_index(drop=True)
        report = ValidationReport(
            file=table.label, kind=self.kind, rows_read=len(raw), issues=issues
        )
        return Parsed(frames={"prevalence": frame}, report=report, layout=layout, table=table)


TOTAL_FIELDS = [
    Field(
        "area_code",
        ("area_code", "code", "icb_code", "sub_icb_code", "lad_code", "geography_code"),
        "code",
    ),
    Field(
        "area_name",
        ("area_name", "name", "icb_name", "sub_icb_name", "lad_name", "geography"),
        required=False,
    ),
    Field("period", ("period", "year", "mid_year", "date"), "period", required=False),
    Field(
        "count", ("population", "count", "all_ages", "value"), "count", minimum=0, what="population"
    ),
]
#: variant under which all-ages totals are stored, kept apart from age/sex estimates
TOTAL_VARIANT = "all-ages total"


class PopulationTotalsSource(Source):
    kind = "population-totals"
    title = (
        "All-ages population totals by area (e.g. ICB or sub-ICB populations for rates per 100,000)"
    )
    tables = ("population",)
    expected_columns = (
        "area code (e.g. ICB code), optional area name, population; period in a column or --period"
    )

    def detect(self, columns: list[str]) -> str | None:
        norm = {normalise_name(c) for c in columns}
        others = {
            "sex",
            "gender",
            "age",
            "age_band",
            "programme",
            "indicator",
            "indicator_id",
            "measure",
            "value",
            "count",
        }
        if (
            len(columns) <= 6
            and norm & {"population", "all_ages"}
            and detect_fields(columns, TOTAL_FIELDS)
            and not norm & others
        ):
            return "area-totals"
        return None

    def parse(self, path: Path, options: ReadOptions) -> Parsed:
        table, cols = read_table(path, options)
        issues: list[ValidationIssue] = []
        if not options.period and cols.find(*TOTAL_FIELDS[2].aliases) is None:
            from jsna.errors import UsageError

            raise UsageError(
                f"{table.label}: no period column; give the year the populations describe with "
                '--period (or period = "2024" in jsna.toml)'
            )
        out = parse_fields(
            table,
            cols,
            TOTAL_FIELDS,
            issues,
            defaults={"period": options.period} if options.period else {},
        )
        out["sex"], out["age_band"], out["age_from"], out["age_to"] = "Persons", "All ages", 0, None
        out["variant"] = TOTAL_VARIANT
        duplicate_keys(out, ["area_code", "period"], table=table, issues=issues)
        frame = with_rows(out, table).reset_index(drop=True)
        report = ValidationReport(
            file=table.label, kind=self.kind, rows_read=len(table.frame), issues=issues
        )
        return Parsed(
            frames={"population": frame}, report=report, layout="area-totals", table=table
        )
