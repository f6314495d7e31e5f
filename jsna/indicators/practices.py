"""GP practices of an area: their published indicators, compared and put on funnel plots.

``jsna compute`` stores :func:`practice_analysis` as ``analysis_practices``; the report
(``jsna/report/practices.py``) only reads it.

Which practices belong to an authority
--------------------------------------
The practices of the registrations file attached to the authority through their sub-ICB
location (:func:`jsna.indicators.builtin_inputs.practice_authorities`).

What is stored for each practice
--------------------------------
One ``point`` row per practice and practice-level indicator (every imported Fingertips series
whose area codes are GP practice codes, persons, no category; the latest period of each): the
published value and limits, count and denominator, the practice's list size (latest
registrations), the pooled value of its sub-ICB location's practices and of the authority's
practices, England's published value of the same period, and the practice's place against the
authority's 95% and 99.8% funnel limits. One ``limit`` row per point of the denominator axis
draws the funnel. Series without counts (a deprivation score) have points and no limits.

The scale of a series (a percentage, a rate per 1,000) is read from its own rows: the published
value over ``count / denominator``, rounded to a power of ten. A scale of 100 is a proportion
(Wilson-based limits), any other a rate (exact Poisson limits).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from jsna.vocabulary.areas import PCN_PATTERN, PRACTICE_PATTERN

if TYPE_CHECKING:
    import pandas as pd

    from jsna.indicators.context import ComputeContext

#: England's code in imported Fingertips files
ENGLAND = "E92000001"
#: fewest practices with a count that make a funnel
PRACTICE_FUNNEL_MIN = 5

#: what is known of each attached practice besides its code and authority
ATTACHED_COLUMNS = (
    "sub_icb_code",
    "list_size",
    "list_period",
    "share_in_area",
    "pcn_code",
    "pcn_name",
)
#: the columns of ``analysis_practices`` (docs/workspace-tables.md)
PRACTICE_COLUMNS = (
    "report_area",
    "row_type",
    "practice_code",
    "practice_name",
    *ATTACHED_COLUMNS,
    "indicator_id",
    "indicator_name",
    "period",
    "unit",
    "multiplier",
    "value",
    "lower_ci_95",
    "upper_ci_95",
    "lower_ci_99_8",
    "upper_ci_99_8",
    "count",
    "denominator",
    "sub_icb_value",
    "area_value",
    "england_value",
    "compared_to_england",
    "target",
    "funnel_lower_95",
    "funnel_upper_95",
    "funnel_lower_99_8",
    "funnel_upper_99_8",
    "funnel_outcome",
    "value_note",
)


def attached_practices(ctx: ComputeContext) -> pd.DataFrame:
    """One row per practice and authority it is attached to: ``practice_code``, ``area_code``
    (the authority), ``sub_icb_code``, ``list_size`` and ``list_period`` (the latest extract),
    ``share_in_area`` (the share of its patients living in the authority, when patients by LSOA
    are loaded), ``pcn_code`` and ``pcn_name`` (its primary care network, when known)."""
    import pandas as pd

    from jsna.indicators.builtin_inputs import practice_links, practice_pcns

    reg = ctx.table_view("registrations")
    if reg.empty:
        return pd.DataFrame(columns=["practice_code", "area_code", *ATTACHED_COLUMNS])
    totals = reg[reg["sex"].eq("Persons") & reg["age_band"].eq("All ages")]
    # files by sex and age add up to the list; an all-ages file wins where both are loaded
    banded = reg[~reg["practice_code"].isin(set(totals["practice_code"]))]
    banded = banded[banded["sex"].isin(["Male", "Female"])]
    keys = ["practice_code", "period"]
    subs = reg.drop_duplicates(keys)[[*keys, "sub_icb_code", "sub_icb_ons_code"]]
    lists = pd.concat(
        [
            totals.groupby(keys, as_index=False)["count"].sum(),
            banded.groupby(keys, as_index=False)["count"].sum(),
        ],
        ignore_index=True,
    ).merge(subs, on=keys, how="left")
    lists = lists.sort_values("period").drop_duplicates("practice_code", keep="last")
    both = lists.merge(practice_links(ctx, lists), on="practice_code", how="inner")
    both = both.merge(practice_pcns(ctx), on="practice_code", how="left")
    sub = both["sub_icb_ons_code"].fillna(both["sub_icb_code"])
    return pd.DataFrame(
        {
            "practice_code": both["practice_code"],
            "area_code": both["area_code"],
            "sub_icb_code": sub,
            "list_size": both["count"].astype("float64"),
            "list_period": both["period"],
            "share_in_area": both["share"].astype("float64"),
            "pcn_code": both["pcn_code"],
            "pcn_name": both["pcn_name"],
        }
    ).reset_index(drop=True)


def is_practice_code(codes: pd.Series) -> pd.Series:
    """True where a code is a GP practice's: a letter and five digits, but not a primary care
    network's (``U`` and five digits, the same shape; Fingertips' GP downloads carry PCN rows
    beside the practices' rows)."""
    text = codes.astype(str)
    return text.str.fullmatch(PRACTICE_PATTERN.pattern) & ~text.str.fullmatch(PCN_PATTERN.pattern)


def practice_series(values: pd.DataFrame) -> pd.DataFrame:
    """The latest persons, all-categories rows of every imported series published for GP
    practices, with ``multiplier`` (the series' scale) and England's value of the period.

    Rows of primary care networks (area codes ``U`` and five digits) are not practices' rows:
    they take no part in a practice's series, its latest period or its scale."""
    import numpy as np

    gp = values[
        is_practice_code(values["area_code"])
        & values["category_type"].isna()
        & values["sex"].fillna("Persons").eq("Persons")
        & values["value"].notna()
    ]
    if gp.empty:
        return gp.assign(multiplier=[], england_value=[])
    latest = gp.groupby("indicator_id")["period_sortable"].transform("max")
    gp = gp[gp["period_sortable"].eq(latest)].drop_duplicates(["indicator_id", "area_code"])
    crude = gp["count"] / gp["denominator"]
    ratio = (gp["value"] / crude).where(crude.gt(0) & gp["count"].gt(0))
    scale = ratio.groupby(gp["indicator_id"]).transform("median")
    gp = gp.assign(
        multiplier=np.where(scale.gt(0), 10 ** np.round(np.log10(scale.where(scale.gt(0)))), np.nan)
    )
    england = values[values["area_code"].eq(ENGLAND) & values["category_type"].isna()]
    england = england[england["sex"].fillna("Persons").eq("Persons")]
    england = england.drop_duplicates(["indicator_id", "period"])[
        ["indicator_id", "period", "value"]
    ].rename(columns={"value": "england_value"})
    return gp.merge(england, on=["indicator_id", "period"], how="left")


def practice_analysis(ctx: ComputeContext, areas: Sequence[tuple[str, str]]) -> pd.DataFrame:
    """``analysis_practices`` for every ``(code, name)`` authority in ``areas``: see the module notes."""
    import pandas as pd

    practices = attached_practices(ctx)
    wanted = {code for code, _ in areas}
    practices = practices[practices["area_code"].isin(wanted)]
    if practices.empty:
        return pd.DataFrame(columns=list(PRACTICE_COLUMNS))
    from jsna.indicators.pcns import pcn_rows

    names = ctx.area_names()
    values = ctx.table_view("indicator_values")
    series = practice_series(values)
    published_pcns = values[
        values["area_code"].astype(str).str.fullmatch(PCN_PATTERN.pattern)
        & values["category_type"].isna()
        & values["sex"].fillna("Persons").eq("Persons")
    ]
    everyone = practices.drop_duplicates("practice_code")
    sub_icb_sums = _sub_icb_sums(series, everyone)
    pieces = []
    for area, mine in practices.groupby("area_code", sort=True):
        base = mine.assign(
            report_area=area,
            practice_name=mine["practice_code"].map(lambda c: names.get(c) or c),
        ).drop(columns="area_code")
        pieces.append(base.assign(row_type="practice"))
        rows = series[series["area_code"].isin(set(mine["practice_code"]))]
        points = [
            # sub-ICB values pool every practice of the sub-ICB, not only the authority's
            _indicator_rows(one, base, sub_icb_sums, str(indicator_id))
            for indicator_id, one in rows.groupby("indicator_id", sort=True)
        ]
        pieces.extend(points)
        dots = pd.concat(points, ignore_index=True) if points else pd.DataFrame()
        if len(dots):
            dots = dots[dots["row_type"].eq("point")]
        pieces.append(pcn_rows(str(area), mine, dots, published_pcns))
    out = pd.concat([p for p in pieces if len(p)], ignore_index=True)
    for col in PRACTICE_COLUMNS:
        if col not in out.columns:
            out[col] = None
    return out[list(PRACTICE_COLUMNS)]


def _pooled(frame: pd.DataFrame, multiplier: float) -> float:
    ok = frame[frame["count"].notna() & frame["denominator"].gt(0)]
    if ok.empty or not math.isfinite(multiplier):
        return math.nan
    return float(ok["count"].sum() / ok["denominator"].sum() * multiplier)


def _sub_icb_sums(series: pd.DataFrame, practices: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """For each indicator of ``series``, the counts and denominators of every attached practice
    with both (a count, a positive denominator) summed by sub-ICB location, in one pass: the same
    for every authority, so worked out once."""
    ok = series[series["count"].notna() & series["denominator"].gt(0)].merge(
        practices[["practice_code", "sub_icb_code"]], left_on="area_code", right_on="practice_code"
    )
    sums = ok.groupby(["indicator_id", "sub_icb_code"])[["count", "denominator"]].sum()
    return {
        str(indicator_id): one.droplevel("indicator_id")
        for indicator_id, one in sums.groupby(level="indicator_id", sort=False)
    }


def _pooled_by(sums: pd.DataFrame | None, multiplier: float) -> pd.Series:
    """The pooled value of each group of ``sums`` (summed counts and denominators, by group);
    a group with no counted row is absent, so it maps to missing."""
    import pandas as pd

    if sums is None:
        return pd.Series(dtype="float64")
    if not math.isfinite(multiplier):
        return sums["count"] * math.nan
    return sums["count"] / sums["denominator"] * multiplier


def _indicator_rows(
    one: pd.DataFrame,
    base: pd.DataFrame,
    sub_icb_sums: dict[str, pd.DataFrame],
    indicator_id: str,
) -> pd.DataFrame:
    import pandas as pd

    from jsna.indicators.practice_funnels import limit_rows, place_on_funnel

    keep = [
        "indicator_name",
        "period",
        "unit",
        "multiplier",
        "value",
        "lower_ci_95",
        "upper_ci_95",
        "lower_ci_99_8",
        "upper_ci_99_8",
        "count",
        "denominator",
        "england_value",
        "compared_to_benchmark",
    ]
    points = base.merge(
        one[["area_code", *keep]], left_on="practice_code", right_on="area_code", how="inner"
    ).drop(columns="area_code")
    points = points.rename(columns={"compared_to_benchmark": "compared_to_england"})
    points["indicator_id"] = indicator_id
    multiplier = float(one["multiplier"].iloc[0]) if one["multiplier"].notna().any() else math.nan
    points["sub_icb_value"] = points["sub_icb_code"].map(
        _pooled_by(sub_icb_sums.get(indicator_id), multiplier)
    )
    target = _pooled(points, multiplier)
    points["area_value"] = target
    points["row_type"] = "point"
    counted = points[points["count"].notna() & points["denominator"].gt(0)]
    if len(counted) < PRACTICE_FUNNEL_MIN or not math.isfinite(target):
        return points
    points = place_on_funnel(points, target=target, multiplier=multiplier)
    line = limit_rows(
        counted["denominator"],
        points.iloc[0],
        row_type="limit",
        indicator_id=indicator_id,
        target=target,
        multiplier=multiplier,
    )
    return pd.concat([points, line], ignore_index=True)
