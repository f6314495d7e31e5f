"""The indicator contract: what a built-in or plugin indicator declares.

This module is the whole contract; the machinery that loads and runs indicators lives in
:mod:`jsna.indicators.registry`. A plugin exposes an :class:`Indicator` (or a list of
them) through the ``jsna.indicators`` entry-point group.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from jsna.sections import SECTION_IDS

if TYPE_CHECKING:
    import pandas as pd

    from jsna.indicators.context import ComputeContext

POLARITIES = ("high_is_good", "low_is_good", "no_judgement")
BENCHMARKS = ("england", "parent", "none")
TABLES_AVAILABLE = ("population", "events", "indicator_values", "areas", "lookups", "deprivation")
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

#: columns a compute function must return (others of the results schema are optional)
REQUIRED_RESULT_COLUMNS = ("area_code", "period", "value")


@dataclass(frozen=True)
class Indicator:
    """Declaration of one indicator.

    Parameters
    ----------
    id
        Stable kebab-case identifier, e.g. ``falls-admissions-65-plus``.
    title
        Human title as it appears in the report.
    section
        Minimum-dataset section id (see :data:`jsna.sections.SECTION_IDS`).
    polarity
        ``high_is_good``, ``low_is_good`` or ``no_judgement``.
    unit
        Unit shown after the value, e.g. ``per 100,000``, ``%``, ``years``.
    compute
        Pure function ``(ComputeContext) -> DataFrame`` returning rows in the results
        schema (at least ``area_code``, ``period``, ``value``).
    """

    id: str
    title: str
    section: str
    polarity: str
    unit: str
    compute: Callable[[ComputeContext], pd.DataFrame]
    multiplier: float = 1.0
    decimals: int = 1
    method: str = ""
    definition: str = ""
    requires: tuple[str, ...] = ()
    benchmark: str = "england"
    disclosure: str = "counts"
    source: str = "computed"
    extra: dict[str, Any] = field(default_factory=dict)

    def problems(self) -> list[str]:
        """Everything wrong with the declaration (empty when it is valid)."""
        out = []
        if not _ID.match(self.id or ""):
            out.append(f"id {self.id!r} must be kebab-case (lower-case words joined by '-')")
        if not self.title:
            out.append("title is empty")
        if self.section not in SECTION_IDS:
            out.append(f"section {self.section!r} is not one of {', '.join(SECTION_IDS)}")
        if self.polarity not in POLARITIES:
            out.append(f"polarity {self.polarity!r} is not one of {', '.join(POLARITIES)}")
        if self.benchmark not in BENCHMARKS:
            out.append(f"benchmark {self.benchmark!r} is not one of {', '.join(BENCHMARKS)}")
        unknown = [t for t in self.requires if t not in TABLES_AVAILABLE]
        if unknown:
            out.append(f"requires unknown tables {unknown}; tables are {', '.join(TABLES_AVAILABLE)}")
        if not callable(self.compute):
            out.append("compute is not callable")
        if self.decimals < 0:
            out.append("decimals must be >= 0")
        return out

    def describe(self) -> dict[str, Any]:
        return {
            "id": self.id, "title": self.title, "section": self.section, "polarity": self.polarity,
            "unit": self.unit, "multiplier": self.multiplier, "decimals": self.decimals,
            "method": self.method, "definition": self.definition, "requires": list(self.requires),
            "benchmark": self.benchmark, "disclosure": self.disclosure, "source": self.source,
        }
