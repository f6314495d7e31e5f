"""Primary care networks of an area: list sizes and indicators, stored in ``analysis_practices``.

:func:`jsna.indicators.practices.practice_analysis` adds, for each primary care network (PCN)
with a practice attached to the authority, one ``pcn`` row (``pcn_code``, ``pcn_name``, the
sub-ICB location of its practices, ``list_size`` the sum of its practices' lists) and one
``pcn_point`` row per practice-level series:

- where Fingertips publishes the series for the PCN (an imported row whose area code is the
  PCN's, of the same indicator and period), the published value, limits, count and
  denominator (``value_note`` "published for the PCN");
- otherwise the PCN's practices' counts and denominators summed, with Wilson score limits for a
  percentage and Byar's (exact Poisson under 10 events) for a rate, both at 95% and 99.8%
  (``value_note`` "summed from N practices"). A series without counts has no PCN value.

Each point carries the sub-ICB's and the authority's pooled values and England's published value
of its practices' rows, and ``compared_to_england`` (Fingertips' test: England's value outside
the PCN's 95% limits; no judgement of polarity).

Where at least :data:`PCN_FUNNEL_MIN` of the authority's PCNs have a count for a series, each
of its points is placed on the funnel around the authority's pooled value (``target``, the
``funnel_*`` limits at the point's denominator, ``funnel_outcome``), and ``pcn_limit`` rows
(one per point of the denominator axis) draw that funnel, as the practices' ``limit`` rows do
(:mod:`jsna.indicators.practice_funnels`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

LIMITS = ("lower_ci_95", "upper_ci_95", "lower_ci_99_8", "upper_ci_99_8")
#: fewest PCNs with a count that make a funnel (an authority has a handful of networks)
PCN_FUNNEL_MIN = 3


def pcn_rows(
    area: str, mine: pd.DataFrame, points: pd.DataFrame, series: pd.DataFrame
) -> pd.DataFrame:
    """The ``pcn`` and ``pcn_point`` rows of one authority (see the module notes).

    ``mine``: the authority's attached practices (``practice_code``, ``pcn_code``, ``pcn_name``,
    ``sub_icb_code``, ``list_size``, ``list_period``); ``points``: their ``point`` rows;
    ``series``: every imported practice-level row (:func:`practice_series`) and the PCN rows of
    ``indicator_values`` (area codes of PCNs).
    """
    import pandas as pd

    known = mine[mine["pcn_code"].notna()]
    if known.empty:
        return pd.DataFrame()
    lists = known.groupby(["pcn_code", "pcn_name"], as_index=False).agg(
        list_size=("list_size", "sum"),
        list_period=("list_period", "max"),
        sub_icb_code=("sub_icb_code", "first"),
        practices=("practice_code", "nunique"),
    )
    pieces = [lists.drop(columns="practices").assign(report_area=area, row_type="pcn")]
    # the published rows of this authority's networks only
    series = series[series["area_code"].isin(set(lists["pcn_code"]))]
    found = _points(lists, points, series).assign(report_area=area) if len(points) else None
    if found is not None and len(found):
        for _, one in found.groupby("indicator_id", sort=True):
            pieces.extend(_funnel(one))
    return pd.concat(pieces, ignore_index=True)


def _funnel(one: pd.DataFrame) -> list[pd.DataFrame]:
    """One series' ``pcn_point`` rows placed on the funnel around the authority's pooled value,
    and its ``pcn_limit`` rows; the points alone when fewer than :data:`PCN_FUNNEL_MIN` have
    counts or the series has no pooled value or scale."""
    from jsna.indicators.practice_funnels import limit_rows, place_on_funnel

    first = one.iloc[0]
    target = float(first["area_value"]) if not _missing(first["area_value"]) else math.nan
    multiplier = float(first["multiplier"]) if not _missing(first["multiplier"]) else math.nan
    counted = one[one["count"].notna() & one["denominator"].gt(0)]
    if len(counted) < PCN_FUNNEL_MIN or not (math.isfinite(target) and math.isfinite(multiplier)):
        return [one]
    placed = place_on_funnel(one, target=target, multiplier=multiplier)
    line = limit_rows(
        counted["denominator"],
        first,
        row_type="pcn_limit",
        indicator_id=str(first["indicator_id"]),
        target=target,
        multiplier=multiplier,
    )
    return [placed, line]


#: the columns of a ``pcn_point`` row taken from its network, and from its series' first point
_FROM_PCN = ("pcn_code", "pcn_name", "sub_icb_code", "list_size", "list_period")
_FROM_SERIES = (
    "indicator_name",
    "period",
    "unit",
    "multiplier",
    "sub_icb_value",
    "area_value",
    "england_value",
)


def _points(lists: pd.DataFrame, points: pd.DataFrame, series: pd.DataFrame) -> pd.DataFrame:
    """One ``pcn_point`` row per network of ``lists`` and series of its practices' ``points``:
    the published value where ``series`` has the network's row of that indicator and period,
    else the practices' counts summed, with limits; a series without counts has no row. Ordered
    by series, then network as in ``lists``."""
    import numpy as np
    import pandas as pd

    from jsna.indicators.methods import compare_to_benchmark

    networks = lists[list(_FROM_PCN)].reset_index(drop=True)
    networks["network"] = np.arange(len(networks))
    members = points[["pcn_code", "indicator_id", *_FROM_SERIES, "count", "denominator"]]
    members = members.assign(
        indicator_id=members["indicator_id"].astype(str), order=np.arange(len(members))
    )
    # a network's practices' points (by code, so two names of one code share them), in the
    # order of the networks, then the series, then the practices
    joined = networks.merge(members, on="pcn_code", how="inner").sort_values(
        ["network", "indicator_id", "order"], kind="stable"
    )
    if joined.empty:
        return pd.DataFrame()
    group = ["network", "indicator_id"]
    first = joined.groupby(group, sort=False).head(1).set_index(group)
    out = first[[*_FROM_PCN, *_FROM_SERIES]].reset_index()
    # the network's own published row of the indicator and period, the first where several
    published = series.assign(indicator_id=series["indicator_id"].astype(str))
    published = published[published["period"].notna()].drop_duplicates(
        ["area_code", "indicator_id", "period"]
    )
    published = published[
        ["area_code", "indicator_id", "period", "value", "count", "denominator", *LIMITS]
    ].rename(columns={"area_code": "pcn_code"})
    out = out.merge(
        published.assign(is_published=True), on=["pcn_code", "indicator_id", "period"], how="left"
    )
    out["is_published"] = out["is_published"].eq(True)
    out["value_note"] = pd.Series("published for the PCN", index=out.index, dtype=object)
    summed = _summed(joined, group)
    todo = out[~out["is_published"]].merge(summed, on=group, how="left", suffixes=("_", ""))
    todo = todo[todo["practices"].gt(0) & np.isfinite(todo["multiplier"].astype("float64"))]
    out = pd.concat([out[out["is_published"]], _with_limits(todo)], ignore_index=True).sort_values(
        ["indicator_id", "network"], kind="stable", ignore_index=True
    )
    compared = pd.Series(None, index=out.index, dtype=object)
    ready = out["england_value"].notna() & out["lower_ci_95"].notna()
    if ready.any():
        compared[ready] = compare_to_benchmark(
            out[ready],
            benchmark_value="england_value",
            polarity="no_judgement",
            output="compared_to_england",
        )["compared_to_england"].to_numpy()
    out["compared_to_england"] = compared
    out["row_type"] = "pcn_point"
    return out.drop(columns=["network", "is_published"], errors="ignore")


def _summed(joined: pd.DataFrame, group: list[str]) -> pd.DataFrame:
    """Each group's counted practices (a count, a positive denominator): their number and the
    sums of their counts and denominators."""
    counted = joined[joined["count"].notna() & joined["denominator"].gt(0)]
    return counted.groupby(group, sort=False, as_index=False).agg(
        count=("count", "sum"),
        denominator=("denominator", "sum"),
        practices=("count", "size"),
    )


def _with_limits(todo: pd.DataFrame) -> pd.DataFrame:
    """``todo``'s summed rows with their value and 95% and 99.8% limits: Wilson score for a
    percentage (``multiplier`` 100), Byar's (exact Poisson under 10 events) for a rate."""
    import pandas as pd

    from jsna.indicators.methods import crude_rate, proportion

    pieces = []
    for key, rows in todo.groupby("multiplier", sort=False):
        multiplier = float(key)  # type: ignore[arg-type]  # the column is numeric
        sums = rows[["count", "denominator"]].reset_index(drop=True)
        sums["row"] = range(len(sums))  # one group per row: each network's own limits
        if multiplier == 100:
            stat = proportion(
                sums,
                numerator="count",
                denominator="denominator",
                by="row",
                confidence=(0.95, 0.998),
                multiplier=100,
            )
        else:
            stat = crude_rate(
                sums,
                count="count",
                population="denominator",
                by="row",
                confidence=(0.95, 0.998),
                multiplier=multiplier,
            )
        stat = stat.set_index("row").reindex(range(len(sums)))
        done = rows.drop(columns=["value", *LIMITS], errors="ignore").reset_index(drop=True)
        done["value"] = stat["value"].to_numpy()
        for column in LIMITS:
            done[column] = stat[column].to_numpy()
        done["value_note"] = [f"summed from {int(n)} practices" for n in done["practices"]]
        pieces.append(done)
    if not pieces:
        return todo.iloc[:0]
    return pd.concat(pieces, ignore_index=True).drop(
        columns=["practices", "count_", "denominator_"], errors="ignore"
    )


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
