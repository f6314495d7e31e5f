"""Charts for sections 7-10: SII by decile, life-expectancy gap decomposition, projection fan
charts, spend-and-outcome quadrants, ROI tornado and personal health budget uptake.

Built on :mod:`jsna.report.charts` (same palette, SVG output and accessibility conventions).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from jsna.report.charts import PALETTE, Figure, _setup, figure_of, legend_below

if TYPE_CHECKING:
    import pandas as pd

CAUSE_COLOURS = (*PALETTE, "#BFBFBF", "#7FB2D8", "#F9B38A")


def sii_chart(
    quantiles: pd.DataFrame,
    *,
    sii: float,
    intercept: float,
    title: str,
    unit: str,
    figure_id: str = "sii",
    source: str = "",
) -> Figure:
    """Values by deprivation quantile (bars with 95% limits) and the fitted SII line across ranks.

    ``quantiles`` has ``quantile`` (1 = most deprived), ``value``, ``lower_ci_95``,
    ``upper_ci_95`` and ``population`` (to place each quantile at its mid-point rank).
    """
    import matplotlib.pyplot as plt
    import numpy as np

    _setup()
    data = quantiles.sort_values("quantile").reset_index(drop=True)
    share = data["population"] / data["population"].sum()
    mid = (share.cumsum() - share / 2).to_numpy()
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    ax.bar(
        mid,
        data["value"],
        width=share * 0.92,
        color=PALETTE[1],
        label="Value (95% confidence interval)",
    )
    ax.errorbar(
        mid,
        data["value"],
        yerr=[
            (data["value"] - data["lower_ci_95"]).clip(lower=0),
            (data["upper_ci_95"] - data["value"]).clip(lower=0),
        ],
        fmt="none",
        ecolor="#3D3D3D",
        capsize=2,
        linewidth=0.8,
    )
    xs = np.array([0.0, 1.0])
    ax.plot(
        xs,
        intercept + sii * xs,
        color=PALETTE[0],
        linewidth=2,
        label=f"Fitted line: SII {sii:,.1f} {unit}",
    )
    ax.set_xticks(mid, [str(int(q)) for q in data["quantile"]])
    ax.set_xlabel("Deprivation quantile (1 = most deprived), width = share of population")
    ax.set_ylabel(unit)
    low = float(np.nanmin(data["lower_ci_95"]))
    high = float(np.nanmax(data["upper_ci_95"]))
    pad = (high - low) * 0.25 or 1.0
    ax.set_ylim(low - pad, high + pad)
    ax.set_title(title, loc="left")
    # under the axes: the fitted line rises to one corner and the tallest bars fill the other
    legend_below(ax, fontsize=8, ncols=2)
    alt = (
        f"Bars of {title.lower()} for each deprivation quantile from most to least deprived, with a fitted "
        f"line whose slope, the slope index of inequality, is {sii:,.1f} {unit}."
    )
    return figure_of(fig, figure_id, title, alt, source, data.assign(rank=mid))


def gap_decomposition_chart(
    parts: pd.DataFrame,
    *,
    title: str,
    comparison: str,
    reference: str,
    figure_id: str = "gap-decomposition",
    source: str = "",
) -> Figure:
    """Stacked horizontal bars of each age band's contribution to a life-expectancy gap, by cause.

    ``parts`` has ``age_band``, ``start_age``, ``cause`` and ``contribution`` (years), as
    :func:`jsna.indicators.methods.inequality.life_expectancy_gap_decomposition` returns; drawn as
    the Segment Tool draws it (positive bars widen the gap).
    """
    import matplotlib.pyplot as plt
    import numpy as np

    _setup()
    pivot = parts.pivot_table(
        index=["start_age", "age_band"], columns="cause", values="contribution", aggfunc="sum"
    )
    pivot = pivot.sort_index(level=0)
    causes = list(pivot.columns)
    labels = [b for _, b in pivot.index]
    y = np.arange(len(labels))
    fig, ax = plt.subplots(figsize=(6.4, 0.26 * len(labels) + 1.6))
    pos_left = np.zeros(len(labels))
    neg_left = np.zeros(len(labels))
    for i, cause in enumerate(causes):
        vals = pivot[cause].fillna(0).to_numpy()
        left = np.where(vals >= 0, pos_left, neg_left)
        ax.barh(
            y,
            vals,
            left=left,
            color=CAUSE_COLOURS[i % len(CAUSE_COLOURS)],
            height=0.75,
            label=cause,
        )
        pos_left += np.where(vals >= 0, vals, 0)
        neg_left += np.where(vals < 0, vals, 0)
    ax.set_yticks(y, labels)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel(f"Contribution to the gap (years): {reference} minus {comparison}")
    ax.set_ylabel("Age band (years)")
    ax.set_title(title, loc="left")
    if len(causes) > 1:
        ax.legend(
            fontsize=7,
            loc="upper center",
            bbox_to_anchor=(0.5, -0.09 - 0.6 / len(labels)),
            ncols=min(5, len(causes)),
        )
    total = float(parts["contribution"].sum())
    top = parts.groupby("age_band")["contribution"].sum().sort_values(ascending=False)
    alt = (
        f"Stacked bars showing how much each age band{' and cause' if len(causes) > 1 else ''} contributes to "
        f"the {total:.1f}-year gap in life expectancy between {reference} and {comparison}; the largest "
        f"contribution is at ages {top.index[0]} ({top.iloc[0]:.2f} years)."
    )
    return figure_of(fig, figure_id, title, alt, source, parts.copy())


def fan_chart(
    projection: pd.DataFrame,
    *,
    title: str,
    unit: str,
    history: pd.DataFrame | None = None,
    figure_id: str = "fan",
    source: str = "",
) -> Figure:
    """Baseline projection with its interval as a shaded fan, observed history and scenarios as lines.

    ``projection`` has ``scenario``, ``period``, ``year``, ``value``, ``lower_ci_95``,
    ``upper_ci_95`` (and ``lower_ci_99_8``/``upper_ci_99_8`` for an outer band when present);
    ``history`` has ``year`` and ``value``.
    """
    import matplotlib.pyplot as plt
    import pandas as pd

    _setup()
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    base = projection[projection["scenario"].eq("Baseline")].sort_values("year")
    if history is not None and len(history) and len(base):
        # the projection starts where the record ends: join the fan and the line to the last recorded year
        last = history.sort_values("year").iloc[-1]
        if last["year"] < base["year"].iloc[0]:
            join = {
                c: last["value"]
                for c in ("value", "lower_ci_95", "upper_ci_95", "lower_ci_99_8", "upper_ci_99_8")
                if c in base
            }
            base = pd.concat(
                [
                    pd.DataFrame(
                        [
                            {
                                **join,
                                "year": last["year"],
                                "scenario": "Baseline",
                                "period": str(last.get("period", int(last["year"]))),
                            }
                        ]
                    ),
                    base,
                ],
                ignore_index=True,
            )
    if "lower_ci_99_8" in base and base["lower_ci_99_8"].notna().any():
        ax.fill_between(
            base["year"],
            base["lower_ci_99_8"],
            base["upper_ci_99_8"],
            color=PALETTE[0],
            alpha=0.10,
            linewidth=0,
            label="99.8% interval",
        )
    ax.fill_between(
        base["year"],
        base["lower_ci_95"],
        base["upper_ci_95"],
        color=PALETTE[0],
        alpha=0.22,
        linewidth=0,
        label="95% interval",
    )
    ax.plot(base["year"], base["value"], color=PALETTE[0], linewidth=2, label="Baseline projection")
    if history is not None and len(history):
        h = history.sort_values("year")
        ax.plot(
            h["year"],
            h["value"],
            color="black",
            marker="o",
            markersize=3,
            linewidth=1.2,
            label="Recorded",
        )
    for i, (name, rows) in enumerate(
        projection[projection["scenario"].ne("Baseline")].groupby("scenario", sort=False)
    ):
        rows = rows.sort_values("year")
        ax.plot(
            rows["year"],
            rows["value"],
            color=PALETTE[(i + 2) % len(PALETTE)],
            linestyle="--",
            linewidth=1.5,
            label=f"Scenario: {name}",
        )
    # tick labels over the recorded years and the projected ones together
    ticks = dict(zip(base["year"], base["period"].astype(str), strict=False))
    if history is not None and len(history):
        named = (
            history["period"].astype(str)
            if "period" in history
            else history["year"].astype(int).astype(str)
        )
        for year, label in zip(history["year"], named, strict=True):
            ticks.setdefault(year, label)
    years = sorted(ticks)
    step = max(1, -(-len(years) // 7))
    ax.set_xticks(years[::step], [ticks[y] for y in years[::step]])
    ax.set_ylabel(unit)
    ax.set_title(title, loc="left")
    ax.legend(fontsize=7, loc="upper left")
    first, last = base.iloc[0], base.iloc[-1]
    alt = (
        f"Fan chart of {title.lower()}: the baseline goes from {first['value']:,.0f} in {first['period']} to "
        f"{last['value']:,.0f} in {last['period']} (95% interval {last['lower_ci_95']:,.0f} to "
        f"{last['upper_ci_95']:,.0f}); dashed lines show scenarios."
    )
    return figure_of(fig, figure_id, title, alt, source, projection.copy())


def quadrant_scatter(
    frame: pd.DataFrame,
    *,
    highlight: str,
    title: str,
    outcome_label: str,
    figure_id: str = "vfm-quadrant",
    source: str = "",
) -> Figure:
    """Spend per head (x) against outcome (y) for comparator areas, split into quadrants.

    ``frame`` is one programme's rows from
    :func:`jsna.indicators.methods.value_for_money.spend_outcome_quadrants`.
    """
    import matplotlib.pyplot as plt

    _setup()
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    others = frame[frame["area_code"].ne(highlight)]
    me = frame[frame["area_code"].eq(highlight)]
    ax.scatter(
        others["spend_per_head"],
        others["outcome_value"],
        color=PALETTE[4],
        alpha=0.7,
        label="Comparators",
    )
    ax.scatter(
        me["spend_per_head"],
        me["outcome_value"],
        color=PALETTE[2],
        s=70,
        zorder=3,
        label=str(me["area_name"].iloc[0]) if len(me) else highlight,
    )
    sx, sy = float(frame["spend_reference"].iloc[0]), float(frame["outcome_reference"].iloc[0])
    ax.axvline(sx, color="black", linestyle=":", linewidth=1)
    ax.axhline(sy, color="black", linestyle=":", linewidth=1)
    low_is_good = str(frame["outcome_polarity"].iloc[0]) == "low_is_good"
    better_y = 0.04 if low_is_good else 0.96
    ax.text(
        0.02,
        better_y,
        "Lower spend, better outcome",
        transform=ax.transAxes,
        fontsize=7,
        va="bottom" if low_is_good else "top",
        color=PALETTE[1],
    )
    ax.text(
        0.98,
        1 - better_y,
        "Higher spend, worse outcome",
        transform=ax.transAxes,
        fontsize=7,
        ha="right",
        va="top" if low_is_good else "bottom",
        color=PALETTE[2],
    )
    ax.set_xlabel("Spend per head (£)")
    ax.set_ylabel(outcome_label)
    ax.set_title(title, loc="left")
    ax.legend(
        fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncols=2
    )  # clear of the points
    quadrant = str(me["quadrant"].iloc[0]) if len(me) else "not shown"
    alt = (
        f"Scatter of spend per head against {outcome_label.lower()} for {len(frame)} areas, with dotted lines "
        f"at the comparators' medians; the area is in the '{quadrant.lower()}' quadrant."
    )
    return figure_of(
        fig,
        figure_id,
        title,
        alt,
        source,
        frame[["area_code", "area_name", "spend_per_head", "outcome_value", "quadrant"]].copy(),
    )


def tornado_chart(
    tornado: pd.DataFrame, *, title: str, figure_id: str = "roi-tornado", source: str = ""
) -> Figure:
    """One-way sensitivity of the ROI: a bar per input from its low to its high value."""
    import matplotlib.pyplot as plt
    import numpy as np

    _setup()
    data = tornado.iloc[::-1].reset_index(drop=True)
    y = np.arange(len(data))
    centre = float(data["roi"].iloc[0]) * 100
    fig, ax = plt.subplots(figsize=(6.4, 0.4 * len(data) + 1.8))
    # each bar runs from the central ROI to the ROI with the input at its low (orange) or high (blue) value
    ax.barh(
        y,
        data["roi_at_low"] * 100 - centre,
        left=centre,
        color=PALETTE[3],
        label="Input at its low value",
    )
    ax.barh(
        y,
        data["roi_at_high"] * 100 - centre,
        left=centre,
        color=PALETTE[1],
        label="Input at its high value",
    )
    ax.axvline(centre, color="black", linewidth=1, label=f"Central estimate ({centre:,.0f}%)")
    ax.legend(
        fontsize=7.5,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.6 / (0.4 * len(data) + 1.8) - 0.12),
        ncols=3,
    )
    ax.set_yticks(
        y,
        [
            f"{lab} ({_fmt(a)} to {_fmt(b)})"
            for lab, a, b in zip(data["label"], data["low_value"], data["high_value"], strict=True)
        ],
    )
    ax.set_xlabel("Return on investment (%)")
    ax.set_title(title, loc="left")
    alt = (
        f"Tornado chart of the return on investment (central {centre:,.0f}%) as each input moves across its "
        f"range; the widest bar, {tornado['label'].iloc[0].lower()}, matters most."
    )
    return figure_of(fig, figure_id, title, alt, source, tornado.copy())


def _fmt(x: float) -> str:
    x = float(x)
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    if abs(x) < 1:
        return f"{x:.3g}"
    return f"{x:,.1f}"


def uptake_trend(
    rates: pd.DataFrame,
    *,
    highlight: str,
    title: str,
    figure_id: str = "phb-uptake",
    source: str = "",
) -> Figure:
    """People with a personal health budget per 100,000 by quarter: the area against its peers.

    ``rates`` has ``area_code``, ``area_name``, ``period``, ``value`` (all types).
    """
    import matplotlib.pyplot as plt

    _setup()
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    periods = sorted(rates["period"].unique())
    for code, rows in rates.groupby("area_code"):
        rows = rows.set_index("period").reindex(periods)
        mine = code == highlight
        ax.plot(
            range(len(periods)),
            rows["value"],
            color=PALETTE[0] if mine else PALETTE[4],
            linewidth=2.2 if mine else 1,
            alpha=1 if mine else 0.6,
            marker="o" if mine else None,
            markersize=3,
            label=str(rows["area_name"].dropna().iloc[0]) if mine else None,
        )
    step = max(1, len(periods) // 6)
    ax.set_xticks(range(0, len(periods), step), periods[::step])
    ax.set_ylabel("People with a PHB per 100,000")
    ax.set_title(title, loc="left")
    ax.plot([], [], color=PALETTE[4], label="Other ICBs")
    ax.legend(fontsize=8)
    last = rates[rates["area_code"].eq(highlight) & rates["period"].eq(periods[-1])]
    alt = (
        f"Line chart of people with a personal health budget per 100,000 residents by quarter from {periods[0]} "
        f"to {periods[-1]}; the highlighted ICB reaches {float(last['value'].iloc[0]) if len(last) else float('nan'):,.0f} "
        "per 100,000, other ICBs in grey."
    )
    return figure_of(fig, figure_id, title, alt, source, rates.copy())


def interval_bars(
    frame: pd.DataFrame,
    *,
    label: str,
    series: str,
    value: str,
    lower: str,
    upper: str,
    title: str,
    axis: str,
    figure_id: str,
    alt: str,
    source: str = "",
) -> Figure:
    """Horizontal bars with 95% limits: one bar per ``label`` and ``series`` (side by side).

    Used for budget holders' answers by client group and for the cohort sizes.
    """
    import matplotlib.pyplot as plt
    import numpy as np

    _setup()
    labels = list(dict.fromkeys(frame[label].astype(str)))
    names = list(dict.fromkeys(frame[series].astype(str)))
    height = 0.8 / max(1, len(names))
    fig, ax = plt.subplots(figsize=(6.4, 0.55 * len(labels) * max(1, len(names)) ** 0.5 + 1.4))
    y = np.arange(len(labels))
    for k, name in enumerate(names):
        rows = frame[frame[series].astype(str).eq(name)]
        rows = rows.set_index(rows[label].astype(str))
        rows = rows[~rows.index.duplicated()].reindex(labels)
        pos = y + (k - (len(names) - 1) / 2) * height
        ax.barh(pos, rows[value], height=height * 0.9, color=PALETTE[k % len(PALETTE)], label=name)
        ax.errorbar(
            rows[value],
            pos,
            xerr=[
                (rows[value] - rows[lower]).clip(lower=0),
                (rows[upper] - rows[value]).clip(lower=0),
            ],
            fmt="none",
            ecolor="#3D3D3D",
            capsize=2,
            linewidth=0.8,
        )
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.set_xlabel(axis)
    ax.set_title(title, loc="left")
    if len(names) > 1:
        ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.18), ncols=len(names))
    return figure_of(fig, figure_id, title, alt, source, frame.copy())


def allocation_funnel(
    groups: pd.DataFrame,
    limits: pd.DataFrame,
    *,
    title: str,
    figure_id: str = "allocation-funnel",
    source: str = "",
) -> Figure:
    """£ per point against people assessed for each area, with 95% and 99.8% funnel limits
    around the whole area's £ per point.

    ``groups`` holds the area rows of ``analysis_allocation_equity`` (``group``, ``people``,
    ``value``, ``compared_to_whole_99_8``); ``limits`` is ``analysis_allocation_funnel``. Nothing
    is computed here.
    """
    import matplotlib.pyplot as plt

    _setup()
    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    target = float(limits["target"].iloc[0])
    ax.plot(limits["people"], limits["lower_ci_99_8"], color="#3D3D3D", linestyle="--",
            linewidth=1, label="99.8% limits")  # fmt: skip
    ax.plot(limits["people"], limits["upper_ci_99_8"], color="#3D3D3D", linestyle="--", linewidth=1)
    ax.plot(limits["people"], limits["lower_ci_95"], color=PALETTE[0], linewidth=1,
            label="95% limits")  # fmt: skip
    ax.plot(limits["people"], limits["upper_ci_95"], color=PALETTE[0], linewidth=1)
    ax.axhline(target, color="black", linewidth=0.8, label="Whole area")
    out = groups["compared_to_whole_99_8"].ne("Similar")
    ax.scatter(groups.loc[~out, "people"], groups.loc[~out, "value"], s=22, color=PALETTE[4],
               zorder=3, label="Areas")  # fmt: skip
    ax.scatter(groups.loc[out, "people"], groups.loc[out, "value"], s=60, color=PALETTE[2],
               edgecolor="black", zorder=4, label="Outside the 99.8% limits")  # fmt: skip
    for _, r in groups[out].iterrows():
        ax.annotate(str(r["group"]), (r["people"], r["value"]), xytext=(5, 4),
                    textcoords="offset points", fontsize=7.5)  # fmt: skip
    ax.set_xlabel("People assessed with a budget")
    ax.set_ylabel("£ per point")
    ax.set_title(title, loc="left")
    # under the axes: with many areas, any corner of the plot may hold points
    legend_below(ax, fontsize=7.5, ncols=3)
    alt = (
        f"Funnel plot of budget £ per point of assessed need against people assessed for "
        f"{len(groups)} areas, around the whole area's £{target:,.0f} per point; "
        f"{int(out.sum())} {'area lies' if int(out.sum()) == 1 else 'areas lie'} outside the "
        "99.8% limits"
        + (f": {', '.join(map(str, groups.loc[out, 'group']))}." if out.any() else ".")
    )
    keep = ["group", "people", "value", "lower_ci_95", "upper_ci_95", "compared_to_whole_99_8"]
    return figure_of(fig, figure_id, title, alt, source, groups[keep].copy())


def allocation_calibration(
    bins: pd.DataFrame,
    calibration: pd.DataFrame,
    *,
    price_per_point: float,
    title: str,
    figure_id: str = "allocation-calibration",
    source: str = "",
) -> Figure:
    """Mean agreed budget against mean points in ten bands of need, with the price-per-point
    line and the two fitted lines of ``analysis_allocation_calibration`` (whole area)."""
    import matplotlib.pyplot as plt
    import numpy as np

    _setup()
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    top = float(bins["mean_points"].max()) * 1.08
    xs = np.linspace(0, top, 50)
    ax.plot(xs, price_per_point * xs, color="black", linewidth=1,
            label=f"Indicative: £{price_per_point:,.0f} a point")  # fmt: skip
    styles = {"Through the origin": (PALETTE[0], ":"), "With an intercept": (PALETTE[1], "--")}
    for _, r in calibration.iterrows():
        colour, dash = styles.get(str(r["model"]), (PALETTE[4], "-"))
        ax.plot(xs, r["intercept"] + r["slope"] * xs, color=colour, linestyle=dash, linewidth=1.2,
                label=f"Fitted {str(r['model']).lower()} (R² {r['r_squared']:.2f})")  # fmt: skip
    ax.scatter(bins["mean_points"], bins["mean_budget"], s=30, color=PALETTE[2], zorder=3,
               label="Mean agreed budget, tenth of people by points")  # fmt: skip
    ax.set_xlabel("RAS points (mean of the band)")
    ax.set_ylabel("Annual budget (£)")
    ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"£{v:,.0f}"))
    ax.set_title(title, loc="left")
    ax.legend(fontsize=7.5, loc="upper left")
    alt = (
        f"Scatter of mean agreed budget against mean RAS points in {len(bins)} bands of people "
        f"from least to most need, with the indicative line of £{price_per_point:,.0f} a point and "
        "the fitted least-squares lines."
    )
    return figure_of(fig, figure_id, title, alt, source, bins.copy())
