"""A suppressed count hides everything it could be worked out from (issue 18, item 4).

Each test takes the attacker's way back to a hidden count (value × denominator, the ratio of the
limits, a total minus its parts, undoing the rounding) and checks it no longer works. Expected
values are worked by hand from the rows built here, never through jsna.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import pandas as pd
import pytest
from disclosure_scan import derive_from_limits, derive_from_rate, scan_report

from jsna.config import DisclosureSettings
from jsna.report.disclosure import DisclosurePolicy, control_results, protect_results

LIMITS = ["lower_ci_95", "upper_ci_95", "lower_ci_99_8", "upper_ci_99_8"]


def _rows(area_type: str = "Unitary authority", counts=(4, 16, 20), dens=(800, 830, 1630)):
    """Male, Female and Persons crude rates per 100,000 with exact-looking limits."""
    rows = []
    for sex, c, d in zip(("Male", "Female", "Persons"), counts, dens, strict=True):
        rate = c / d * 1e5
        rows.append(
            {
                "indicator_id": "x",
                "area_code": "E01000001" if area_type == "LSOA" else "E06000001",
                "area_type": area_type,
                "period": "2024",
                "age": "All ages",
                "category_type": None,
                "category": None,
                "unit": "per 100,000",
                "value_note": None,
                "sex": sex,
                "count": float(c),
                "denominator": float(d),
                "value": rate,
                "lower_ci_95": rate * 0.5,
                "upper_ci_95": rate * 1.8,
                "lower_ci_99_8": rate * 0.3,
                "upper_ci_99_8": rate * 2.5,
            }
        )
    return pd.DataFrame(rows)


def test_safe_behaviour_is_the_default() -> None:
    assert DisclosurePolicy().rates_on_suppressed == "suppress"
    assert DisclosureSettings().rates_on_suppressed == "suppress"
    assert DisclosurePolicy.from_settings({}).rates_on_suppressed == "suppress"
    assert "not shown" in DisclosurePolicy().note()
    assert "worked out" in DisclosurePolicy(rates_on_suppressed="mark").note()


def test_a_hidden_count_loses_its_rate_and_every_limit() -> None:
    rows = _rows()
    # the attack works on the raw rows: 4 deaths in 800 people, per 100,000
    assert derive_from_rate(rows.loc[0, "value"], rows.loc[0, "denominator"]) == [4]
    out = control_results(rows, DisclosurePolicy())
    male, female, persons = (out.iloc[i] for i in range(3))
    # Male (4) is primary, Female (16) secondary: Persons (20) minus a shown Female would give 4
    assert bool(male["count_hidden"]) and bool(female["count_hidden"])
    for row in (male, female):
        assert math.isnan(row["value"])
        assert all(math.isnan(row[c]) for c in LIMITS)
    assert persons["value"] == pytest.approx(20 / 1630 * 1e5)
    assert persons["upper_ci_95"] == pytest.approx(20 / 1630 * 1e5 * 1.8)
    # the stored rows are not changed
    assert rows.loc[0, "value"] == pytest.approx(500.0)


def test_mark_keeps_the_rate_only_when_asked_for() -> None:
    out = control_results(_rows(), DisclosurePolicy(rates_on_suppressed="mark"))
    assert out.loc[0, "value"] == pytest.approx(500.0)
    assert bool(out.loc[0, "count_hidden"])


def test_a_table_of_part_of_the_rows_keeps_the_cells_hidden_over_the_whole_table() -> None:
    # a table showing only Female and Persons must still hide Female (Persons - Female = Male)
    controlled = control_results(_rows(), DisclosurePolicy())
    subset = controlled[controlled["sex"].ne("Male")]
    shown = protect_results(subset, DisclosurePolicy())
    assert shown["count_text"].tolist() == ["*", "20"]
    assert shown["value_flag"].tolist() == ["hidden", ""]


def test_a_hidden_denominator_hides_the_value() -> None:
    rows = _rows(counts=(30, 40, 70), dens=(5, 830, 835))
    rows["unit"] = "%"
    out = control_results(rows, DisclosurePolicy())
    assert bool(out.loc[0, "denominator_hidden"])
    assert math.isnan(out.loc[0, "value"])


def test_rounding_to_5_cannot_be_undone_from_the_rate() -> None:
    rows = _rows("LSOA", counts=(23, 41, 64), dens=(800, 830, 1630))
    out = control_results(rows, DisclosurePolicy())
    for i, rounded in enumerate((25, 40, 65)):
        value, den = out.loc[i, "value"], rows.loc[i, "denominator"]
        # value × denominator gives back the rounded count, never the true one
        assert value * den / 1e5 == pytest.approx(rounded)
        step = 5 * 1e5 / den  # the rate of 5 events
        for col in LIMITS:
            assert out.loc[i, col] / step == pytest.approx(round(out.loc[i, col] / step))
    assert protect_results(rows, DisclosurePolicy())["count_text"].tolist() == ["25", "40", "65"]


def test_a_value_that_is_a_count_is_hidden_or_rounded_like_one() -> None:
    rows = _rows("LSOA", counts=(3, 41, 44))
    rows["unit"] = "people"
    rows["value"] = rows["count"]
    out = control_results(rows, DisclosurePolicy())
    assert math.isnan(out.loc[0, "value"]) and math.isnan(out.loc[1, "value"])
    assert out.loc[2, "value"] == 45


def test_values_published_under_their_own_rules_pass_unchanged() -> None:
    rows = _rows()
    out = control_results(rows, DisclosurePolicy(), {"x": "none"})
    assert out["value"].tolist() == pytest.approx(rows["value"].tolist())


def test_personal_health_budget_types_hide_their_rate_and_a_complement() -> None:
    from jsna.report.analysis_sections import _phb_protected

    rates = pd.DataFrame(
        {
            "icb_code": ["Q1"] * 4,
            "period": ["2024 Q1"] * 4,
            "phb_type": ["All types", "Continuing care", "Wheelchair", "Mental health"],
            "people": [60.0, 40.0, 5.0, 15.0],
            "value": [60.0, 40.0, 5.0, 15.0],
            "lower_ci_95": [45.0, 28.0, 1.6, 8.0],
            "upper_ci_95": [77.0, 54.0, 11.0, 24.0],
        }
    )
    out = _phb_protected(SimpleNamespace(policy=DisclosurePolicy()), rates)
    # Wheelchair (5) is hidden; All types - the other types would give it, so Mental health goes too
    assert out["people_text"].tolist() == ["60", "40", "*", "*"]
    assert out.loc[2, ["value", "lower_ci_95", "upper_ci_95"]].isna().all()
    assert out.loc[3, ["value", "lower_ci_95", "upper_ci_95"]].isna().all()


def _page(csv_rows: list[dict[str, str]], table_rows: list[list[str]]) -> str:
    import base64

    columns = ["indicator_id", "area_code", "period", "sex", "age", "category_type", "category"]
    columns += ["count", "denominator", "value", *LIMITS, "value_note"]
    lines = [",".join(columns)]
    lines += [",".join(r.get(c, "") for c in columns) for r in csv_rows]
    data = base64.b64encode("\n".join(lines).encode()).decode()
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in table_rows)
    return (
        "<table><thead><tr><th>Indicator</th><th>Count</th><th>Value</th>"
        "<th>95% confidence interval</th></tr></thead><tbody>" + body + "</tbody></table>"
        f'<a href="data:text/csv;base64,{data}">csv</a>'
    )


def test_the_scanner_finds_each_way_back_to_a_hidden_count() -> None:
    base = {"indicator_id": "x", "area_code": "E1", "period": "2024", "age": "All"}
    leaky = _page(
        [
            {**base, "sex": "Male", "count": "*", "denominator": "800", "value": "500.0"},
            {**base, "sex": "Female", "count": "16", "denominator": "830", "value": "1927.7"},
            {**base, "sex": "Persons", "count": "20", "denominator": "1630", "value": "1227.0"},
        ],
        [["Deaths (Male)", "*", "500.0†", "136.2 – 1,280.2"], ["Deaths", "20", "1,227.0", "–"]],
    )
    findings = scan_report(leaky).findings
    assert any("value x denominator gives 4" in f for f in findings), findings
    assert any("= total - other parts = 4" in f for f in findings), findings
    assert any("beside a hidden count" in f for f in findings), findings
    # the exact Poisson limits of 4 events (1.0899, 10.2416) name the count by their ratio
    assert derive_from_limits(1.0899, 10.2416) == [4]
    safe = _page(
        [
            {**base, "sex": "Male", "count": "*", "denominator": "800"},
            {**base, "sex": "Female", "count": "*", "denominator": "830"},
            {**base, "sex": "Persons", "count": "20", "denominator": "1630", "value": "1227.0"},
        ],
        [["Deaths (Male)", "*", "*", "*"], ["Deaths", "20", "1,227.0", "–"]],
    )
    assert scan_report(safe).findings == []
