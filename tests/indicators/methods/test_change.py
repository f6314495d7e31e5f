"""The year-on-year z-test of methods/change.py against values worked by hand."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from jsna.indicators import methods
from jsna.indicators.methods.change import change_between_periods

REFERENCE = Path(__file__).resolve().parents[2] / "reference" / "run_compare_ztest.csv"

COLUMNS = {
    "value": "value",
    "lower_ci": "lower_ci_95",
    "upper_ci": "upper_ci_95",
    "previous_value": "previous_value",
    "previous_lower_ci": "previous_lower_ci_95",
    "previous_upper_ci": "previous_upper_ci_95",
}


def test_z_matches_the_reference_worked_by_hand() -> None:
    ref = pd.read_csv(REFERENCE)
    out = change_between_periods(ref, **COLUMNS)
    assert out["z"].to_numpy() == pytest.approx(ref["expected_z"].to_numpy(), rel=1e-9)
    moved = ~ref["expected_change"].eq("No significant change")
    assert out["significant"].tolist() == moved.tolist()


def test_one_row_worked_in_full() -> None:
    # 120 (110-130) now, 100 (90-110) before: se = 20 / (2 x 1.959964) each,
    # z = 20 / sqrt(2 se^2) = 20 / (se sqrt 2)
    se = 20 / (2 * 1.959963984540054)
    data = pd.DataFrame(
        {
            "value": [120.0],
            "lower_ci_95": [110.0],
            "upper_ci_95": [130.0],
            "previous_value": [100.0],
            "previous_lower_ci_95": [90.0],
            "previous_upper_ci_95": [110.0],
        }
    )
    out = change_between_periods(data, **COLUMNS)
    assert out.loc[0, "difference"] == pytest.approx(20.0)
    assert out.loc[0, "se"] == pytest.approx(se * math.sqrt(2), rel=1e-12)
    assert out.loc[0, "z"] == pytest.approx(20 / (se * math.sqrt(2)), rel=1e-12)
    assert bool(out.loc[0, "significant"])
    assert out.loc[0, "direction"] == 1
    # z = 2.77 is significant at 99% (2.576) but not at 99.8% (3.090)
    assert bool(change_between_periods(data, **COLUMNS, confidence=0.99).loc[0, "significant"])
    assert not change_between_periods(data, **COLUMNS, confidence=0.998).loc[0, "significant"]


def test_limits_of_another_level_change_the_standard_errors() -> None:
    data = pd.DataFrame(
        {
            "value": [50.0],
            "lower_ci_95": [40.0],
            "upper_ci_95": [60.0],
            "previous_value": [45.0],
            "previous_lower_ci_95": [35.0],
            "previous_upper_ci_95": [55.0],
        }
    )
    at95 = change_between_periods(data, **COLUMNS)
    at998 = change_between_periods(data, **COLUMNS, limits_confidence=0.998)
    # the same width read as 99.8% limits means a smaller se: z scales by z_99.8 / z_95
    ratio = 3.090232306167813 / 1.959963984540054
    assert at998.loc[0, "z"] == pytest.approx(at95.loc[0, "z"] * ratio, rel=1e-12)


def test_missing_limits_give_no_test_and_keep_the_index() -> None:
    data = pd.DataFrame(
        {
            "value": [10.0, 12.0, 7.0],
            "lower_ci_95": [8.0, np.nan, 7.0],
            "upper_ci_95": [12.0, np.nan, 7.0],
            "previous_value": [np.nan, 10.0, 5.0],
            "previous_lower_ci_95": [np.nan, 9.0, 5.0],
            "previous_upper_ci_95": [np.nan, 11.0, 5.0],
        },
        index=[7, 8, 9],
    )
    out = change_between_periods(data, **COLUMNS)
    assert list(out.index) == [7, 8, 9]
    assert out["z"].isna().all()  # no previous value; no limits now; both se 0
    assert not out["significant"].any()
    assert out["direction"].tolist() == [0, 1, 1]


def test_z_for_is_the_two_sided_normal_quantile() -> None:
    assert methods.z_for(0.95) == pytest.approx(1.959963984540054, rel=1e-15)
    assert methods.z_for(95) == methods.z_for(0.95)
    assert methods.z_for(0.998) == pytest.approx(3.090232306167813, rel=1e-12)
    assert methods.z_for(0.9) == pytest.approx(1.6448536269514722, rel=1e-12)
    with pytest.raises(ValueError, match="confidence"):
        methods.z_for(1.5)


def test_a_column_that_is_not_there_is_named() -> None:
    with pytest.raises(ValueError, match="previous_upper_ci column 'nope'"):
        change_between_periods(
            pd.DataFrame({c: [1.0] for c in COLUMNS.values()}),
            **{**COLUMNS, "previous_upper_ci": "nope"},
        )
