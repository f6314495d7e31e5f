"""The report as data: sections of headlines, figures, tables and text, before any HTML."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from jsna.report.charts import Figure
from jsna.vocabulary.sections import SectionInfo


@dataclass
class Headline:
    label: str
    value: str
    detail: str = ""
    outcome: str | None = None  # Better / Similar / Worse / Higher / Lower / Not compared

    def __post_init__(self) -> None:
        from jsna.report.text import is_missing

        if is_missing(self.outcome) or self.outcome == "":
            self.outcome = None
        else:
            self.outcome = str(self.outcome)


@dataclass
class Cell:
    text: str
    outcome: str | None = None
    numeric: bool = False


@dataclass
class Table:
    caption: str
    columns: list[str]
    rows: list[list[Cell]]
    id: str = ""
    note: str = ""
    #: the first rows are references (England, a parent's value), set apart from the rest
    reference_rows: int = 0


@dataclass
class Section:
    info: SectionInfo
    intro: str = ""
    headlines: list[Headline] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    summary: list[str] = field(default_factory=list)
    narrative_html: str = ""
    missing: list[str] = field(default_factory=list)
    blocks: list[dict[str, Any]] = field(default_factory=list)  # extra blocks from plugins
    #: (title, text) notes for the methods appendix
    methods: list[tuple[str, str]] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return f"section-{self.info.number}-{self.info.id.replace('_', '-')}"

    @property
    def empty(self) -> bool:
        return not (
            self.headlines
            or self.figures
            or self.tables
            or self.summary
            or self.narrative_html
            or self.blocks
        )


@dataclass
class Report:
    title: str
    area_code: str
    area_name: str
    benchmark_name: str
    run_date: str
    organisation: str
    colour: str
    sections: list[Section]
    executive_summary: list[str]
    worse_than_benchmark: list[dict[str, str]]
    indicators_appendix: list[dict[str, str]]
    sources_appendix: list[dict[str, str]]
    skipped: list[dict[str, str]] = field(default_factory=list)
    results_csv: str = ""
    logo_data_uri: str = ""
    version: str = ""
    subtitle: str = ""
    accent_colour: str = "#28A197"
    website: str = ""
    contact: str = ""
    footer: str = ""
    disclosure_note: str = ""
    area_type: str = ""
    comparators_name: str = ""
    comparators_reason: str = ""
    comparators_areas: str = ""
    comparators_notes: list[str] = field(default_factory=list)
    #: why sections 7-10 may not match jsna.toml (settings changed since jsna compute)
    warnings: list[str] = field(default_factory=list)
    #: "practice" or "pcn" for a GP practice's or a primary care network's profile, else ""
    profile: str = ""
    #: whom a profile compares the practice or network with (in place of comparator areas)
    compared_with: str = ""

    @property
    def figure_count(self) -> int:
        return sum(len(s.figures) for s in self.sections)
