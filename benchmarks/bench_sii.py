"""Time slope_index_of_inequality on 700 groups x 10 deciles x 100,000 repetitions.

Beside each value type it times a one-thread numpy floor of the same simulation (draw every
quantile's values, re-solve the weighted regression per draw as weighted sums, keep the
order statistics), and jsna on one thread and on every core. The reference
(PHEindicatormethods phe_sii) takes about 450 s for this on the team's machine.

Run: ``PYTHONPATH=. python benchmarks/bench_sii.py [--repetitions N] [--groups G]``
"""

from __future__ import annotations

import argparse
import os
import time
from unittest import mock

import numpy as np
import pandas as pd

from jsna.indicators.methods.inequality import slope_index_of_inequality


def sii_frame(groups: int) -> pd.DataFrame:
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
    return data


def floor_sii(data: pd.DataFrame, value_type: str, repetitions: int, groups: int) -> np.ndarray:
    """One-thread numpy: 95% limits of the SII per group (groups are 10 consecutive rows)."""
    rng = np.random.default_rng(7)
    y = data["val"].to_numpy().reshape(groups, 10)
    lo = data["lo"].to_numpy().reshape(groups, 10)
    hi = data["hi"].to_numpy().reshape(groups, 10)
    pop = data["pop"].to_numpy().reshape(groups, 10)
    a = pop / pop.sum(axis=1, keepdims=True)
    b = np.cumsum(a, axis=1) - a / 2
    b_bar = (a * b).sum(axis=1, keepdims=True)
    c = a * (b - b_bar) / (a * (b - b_bar) ** 2).sum(axis=1, keepdims=True)  # beta = sum c y
    link, inverse = {
        "normal": (lambda x: x, None),
        "rate": (np.log, np.exp),
        "proportion": (lambda p: np.log(p / (1 - p)), lambda t: 1 / (1 + np.exp(-t))),
    }[value_type]
    mean = link(y)
    se = (link(hi) - link(lo)) / (2 * 1.959963984540054)
    out = np.empty((groups, 2))
    k = (round(repetitions * 0.025) - 1, round(repetitions * 0.975) - 1)
    if value_type == "normal":
        # the SII is linear in normal draws: it is itself normal, so draw it directly
        beta = (c * y).sum(axis=1)
        sd = np.sqrt((c * c * se * se).sum(axis=1))
        block = max(1, 20_000_000 // repetitions)
        for g0 in range(0, groups, block):
            g1 = min(groups, g0 + block)
            sims = rng.standard_normal((g1 - g0, repetitions))
            sims *= sd[g0:g1, None]
            sims += beta[g0:g1, None]
            out[g0:g1] = np.partition(sims, k, axis=1)[:, list(k)]
        return out
    block = max(1, 2_000_000 // (10 * repetitions) or 1)
    for g0 in range(0, groups, block):
        g1 = min(groups, g0 + block)
        draws = rng.standard_normal((g1 - g0, 10, repetitions), dtype=np.float32)
        draws *= se[g0:g1, :, None].astype(np.float32)
        draws += mean[g0:g1, :, None].astype(np.float32)
        assert inverse is not None
        draws = inverse(draws)
        sims = np.einsum("gq,gqr->gr", c[g0:g1].astype(np.float32), draws)
        out[g0:g1] = np.partition(sims, k, axis=1)[:, list(k)]
    return out


def run_jsna(data: pd.DataFrame, value_type: str, repetitions: int) -> pd.DataFrame:
    d = (
        data.assign(val=data["val"] / 1000, lo=data["lo"] / 1000, hi=data["hi"] / 1000)
        if value_type == "proportion"
        else data
    )
    return slope_index_of_inequality(
        d, value="val", population="pop", quantile="q", by="g", lower_ci="lo",
        upper_ci="hi", value_type=value_type, repetitions=repetitions,
    )  # fmt: skip


def timed(fn) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=700)
    parser.add_argument("--repetitions", type=int, default=100_000)
    parser.add_argument("--types", default="normal,rate,proportion")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f}, {os.cpu_count()} cores")
    data = sii_frame(args.groups)
    for value_type in args.types.split(","):
        d = (
            data.assign(val=data["val"] / 1000, lo=data["lo"] / 1000, hi=data["hi"] / 1000)
            if value_type == "proportion"
            else data
        )
        t_floor = timed(lambda: floor_sii(d, value_type, args.repetitions, args.groups))  # noqa: B023
        with mock.patch("os.cpu_count", return_value=1):
            t_one = timed(lambda: run_jsna(data, value_type, args.repetitions))  # noqa: B023
        t_all = timed(lambda: run_jsna(data, value_type, args.repetitions))  # noqa: B023
        print(
            f"{value_type:>10}: {args.groups} groups x {args.repetitions:,} repetitions: "
            f"jsna 1 thread {t_one:.2f} s, {os.cpu_count()} threads {t_all:.2f} s; "
            f"floor (1 thread) {t_floor:.2f} s; ratio 1 thread {t_one / t_floor:.2f}, "
            f"all threads {t_all / t_floor:.2f} (target <= 1.2)"
        )


if __name__ == "__main__":
    main()
