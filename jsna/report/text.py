"""Number formatting and plain-English sentences generated from results."""

from __future__ import annotations

import math
from typing import Any

_COMPARISON_WORDS = {
    "Better": "significantly better than",
    "Worse": "significantly worse than",
    "Similar": "similar to",
    "Higher": "significantly higher than",
    "Lower": "significantly lower than",
}


def is_missing(value: Any) -> bool:
    """None, NaN, pandas.NA and NaT are missing; any other value (text included) is not."""
    if value is None or type(value).__name__ in {"NAType", "NaTType"}:
        return True
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return False


def fmt(value: Any, decimals: int = 1, unit: str = "") -> str:
    """'12,345.6', '21.3%', '79.1 years'; an en dash for a missing value."""
    if is_missing(value):
        return "–"
    text = f"{float(value):,.{decimals}f}"
    if unit == "%":
        return text + "%"
    if unit in {"years"}:
        return f"{text} years"
    return text


def fmt_interval(lower: Any, upper: Any, decimals: int = 1) -> str:
    if is_missing(lower) or is_missing(upper):
        return "–"
    return f"{float(lower):,.{decimals}f} to {float(upper):,.{decimals}f}"


def unit_phrase(unit: str) -> str:
    return "" if unit in {"", "%", "years", "people"} else f" {unit}"


def comparison_phrase(outcome: Any, benchmark_name: str, benchmark_value: Any, decimals: int, unit: str) -> str:
    """'similar to England (79.3 years)', hedged by the statistical comparison."""
    if is_missing(benchmark_value) or outcome in (None, "Not compared") or is_missing(outcome):
        return ""
    words = _COMPARISON_WORDS.get(str(outcome))
    if words is None:
        return ""
    return f"{words} {benchmark_name} ({fmt(benchmark_value, decimals, unit)}{unit_phrase(unit)})"


def indicator_sentence(name: str, area_name: str, row: dict[str, Any], benchmark_name: str,
                       decimals: int = 1) -> str:
    """One sentence: value, period, limits and the hedged comparison with the benchmark."""
    unit = str(row.get("unit") or "")
    value = fmt(row.get("value"), decimals, unit) + unit_phrase(unit)
    ci = fmt_interval(row.get("lower_ci_95"), row.get("upper_ci_95"), decimals)
    who = _who(row)
    sentence = f"{name}{who} in {area_name} was {value} in {row.get('period')}"
    if ci != "–":
        sentence += f" (95% confidence interval {ci})"
    comparison = comparison_phrase(row.get("compared_to_benchmark"), benchmark_name, row.get("benchmark_value"),
                                   decimals, unit)
    if comparison:
        sentence += f", {comparison}"
    trend = row.get("trend")
    if trend and not is_missing(trend) and trend not in {"Cannot be calculated"}:
        sentence += f"; recent trend: {str(trend).lower()}"
    return sentence + "."


def _who(row: dict[str, Any]) -> str:
    sex = row.get("sex")
    age = row.get("age")
    parts = []
    if sex in {"Male", "Female"}:
        parts.append({"Male": "males", "Female": "females"}[sex])
    if age and not is_missing(age) and age not in {"All ages"}:
        parts.append(f"aged {age}".replace(" yrs", ""))
    category = row.get("category")
    if category and not is_missing(category):
        parts.insert(0, str(category))
    return f" ({', '.join(parts)})" if parts else ""
