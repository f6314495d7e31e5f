"""The faster report paths keep what the reader sees: charts cropped to their content in one
drawing pass, and the PDF given the same charts as SVG images."""

from __future__ import annotations

import base64
import io
import re

import pytest

from jsna.report import charts


def _long_label_figure():  # type: ignore[no-untyped-def]
    """A chart with everything that used to need a tight bounding box: a long title, long tick
    labels on the left, and a legend below the axes."""
    charts._setup()
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 3.0))
    names = [
        "Bournemouth, Christchurch and Poole",
        "King's Lynn and West Norfolk",
        "Richmondshire",
    ]
    ax.barh(
        range(3), [1.0, 2.0, 3.0], label="Emergency hospital admissions for intentional self-harm"
    )
    ax.set_yticks(range(3), names)
    ax.set_title(
        "Emergency hospital admissions for intentional self-harm, directly standardised rate, 2023/24",
        loc="left",
    )
    ax.set_xlabel("per 100,000")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.25), ncols=2)
    return fig


def _size_pt(svg: str) -> tuple[float, float]:
    found = re.search(r'width="([\d.]+)pt" height="([\d.]+)pt"', svg)
    assert found is not None
    return float(found.group(1)), float(found.group(2))


def test_chart_is_cropped_to_the_box_a_tight_save_gives() -> None:
    import matplotlib.pyplot as plt

    reference = _long_label_figure()
    buffer = io.StringIO()
    reference.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(reference)
    tight_width, tight_height = _size_pt(buffer.getvalue())

    svg = charts.to_svg(_long_label_figure(), figure_id="f", title="t", alt="a")
    width, height = _size_pt(svg)
    # within a point of matplotlib's own tight crop: nothing clipped, no extra margin
    assert width == pytest.approx(tight_width, abs=1.0)
    assert height == pytest.approx(tight_height, abs=1.0)
    # the long labels are wider than the axes' left margin of the original figure
    assert width > 6.4 * 72 * 0.9


def _draws(make):  # type: ignore[no-untyped-def]
    """``(make(), how many times a matplotlib figure was drawn while making it)``."""
    from matplotlib.figure import Figure as MplFigure

    draws = 0
    original = MplFigure.draw

    def counting(self, renderer):  # type: ignore[no-untyped-def]
        nonlocal draws
        draws += 1
        return original(self, renderer)

    MplFigure.draw = counting  # type: ignore[method-assign]
    try:
        made = make()
    finally:
        MplFigure.draw = original  # type: ignore[method-assign]
    return made, draws


def test_chart_is_drawn_once() -> None:
    fig = _long_label_figure()
    _, draws = _draws(lambda: charts.to_svg(fig, figure_id="f", title="t", alt="a"))
    assert draws == 1


def test_pdf_html_carries_each_chart_as_its_svg_image(demo_assembled) -> None:  # type: ignore[no-untyped-def]
    from jsna.report.render import render_html

    report = demo_assembled[0]
    # in page order: each section's figures, then the figures of its blocks
    figures = [
        f
        for s in report.sections
        for f in [*s.figures, *(b["figure"] for b in s.blocks if "figure" in b)]
    ]
    assert figures
    html = render_html(report)
    pdf_html = render_html(report, for_pdf=True)
    # HTML: the inline SVG (self-contained, text selectable); PDF: one image per chart
    assert html.count("<svg") >= len(figures)
    assert "data:image/svg+xml;base64," not in html
    images = re.findall(r'<img src="data:image/svg\+xml;base64,([^"]+)" alt="([^"]*)"', pdf_html)
    assert len(images) == len(figures)
    from html import unescape

    for (encoded, alt), figure in zip(images, figures, strict=True):
        assert base64.b64decode(encoded).decode("utf-8") == figure.svg
        assert unescape(alt) == f"{figure.title}: {figure.alt}"


def test_text_sizes_shared_across_charts_give_the_same_picture() -> None:
    """Each chart once with matplotlib's own per-renderer cache of text sizes, once with the
    cache shared by every chart of the process: the SVGs are byte for byte the same."""
    import matplotlib.pyplot as plt
    from matplotlib import text as mtext

    charts._setup()
    shared = mtext._get_text_metrics_function
    assert getattr(shared, "shared_by_kind", False)
    # the same chart drawn twice with sharing: the second draw measures no text again
    first = charts.to_svg(_long_label_figure(), figure_id="f", title="t", alt="a")
    measured: list[str] = []
    from matplotlib.backends.backend_agg import RendererAgg

    original_agg = RendererAgg.get_text_width_height_descent

    def counting(self, s, prop, ismath):  # type: ignore[no-untyped-def]
        measured.append(s)
        return original_agg(self, s, prop, ismath)

    RendererAgg.get_text_width_height_descent = counting  # type: ignore[method-assign]
    try:
        again = charts.to_svg(_long_label_figure(), figure_id="f", title="t", alt="a")
    finally:
        RendererAgg.get_text_width_height_descent = original_agg  # type: ignore[method-assign]
    assert again == first
    assert measured == []
    # matplotlib's own cache, one per renderer: the same bytes
    own = shared.__wrapped_original__  # type: ignore[attr-defined]
    mtext._get_text_metrics_function = own
    try:
        fig = _long_label_figure()
        fig.canvas.get_renderer()
        unshared = charts.to_svg(fig, figure_id="f", title="t", alt="a")
    finally:
        mtext._get_text_metrics_function = shared
    plt.close("all")
    assert unshared == first


def test_a_map_is_drawn_once() -> None:
    import geopandas as gpd
    import pandas as pd
    from shapely.geometry import box

    from jsna.report import maps

    geo = gpd.GeoDataFrame(
        {"area_code": ["E01000001", "E01000002"]},
        geometry=[box(-2.0, 53.0, -1.9, 53.1), box(-1.9, 53.0, -1.8, 53.1)],
        crs="EPSG:4326",
    )
    figure, draws = _draws(
        lambda: maps.choropleth(
            geo,
            pd.Series([1, 2]),
            colours=("#12436D", "#28A197"),
            labels=["Low", "High"],
            title="Two squares",
            legend_title="Class",
            alt="Two squares",
            figure_id="m",
            source="Source: made up",
            outline=geo.dissolve(),
        )
    )
    # geopandas' redraw after each plot call is skipped: drawn once, to save it
    assert draws == 1
    # each square filled with its class's colour (and its legend key)
    svg = figure.svg.lower()
    assert svg.count("fill: #12436d") >= 2
    assert svg.count("fill: #28a197") >= 2
