"""Recompute the published limits of Fingertips exports from their counts (not part of the tests).

For every row of every Fingertips export under ``--data`` (default
``../shared/data/real/fingertips_*``, or ``$JSNA_REAL_DATA``) that publishes a value, 95%
(and 99.8%) limits, a count and a denominator, the limits are recomputed with each method
jsna offers, and the row counts as reproduced by the first method whose every published
limit agrees to 1e-6 relative:

* proportions: Wilson (``z_for``), Wilson with z = 1.96 exactly, exact (Clopper-Pearson);
* rates (``ci_method``): phe (exact under 10, Byar's from 10), phe with z = 1.96, exact,
  Byar's, Byar's with z = 1.96.

Proportions are tried for rows whose count is at most the denominator (a proportion per 1,000
households is still a proportion), rates for all. The multiplier is read from the row (value / (count / denominator), nearest of 1, 100,
1,000, 10,000, 100,000). Printed per indicator and period: rows, rows with the pieces, the
share reproduced and by which method, then why the others match none: no count or
denominator (suppressed), a value that does not recompute from its count and denominator
(rounded counts in the export, or a standardised rate), limits that agree only to the
decimals published, a fractional count or denominator (an area apportioned from others), or no
method.

Run: ``PYTHONPATH=. python benchmarks/bench_published_limits.py [--data DIR]``.
"""

from __future__ import annotations

import argparse
import os
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from jsna.indicators.methods.intervals import poisson_interval, proportion_interval

RTOL = 1e-6
MULTIPLIERS = np.array([1.0, 100.0, 1_000.0, 10_000.0, 100_000.0])
#: how the columns of a Fingertips download and of fingertipsR's cleaned names map
COLUMNS = {
    "indicator_id": ("Indicator ID", "indicatorid"),
    "period": ("Time period", "timeperiod"),
    "value": ("Value", "value"),
    "count": ("Count", "count"),
    "denominator": ("Denominator", "denominator"),
    "lower_95": ("Lower CI 95.0 limit", "lowerci95.0limit"),
    "upper_95": ("Upper CI 95.0 limit", "upperci95.0limit"),
    "lower_99_8": ("Lower CI 99.8 limit", "lowerci99.8limit"),
    "upper_99_8": ("Upper CI 99.8 limit", "upperci99.8limit"),
}
PROPORTION_METHODS = [
    ("wilson", {"ci_method": "wilson"}),
    ("wilson z=1.96", {"ci_method": "wilson", "z": 1.96}),
    ("clopper-pearson", {"ci_method": "exact"}),
]
RATE_METHODS = [
    ("rate phe", {"ci_method": "phe"}),
    ("rate phe z=1.96", {"ci_method": "phe", "z": 1.96}),
    ("rate exact", {"ci_method": "exact"}),
    ("rate byars", {"ci_method": "byars"}),
    ("rate byars z=1.96", {"ci_method": "byars", "z": 1.96}),
]
LEVELS = (("95", 0.95), ("99_8", 0.998))


def _default_data() -> Path:
    env = os.environ.get("JSNA_REAL_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[3] / "shared" / "data" / "real"


def read_export(path: Path) -> pd.DataFrame | None:
    """The export's rows in the columns above, or None when it has no limits or counts."""
    head = pd.read_csv(path, nrows=0).columns
    chosen = {}
    for name, options in COLUMNS.items():
        found = [c for c in options if c in head]
        if found:
            chosen[found[0]] = name
    if not {"count", "denominator", "lower_95", "value"} <= set(chosen.values()):
        return None
    frame = pd.read_csv(path, usecols=list(chosen), low_memory=False).rename(columns=chosen)
    for name in COLUMNS:
        if name not in frame:
            frame[name] = np.nan
    frame["file"] = path.name
    return frame


def _decimals(values: pd.Series) -> np.ndarray:
    """Decimal places each published number was written with (as read back from the CSV)."""
    text = values.map(lambda x: "" if pd.isna(x) else repr(float(x)))
    return text.map(lambda t: len(t.split(".")[1]) if "." in t and "e" not in t else 0).to_numpy()


def _recompute(
    x: np.ndarray, n: np.ndarray, mult: np.ndarray, kind: str, options: dict, level: float
) -> tuple[np.ndarray, np.ndarray]:
    z = options.get("z") if level == 0.95 else None
    method = options["ci_method"]
    with np.errstate(all="ignore"):
        if kind == "proportion":
            lo, up = proportion_interval(x, n, level, ci_method=method, z=z)
            return lo * mult, up * mult
        lo, up, _ = poisson_interval(x, level, ci_method=method, z=z)
        return lo / n * mult, up / n * mult


def classify(frame: pd.DataFrame) -> pd.DataFrame:
    """Add ``status`` (the reproducing method, or why none does) to each row."""
    out = frame.copy()
    x = out["count"].to_numpy(dtype="float64")
    n = out["denominator"].to_numpy(dtype="float64")
    v = out["value"].to_numpy(dtype="float64")
    status = np.full(len(out), "", dtype=object)
    status[np.isnan(out["lower_95"].to_numpy(dtype="float64"))] = "no published limits"
    status[(status == "") & np.isnan(v)] = "value suppressed"
    pieces = ~(np.isnan(x) | np.isnan(n) | (n <= 0))
    status[(status == "") & ~pieces] = "no count or denominator (suppressed)"
    with np.errstate(all="ignore"):
        ratio = v / (x / n)
    idx = np.abs(np.log10(np.where(ratio > 0, ratio, np.nan))[:, None] - np.log10(MULTIPLIERS))
    mult = MULTIPLIERS[np.nanargmin(np.where(np.isnan(idx), np.inf, idx), axis=1)]
    recomputes = np.isclose(x / n * mult, v, rtol=RTOL, atol=0)
    status[(status == "") & ~recomputes] = (
        "value does not recompute (rounded counts or standardised)"
    )
    todo = status == ""
    published = {
        label: (
            out[f"lower_{label}"].to_numpy(dtype="float64"),
            out[f"upper_{label}"].to_numpy(dtype="float64"),
        )
        for label, _ in LEVELS
    }
    rounded = np.zeros(len(out), dtype=bool)
    proportion_like = x <= n
    for kind, candidates in (("proportion", PROPORTION_METHODS), ("rate", RATE_METHODS)):
        rows = todo & (proportion_like if kind == "proportion" else True)
        for name, options in candidates:
            ok = rows & (status == "")
            close_round = ok.copy()
            for label, level in LEVELS:
                p_lo, p_up = published[label]
                given = ~np.isnan(p_lo)
                # rows outside this family get harmless inputs (a count above its denominator
                # is no proportion)
                xs, ns = np.where(rows, x, 0.0), np.where(rows, n, 1.0)
                lo, up = _recompute(xs, ns, mult, kind, options, level)
                match = np.isclose(lo, p_lo, rtol=RTOL, atol=0) & np.isclose(
                    up, p_up, rtol=RTOL, atol=0
                )
                ok &= match | ~given
                dec = np.maximum(_decimals(out[f"lower_{label}"]), _decimals(out[f"upper_{label}"]))
                half = 0.5 * 10.0 ** (-dec) * (1 + 1e-9)
                near = (np.abs(lo - p_lo) <= half) & (np.abs(up - p_up) <= half)
                close_round &= near | ~given
            status[ok] = name
            rounded |= close_round & (status == "")
    status[(status == "") & rounded] = "limits agree only to the decimals published"
    fractional = (x != np.floor(x)) | (n != np.floor(n))
    status[(status == "") & fractional] = "no method: fractional count or denominator (apportioned)"
    rounded_to_5 = (x % 5 == 0) & (x > 0)
    status[(status == "") & rounded_to_5] = "no method: count a multiple of 5 (HES rounding)"
    status[status == ""] = "no method"
    out["status"] = status
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=_default_data(), help="real data folder")
    args = parser.parse_args()
    frames = []
    for path in sorted(args.data.glob("fingertips_*/*.csv")):
        frame = read_export(path)
        if frame is not None:
            frames.append(classify(frame))
    if not frames:
        raise SystemExit(f"no Fingertips export with counts and limits under {args.data}")
    rows = pd.concat(frames, ignore_index=True)
    methods = [m for m, _ in PROPORTION_METHODS + RATE_METHODS]
    print(
        f"{'file / indicator':<34} {'period':<16} {'rows':>5} {'with pieces':>11} {'reproduced':>10}  by method; other rows"
    )
    for (file, ind, period), grp in rows.groupby(["file", "indicator_id", "period"], sort=True):
        counts = Counter(grp["status"])
        pieces = (
            len(grp)
            - counts["no published limits"]
            - counts["value suppressed"]
            - counts["no count or denominator (suppressed)"]
        )
        done = sum(counts[m] for m in methods)
        share = f"{done / pieces:.1%}" if pieces else "-"
        by = ", ".join(f"{m} {counts[m]}" for m in methods if counts[m])
        other = ", ".join(f"{k} {c}" for k, c in counts.items() if k not in methods)
        label = f"{file.removesuffix('.csv')} {ind}"
        print(
            f"{label:<34} {period!s:<16} {len(grp):>5} {pieces:>11} {share:>10}  {by or '-'}; {other or '-'}"
        )
    total = Counter(rows["status"])
    print("\nall rows:", ", ".join(f"{k} {c}" for k, c in total.most_common()))


if __name__ == "__main__":
    main()
