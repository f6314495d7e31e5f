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


#: the true minus sign, used for every negative number the report prints
MINUS = "\u2212"

#: age labels that mean "no particular age group"
_NO_AGE = {"", "all ages", "not applicable", "n/a", "na", "persons", "all"}


def _signed(number: float, decimals: int) -> str:
    """'1,234.5' or '−1,234.5' (true minus); a value that rounds to zero has no sign."""
    text = f"{abs(number):,.{decimals}f}"
    if number < 0 and float(text.replace(",", "")) != 0:
        return MINUS + text
    return text


def fmt(value: Any, decimals: int = 1, unit: str = "") -> str:
    """'12,345.6', '21.3%', '79.1 years', '−0.4'; an en dash for a missing value."""
    if is_missing(value):
        return "–"
    text = _signed(float(value), decimals)
    if unit == "%":
        return text + "%"
    if unit in {"years"}:
        return f"{text} years"
    return text


def fmt_interval(lower: Any, upper: Any, decimals: int = 1) -> str:
    if is_missing(lower) or is_missing(upper):
        return "–"
    return f"{_signed(float(lower), decimals)} to {_signed(float(upper), decimals)}"


def fmt_money(value: Any, decimals: int = 0) -> str:
    """'£1,994', '−£1,994' (true minus before the pound sign), '£0'; an en dash when missing."""
    if is_missing(value):
        return "–"
    text = _signed(float(value), decimals)
    return MINUS + "£" + text[1:] if text.startswith(MINUS) else "£" + text


def fmt_change(fraction: Any, decimals: int = 0) -> str:
    """A relative change as '+4%', '−3%' or 'no change' when it rounds to zero."""
    if is_missing(fraction):
        return "–"
    text = _signed(float(fraction) * 100, decimals)
    if float(text.replace(MINUS, "").replace(",", "")) == 0:
        return "no change"
    return (text if text.startswith(MINUS) else "+" + text) + "%"


def change_phrase(fraction: Any, decimals: int = 0) -> str:
    """'a rise of 4%', 'a fall of 3%' or 'no change' (a change that rounds to 0%)."""
    if is_missing(fraction):
        return "an unknown change"
    text = f"{abs(float(fraction)) * 100:,.{decimals}f}"
    if float(text.replace(",", "")) == 0:
        return "no change"
    return f"{'a rise' if float(fraction) > 0 else 'a fall'} of {text}%"


#: how each stored unit is written after a number and in a column heading
_UNIT_WORDS = {
    "%": "%",
    "years": "years",
    "people": "people",
    "per 100,000": "per 100,000",
    "per 1,000": "per 1,000",
    "ratio": "ratio",
    "score": "score",
    "count": "number",
}


def unit_label(unit: Any, indicator_name: str = "") -> str:
    """The unit as a reader should see it; never blank.

    A stored unit is used as given. When none was stored, the indicator's own name says what
    kind of number it is ("…ratio", "…per 100,000", "Percentage…", "…life expectancy…");
    anything else is labelled "value", so a column is never left without a unit.
    """
    text = "" if is_missing(unit) else str(unit).strip()
    if text:
        return _UNIT_WORDS.get(text, text)
    name = indicator_name.lower()
    for needle, label in (
        ("per 100,000", "per 100,000"),
        ("per 100 000", "per 100,000"),
        ("per 1,000", "per 1,000"),
        ("per 1000", "per 1,000"),
        ("ratio", "ratio"),
        ("life expectancy", "years"),
        ("percentage", "%"),
        ("prevalence", "%"),
        ("proportion", "%"),
        ("%", "%"),
        ("score", "score"),
    ):
        if needle in name:
            return label
    return "value"


def unit_phrase(unit: str) -> str:
    return "" if unit in {"", "%", "years", "people", "value"} else f" {unit}"


def age_phrase(age: Any) -> str:
    """'aged 15+' for an age group; '' for all ages or a label that means no age group."""
    if is_missing(age) or str(age).strip().lower() in _NO_AGE:
        return ""
    return f"aged {str(age).strip()}".replace(" yrs", "").replace(" years", "")


def outcome_words(outcome: Any) -> str:
    """A comparison outcome for a table cell: 'Higher 99.8' reads 'Higher (99.8% level)'."""
    if is_missing(outcome) or outcome == "":
        return "Not compared"
    text = str(outcome).strip()
    head, _, level = text.partition(" ")
    if level.replace(".", "").isdigit():
        return f"{head} ({level}% level)"
    return text


def outcome_key(outcome: Any) -> str:
    """The comparison outcome without its confidence level ('Higher 99.8' -> 'Higher'), for colours."""
    if is_missing(outcome) or outcome == "":
        return "Not compared"
    text = str(outcome).strip()
    head, _, level = text.partition(" ")
    return head if level.replace(".", "").isdigit() else text


def index_label(vintage: Any) -> str:
    """'IMD2019', '2019' or 'IoD2019' all read 'IMD 2019': the index named once, with its year."""
    import re

    text = str(vintage or "").strip()
    m = re.search(r"(\d{4})", text)
    return f"IMD {m.group(1)}" if m else (text or "IMD")


def comparison_phrase(
    outcome: Any, benchmark_name: str, benchmark_value: Any, decimals: int, unit: str
) -> str:
    """'similar to England (79.3 years)', hedged by the statistical comparison."""
    if is_missing(benchmark_value) or outcome in (None, "Not compared") or is_missing(outcome):
        return ""
    words = _COMPARISON_WORDS.get(str(outcome))
    if words is None:
        words = _COMPARISON_WORDS.get(outcome_key(outcome))
        if words is None:
            return ""
    return f"{words} {benchmark_name} ({fmt(benchmark_value, decimals, unit)}{unit_phrase(unit)})"


def indicator_sentence(
    name: str, area_name: str, row: dict[str, Any], benchmark_name: str, decimals: int = 1
) -> str:
    """One sentence: value, period, limits and the hedged comparison with the benchmark."""
    unit = unit_label(row.get("unit"), name)
    value = fmt(row.get("value"), decimals, unit) + unit_phrase(unit)
    ci = fmt_interval(row.get("lower_ci_95"), row.get("upper_ci_95"), decimals)
    who = _who(row)
    sentence = f"{name}{who} in {area_name} was {value} in {row.get('period')}"
    if ci != "–":
        sentence += f" (95% confidence interval {ci})"
    comparison = comparison_phrase(
        row.get("compared_to_benchmark"), benchmark_name, row.get("benchmark_value"), decimals, unit
    )
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
    if age_phrase(age):
        parts.append(age_phrase(age))
    category = row.get("category")
    if category and not is_missing(category):
        parts.insert(0, str(category))
    return f" ({', '.join(parts)})" if parts else ""
