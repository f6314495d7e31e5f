"""The WHO HEAT measures added for issue 13: between-group standard deviation, coefficient of
variation and mean difference from a reference subgroup, against values worked by hand.

Worked example (three subgroups): y = 10, 20, 30; population 100, 200, 700, so the shares are
p = 0.1, 0.2, 0.7 and the setting average mu = 1 + 4 + 21 = 26.

* weighted BGSD = sqrt(0.1*16^2 + 0.2*6^2 + 0.7*4^2) = sqrt(25.6 + 7.2 + 11.2) = sqrt(44)
* weighted COV = 100 * sqrt(44) / 26
* unweighted BGSD around the setting average = sqrt((256 + 36 + 16) / 3)
* unweighted BGSD without populations (mu = 20) = sqrt((100 + 0 + 100) / 3); COV / 20
* MDRW with subgroup 2 (y = 20) the reference = 0.1*10 + 0.2*0 + 0.7*10 = 8
* MDRU = (10 + 0 + 10) / 3
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from jsna.indicators import methods
from jsna.indicators.methods import inequality as ineq


@pytest.fixture
def three() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "setting": ["A", "A", "A"],
            "value": [10.0, 20.0, 30.0],
            "population": [100, 200, 700],
            "se": [1.0, 1.5, 0.8],
            "ref": [0, 1, 0],
        }
    )


def test_exported_from_methods() -> None:
    for name in (
        "between_group_standard_deviation",
        "coefficient_of_variation",
        "mean_difference_from_reference",
    ):
        assert getattr(methods, name) is getattr(ineq, name)
        assert name in methods.__all__
    assert {"bgsd", "cov", "mdr"} <= set(ineq.HEAT_MEASURES)


def test_between_group_standard_deviation_weighted(three: pd.DataFrame) -> None:
    out = ineq.between_group_standard_deviation(three, value="value", population="population")
    assert out["value"].iloc[0] == pytest.approx(math.sqrt(44), rel=1e-12)
    assert out["measure"].iloc[0] == "Between-group standard deviation (weighted)"
    # the square root of the between-group variance
    bgv = ineq.between_group_variance(three, value="value", population="population")
    assert out["value"].iloc[0] ** 2 == pytest.approx(bgv["value"].iloc[0], rel=1e-12)


def test_between_group_standard_deviation_unweighted(three: pd.DataFrame) -> None:
    around_setting = ineq.between_group_standard_deviation(
        three, value="value", population="population", weighted=False
    )
    assert around_setting["value"].iloc[0] == pytest.approx(math.sqrt(308 / 3), rel=1e-12)
    plain = ineq.between_group_standard_deviation(three, value="value", weighted=False)
    assert plain["value"].iloc[0] == pytest.approx(math.sqrt(200 / 3), rel=1e-12)
    assert plain["measure"].iloc[0] == "Between-group standard deviation (unweighted)"


def test_coefficient_of_variation(three: pd.DataFrame) -> None:
    w = ineq.coefficient_of_variation(three, value="value", population="population")
    assert w["value"].iloc[0] == pytest.approx(100 * math.sqrt(44) / 26, rel=1e-12)
    u = ineq.coefficient_of_variation(three, value="value", weighted=False)
    assert u["value"].iloc[0] == pytest.approx(100 * math.sqrt(200 / 3) / 20, rel=1e-12)


def test_mean_difference_from_reference(three: pd.DataFrame) -> None:
    w = ineq.mean_difference_from_reference(
        three, value="value", reference="ref", population="population"
    )
    assert w["value"].iloc[0] == pytest.approx(8.0, rel=1e-12)
    u = ineq.mean_difference_from_reference(three, value="value", reference="ref", weighted=False)
    assert u["value"].iloc[0] == pytest.approx(20 / 3, rel=1e-12)
    assert u["measure"].iloc[0] == "Mean difference from reference subgroup (unweighted)"


def test_reference_marker_words(three: pd.DataFrame) -> None:
    words = three.assign(ref=["no", "Yes", ""])
    out = ineq.mean_difference_from_reference(words, value="value", reference="ref", weighted=False)
    assert out["value"].iloc[0] == pytest.approx(20 / 3, rel=1e-12)


def test_reference_must_be_one_per_group(three: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="exactly one reference subgroup"):
        ineq.mean_difference_from_reference(
            three.assign(ref=[1, 1, 0]), value="value", reference="ref", weighted=False
        )
    with pytest.raises(ValueError, match="reference must be true/false"):
        ineq.mean_difference_from_reference(
            three.assign(ref=["x", 1, 0]), value="value", reference="ref", weighted=False
        )
    with pytest.raises(ValueError, match="population"):
        ineq.mean_difference_from_reference(three, value="value", reference="ref")


def test_grouped_rows_are_independent(three: pd.DataFrame) -> None:
    """Two settings in one call give the same answers as one at a time."""
    other = three.assign(setting="B", value=[5.0, 5.0, 5.0])
    both = pd.concat([three, other], ignore_index=True)
    out = ineq.between_group_standard_deviation(
        both, value="value", population="population", by="setting"
    )
    assert out["setting"].tolist() == ["A", "B"]
    assert out["value"].tolist() == pytest.approx([math.sqrt(44), 0.0], abs=1e-12)
    mdr = ineq.mean_difference_from_reference(
        both, value="value", reference="ref", population="population", by="setting"
    )
    assert mdr["value"].tolist() == pytest.approx([8.0, 0.0], abs=1e-12)


@pytest.mark.parametrize(
    ("fn", "extra"),
    [
        (ineq.between_group_standard_deviation, {}),
        (ineq.coefficient_of_variation, {}),
        (ineq.mean_difference_from_reference, {"reference": "ref"}),
    ],
)
def test_simulated_limits(three: pd.DataFrame, fn, extra) -> None:  # type: ignore[no-untyped-def]
    kw = {"value": "value", "population": "population", "se": "se", **extra}
    out = fn(three, repetitions=2000, seed=7, **kw)
    row = out.iloc[0]
    assert row["lower_ci_95"] < row["value"] < row["upper_ci_95"]
    assert row["method"] == "simulation (2,000 repetitions)"
    again = fn(three, repetitions=2000, seed=7, **kw)
    pd.testing.assert_frame_equal(out, again)
    # tiny standard errors: the limits close in on the estimate
    tight = fn(three.assign(se=1e-6), repetitions=500, seed=1, **kw).iloc[0]
    assert tight["lower_ci_95"] == pytest.approx(row["value"], rel=1e-4)
    assert tight["upper_ci_95"] == pytest.approx(row["value"], rel=1e-4)


def test_limits_match_an_independent_simulation(three: pd.DataFrame) -> None:
    """The 2.5th and 97.5th percentiles of BGSD over draws of N(y, se), simulated here with
    numpy alone, agree with the method's limits to simulation error."""
    rng = np.random.default_rng(123)
    y = three["value"].to_numpy()
    se = three["se"].to_numpy()
    p = three["population"].to_numpy() / three["population"].sum()
    draws = rng.normal(y, se, size=(200_000, 3))
    mu = draws @ p
    bgsd = np.sqrt(((draws - mu[:, None]) ** 2) @ p)
    lo, hi = np.percentile(bgsd, [2.5, 97.5])
    out = ineq.between_group_standard_deviation(
        three, value="value", population="population", se="se", repetitions=20_000, seed=3
    ).iloc[0]
    assert out["lower_ci_95"] == pytest.approx(lo, abs=0.05)
    assert out["upper_ci_95"] == pytest.approx(hi, abs=0.05)
