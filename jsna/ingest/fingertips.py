"""Fingertips data downloads (the 26/27-column CSV) into the results schema.

Column names drift between exports ('Compared to England value or percentiles',
'Compared to Region value or percentiles', 'Compared to CCGs'), so columns are matched
by meaning. Category rows (deprivation deciles) are kept with their category type.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from jsna.ingest.base import Parsed, ReadOptions, Source, read_table, with_rows
from jsna.ingest.fields import (
    check_area_codes,
    duplicate_keys,
    error,
    normalise_period,
    parse_number,
    parse_optional_numbers,
    period_sortable,
    warn,
)
from jsna.ingest.readers import TableText, normalise_name
from jsna.vocabulary.areas import (
    FINGERTIPS_PSEUDO_PATTERN,
    GSS_PATTERN,
    ODS_PATTERN,
    PCN_PATTERN,
)
from jsna.vocabulary.issues import ValidationIssue, ValidationReport

if TYPE_CHECKING:
    import pandas as pd

ID_ALIASES = ("indicator_id", "indicatorid")
AREA_ALIASES = ("area_code", "areacode")
PERIOD_ALIASES = ("time_period", "timeperiod", "period")
#: the number columns beside the value, by the names exports have given them
NUMBER_ALIASES = {
    "lower_ci_95": (
        "lower_ci_95_0_limit",
        "lower_ci_95_limit",
        "lower_ci_95",
        "lowerci95_0limit",
        "lower_95",
        "lowerci95",
    ),
    "upper_ci_95": (
        "upper_ci_95_0_limit",
        "upper_ci_95_limit",
        "upper_ci_95",
        "upperci95_0limit",
        "upper_95",
        "upperci95",
    ),
    "lower_ci_99_8": (
        "lower_ci_99_8_limit",
        "lower_ci_99_8",
        "lowerci99_8limit",
        "lower_99_8",
        "lowerci99_8",
    ),
    "upper_ci_99_8": (
        "upper_ci_99_8_limit",
        "upper_ci_99_8",
        "upperci99_8limit",
        "upper_99_8",
        "upperci99_8",
    ),
    "count": ("count",),
    "denominator": ("denominator",),
}
#: how a Fingertips file marks a number it does not give: the download (and the API's CSV)
#: leaves the cell blank and says why in ``Value note`` ("Value suppressed for disclosure
#: control reasons", "Value missing in source data"); ``NA`` is R's blank, as data fetched with
#: fingertipsR and saved with ``write.csv`` holds it. Any other text (``x``, ``-``, ``..``) is
#: not a Fingertips marker, and is refused rather than guessed at.
MISSING = frozenset({"", "NA"})


class FingertipsSource(Source):
    kind = "fingertips"
    title = "Fingertips data download (indicator values with confidence limits)"
    tables = ("indicator_values",)
    expected_columns = (
        "Indicator ID, Indicator Name, Area Code, Area Name, Area Type, Sex, Age, "
        "Time period, Value, Lower CI 95.0 limit, Upper CI 95.0 limit, Count, Denominator, …"
    )

    def detect(self, columns: list[str]) -> str | None:
        norm = {normalise_name(c) for c in columns}
        if (
            (norm & set(ID_ALIASES))
            and (norm & set(AREA_ALIASES))
            and (norm & set(PERIOD_ALIASES))
            and "value" in norm
        ):
            return "fingertips-download"
        return None

    def parse(self, path: Path, options: ReadOptions) -> Parsed:
        import pandas as pd

        table, cols = read_table(path, options)
        raw = table.frame
        issues: list[ValidationIssue] = []
        out = pd.DataFrame(index=raw.index)
        id_col = cols.require("indicator ID", *ID_ALIASES)
        out["indicator_id"] = raw[id_col].str.strip()
        name_col = cols.find("indicator_name", "indicatorname", "indicator")
        out["indicator_name"] = raw[name_col].str.strip() if name_col else out["indicator_id"]
        out["indicator_id"] = _fill_missing_ids(out, table, id_col, issues)
        code_col = cols.require("area code", *AREA_ALIASES)
        out["area_code"] = check_area_codes(
            raw[code_col],
            table=table,
            column=code_col,
            issues=issues,
            allow_ods=True,
            allow_fingertips=True,
        )
        for target, aliases in {
            "area_name": ("area_name", "areaname"),
            "area_type": ("area_type", "areatype"),
            "parent_code": ("parent_code", "parentcode"),
            "sex": ("sex",),
            "age": ("age",),
            "category_type": ("category_type", "categorytype"),
            "category": ("category",),
            "value_note": ("value_note", "valuenote"),
            "trend": ("recent_trend", "recenttrend", "trend"),
        }.items():
            col = cols.find(*aliases)
            out[target] = raw[col].str.strip().replace("", None) if col else None
        _check_codes_for_types(out, table, code_col, issues)
        period_col = cols.require("time period", *PERIOD_ALIASES)
        periods = raw[period_col].str.strip()
        norm_periods = periods.map(lambda p: normalise_period(p) or p)
        out["period"] = norm_periods
        # jsna orders periods by their end (jsna.vocabulary.periods); Fingertips' "Time period Sortable" orders
        # them by their start, so it is not used: cumulative ranges would all tie with the first quarter
        out["period_sortable"] = norm_periods.map(period_sortable).astype("Int64")
        value_col = cols.require("value", "value")
        out["value"] = parse_number(
            raw[value_col],
            table=table,
            column=value_col,
            issues=issues,
            allow_missing=True,
            what="value",
            markers=MISSING,
        )
        source_columns = {target: cols.find(*aliases) for target, aliases in NUMBER_ALIASES.items()}
        parse_optional_numbers(
            out, raw, source_columns, table=table, issues=issues, markers=MISSING
        )
        # column 23 is named after the comparator ("Compared to PCNs (v. 27/10/23) value or
        # percentiles", "Column not used"); the benchmark comparison is the first "compared to"
        compare_cols = cols.matching(
            lambda n: (
                n.startswith(("compared_to", "comparedto"))
                and "goal" not in n
                and n not in {"compared_to_percentiles", "comparedtopercentiles"}
            )
        )
        out["compared_to_benchmark"] = (
            raw[compare_cols[0]].str.strip().replace("", None) if compare_cols else None
        )
        bad_ci = (
            out["lower_ci_95"].notna()
            & out["value"].notna()
            & (
                (out["lower_ci_95"] > out["value"] + 1e-9)
                | (out["upper_ci_95"] < out["value"] - 1e-9)
            )
        )
        for idx in out.index[bad_ci.to_numpy()]:
            issues.append(
                warn(
                    table,
                    idx,
                    "Value",
                    out.at[idx, "value"],
                    "limits-do-not-bracket",
                    "the 95% limits do not contain the value",
                )
            )
        reversed_ci = (
            out["lower_ci_95"].notna()
            & out["upper_ci_95"].notna()
            & (out["lower_ci_95"] > out["upper_ci_95"] + 1e-9)
        )
        limits = out.loc[reversed_ci, ["lower_ci_95", "upper_ci_95"]]
        for idx, lower, upper in zip(
            limits.index, limits["lower_ci_95"], limits["upper_ci_95"], strict=True
        ):
            issues.append(
                error(
                    table,
                    idx,
                    str(source_columns["lower_ci_95"]),
                    lower,
                    "limits-reversed",
                    f"the lower 95% limit ({lower:g}) must not be above the upper ({upper:g})",
                )
            )
        _check_proportions(out, table, issues)
        key = [
            "indicator_id",
            "parent_code",
            "area_code",
            "period",
            "sex",
            "age",
            "category_type",
            "category",
        ]
        duplicate_keys(
            out.fillna(
                {"parent_code": "", "category_type": "", "category": "", "sex": "", "age": ""}
            ),
            key,
            table=table,
            issues=issues,
        )
        frame = with_rows(out, table).reset_index(drop=True)
        report = ValidationReport(
            file=table.label, kind=self.kind, rows_read=len(raw), issues=issues
        )
        return Parsed(
            frames={"indicator_values": frame},
            report=report,
            layout="fingertips-download",
            table=table,
        )


#: Fingertips area types whose areas are NHS organisations, coded by ODS: GP practices,
#: primary care networks (``PCNs (v. 27/10/23)``), NHS trusts; each with the shape of its code
NHS_AREA_TYPES = (
    # a practice code is a letter and five digits, never U and five digits (a PCN's code)
    (
        re.compile(r"\b(gps?|gp practices?|practices?)\b", re.I),
        re.compile(r"^(?!U)[A-Z]\d{5}$"),
        "A81001",
    ),
    (re.compile(r"\b(pcns?|primary care networks?)\b", re.I), PCN_PATTERN, "U00070"),
    (re.compile(r"\btrusts?\b", re.I), ODS_PATTERN, "RBT"),
)


def _check_codes_for_types(
    out: pd.DataFrame, table: TableText, code_col: str, issues: list[ValidationIssue]
) -> None:
    """An error for each row whose area code is not of the kind its ``Area Type`` names.

    Fingertips codes geographies (England, regions, local authorities, ICBs, MSOAs) with ONS
    GSS codes, its groupings with pseudo-codes (``Cl_L2_1a``), and NHS organisations with ODS
    codes: GP practices a letter and five digits, PCNs ``U`` and five digits, trusts three
    characters. An ODS-shaped code (``XYZ``) on a row of a geography type is not a real area;
    rows whose code has no valid shape at all are reported by ``check_area_codes`` already,
    and rows without an area type are taken at their code's word.
    """
    codes = out["area_code"].fillna("")
    types = out["area_type"].fillna("")
    geography = codes.str.fullmatch(GSS_PATTERN.pattern) | codes.str.fullmatch(
        FINGERTIPS_PSEUDO_PATTERN.pattern
    )
    nhs = ~geography & codes.str.fullmatch(ODS_PATTERN.pattern) & types.ne("")
    for idx in out.index[nhs.to_numpy()]:
        code, kind = codes[idx], types[idx]
        shape = next(
            (
                (pattern, example)
                for names, pattern, example in NHS_AREA_TYPES
                if names.search(kind)
            ),
            None,
        )
        if shape is None:
            message = (
                f"area code {code!r} is not an ONS GSS code (a letter and 8 digits, like "
                f"E06000001), which an area of type {kind!r} has; NHS organisation codes belong "
                "to GP, PCN or NHS trust rows"
            )
        elif not shape[0].fullmatch(code):
            message = (
                f"area code {code!r} is not the code of an area of type {kind!r} "
                f"(codes like {shape[1]})"
            )
        else:
            continue
        issues.append(error(table, idx, code_col, code, "area-code-for-type", message))


def _fill_missing_ids(
    out: pd.DataFrame, table: TableText, id_col: str, issues: list[ValidationIssue]
) -> pd.Series:
    """Indicator ids for rows that have none, from their name; each inference is a warning.

    Fingertips downloads joined by hand can carry rows without an ``Indicator ID`` (a later
    year of GP rows pasted under an older export). A row without an id whose name has exactly
    one id elsewhere in the file takes that id; a name with no id anywhere takes an id made
    from the name, as tidy files do. A name with several ids is an error: the row cannot be
    placed.
    """
    from jsna.ingest.indicator_long import slug

    ids = out["indicator_id"].replace("", None)
    blank = ids.isna() & out["indicator_name"].notna()
    if not blank.any():
        return ids
    known = out.loc[ids.notna(), ["indicator_name", "indicator_id"]].drop_duplicates()
    per_name = known.groupby("indicator_name")["indicator_id"].unique()
    filled = ids.copy()
    for name, rows in out.index[blank].to_series().groupby(out.loc[blank, "indicator_name"]):
        found = per_name.get(name)
        first = int(rows.iloc[0])
        if found is None:
            filled[rows.index] = slug(str(name))
            issues.append(
                warn(
                    table,
                    first,
                    id_col,
                    "",
                    "id-from-name",
                    f"{len(rows)} row(s) of {name!r} have no indicator ID: stored under "
                    f"{slug(str(name))!r}, made from the name",
                )
            )
        elif len(found) == 1:
            filled[rows.index] = found[0]
            issues.append(
                warn(
                    table,
                    first,
                    id_col,
                    "",
                    "id-from-name",
                    f"{len(rows)} row(s) of {name!r} have no indicator ID: given {found[0]}, "
                    f"the ID of the same name elsewhere in the file",
                )
            )
        else:
            for idx in rows.index:
                issues.append(
                    ValidationIssue(
                        code="missing-id",
                        message=f"indicator ID is missing and the name {name!r} has several IDs "
                        f"in the file ({', '.join(map(str, found))}): cannot tell which",
                        file=table.label,
                        row=table.file_row(idx),
                        column=id_col,
                        value="",
                    )
                )
    return filled


def _check_proportions(out: pd.DataFrame, table: TableText, issues: list[ValidationIssue]) -> None:
    """An error for each row of a proportion whose count exceeds its denominator.

    An indicator is taken as a proportion when every row with a count and a denominator has
    value = count / denominator (a fraction) or 100 x count / denominator (a percentage), to
    0.1%, and every row with count <= denominator has its 95% limits inside 0-1 (0-100), as a
    proportion's Wilson limits are. Ratios published the same way (an SMR is 100 x observed /
    expected) have limits above 100 near 100, and are left alone: their count may exceed
    their denominator.
    """
    import numpy as np

    full = out[out["count"].notna() & out["denominator"].gt(0) & out["value"].notna()]
    if full.empty:
        return
    share = full["count"] / full["denominator"]
    for scale in (1.0, 100.0):
        fits = np.isclose(full["value"], share * scale, rtol=1e-3, atol=0.05 * scale / 100)
        within = full["count"].le(full["denominator"])
        limits_ok = (
            full["lower_ci_95"].fillna(0).ge(-1e-9) & full["upper_ci_95"].fillna(0).le(scale + 1e-9)
        ) | ~within
        per_indicator = (
            full.assign(_fits=fits & limits_ok).groupby("indicator_id", dropna=False)["_fits"].all()
        )
        proportions = set(per_indicator[per_indicator].index)
        over = full["indicator_id"].isin(proportions) & ~within & fits
        for idx in full.index[over.to_numpy()]:
            ind, count, denominator = (
                str(full.at[idx, "indicator_id"]),
                float(full["count"][idx]),
                float(full["denominator"][idx]),
            )
            issues.append(
                ValidationIssue(
                    file=table.label,
                    row=table.file_row(idx),
                    column="Count",
                    value=count,
                    code="count-exceeds-denominator",
                    message=f"indicator {ind} is a proportion (value = "
                    f"{'100 x ' if scale == 100 else ''}count / denominator), and this row's count "
                    f"({count:g}) exceeds its denominator "
                    f"({denominator:g}): a proportion cannot be above "
                    f"{'100%' if scale == 100 else '1'}",
                )
            )
