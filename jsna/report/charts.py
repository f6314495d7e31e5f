"""Charts as inline SVG strings (matplotlib, Agg), with titles, units, sources and alt text.

Text is kept as SVG text (not paths) so that it is searchable, selectable, and small.
Colours come from the Government Analysis Function palette, which is colour-blind safe.
"""

from __future__ import annotations

import io
import re
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure as MplFigure
    from matplotlib.legend import Legend
    from matplotlib.text import Text
    from matplotlib.transforms import Bbox

#: Analysis Function categorical palette (dark blue, turquoise, dark pink, orange, grey, purple)
PALETTE = ("#12436D", "#28A197", "#801650", "#F46A25", "#3D3D3D", "#A285D1")
#: benchmark outcome colours as Fingertips draws them
OUTCOME_COLOURS = {
    "Better": "#92D050",
    "Similar": "#FFC000",
    "Worse": "#C00000",
    "Higher": "#BED2FF",
    "Lower": "#5555E6",
    "Not compared": "#FFFFFF",
    "Benchmark": "#3D3D3D",
}


def outcome_key(outcome: object) -> str:
    from jsna.report.text import outcome_key as key

    return key(outcome)


@dataclass
class Figure:
    """A chart ready for the page."""

    id: str
    title: str
    svg: str
    alt: str
    source: str = ""
    data: pd.DataFrame | None = None  # what was plotted, for golden tests and the data table

    @property
    def svg_data_uri(self) -> str:
        """The same SVG as a ``data:`` URI, for an ``<img>``: WeasyPrint draws it as a vector image
        without giving each of its thousands of elements an HTML style of its own."""
        import base64

        return "data:image/svg+xml;base64," + base64.b64encode(self.svg.encode("utf-8")).decode()


def _share_text_metrics() -> None:
    """Measure each distinct text once per process, not once per chart.

    matplotlib keeps the size of each text it has measured per renderer object, and every chart
    is drawn by renderers of its own (an Agg one to find its content box, an SVG one to save it),
    so the same tick labels, titles and legend entries were measured again for every chart of
    every report. A text's size depends only on the kind of renderer, its resolution, the text,
    the font properties and whether it is mathtext (the key matplotlib's own cache uses), so one
    cache per kind of renderer and resolution gives the same sizes, hence the same pictures.
    Left as it is if matplotlib's internals differ from those this relies on.
    """
    import functools

    from matplotlib import text as mtext

    per_renderer = getattr(mtext, "_get_text_metrics_function", None)
    if per_renderer is None or getattr(per_renderer, "shared_by_kind", False):
        return
    shared: dict[tuple[type, object], Callable[..., tuple[float, float, float]]] = {}
    latest: dict[tuple[type, object], Any] = {}

    def by_kind(renderer):  # type: ignore[no-untyped-def]
        key = (type(renderer), getattr(renderer, "dpi", None))
        latest[key] = renderer
        if key not in shared:

            @functools.lru_cache(16384)
            def metrics(text, fontprop, ismath, dpi, key=key):  # type: ignore[no-untyped-def]
                return latest[key].get_text_width_height_descent(text, fontprop, ismath)

            shared[key] = metrics
        return shared[key]

    by_kind.shared_by_kind = True  # type: ignore[attr-defined]
    by_kind.__wrapped_original__ = per_renderer  # type: ignore[attr-defined]
    setattr(mtext, "_get_text_metrics_function", by_kind)  # noqa: B010 (not in the stubs)


def _setup() -> None:
    import matplotlib

    matplotlib.use("Agg", force=True)
    _share_text_metrics()
    import matplotlib.pyplot as plt

    plt.rcParams.update(
        {
            # every text a chart draws is plain text: area names and labels come from input
            # files, and a '$' in one ("St. John's $ward") must not start matplotlib's mathtext
            "text.parse_math": False,
            "text.usetex": False,
            "svg.fonttype": "none",
            "svg.hashsalt": "jsna",
            "text.hinting": "no_hinting",
            "font.family": "DejaVu Sans",
            "font.size": 9,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.titlesize": 10,
            "axes.titleweight": "bold",
            "axes.prop_cycle": plt.cycler(color=list(PALETTE)),
            "legend.frameon": False,
        }
    )


#: the margin kept around a chart's content, in inches (matplotlib's tight-bbox default)
FIT_PAD = 0.1
#: legends :func:`fit` places under their axes' decorations, with the gap (inches) kept above
_BELOW: weakref.WeakKeyDictionary[Legend, float] = weakref.WeakKeyDictionary()
#: figures :func:`fit` has laid out
_FITTED: weakref.WeakSet[MplFigure] = weakref.WeakSet()


@contextmanager
def _ticks_measured_once() -> Iterator[None]:
    """Within one layout or drawing pass, work out each axis' ticks and measure their labels once.

    matplotlib works them out again wherever it needs them: to draw an axis, to place its label
    beside the tick labels, to place the title above the axes (the y axis, for its offset text)
    and to measure the axis: up to four times an axis in one pass. Nothing changes the ticks
    between those calls within a pass, so the first answer is kept until the pass ends; a new
    pass (after the figure is resized, or with another renderer) works them out afresh. One pass
    at a time: charts are drawn in one thread (``--all-areas`` uses processes). Left as it is if
    matplotlib's internals differ from those this relies on.
    """
    from matplotlib import axis as maxis

    update = getattr(maxis.Axis, "_update_ticks", None)
    measure = getattr(maxis.Axis, "_get_ticklabel_bboxes", None)
    if update is None or measure is None or getattr(update, "once_a_pass", False):
        yield
        return
    ticks_of: dict[Any, Any] = {}
    boxes_of: dict[tuple[Any, int], tuple[Any, Any]] = {}

    def update_once(self):  # type: ignore[no-untyped-def]
        if self not in ticks_of:
            ticks_of[self] = update(self)
        return ticks_of[self]

    def measure_once(self, ticks, renderer=None):  # type: ignore[no-untyped-def]
        key = (self, id(renderer))
        found = boxes_of.get(key)
        if found is None or found[0] is not ticks:
            found = boxes_of[key] = (ticks, measure(self, ticks, renderer))
        return found[1]

    update_once.once_a_pass = True  # type: ignore[attr-defined]
    # (setattr: these are not in matplotlib's stubs)
    setattr(maxis.Axis, "_update_ticks", update_once)  # noqa: B010
    setattr(maxis.Axis, "_get_ticklabel_bboxes", measure_once)  # noqa: B010
    try:
        yield
    finally:
        setattr(maxis.Axis, "_update_ticks", update)  # noqa: B010
        setattr(maxis.Axis, "_get_ticklabel_bboxes", measure)  # noqa: B010


def legend_below(ax: Axes, *, gap: float = 0.08, **kwargs: Any) -> Legend:
    """A legend centred under the axes, clear of the data: when the figure is fitted, its top is
    put ``gap`` inches below the x tick labels and x label, wherever those end (a rotated or
    two-line label pushes it down). ``kwargs`` go to :meth:`matplotlib.axes.Axes.legend`."""
    legend = ax.legend(loc="upper center", bbox_to_anchor=(0.5, 0.0), **kwargs)
    _BELOW[legend] = gap
    return legend


def _place_legend_below(ax: Axes, axis_box: Bbox | None, renderer: Any) -> None:
    legend = ax.get_legend()
    if legend is None or legend not in _BELOW:
        return
    box = ax.get_window_extent(renderer)
    floor = box.y0 if axis_box is None else min(box.y0, axis_box.y0)
    y = (floor - renderer.points_to_pixels(_BELOW[legend] * 72) - box.y0) / box.height
    legend.set_bbox_to_anchor((0.5, y), transform=ax.transAxes)


def _titles(ax: Axes) -> list[Text]:
    """The centre, left and right titles of an axes (matplotlib keeps the last two privately)."""
    return [
        t
        for t in (ax.title, getattr(ax, "_left_title", None), getattr(ax, "_right_title", None))
        if t is not None
    ]


def _titles_stay(ax: Axes) -> bool:
    """Whether matplotlib's title placement would leave the titles where they are set: above the
    axes at their pad, because no x tick labels or x label sit on top and no y offset text
    (``1e6``) is shown. Otherwise it moves them up, clear of those."""
    xaxis, yaxis = ax.xaxis, ax.yaxis
    return (
        xaxis.get_ticks_position() not in ("top", "unknown")
        and xaxis.get_label_position() != "top"
        and not (yaxis.offsetText.get_visible() and yaxis.offsetText.get_text())
    )


def _keep_titles(fig: MplFigure) -> None:
    """Leave each axes' titles where the layout measured them: matplotlib would otherwise work out
    the y axis again when drawing, only to find they stay (:func:`_titles_stay`)."""
    for ax in fig.axes:
        if getattr(ax, "_autotitlepos", None) is not None and _titles_stay(ax):
            ax._autotitlepos = False  # type: ignore[attr-defined]


def axes_extent(ax: Axes, renderer: Any) -> Bbox | None:
    """The box (display units) an axes' content covers: the axes, its tick labels and axis labels,
    titles, legends and every child not clipped to it. The same box as ``ax.get_tightbbox``,
    which also re-measures the y axis to place the titles; that is skipped where the placement
    cannot move them (:func:`_titles_stay`).
    """
    from matplotlib.transforms import Bbox

    if not ax.get_visible():
        return None
    ax.apply_aspect()
    boxes = [ax.get_window_extent(renderer)]
    xaxis_box = None
    if ax.axison:
        for axis in (ax.xaxis, ax.yaxis):
            if axis.get_visible():
                found = axis.get_tightbbox(renderer)
                if found is not None:
                    boxes.append(found)
                    xaxis_box = found if axis is ax.xaxis else xaxis_box
    _place_legend_below(ax, xaxis_box, renderer)
    if not _titles_stay(ax):
        # matplotlib's own placement (and the box it gives), for the axes whose titles it moves
        whole = ax.get_tightbbox(renderer)
        return None if whole is None else Bbox(whole.get_points())
    boxes += [t.get_window_extent(renderer) for t in _titles(ax) if t.get_visible()]
    for artist in ax.get_default_bbox_extra_artists():
        found = artist.get_tightbbox(renderer)
        if found is not None and found._is_finite():
            boxes.append(found)
    return _union(boxes)


def _union(boxes: list[Any]) -> Bbox | None:
    import numpy as np
    from matplotlib.transforms import Bbox

    kept = [
        b
        for b in boxes
        if b is not None
        and np.isfinite(b.width)
        and np.isfinite(b.height)
        and (b.width != 0 or b.height != 0)
    ]
    return Bbox.union(kept) if kept else None


def figure_extent(fig: MplFigure, renderer: Any) -> Bbox | None:
    """The box (display units) a figure's content covers: :func:`axes_extent` of each axes and the
    figure's own texts and legends (``suptitle``, ``supxlabel``, ``fig.legend``)."""
    boxes: list[Any] = [
        a.get_tightbbox(renderer)
        for a in fig.get_children()
        if a is not fig.patch and a not in fig.axes and a.get_visible() and a.get_in_layout()
    ]
    boxes += [axes_extent(ax, renderer) for ax in fig.axes]
    return _union(boxes)


def _resize_to(fig: MplFigure, box: Bbox, pad: float) -> None:
    """Make the figure ``box`` (display units) plus ``pad`` inches, keeping every part where it is
    on the page: axes, figure texts and figure legends are moved, none is rescaled."""
    from matplotlib.transforms import Affine2D

    dpi = fig.dpi
    old_width, old_height = fig.get_size_inches()
    left, bottom = box.x0 / dpi - pad, box.y0 / dpi - pad
    width, height = box.width / dpi + 2 * pad, box.height / dpi + 2 * pad
    # old figure fraction -> new figure fraction
    remap = (
        Affine2D()
        .scale(old_width, old_height)
        .translate(-left, -bottom)
        .scale(1 / width, 1 / height)
    )
    to_fraction = fig.transSubfigure.inverted()
    placed = [(ax, ax.get_position(original=False).transformed(remap)) for ax in fig.axes]
    anchors = [
        (legend, legend.get_bbox_to_anchor().transformed(to_fraction).transformed(remap))
        for legend in fig.legends
    ]
    fig.set_size_inches(width, height)
    for ax, position in placed:
        ax.set_position(position, which="both")
    for legend, anchor in anchors:
        legend.set_bbox_to_anchor(anchor, transform=fig.transSubfigure)
    for artist in [*fig.texts, *fig.lines, *fig.patches, *fig.images, *fig.artists]:
        if artist.get_transform() is fig.transSubfigure:
            artist.set_transform(remap + fig.transSubfigure)


def fit(fig: MplFigure, pad: float = FIT_PAD) -> None:
    """Lay a finished figure out for saving: size it to its content plus ``pad`` inches.

    The content (titles, tick labels, legends and labels outside the axes) is measured once with
    the renderer's text extents (:func:`figure_extent`), and the figure is resized around it with
    every part kept where it is, so that ``savefig`` draws the figure once and needs no
    ``bbox_inches``: the same picture ``savefig(bbox_inches="tight")`` gives, which draws each
    figure twice. A figure already fitted (see :func:`arrange_grid`) is left as it is.
    """
    if fig in _FITTED:
        return
    renderer = fig._get_renderer()  # type: ignore[attr-defined]  # the one get_tightbbox uses
    with _ticks_measured_once():
        box = figure_extent(fig, renderer)
    if box is not None:
        _resize_to(fig, box, pad)
    _keep_titles(fig)
    _FITTED.add(fig)


def arrange_grid(
    fig: MplFigure,
    axes: Any,
    *,
    panel: tuple[float, float],
    xlabel: str = "",
    ylabel: str = "",
    label_size: float = 8.5,
    handles: Sequence[Artist] | None = None,
    legend_size: float = 7.0,
    pad: float = FIT_PAD,
) -> None:
    """Lay out a grid of small multiples, and the figure around it, from one measurement.

    ``axes`` is the rows × columns array of :func:`matplotlib.pyplot.subplots`; hidden axes keep
    their cell empty. Every panel gets the same plotting area, ``panel`` (width, height) in
    inches. Each panel's decorations (title, tick labels) are measured once; the columns and rows
    are then spaced so that neighbouring decorations keep ``tight_layout``'s gap (1.08 font
    sizes) between them. ``ylabel`` is written once to the left of the grid, ``xlabel`` once
    below it, and the legend of ``handles`` below that; the figure is sized to all of it plus
    ``pad`` inches, so :func:`fit` has nothing left to do.
    """
    import matplotlib as mpl
    import numpy as np

    grid = np.asarray(axes, dtype=object).reshape(np.shape(axes)[0], -1)
    rows, cols = grid.shape
    width, height = panel
    space = 1.08 * float(mpl.rcParams["font.size"]) / 72
    dpi = fig.dpi
    # every panel at its final size (apart from each other) before measuring its decorations
    fig.set_size_inches(cols * (width + 3.0), rows * (height + 2.0))
    fig_width, fig_height = fig.get_size_inches()
    for (r, c), ax in np.ndenumerate(grid):
        x, y = c * (width + 3.0) + 1.5, fig_height - (r + 1) * (height + 2.0) + 1.0
        ax.set_position((x / fig_width, y / fig_height, width / fig_width, height / fig_height))
    renderer = fig._get_renderer()  # type: ignore[attr-defined]
    left, right = np.zeros(cols), np.zeros(cols)
    top, bottom = np.zeros(rows), np.zeros(rows)
    with _ticks_measured_once():
        for (r, c), ax in np.ndenumerate(grid):
            extent = axes_extent(ax, renderer) if ax.get_visible() else None
            if extent is None:
                continue
            box = ax.get_window_extent(renderer)
            left[c] = max(left[c], (box.x0 - extent.x0) / dpi)
            right[c] = max(right[c], (extent.x1 - box.x1) / dpi)
            bottom[r] = max(bottom[r], (box.y0 - extent.y0) / dpi)
            top[r] = max(top[r], (extent.y1 - box.y1) / dpi)
    # from the grid's top left corner, in inches, y downwards
    column_x = np.cumsum(np.r_[0.0, (left + width + right + space)[:-1]]) + left
    row_y = np.cumsum(np.r_[0.0, (top + height + bottom + space)[:-1]]) + top
    grid_width = float(np.sum(left + width + right) + space * (cols - 1))
    grid_height = float(np.sum(top + height + bottom) + space * (rows - 1))
    middle = float(column_x[0] + column_x[-1] + width) / 2
    texts = []
    if ylabel:
        texts.append(
            fig.text(0, 0, ylabel, fontsize=label_size, rotation=90, ha="right", va="center")
        )
    if xlabel:
        texts.append(fig.text(0, 0, xlabel, fontsize=label_size, ha="center", va="top"))
    legend = (
        fig.legend(
            handles=handles,
            loc="upper center",
            ncol=len(handles),
            fontsize=legend_size,
            borderaxespad=0,
        )
        if handles
        else None
    )

    def size(artist: Any) -> tuple[float, float]:
        box = artist.get_window_extent(renderer)
        return box.width / dpi, box.height / dpi

    ylabel_width = size(texts[0])[0] if ylabel else 0.0
    xlabel_width, xlabel_height = size(texts[-1]) if xlabel else (0.0, 0.0)
    legend_width, legend_height = size(legend) if legend is not None else (0.0, 0.0)
    # the whole picture, in inches from the grid's top left corner: the labels and the legend
    # are centred under the panels, and may be wider than the grid
    widest = max(xlabel_width, legend_width) / 2
    x0 = min(-(ylabel_width + space) if ylabel else 0.0, middle - widest)
    x1 = max(grid_width, middle + widest)
    below = grid_height + (space + xlabel_height if xlabel else 0.0)
    y1 = below + (space / 2 + legend_height if legend is not None else 0.0)
    fig_width, fig_height = x1 - x0 + 2 * pad, y1 + 2 * pad
    fig.set_size_inches(fig_width, fig_height)

    def at(x: float, y: float) -> tuple[float, float]:
        """Figure fraction of a point given from the grid's top left corner, y downwards."""
        return (x - x0 + pad) / fig_width, 1 - (y + pad) / fig_height

    for (r, c), ax in np.ndenumerate(grid):
        x, y = at(float(column_x[c]), float(row_y[r]) + height)
        ax.set_position((x, y, width / fig_width, height / fig_height), which="both")
    centre = float(row_y[0] + row_y[-1] + height) / 2
    if ylabel:
        texts[0].set_position(at(-space, centre))
    if xlabel:
        texts[-1].set_position(at(middle, grid_height + space))
    if legend is not None:
        legend.set_bbox_to_anchor(at(middle, below + space / 2), transform=fig.transSubfigure)
    _keep_titles(fig)
    _FITTED.add(fig)


def to_svg(fig: MplFigure, *, figure_id: str, title: str, alt: str) -> str:
    """Serialise a figure as an accessible, deterministic inline SVG element."""
    import matplotlib.pyplot as plt

    buffer = io.StringIO()
    fit(fig)
    with _ticks_measured_once():
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    plt.close(fig)
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]
    # ids must be unique across the page: prefix every id and its references
    svg = re.sub(r'id="([^"]+)"', rf'id="{figure_id}-\1"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", rf"url(#{figure_id}-\1)", svg)
    svg = re.sub(r'xlink:href="#([^"]+)"', rf'xlink:href="#{figure_id}-\1"', svg)
    svg = (
        re.sub(r'href="#([^"]+)"', rf'href="#{figure_id}-\1"', svg)
        if "xlink:href" not in svg
        else svg
    )
    from html import escape

    svg = svg.replace("<svg ", f'<svg role="img" aria-labelledby="{figure_id}-title" ', 1)
    head_end = svg.index(">", svg.index("<svg")) + 1
    svg = (
        svg[:head_end]
        + f'<title id="{figure_id}-title">{escape(title)}: {escape(alt)}</title>'
        + svg[head_end:]
    )
    svg = re.sub(
        r"width=\"([\d.]+)pt\" height=\"([\d.]+)pt\"",
        lambda m: (
            f'width="{m.group(1)}pt" height="{m.group(2)}pt" style="max-width:100%;height:auto"'
        ),
        svg,
        count=1,
    )
    return svg


def figure_of(
    fig: MplFigure, figure_id: str, title: str, alt: str, source: str, data: pd.DataFrame | None
) -> Figure:
    """A report figure from a finished matplotlib figure: its SVG, alt text, source and data."""
    return Figure(
        figure_id,
        title,
        to_svg(fig, figure_id=figure_id, title=title, alt=alt),
        alt,
        source=source,
        data=data,
    )


def population_pyramid(
    area: pd.DataFrame,
    *,
    area_name: str,
    period: str,
    comparator: pd.DataFrame | None = None,
    comparator_name: str = "England",
    projected: pd.DataFrame | None = None,
    projected_label: str = "",
    figure_id: str = "pyramid",
) -> Figure:
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
    rows = [
        {"age_band": b, "male_pct": m, "female_pct": f}
        for b, m, f in zip(ESP_BANDS, male, female, strict=True)
    ]
    if projected is not None and len(projected):
        pm, pf = shares(projected)
        ax.step(
            -np.append(pm, pm[-1]),
            np.append(y, y[-1] + 1) - 0.5,
            where="post",
            color=PALETTE[3],
            linewidth=1.4,
            label=projected_label,
        )
        ax.step(
            np.append(pf, pf[-1]),
            np.append(y, y[-1] + 1) - 0.5,
            where="post",
            color=PALETTE[3],
            linewidth=1.4,
        )
    if comparator is not None and len(comparator):
        cm, cf = shares(comparator)
        ax.step(
            -np.append(cm, cm[-1]),
            np.append(y, y[-1] + 1) - 0.5,
            where="post",
            color="black",
            linewidth=1.1,
            label=comparator_name,
        )
        ax.step(
            np.append(cf, cf[-1]),
            np.append(y, y[-1] + 1) - 0.5,
            where="post",
            color="black",
            linewidth=1.1,
        )
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
    # below the axes, so that no entry hides a bar or an outline
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncols=2, fontsize=8)
    import pandas as pd

    data = pd.DataFrame(rows)
    older = data.iloc[13:][["male_pct", "female_pct"]].to_numpy().sum()
    alt = (
        f"Population pyramid for {area_name}, {period}: males left, females right, in five-year bands; "
        f"{older:.1f}% of residents are aged 65 or over."
    )
    if comparator is not None and len(comparator):
        alt += f" The black outline shows {comparator_name}'s age structure."
    title = f"Population by age and sex, {area_name}, {period}"
    return figure_of(
        fig,
        figure_id,
        title,
        alt,
        "Source: population estimates ingested into the workspace",
        data,
    )


def compare_areas_bar(
    frame: pd.DataFrame,
    *,
    title: str,
    unit: str,
    highlight: str,
    benchmark_value: float | None = None,
    benchmark_name: str = "England",
    figure_id: str = "compare",
    source: str = "",
) -> Figure:
    """Horizontal bars of one indicator for several areas, with 95% limits and benchmark line.

    ``frame`` has ``area_name``, ``area_code``, ``value``, ``lower_ci_95``, ``upper_ci_95``,
    ``compared_to_benchmark``.
    """
    import matplotlib.pyplot as plt
    import numpy as np

    _setup()
    data = frame.sort_values("value", ascending=True).reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(6.4, 0.24 * len(data) + 1.4))
    outcomes = data["compared_to_benchmark"].map(outcome_key)
    reference = outcomes.eq("Reference")
    colours = [
        "#FFFFFF" if ref else OUTCOME_COLOURS.get(o, "#BFBFBF")
        for o, ref in zip(outcomes, reference, strict=True)
    ]
    edge = [
        "black" if code == highlight or ref else "#7F7F7F"
        for code, ref in zip(data["area_code"], reference, strict=True)
    ]
    y = np.arange(len(data))
    ax.barh(
        y,
        data["value"],
        color=colours,
        edgecolor=edge,
        height=0.75,
        linewidth=[1.6 if e == "black" else 0.5 for e in edge],
    )
    for i in np.flatnonzero(reference.to_numpy()):
        ax.barh(
            y[i],
            data["value"].iloc[i],
            color="none",
            edgecolor="#3D3D3D",
            hatch="////",
            height=0.75,
            linewidth=0.8,
        )
    lower = (data["value"] - data["lower_ci_95"]).clip(lower=0).fillna(0)
    upper = (data["upper_ci_95"] - data["value"]).clip(lower=0).fillna(0)
    ax.errorbar(
        data["value"],
        y,
        xerr=[lower, upper],
        fmt="none",
        ecolor="#3D3D3D",
        capsize=2,
        linewidth=0.8,
    )
    labels = [
        f"{n}" + (" ◀" if c == highlight else "")
        for n, c in zip(data["area_name"], data["area_code"], strict=True)
    ]
    ax.set_yticks(y, labels)
    for tick, code in zip(ax.get_yticklabels(), data["area_code"], strict=True):
        if code == highlight:
            tick.set_fontweight("bold")
    ax.set_ylim(-0.6, len(data) - 0.4)
    ax.xaxis.set_major_formatter(
        plt.FuncFormatter(lambda v, _: f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.4g}")
    )
    shown = [
        o
        for o in ("Better", "Similar", "Worse", "Higher", "Lower", "Not compared")
        if o in set(outcomes)
    ]
    from matplotlib.patches import Patch

    handles: list[Artist] = [
        Patch(
            facecolor=OUTCOME_COLOURS[o],
            edgecolor="#7F7F7F",
            label=o if o in ("Similar", "Not compared") else f"{o} than {benchmark_name}",
        )
        for o in shown
    ]
    if reference.any():
        handles.append(
            Patch(
                facecolor="#FFFFFF", edgecolor="#3D3D3D", hatch="////", label="Region and country"
            )
        )
    if benchmark_value is not None and np.isfinite(benchmark_value):
        from matplotlib.lines import Line2D

        handles.append(
            Line2D([], [], color="black", linestyle="--", linewidth=1, label=benchmark_name)
        )
    ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.9 / (0.24 * len(data) + 1.4)),
        ncols=min(4, len(handles)),
        fontsize=7.5,
    )
    ax.set_xlabel(unit)
    ax.set_title(title, loc="left")
    alt = (
        f"Bar chart of {title.lower()} for {len(data)} areas with 95% confidence limits; "
        f"bars are coloured by comparison with {benchmark_name}."
    )
    return figure_of(
        fig,
        figure_id,
        title,
        alt,
        source,
        data[
            [
                "area_code",
                "area_name",
                "value",
                "lower_ci_95",
                "upper_ci_95",
                "compared_to_benchmark",
            ]
        ],
    )


def period_position(period: object) -> float:
    """Where a period sits on a time axis: by when it ends, so unevenly spaced periods stay uneven.

    The position is the decimal year at the period's end (as :func:`jsna.vocabulary.periods.parse_period_label`
    reads the label, the same reading that decides which period is latest), less one, so that a
    calendar year ``Y`` sits at ``Y``: ``2021`` -> 2021.0; the financial year ``2023/24`` (to March
    2024) -> 2023.25; the ranges ``2018-20`` and ``2018 - 20`` -> 2020.0; ``2024 Q2`` (to June 2024)
    -> 2023.5; ``2024/25 Q3`` (to December 2024) -> 2024.0; a cumulative range such as
    ``2021/22 Q1 - 2025/26 Q3`` is placed by its end. A label jsna cannot read sits at the year it
    starts with; ``nan`` when it has none.
    """
    from jsna.vocabulary.periods import parse_period_label

    found = parse_period_label(period)
    if found is not None:
        year, month = found.end
        return year + month / 12 - 1
    start = re.match(r"^(\d{4})", str(period).strip())
    return float(start.group(1)) if start else float("nan")


def _time_ticks(ax, positions: list[float], labels: list[str]) -> None:  # type: ignore[no-untyped-def]
    """Label the periods at their positions, skipping labels that would crowd their neighbours."""
    if not positions:
        return
    span = (max(positions) - min(positions)) or 1.0
    widest = max(len(lab) for lab in labels)
    gap = span * min(0.5, 0.012 * widest + 0.03)
    kept: list[tuple[float, str]] = []
    for pos, lab in sorted(
        zip(positions, labels, strict=True), reverse=True
    ):  # the latest label always shows
        if not kept or kept[-1][0] - pos >= gap:
            kept.append((pos, lab))
    kept.reverse()
    ax.set_xticks([p for p, _ in kept], [lab for _, lab in kept])
    ax.set_xlim(min(positions) - span * 0.04, max(positions) + span * 0.04)


def _range_ends(labels: list[str]) -> tuple[list[str], str]:
    """Tick labels for periods: a series of ranges that all start together (cumulative figures,
    ``2021/22 Q1 - 2025/26 Q3``) is labelled by each range's end, and the shared start returned."""
    parts = [re.split(r"\s+(?:-|to)\s+", label.strip(), maxsplit=1) for label in labels]
    starts = {p[0] for p in parts}
    ranges = [p for p in parts if len(p) == 2]
    if len(labels) < 2 or len(starts) != 1 or len(ranges) < len(labels) - 1:
        return labels, ""
    start = starts.pop()
    return [p[1] if len(p) == 2 else p[0] for p in parts], start


def trend_line(
    frame: pd.DataFrame,
    *,
    title: str,
    unit: str,
    area_name: str,
    comparator: pd.DataFrame | None = None,
    comparator_name: str = "England",
    figure_id: str = "trend",
    source: str = "",
) -> Figure:
    """Value over time with 95% limits, against a comparator line; periods placed on a numeric time axis."""
    import matplotlib.pyplot as plt

    _setup()
    data = (
        frame.assign(x=frame["period"].map(period_position)).dropna(subset=["x"]).sort_values("x")
    )
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    ax.plot(data["x"], data["value"], marker="o", color=PALETTE[0], label=area_name)
    if data["lower_ci_95"].notna().any():
        ax.fill_between(
            data["x"],
            data["lower_ci_95"],
            data["upper_ci_95"],
            color=PALETTE[0],
            alpha=0.15,
            linewidth=0,
            label="95% confidence interval",
        )
    periods = dict(zip(data["x"], data["period"].astype(str), strict=False))
    if comparator is not None and len(comparator):
        comp = (
            comparator.assign(x=comparator["period"].map(period_position))
            .dropna(subset=["x"])
            .sort_values("x")
        )
        comp = comp[comp["x"].between(data["x"].min(), data["x"].max())]
        if len(comp):
            ax.plot(comp["x"], comp["value"], color="black", linestyle="--", label=comparator_name)
    ax.set_ylabel(unit)
    ax.yaxis.set_major_formatter(
        plt.FuncFormatter(lambda v, _: f"{v:,.0f}" if abs(v) >= 1000 else f"{v:,.4g}")
    )
    ax.set_title(title, loc="left")
    labels, common_start = _range_ends(list(periods.values()))
    if common_start:
        ax.set_xlabel(f"Cumulative from {common_start}; labelled by the period's end", fontsize=8)
    rotated = max(len(p) for p in labels) > 7
    _time_ticks(ax, list(periods), labels)
    ax.tick_params(axis="x", rotation=30 if rotated else 0)
    below = -0.18 - (0.16 if rotated else 0.0) - (0.08 if common_start else 0.0)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, below), ncols=3)
    first, last = data.iloc[0], data.iloc[-1]
    alt = (
        f"Line chart of {title.lower()} for {area_name} from {first['period']} ({first['value']:,.1f}) "
        f"to {last['period']} ({last['value']:,.1f}), with {comparator_name} for comparison; periods are "
        "spaced by time."
    )
    return figure_of(
        fig,
        figure_id,
        title,
        alt,
        source,
        data[["period", "x", "value", "lower_ci_95", "upper_ci_95"]].rename(
            columns={"x": "position"}
        ),
    )


def category_bars(
    frame: pd.DataFrame,
    *,
    category: str,
    value: str,
    title: str,
    unit: str,
    figure_id: str,
    source: str = "",
    lower: str | None = None,
    upper: str | None = None,
    alt: str = "",
) -> Figure:
    """Vertical bars of a value by category (e.g. IMD decile), optional limits."""
    import matplotlib.pyplot as plt

    _setup()
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    x = list(range(len(frame)))
    ax.bar(x, frame[value], color=PALETTE[0])
    if lower and upper:
        ax.errorbar(
            x,
            frame[value],
            yerr=[
                (frame[value] - frame[lower]).clip(lower=0),
                (frame[upper] - frame[value]).clip(lower=0),
            ],
            fmt="none",
            ecolor="#3D3D3D",
            capsize=3,
            linewidth=0.8,
        )
    ax.set_xticks(x, [str(c) for c in frame[category]])
    ax.set_ylabel(unit)
    ax.set_title(title, loc="left")
    alt = alt or f"Bar chart of {title.lower()} by {category.replace('_', ' ')}."
    return figure_of(fig, figure_id, title, alt, source, frame.copy())


# -- Fingertips-style charts ------------------------------------------------------------------
#: colours for the spine chart's range and interquartile band (Fingertips greys)
SPINE_RANGE = "#D9D9D9"
SPINE_IQR = "#8C8C8C"


def spine_positions(frame: pd.DataFrame) -> pd.DataFrame:
    """Place each indicator on an England-centred scale, one row per input row.

    ``frame`` has ``value``, ``benchmark_value``, ``worst``, ``q25``, ``q75``, ``best`` (already
    oriented so that ``worst``/``best`` follow the polarity). Every position is on [0, 1] with the
    benchmark at 0.5 and the extreme further from it at 0 or 1, as Fingertips draws the spine.
    ``q25``/``q75`` are returned as the band's left/right edges, whatever the polarity.
    """
    import numpy as np
    import pandas as pd

    bench = frame["benchmark_value"].astype(float)
    cols = ["value", "worst", "q25", "q75", "best"]
    spread = pd.concat(
        [(frame["worst"].astype(float) - bench).abs(), (frame["best"].astype(float) - bench).abs()],
        axis=1,
    ).max(axis=1, skipna=False)
    spread = spread.where(spread > 0, 1.0)
    # worst is drawn on the left: flip the scale when worst is above the benchmark
    sign = np.where(frame["worst"].astype(float) > frame["best"].astype(float), -1.0, 1.0)
    out = frame.copy()
    for col in cols:
        out[f"{col}_pos"] = 0.5 + sign * (frame[col].astype(float) - bench) / spread / 2
    lo = out[["q25_pos", "q75_pos"]].min(axis=1)
    hi = out[["q25_pos", "q75_pos"]].max(axis=1)
    out["q25_pos"], out["q75_pos"] = lo, hi
    return out


def spine_chart(
    frame: pd.DataFrame,
    *,
    area_name: str,
    benchmark_name: str = "England",
    figure_id: str = "spine",
    title: str = "",
    source: str = "",
) -> Figure:
    """Fingertips-style spine chart with its side table, one row per indicator.

    ``frame`` columns: ``label``, ``period``, ``count_text`` (already disclosure-controlled),
    ``value``, ``benchmark_value``, ``worst``, ``q25``, ``q75``, ``best``, ``outcome``,
    ``decimals``. The bar spans worst (left) to best (right) among comparator areas; the dark
    band is the 25th to 75th percentile; the marker is the area, coloured by its comparison with
    the benchmark at 95% confidence; the centre line is the benchmark.
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    _setup()
    data = spine_positions(frame.reset_index(drop=True))
    n = len(data)
    height = 0.3 * n + 1.3
    fig = plt.figure(figsize=(10.0, height))
    # one axes across the page; the spine occupies x in [0, 1], the side table sits left and right
    ax = fig.add_axes((0.01, 0.75 / height, 0.98, (0.3 * n + 0.3) / height))
    ax.set_xlim(-1.75, 1.32)
    ax.set_ylim(n - 0.5, -1.3)
    ax.axis("off")
    cols = {
        "label": (-1.74, "left"),
        "period": (-0.80, "left"),
        "count": (-0.40, "right"),
        "value": (-0.16, "right"),
        "bench": (1.30, "right"),
    }
    header = {
        "label": "Indicator",
        "period": "Period",
        "count": "Count",
        "value": "Value",
        "bench": benchmark_name[:12],
    }
    for key, (x, ha) in cols.items():
        ax.text(x, -0.75, header[key], ha=ha, va="center", fontsize=8, fontweight="bold")
    ax.text(0.0, -0.75, "Worst", ha="left", va="center", fontsize=7.5, color="#3D3D3D")
    ax.text(0.5, -0.75, benchmark_name, ha="center", va="center", fontsize=7.5, color="#3D3D3D")
    ax.text(1.0, -0.75, "Best", ha="right", va="center", fontsize=7.5, color="#3D3D3D")
    import textwrap

    for i, (_, r) in enumerate(data.iterrows()):  # data has a fresh 0..n-1 index
        if i % 2 == 0:
            ax.add_patch(
                plt.Rectangle((-1.75, i - 0.5), 3.07, 1.0, color="#F3F2F1", zorder=0, linewidth=0)
            )
        d = int(r.get("decimals", 1))
        cells = {
            "label": textwrap.shorten(str(r["label"]), 56, placeholder="…"),
            "period": str(r["period"]),
            "count": str(r["count_text"]),
            "value": f"{r['value']:,.{d}f}",
            "bench": f"{r['benchmark_value']:,.{d}f}",
        }
        for key, (x, ha) in cols.items():
            ax.text(
                x,
                i,
                cells[key],
                ha=ha,
                va="center",
                fontsize=7.5,
                fontweight="bold" if key == "value" else "normal",
            )
        if r["worst_pos"] == r["worst_pos"]:  # not NaN
            ax.barh(
                i,
                r["best_pos"] - r["worst_pos"],
                left=r["worst_pos"],
                height=0.55,
                color=SPINE_RANGE,
                zorder=1,
            )
            ax.barh(
                i,
                r["q75_pos"] - r["q25_pos"],
                left=r["q25_pos"],
                height=0.55,
                color=SPINE_IQR,
                zorder=2,
            )
        colour = OUTCOME_COLOURS.get(str(r["outcome"]), "#FFFFFF")
        ax.plot(
            [r["value_pos"]],
            [i],
            marker="o",
            markersize=7.5,
            markerfacecolor=colour,
            markeredgecolor="black",
            markeredgewidth=0.8,
            zorder=4,
        )
    ax.plot([0.5, 0.5], [-0.5, n - 0.5], color="black", linewidth=1.0, zorder=3)
    handles: list[Artist] = [
        Line2D(
            [],
            [],
            marker="o",
            linestyle="",
            markerfacecolor=OUTCOME_COLOURS[o],
            markeredgecolor="black",
            label=f"{o} than {benchmark_name}" if o != "Similar" else "Similar",
        )
        for o in ("Better", "Similar", "Worse")
    ]
    handles += [
        Line2D(
            [],
            [],
            marker="o",
            linestyle="",
            markerfacecolor=OUTCOME_COLOURS[o],
            markeredgecolor="black",
            label=f"{o} (no judgement)",
        )
        for o in ("Higher", "Lower")
    ]
    handles += [
        Patch(color=SPINE_RANGE, label="Range of areas"),
        Patch(color=SPINE_IQR, label="25th to 75th percentile"),
    ]
    fig.legend(
        handles=handles,
        loc="lower center",
        ncol=7,
        fontsize=7,
        bbox_to_anchor=(0.5, 0.0),
        handletextpad=0.3,
        columnspacing=1.0,
    )
    title = title or f"Health summary for {area_name} compared with {benchmark_name}"
    fig.suptitle(
        title, x=0.01, y=1 - 0.05 / height, ha="left", va="top", fontsize=10, fontweight="bold"
    )
    worse = int(data["outcome"].eq("Worse").sum())
    better = int(data["outcome"].eq("Better").sum())
    alt = (
        f"Spine chart of {n} indicators for {area_name}: each bar runs from the worst to the best area, "
        f"with {benchmark_name}'s value as the centre line; {worse} are significantly worse and {better} "
        f"significantly better than {benchmark_name}."
    )
    keep = [
        "label",
        "period",
        "count_text",
        "value",
        "benchmark_value",
        "worst",
        "q25",
        "q75",
        "best",
        "outcome",
        "value_pos",
        "worst_pos",
        "q25_pos",
        "q75_pos",
        "best_pos",
    ]
    return figure_of(fig, figure_id, title, alt, source, data[keep])


def tartan_rug(
    frame: pd.DataFrame,
    *,
    area_codes: list[str],
    area_labels: list[str],
    title: str,
    figure_id: str = "tartan",
    source: str = "",
    benchmark_name: str = "England",
    reference_columns: int = 1,
) -> Figure:
    """Indicators (rows) by areas (columns), each cell the value coloured by its comparison.

    ``frame`` has ``label``, ``area_code``, ``value``, ``outcome``, ``decimals``. The first
    ``reference_columns`` columns (the benchmark, and the region when shown) are drawn grey.
    """
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.collections import PolyCollection

    _setup()
    labels = list(dict.fromkeys(frame["label"]))
    n_rows, n_cols = len(labels), len(area_codes)
    fig, ax = plt.subplots(figsize=(min(2.6 + 0.75 * n_cols, 10.0), 0.34 * n_rows + 1.9))
    ax.set_xlim(-0.5, n_cols - 0.5)
    ax.set_ylim(n_rows - 0.5, -0.5)
    # one row of the frame per cell (the last, where a label and an area repeat): its colour
    # and text at (row, column); a cell with no row, or no value, stays a white '–'
    cells = frame.drop_duplicates(["label", "area_code"], keep="last")
    column_of = {code: column for column, code in enumerate(area_codes)}
    cells = cells[cells["area_code"].isin(column_of) & cells["value"].notna()]
    row_at = cells["label"].map({label: row for row, label in enumerate(labels)}).to_numpy(int)
    column_at = cells["area_code"].map(column_of).to_numpy(int)
    colours = np.full((n_rows, n_cols), "#FFFFFF", dtype=object)
    texts = np.full((n_rows, n_cols), "–", dtype=object)
    outcomes = [
        "Benchmark" if column < reference_columns else outcome_key(outcome)
        for column, outcome in zip(column_at, cells["outcome"], strict=True)
    ]
    colours[row_at, column_at] = [
        "#F3F2F1" if o == "Benchmark" else OUTCOME_COLOURS.get(o, "#FFFFFF") for o in outcomes
    ]
    texts[row_at, column_at] = [
        f"{value:,.{int(decimals)}f}"
        for value, decimals in zip(cells["value"], cells["decimals"], strict=True)
    ]
    # every cell in one collection, row by row, each with a white 1.5 px edge
    squares = [
        [(x - 0.5, y - 0.5), (x + 0.5, y - 0.5), (x + 0.5, y + 0.5), (x - 0.5, y + 0.5)]
        for y in range(n_rows)
        for x in range(n_cols)
    ]
    ax.add_collection(
        PolyCollection(
            squares,
            facecolors=list(colours.ravel()),
            edgecolors="white",
            linewidths=1.5,
            joinstyle="miter",
            capstyle="butt",
        ),
        autolim=False,
    )
    for (row, column), text in np.ndenumerate(texts):
        dark = colours[row, column] in {"#C00000", "#5555E6"}
        ax.text(
            column,
            row,
            text,
            ha="center",
            va="center",
            fontsize=7,
            color="white" if dark else "#0b0c0c",
            # inside its cell: the layout need not measure it
            in_layout=False,
        )
    ax.set_xticks(np.arange(n_cols), area_labels, rotation=40, ha="left", fontsize=7.5)
    ax.xaxis.tick_top()
    import textwrap

    ax.set_yticks(
        np.arange(n_rows),
        [textwrap.shorten(lab, 48, placeholder="…") for lab in labels],
        fontsize=7.5,
    )
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.tick_params(length=0)
    ax.set_title(title, loc="left", pad=60)
    alt = (
        f"Table-like chart of {n_rows} indicators for {n_cols} areas starting with {benchmark_name}; each cell "
        f"shows the value, coloured green, amber or red when the area is better, similar or worse than "
        f"{benchmark_name}."
    )
    return figure_of(
        fig,
        figure_id,
        title,
        alt,
        source,
        frame[["label", "area_code", "value", "outcome"]].reset_index(drop=True),
    )


def funnel_plot(
    points: pd.DataFrame,
    limits: pd.DataFrame,
    *,
    title: str,
    unit: str,
    highlight: str,
    figure_id: str = "funnel",
    source: str = "",
    points_label: str = "Other areas",
    average_label: str = "Average of the areas shown",
    denominator_label: str = "Population (denominator)",
) -> Figure:
    """Value against denominator for areas, with 95% and 99.8% funnel limits around the pooled value.

    ``points`` has one row per area (``area_code``, ``area_name``, ``denominator``, ``value``,
    ``target`` and the limits at its denominator); ``limits`` one row per point of the
    population axis (``denominator``, ``target``, ``lower_ci_95`` … ``upper_ci_99_8``), both as
    ``jsna compute`` stores them in ``analysis_funnel``. Nothing is computed here.
    """
    import matplotlib.pyplot as plt

    _setup()
    target = float(limits["target"].iloc[0])
    fig, ax = plt.subplots(figsize=(6.4, 3.8))
    ax.plot(
        limits["denominator"],
        limits["lower_ci_99_8"],
        color="#3D3D3D",
        linestyle="--",
        linewidth=1,
        label="99.8% limits",
    )
    ax.plot(
        limits["denominator"], limits["upper_ci_99_8"], color="#3D3D3D", linestyle="--", linewidth=1
    )
    ax.plot(
        limits["denominator"],
        limits["lower_ci_95"],
        color=PALETTE[0],
        linestyle="-",
        linewidth=1,
        label="95% limits",
    )
    ax.plot(
        limits["denominator"], limits["upper_ci_95"], color=PALETTE[0], linestyle="-", linewidth=1
    )
    ax.axhline(target, color="black", linewidth=0.8, label=average_label)
    mine = points["area_code"].eq(highlight)
    ax.scatter(
        points.loc[~mine, "denominator"],
        points.loc[~mine, "value"],
        s=18,
        color=PALETTE[4],
        zorder=3,
        label=points_label,
    )
    if mine.any():
        ax.scatter(
            points.loc[mine, "denominator"],
            points.loc[mine, "value"],
            s=60,
            color=PALETTE[3],
            edgecolor="black",
            zorder=4,
            label=str(points.loc[mine, "area_name"].iloc[0]),
        )
    ax.set_xlabel(denominator_label)
    ax.set_ylabel(unit)
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_title(title, loc="left")
    # under the axes: with many areas, any corner of the plot may hold points
    legend_below(ax, fontsize=7.5, ncols=3)
    outside = points[
        (points["value"] > points["upper_ci_99_8"]) | (points["value"] < points["lower_ci_99_8"])
    ]
    alt = (
        f"Funnel plot of {title.lower()} against population for {len(points)} areas, with 95% and 99.8% "
        f"control limits around the average; {len(outside)} areas lie outside the 99.8% limits."
    )
    keep = [
        "area_code",
        "area_name",
        "value",
        "target",
        "lower_ci_95",
        "upper_ci_95",
        "lower_ci_99_8",
        "upper_ci_99_8",
    ]
    return figure_of(fig, figure_id, title, alt, source, points[keep])
