"""The demo's survey results and activity extract reach sections 4 and 5; Appendix B accounts for
every loaded file."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.conftest import SAMPLES


@pytest.fixture(scope="module")
def demo_report(demo_assembled):  # type: ignore[no-untyped-def]
    report, _results, provenance = demo_assembled
    return report, provenance


def _section(report, section_id: str):  # type: ignore[no-untyped-def]
    return next(s for s in report.sections if s.info.id == section_id)


def test_survey_questions_with_percentages_and_bases_in_section_5(demo_report) -> None:  # type: ignore[no-untyped-def]
    report, _ = demo_report
    voice = _section(report, "voice")
    source = pd.read_csv(SAMPLES / "survey_results.csv")
    mine = source[source["area_code"].eq("E06999001")]
    tables = [t for t in voice.tables if t.id.startswith("voice-survey-")]
    assert len(tables) == mine["question"].nunique()
    for table in tables:
        question = table.caption.split(": ", 1)[1]
        rows = mine[mine["question"].eq(question)]
        shown = {r[0].text: (r[1].text, r[3].text) for r in table.rows}
        assert shown == {
            resp: (f"{pct:.1f}%", f"{base:,.0f}")
            for resp, pct, base in zip(
                rows["response"], rows["percentage"], rows["base"], strict=True
            )
        }
    assert len([f for f in voice.figures if f.id.startswith("voice-survey-chart")]) == len(tables)


def test_activity_table_and_funnels_in_section_4(demo_report) -> None:  # type: ignore[no-untyped-def]
    report, _ = demo_report
    met = _section(report, "met_needs")
    records = pd.read_csv(SAMPLES / "service_activity_extract.csv")
    table = next(t for t in met.tables if t.id == "met-needs-activity")
    counts = {r[0].text: r[1].text for r in table.rows}
    expected = records.groupby("point_of_delivery").size()
    for pod, n in expected.items():
        assert counts[pod] == f"{n:,}"
    funnel = next(f for f in met.figures if f.id == "met-needs-funnels")
    # one panel per point of delivery, each with the 18 wards
    assert funnel.data.groupby("point_of_delivery").size().to_dict() == {
        pod: 18 for pod in expected.index
    }
    # the generic indicator table leaves these rows to the activity block
    generic = next(t for t in met.tables if t.id == "met-needs-indicators")
    assert not any("per 1,000 residents, by point of delivery" in r[0].text for r in generic.rows)


def test_appendix_b_lists_every_input_with_its_use(demo_report) -> None:  # type: ignore[no-untyped-def]
    report, provenance = demo_report
    assert [s["file"] for s in report.sources_appendix] == provenance["file_name"].tolist()
    used = {s["file"]: s["used"] for s in report.sources_appendix}
    for name, text in used.items():
        assert text.startswith(("Section ", "Sections ")) or (
            text.startswith("Not used: ") and len(text) > 20
        ), name
    assert used["survey_results.csv"] == "Section 5"
    assert used["service_activity_extract.csv"] == "Section 4"
    assert used["deaths_lad_2020_2024.csv"] == "Sections 3, 7"
    assert used["spend_by_programme.csv"] == "Section 10"
    assert used["dementia_prevalence_rates.csv"] == "Section 9"
