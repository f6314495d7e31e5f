"""Choropleth maps (geopandas, matplotlib) as inline SVG: north up, British National Grid, scale bar.

Geometry comes from the workspace's ``geometry`` table (WKB in WGS84, stored by the boundaries
ingest in the same transaction as the ``areas`` rows). Class breaks are computed with pandas (quantiles); no mapclassify.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from jsna.report.charts import Figure, _setup, to_svg

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from jsna.workspace import Workspace

#: sequential, colour-blind-safe ramps (dark = most deprived / highest), ColorBrewer-style
DECILE_COLOURS = (
    "#08306B",
    "#08519C",
    "#2171B5",
    "#4292C6",
    "#6BAED6",
    "#9ECAE1",
    "#C6DBEF",
    "#DEEBF7",
    "#EFF3FF",
    "#F7FBFF",
)
QUINTILE_COLOURS = ("#FFFFCC", "#A1DAB4", "#41B6C4", "#2C7FB8", "#253494")
BRITISH_NATIONAL_GRID = 27700


def load_geometry(workspace: Workspace, codes: list[str] | set[str]) -> gpd.GeoDataFrame:
    """Boundaries of ``codes`` in British National Grid, from the workspace's ``geometry`` table."""
    import geopandas as gpd
    from shapely import from_wkb

    stored = workspace.geometry(codes)
    if stored.empty:
        return gpd.GeoDataFrame({"area_code": []}, geometry=[], crs=BRITISH_NATIONAL_GRID)
    geo = gpd.GeoDataFrame(
        {"area_code": stored["area_code"].to_numpy()},
        geometry=from_wkb(stored["wkb"].map(bytes).to_numpy()),
        crs=4326,
    )
    return geo.to_crs(BRITISH_NATIONAL_GRID)


def quantile_classes(
    values: pd.Series, n: int = 5, *, decimals: int = 1
) -> tuple[pd.Series, list[str]]:
    """Assign each value to one of ``n`` quantile classes (1 = lowest) with pandas; labels show the
    ranges, to ``decimals`` places.

    The breaks are the values at which ``n`` groups of equal size would end. Equal values always
    share a class, the lower one when a break falls among them, so a group can be larger than
    the others; fewer classes are used when a break repeats (many equal values, or fewer
    distinct values than ``n``).
    """
    import numpy as np
    import pandas as pd

    clean = values.astype(float)
    present = clean.dropna()
    k = max(1, min(n, present.nunique()))
    if k > 1:
        by_rank = pd.qcut(present.rank(method="first"), k, labels=False)
        breaks = np.unique(present.groupby(by_rank).max().to_numpy())
        # each value in the lowest class whose break it does not exceed
        placed = np.searchsorted(breaks, present.to_numpy(), side="left") + 1
    else:
        placed = np.ones(len(present), dtype=int)
    classes = pd.Series(pd.NA, index=clean.index, dtype="Int64")
    classes[present.index] = placed
    labels = []
    for c in range(1, int(placed.max()) + 1 if len(placed) else 1):
        members = present[placed == c]
        low, high = f"{members.min():,.{decimals}f}", f"{members.max():,.{decimals}f}"
        labels.append(low if low == high else f"{low} to {high}")
    return classes, labels


def _decorate(ax, geo: gpd.GeoDataFrame) -> None:  # type: ignore[no-untyped-def]
    """North arrow and a scale bar of a round length, in BNG metres."""
    xmin, ymin, xmax, ymax = geo.total_bounds
    width = xmax - xmin
    nice = [500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000, 200_000]
    length = max([v for v in nice if v <= width / 4] or [nice[0]])
    x0, y0 = xmin, ymin - (ymax - ymin) * 0.06
    ax.plot([x0, x0 + length], [y0, y0], color="black", linewidth=2.5, solid_capstyle="butt")
    ax.plot([x0, x0], [y0 - width * 0.006, y0 + width * 0.006], color="black", linewidth=1)
    ax.plot(
        [x0 + length, x0 + length],
        [y0 - width * 0.006, y0 + width * 0.006],
        color="black",
        linewidth=1,
    )
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    ax.text(x0 + length / 2, y0 + width * 0.012, label, ha="center", va="bottom", fontsize=7.5)
    nx, ny = xmax, ymax
    ax.annotate(
        "N",
        xy=(nx, ny),
        xytext=(nx, ny - (ymax - ymin) * 0.12),
        ha="center",
        va="center",
        fontsize=9,
        fontweight="bold",
        arrowprops={"arrowstyle": "-|>", "color": "black", "linewidth": 1.2},
    )
    ax.set_aspect("equal")
    ax.set_axis_off()
    pad = (ymax - ymin) * 0.1
    ax.set_ylim(ymin - pad, ymax + pad * 0.3)


def choropleth(
    geo: gpd.GeoDataFrame,
    classes: pd.Series,
    *,
    colours: tuple[str, ...],
    labels: list[str],
    title: str,
    legend_title: str,
    alt: str,
    figure_id: str,
    source: str,
    outline: gpd.GeoDataFrame | None = None,
    data: pd.DataFrame | None = None,
) -> Figure:
    """Fill each area by its class (1-based index into ``colours``), crisp white borders, legend, north up."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    _setup()
    fig, ax = plt.subplots(figsize=(6.4, 5.6))
    import pandas as pd

    # an area with no class (a missing value: pd.NA or NaN alike) is drawn white, "No data"
    fills = ["#FFFFFF" if pd.isna(c) else colours[int(c) - 1] for c in classes.astype(object)]
    # geopandas redraws the whole figure after each plot call, for interactive windows; this
    # figure is drawn once, when it is saved
    fig.canvas.draw_idle = lambda *args, **kwargs: None  # type: ignore[method-assign]
    geo.plot(ax=ax, color=fills, edgecolor="white", linewidth=0.35)
    if outline is not None and len(outline):
        outline.boundary.plot(ax=ax, color="#0b0c0c", linewidth=1.0)
    _decorate(ax, geo if outline is None or not len(outline) else outline)
    handles = [
        Patch(facecolor=colours[i], edgecolor="#7F7F7F", linewidth=0.4, label=label)
        for i, label in enumerate(labels)
    ]
    if any(f == "#FFFFFF" for f in fills):
        handles.append(
            Patch(facecolor="#FFFFFF", edgecolor="#7F7F7F", linewidth=0.4, label="No data")
        )
    ax.legend(
        handles=handles,
        title=legend_title,
        fontsize=9,
        title_fontsize=9.5,
        loc="upper left",
        bbox_to_anchor=(1.0, 1.0),
    )
    ax.set_title(title, loc="left")
    svg = to_svg(fig, figure_id=figure_id, title=title, alt=alt)
    return Figure(figure_id, title, svg, alt, source=source, data=data)


def deprivation_map(
    workspace: Workspace,
    lsoas: pd.DataFrame,
    *,
    area_name: str,
    area_code: str,
    figure_id: str = "map-imd",
) -> Figure | None:
    """LSOAs filled by national IMD decile (1 = most deprived, darkest)."""
    geo = load_geometry(workspace, set(lsoas["lsoa_code"]))
    if geo.empty:
        return None
    merged = geo.merge(
        lsoas[["lsoa_code", "imd_decile"]].rename(columns={"lsoa_code": "area_code"}),
        on="area_code",
        how="left",
    )
    outline = load_geometry(workspace, {area_code})
    from jsna.report.text import index_label

    vintage = index_label(lsoas["vintage"].iloc[0])
    labels = [
        f"Decile {d}" + (" (most deprived)" if d == 1 else " (least deprived)" if d == 10 else "")
        for d in range(1, 11)
    ]
    most = int(lsoas["imd_decile"].le(2).sum())
    alt = (
        f"Map of {area_name}'s {len(merged)} neighbourhoods (LSOAs) shaded by national {vintage} decile, "
        f"darkest for the most deprived; {most} are in the 20% most deprived in England."
    )
    data = merged[["area_code", "imd_decile"]].sort_values("area_code").reset_index(drop=True)
    return choropleth(
        merged,
        merged["imd_decile"],
        colours=DECILE_COLOURS,
        labels=labels,
        title=f"Deprivation by neighbourhood, {area_name} ({vintage})",
        legend_title="National IMD decile",
        alt=alt,
        figure_id=figure_id,
        source=(
            f"Source: {vintage.replace('IMD', 'English Indices of Deprivation')}, Index of Multiple Deprivation (MHCLG); boundaries: Office for "
            "National Statistics, OGL v3.0, contains OS data © Crown copyright and database right"
        ),
        outline=outline,
        data=data,
    )


def indicator_map(
    workspace: Workspace,
    values: pd.DataFrame,
    *,
    title: str,
    unit: str,
    area_name: str,
    area_code: str,
    level: str,
    figure_id: str,
    source: str,
    decimals: int = 1,
) -> Figure | None:
    """Small areas (ward, MSOA, LSOA) shaded by quintile of an indicator; ``values`` has
    ``area_code``, ``value``; the legend's ranges to ``decimals`` places."""
    geo = load_geometry(workspace, set(values["area_code"]))
    if len(geo) < 5:
        return None
    merged = geo.merge(values[["area_code", "value"]], on="area_code", how="left")
    classes, labels = quantile_classes(merged["value"], 5, decimals=decimals)
    if not labels:  # no small area has a value
        return None
    colours = QUINTILE_COLOURS if len(labels) == 5 else QUINTILE_COLOURS[-len(labels) :]
    outline = load_geometry(workspace, {area_code})
    sizes = classes.value_counts()
    groups = (
        "five groups of equal size (quintiles)"
        if len(labels) == 5 and sizes.max() - sizes.min() <= 1
        else f"{len(labels)} groups by quintile (equal values share a group)"
    )
    alt = (
        f"Map of {title.lower()} across {len(merged)} {level}s in {area_name}, in {groups} "
        f"from {labels[0].split(' to ')[0]} to {labels[-1].split(' to ')[-1]} {unit}; darker is higher."
    )
    data = (
        merged[["area_code", "value"]]
        .assign(quintile=classes.to_numpy())
        .sort_values("area_code")
        .reset_index(drop=True)
    )
    return choropleth(
        merged,
        classes,
        colours=colours,
        labels=labels,
        title=title,
        legend_title=f"{unit} (quintiles)" if unit else "Quintiles",
        alt=alt,
        figure_id=figure_id,
        source=source,
        outline=outline,
        data=data,
    )
