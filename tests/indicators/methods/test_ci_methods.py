"""ci_method and z on the Poisson methods and proportions, and where indicators set them.

Expected limits are worked independently with scipy.stats and the written-out formulas.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import beta, chi2, norm

from jsna.config import Config
from jsna.indicators import methods
from jsna.indicators.context import ComputeContext
from jsna.indicators.finish import _compare
from jsna.indicators.spec import Indicator

COUNTS = np.array([0.0, 3.0, 9.0, 10.0, 57.0, 1234.0])
POP = np.full(COUNTS.size, 20_000.0)


def _byars(o: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    with np.errstate(divide="ignore", invalid="ignore"):
        lo = o * (1 - 1 / (9 * o) - z / (3 * np.sqrt(o))) ** 3
    o1 = o + 1
    return lo, o1 * (1 - 1 / (9 * o1) + z / (3 * np.sqrt(o1))) ** 3


def _exact(o: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    a = 1 - level
    lo = np.where(o > 0, chi2.ppf(a / 2, np.maximum(2 * o, 1e-300)) / 2, 0.0)
    return lo, chi2.ppf(1 - a / 2, 2 * o + 2) / 2


def _rates(**kwargs: object) -> pd.DataFrame:
    data = pd.DataFrame({"g": range(COUNTS.size), "x": COUNTS, "n": POP})
    return methods.crude_rate(data, count="x", population="n", by="g", multiplier=1, **kwargs)


def test_phe_default_is_exact_under_ten_and_byars_from_ten() -> None:
    out = _rates(confidence=0.95)
    lo_e, up_e = _exact(COUNTS, 0.95)
    lo_b, up_b = _byars(COUNTS, norm.ppf(0.975))
    small = COUNTS < 10
    np.testing.assert_allclose(out["lower_ci_95"], np.where(small, lo_e, lo_b) / POP, rtol=1e-12)
    np.testing.assert_allclose(out["upper_ci_95"], np.where(small, up_e, up_b) / POP, rtol=1e-12)
    assert out["method"].tolist() == ["Exact"] * 3 + ["Byars"] * 3


def test_exact_for_every_count() -> None:
    out = _rates(confidence=(0.95, 0.998), ci_method="exact")
    for level, label in ((0.95, "95"), (0.998, "99_8")):
        lo, up = _exact(COUNTS, level)
        np.testing.assert_allclose(out[f"lower_ci_{label}"], lo / POP, rtol=1e-10)
        np.testing.assert_allclose(out[f"upper_ci_{label}"], up / POP, rtol=1e-10)
    assert (out["method"] == "Exact").all()


def test_byars_with_z_1_96_exactly() -> None:
    out = _rates(confidence=0.95, ci_method="byars", z=1.96)
    lo, up = _byars(COUNTS, 1.96)
    np.testing.assert_allclose(out["lower_ci_95"][1:], lo[1:] / POP[1:], rtol=1e-12)
    np.testing.assert_allclose(out["upper_ci_95"], up / POP, rtol=1e-12)
    assert np.isnan(out["lower_ci_95"].iloc[0])  # Byar's has no lower limit for 0 events
    # a mapping sets one level and leaves the other at its quantile
    both = _rates(ci_method="byars", z={95: 1.96})
    np.testing.assert_allclose(both["upper_ci_95"], up / POP, rtol=1e-12)
    up998 = _byars(COUNTS, norm.ppf(0.999))[1]
    np.testing.assert_allclose(both["upper_ci_99_8"], up998 / POP, rtol=1e-12)


def test_z_and_ci_method_are_checked() -> None:
    with pytest.raises(ValueError, match="ambiguous with 2 confidence levels"):
        _rates(z=1.96)
    with pytest.raises(ValueError, match="not computed"):
        _rates(confidence=0.95, z={0.998: 3})
    with pytest.raises(ValueError, match="z must be a number > 0"):
        _rates(confidence=0.95, z=-1)
    with pytest.raises(ValueError, match="ci_method must be one of phe, exact, byars"):
        _rates(ci_method="wilson")
    with pytest.raises(ValueError, match="ci_method must be one of wilson, exact"):
        methods.proportion(
            pd.DataFrame({"x": [1], "n": [2]}), numerator="x", denominator="n", ci_method="phe"
        )


def test_proportion_wilson_z_and_clopper_pearson() -> None:
    x = np.array([0.0, 1.0, 17.0, 250.0, 400.0])
    n = np.array([40.0, 40.0, 90.0, 400.0, 400.0])
    data = pd.DataFrame({"g": range(x.size), "x": x, "n": n})
    out = methods.proportion(
        data, numerator="x", denominator="n", by="g", confidence=0.95, ci_method="exact"
    )
    lo = np.where(x > 0, beta.ppf(0.025, np.maximum(x, 1e-300), n - x + 1), 0.0)
    up = np.where(x < n, beta.ppf(0.975, x + 1, np.maximum(n - x, 1e-300)), 1.0)
    np.testing.assert_allclose(out["lower_ci_95"], lo, rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(out["upper_ci_95"], up, rtol=1e-10)
    assert (out["method"] == "Clopper-Pearson").all()
    wilson = methods.proportion(
        data, numerator="x", denominator="n", by="g", confidence=0.95, z=1.96
    )
    root = 1.96 * np.sqrt(1.96**2 + 4 * x * (1 - x / n))
    np.testing.assert_allclose(
        wilson["upper_ci_95"], (2 * x + 1.96**2 + root) / 2 / (n + 1.96**2), rtol=1e-12
    )


def test_dsr_exact_limits_scale_the_total_count() -> None:
    bands = list(methods.ESP2013_BANDS)
    weights = np.array(list(methods.ESP2013_BANDS.values()), dtype="float64")
    deaths = np.arange(len(bands), dtype="float64") * 3 + 1
    pop = np.linspace(5000, 800, len(bands))
    data = pd.DataFrame({"age_band": bands, "count": deaths, "population": pop})
    out = methods.directly_standardised_rate(
        data,
        count="count",
        population="population",
        age_band="age_band",
        confidence=0.95,
        ci_method="exact",
    )
    # Dobson: DSR + sqrt(var / O) (O_L - O), O_L the exact limit of the total
    o = deaths.sum()
    dsr = (weights * deaths / pop).sum() / weights.sum() * 1e5
    var = (deaths * (weights / pop) ** 2).sum() / weights.sum() ** 2
    lo = chi2.ppf(0.025, 2 * o) / 2
    expected = dsr + np.sqrt(var / o) * (lo - o) * 1e5
    assert out["lower_ci_95"].iloc[0] == pytest.approx(expected, rel=1e-10)


def test_default_results_unchanged_by_the_new_arguments() -> None:
    data = pd.DataFrame({"g": range(COUNTS.size), "x": COUNTS, "n": POP})
    a = methods.crude_rate(data, count="x", population="n", by="g")
    b = methods.crude_rate(data, count="x", population="n", by="g", ci_method="phe", z=None)
    pd.testing.assert_frame_equal(a, b)


def _indicator(**kwargs: object) -> Indicator:
    return Indicator(
        id="x-rate",
        title="X",
        section="demography",
        polarity="low_is_good",
        unit="per 100,000",
        compute=lambda ctx: pd.DataFrame(),
        **kwargs,  # type: ignore[arg-type]
    )


def test_indicator_and_config_set_ci_method_z_and_rag_level() -> None:
    ind = _indicator(ci_method="exact", z=1.96, rag_confidence=0.998)
    assert ind.problems() == []
    assert "ci_method 'poisson'" in " ".join(_indicator(ci_method="poisson").problems())
    assert "rag_confidence" in " ".join(_indicator(rag_confidence=0.9).problems())
    ctx = ComputeContext(workspace=None)  # type: ignore[arg-type]
    ctx.indicator = ind
    assert ctx.interval_options() == {"ci_method": "exact", "z": {0.95: 1.96}}
    config = Config.model_validate(
        {"indicators": {"rag_confidence": 99.8, "options": {"x-rate": {"ci_method": "byars"}}}}
    )
    assert config.indicators.rag_confidence == 0.998
    ctx.config = config.model_dump()
    assert ctx.interval_options() == {"ci_method": "byars", "z": {0.95: 1.96}}


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"rag_confidence": 90}, "rag_confidence must be 0.95 or 0.998"),
        ({"options": {"a": {"ci_method": "poisson"}}}, "ci_method"),
        ({"options": {"a": {"z": -2}}}, "z must be a number > 0"),
        ({"options": {"a": {"z": {"ninety": 2}}}}, "z keys must be confidence levels"),
    ],
)
def test_config_rejects_bad_settings(settings: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Config.model_validate({"indicators": settings})


def test_rag_at_99_8_uses_the_99_8_limits() -> None:
    frame = pd.DataFrame(
        {
            "indicator_id": ["x", "x"],
            "area_code": ["E92000001", "E06999001"],
            "period": "2024",
            "sex": "Persons",
            "age": "All ages",
            "polarity": "low_is_good",
            "source": "computed",
            "parent_code": None,
            "category_type": None,
            "category": None,
            "benchmark_code": None,
            "benchmark_value": np.nan,
            "compared_to_benchmark": None,
            "compared_to_benchmark_99_8": None,
            "value": [100.0, 110.0],
            # significant at 95% (lower 102 > 100), not at 99.8% (lower 98 < 100)
            "lower_ci_95": [99.0, 102.0],
            "upper_ci_95": [101.0, 118.0],
            "lower_ci_99_8": [98.0, 98.0],
            "upper_ci_99_8": [102.0, 122.0],
        }
    )
    at95 = _compare(frame.copy(), "E92000001", {"x": "england"})
    at998 = _compare(frame.copy(), "E92000001", {"x": "england"}, rag={"x": 0.998, "": 0.95})
    assert at95.loc[1, "compared_to_benchmark"] == "Worse"
    assert at998.loc[1, "compared_to_benchmark"] == "Similar"
    assert at95.loc[1, "compared_to_benchmark_99_8"] == "Similar"
