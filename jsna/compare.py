"""Year-on-year comparison: what changed significantly since last year's results.

``[compare] previous_results`` in jsna.toml names an earlier run's ``results.csv`` (which is
in Fingertips column order), a ``jsna export`` CSV/Parquet, or any Fingertips download.
For each series of this year's results (indicator x area x sex x age x category) the
latest period is compared with the latest period the previous results hold for it.

Test: a two-sided z-test on the difference of the two values,

    z = (v_now - v_before) / sqrt(se_now**2 + se_before**2),   se = (upper95 - lower95) / (2 * 1.959964)

significant when ``|z|`` exceeds the normal quantile of ``[compare] confidence`` (1.96 at
95%). The standard errors come from the published 95% limits, so the test is approximate
where limits are asymmetric (Byar's, Wilson, Dobson at small counts) and assumes the two
periods are independent: pooled periods that overlap (2019-21 and 2020-22) share data, so
they are marked "not compared" rather than tested. The z-test is less conservative than
"the two 95% intervals do not overlap", which misses real differences (Schenker and
Gentleman, 2001, The American Statistician 55:182-186).

Built in as a report-section plugin: it registers through the ``jsna.sections`` entry point
exactly as a third-party block does.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jsna.hookspecs import Block, BlockContext, Cell, SectionPlugin, TableBlock, TextBlock
from jsna.vocabulary.sections import SECTIONS

if TYPE_CHECKING:
    import pandas as pd

SERIES = ["indicator_id", "area_code", "sex", "age", "category_type", "category"]
_Z95 = 1.959963984540054

#: change labels, by polarity and direction of a significant difference
_LABELS = {
    ("high_is_good", 1): "Improved",
    ("high_is_good", -1): "Worsened",
    ("low_is_good", 1): "Worsened",
    ("low_is_good", -1): "Improved",
}


@functools.lru_cache(maxsize=4)
def _read_cached(path: str, mtime_ns: int) -> pd.DataFrame:
    from jsna.errors import InvalidDataError, UnreadableFileError
    from jsna.ingest.base import ReadOptions
    from jsna.ingest.fingertips import FingertipsSource

    file = Path(path)
    if file.suffix.lower() == ".parquet":
        import pandas as pd

        try:
            return pd.read_parquet(file)
        except Exception as exc:  # pyarrow raises several types for a bad file
            raise UnreadableFileError(f"{file}: not a readable Parquet file: {exc}") from exc
    parsed = FingertipsSource().parse(file, ReadOptions())
    if not parsed.report.ok:
        raise InvalidDataError(
            f"{file}: the previous results have errors; nothing was compared", parsed.report.errors
        )
    return parsed.frames["indicator_values"].drop(columns="_row")


def read_previous(path: Path) -> pd.DataFrame:
    """An earlier run's results (results.csv, a Fingertips download, or a Parquet export)."""
    from jsna.errors import UnreadableFileError

    path = Path(path)
    if not path.exists():
        raise UnreadableFileError(
            f"{path}: previous results not found ([compare] previous_results)"
        )
    return _read_cached(str(path.resolve()), path.stat().st_mtime_ns).copy()


def _years(period: Any) -> tuple[int, int] | None:
    """First and last calendar year a period label covers (None when it is not year-based)."""
    text = str(period)
    if m := re.fullmatch(r"(\d{4})\s*-\s*(\d{2,4})", text):
        start, end = int(m.group(1)), int(m.group(2))
        return start, end if end >= 1000 else start // 100 * 100 + end
    if m := re.match(r"(\d{4})", text):
        return int(m.group(1)), int(m.group(1))
    return None


def changes(
    current: pd.DataFrame, previous: pd.DataFrame, *, confidence: float = 0.95
) -> pd.DataFrame:
    """One row per series of ``current``: latest value now, latest value before, and the verdict.

    Columns: the series keys, ``indicator_name``, ``section``, ``unit``, ``polarity``,
    ``period``/``value``, ``previous_period``/``previous_value``, ``difference``, ``z`` and
    ``change``: Improved / Worsened (polarity high or low is good), Increased / Decreased
    (no judgement), No significant change, or Not compared (with ``reason``).
    """
    import numpy as np
    import pandas as pd
    from scipy.stats import norm

    def latest(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.assign(**{k: frame[k].astype("string").fillna("") for k in SERIES})
        frame = frame.assign(
            _order=pd.to_numeric(frame["period_sortable"], errors="coerce").fillna(0)
        )
        frame = frame.sort_values([*SERIES, "_order", "period"], kind="stable")
        return frame.drop_duplicates(SERIES, keep="last")

    cols = ["value", "lower_ci_95", "upper_ci_95", "period"]
    now = latest(current)
    before = latest(previous)[[*SERIES, *cols]].rename(columns={c: f"previous_{c}" for c in cols})
    merged = now.merge(before, on=SERIES, how="left")
    v1, v0 = merged["value"].astype("float64"), merged["previous_value"].astype("float64")
    se1 = (merged["upper_ci_95"].astype("float64") - merged["lower_ci_95"].astype("float64")) / (
        2 * _Z95
    )
    se0 = (
        merged["previous_upper_ci_95"].astype("float64")
        - merged["previous_lower_ci_95"].astype("float64")
    ) / (2 * _Z95)
    se = np.sqrt(se1**2 + se0**2)
    merged["difference"] = v1 - v0
    with np.errstate(divide="ignore", invalid="ignore"):
        merged["z"] = np.where(se > 0, (v1 - v0) / se, np.nan)
    critical = float(norm.ppf(0.5 + confidence / 2))
    spans_now = merged["period"].map(_years)
    spans_before = merged["previous_period"].map(_years)
    overlap = pd.Series(
        [
            a is not None and b is not None and a != b and a[0] <= b[1] and b[0] <= a[1]
            for a, b in zip(spans_now, spans_before, strict=True)
        ],
        index=merged.index,
    )
    reason = pd.Series("", index=merged.index, dtype=object)
    reason[merged["previous_value"].isna()] = "not in the previous results"
    reason[reason.eq("") & merged["previous_period"].eq(merged["period"])] = "no newer period"
    reason[reason.eq("") & overlap] = "the periods overlap"
    reason[reason.eq("") & merged["z"].isna()] = "no confidence limits"
    significant = reason.eq("") & merged["z"].abs().gt(critical)
    direction = np.sign(merged["difference"].fillna(0.0)).astype(int)
    polarity = merged["polarity"].fillna("no_judgement")
    label = [
        (_LABELS.get((p, d)) or ("Increased" if d > 0 else "Decreased"))
        for p, d in zip(polarity, direction, strict=True)
    ]
    merged["change"] = np.where(
        reason.ne(""), "Not compared", np.where(significant, label, "No significant change")
    )
    merged["reason"] = reason
    keep = [
        *SERIES,
        "indicator_name",
        "section",
        "unit",
        "polarity",
        "period",
        "value",
        "previous_period",
        "previous_value",
        "difference",
        "z",
        "change",
        "reason",
    ]
    return merged.reindex(columns=keep).reset_index(drop=True)


def area_changes(ctx: BlockContext) -> pd.DataFrame | None:
    """Changes for the report's area, or None when no previous results are configured."""
    settings = getattr(ctx.config, "compare", None)
    if settings is None or not settings.previous_results:
        return None
    previous = read_previous(ctx.config.path(settings.previous_results))
    current = ctx.area_results()
    previous = previous[previous["area_code"].eq(ctx.area_code)]
    if current.empty:
        return None
    return changes(current, previous, confidence=settings.confidence)


#: a significant change as a comparison colour (the report's palette for table cells)
_CHANGE_OUTCOMES = {
    "Improved": "Better",
    "Worsened": "Worse",
    "Increased": "Higher",
    "Decreased": "Lower",
}


def _changes_block(section_id: str, ctx: BlockContext) -> list[Block] | None:
    from jsna.report.text import fmt

    found = area_changes(ctx)
    if found is None:
        return None
    rows = found[found["section"].eq(section_id)]
    if rows.empty:
        return None
    label = ctx.config.compare.label
    title = f"Changes since {label}"
    moved = rows[~rows["change"].isin(["No significant change", "Not compared"])]
    steady = int(rows["change"].eq("No significant change").sum())
    not_compared = int(rows["change"].eq("Not compared").sum())
    level = round(ctx.config.compare.confidence * 100, 1)
    summary = TextBlock(
        f"Compared with {label}: {len(moved)} significant change{'s' if len(moved) != 1 else ''} "
        f"at the {level:g}% level, {steady} without significant change"
        f"{f', {not_compared} not compared (new, no newer period, overlapping periods or no limits)' if not_compared else ''}.",
        title=title,
    )
    if moved.empty:
        return [summary]
    table_rows: list[list[Any]] = []
    order = {"Persons": 0, "Female": 1, "Male": 2}
    moved = moved.assign(_sex=moved["sex"].map(order).fillna(3))
    for _, r in moved.sort_values(
        ["change", "indicator_name", "_sex", "age", "category"]
    ).iterrows():
        ind = ctx.indicators.get(str(r["indicator_id"]))
        decimals = ind.decimals if ind is not None else 1
        unit = str(r["unit"] or "")
        who = [
            str(r[k])
            for k in ("sex", "age", "category")
            if r[k] and r[k] not in ("Persons", "All ages")
        ]
        change = str(r["change"])
        table_rows.append(
            [
                str(r["indicator_name"]) + (f" ({', '.join(who)})" if who else ""),
                f"{fmt(r['previous_value'], decimals, unit)} ({r['previous_period']})",
                f"{fmt(r['value'], decimals, unit)} ({r['period']})",
                Cell(change, outcome=_CHANGE_OUTCOMES[change]),
            ]
        )
    table = TableBlock(
        columns=["Indicator", "Before", "Now", "Change"],
        rows=table_rows,
        caption=f"Indicators that changed significantly since {label}",
        note=(
            "A change is significant when a z-test on the difference between the two values, "
            "with standard errors taken from their 95% confidence limits, rejects no change at "
            f"the {level:g}% level. Series whose periods overlap, or without a newer period, "
            "are not compared."
        ),
    )
    return [summary, table]


#: one block per section, registered through the ``jsna.sections`` entry point
SECTION_PLUGINS = [
    SectionPlugin(
        id=f"changes-since-previous-{info.id.replace('_', '-')}",
        section=info.id,
        title="Significant changes since the previous results ([compare] previous_results)",
        render=functools.partial(_changes_block, info.id),
        order=10,
    )
    for info in SECTIONS
]
