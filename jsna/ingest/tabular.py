"""Declarative parsing for simple one-row-per-record tables (PHB returns, surveys).

A :class:`Field` names a canonical column, the names a file may give it, and how to parse
it; :func:`parse_fields` applies a list of them, collecting every problem as an issue.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from jsna.ingest.base import Columns
from jsna.ingest.fields import check_area_codes, normalise_period, parse_number, strip
from jsna.ingest.readers import MISSING_MARKERS, TableText, normalise_name
from jsna.vocabulary.issues import ValidationIssue

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class Field:
    """One canonical column: where to find it and how to read it."""

    name: str
    aliases: tuple[str, ...]
    parse: str = "text"  # text | code | number | count | date | period | optional-number
    required: bool = True
    minimum: float | None = None
    what: str = ""

    def label(self) -> str:
        return self.what or self.name.replace("_", " ")


def detect_fields(columns: list[str], fields: list[Field], *, needed: int | None = None) -> bool:
    """Whether the required fields (or ``needed`` of them) are all present under some alias."""
    norm = {normalise_name(c) for c in columns}
    required = [f for f in fields if f.required]
    present = [f for f in required if norm & {normalise_name(a) for a in f.aliases}]
    return len(present) >= (needed if needed is not None else len(required))


def parse_fields(
    table: TableText,
    cols: Columns,
    fields: list[Field],
    issues: list[ValidationIssue],
    *,
    defaults: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """A frame with one column per field, parsed and checked; ``defaults`` fill absent columns."""
    import pandas as pd

    raw = table.frame
    out = pd.DataFrame(index=raw.index)
    defaults = defaults or {}
    used: set[str] = set()
    for field in fields:
        col = cols.find(*field.aliases)
        if col is None:
            if field.name in defaults:
                out[field.name] = defaults[field.name]
                continue
            if field.required:
                cols.require(field.label(), *field.aliases)
            out[field.name] = None
            continue
        used.add(col)
        out[field.name] = PARSERS[field.parse](raw[col], table, col, field, issues)
    unused = [c for c in raw.columns if c not in used]
    if unused:
        names = ", ".join(f.name for f in fields)
        issues.append(
            ValidationIssue(
                code="unused-column",
                file=table.label,
                column=", ".join(unused),
                severity="warning",
                message=f"column(s) {', '.join(repr(c) for c in unused)} were not recognised and were not loaded; "
                f"the fields are {names} (use --map SOURCE=FIELD to name one)",
            )
        )
    return out


def _text(
    series: pd.Series, table: TableText, column: str, field: Field, issues: list[ValidationIssue]
) -> pd.Series:
    text = strip(series)
    if field.required:
        for idx in text.index[text.eq("").to_numpy()]:
            issues.append(
                ValidationIssue(
                    code="missing-value",
                    file=table.label,
                    row=table.file_row(idx),
                    column=column,
                    value="",
                    message=f"{field.label()} must not be blank",
                )
            )
    return text.replace("", None)


def _code(
    series: pd.Series, table: TableText, column: str, field: Field, issues: list[ValidationIssue]
) -> pd.Series:
    return check_area_codes(series, table=table, column=column, issues=issues, allow_ods=True)


def _number(
    series: pd.Series, table: TableText, column: str, field: Field, issues: list[ValidationIssue]
) -> pd.Series:
    return parse_number(
        series,
        table=table,
        column=column,
        issues=issues,
        minimum=field.minimum,
        whole=field.parse == "count",
        allow_missing=field.parse == "optional-number",
        what=field.label(),
    )


def _date(
    series: pd.Series, table: TableText, column: str, field: Field, issues: list[ValidationIssue]
) -> pd.Series:
    import pandas as pd

    text = strip(series)
    missing = text.isin(MISSING_MARKERS)
    dates = pd.to_datetime(text.where(~missing), format="ISO8601", errors="coerce")
    dayfirst = pd.to_datetime(
        text.where(~missing & dates.isna()), format="%d/%m/%Y", errors="coerce"
    )
    dates = dates.fillna(dayfirst)
    bad = dates.isna() & (~missing if not field.required else True)
    for idx in text.index[bad.to_numpy()]:
        issues.append(
            ValidationIssue(
                code="bad-date",
                file=table.label,
                row=table.file_row(idx),
                column=column,
                value=text[idx],
                message=f"{field.label()} must be a date like 2024-04-01 or 01/04/2024, "
                f"got {text[idx]!r}",
            )
        )
    return dates.dt.date


def _period(
    series: pd.Series, table: TableText, column: str, field: Field, issues: list[ValidationIssue]
) -> pd.Series:
    text = strip(series)
    parsed = text.map(lambda p: normalise_period(p) or normalise_period(p.replace("-", "/", 1)))
    for idx in text.index[parsed.isna().to_numpy()]:
        issues.append(
            ValidationIssue(
                code="bad-period",
                file=table.label,
                row=table.file_row(idx),
                column=column,
                value=text[idx],
                message=f"{field.label()} must look like 2024, 2023/24 or 2024/25 Q1, "
                f"got {text[idx]!r}",
            )
        )
    return parsed


PARSERS: dict[str, Callable[..., pd.Series]] = {
    "text": _text,
    "code": _code,
    "number": _number,
    "count": _number,
    "optional-number": _number,
    "date": _date,
    "period": _period,
}
