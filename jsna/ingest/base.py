"""What an ingest source is: the contract built-in and plugin sources both meet.

A source turns one file into canonical frames. Each frame carries a ``_row`` column, the
file row it came from, so that rows with errors can be quarantined exactly.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from jsna.errors import MissingColumnError, UsageError
from jsna.ingest.readers import TableText, normalise_name
from jsna.options import (
    ReadOptions as ReadOptions,
)  # the one options model, re-exported for sources
from jsna.vocabulary.issues import ValidationIssue, ValidationReport

if TYPE_CHECKING:
    import duckdb
    import pandas as pd


class StreamedFrame:
    """Canonical rows that DuckDB makes from a very large file, written once, never held in pandas.

    Sources of record-level extracts return one of these in :attr:`Parsed.frames`. The
    workspace calls :meth:`insert` inside its load transaction, so the rows go from the file to
    the table in one pass; what the file held (records read, invalid records, areas, periods)
    is known once :meth:`insert` has run, and the load can still be refused and rolled back
    then. ``jsna validate`` runs the same insert into a scratch database (see
    :func:`jsna.ingest.pipeline.parse_file`).
    """

    #: records read from the file (valid or not)
    rows_read: int = 0
    #: canonical rows inserted (aggregated groups of valid records)
    rows: int = 0
    periods: list[str]
    #: distinct (area_code, period) pairs of the inserted rows, for the checks of area codes
    codes: pd.DataFrame
    #: one issue per failed check of an invalid record
    issues: list[ValidationIssue]
    #: file row -> the record as the file had it, for the invalid records
    raw_rows: dict[int, str]
    _scratch: Any = None

    def __init__(self) -> None:
        import pandas as pd

        self.periods, self.issues, self.raw_rows = [], [], {}
        self.codes = pd.DataFrame(
            {"area_code": pd.Series(dtype=object), "period": pd.Series(dtype=object)}
        )

    def insert(self, con: duckdb.DuckDBPyConnection, table: str, source_id: int) -> None:
        """Insert the valid rows into ``table`` with ``source_id`` and record what was found."""
        raise NotImplementedError

    def run_in_scratch(self, table: str) -> None:
        """Insert into an empty in-memory copy of ``table`` (to validate without a workspace)."""
        import duckdb

        from jsna.vocabulary.tables import create_table_sql

        folder = tempfile.TemporaryDirectory(prefix="jsna-scratch-")
        con = duckdb.connect()
        con.execute(f"SET temp_directory = '{folder.name}'").fetchall()
        con.execute(create_table_sql(table)).fetchall()
        self.insert(con, table, 1)
        self._scratch = (con, table, folder)

    def to_pandas(self) -> pd.DataFrame:
        """The inserted rows of a scratch run as a DataFrame (for small files and tests)."""
        if self._scratch is None:
            raise RuntimeError("run_in_scratch() first")
        con, table, _ = self._scratch
        return con.execute(f'SELECT * EXCLUDE (source_id) FROM "{table}"').df()

    @property
    def areas(self) -> list[str]:
        return sorted(self.codes["area_code"].dropna().astype(str).unique())


@dataclass
class Parsed:
    """A file read and checked: canonical frames (with ``_row``), and the report."""

    frames: dict[str, Any]
    report: ValidationReport
    layout: str
    extra: dict[str, Any] = field(default_factory=dict)
    #: the table as read, so that quarantined rows can be stored as the file had them
    table: TableText | None = None

    @property
    def streamed(self) -> list[StreamedFrame]:
        """The frames DuckDB makes in the load transaction (their report comes with them)."""
        return [f for f in self.frames.values() if isinstance(f, StreamedFrame)]

    def raw_row(self, row: int) -> str | None:
        """The cells of file row ``row`` joined with commas, as read (None if unknown)."""
        for frame in self.streamed:
            if row in frame.raw_rows:
                return frame.raw_rows[row]
        if self.table is None:
            return None
        index = row - self.table.header_line - 1
        if not 0 <= index < len(self.table.frame):
            return None
        return ",".join(str(v) for v in self.table.frame.iloc[index].tolist())


class Source:
    """Base class for ingest sources. Subclasses set the class attributes and ``parse``."""

    kind: ClassVar[str] = ""
    title: ClassVar[str] = ""
    tables: ClassVar[tuple[str, ...]] = ()
    #: human description of the columns expected, used when a file cannot be recognised
    expected_columns: ClassVar[str] = ""
    suffixes: ClassVar[tuple[str, ...]] = (".csv", ".xlsx", ".txt", ".tsv")
    #: whether :meth:`parse` only finds the columns and returns :class:`StreamedFrame` objects
    #: (the file is read when they are inserted)
    streams: ClassVar[bool] = False

    def detect(self, columns: list[str]) -> str | None:
        """The layout name if a table with these columns is this kind, else None."""
        return None

    def detect_table(self, table: TableText) -> str | None:
        """Like :meth:`detect`, but may look at the values too (first rows of the file)."""
        return self.detect(list(table.frame.columns))

    def parse(self, path: Path, options: ReadOptions) -> Parsed:
        raise NotImplementedError

    def cross_check(self, workspace: Any, parsed: Parsed) -> None:
        """Checks against what is already in the workspace; append issues to ``parsed.report``."""
        return None


class Columns:
    """Find columns by any of their usual names (after :func:`normalise_name`)."""

    def __init__(self, table: TableText, column_map: dict[str, str] | None = None) -> None:
        self.table = table
        self.original = list(table.frame.columns)
        self.column_map = dict(column_map or {})
        self.by_norm: dict[str, str] = {}
        for col in self.original:
            self.by_norm.setdefault(normalise_name(col), col)
        for source_col, canonical in (column_map or {}).items():
            if source_col not in self.original:
                raise UsageError(
                    f"{table.label}: --map names column {source_col!r}, which is not in the file; "
                    f"columns are {', '.join(self.original)}"
                )
            self.by_norm[normalise_name(canonical)] = source_col

    def table_map_sources(self) -> list[str]:
        """The file columns named by --map (they are used, whatever their name)."""
        return list(self.column_map)

    def find(self, *aliases: str) -> str | None:
        for alias in aliases:
            col = self.by_norm.get(normalise_name(alias))
            if col is not None:
                return col
        return None

    def matching(self, predicate: Any) -> list[str]:
        return [orig for norm, orig in self.by_norm.items() if predicate(norm)]

    def require(self, what: str, *aliases: str) -> str:
        col = self.find(*aliases)
        if col is None:
            raise MissingColumnError(self.table, what, aliases)
        return col


def with_rows(frame: pd.DataFrame, table: TableText) -> pd.DataFrame:
    """Attach the ``_row`` (file row) column to a frame indexed like the table text."""
    frame = frame.copy()
    frame["_row"] = frame.index.to_numpy() + table.header_line + 1
    return frame


def read_table(path: Path, options: ReadOptions) -> tuple[TableText, Columns]:
    """Read ``path`` as text with the user's sheet/skip/encoding options, and its column finder."""
    from jsna.ingest.readers import read_text_table

    table = read_text_table(
        path,
        sheet=options.sheet,
        skip_rows=options.skip_rows,
        encoding=options.encoding,
        **options.read_limits(),
    )
    return table, Columns(table, options.column_map)
