"""Section 10 of the demo report shows the integrated personal commissioning cohorts, budget
holders' answers by client group, and the new HEAT measures, in plain words with charts."""

from __future__ import annotations

import re

import pandas as pd

from tests.conftest import SAMPLES
from tests.indicators.test_ipc_analysis import FRAIL, ehc_plans, expected_people
from tests.report.report_html import parse


def _section(html: str, start: str, end: str) -> str:
    return html[html.index(f'<section id="{start}"') : html.index(f'<section id="{end}"')]


def test_cohorts_and_envelope_in_plain_words(demo_html: str) -> None:
    s10 = _section(demo_html, "section-10-value-for-money", "appendix-methods")
    text = re.sub(r"<[^>]+>", "", s10)
    assert "Integrated personal commissioning joins health and social care budgets" in text
    assert "children with complex needs" in text
    assert "this is an upper bound" in text
    assert 'id="vfm-ipc-cohorts"' in s10
    assert "Combined health and social care budget envelope" in text
    tables = [t for t in parse(s10).tables if "Envelope a year" in t["columns"]]
    assert len(tables) == 1
    cohorts = [row[0] for row in tables[0]["rows"]]
    assert cohorts[-1] == "All cohorts"
    assert len(cohorts) == 5


def test_cohort_table_says_what_sized_each_cohort(demo_html: str) -> None:
    """Each cohort's row says what sized it, and its people are the sums worked out here from the
    sample files with plain pandas: the children the authority's own EHC plan count (DfE's file),
    the others prevalence × population with their 95% interval."""
    s10 = _section(demo_html, "section-10-value-for-money", "appendix-methods")
    table = next(t for t in parse(s10).tables if "Envelope a year" in t["columns"])
    assert "Coverage" in table["columns"]
    # the first "95% CI" is the people's (the second the envelope's)
    rows = {
        row[0]: {column: row[table["columns"].index(column)] for column in table["columns"]}
        for row in table["rows"]
    }
    children = rows["Children with complex needs"]
    count, period = ehc_plans("E06999001")
    assert children["Sized from"] == f"SEN count: Pupils with an EHC plan, {period}"
    assert children["95% CI"] == "count (no sampling error)"
    assert children["Coverage"] == "the area's own figure"
    assert children["People"] == f"{count:,}"
    for cohort, condition, rates in (
        (FRAIL, "Frailty", "ipc_prevalence_rates.csv"),
        ("People with learning disabilities", "Learning disability", "prevalence_rates.csv"),
        (
            "People with severe and enduring mental illness",
            "Severe mental illness",
            "ipc_prevalence_rates.csv",
        ),
    ):
        row = rows[cohort]
        assert row["Sized from"].startswith("prevalence rates × population"), cohort
        assert "Dementia" not in row["Sized from"]
        assert row["Coverage"] == "residents of the area"
        assert row["People"] == f"{expected_people(condition, rates):,.0f}"
        low, high = (float(x.replace(",", "")) for x in row["95% CI"].split(" to "))
        assert low < expected_people(condition, rates) < high


def test_answers_by_client_group(demo_html: str) -> None:
    s10 = _section(demo_html, "section-10-value-for-money", "appendix-methods")
    text = re.sub(r"<[^>]+>", "", s10)
    # the group with the highest and lowest share satisfied, from the sample file by hand
    raw = pd.read_csv(SAMPLES / "phb_local_budgets.csv")
    share = raw.groupby("client_group")["satisfied"].mean() * 100
    top, bottom = share.idxmax(), share.idxmin()
    assert (
        f"{share[top]:.0f}% in the {top.lower()} group said they were satisfied with their support"
        in text
    )
    assert f"against {share[bottom]:.0f}% in the {bottom.lower()} group" in text
    assert 'id="vfm-phb-client-answers"' in s10
    assert "Outcome scores before and after a budget, by client group (paired)" in text


def test_new_heat_measures_in_the_inequality_tables(demo_html: str) -> None:
    s7 = _section(demo_html, "section-7-inequalities", "section-8-projected-service-use")
    s10 = _section(demo_html, "section-10-value-for-money", "appendix-methods")
    for measure in (
        "Between-group standard deviation (weighted)",
        "Coefficient of variation (weighted)",
        "Mean difference from reference subgroup (weighted)",
    ):
        assert measure in s7
    assert "Between-group standard deviation (weighted)" in s10
    assert "Coefficient of variation (weighted)" in s10


def test_the_methods_appendix_cites_the_cohorts_and_the_pilot_evidence(demo_html: str) -> None:
    appendix = demo_html[demo_html.index('<section id="appendix-methods"') :]
    text = re.sub(r"<[^>]+>", "", appendix)
    assert "Integrated personal commissioning cohorts" in text
    assert "Integrated Personal Commissioning emerging framework" in text
    assert "PSSRU Discussion Paper 2840" in text
