"""WHO HEAT summary measures: hand-worked values, analytic against simulated intervals, sign options."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jsna.indicators.methods import inequality as ineq
from tests.conftest import REPO

WORKED = pd.DataFrame(
    {
        "setting": "A",
        "order": [1, 2],
        "value": [10.0, 20.0],
        "population": [500.0, 500.0],
        "se": [1.0, 1.5],
    }
)


def _call(name: str, weighted: object) -> pd.DataFrame:
    fn = ineq.HEAT_MEASURES[name]
    kw: dict[str, object] = {"value": "value", "by": "setting", "se": "se"}
    if name not in {"difference", "ratio"}:
        kw["population"] = "population"
    if name in {"difference", "ratio", "par", "paf", "aci", "rci"}:
        kw["order"] = "order"
    if isinstance(weighted, str) and weighted:
        kw["weighted"] = weighted == "True"
    if name not in {"difference", "ratio", "bgv"}:
        kw["repetitions"] = 1000
    return fn(WORKED, **kw)


@pytest.mark.parametrize(
    "row",
    pd.read_csv(REPO / "tests/reference/analysis_heat_worked.csv", keep_default_na=False).to_dict(
        "records"
    ),
    ids=lambda r: r["measure"],
)
def test_hand_worked_values(row):
    out = _call(row["measure"], row["weighted"])
    assert out["value"].iloc[0] == pytest.approx(float(row["value"]), rel=1e-12)
    assert out["lower_ci_95"].iloc[0] <= out["value"].iloc[0] <= out["upper_ci_95"].iloc[0]


def test_difference_and_ratio_analytic_limits():
    d = ineq.difference(WORKED, value="value", order="order", se="se")
    se = np.sqrt(1.0 + 1.5**2)
    assert d["lower_ci_95"].iloc[0] == pytest.approx(10 - 1.959964 * se, rel=1e-6)
    r = ineq.ratio(WORKED, value="value", order="order", se="se")
    se_log = np.sqrt((1 / 10) ** 2 + (1.5 / 20) ** 2)
    assert r["upper_ci_95"].iloc[0] == pytest.approx(2 * np.exp(1.959964 * se_log), rel=1e-6)


def test_between_group_variance_analytic_se_matches_simulation():
    rng = np.random.default_rng(1)
    data = pd.DataFrame(
        {
            "value": [10.0, 14.0, 17.0, 25.0],
            "population": [1.0, 2.0, 3.0, 4.0],
            "se": [1.0, 2.0, 1.5, 0.5],
            "mu": 18.2,
        }
    )
    out = ineq.between_group_variance(
        data, value="value", population="population", se="se", setting_average="mu"
    )
    draws = data["value"].to_numpy()[:, None] + data["se"].to_numpy()[
        :, None
    ] * rng.standard_normal((4, 200_000))
    p = data["population"].to_numpy() / 10
    sims = (p[:, None] * (draws - 18.2) ** 2).sum(axis=0)
    assert out["se"].iloc[0] == pytest.approx(sims.std(), rel=0.02)


def test_non_ordered_difference_is_highest_minus_lowest():
    data = pd.DataFrame({"g": ["x"] * 3, "value": [5.0, 9.0, 2.0], "se": 0.1})
    assert ineq.difference(data, value="value", by="g", se="se")["value"].iloc[0] == pytest.approx(
        7.0
    )


def test_positive_means_more_inequality_for_adverse_indicator():
    mortality = WORKED.assign(value=[20.0, 10.0])  # most disadvantaged has the higher death rate
    kw = {"value": "value", "order": "order", "se": "se", "favourable": False}
    assert ineq.difference(mortality, **kw)["value"].iloc[0] == pytest.approx(-10)
    assert ineq.difference(mortality, positive_is_more_inequality=True, **kw)["value"].iloc[
        0
    ] == pytest.approx(10)
    assert ineq.ratio(mortality, positive_is_more_inequality=True, **kw)["value"].iloc[
        0
    ] == pytest.approx(2)
    aci = ineq.absolute_concentration_index(
        mortality, population="population", positive_is_more_inequality=True, repetitions=500, **kw
    )
    assert aci["value"].iloc[0] == pytest.approx(2.5)
    assert aci["lower_ci_95"].iloc[0] <= 2.5 <= aci["upper_ci_95"].iloc[0]
    par = ineq.population_attributable_risk(
        mortality, population="population", repetitions=500, **kw
    )
    assert par["value"].iloc[0] == pytest.approx(-5)


def test_equal_subgroups_show_no_inequality():
    data = pd.DataFrame(
        {
            "g": ["a"] * 4 + ["b"] * 4,
            "order": [1, 2, 3, 4] * 2,
            "value": 50.0,
            "population": [3.0, 1.0, 2.0, 5.0] * 2,
            "se": 1.0,
        }
    )
    kw = {"value": "value", "population": "population", "by": "g", "se": "se", "repetitions": 200}
    for fn in (ineq.theil_index, ineq.mean_log_deviation, ineq.index_of_disparity):
        assert np.allclose(fn(data, **kw)["value"], 0, atol=1e-12)
    assert np.allclose(
        ineq.absolute_concentration_index(data, order="order", **kw)["value"], 0, atol=1e-12
    )


def test_measures_need_what_they_need():
    with pytest.raises(ValueError, match="population"):
        ineq.theil_index(WORKED, value="value", se="se")
    with pytest.raises(ValueError, match="order"):
        ineq.absolute_concentration_index(WORKED, value="value", population="population", se="se")
    with pytest.raises(ValueError, match="two subgroups"):
        ineq.difference(WORKED.iloc[:1], value="value", se="se")
