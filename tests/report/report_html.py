"""Helpers for tests that read rendered reports: tables, SVG text and the embedded CSV."""

from __future__ import annotations

import base64
import io
import re
from html.parser import HTMLParser

import pandas as pd

COUNT_HEADERS = {"Count", "Males", "Females", "Persons"}


class ReportParser(HTMLParser):
    """Collects every table (headers and cell text), SVG text outside axis ticks, links and headings."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[dict[str, list]] = []
        self.svg_texts: list[str] = []
        self.headings: list[tuple[int, str, str]] = []
        self.hrefs: list[str] = []
        self.ids: set[str] = set()
        self._cell: list[str] | None = None
        self._in_head = False
        self._row: list[str] = []
        self._svg_depth = 0
        self._tick_depth: list[int] = []
        self._text: list[str] | None = None
        self._heading: tuple[int, str, list[str]] | None = None
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(str(a["id"]))
        if tag == "a" and a.get("href"):
            self.hrefs.append(str(a["href"]))
        if tag == "table":
            self.tables.append({"columns": [], "rows": []})
        elif tag == "thead":
            self._in_head = True
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "svg":
            self._svg_depth += 1
        elif tag == "g" and self._svg_depth:
            self._depth += 1
            if re.match(r".*-?[xy]tick_\d+$", str(a.get("id", ""))):
                self._tick_depth.append(self._depth)
        elif tag == "text" and self._svg_depth:
            self._text = []
        elif re.fullmatch(r"h[1-6]", tag):
            self._heading = (int(tag[1]), str(a.get("id") or ""), [])

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self.tables:
            if self._in_head:
                self.tables[-1]["columns"] = self._row
            else:
                self.tables[-1]["rows"].append(self._row)
        elif tag == "thead":
            self._in_head = False
        elif tag == "svg":
            self._svg_depth -= 1
        elif tag == "g" and self._svg_depth:
            if self._tick_depth and self._tick_depth[-1] == self._depth:
                self._tick_depth.pop()
            self._depth -= 1
        elif tag == "text" and self._text is not None:
            if not self._tick_depth:
                self.svg_texts.append("".join(self._text).strip())
            self._text = None
        elif self._heading and tag == f"h{self._heading[0]}":
            level, hid, parts = self._heading
            self.headings.append((level, hid, " ".join("".join(parts).split())))
            self._heading = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        if self._text is not None:
            self._text.append(data)
        if self._heading is not None:
            self._heading[2].append(data)


def parse(html: str) -> ReportParser:
    parser = ReportParser()
    parser.feed(html)
    return parser


def embedded_csv(html: str) -> pd.DataFrame:
    match = re.search(r'href="data:text/csv;base64,([A-Za-z0-9+/=]+)"', html)
    assert match, "the report has no embedded CSV download"
    text = base64.b64decode(match.group(1)).decode("utf-8")
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


def count_cells(parser: ReportParser) -> list[str]:
    """Every table cell under a count heading (Count, Males, Females, Persons)."""
    cells = []
    for table in parser.tables:
        for index, column in enumerate(table["columns"]):
            if column in COUNT_HEADERS:
                cells.extend(row[index] for row in table["rows"] if index < len(row))
    return cells


def as_small_count(text: str, low: int = 1, high: int = 7, *, decimals: bool = False) -> bool:
    """True when ``text`` is a whole number from ``low`` to ``high`` (the thing SDC must hide).

    Counts are printed without decimals; ``decimals=True`` also catches ``5.0`` (raw CSV values).
    """
    cleaned = text.replace(",", "").strip()
    if not re.fullmatch(r"\d+(\.0+)?" if decimals else r"\d+", cleaned):
        return False
    return low <= float(cleaned) <= high
