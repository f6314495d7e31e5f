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

from jsna.errors import MissingInput as MissingInput  # re-exported: plugins raise it from here
from jsna.vocabulary.sections import SECTION_IDS
from jsna.vocabulary.tables import BOOKKEEPING_TABLES, TABLES

if TYPE_CHECKING:
    import pandas as pd

    from jsna.indicators.context import ComputeContext

#: high is good / low is good / no judgement (compared, but neither better nor worse)
POLARITIES = ("high_is_good", "low_is_good", "no_judgement")
#: what each row is compared with: the project benchmark (``[project] benchmark``, England by
#: default), the area's parent, or nothing. Comparison is Fingertips' confidence-interval
#: overlap at 95% and 99.8% (see :func:`jsna.indicators.methods.compare_to_benchmark`).
BENCHMARKS = ("england", "parent", "none")
#: how the report protects small numbers behind the indicator's rows:
#: ``counts``: counts of 1-7 are suppressed and values built on them are marked (the default);
#: ``value-is-count``: the value itself is a count of people or events and is suppressed like one;
#: ``none``: no counts of people lie behind the value (e.g. a published score or index).
DISCLOSURE_RULES = ("counts", "value-is-count", "none")
#: confidence-interval methods an indicator may ask for: "phe" (exact under 10 events, Byar's
#: from 10), "exact" or "byars" for counts; "wilson" or "exact" (Clopper-Pearson) for proportions
CI_METHODS = ("phe", "exact", "byars", "wilson")
#: levels a RAG rating against the benchmark can use, as Fingertips offers
RAG_CONFIDENCES = (0.95, 0.998)
#: canonical tables an indicator may read: every workspace table except bookkeeping and output
TABLES_AVAILABLE = tuple(t for t in TABLES if t not in BOOKKEEPING_TABLES)
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
        Minimum-dataset section id (see :data:`jsna.vocabulary.sections.SECTION_IDS`).
    polarity
        ``high_is_good``, ``low_is_good`` or ``no_judgement``.
    unit
        Unit shown after the value, e.g. ``per 100,000``, ``%``, ``years``.
    compute
        Pure function ``(ComputeContext) -> DataFrame`` returning rows in the results
        schema (at least ``area_code``, ``period``, ``value``). It must not write to the
        workspace or read files; everything it needs comes from the context.
    multiplier
        What the rate is "per" (``100_000`` for per 100,000; ``100`` for a percentage).
    decimals
        Decimal places the report shows.
    method
        One line naming the statistical method, shown in the methods appendix.
    definition
        One sentence saying what is counted, over whom, shown in the methods appendix.
    requires
        Canonical tables the compute function reads (see :data:`TABLES_AVAILABLE`); when
        any is empty the indicator is skipped with a hint naming the ``jsna ingest`` command.
    benchmark
        What each area is compared with (see :data:`BENCHMARKS`).
    disclosure
        Small-number rule for the report (see :data:`DISCLOSURE_RULES`).
    source
        ``computed`` for indicators jsna computes, ``imported`` for published values.
    needs
        Optional cheap check ``(ComputeContext) -> None`` that raises :class:`MissingInput`
        when the loaded inputs cannot give the indicator (finer than ``requires``: deaths
        *from all causes*, deaths *by LSOA*). Run before ``compute`` and by
        ``jsna indicators show``; it must not compute the indicator.
    equivalents
        Published indicators that measure the same thing, as ``(indicator id or name, age)``
        pairs: Fingertips ids (``"90366"``) or names (``"Life expectancy at birth"``), matched
        case-insensitively; ``age`` is the published row's age label (``None``: any). Where both
        give a value for one area, period and sex, the report shows one: this indicator when it
        was computed from counts, else the published one (see
        :func:`jsna.indicators.finish.choose_sources`).
    ci_method
        Confidence-interval method the compute function passes to the methods (see
        :data:`CI_METHODS`); ``None`` keeps each method's default (OHID's). ``jsna.toml``
        ``[indicators.options.<id>]`` overrides it. Read it in ``compute`` with
        :meth:`jsna.indicators.context.ComputeContext.interval_options`.
    z
        *z* instead of the exact normal quantile: one number (the 95% limits' *z*, e.g. 1.96
        as some published Fingertips series use) or a mapping of level to *z*.
    rag_confidence
        Level of the RAG rating against the benchmark, 0.95 or 0.998 (see
        :data:`RAG_CONFIDENCES`); ``None`` uses the project's ``[indicators] rag_confidence``.
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
    equivalents: tuple[tuple[str, str | None], ...] = ()
    needs: Callable[[ComputeContext], None] | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    ci_method: str | None = None
    z: float | dict[Any, float] | None = None
    rag_confidence: float | None = None

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
        if isinstance(self.requires, str) or not all(isinstance(t, str) for t in self.requires):
            out.append(f"requires must be a tuple of table names, got {self.requires!r}")
            unknown = []
        else:
            unknown = [t for t in self.requires if t not in TABLES_AVAILABLE]
        if unknown:
            out.append(
                f"requires unknown tables {unknown}; tables are {', '.join(TABLES_AVAILABLE)}"
            )
        if not callable(self.compute):
            out.append("compute is not callable")
        if self.needs is not None and not callable(self.needs):
            out.append("needs is not callable")
        if (
            not isinstance(self.decimals, int)
            or isinstance(self.decimals, bool)
            or self.decimals < 0
        ):
            out.append(f"decimals must be a whole number >= 0, got {self.decimals!r}")
        if (
            not isinstance(self.multiplier, int | float)
            or isinstance(self.multiplier, bool)
            or not self.multiplier > 0
        ):
            out.append(f"multiplier must be a number > 0, got {self.multiplier!r}")
        if not isinstance(self.unit, str):
            out.append(f"unit must be text, got {self.unit!r}")
        if self.disclosure not in DISCLOSURE_RULES:
            out.append(
                f"disclosure {self.disclosure!r} is not one of {', '.join(DISCLOSURE_RULES)}"
            )
        if not all(
            isinstance(e, tuple)
            and len(e) == 2
            and isinstance(e[0], str)
            and (e[1] is None or isinstance(e[1], str))
            for e in self.equivalents
        ):
            out.append(
                f"equivalents must be (indicator id or name, age or None) pairs, got {self.equivalents!r}"
            )
        if self.ci_method is not None and self.ci_method not in CI_METHODS:
            out.append(f"ci_method {self.ci_method!r} is not one of {', '.join(CI_METHODS)}")
        zs = self.z.values() if isinstance(self.z, dict) else [] if self.z is None else [self.z]
        if not all(
            isinstance(z, int | float) and not isinstance(z, bool) and 0 < z < float("inf")
            for z in zs
        ):
            out.append(f"z must be a number > 0 or a mapping of level to one, got {self.z!r}")
        if self.rag_confidence is not None and self.rag_confidence not in RAG_CONFIDENCES:
            out.append(f"rag_confidence must be 0.95 or 0.998, got {self.rag_confidence!r}")
        return out

    def describe(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "section": self.section,
            "polarity": self.polarity,
            "unit": self.unit,
            "multiplier": self.multiplier,
            "decimals": self.decimals,
            "method": self.method,
            "definition": self.definition,
            "requires": list(self.requires),
            "benchmark": self.benchmark,
            "disclosure": self.disclosure,
            "source": self.source,
            "equivalents": [list(e) for e in self.equivalents],
            "ci_method": self.ci_method,
            "z": self.z,
            "rag_confidence": self.rag_confidence,
        }
