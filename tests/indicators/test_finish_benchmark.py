"""Benchmark comparison in the results: England, each area's parent, and category rows."""

from __future__ import annotations

import pandas as pd

from jsna.indicators.finish import _compare


def _rows() -> pd.DataFrame:
    base = {
        "period": "2024",
        "sex": "Persons",
        "age": "All ages",
        "polarity": "low_is_good",
        "source": "computed",
        "parent_code": None,
        "benchmark_code": None,
        "benchmark_value": float("nan"),
        "compared_to_benchmark": None,
        "compared_to_benchmark_99_8": None,
    }
    rows = [
        # England 100; the LA 150 (limits 140-160); an LSOA of the LA 152 (limits 148-156)
        {
            "indicator_id": "x",
            "area_code": "E92000001",
            "value": 100.0,
            "lower_ci_95": 99.0,
            "upper_ci_95": 101.0,
        },
        {
            "indicator_id": "x",
            "area_code": "E06999001",
            "value": 150.0,
            "lower_ci_95": 140.0,
            "upper_ci_95": 160.0,
        },
        {
            "indicator_id": "x",
            "area_code": "E01999001",
            "value": 152.0,
            "lower_ci_95": 148.0,
            "upper_ci_95": 156.0,
        },
        # a category row: compared with England's row of the same category, not England overall
        {
            "indicator_id": "x",
            "area_code": "E06999001",
            "value": 10.0,
            "lower_ci_95": 9.0,
            "upper_ci_95": 11.0,
            "category_type": "Activity",
            "category": "Falls",
        },
        {
            "indicator_id": "x",
            "area_code": "E92000001",
            "value": 10.5,
            "lower_ci_95": 10.4,
            "upper_ci_95": 10.6,
            "category_type": "Activity",
            "category": "Falls",
        },
    ]
    frame = pd.DataFrame([{**base, "category_type": None, "category": None, **r} for r in rows])
    for col in ("lower_ci_99_8", "upper_ci_99_8"):
        frame[col] = frame["lower_ci_95" if col.startswith("lower") else "upper_ci_95"]
    return frame


def test_england_benchmark_and_same_category() -> None:
    out = _compare(_rows(), "E92000001", {"x": "england"})
    la = out[(out["area_code"] == "E06999001") & out["category"].isna()].iloc[0]
    assert la["benchmark_code"] == "E92000001" and la["benchmark_value"] == 100.0
    assert la["compared_to_benchmark"] == "Worse"
    falls = out[out["category"] == "Falls"]
    la_falls = falls[falls["area_code"] == "E06999001"].iloc[0]
    assert la_falls["benchmark_value"] == 10.5 and la_falls["compared_to_benchmark"] == "Similar"


def test_parent_benchmark_uses_each_areas_parent() -> None:
    out = _compare(_rows(), "E92000001", {"x": "parent"}, parents={"E01999001": "E06999001"})
    lsoa = out[out["area_code"] == "E01999001"].iloc[0]
    assert lsoa["benchmark_code"] == "E06999001" and lsoa["benchmark_value"] == 150.0
    assert lsoa["compared_to_benchmark"] == "Similar"  # 148-156 contains 150
    la = out[(out["area_code"] == "E06999001") & out["category"].isna()].iloc[0]
    assert la["benchmark_code"] == "E92000001"  # no parent known: the project benchmark


def test_no_benchmark_indicators_are_not_compared() -> None:
    out = _compare(_rows(), "E92000001", {"x": "none"})
    assert out.loc[out["area_code"] != "E92000001", "benchmark_value"].isna().all()
