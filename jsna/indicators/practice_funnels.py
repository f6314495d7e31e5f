"""Funnel limits around an authority's average for GP practices and primary care networks.

Shared by ``analysis_practices``' practice rows (:mod:`jsna.indicators.practices`) and its PCN
rows (:mod:`jsna.indicators.pcns`). A series whose scale (``multiplier``) is 100 is a percentage
and gets limits of a proportion; any other scale a rate, with exact Poisson limits
(:func:`jsna.indicators.methods.funnel_limits`). The target is the authority's pooled value.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import pandas as pd

#: the stored funnel columns, by the name :func:`funnel_limits` gives them
FUNNEL_NAMES = {
    "lower_ci_95": "funnel_lower_95",
    "upper_ci_95": "funnel_upper_95",
    "lower_ci_99_8": "funnel_lower_99_8",
    "upper_ci_99_8": "funnel_upper_99_8",
}
#: points along the denominator axis of a drawn funnel, from this share of the smallest
GRID_POINTS = 60
GRID_SPAN = (0.8, 1.15)


def _limits(frame: pd.DataFrame, *, target: float, multiplier: float) -> pd.DataFrame:
    from jsna.indicators.methods import funnel_limits

    statistic: Literal["proportion", "rate"] = "proportion" if multiplier == 100 else "rate"
    return funnel_limits(
        frame,
        numerator="count",
        denominator="denominator",
        statistic=statistic,
        target=target / multiplier,
        multiplier=multiplier if statistic == "rate" else 100,
        confidence=(0.95, 0.998),
    )


def place_on_funnel(points: pd.DataFrame, *, target: float, multiplier: float) -> pd.DataFrame:
    """One row per input row: ``points`` with ``target``, the four ``funnel_*`` limits at each
    row's denominator and ``funnel_outcome`` ("within 95%", "above 95%", "below 99.8%", …).
    Rows without a count or a positive denominator keep empty limits and no outcome."""
    import pandas as pd

    out = points.copy()
    for column in FUNNEL_NAMES.values():
        out[column] = float("nan")
    counted = out[out["count"].notna() & out["denominator"].gt(0)]
    if len(counted):
        at = _limits(
            counted[["count", "denominator"]].astype("float64").reset_index(drop=True),
            target=target,
            multiplier=multiplier,
        )
        for src, dst in FUNNEL_NAMES.items():
            out.loc[counted.index, dst] = at[src].to_numpy()
    out["target"] = target
    value = out["value"]
    outcome = pd.Series(None, index=out.index, dtype=object)
    outcome[out["funnel_upper_95"].notna()] = "within 95%"
    for column, above, label in (
        ("funnel_upper_95", True, "above 95%"),
        ("funnel_lower_95", False, "below 95%"),
        ("funnel_upper_99_8", True, "above 99.8%"),
        ("funnel_lower_99_8", False, "below 99.8%"),
    ):
        outside = value.gt(out[column]) if above else value.lt(out[column])
        outcome[outside] = label
    out["funnel_outcome"] = outcome
    return out


def funnel_grid(denominators: pd.Series, *, target: float, multiplier: float) -> pd.DataFrame:
    """:data:`GRID_POINTS` rows along the denominator axis (geometric, from
    :data:`GRID_SPAN` of the smallest to the largest of ``denominators``): ``denominator``
    and the four ``funnel_*`` limits around ``target``."""
    import numpy as np
    import pandas as pd

    low = float(denominators.min()) * GRID_SPAN[0]
    high = float(denominators.max()) * GRID_SPAN[1]
    grid = pd.DataFrame({"count": 0.0, "denominator": np.geomspace(low, high, GRID_POINTS)})
    line = _limits(grid, target=target, multiplier=multiplier).rename(columns=FUNNEL_NAMES)
    return line[["denominator", *FUNNEL_NAMES.values()]]


def limit_rows(
    denominators: pd.Series,
    first: pd.Series,
    *,
    row_type: str,
    indicator_id: str,
    target: float,
    multiplier: float,
) -> pd.DataFrame:
    """The stored limit rows of one series' funnel (``row_type`` ``limit`` for practices,
    ``pcn_limit`` for networks): :func:`funnel_grid` labelled with the series (``first``, one of
    its points, gives the authority, name, period and unit), its target and scale."""
    line = funnel_grid(denominators, target=target, multiplier=multiplier)
    line = line.assign(
        report_area=first["report_area"],
        row_type=row_type,
        indicator_id=indicator_id,
        indicator_name=first["indicator_name"],
        period=first["period"],
        unit=first["unit"],
        multiplier=multiplier,
        target=target,
        area_value=target,
        count=float("nan"),
    )
    head = ["report_area", "row_type", "indicator_id", "indicator_name", "period", "unit"]
    return line[
        [
            *head,
            "multiplier",
            "target",
            "area_value",
            "count",
            "denominator",
            *FUNNEL_NAMES.values(),
        ]
    ]
