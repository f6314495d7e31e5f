"""Whether a published table's 95% limits can be reproduced from its counts, and by which method.

A published indicator table (``jsna ingest published``) often gives each row's numerator and
denominator beside the value and its limits. The value tells the scale: it is the count over
the denominator times 1, 100, 1,000, 10,000 or 100,000 (to the published rounding). The limits
are then recomputed by every method the publisher may have used: for a proportion (a count no
larger than its denominator, at any of those scales) Wilson and Clopper-Pearson; for a rate the
OHID rule (exact Poisson under 10 events, Byar's from 10), exact Poisson for every count,
Byar's for every count, and Byar's with z = 1.96 exactly. A limit agrees when it equals the
recomputed one to the decimals it is published with.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

MULTIPLIERS = (1.0, 100.0, 1_000.0, 10_000.0, 100_000.0)
#: (label, family, options) of every method tried, in the order they are named
METHODS: tuple[tuple[str, str, dict[str, object]], ...] = (
    ("Wilson score", "proportion", {"ci_method": "wilson"}),
    ("Clopper-Pearson (exact)", "proportion", {"ci_method": "exact"}),
    ("exact Poisson under 10 events, Byar's from 10", "rate", {"ci_method": "phe"}),
    ("exact Poisson", "rate", {"ci_method": "exact"}),
    ("Byar's", "rate", {"ci_method": "byars"}),
    ("Byar's with z = 1.96", "rate", {"ci_method": "byars", "z": {0.95: 1.96}}),
)


def _decimals(x: float) -> int:
    """Decimals a published figure was written with (``81.6`` -> 1, ``12`` -> 0), at most 6."""
    text = repr(float(x))
    if "e" in text or "." not in text:
        return 6 if "e" in text else 0
    frac = text.split(".", 1)[1]
    return 0 if frac == "0" else min(len(frac), 6)


def _half_unit(values: pd.Series) -> pd.Series:
    import numpy as np

    return values.map(lambda x: 0.5 * 10.0 ** -_decimals(x) if x == x else np.nan) + 1e-9


def limits_agreement(values: pd.DataFrame) -> pd.Series:
    """Per row, a note on whether its published 95% limits are reproduced; one row per input row.

    Rows without a count, a positive denominator, a value or both 95% limits, and rows whose
    value is not count / denominator at one of :data:`MULTIPLIERS`, get no note (missing).

    Returns
    -------
    pandas.Series
        ``"published 95% limits reproduced from the count and denominator (Wilson score)"``,
        or ``"published 95% limits not reproduced from the count and denominator by any
        method tried (nearest: …)"``, indexed like ``values``.
    """
    import numpy as np
    import pandas as pd

    from jsna.indicators import methods

    notes = pd.Series(None, index=values.index, dtype="object")
    need = ["count", "denominator", "value", "lower_ci_95", "upper_ci_95"]
    if values.empty or not set(need) <= set(values.columns):
        return notes
    frame = values[need].apply(pd.to_numeric, errors="coerce")
    ok = frame.notna().all(axis=1) & frame["denominator"].gt(0) & frame["count"].ge(0)
    frame = frame[ok]
    if frame.empty:
        return notes
    share = frame["count"] / frame["denominator"]
    tolerance = _half_unit(frame["value"])
    multiplier = pd.Series(np.nan, index=frame.index)
    for m in MULTIPLIERS:
        fits = multiplier.isna() & ((share * m - frame["value"]).abs() <= tolerance)
        multiplier[fits] = m
    frame = frame.assign(multiplier=multiplier, _key=np.arange(len(frame)))[multiplier.notna()]
    if frame.empty:
        return notes
    low_tol, up_tol = _half_unit(frame["lower_ci_95"]), _half_unit(frame["upper_ci_95"])
    found = pd.Series(None, index=frame.index, dtype="object")
    nearest = pd.Series(np.inf, index=frame.index)
    nearest_text = pd.Series("", index=frame.index, dtype="object")
    for m in frame["multiplier"].unique():
        part = frame[frame["multiplier"].eq(m)]
        is_share = part["count"].le(part["denominator"])
        for label, family, options in METHODS:
            rows = part[is_share] if family == "proportion" else part
            if rows.empty:
                continue
            if family == "proportion":
                got = methods.proportion(
                    rows,
                    numerator="count",
                    denominator="denominator",
                    by="_key",
                    multiplier=m,
                    confidence=0.95,
                    **options,  # type: ignore[arg-type]
                )
            else:
                got = methods.crude_rate(
                    rows,
                    count="count",
                    population="denominator",
                    by="_key",
                    multiplier=m,
                    confidence=0.95,
                    **options,  # type: ignore[arg-type]
                )
            got = got.set_index("_key").loc[rows["_key"]]
            lower = pd.Series(got["lower_ci_95"].to_numpy(), index=rows.index)
            upper = pd.Series(got["upper_ci_95"].to_numpy(), index=rows.index)
            gap = (lower - rows["lower_ci_95"]).abs() + (upper - rows["upper_ci_95"]).abs()
            agree = (lower - rows["lower_ci_95"]).abs().le(low_tol[rows.index]) & (
                upper - rows["upper_ci_95"]
            ).abs().le(up_tol[rows.index])
            first = agree & found[rows.index].isna()
            found[first[first].index] = label
            closer = gap.lt(nearest[rows.index])
            idx = closer[closer].index
            nearest[idx] = gap[idx]
            d = [max(_decimals(x), 1) for x in rows.loc[idx, "lower_ci_95"]]
            nearest_text[idx] = [  # type: ignore[call-overload]  # pandas-stubs: a list of str is allowed
                f"{label} {lo:.{k}f} to {up:.{k}f}"
                for lo, up, k in zip(lower[idx], upper[idx], d, strict=True)
            ]
    done = found.notna()
    notes[found[done].index] = (
        "published 95% limits reproduced from the count and denominator (" + found[done] + ")"
    )
    rounded = frame["count"].mod(5).eq(0) & frame["count"].gt(0)
    notes[found[~done].index] = (
        "published 95% limits not reproduced from the count and denominator by any method "
        "tried (nearest: "
        + nearest_text[~done]
        + ")"
        + rounded[~done].map({True: "; the count is a multiple of 5, perhaps rounded", False: ""})
    )
    return notes


def agreement_summary(notes: pd.Series) -> str:
    """One sentence for the ingest summary: how many rows' limits agree, and by which method."""
    checked = notes.dropna()
    if checked.empty:
        return ""
    agree = checked[checked.str.contains("limits reproduced")]
    by = agree.str.extract(r"\(([^)]*)\)$", expand=False).value_counts(sort=False)
    parts = [f"{n} by {label}" for label, n in by.items()]
    text = (
        f"published 95% limits checked on {len(checked)} row(s) with counts: "
        f"{len(agree)} reproduced" + (f" ({', '.join(parts)})" if parts else "")
    )
    if len(agree) < len(checked):
        text += f", {len(checked) - len(agree)} not reproduced by any method tried"
    return text
