"""Time slope_index_of_inequality on 700 groups x 10 deciles x 100,000 repetitions.

The reference (PHEindicatormethods phe_sii) takes about 450 s for this on the team's machine.
Run: /work/venv/bin/python benchmarks/bench_sii.py
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from jsna.indicators.methods.inequality import slope_index_of_inequality


def main(groups: int = 700, repetitions: int = 100_000) -> None:
    rng = np.random.default_rng(1)
    n = groups * 10
    data = pd.DataFrame(
        {
            "g": np.repeat(np.arange(groups), 10),
            "q": np.tile(np.arange(1, 11), groups),
            "pop": rng.integers(1000, 20000, n).astype(float),
            "val": rng.uniform(50, 500, n),
        }
    )
    data["lo"], data["hi"] = data["val"] * 0.9, data["val"] * 1.1
    for value_type in ("normal", "rate", "proportion"):
        d = (
            data.assign(val=data["val"] / 1000, lo=data["lo"] / 1000, hi=data["hi"] / 1000)
            if value_type == "proportion"
            else data
        )
        start = time.perf_counter()
        slope_index_of_inequality(
            d,
            value="val",
            population="pop",
            quantile="q",
            by="g",
            lower_ci="lo",
            upper_ci="hi",
            value_type=value_type,
            repetitions=repetitions,
        )
        print(
            f"{value_type:>10}: {groups} groups x {repetitions:,} repetitions in {time.perf_counter() - start:.2f} s"
        )


if __name__ == "__main__":
    main()
