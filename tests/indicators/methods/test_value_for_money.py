"""Value for money (quadrants, ROI, tornado) and personal health budgets, worked by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jsna.indicators.methods import personal_budgets as phb
from jsna.indicators.methods.value_for_money import (
    discount_factor,
    return_on_investment,
    roi_tornado,
    spend_outcome_quadrants,
)

ROI = {
    "name": "Falls prevention",
    "cost": 100_000.0,
    "reached": 1000.0,
    "effect": 0.05,
    "effect_low": 0.03,
    "effect_high": 0.07,
    "value_per_outcome": 1000.0,
    "horizon_years": 3,
    "discount_rate": 0.035,
}


def test_roi_worked_by_hand():
    out = return_on_investment([ROI], repetitions=20_000).iloc[0]
    factor = 1 + 1 / 1.035 + 1 / 1.035**2  # Green Book: year 0 undiscounted
    assert discount_factor(3, 0.035) == pytest.approx(factor)
    benefit = 1000 * 0.05 * factor * 1000
    assert out["benefit"] == pytest.approx(benefit)
    assert out["roi"] == pytest.approx((benefit - 100_000) / 100_000)
    assert out["cost_per_outcome"] == pytest.approx(100_000 / (1000 * 0.05 * factor))
    # only the effect is uncertain: benefit limits follow its normal range
    assert out["benefit_lower_ci_95"] == pytest.approx(1000 * 0.03 * factor * 1000, rel=0.03)
    assert 0 < out["probability_saves"] < 1


def test_tornado_ranks_inputs_by_swing():
    t = roi_tornado(ROI)
    assert t["swing"].is_monotonic_decreasing
    effect = t[t["input"].eq("effect")].iloc[0]
    assert effect["roi_at_high"] > t["roi"].iloc[0] > effect["roi_at_low"]


def test_quadrants_follow_polarity():
    data = pd.DataFrame(
        {
            "area_code": ["A", "B", "C"],
            "programme": "Circ",
            "period": "2023/24",
            "spend": [100.0, 200.0, 300.0],
            "population": 10.0,
            "outcome_value": [50.0, 60.0, 40.0],
            "outcome_polarity": "low_is_good",
        }
    )
    out = spend_outcome_quadrants(data).set_index("area_code")
    assert (
        out.loc["A", "quadrant"] == "Lower spend, worse outcome"
    )  # 50 is at the median: not better
    assert out.loc["C", "quadrant"] == "Higher spend, better outcome"
    assert out.loc["A", "spend_per_head"] == 10.0


def test_phb_uptake_rate_and_paired_comparisons():
    uptake = pd.DataFrame(
        {
            "icb_code": ["X", "X", "Y"],
            "period": "2024/25 Q1",
            "phb_type": ["CHC", "MH", "CHC"],
            "people": [120.0, 30.0, 20.0],
        }
    )
    pops = pd.DataFrame({"area_code": ["X", "Y"], "population": [100_000.0, 50_000.0]})
    rates = phb.uptake_rate(uptake, pops).set_index(["icb_code", "phb_type"])
    assert rates.loc[("X", "All types"), "value"] == pytest.approx(150.0)
    assert rates.loc[("Y", "CHC"), "value"] == pytest.approx(40.0)
    budgets = pd.DataFrame(
        {
            "phb_type": ["A"] * 4,
            "annual_budget": [10.0, 20.0, 30.0, 40.0],
            "conventional_cost": [12.0, 21.0, 35.0, 40.0],
            "outcome_measure": "ASCOT",
            "score_before": [0.5, 0.6, 0.7, 0.4],
            "score_after": [0.6, 0.6, 0.8, 0.5],
        }
    )
    costs = phb.cost_against_conventional(budgets)
    allrow = costs[costs["phb_type"].eq("All types")].iloc[0]
    assert allrow["mean_difference"] == pytest.approx(-2.0)
    assert allrow["share_cheaper"] == pytest.approx(0.75)
    change = phb.outcome_change(budgets).iloc[0]
    assert change["mean_difference"] == pytest.approx(0.075)
    assert change["lower_ci_95"] < 0.075 < change["upper_ci_95"]
    grid = phb.uptake_scenarios(
        eligible=1000, uptake_from=0.01, uptake_to=0.05, budget_sizes=[1000.0]
    )
    assert grid["people"].tolist() == [10, 30, 50]
    assert np.allclose(grid["saving"], 0)  # without local costs no saving is assumed
    assert (
        len(phb.phb_evidence()) >= 4 and phb.phb_evidence()["source"].str.contains("Forder").all()
    )
