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
    found = []
    # the published rows of this authority's networks only (each network looks its own up below)
    series = series[series["area_code"].isin(set(lists["pcn_code"]))]
    if len(points):
        for _, pcn in lists.iterrows():
            members = points[points["pcn_code"].eq(pcn["pcn_code"])]
            for indicator_id, rows in members.groupby("indicator_id", sort=True):
                found.append(_point(pcn, rows, series, str(indicator_id)).assign(report_area=area))
    found = [f for f in found if len(f)]
    if found:
        for _, one in pd.concat(found, ignore_index=True).groupby("indicator_id", sort=True):
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


def _point(
    pcn: pd.Series, rows: pd.DataFrame, series: pd.DataFrame, indicator_id: str
) -> pd.DataFrame:
    import pandas as pd

    from jsna.indicators.methods import compare_to_benchmark, crude_rate, proportion

    first = rows.iloc[0]
    base = {
        "row_type": "pcn_point",
        "pcn_code": pcn["pcn_code"],
        "pcn_name": pcn["pcn_name"],
        "sub_icb_code": pcn["sub_icb_code"],
        "list_size": pcn["list_size"],
        "list_period": pcn["list_period"],
        "indicator_id": indicator_id,
        **{
            c: first[c]
            for c in (
                "indicator_name",
                "period",
                "unit",
                "multiplier",
                "sub_icb_value",
                "area_value",
                "england_value",
            )
        },
    }
    published = series[
        series["area_code"].eq(pcn["pcn_code"])
        & series["indicator_id"].astype(str).eq(indicator_id)
        & series["period"].eq(first["period"])
    ]
    if len(published):
        p = published.iloc[0]
        out = pd.DataFrame(
            [
                {
                    **base,
                    **{c: p[c] for c in ("value", "count", "denominator", *LIMITS)},
                    "value_note": "published for the PCN",
                }
            ]
        )
    else:
        counted = rows[rows["count"].notna() & rows["denominator"].gt(0)]
        multiplier = float(first["multiplier"]) if not _missing(first["multiplier"]) else math.nan
        if counted.empty or not math.isfinite(multiplier):
            return pd.DataFrame()
        summed = pd.DataFrame(
            {"count": [counted["count"].sum()], "denominator": [counted["denominator"].sum()]}
        )
        if multiplier == 100:
            stat = proportion(
                summed,
                numerator="count",
                denominator="denominator",
                confidence=(0.95, 0.998),
                multiplier=100,
            )
        else:
            stat = crude_rate(
                summed,
                count="count",
                population="denominator",
                confidence=(0.95, 0.998),
                multiplier=multiplier,
            )
        s = stat.iloc[0]
        out = pd.DataFrame(
            [
                {
                    **base,
                    "value": s["value"],
                    **{c: s[c] for c in LIMITS},
                    "count": summed["count"].iloc[0],
                    "denominator": summed["denominator"].iloc[0],
                    "value_note": f"summed from {len(counted)} practices",
                }
            ]
        )
    if _missing(out["england_value"].iloc[0]) or _missing(out["lower_ci_95"].iloc[0]):
        return out.assign(compared_to_england=None)
    compared = compare_to_benchmark(
        out,
        benchmark_value="england_value",
        polarity="no_judgement",
        output="compared_to_england",
    )
    return out.assign(compared_to_england=compared["compared_to_england"].to_numpy())


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))
