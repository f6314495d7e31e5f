"""Which tables are too wide for a printed page with every figure on one line
(``jsna.report.render.too_wide_for_a_page``); the demo's PDF keeps every word inside the margins
(``test_practice_views.py``)."""

from __future__ import annotations

import re

from jsna.report.model import Cell, Table
from jsna.report.render import PAGE_WIDTH_PT, too_wide_for_a_page


def _table(cells: list[Cell], table_id: str = "t") -> Table:
    return Table(caption="c", columns=["A"] * len(cells), rows=[cells], id=table_id)


def test_a_figure_never_wraps_so_its_whole_width_counts_and_text_only_its_longest_word() -> None:
    # DejaVu Sans digits are 0.636 em: at the tables' 9.2 pt, 80 of them and a cell's padding
    # fit the 505 pt between the margins, 90 do not
    assert PAGE_WIDTH_PT == 178 / 25.4 * 72
    assert not too_wide_for_a_page(_table([Cell("x"), Cell("9" * 80, numeric=True)]))
    assert too_wide_for_a_page(_table([Cell("x"), Cell("9" * 90, numeric=True)]))
    # the same characters as words of text wrap, and fit
    assert not too_wide_for_a_page(_table([Cell("x"), Cell(" ".join(["99999"] * 18))]))


def test_intervals_in_many_columns_make_a_table_wide_and_compact_type_lets_more_fit() -> None:
    figure = Cell("1.07 (0.98 to 1.18; England higher)", numeric=True)
    assert too_wide_for_a_page(_table([Cell("Network"), figure, figure, figure]))
    assert not too_wide_for_a_page(_table([Cell("Network"), figure, figure]))
    # the practice and PCN tables print in 7.5 pt: three such columns fit there
    assert not too_wide_for_a_page(
        _table([Cell("Network"), figure, figure, figure], "met-needs-pcns")
    )
    assert not too_wide_for_a_page(_table([Cell("Network"), figure, figure, figure], "x-pcn-y"))


def test_the_demo_marks_the_tables_its_pdf_could_not_fit(demo_html: str) -> None:
    """The four tables of the demo that ran past the margin before their figures could wrap
    (seen in its PDF) are marked; the tables that fitted are not, nor the PCN table, which ran
    past it too but fits in the practice tables' compact type (its id had escaped it)."""
    wide = set(re.findall(r'<table class="data wide" id="([^"]+)"', demo_html))
    assert wide == {
        "health-computed",
        "met-needs-indicators",
        "inequality-breakdowns",
        "vfm-ipc-cohorts-table",
    }
    fitted = set(re.findall(r'<table class="data" id="([^"]+)"', demo_html))
    assert {"health-imported", "met-needs-practice-indicators", "met-needs-pcns"} <= fitted
