"""The plugin contract: what a package may hand to jsna, and through which door.

jsna finds plugins through three Python entry-point groups. Each entry point names an
object, a list of objects, or a function returning either; jsna's own indicators, sources
and sections are registered exactly the same way, in jsna's ``pyproject.toml``::

    [project.entry-points."jsna.indicators"]   # Indicator objects
    falls = "my_jsna_plugin:INDICATORS"

    [project.entry-points."jsna.sources"]      # ingest Source instances (a new file kind)
    clinic = "my_jsna_plugin.sources:SOURCES"

    [project.entry-points."jsna.sections"]     # SectionPlugin objects (blocks in a section)
    notes = "my_jsna_plugin.report:SECTION_PLUGINS"

This module is the whole contract and imports none of the machinery that loads plugins
(that is :mod:`jsna.plugins`). Rules every kind of plugin shares:

* identifiers are kebab-case and unique across everything installed; two packages
  claiming one id stop jsna at load time (exit code 3) naming both;
* a plugin that fails to import, declares something invalid, raises, or returns something
  outside the contract is reported by name with the reason; the others carry on, the report
  lists what was left out, and ``jsna compute``/``jsna run`` exit with code 1;
* plugins are pure: they read what jsna gives them and return data. They never print,
  write to the workspace, reach the network, or write HTML: a section plugin returns
  :class:`TextBlock`, :class:`TableBlock` and :class:`ChartBlock` objects, which the report
  draws with its own templates, so plugin blocks look like the rest of the report in HTML
  and PDF alike.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from jsna.indicators.spec import Indicator
from jsna.ingest.base import Parsed, ReadOptions, Source
from jsna.vocabulary.sections import SECTION_IDS

if TYPE_CHECKING:
    import pandas as pd

#: entry-point group of indicators (:class:`Indicator` objects)
INDICATOR_GROUP = "jsna.indicators"
#: entry-point group of ingest sources (:class:`Source` instances)
SOURCE_GROUP = "jsna.sources"
#: entry-point group of report-section plugins (:class:`SectionPlugin` objects)
SECTION_GROUP = "jsna.sections"
#: every group jsna reads, in the order it loads them
GROUPS = (INDICATOR_GROUP, SOURCE_GROUP, SECTION_GROUP)

_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

#: comparison outcomes a table cell may be coloured by (as Fingertips colours them); the
#: results' ``compared_to_benchmark`` values, a level suffix included ("Higher 99.8"), fit
CELL_OUTCOMES = ("Better", "Similar", "Worse", "Higher", "Lower", "Not compared", "Benchmark")


def _outcome_ok(outcome: object) -> bool:
    if outcome is None or (isinstance(outcome, float) and outcome != outcome):  # None or NaN
        return True
    head, _, level = str(outcome).strip().partition(" ")
    bare = head if level.replace(".", "").isdigit() else str(outcome).strip()
    return bare in CELL_OUTCOMES


#: chart kinds a :class:`ChartBlock` may ask for
CHART_KINDS = ("bar", "line")


# -- blocks a section plugin returns ---------------------------------------------------------------
@dataclass(frozen=True)
class TextBlock:
    """Paragraphs of plain text (the report escapes them; no HTML)."""

    text: str | Sequence[str]
    title: str = ""

    @property
    def paragraphs(self) -> list[str]:
        return [self.text] if isinstance(self.text, str) else [str(p) for p in self.text]


@dataclass(frozen=True)
class Cell:
    """A table cell with a comparison colour, e.g. ``Cell("Worsened", outcome="Worse")``."""

    value: Any
    outcome: str | None = None


@dataclass(frozen=True)
class TableBlock:
    """A table drawn like the report's own tables.

    ``rows`` are sequences of cells, one per column; the first cell of a row is its header.
    A cell is text, a number (a float with ``decimals`` places, an int with none; thousands
    separators; right-aligned), ``None`` (shown as a dash) or a :class:`Cell`. Pass any count of people
    through ``ctx.policy.count(n)`` first, so that small numbers are suppressed.
    """

    columns: Sequence[str]
    rows: Sequence[Sequence[Any]]
    title: str = ""
    caption: str = ""
    note: str = ""
    decimals: int = 1


@dataclass(frozen=True)
class ChartBlock:
    """A chart drawn by the report's chart module from a small frame.

    ``kind="bar"`` draws one bar per row (``x`` the category, ``y`` the value);
    ``kind="line"`` draws ``y`` over the periods in ``x`` (``2019``, ``2019/20``,
    ``2017-19`` …, placed on a time axis). ``lower``/``upper`` name optional columns of
    95% limits. ``alt`` is the text a screen reader says instead of the picture.
    """

    data: pd.DataFrame
    x: str
    y: str
    title: str
    kind: str = "bar"
    unit: str = ""
    lower: str | None = None
    upper: str | None = None
    alt: str = ""
    source: str = ""


#: what ``SectionPlugin.render`` may return, one block or several
Block = TextBlock | TableBlock | ChartBlock
BLOCK_TYPES = (TextBlock, TableBlock, ChartBlock)


@dataclass(frozen=True)
class BlockContext:
    """What a section plugin sees when the report for one area is assembled (read-only)."""

    area_code: str
    area_name: str
    benchmark_code: str
    benchmark_name: str
    #: the whole results table (every area), in the results schema
    results: pd.DataFrame
    #: the project configuration (``jsna.config.Config``)
    config: Any
    #: disclosure policy (``jsna.report.disclosure.DisclosurePolicy``): use ``policy.count(n)``
    #: for any count shown
    policy: Any
    #: reads a canonical table of the workspace, e.g. ``table("population")``
    table: Callable[[str], pd.DataFrame]
    #: every registered indicator by id (for titles, units and decimal places)
    indicators: dict[str, Indicator] = field(default_factory=dict)

    def area_results(self, indicator_id: str | None = None) -> pd.DataFrame:
        """Rows of the results table for this area (optionally one indicator)."""
        rows = self.results[self.results["area_code"].eq(self.area_code)]
        if indicator_id is not None:
            rows = rows[rows["indicator_id"].eq(indicator_id)]
        return rows


@dataclass(frozen=True)
class SectionPlugin:
    """Blocks added to one minimum-dataset section of every area's report.

    Parameters
    ----------
    id
        Stable kebab-case identifier, e.g. ``falls-prevention-services``.
    section
        Minimum-dataset section id (see :data:`jsna.vocabulary.sections.SECTION_IDS`).
    title
        What the plugin adds, shown by ``jsna plugins``.
    render
        ``(BlockContext) -> Block | list[Block] | None``, where a block is a
        :class:`TextBlock`, :class:`TableBlock` or :class:`ChartBlock`. Return ``None`` or an
        empty list when there is nothing to say for this area.
    order
        Blocks of one section are shown by ascending ``order``, then ``id``.
    """

    id: str
    section: str
    title: str
    render: Callable[[BlockContext], Block | Sequence[Block] | None]
    order: int = 100
    extra: dict[str, Any] = field(default_factory=dict)

    def problems(self) -> list[str]:
        """Everything wrong with the declaration (empty when it is valid)."""
        out = []
        if not _ID.match(self.id or ""):
            out.append(f"id {self.id!r} must be kebab-case (lower-case words joined by '-')")
        if self.section not in SECTION_IDS:
            out.append(f"section {self.section!r} is not one of {', '.join(SECTION_IDS)}")
        if not self.title:
            out.append("title is empty")
        if not callable(self.render):
            out.append("render is not callable")
        return out

    def describe(self) -> dict[str, Any]:
        return {"id": self.id, "section": self.section, "title": self.title, "order": self.order}


def block_problems(block: object) -> list[str]:
    """Everything wrong with one block a section plugin returned (empty when it is usable)."""
    if isinstance(block, str):
        return [
            "render returned a string (raw HTML is not accepted); return a TextBlock, "
            "TableBlock or ChartBlock from jsna.hookspecs"
        ]
    if not isinstance(block, BLOCK_TYPES):
        return [
            f"render returned {type(block).__name__}, not a TextBlock, TableBlock or ChartBlock"
        ]
    if isinstance(block, TableBlock):
        return _table_problems(block)
    if isinstance(block, ChartBlock):
        return _chart_problems(block)
    return []


def _table_problems(block: TableBlock) -> list[str]:
    out = []
    width = len(block.columns)
    if not width:
        out.append("a TableBlock needs at least one column")
    for number, row in enumerate(block.rows, start=1):
        if isinstance(row, str) or len(row) != width:
            out.append(
                f"TableBlock row {number} has {1 if isinstance(row, str) else len(row)} cells, "
                f"expected {width} (one per column)"
            )
            break
        bad = [c for c in row if isinstance(c, Cell) and not _outcome_ok(c.outcome)]
        if bad:
            out.append(
                f"TableBlock row {number}: outcome {bad[0].outcome!r} is not one of "
                f"{', '.join(CELL_OUTCOMES)}"
            )
            break
    return out


def _chart_problems(block: ChartBlock) -> list[str]:
    import pandas as pd

    if not isinstance(block.data, pd.DataFrame):
        return [f"ChartBlock data is {type(block.data).__name__}, not a DataFrame"]
    out = []
    if block.kind not in CHART_KINDS:
        out.append(f"ChartBlock kind {block.kind!r} is not one of {', '.join(CHART_KINDS)}")
    wanted = [c for c in (block.x, block.y, block.lower, block.upper) if c]
    missing = [c for c in wanted if c not in block.data.columns]
    if missing:
        out.append(
            f"ChartBlock data lacks columns {', '.join(missing)} "
            f"(has {', '.join(map(str, block.data.columns))})"
        )
    elif block.data.empty:
        out.append("ChartBlock data has no rows")
    else:
        for col in [c for c in (block.y, block.lower, block.upper) if c]:
            if not pd.api.types.is_numeric_dtype(block.data[col]):
                out.append(f"ChartBlock column {col} is {block.data[col].dtype}, not numeric")
    if not block.title:
        out.append("ChartBlock title is empty")
    return out


__all__ = [
    "BLOCK_TYPES",
    "CELL_OUTCOMES",
    "CHART_KINDS",
    "GROUPS",
    "INDICATOR_GROUP",
    "SECTION_GROUP",
    "SOURCE_GROUP",
    "Block",
    "BlockContext",
    "Cell",
    "ChartBlock",
    "Indicator",
    "Parsed",
    "ReadOptions",
    "SectionPlugin",
    "Source",
    "TableBlock",
    "TextBlock",
    "block_problems",
]
