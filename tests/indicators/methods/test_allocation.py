"""Resource allocation methods: hand-worked values, and recovery of a known price per point and a
known area difference from synthetic data (95% intervals cover the truth)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jsna.indicators.methods import allocation as alm

T3 = 3.182446305284263  # Student t, 97.5th percentile, 3 degrees of freedom
T2 = 4.302652729749464  # 2 degrees of freedom
T1 = 12.706204736174698  # 1 degree of freedom


def test_price_per_point_is_envelope_over_points() -> None:
    data = pd.DataFrame({"points": [10, 20, 30], "budget": [1000, 2500, 2500], "g": list("aab")})
    agreed = alm.price_per_point(data, points="points", budget="budget").iloc[0]
    assert agreed["price_per_point"] == pytest.approx(6000 / 60)
    assert agreed["envelope_source"] == "agreed budgets"
    configured = alm.price_per_point(data, points="points", envelope=9000, by="g")
    # one price for everyone: each group's share of the envelope follows its points
    assert configured["price_per_point"].tolist() == pytest.approx([150, 150])
    assert configured["envelope"].tolist() == pytest.approx([9000 * 30 / 60, 9000 * 30 / 60])


def test_price_per_point_refuses_bad_input() -> None:
    data = pd.DataFrame({"points": [10, -1], "budget": [1.0, 2.0]})
    with pytest.raises(ValueError, match="points must be a number >= 0"):
        alm.price_per_point(data, points="points", budget="budget")
    with pytest.raises(ValueError, match="envelope"):
        alm.price_per_point(data.abs(), points="points", envelope=0)


def _sandwich(x: np.ndarray, y: np.ndarray, intercept: bool) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares coefficients and HC1 standard errors by matrix algebra (independent of the
    grouped sums the method uses)."""
    design = np.column_stack([np.ones_like(x), x]) if intercept else x[:, None]
    beta, *_ = np.linalg.lstsq(design, y, rcond=None)
    e = y - design @ beta
    bread = np.linalg.inv(design.T @ design)
    n, k = design.shape
    cov = bread @ (design.T * e**2) @ design @ bread * n / (n - k)
    return beta, np.sqrt(np.diag(cov))


def test_calibration_hand_worked() -> None:
    # x = 1..4, y = 2, 4, 5, 9: sums worked by hand (see each line)
    x, y = np.array([1.0, 2, 3, 4]), np.array([2.0, 4, 5, 9])
    data = pd.DataFrame({"points": x, "budget": y})
    fit = alm.calibrate_allocation(data, points="points", budget="budget").set_index("model")
    o, i = fit.loc["Through the origin"], fit.loc["With an intercept"]
    # through the origin: b = Σxy/Σx² = 61/30; SSE = Σy² − (Σxy)²/Σx² = 126 − 3721/30
    b0, sse0 = 61 / 30, 126 - 3721 / 30
    (_,), (se0,) = _sandwich(x, y, False)
    assert o["slope"] == pytest.approx(b0)
    assert o["slope_lower_ci_95"] == pytest.approx(b0 - T3 * se0)
    assert o["slope_upper_ci_95"] == pytest.approx(b0 + T3 * se0)
    assert o["intercept"] == 0
    assert o["r_squared"] == pytest.approx(1 - sse0 / 26)
    assert o["residual_sd"] == pytest.approx(np.sqrt(sse0 / 3))
    # with an intercept: Sxx = 5, Sxy = 11, Syy = 26; b = 2.2, a = 5 − 2.2 × 2.5 = −0.5, SSE = 1.8
    (_, _), (se_a, se_b) = _sandwich(x, y, True)
    assert i["slope"] == pytest.approx(2.2)
    assert i["intercept"] == pytest.approx(-0.5)
    assert i["slope_upper_ci_95"] == pytest.approx(2.2 + T2 * se_b)
    assert i["intercept_lower_ci_95"] == pytest.approx(-0.5 - T2 * se_a)
    assert i["r_squared"] == pytest.approx(1 - 1.8 / 26)
    assert i["residual_sd"] == pytest.approx(np.sqrt(1.8 / 2))


def test_calibration_by_group_and_too_few_people() -> None:
    data = pd.DataFrame(
        {"points": [1, 2, 3, 4, 5, 5], "budget": [2, 4, 5, 9, 1, 2], "g": list("aaaabb")}
    )
    fit = alm.calibrate_allocation(data, points="points", budget="budget", by="g")
    assert len(fit) == 4
    small = fit[fit["g"].eq("b")]
    assert small["slope"].isna().all() and small["note"].str.contains("fewer than 3").all()


def test_indicative_budgets_and_summary() -> None:
    data = pd.DataFrame({"points": [10, 10, 10, 10], "budget": [1000, 1050, 1200, 500]})
    rows = alm.indicative_budgets(data, points="points", budget="budget", price_per_point=100)
    assert rows["indicative"].tolist() == [1000, 1000, 1000, 1000]
    assert rows["within_tolerance"].tolist() == [True, True, False, False]
    assert rows["difference"].tolist() == [0, 50, 200, -500]
    summary = alm.indicative_summary(rows, budget="budget").iloc[0]
    assert summary["people"] == 4 and summary["within_tolerance"] == 2
    assert summary["agreed_total"] == 3750 and summary["indicative_total"] == 4000
    assert summary["share_lower_ci_95"] < 0.5 < summary["share_upper_ci_95"]


def test_allocation_per_point_hand_worked() -> None:
    data = pd.DataFrame(
        {"area": list("AABB"), "points": [10, 20, 10, 30], "budget": [1000, 2200, 1000, 3000]}
    )
    out = alm.allocation_per_point(data, points="points", budget="budget", by="area")
    a = out.set_index("area").loc["A"]
    r = 3200 / 30
    # ratio estimator: residuals y − R x are −66.67 and +66.67; se = √(2/1 × Σ r²) / Σx
    se = np.sqrt(2 * ((1000 - r * 10) ** 2 + (2200 - r * 20) ** 2)) / 30
    assert a["value"] == pytest.approx(r)
    assert a["lower_ci_95"] == pytest.approx(r - T1 * se)
    assert a["whole"] == pytest.approx(7200 / 70)
    assert a["ratio_to_rest"] == pytest.approx(r / 100)
    assert out["compared_to_whole"].isin(["Higher", "Lower", "Similar"]).all()


def test_concentration_index_hand_worked() -> None:
    # y = 1, 2, 3, 4 ranked 1..4: R = .125 … .875, cov(y, R) = 0.3125, C = 2 × 0.3125 / 2.5
    data = pd.DataFrame({"y": [4, 2, 3, 1], "rank": [4, 2, 3, 1]})
    c = alm.concentration_index(data, value="y", rank_by="rank").iloc[0]
    assert c["value"] == pytest.approx(0.25)
    assert c["lower_ci_95"] < 0.25 < c["upper_ci_95"]
    flat = alm.concentration_index(data.assign(y=5), value="y", rank_by="rank").iloc[0]
    assert flat["value"] == pytest.approx(0)
    same = alm.horizontal_inequity(
        data.assign(b=data["y"] * 100, need=data["y"]), budget="b", need="need", rank_by="rank"
    ).iloc[0]
    assert same["value"] == pytest.approx(0, abs=1e-12)


def test_coefficient_of_variation_between_groups() -> None:
    groups = pd.DataFrame({"value": [90.0, 110.0], "total_points": [1.0, 1.0]})
    assert alm.coefficient_of_variation_between(groups) == pytest.approx(0.1)


PRICE, FACTOR = 250.0, 1.25


def _synthetic(seed: int, n: int = 600) -> pd.DataFrame:
    """People in five areas; budgets are PRICE × points with mean-one noise, FACTOR × in B."""
    rng = np.random.default_rng(seed)
    points = rng.integers(5, 200, n).astype(float)
    area = rng.choice(list("ABCDE"), n)
    noise = rng.lognormal(-(0.2**2) / 2, 0.2, n)
    budget = PRICE * np.where(area == "B", FACTOR, 1.0) * points * noise
    return pd.DataFrame({"area": area, "points": points, "budget": budget})


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_recovers_known_price_and_area_difference(seed: int) -> None:
    data = _synthetic(seed)
    rest = data[data["area"].ne("B")]
    fit = alm.calibrate_allocation(rest, points="points", budget="budget").set_index("model")
    o = fit.loc["Through the origin"]
    assert o["slope_lower_ci_95"] < PRICE < o["slope_upper_ci_95"]
    by_area = alm.allocation_per_point(data, points="points", budget="budget", by="area")
    b = by_area.set_index("area").loc["B"]
    assert b["ratio_lower_ci_95"] < FACTOR < b["ratio_upper_ci_95"]
    assert b["lower_ci_95"] < PRICE * FACTOR < b["upper_ci_95"]
    assert b["compared_to_whole"] == "Higher"


def test_intervals_cover_the_truth_about_95_percent_of_the_time() -> None:
    price_hits = ratio_hits = 0
    runs = 100
    for seed in range(runs):
        data = _synthetic(1000 + seed, n=300)
        by_area = alm.allocation_per_point(data, points="points", budget="budget", by="area")
        a, b = by_area.set_index("area").loc["A"], by_area.set_index("area").loc["B"]
        price_hits += a["lower_ci_95"] < PRICE < a["upper_ci_95"]
        ratio_hits += b["ratio_lower_ci_95"] < FACTOR < b["ratio_upper_ci_95"]
    assert 0.88 <= price_hits / runs <= 1
    assert 0.88 <= ratio_hits / runs <= 1
