"""Time the population projection for 309 LAs x 91 ages x 2 sexes x 25 years (target < 2 s),
and rates x projected population with simulated intervals for one area.

Run: /work/venv/bin/python benchmarks/bench_projections.py
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from jsna.indicators.methods.projections import (
    prevalence_rates,
    project_population,
    projected_cases,
)


def main(areas: int = 309, years: int = 25) -> None:
    rng = np.random.default_rng(2)
    codes = [f"E06{i:06d}" for i in range(areas)]
    ages = np.arange(91)
    grid = pd.MultiIndex.from_product(
        [codes, [str(y) for y in range(2020, 2025)], ["Male", "Female"], ages],
        names=["area_code", "period", "sex", "age_from"],
    ).to_frame(index=False)
    grid["age_to"] = grid["age_from"].where(grid["age_from"] < 90)
    grid["count"] = rng.uniform(300, 1500, len(grid)) * np.exp(-grid["age_from"] / 70)
    start = time.perf_counter()
    projected = project_population(grid, horizon=years)
    took = time.perf_counter() - start
    print(
        f"project_population: {areas} areas x 91 ages x 2 sexes x {years} years "
        f"({len(projected):,} rows) in {took:.2f} s"
    )
    rates = prevalence_rates(
        pd.DataFrame(
            {
                "condition": "Dementia",
                "sex": ["Male", "Female"] * 3,
                "age_from": [65, 65, 75, 75, 85, 85],
                "age_to": [74, 74, 84, 84, np.nan, np.nan],
                "prevalence": [0.02, 0.025, 0.07, 0.08, 0.2, 0.3],
                "lower_ci_95": [0.015, 0.02, 0.06, 0.07, 0.17, 0.26],
                "upper_ci_95": [0.025, 0.03, 0.08, 0.09, 0.23, 0.34],
            }
        )
    )
    start = time.perf_counter()
    projected_cases(rates, projected.assign(variant="trend"), series="condition", repetitions=2000)
    print(
        f"projected_cases: {areas} areas x {years} years x 2,000 simulations in {time.perf_counter() - start:.2f} s"
    )


if __name__ == "__main__":
    main()
