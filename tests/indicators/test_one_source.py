"""Two sources for one indicator never give two verdicts: the demo's female life expectancy."""

from __future__ import annotations

import pandas as pd
import pytest

from jsna.indicators.finish import NOT_SHOWN, shown
from tests.conftest import SAMPLES

AREA = "E06999001"


@pytest.fixture(scope="module")
def demo_model(demo_assembled):  # type: ignore[no-untyped-def]
    from jsna.report.assemble import spine_frame

    report, results, _provenance = demo_assembled
    return results, report, spine_frame


def test_both_stay_in_the_results_and_one_is_marked(demo_model) -> None:  # type: ignore[no-untyped-def]
    results, _report, _ = demo_model
    published = pd.read_csv(SAMPLES / "fingertips_export.csv", dtype=str)
    mine = published[
        published["Indicator ID"].eq("90366")
        & published["Area Code"].eq(AREA)
        & published["Sex"].eq("Female")
    ]
    le = results[results["area_code"].eq(AREA) & results["sex"].eq("Female")]
    computed = le[le["indicator_id"].eq("life-expectancy-at-birth")]
    imported = le[le["indicator_id"].eq("90366")]
    both = sorted(set(computed["period"]) & set(imported["period"]))
    assert both, "the demo has periods where jsna and OHID both give female life expectancy"
    for period in both:
        c = computed[computed["period"].eq(period)].iloc[0]
        p = imported[imported["period"].eq(period)].iloc[0]
        assert shown(computed[computed["period"].eq(period)]).all()  # computed from counts: shown
        assert str(p["value_note"]).startswith(
            NOT_SHOWN
        )  # the published one is set aside, not deleted
        value = float(
            mine.loc[
                mine["Time period"].str.replace(" ", "").eq(period.replace(" ", "")), "Value"
            ].iloc[0]
        )
        assert p["value"] == pytest.approx(value)
        assert f"{c['value']:.1f}" in p["value_note"] and "Fingertips 90366" in c["value_note"]


def test_the_report_shows_one_female_life_expectancy(demo_model) -> None:  # type: ignore[no-untyped-def]
    _results, report, _ = demo_model
    health = next(s for s in report.sections if s.info.id == "health_status")
    cards = [
        h
        for h in health.headlines
        if "female" in h.label.lower() and "life expectancy" in h.label.lower()
    ]
    assert len(cards) == 1
    spine = next((f for f in health.figures if f.id == "health-spine"), None)
    if spine is not None and getattr(spine, "data", None) is not None:
        labels = [str(x) for x in spine.data["label"]]
        assert sum("Life expectancy at birth, females" in x for x in labels) == 1
    rows = [
        r
        for t in health.tables
        for r in t.rows
        if "Life expectancy at birth" in r[0].text and "Female" in r[0].text
    ]
    latest = {r[1].text for r in rows}
    assert len(rows) == len(latest)  # one row per period, never one per source
    appendix = {r["id"]: r for r in report.indicators_appendix}
    assert "Not shown for this area" in appendix["90366"]["method"]
