"""Charts laid out once, when they are built: the same picture as matplotlib's tight crop, grids
of small multiples without ``tight_layout``, legends clear of the data, whole-number counts."""

from __future__ import annotations

import io
import re
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from jsna.report import charts


def _pixels(fig, **kwargs):  # type: ignore[no-untyped-def]
    """The figure as an RGB array (Agg, 100 dpi)."""
    from PIL import Image

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, **kwargs)
    return np.asarray(Image.open(buffer).convert("RGB")).astype(int)


def _bars_legend_below():  # type: ignore[no-untyped-def]
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 3.0))
    names = ["Bournemouth, Christchurch and Poole", "King's Lynn and West Norfolk", "Rutland"]
    ax.barh(range(3), [1.0, 2.0, 3.0], label="Emergency admissions for intentional self-harm")
    ax.set_yticks(range(3), names)
    ax.set_title("Emergency hospital admissions for intentional self-harm, 2023/24", loc="left")
    ax.set_xlabel("per 100,000")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.25), ncols=2)
    return fig


def _map_like():  # type: ignore[no-untyped-def]
    """Equal aspect, no axis, a legend outside on the right, an annotation with an arrow."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    fig, ax = plt.subplots(figsize=(6.4, 5.6))
    ax.fill([0, 3, 3, 0], [0, 0, 1, 1], color="#12436D")
    ax.annotate("N", xy=(3, 1), xytext=(3, 0.7), arrowprops={"arrowstyle": "-|>"})
    ax.set_aspect("equal")
    ax.set_axis_off()
    handles = [Patch(color="#12436D", label="Decile 1 (most deprived)")]
    ax.legend(handles=handles, title="National IMD decile", loc="upper left", bbox_to_anchor=(1, 1))
    ax.set_title("Deprivation by neighbourhood", loc="left")
    return fig


def _figure_level():  # type: ignore[no-untyped-def]
    """A figure-level title and legend, as the spine chart draws them, and texts in data units."""
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    fig = plt.figure(figsize=(10.0, 3.0))
    ax = fig.add_axes((0.01, 0.25, 0.98, 0.6))
    ax.set_xlim(-1.75, 1.32)
    ax.axis("off")
    ax.text(-1.74, 0.5, "Under 75 mortality rate from cardiovascular disease", fontsize=7.5)
    handles = [Line2D([], [], marker="o", linestyle="", label=f"Entry {i}") for i in range(7)]
    fig.legend(handles=handles, loc="lower center", ncol=7, bbox_to_anchor=(0.5, 0.0))
    fig.suptitle("Health summary", x=0.01, y=0.98, ha="left", va="top", fontweight="bold")
    return fig


def _ticks_on_top():  # type: ignore[no-untyped-def]
    """Rotated area names above the axes (the tartan rug) and a y axis with an offset (1e6)."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.0, 3.0))
    ax.plot([0, 1, 2], [1_000_000.0, 1_000_001.0, 1_000_002.0])
    ax.set_xticks([0, 1, 2], ["England", "North West", "Stockport and Trafford"], rotation=40)
    ax.xaxis.tick_top()
    ax.set_title("Indicators by area", loc="left")
    return fig


@pytest.mark.parametrize("make", [_bars_legend_below, _map_like, _figure_level, _ticks_on_top])
def test_fitted_figure_is_the_picture_a_tight_save_gives(make) -> None:  # type: ignore[no-untyped-def]
    import matplotlib.pyplot as plt

    charts._setup()
    reference = make()
    expected = _pixels(reference, bbox_inches="tight")
    fitted = make()
    charts.fit(fitted)
    with charts._ticks_measured_once():
        got = _pixels(fitted)
    plt.close("all")
    # the same size to a pixel, and the same picture (anti-aliasing may move an edge by a pixel)
    assert abs(got.shape[0] - expected.shape[0]) <= 1
    assert abs(got.shape[1] - expected.shape[1]) <= 1
    rows, cols = min(got.shape[0], expected.shape[0]), min(got.shape[1], expected.shape[1])
    differ = np.abs(got[:rows, :cols] - expected[:rows, :cols]).max(axis=2) > 64
    assert differ.mean() < 0.002


def test_fitted_figure_saves_without_a_crop_and_is_drawn_once() -> None:
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure as MplFigure

    charts._setup()
    fig = _bars_legend_below()
    charts.fit(fig)
    width, height = fig.get_size_inches()
    # the long tick labels on the left were outside the 6.4-inch figure: now it holds them
    box = fig.get_tightbbox()
    assert box.x0 == pytest.approx(charts.FIT_PAD, abs=0.01)
    assert box.y0 == pytest.approx(charts.FIT_PAD, abs=0.01)
    assert width - box.x1 == pytest.approx(charts.FIT_PAD, abs=0.01)
    assert height - box.y1 == pytest.approx(charts.FIT_PAD, abs=0.01)
    draws = []
    original = MplFigure.draw

    def counting(self, renderer):  # type: ignore[no-untyped-def]
        draws.append(self)
        return original(self, renderer)

    MplFigure.draw = counting  # type: ignore[method-assign]
    try:
        svg = charts.to_svg(fig, figure_id="f", title="t", alt="a")
    finally:
        MplFigure.draw = original  # type: ignore[method-assign]
    plt.close("all")
    assert len(draws) == 1
    found = re.search(r'width="([\d.]+)pt" height="([\d.]+)pt"', svg)
    assert found is not None
    assert float(found.group(1)) == pytest.approx(width * 72, abs=0.01)
    assert float(found.group(2)) == pytest.approx(height * 72, abs=0.01)


def test_ticks_measured_once_leave_matplotlib_as_it_was() -> None:
    from matplotlib import axis as maxis

    update, measure = maxis.Axis._update_ticks, maxis.Axis._get_ticklabel_bboxes  # type: ignore[attr-defined]
    with charts._ticks_measured_once():
        assert maxis.Axis._update_ticks is not update  # type: ignore[attr-defined]
    assert maxis.Axis._update_ticks is update  # type: ignore[attr-defined]
    assert maxis.Axis._get_ticklabel_bboxes is measure  # type: ignore[attr-defined]


def _grid(count: int, labels: list[str]):  # type: ignore[no-untyped-def]
    import math

    import matplotlib.pyplot as plt

    charts._setup()
    cols = 2 if count > 1 else 1
    rows = math.ceil(count / cols)
    fig, axes = plt.subplots(rows, cols, squeeze=False)
    for i, ax in enumerate(axes.flat):
        if i >= count:
            ax.set_visible(False)
            continue
        # panels whose y tick labels differ in width, as rates of different sizes do
        ax.plot([5_000, 150_000], [10 ** (i % 4), 3 * 10 ** (i % 4)])
        ax.set_title(labels[i % len(labels)], loc="left", fontsize=9)
        ax.tick_params(labelsize=7.5)
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], label=f"Series {i}") for i in range(5)]
    charts.arrange_grid(
        fig, axes, panel=(2.65, 2.05), xlabel="Residents", ylabel="per 1,000", handles=handles
    )
    return fig, axes


@pytest.mark.parametrize("count", [1, 3, 4, 6])
def test_grid_panels_are_one_size_and_their_decorations_do_not_meet(count: int) -> None:
    import matplotlib.pyplot as plt

    fig, axes = _grid(count, ["A&E attendance", "Emergency admission", "Outpatient attendance"])
    renderer = fig.canvas.get_renderer()
    shown = [ax for ax in axes.flat if ax.get_visible()]
    # every plotting area 2.65 by 2.05 inches
    for ax in shown:
        box = ax.get_window_extent(renderer)
        assert box.width / fig.dpi == pytest.approx(2.65, abs=1e-6)
        assert box.height / fig.dpi == pytest.approx(2.05, abs=1e-6)
    # matplotlib's own measure of each panel with its title and tick labels: no two overlap
    boxes = [ax.get_tightbbox(renderer) for ax in shown]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b)
    # the figure holds everything, with the fit's margin and no more
    whole = fig.get_tightbbox(renderer)
    width, height = fig.get_size_inches()
    for margin in (whole.x0, whole.y0, width - whole.x1, height - whole.y1):
        assert margin == pytest.approx(charts.FIT_PAD, abs=0.02)
    # the legend below the shared x label, the y label left of every tick label
    (legend,) = fig.legends
    texts = {t.get_text(): t for t in fig.texts}
    xlabel, ylabel = texts["Residents"], texts["per 1,000"]
    assert legend.get_window_extent(renderer).y1 <= xlabel.get_window_extent(renderer).y0
    assert xlabel.get_window_extent(renderer).y1 <= min(b.y0 for b in boxes)
    assert ylabel.get_window_extent(renderer).x1 <= min(b.x0 for b in boxes)
    plt.close("all")


def _capture_figures(monkeypatch):  # type: ignore[no-untyped-def]
    """The matplotlib figures handed to ``to_svg``, kept after it has saved them."""
    kept = []
    original = charts.to_svg

    def keeping(fig, **kwargs):  # type: ignore[no-untyped-def]
        kept.append(fig)
        return original(fig, **kwargs)

    monkeypatch.setattr(charts, "to_svg", keeping)
    return kept


def test_funnel_legend_sits_below_the_axes_clear_of_many_points(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(19)
    n = 309
    denominator = rng.uniform(2_000, 1_200_000, n)
    # points in every corner of the plot, the top right one included
    value = 100 + rng.normal(0, 1, n) * 4000 / np.sqrt(denominator) * 40
    value[:4] = [value.max() + 5, value.min() - 5, value.max() + 5, value.min() - 5]
    denominator[:4] = [1_200_000, 1_200_000, 2_000, 2_000]
    points = pd.DataFrame(
        {
            "area_code": [f"E0600{i:04d}" for i in range(n)],
            "area_name": [f"Area {i}" for i in range(n)],
            "denominator": denominator,
            "value": value,
            "target": 100.0,
        }
    )
    for z, name in ((1.96, "95"), (3.09, "99_8")):
        points[f"lower_ci_{name}"] = 100 - z * 40 / np.sqrt(points["denominator"] / 1000)
        points[f"upper_ci_{name}"] = 100 + z * 40 / np.sqrt(points["denominator"] / 1000)
    limits = points.sort_values("denominator")[
        ["denominator", "target", "lower_ci_95", "upper_ci_95", "lower_ci_99_8", "upper_ci_99_8"]
    ]
    kept = _capture_figures(monkeypatch)
    charts.funnel_plot(points, limits, title="Mortality", unit="per 100,000", highlight="E06000005")
    (fig,) = kept
    (ax,) = fig.axes
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(fig).get_renderer()
    legend = ax.get_legend()
    legend_box = legend.get_window_extent(renderer)
    # below the x axis with its tick labels and label, so that no point can be under it
    assert legend_box.y1 <= ax.xaxis.get_tightbbox(renderer).y0
    assert legend_box.y1 <= ax.get_window_extent(renderer).y0
    # and inside the saved picture
    width, height = fig.get_size_inches()
    assert legend_box.y0 >= 0 and legend_box.x0 >= 0
    assert legend_box.x1 <= width * fig.dpi and legend_box.y1 <= height * fig.dpi


def test_practice_counts_have_whole_number_ticks() -> None:
    from jsna.report.input_blocks import _list_size_chart

    # five practices: at most three in a bin, where matplotlib would tick every 0.5
    practices = pd.DataFrame(
        {
            "area_code": ["A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8", "A9", "A10", "A11"],
            "value": [4200, 4500, 5100, 7000, 8300, 9400, 10_100, 12_000, 13_900, 14_600, 16_800],
        }
    )
    rc = SimpleNamespace(area_name="Ambridge Vale")
    figure = _list_size_chart(rc, practices, "2025-01")  # type: ignore[arg-type]
    # each y tick's group holds its mark and then its label
    labels = re.findall(r'ytick_\d+">.*?<text[^>]*>([^<]*)</text>', figure.svg, flags=re.S)
    assert len(labels) >= 3
    assert all(re.fullmatch(r"\d+", label) for label in labels), labels
    # the tallest bar, counted on the source, is one of the ticks or below the top tick
    counts, _ = np.histogram(practices["value"], bins=min(12, max(4, len(practices) // 2)))
    assert int(labels[-1]) >= counts.max()


def test_sii_legend_sits_below_the_axes(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from jsna.report.analysis_charts import sii_chart

    # life expectancy rising with the decile: the line and the tallest bars fill the lower and
    # upper right corners, where the legend used to be
    deciles = pd.DataFrame(
        {
            "quantile": range(1, 11),
            "value": [77.7, 79.9, 78.5, 81.6, 81.4, 82.6, 83.5, 83.6, 85.3, 84.7],
            "population": [9000.0] * 10,
        }
    )
    deciles["lower_ci_95"] = deciles["value"] - 1.2
    deciles["upper_ci_95"] = deciles["value"] + 1.2
    kept = _capture_figures(monkeypatch)
    sii_chart(deciles, sii=8.0, intercept=77.9, title="Life expectancy", unit="years")
    (fig,) = kept
    (ax,) = fig.axes
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    renderer = FigureCanvasAgg(fig).get_renderer()
    legend_box = ax.get_legend().get_window_extent(renderer)
    assert legend_box.y1 <= ax.xaxis.get_tightbbox(renderer).y0
    assert legend_box.y0 >= 0
