"""The zero-population rule of directly standardised rates lives in the method."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from jsna.indicators import methods

STANDARD = pd.Series({"0-49": 60_000.0, "50+": 40_000.0})


def _data() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "area": ["A", "A", "B", "B"],
            "age_band": ["0-49", "50+", "0-49", "50+"],
            "events": [30.0, 90.0, 12.0, 3.0],
            "population": [10_000.0, 5_000.0, 800.0, 0.0],
        }
    )


def test_by_default_a_band_with_no_population_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"population must be > 0, got 0 \(column 'population'"):
        methods.directly_standardised_rate(
            _data(),
            count="events",
            population="population",
            age_band="age_band",
            standard_population=STANDARD,
            by="area",
        )


def test_missing_gives_the_group_a_note_and_keeps_the_others() -> None:
    out = methods.directly_standardised_rate(
        _data(),
        count="events",
        population="population",
        age_band="age_band",
        standard_population=STANDARD,
        by="area",
        zero_population="missing",
    )
    a, b = out.iloc[0], out.iloc[1]
    # area A worked by hand: (60000 x 30/10000 + 40000 x 90/5000) / 100000 x 100000
    assert a["value"] == pytest.approx(60_000 * 30 / 10_000 + 40_000 * 90 / 5_000, rel=1e-12)
    assert pd.isna(a["note"])
    assert b["area"] == "B"
    assert math.isnan(b["value"])
    assert math.isnan(b["lower_ci_95"]) and math.isnan(b["upper_ci_99_8"])
    assert b["count"] == 15.0 and b["denominator"] == 800.0
    assert b["note"] == "not calculated: an age band has no population"
    assert b["method"] == "Dobson"


def test_missing_does_not_change_groups_without_an_empty_band() -> None:
    data = _data()[lambda d: d["area"].eq("A")]
    kwargs = {
        "count": "events",
        "population": "population",
        "age_band": "age_band",
        "standard_population": STANDARD,
        "by": "area",
    }
    pd.testing.assert_frame_equal(
        methods.directly_standardised_rate(data, **kwargs),
        methods.directly_standardised_rate(data, **kwargs, zero_population="missing"),
    )


def test_negative_population_is_still_an_error_and_the_option_is_checked() -> None:
    data = _data().assign(population=[10_000.0, 5_000.0, 800.0, -1.0])
    with pytest.raises(ValueError, match="population must be >= 0, got -1"):
        methods.directly_standardised_rate(
            data,
            count="events",
            population="population",
            age_band="age_band",
            standard_population=STANDARD,
            by="area",
            zero_population="missing",
        )
    with pytest.raises(ValueError, match="zero_population must be 'error' or 'missing'"):
        methods.directly_standardised_rate(
            _data(),
            count="events",
            population="population",
            age_band="age_band",
            standard_population=STANDARD,
            zero_population="skip",
        )
