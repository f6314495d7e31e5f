"""The workspace: one DuckDB file per project holding canonical tables, results and provenance.

Geometry is kept beside the database as GeoParquet files under ``geometry/``, named by
the sha256 of the boundary file they came from.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jsna import __version__
from jsna.errors import WorkspaceError
from jsna.ingest.schemas import REPLACE_KEYS, TABLES, create_table_sql

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

WORKSPACE_FILE = "jsna.duckdb"
SCHEMA_VERSION = 1


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _run(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> list[Any]:
    """Execute a statement and fetch its (usually empty) result, freeing the connection."""
    return con.execute(sql, params or []).fetchall()


def _quote(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


@dataclass
class LoadResult:
    """What one load did to the workspace."""

    source_id: int | None
    skipped: bool
    replaced_rows: int = 0


class Workspace:
    """A project's DuckDB database. Use :meth:`open` as a context manager."""

    def __init__(self, connection: duckdb.DuckDBPyConnection, path: Path) -> None:
        self.con = connection
        self.path = path

    # -- opening ---------------------------------------------------------------------------
    @classmethod
    @contextmanager
    def open(cls, path: Path, *, read_only: bool = False) -> Iterator[Workspace]:
        """Open (creating if needed) the workspace at ``path``; closes on exit."""
        import duckdb

        path = Path(path)
        if read_only and not path.exists():
            raise WorkspaceError(
                f"no workspace at {path}: ingest some files first (jsna ingest KIND FILE)"
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            con = duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:  # locked by another process, or not a database
            raise WorkspaceError(f"cannot open workspace {path}: {exc}") from exc
        # DuckDB draws a progress bar on stdout for long statements: never in jsna's output
        _run(con, "SET enable_progress_bar = false")
        workspace = cls(con, path)
        try:
            if not read_only:
                workspace._ensure_schema()
            yield workspace
        finally:
            con.close()

    @property
    def directory(self) -> Path:
        return self.path.parent

    @property
    def geometry_dir(self) -> Path:
        return self.directory / "geometry"

    def _ensure_schema(self) -> None:
        _run(self.con, "CREATE TABLE IF NOT EXISTS jsna_meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
        rows = self.con.execute("SELECT value FROM jsna_meta WHERE key = 'schema_version'").fetchall()
        row = rows[0] if rows else None
        if row is None:
            _run(
                self.con,
                "INSERT INTO jsna_meta VALUES ('schema_version', ?), ('created_by', ?)",
                [str(SCHEMA_VERSION), f"jsna {__version__}"],
            )
        elif int(row[0]) > SCHEMA_VERSION:
            raise WorkspaceError(
                f"workspace {self.path} was written by a newer jsna (schema {row[0]}); upgrade jsna"
            )
        for name in TABLES:
            self.ensure_table(name)

    def ensure_table(self, name: str) -> None:
        _run(self.con, create_table_sql(name))

    # -- reading ---------------------------------------------------------------------------
    def table(self, name: str, where: str | None = None, params: list[Any] | None = None) -> pd.DataFrame:
        """Read a whole canonical table (optionally filtered) into pandas."""
        if name not in TABLES:
            raise WorkspaceError(f"unknown table {name!r}")
        sql = f'SELECT * FROM "{name}"'
        if where:
            sql += f" WHERE {where}"
        return self.con.execute(sql, params or []).df()

    def count(self, name: str) -> int:
        rows = self.con.execute(f'SELECT count(*) FROM "{name}"').fetchall()
        return int(rows[0][0]) if rows else 0

    def has_data(self, name: str) -> bool:
        return self.count(name) > 0

    def find_source(self, sha256: str, kind: str) -> int | None:
        row = self.con.execute(
            "SELECT source_id FROM provenance WHERE sha256 = ? AND kind = ? AND status = 'loaded'",
            [sha256, kind],
        ).fetchall()
        return int(row[0][0]) if row else None

    def has_loaded_path(self, path: Path, kind: str) -> bool:
        """Whether a file of ``kind`` was ever loaded from ``path`` (whatever its contents)."""
        rows = self.con.execute("SELECT count(*) FROM provenance WHERE file_path = ? AND kind = ?",
                                [str(Path(path).resolve()), kind]).fetchall()
        return bool(rows[0][0])

    def provenance(self) -> pd.DataFrame:
        return self.con.execute("SELECT * FROM provenance ORDER BY source_id").df()

    # -- writing ---------------------------------------------------------------------------
    def load(
        self,
        *,
        provenance: dict[str, Any],
        frames: dict[str, Any],
        quarantine: pd.DataFrame | None = None,
        settle: Callable[[], pd.DataFrame | None] | None = None,
    ) -> LoadResult:
        """Load one file's canonical frames in a single transaction.

        Frames are pandas DataFrames, or :class:`~jsna.ingest.base.StreamedFrame` objects that
        DuckDB fills from their file. ``settle`` runs after the rows are in and before the
        commit: it may refuse the load by raising (everything is rolled back), and returns the
        quarantine rows. Rows of the same table whose replace keys (see ``REPLACE_KEYS``) match
        the new rows are then deleted, so a newer file for the same kind and period replaces
        the old one; the old provenance row is kept with status ``superseded`` when nothing of
        it remains.
        """
        from jsna.ingest.base import StreamedFrame

        existing = self.find_source(provenance["sha256"], provenance["kind"]) if provenance["sha256"] else None
        if existing is not None:
            return LoadResult(source_id=existing, skipped=True)
        con = self.con
        _run(con, "BEGIN TRANSACTION")
        try:
            row = con.execute("SELECT coalesce(max(source_id), 0) + 1 FROM provenance").fetchall()
            source_id = int(row[0][0]) if row else 1
            for table, frame in frames.items():
                if isinstance(frame, StreamedFrame):
                    frame.insert(con, table, source_id)
                else:
                    self._insert_frame(table, frame, source_id)
            if settle is not None:
                quarantine = settle()
            replaced = sum(self._replace_older(table, source_id) for table in frames)
            if quarantine is not None and len(quarantine):
                q = quarantine.copy()
                q["source_id"] = source_id
                q = q[list(TABLES["quarantine"])]
                con.register("_quarantine", q)
                _run(con, "INSERT INTO quarantine SELECT * FROM _quarantine")
                con.unregister("_quarantine")
            record = {**provenance, "source_id": source_id, "jsna_version": __version__, "status": "loaded"}
            cols = list(TABLES["provenance"])
            _run(
                con,
                f"INSERT INTO provenance ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})",
                [record.get(c) for c in cols],
            )
            self._mark_superseded()
            _run(con, "COMMIT")
        except BaseException:
            _run(con, "ROLLBACK")
            raise
        return LoadResult(source_id=source_id, skipped=False, replaced_rows=replaced)

    def _insert_frame(self, table: str, frame: pd.DataFrame, source_id: int) -> None:
        columns = list(TABLES[table])
        frame = frame.copy()
        frame["source_id"] = source_id
        for col in columns:
            if col not in frame.columns:
                frame[col] = None
        self.con.register("_incoming", frame[columns])
        col_list = ", ".join(f'"{c}"' for c in columns)
        _run(self.con, f'INSERT INTO "{table}" ({col_list}) SELECT {col_list} FROM _incoming')
        self.con.unregister("_incoming")

    def _replace_older(self, table: str, source_id: int) -> int:
        """Delete older rows of ``table`` whose replace keys match rows of ``source_id``; how many."""
        keys = REPLACE_KEYS.get(table, ())
        if not keys:
            return 0
        others = self.con.execute(f'SELECT count(*) FROM (SELECT 1 FROM "{table}" WHERE source_id <> ? LIMIT 1)',
                                  [source_id]).fetchall()
        if not others[0][0]:
            return 0  # the table held nothing else
        cond = " AND ".join(f't."{k}" IS NOT DISTINCT FROM k."{k}"' for k in keys)
        key_list = ", ".join(f'"{k}"' for k in keys)
        result = self.con.execute(
            f'DELETE FROM "{table}" t USING (SELECT DISTINCT {key_list} FROM "{table}" WHERE source_id = ?) k '
            f"WHERE t.source_id <> ? AND {cond}", [source_id, source_id]).fetchall()
        return int(result[0][0]) if result else 0

    def _mark_superseded(self) -> None:
        """Provenance rows none of whose data remain are marked ``superseded``."""
        live = " UNION ".join(
            f'SELECT DISTINCT source_id FROM "{t}"' for t in REPLACE_KEYS
        )
        _run(
            self.con,
            f"UPDATE provenance SET status = 'superseded' WHERE status = 'loaded' "
            f"AND records > 0 AND source_id NOT IN ({live})"
        )

    def replace_results(self, frame: pd.DataFrame) -> None:
        """Replace the whole results table in one transaction."""
        columns = list(TABLES["results"])
        frame = frame.reindex(columns=columns)
        con = self.con
        _run(con, "BEGIN TRANSACTION")
        try:
            _run(con, "DELETE FROM results")
            con.register("_results", frame)
            _run(con, f"INSERT INTO results SELECT {', '.join(chr(34) + c + chr(34) for c in columns)} FROM _results")
            con.unregister("_results")
            _run(con, "COMMIT")
        except BaseException:
            _run(con, "ROLLBACK")
            raise
