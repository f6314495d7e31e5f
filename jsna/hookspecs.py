"""The plugin contract: what a package may hand to jsna, and through which door.

jsna finds plugins through three Python entry-point groups. Each entry point names an
object, a list of objects, or a function returning either; built-ins are registered the
same way in jsna's own ``pyproject.toml``::

    [project.entry-points."jsna.indicators"]   # Indicator objects
    falls = "my_jsna_plugin:INDICATORS"

    [project.entry-points."jsna.sources"]      # ingest Source instances (a new file kind)
    clinic = "my_jsna_plugin.sources:SOURCES"

    [project.entry-points."jsna.sections"]     # SectionPlugin objects (a block in a section)
    notes = "my_jsna_plugin.report:SECTION_PLUGINS"

Only this module (and the classes it re-exports) is the contract; the loading machinery is
in :mod:`jsna.plugins`, :mod:`jsna.indicators.registry` and :mod:`jsna.ingest.pipeline`.
Rules every kind of plugin shares:

* identifiers are kebab-case and unique across everything installed; two packages
  claiming one id stop jsna at load time (exit code 3) naming both;
* a plugin that fails to import, declares something invalid, raises, or returns a frame
  that breaks the results schema is reported by name with the reason; the others carry on,
  the report lists what was left out, and ``jsna compute``/``jsna run`` exit with code 1;
* plugins are pure: they read what jsna gives them and return data. They never print,
  write to the workspace, or reach the network.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from jsna.indicators.spec import Indicator
from jsna.ingest.base import Parsed, ReadOptions, Source
from jsna.plugins import INDICATOR_GROUP, SECTION_GROUP, SOURCE_GROUP
from jsna.vocabulary.sections import SECTION_IDS

if TYPE_CHECKING:
    import pandas as pd

_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class ReportBlock:
    """One block a section plugin adds to a section: a heading and an HTML fragment.

    ``html`` is inserted as it is, so escape any text that comes from data
    (``html.escape``). Keep it self-contained: inline SVG, no scripts, no network.
    """

    title: str
    html: str


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
    """A block added to one minimum-dataset section of every area's report.

    Parameters
    ----------
    id
        Stable kebab-case identifier, e.g. ``falls-prevention-services``.
    section
        Minimum-dataset section id (see :data:`jsna.vocabulary.sections.SECTION_IDS`).
    title
        What the plugin adds, shown by ``jsna plugins``.
    render
        ``(BlockContext) -> ReportBlock | list[ReportBlock] | None``. Return ``None`` or an
        empty list when there is nothing to say for this area.
    order
        Blocks of one section are shown by ascending ``order``, then ``id``.
    """

    id: str
    section: str
    title: str
    render: Callable[[BlockContext], ReportBlock | list[ReportBlock] | None]
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


__all__ = [
    "INDICATOR_GROUP",
    "SECTION_GROUP",
    "SOURCE_GROUP",
    "BlockContext",
    "Indicator",
    "Parsed",
    "ReadOptions",
    "ReportBlock",
    "SectionPlugin",
    "Source",
]
