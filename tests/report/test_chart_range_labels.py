"""Cumulative ranges on a time axis are labelled by their end, with the shared start said once."""

from __future__ import annotations

from jsna.report.charts import _range_ends


def test_cumulative_ranges_are_labelled_by_their_end() -> None:
    labels = ["2021/22 Q1", "2021/22 Q1 - 2021/22 Q2", "2021/22 Q1 - 2025/26 Q3"]
    assert _range_ends(labels) == (["2021/22 Q1", "2021/22 Q2", "2025/26 Q3"], "2021/22 Q1")


def test_rolling_ranges_and_years_keep_their_labels() -> None:
    rolling = ["2017 - 19", "2018 - 20", "2019 - 21"]
    assert _range_ends(rolling) == (rolling, "")
    years = ["2020", "2021", "2024"]
    assert _range_ends(years) == (years, "")
