"""Charts as inline SVG strings (matplotlib, Agg), with titles, units, sources and alt text.

Text is kept as SVG text (not paths) so that it is searchable, selectable, and small.
Colours come from the Government Analysis Function palette, which is colour-blind safe.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure as MplFigure

#: Analysis Function categorical palette (dark blue, turquoise, dark pink, orange, grey, purple)
PALETTE = ("#12436D", "#28A197", "#801650", "#F46A25", "#3D3D3D", "#A285D1")
#: benchmark outcome colours as Fingertips draws them
OUTCOME_COLOURS = {
    "Better": "#92D050", "Similar": "#FFC000", "Worse": "#C00000",
    "Higher": "#BED2FF", "Lower": "#5555E6", "Not compared": "#FFFFFF", "Benchmark": "#3D3D3D",
}


@dataclass
class Figure:
    """A chart ready for the page."""

    id: str
    title: str
    svg: str
    alt: str
    source: str = ""
    data: pd.DataFrame | None = None  # what was plotted, for golden tests and the data table


def _setup() -> None:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    plt.rcParams.update({
        "svg.fonttype": "none",
        "svg.hashsalt": "jsna",
        "font.family": "DejaVu Sans",
        "font.size": 9,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.titlesize": 10,
        "axes.titleweight": "bold",
        "axes.prop_cycle": plt.cycler(color=list(PALETTE)),
        "legend.frameon": False,
    })


def to_svg(fig: MplFigure, *, figure_id: str, title: str, alt: str) -> str:
    """Serialise a figure as an accessible, deterministic inline SVG element."""
    import matplotlib.pyplot as plt

    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg"):]
    # ids must be unique across the page: prefix every id and its references
    svg = re.sub(r'id="([^"]+)"', rf'id="{figure_id}-\1"', svg)
    svg = re.sub(r'url\(#([^)]+)\)', rf'url(#{figure_id}-\1)', svg)
    svg = re.sub(r'xlink:href="#([^"]+)"', rf'xlink:href="#{figure_id}-\1"', svg)
    svg = re.sub(r'href="#([^"]+)"', rf'href="#{figure_id}-\1"', svg) if 'xlink:href' not in svg else svg
    from html import escape

    svg = svg.replace("<svg ", f'<svg role="img" aria-labelledby="{figure_id}-title" ', 1)
    head_end = svg.index(">", svg.index("<svg")) + 1
    svg = svg[:head_end] + f'<title id="{figure_id}-title">{escape(title)}: {escape(alt)}</title>' + svg[head_end:]
    svg = re.sub(r"width=\"([\d.]+)pt\" height=\"([\d.]+)pt\"",
                 lambda m: f'width="{m.group(1)}pt" height="{m.group(2)}pt" style="max-width:100%;height:auto"',
                 svg, count=1)
    return svg


def population_pyramid(area: pd.DataFrame, *, area_name: str, period: str,
                       comparator: pd.DataFrame | None = None, comparator_name: str = "England",
                       projected: pd.DataFrame | None = None, projected_label: str = "",
                       figure_id: str = "pyramid") -> Figure:
    """Percentage of the population in each five-year band by sex; comparator as an outline.

    ``area``/``comparator``/``projected`` have columns ``age_band``, ``sex``, ``count``.
    """
    import matplotlib.pyplot as plt
    import numpy as np

    _setup()
    from jsna.indicators.context import ESP_BANDS

    def shares(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        total = frame["count"].sum()
        pivot = frame.pivot_table(index="age_band", columns="sex", values="count", aggfunc="sum")
        pivot = pivot.reindex(list(ESP_BANDS)).fillna(0.0)
        male = pivot.get("Male", 0 * pivot.iloc[:, 0]).to_numpy() / total * 100
        female = pivot.get("Female", 0 * pivot.iloc[:, 0]).to_numpy() / total * 100
        return male, female

    male, female = shares(area)
    y = np.arange(len(ESP_BANDS))
    fig, ax = plt.subplots(figsize=(6.4, 4.8))
    ax.barh(y, -male, color=PALETTE[0], height=0.85, label=f"Males, {area_name}")
    ax.barh(y, female, color=PALETTE[1], height=0.85, label=f"Females, {area_name}")
    rows = [{"age_band": b, "male_pct": m, "female_pct": f} for b, m, f in zip(ESP_BANDS, male, female, strict=True)]
    if projected is not None and len(projected):
        pm, pf = shares(projected)
        ax.step(-np.append(pm, pm[-1]), np.append(y, y[-1] + 1) - 0.5, where="post", color=PALETTE[3],
                linewidth=1.4, label=projected_label)
        ax.step(np.append(pf, pf[-1]), np.append(y, y[-1] + 1) - 0.5, where="post", color=PALETTE[3], linewidth=1.4)
    if comparator is not None and len(comparator):
        cm, cf = shares(comparator)
        ax.step(-np.append(cm, cm[-1]), np.append(y, y[-1] + 1) - 0.5, where="post", color="black",
                linewidth=1.1, label=comparator_name)
        ax.step(np.append(cf, cf[-1]), np.append(y, y[-1] + 1) - 0.5, where="post", color="black", linewidth=1.1)
        for row, m, f in zip(rows, cm, cf, strict=True):
            row["comparator_male_pct"], row["comparator_female_pct"] = m, f
    ax.set_yticks(y, list(ESP_BANDS))
    limit = max(float(np.max(male)), float(np.max(female)), 1.0) * 1.15
    ax.set_xlim(-limit, limit)
    ticks = ax.get_xticks()
    ax.set_xticks(ticks, [f"{abs(t):.0f}%" for t in ticks])
    ax.set_xlim(-limit, limit)
    ax.set_xlabel("Percentage of the total population")
    ax.set_ylabel("Age band (years)")
    ax.axvline(0, color="white", linewidth=0.8)
    ax.set_title(f"Population by age and sex, {area_name}, {period}", loc="left")
    ax.legend(loc="upper right", fontsize=8)
    import pandas as pd

    data = pd.DataFrame(rows)
    older = data.iloc[13:][["male_pct", "female_pct"]].to_numpy().sum()
    alt = (f"Population pyramid for {area_name}, {period}: males left, females right, in five-year bands; "
           f"{older:.1f}% of residents are aged 65 or over.")
    if comparator is not None and len(comparator):
        alt += f" The black outline shows {comparator_name}'s age structure."
    title = f"Population by age and sex, {area_name}, {period}"
    return Figure(figure_id, title, to_svg(fig, figure_id=figure_id, title=title, alt=alt), alt,
                  source="Source: population estimates ingested into the workspace", data=data)


def compare_areas_bar(frame: pd.DataFrame, *, title: str, unit: str, highlight: str,
                      benchmark_value: float | None = None, benchmark_name: str = "England",
                      figure_id: str = "compare", source: str = "") -> Figure:
    """Horizontal bars of one indicator for several areas, with 95% limits and benchmark line.

    ``frame`` has ``area_name``, ``area_code``, ``value``, ``lower_ci_95``, ``upper_ci_95``,
    ``compared_to_benchmark``.
    """
    import matplotlib.pyplot as plt
    import numpy as np

    _setup()
    data = frame.sort_values("value", ascending=True).reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(6.4, 0.32 * len(data) + 1.4))
    colours = [OUTCOME_COLOURS.get(str(c), "#BFBFBF") for c in data["compared_to_benchmark"].fillna("Not compared")]
    edge = ["black" if code == highlight else "#7F7F7F" for code in data["area_code"]]
    y = np.arange(len(data))
    ax.barh(y, data["value"], color=colours, edgecolor=edge, linewidth=[1.6 if e == "black" else 0.5 for e in edge])
    lower = (data["value"] - data["lower_ci_95"]).clip(lower=0).fillna(0)
    upper = (data["upper_ci_95"] - data["value"]).clip(lower=0).fillna(0)
    ax.errorbar(data["value"], y, xerr=[lower, upper], fmt="none", ecolor="#3D3D3D", capsize=2, linewidth=0.8)
    labels = [f"{n}" + (" ◀" if c == highlight else "") for n, c in zip(data["area_name"], data["area_code"], strict=True)]
    ax.set_yticks(y, labels)
    if benchmark_value is not None and np.isfinite(benchmark_value):
        ax.axvline(benchmark_value, color="black", linestyle="--", linewidth=1)
        ax.text(benchmark_value, len(data) - 0.4, f" {benchmark_name} {benchmark_value:,.1f}", fontsize=8, va="bottom")
    ax.set_xlabel(unit)
    ax.set_title(title, loc="left")
    alt = (f"Bar chart of {title.lower()} for {len(data)} areas with 95% confidence limits; "
           f"bars are coloured by comparison with {benchmark_name}.")
    return Figure(figure_id, title, to_svg(fig, figure_id=figure_id, title=title, alt=alt), alt, source=source,
                  data=data[["area_code", "area_name", "value", "lower_ci_95", "upper_ci_95", "compared_to_benchmark"]])


def trend_line(frame: pd.DataFrame, *, title: str, unit: str, area_name: str,
               comparator: pd.DataFrame | None = None, comparator_name: str = "England",
               figure_id: str = "trend", source: str = "") -> Figure:
    """Value over time with 95% limits, against a comparator line."""
    import matplotlib.pyplot as plt

    _setup()
    data = frame.sort_values("period_sortable")
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    ax.plot(data["period"], data["value"], marker="o", color=PALETTE[0], label=area_name)
    if data["lower_ci_95"].notna().any():
        ax.fill_between(data["period"], data["lower_ci_95"], data["upper_ci_95"], color=PALETTE[0], alpha=0.15,
                        linewidth=0, label="95% confidence interval")
    if comparator is not None and len(comparator):
        comp = comparator.sort_values("period_sortable")
        ax.plot(comp["period"], comp["value"], color="black", linestyle="--", label=comparator_name)
    ax.set_ylabel(unit)
    ax.set_title(title, loc="left")
    ax.legend(fontsize=8)
    ax.tick_params(axis="x", rotation=30 if len(data) > 5 else 0)
    first, last = data.iloc[0], data.iloc[-1]
    alt = (f"Line chart of {title.lower()} for {area_name} from {first['period']} ({first['value']:,.1f}) "
           f"to {last['period']} ({last['value']:,.1f}), with {comparator_name} for comparison.")
    return Figure(figure_id, title, to_svg(fig, figure_id=figure_id, title=title, alt=alt), alt, source=source,
                  data=data[["period", "value", "lower_ci_95", "upper_ci_95"]])


def category_bars(frame: pd.DataFrame, *, category: str, value: str, title: str, unit: str,
                  figure_id: str, source: str = "", lower: str | None = None, upper: str | None = None,
                  alt: str = "") -> Figure:
    """Vertical bars of a value by category (e.g. IMD decile), optional limits."""
    import matplotlib.pyplot as plt

    _setup()
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    x = list(range(len(frame)))
    ax.bar(x, frame[value], color=PALETTE[0])
    if lower and upper:
        ax.errorbar(x, frame[value], yerr=[(frame[value] - frame[lower]).clip(lower=0),
                                            (frame[upper] - frame[value]).clip(lower=0)],
                    fmt="none", ecolor="#3D3D3D", capsize=3, linewidth=0.8)
    ax.set_xticks(x, [str(c) for c in frame[category]])
    ax.set_ylabel(unit)
    ax.set_title(title, loc="left")
    alt = alt or f"Bar chart of {title.lower()} by {category.replace('_', ' ')}."
    return Figure(figure_id, title, to_svg(fig, figure_id=figure_id, title=title, alt=alt), alt, source=source,
                  data=frame.copy())
