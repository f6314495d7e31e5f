"""Time the hot paths of jsna.indicators.methods (not part of the test run).

Run: ``PYTHONPATH=. python benchmarks/bench_methods.py``
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from jsna.indicators import methods
from jsna.indicators.methods.esp2013 import ESP2013_BANDS

LE_BANDS = ["<1", "1-4"] + [f"{a}-{a + 4}" for a in range(5, 90, 5)] + ["90+"]


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


def best_of(fn, repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    dsr = dsr_frame()
    t = best_of(
        lambda: methods.directly_standardised_rate(
            dsr, count="count", population="population", age_band="age_band",
            by=["area_code", "sex"], confidence=(0.95, 0.998),
        )
    )  # fmt: skip
    print(f"directly_standardised_rate: {len(dsr):,} rows, 95% + 99.8% limits: {t:.3f} s")

    le = le_frame()
    t = best_of(
        lambda: methods.life_expectancy(
            le, deaths="deaths", population="population", age_band="age_band",
            by=["area_code", "sex"], confidence=(0.95, 0.998),
        )
    )  # fmt: skip
    print(f"life_expectancy: {len(le):,} rows (7,000 areas x 2 sexes x 20 bands): {t:.3f} s")

    t = best_of(
        lambda: methods.crude_rate(
            dsr, count="count", population="population", by=["area_code", "sex"]
        )
    )
    print(f"crude_rate: {len(dsr):,} rows: {t:.3f} s")


if __name__ == "__main__":
    main()
