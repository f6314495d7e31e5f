"""One published series per indicator: ages read as one series, the same name from two files."""

from __future__ import annotations

import pandas as pd

from jsna.indicators.builtin import _one_age_per_indicator, _unit_of
from jsna.indicators.finish import latest_published_series, shown
from jsna.vocabulary.periods import period_sortable


def _rows(rows: list[tuple[str, str, str | None, str, float]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["indicator_id", "indicator_name", "age", "period", "value"])
    return frame.assign(
        area_code="E08000009",
        sex="Persons",
        category_type=None,
        source="imported",
        value_note=None,
        period_sortable=frame["period"].map(period_sortable),
    )


def test_not_applicable_age_joins_the_one_stated_age() -> None:
    frame = _rows(
        [
            ("91547", "Smoking", "Not applicable", "2015/16", 16.0),
            ("91547", "Smoking", "15+ yrs", "2022/23", 12.0),
            ("x", "Two ages", "18+ yrs", "2022", 1.0),
            ("x", "Two ages", "65+ yrs", "2022", 2.0),
            ("x", "Two ages", "Not applicable", "2021", 3.0),
        ]
    )
    assert list(_one_age_per_indicator(frame)) == [
        "15+ yrs",
        "15+ yrs",
        "18+ yrs",
        "65+ yrs",
        "Not applicable",
    ]


def test_same_name_from_two_files_shows_the_series_that_ends_last() -> None:
    frame = _rows(
        [
            ("91547", "Smoking prevalence (QOF)", "15+ yrs", "2022/23", 12.0),
            ("smoking-prevalence-qof", "Smoking  prevalence (QOF).", None, "2015/16", 16.0),
            ("smoking-prevalence-qof", "Smoking  prevalence (QOF).", None, "2014/15", 17.0),
            ("other", "Something else", None, "2015/16", 1.0),
        ]
    )
    out = latest_published_series(frame)
    assert list(shown(out)) == [True, False, False, True]
    assert "91547" in out.loc[1, "value_note"] and "2022/23" in out.loc[1, "value_note"]


def test_different_stated_ages_are_different_indicators() -> None:
    frame = _rows(
        [("a", "Smoking", "15+ yrs", "2022/23", 12.0), ("b", "Smoking", "18+ yrs", "2015/16", 16.0)]
    )
    assert shown(latest_published_series(frame)).all()


def test_units_from_the_measure_text_else_the_name() -> None:
    assert (
        _unit_of("Cumulative percentage from eligible", "People receiving an NHS Health Check")
        == "%"
    )
    assert _unit_of("SMR", "Deaths from cancer") == "ratio (England = 100)"
    assert _unit_of("Rate per 1,000", "General fertility rate") == "per 1,000"
    assert _unit_of(None, "Under 75 mortality (per 100,000 population)") == "per 100,000"
    assert _unit_of("Years", "Healthy life expectancy") == "years"
    assert _unit_of(None, "Outcome, ASC Carer Quality of Life") == ""
