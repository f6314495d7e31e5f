"""Time the hot paths of jsna.indicators.methods against a plain numpy floor (not part of the tests).

Each measure is timed beside a plain numpy implementation of the same output (arrays in,
arrays out, ``scipy.special`` allowed), in the same process, best of several repeats, and the
ratio jsna / floor is printed; the outputs of the two are compared (max abs difference). When
PHStatsMethods (the GPL Python port of PHEindicatormethods) is installed, per-row crude rates
are also timed against its ``ph_rate``; it is a comparator only, never a dependency.

Run: ``PYTHONPATH=. python benchmarks/bench_methods.py`` (``--quick`` skips the 1M-row rates).
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from jsna.indicators import methods
from jsna.indicators.methods.esp2013 import ESP2013_BANDS, european_standard_population

LE_BANDS = ["<1", "1-4"] + [f"{a}-{a + 4}" for a in range(5, 90, 5)] + ["90+"]
LEVELS = (0.95, 0.998)


def rate_frame(n: int, seed: int = 3) -> pd.DataFrame:
    """One row per area: counts around the exact/Byar switch, a few zero populations."""
    rng = np.random.default_rng(seed)
    population = rng.integers(100, 5000, n)
    population[rng.random(n) < 0.001] = 0
    return pd.DataFrame(
        {
            "area_code": np.arange(n),
            "count": rng.poisson(rng.choice([2.0, 8.0, 40.0], n)).astype("int64"),
            "population": population,
        }
    )


def dsr_frame(n_areas: int = 33_755, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    bands = list(ESP2013_BANDS)
    n = n_areas * 2 * len(bands)
    return pd.DataFrame(
        {
            "area_code": np.repeat([f"E01{i:06d}" for i in range(n_areas)], 2 * len(bands)),
            "sex": np.tile(np.repeat(["Male", "Female"], len(bands)), n_areas),
            "age_band": np.tile(bands, 2 * n_areas),
            "count": rng.poisson(3, n).astype("int64"),
            "population": rng.integers(20, 200, n),
        }
    )


def le_frame(n_areas: int = 7_000, seed: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    k = len(LE_BANDS)
    n = n_areas * 2 * k
    pop = rng.integers(500, 3000, n)
    rate = np.tile(np.r_[0.004, 0.0002, np.geomspace(0.0001, 0.25, k - 2)], 2 * n_areas)
    return pd.DataFrame(
        {
            "area_code": np.repeat([f"E02{i:06d}" for i in range(n_areas)], 2 * k),
            "sex": np.tile(np.repeat(["Male", "Female"], k), n_areas),
            "age_band": np.tile(LE_BANDS, 2 * n_areas),
            "deaths": rng.poisson(pop * rate),
            "population": pop,
        }
    )


def best_of(fn: Callable[[], object], repeats: int = 5) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


# -- numpy floors: the same output from plain arrays ---------------------------------------------
def _byars(x: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    x1 = x + 1
    lower = x * (1 - 1 / (9 * x) - z / (3 * np.sqrt(x))) ** 3
    upper = x1 * (1 - 1 / (9 * x1) + z / (3 * np.sqrt(x1))) ** 3
    return lower, upper


def floor_crude_rate(
    x: np.ndarray, n: np.ndarray, multiplier: float = 100_000
) -> dict[str, np.ndarray]:
    """Per-row rate and 95%/99.8% limits: exact Poisson under 10 events, Byar's otherwise."""
    from scipy.special import gammaincinv, ndtri

    zero = n == 0
    scale = np.where(zero, np.nan, multiplier / np.where(zero, 1, n))
    out = {"value": x * scale}
    exact = x < 10
    xe, xb = x[exact], x[~exact]
    for level in LEVELS:
        alpha = 1 - level
        lower, upper = np.empty_like(x), np.empty_like(x)
        lower[~exact], upper[~exact] = _byars(xb, float(ndtri(1 - alpha / 2)))
        lower[exact] = np.where(xe > 0, gammaincinv(np.maximum(xe, 1), alpha / 2), 0.0)
        upper[exact] = gammaincinv(xe + 1, 1 - alpha / 2)
        out[f"lower_{level}"], out[f"upper_{level}"] = lower * scale, upper * scale
    return out


def floor_dsr(data: pd.DataFrame, standard: pd.Series) -> dict[str, np.ndarray]:
    """DSR and Dobson limits per (area, sex), from the frame's columns with no checks.

    The least any implementation must do: code the two key columns and the band labels
    (``pd.factorize``, a hash per row), look each distinct band up once, and sum with
    ``np.bincount``. Groups come out in order of first appearance.
    """
    from scipy.special import ndtri

    area, _ = pd.factorize(data["area_code"])
    sex, sexes = pd.factorize(data["sex"])
    group, keys = pd.factorize(area.astype(np.int64) * len(sexes) + sex)
    g = len(keys)
    band, labels = pd.factorize(data["age_band"])
    w = standard.reindex(labels).to_numpy()[band]
    x = data["count"].to_numpy(dtype="float64")
    n = data["population"].to_numpy(dtype="float64")
    ratio = w / n
    xr = x * ratio
    total_x = np.bincount(group, weights=x, minlength=g)
    wt = np.bincount(group, weights=xr, minlength=g)
    sq = np.bincount(group, weights=xr * ratio, minlength=g)
    total_w = standard.sum()
    value = wt / total_w * 100_000
    scale = np.sqrt(sq / (total_w * total_w) / total_x) * 100_000
    out = {"value": value}
    for level in LEVELS:
        lower, upper = _byars(np.maximum(total_x, 10), float(ndtri(level + (1 - level) / 2)))
        out[f"lower_{level}"] = value + scale * (lower - total_x)
        out[f"upper_{level}"] = value + scale * (upper - total_x)
    return out


def _max_diff(a: np.ndarray, b: np.ndarray) -> float:
    both = np.isfinite(a) & np.isfinite(b)
    if not np.array_equal(np.isfinite(a), np.isfinite(b)):
        return float("inf")
    return float(np.max(np.abs(a[both] - b[both]), initial=0.0))


def _line(name: str, jsna_s: float, floor_s: float | None, target: str = "") -> None:
    if floor_s is None:
        print(f"{name:<44} jsna {jsna_s * 1e3:9.1f} ms")
        return
    print(
        f"{name:<44} jsna {jsna_s * 1e3:9.1f} ms   floor {floor_s * 1e3:9.1f} ms   "
        f"ratio {jsna_s / floor_s:5.2f}   {target}"
    )


def bench_crude_rate(n: int) -> float:
    data = rate_frame(n)
    x = data["count"].to_numpy(dtype="float64")
    pop = data["population"].to_numpy(dtype="float64")

    def run() -> pd.DataFrame:
        return methods.crude_rate(
            data, count="count", population="population", by="area_code", confidence=LEVELS
        )

    t_jsna = best_of(run, 7)
    t_floor = best_of(lambda: floor_crude_rate(x, pop), 7)
    out, ref = run(), floor_crude_rate(x, pop)
    diff = max(
        _max_diff(out["value"].to_numpy(), ref["value"]),
        *(
            _max_diff(out[f"{side}_ci_{lab}"].to_numpy(), ref[f"{side}_{level}"])
            for level, lab in zip(LEVELS, ("95", "99_8"), strict=True)
            for side in ("lower", "upper")
        ),
    )
    _line(f"crude_rate per row, {n:,} rows", t_jsna, t_floor, "(target <= 1.5)")
    print(f"{'':<44} max |jsna - floor| = {diff:.3g}")
    return t_jsna


def bench_phstatsmethods(n: int, t_jsna: float) -> None:
    try:
        from PHStatsMethods import ph_rate
    except ImportError:
        print("PHStatsMethods: not installed (pip install phstatsmethods to compare)")
        return
    data = rate_frame(n)
    # ph_rate refuses zero counts (its byars_upper raises) and zero populations
    data = data[(data["population"] > 0) & (data["count"] > 0)].reset_index(drop=True)
    data["area_code"] = data["area_code"].astype(str)
    start = time.perf_counter()
    theirs = ph_rate(
        data, "count", "population", group_cols="area_code", confidence=list(LEVELS)
    ).sort_values("area_code")
    t_them = time.perf_counter() - start
    ours = methods.crude_rate(
        data, count="count", population="population", by="area_code", confidence=LEVELS
    ).sort_values("area_code")
    t_ours = best_of(
        lambda: methods.crude_rate(
            data, count="count", population="population", by="area_code", confidence=LEVELS
        ),
        7,
    )
    diffs = []
    for col in theirs.columns:
        for level, lab in zip(LEVELS, ("95", "99_8"), strict=True):
            for side in ("lower", "upper"):
                if side in col.lower() and (f"{level * 100:g}" in col):
                    diffs.append(
                        _max_diff(
                            theirs[col].to_numpy(dtype="float64"),
                            ours[f"{side}_ci_{lab}"].to_numpy(),
                        )
                    )
    print(
        f"{'PHStatsMethods ph_rate, ' + f'{len(data):,} rows':<44} "
        f"{t_them:.2f} s; jsna {t_ours * 1e3:.1f} ms: jsna {t_them / t_ours:,.0f}x faster "
        "(target >= 750x)"
    )
    print(f"{'':<44} max |jsna - PHStatsMethods| limits = {max(diffs, default=float('nan')):.3g}")


def bench_dsr() -> None:
    dsr = dsr_frame()
    std = european_standard_population("90+")

    def run() -> pd.DataFrame:
        return methods.directly_standardised_rate(
            dsr, count="count", population="population", age_band="age_band",
            by=["area_code", "sex"], confidence=LEVELS,
        )  # fmt: skip

    t_jsna = best_of(run)
    t_floor = best_of(lambda: floor_dsr(dsr, std))
    out = run()
    ref = floor_dsr(dsr, std)
    # floor groups are (area i, Male), (area i, Female); jsna's are sorted: Female first
    g = len(out)
    order = np.lexsort((np.tile([1, 0], g // 2), np.repeat(np.arange(g // 2), 2)))
    small = out["count"].to_numpy() < 10
    diff = max(
        _max_diff(np.where(small, np.nan, ref[key][order]), out[col].to_numpy())
        for key, col in (
            ("value", "value"),
            ("lower_0.95", "lower_ci_95"),
            ("upper_0.998", "upper_ci_99_8"),
        )
    )
    _line(f"directly_standardised_rate, {len(dsr):,} rows", t_jsna, t_floor, "(target <= 1.5)")
    print(f"{'':<44} max |jsna - floor| = {diff:.3g}")


def bench_life_expectancy() -> None:
    le = le_frame()
    t = best_of(
        lambda: methods.life_expectancy(
            le, deaths="deaths", population="population", age_band="age_band",
            by=["area_code", "sex"], confidence=LEVELS,
        )
    )  # fmt: skip
    _line(f"life_expectancy, {len(le):,} rows", t, None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the 1M-row crude rates")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}, {os.cpu_count()} cores")
    t20k = bench_crude_rate(20_000)
    if not args.quick:
        bench_crude_rate(1_000_000)
    bench_phstatsmethods(20_000, t20k)
    bench_dsr()
    bench_life_expectancy()


if __name__ == "__main__":
    main()
