"""Scan a rendered report for small counts that are shown or can be worked out.

A reusable check for the disclosure tests and the reliability tests: :func:`scan_report` reads
the HTML (tables, SVG text) and the embedded CSV download and returns every count from 1 to 7
that a reader could see or derive, by the ways an attacker would try:

- shown: a count column (``Count``, ``Males``, ``Females``, ``Persons``) or a ``count`` /
  ``denominator`` field of the CSV holds 1-7, or a chart label is 1-7;
- rate with its denominator: a hidden count whose row still gives a value and a denominator
  (``value × denominator ÷ multiplier`` for the usual multipliers);
- the limits: a hidden count whose row still gives both confidence limits (the ratio of exact
  Poisson limits identifies the count; any interval around a hidden count is refused);
- a total minus the parts: ``Persons − Males − Females`` in the CSV, and a table column or
  row with a total and exactly one hidden part.

It never imports jsna: the checks rest on the rendered text and plain arithmetic only.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from report_html import COUNT_HEADERS, embedded_csv, parse

#: multipliers a rate or proportion is published per (per cent ... per 100,000)
MULTIPLIERS = (1.0, 100.0, 1_000.0, 10_000.0, 100_000.0)
#: row or column labels of a total that adds up its parts
TOTAL_LABELS = re.compile(r"^(total|all|persons|all ages|all types|all people)\b", re.IGNORECASE)
HIDDEN = {"*", "c", "x", "[c]", "[x]"}


@dataclass
class ScanResult:
    """What a scan checked and every count it found recoverable."""

    cells_checked: int = 0
    findings: list[str] = field(default_factory=list)

    def __iadd__(self, other: ScanResult) -> ScanResult:
        self.cells_checked += other.cells_checked
        self.findings.extend(other.findings)
        return self


def number(text: object) -> float | None:
    """The number a cell shows (``1,234``, ``5.0``, ``12.3%``), or None for text, ``*`` and blanks."""
    cleaned = str(text).replace(",", "").replace("%", "").replace("†", "").strip()
    if not re.fullmatch(r"-?\d+(\.\d+)?", cleaned):
        return None
    return float(cleaned)


def small(value: float | None, low: int = 1, high: int = 7) -> bool:
    return value is not None and abs(value - round(value)) < 1e-6 and low <= round(value) <= high


def _poisson_limits_ratio(count: int) -> float:
    """upper / lower of the exact (Garwood) 95% interval of a Poisson count, by bisection."""

    def cdf(k: int, mean: float) -> float:
        term = total = math.exp(-mean)
        for i in range(1, k + 1):
            term *= mean / i
            total += term
        return total

    def solve(target: float, k: int) -> float:
        lo, hi = 1e-9, 100.0
        for _ in range(200):
            mid = (lo + hi) / 2
            if cdf(k, mid) > target:
                lo = mid
            else:
                hi = mid
        return (lo + hi) / 2

    lower = solve(1 - 0.025, count - 1)
    upper = solve(0.025, count)
    return upper / lower


POISSON_RATIOS = {c: _poisson_limits_ratio(c) for c in range(1, 8)}


def derive_from_rate(value: float | None, denominator: float | None) -> list[int]:
    """Counts 1-7 that ``value`` and ``denominator`` give for some usual multiplier."""
    if value is None or denominator is None or denominator <= 0:
        return []
    found = []
    for multiplier in MULTIPLIERS:
        count = value * denominator / multiplier
        # a shown value is rounded: accept the count if rounding the value can explain the gap
        if 0.5 <= count < 7.5 and abs(count - round(count)) < 0.05:
            found.append(round(count))
    return found


def derive_from_limits(lower: float | None, upper: float | None) -> list[int]:
    """Counts 1-7 whose exact Poisson 95% limits have the ratio ``upper / lower``."""
    if lower is None or upper is None or lower <= 0 or upper <= lower:
        return []
    ratio = upper / lower
    return [c for c, r in POISSON_RATIOS.items() if abs(ratio - r) / r < 0.01]


def _subtractions(label: str, cells: list[tuple[str, str]]) -> list[str]:
    """``cells`` are (part label, text) with one total among them: a single hidden part is found."""
    totals = [t for name, t in cells if TOTAL_LABELS.match(name)]
    parts = [(name, t) for name, t in cells if not TOTAL_LABELS.match(name)]
    if len(totals) != 1 or len(parts) < 2:
        return []
    hidden = [name for name, t in parts if t in HIDDEN]
    total = number(totals[0])
    shown = [number(t) for name, t in parts if t not in HIDDEN]
    if len(hidden) != 1 or total is None or any(v is None for v in shown):
        return []
    rest = total - sum(v for v in shown if v is not None)
    if small(rest):
        return [f"{label}: {hidden[0]} = total - other parts = {rest:g}"]
    return []


def scan_tables(html: str, where: str = "report") -> ScanResult:
    result = ScanResult()
    parser = parse(html)
    for n, table in enumerate(parser.tables):
        columns = table["columns"]
        count_cols = [i for i, c in enumerate(columns) if c in COUNT_HEADERS]
        value_col = columns.index("Value") if "Value" in columns else None
        interval_col = next((i for i, c in enumerate(columns) if "confidence interval" in c), None)
        for row in table["rows"]:
            for i in count_cols:
                if i >= len(row):
                    continue
                result.cells_checked += 1
                if small(number(row[i])):
                    result.findings.append(f"{where} table {n} ({columns[i]}): shows {row[i]}")
                if row[i] in HIDDEN:
                    for j in (value_col, interval_col):
                        if j is not None and j < len(row) and re.search(r"\d", row[j]):
                            result.findings.append(
                                f"{where} table {n}: {columns[j]} {row[j]!r} beside a hidden count"
                            )
        # a total row: each count column is a total of the rows above it
        for i in count_cols:
            cells = [(row[0], row[i]) for row in table["rows"] if len(row) > i]
            result.findings += _subtractions(f"{where} table {n} column {columns[i]}", cells)
        # a total column (Persons beside Males and Females) within each row
        if {"Males", "Females", "Persons"} <= set(columns):
            for row in table["rows"]:
                cells = [(columns[i], row[i]) for i in count_cols if i < len(row)]
                result.findings += _subtractions(f"{where} table {n} row {row[0]!r}", cells)
    for text in parser.svg_texts:
        result.cells_checked += 1
        if small(number(text)) and re.fullmatch(r"\d+", text.strip()):
            result.findings.append(f"{where} chart label shows {text!r}")
    return result


def scan_csv(html: str, where: str = "report") -> ScanResult:
    result = ScanResult()
    csv = embedded_csv(html)
    for _, r in csv.iterrows():
        result.cells_checked += 1
        for column in ("count", "denominator"):
            if small(number(r.get(column, ""))):
                result.findings.append(f"{where} CSV {r['indicator_id']} {column} = {r[column]}")
        if number(r.get("count", "")) is not None:
            continue  # the count is shown: the checks below are about hidden ones
        hidden = str(r.get("count", "")) in HIDDEN or "disclosure" in str(r.get("value_note", ""))
        if not hidden:
            continue
        value, denominator = number(r.get("value", "")), number(r.get("denominator", ""))
        for c in derive_from_rate(value, denominator):
            result.findings.append(
                f"{where} CSV {r['indicator_id']} {r['sex']} {r['period']}: value x denominator gives {c}"
            )
        for level in ("95", "99_8"):
            lower, upper = (
                number(r.get(f"lower_ci_{level}", "")),
                number(r.get(f"upper_ci_{level}", "")),
            )
            if lower is not None or upper is not None:
                found = derive_from_limits(lower, upper)
                result.findings.append(
                    f"{where} CSV {r['indicator_id']} {r['sex']} {r['period']}: "
                    f"{level}% limits beside a hidden count"
                    + (f" (ratio gives {found})" if found else "")
                )
    keys = ["indicator_id", "area_code", "period", "age", "category_type", "category"]
    keys = [k for k in keys if k in csv.columns]
    for key, group in csv.groupby(keys, dropna=False):
        if {"Male", "Female", "Persons"} <= set(group["sex"]):
            cells = [(s, str(t)) for s, t in zip(group["sex"], group["count"], strict=True)]
            result.findings += _subtractions(f"{where} CSV {key}", cells)
    return result


def scan_report(html: str, where: str = "report") -> ScanResult:
    """Every count 1-7 shown or derivable in one rendered HTML report (tables, SVG, CSV)."""
    result = scan_tables(html, where)
    result += scan_csv(html, where)
    return result
