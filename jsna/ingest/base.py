"""What an ingest source is: the contract built-in and plugin sources both meet.

A source turns one file into canonical frames. Each frame carries a ``_row`` column, the
file row it came from, so that rows with errors can be quarantined exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from jsna.errors import UsageError
from jsna.ingest.issues import ValidationReport
from jsna.ingest.readers import TableText, normalise_name

if TYPE_CHECKING:
    import pandas as pd


@dataclass
class ReadOptions:
    """Options a user can give on the command line or in jsna.toml for one input."""

    sheet: str | None = None
    skip_rows: int | None = None
    encoding: str | None = None
    period: str | None = None
    variant: str | None = None
    measure: str | None = None
    vintage: str | None = None
    #: area code for files about one area that do not say which (e.g. a council's own extract)
    area: str | None = None
    #: cause of death for files that do not say (e.g. ONS drug-poisoning deaths by year)
    cause: str | None = None
    column_map: dict[str, str] = field(default_factory=dict)  # source column -> canonical

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReadOptions:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__ and k != "column_map"}
        mapping = data.get("column_map") or data.get("map") or {}
        return cls(**known, column_map=dict(mapping))


@dataclass
class DeferredFrame:
    """Canonical rows in a Parquet file written by DuckDB, never loaded whole into pandas.

    Sources that aggregate very large files (record-level extracts) return one of these in
    :attr:`Parsed.frames`; the workspace inserts it with DuckDB, out of core. Its rows carry no
    ``_row``: the source has already left invalid records out of it.
    """

    path: Path
    rows: int
    periods: list[str]
    #: distinct (area_code, period) pairs, for the checks of area codes against the workspace
    codes: pd.DataFrame
    #: the temporary folder holding ``path``; removed when this object is
    folder: Any = None
    #: a boolean column of the file that marks the rows to load (others are left out)
    where: str | None = None

    def sql(self, columns: list[str] | None = None) -> str:
        """A SELECT over the file giving the rows to load."""
        select = ", ".join(f'"{c}"' for c in columns) if columns else "*"
        where = f' WHERE "{self.where}"' if self.where else ""
        path = str(self.path).replace("'", "''")
        return f"SELECT {select} FROM read_parquet('{path}'){where}"

    def to_pandas(self) -> pd.DataFrame:
        """The rows to load as a DataFrame (for small files and tests)."""
        import duckdb

        frame = duckdb.sql(self.sql()).df()
        return frame.drop(columns=[self.where]) if self.where else frame

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

    def raw_row(self, row: int) -> str | None:
        """The cells of file row ``row`` joined with commas, as read (None if unknown)."""
        if "raw_rows" in self.extra:
            return self.extra["raw_rows"].get(row)
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


class MissingColumnError(UsageError):
    """A file lacks a column the kind needs; the message lists what was found."""

    exit_code = 1

    def __init__(self, table: TableText, what: str, aliases: tuple[str, ...]) -> None:
        found = ", ".join(repr(c) for c in table.frame.columns)
        names = ", ".join(repr(a) for a in aliases[:6])
        super().__init__(
            f"{table.label}: no {what} column; expected one named {names}; found {found}. "
            f"Use --map SOURCE=CANONICAL to name it."
        )


def with_rows(frame: pd.DataFrame, table: TableText) -> pd.DataFrame:
    """Attach the ``_row`` (file row) column to a frame indexed like the table text."""
    frame = frame.copy()
    frame["_row"] = frame.index.to_numpy() + table.header_line + 1
    return frame


def read_table(path: Path, options: ReadOptions) -> tuple[TableText, Columns]:
    """Read ``path`` as text with the user's sheet/skip/encoding options, and its column finder."""
    from jsna.ingest.readers import read_text_table

    table = read_text_table(path, sheet=options.sheet, skip_rows=options.skip_rows, encoding=options.encoding)
    return table, Columns(table, options.column_map)
