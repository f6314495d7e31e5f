"""The workspace: one DuckDB file per project holding canonical tables, results and provenance.

Boundaries are stored in the database (table ``geometry``: WKB in WGS84), loaded in the same
transaction as the ``areas`` rows they belong to. Workspaces made before kept them as GeoParquet
files under ``geometry/`` (named by the sha256 of the boundary file); those are still read.
"""

from __future__ import annotations

import hashlib
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from jsna import __version__
from jsna.errors import WorkspaceBusyError, WorkspaceError
from jsna.vocabulary.tables import REPLACE_KEYS, TABLES, create_table_sql

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

WORKSPACE_FILE = "jsna.duckdb"
#: the scalar results of the stored analyses, and the settings they were computed with
ANALYSIS_FACTS = "analysis_facts"
ANALYSIS_SETTINGS = "analysis_settings"
SCHEMA_VERSION = 1
#: sets of boundaries a read-only workspace keeps once read (:meth:`Workspace.geometry`)
GEOMETRIES_KEPT = 16


#: how long a command waits for a workspace another command holds (``--wait SECONDS``)
DEFAULT_WAIT = 60.0
#: ``jsna run`` is unattended: it waits longer
RUN_WAIT = 300.0
_POLL = 0.2

Notify = Callable[[str], None]
_WAIT: ContextVar[tuple[float, Notify | None]] = ContextVar(
    "jsna_workspace_wait", default=(DEFAULT_WAIT, None)
)


def set_lock_wait(seconds: float, notify: Notify | None = None) -> None:
    """Wait up to ``seconds`` for a busy workspace in this context (0: fail at once), calling
    ``notify`` once with a message when the wait starts. Set by the command line's ``--wait``."""
    if seconds < 0:
        raise ValueError(f"--wait must be a number of seconds >= 0, got {seconds}")
    _WAIT.set((float(seconds), notify))


@contextmanager
def lock_wait(seconds: float, notify: Notify | None = None) -> Iterator[None]:
    """:func:`set_lock_wait` for the duration of a ``with`` block (library use)."""
    token = _WAIT.set(_WAIT.get())
    try:
        set_lock_wait(seconds, notify)
        yield
    finally:
        _WAIT.reset(token)


def lock_path(path: Path) -> Path:
    """The lock file beside a workspace: ``jsna.duckdb.lock``."""
    return Path(path).with_name(Path(path).name + ".lock")


class _Held:
    """A lock file this process holds: its descriptor, mode and how many opens share it."""

    def __init__(self, fd: int, exclusive: bool) -> None:
        self.fd = fd
        self.exclusive = exclusive
        self.count = 0


#: lock files held by this process, by resolved path (re-entrant: ``jsna run`` holds the
#: workspace across its steps and each step opens it again inside)
_HELD: dict[str, _Held] = {}


def _holder_text(lock: Path) -> str:
    try:
        text = lock.read_text(encoding="utf-8").strip()
    except OSError:
        text = ""
    return text or "another jsna command reading it"


def _try_flock(fd: int, exclusive: bool) -> bool:
    import fcntl

    try:
        fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


class _Waiter:
    """The deadline and the one message of a wait for a busy workspace."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.seconds, self.notify = _WAIT.get()
        self.deadline = time.monotonic() + self.seconds
        self.told = False

    def wait_or_fail(self, holder: str) -> None:
        """Sleep a little, or raise :class:`WorkspaceBusyError` once the wait is over."""
        if time.monotonic() >= self.deadline:
            waited = f"after waiting {self.seconds:g} s" if self.seconds else "(no waiting asked)"
            raise WorkspaceBusyError(
                f"workspace {self.path} is busy {waited}: held by {holder}; run the command "
                "again when that one has finished, or give it longer with --wait SECONDS"
            )
        if not self.told and self.notify is not None:
            self.notify(
                f"workspace {self.path} is busy (held by {holder}): waiting up to "
                f"{self.seconds:g} s (--wait SECONDS)"
            )
        self.told = True
        time.sleep(min(_POLL, max(0.0, self.deadline - time.monotonic())))


@contextmanager
def hold(path: Path, *, exclusive: bool = True) -> Iterator[None]:
    """Hold the workspace's lock file for a ``with`` block: shared by readers, exclusive for a
    writer; re-entrant within one process. Waits as :func:`set_lock_wait` says.

    The lock is an advisory ``flock`` on ``jsna.duckdb.lock``: the operating system releases it
    when its process ends in any way (even ``kill -9``), so no stale lock is ever left behind.
    The holder's command and process id are written into the file for the waiting message. On
    systems without ``flock`` (Windows) DuckDB's own lock on the database file is the lock.
    """
    key = str(Path(path).resolve())
    held = _HELD.get(key)
    if held is not None and (held.exclusive or not exclusive):
        held.count += 1
        try:
            yield
        finally:
            held.count -= 1
        return
    try:
        import fcntl  # noqa: F401
    except ImportError:  # Windows: DuckDB's lock, waited for in Workspace.open
        yield
        return
    lock = lock_path(Path(path))
    lock.parent.mkdir(parents=True, exist_ok=True)
    upgrade = held is not None
    fd = held.fd if held is not None else os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    waiter = _Waiter(Path(path))
    try:
        while not _try_flock(fd, exclusive):
            waiter.wait_or_fail(_holder_text(lock))
    except BaseException:
        if not upgrade:
            os.close(fd)
        raise
    if exclusive:
        command = " ".join([Path(sys.argv[0]).name, *sys.argv[1:2]]) if sys.argv else "jsna"
        since = time.strftime("%H:%M:%S")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{command} (PID {os.getpid()}, since {since})\n".encode(), 0)
    if upgrade:
        assert held is not None
        previous = held.exclusive
        held.exclusive = True
        held.count += 1
        try:
            yield
        finally:
            held.count -= 1
            held.exclusive = previous
            if not previous:
                os.ftruncate(fd, 0)
                _try_flock(fd, False)
        return
    entry = _Held(fd, exclusive)
    entry.count = 1
    _HELD[key] = entry
    try:
        yield
    finally:
        _HELD.pop(key, None)
        if exclusive:
            os.ftruncate(fd, 0)
        os.close(fd)


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
class Replacement:
    """Rows of one table of an older file that a newer file replaced (same full key)."""

    table: str
    source_id: int
    file_name: str
    rows: int
    file_path: str | None = None
    kind: str | None = None
    #: when the older file was loaded (ISO 8601, UTC)
    loaded_at: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "source_id": self.source_id,
            "file": self.file_name,
            "rows": self.rows,
            "path": self.file_path,
            "kind": self.kind,
            "loaded_at": self.loaded_at,
        }

    def describe(self, verb: str = "replaced") -> str:
        """In words: ``replaced 2,366 population rows from females.csv (input 1, loaded
        2026-12-03 21:40 UTC)``."""
        when = ""
        if self.loaded_at:
            when = ", loaded " + self.loaded_at.replace("T", " ")[:16] + " UTC"
        return (
            f"{verb} {self.rows:,} {self.table} row{'s' if self.rows != 1 else ''} from {self.file_name} "
            f"(input {self.source_id}{when})"
        )


@dataclass
class Removal:
    """What taking one loaded file out of the workspace removes (or, in a dry run, would remove)."""

    source_id: int
    kind: str
    file_name: str
    file_path: str | None
    #: table -> rows of this file in it (tables with none left out)
    rows: dict[str, int] = field(default_factory=dict)
    quarantine_rows: int = 0
    geometry_files: list[str] = field(default_factory=list)
    #: rows of older files this file had replaced: they are gone and do not come back
    replaced: list[Replacement] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source_id": self.source_id,
            "kind": self.kind,
            "file": self.file_name,
            "path": self.file_path,
            "rows": self.rows,
            "quarantine_rows": self.quarantine_rows,
            "geometry_files": self.geometry_files,
            "replaced": [r.to_dict() for r in self.replaced],
        }


_AGE_KEYS = ("age_band", "age_from", "age_to")
_DATE_KEYS = ("dates_from", "dates_to")


def _key_condition(keys: tuple[str, ...]) -> str:
    """SQL matching a row ``t`` to a key ``k`` of the newer file.

    Every key column must match, except age: two rows with ages are the same population (or
    the same events) where their age ranges *overlap*, whatever their bands. So a census table
    in broad bands replaces a mid-year estimate in single years of the same area, period, sex
    and variant, instead of both being counted; files split by age (0-64 and 65+) add up.
    Rows without numeric ages match on the age label. Likewise, events counted from record-level
    extracts carry the dates their records span (``dates_from`` … ``dates_to``): extracts of
    the same year whose dates do not overlap (April-June, then July-September) add up; a
    re-issue covering the same dates replaces the groups it holds; counts without dates (an
    aggregated file) cover the whole period, so they match any extract of it.
    """
    plain = [k for k in keys if k not in _AGE_KEYS and k not in _DATE_KEYS]
    cond = [f't."{k}" IS NOT DISTINCT FROM k."{k}"' for k in plain]
    if "dates_from" in keys:
        cond.append(
            "(t.dates_from IS NULL OR k.dates_from IS NULL "
            "OR (t.dates_from <= k.dates_to AND k.dates_from <= t.dates_to))"
        )
    if "age_from" in keys:
        cond.append(
            "(CASE WHEN t.age_from IS NULL OR k.age_from IS NULL "
            "THEN t.age_band IS NOT DISTINCT FROM k.age_band "
            "ELSE t.age_from <= coalesce(k.age_to, 1000) AND k.age_from <= coalesce(t.age_to, 1000) END)"
        )
    return " AND ".join(cond)


@dataclass
class LoadResult:
    """What one load did to the workspace."""

    source_id: int | None
    skipped: bool
    replacements: list[Replacement] = field(default_factory=list)
    #: earlier loads of the same file taken out first (``jsna ingest --replace``)
    dropped: list[Removal] = field(default_factory=list)

    @property
    def replaced_rows(self) -> int:
        return sum(r.rows for r in self.replacements)


class Workspace:
    """A project's DuckDB database. Use :meth:`open` as a context manager."""

    #: connections this process has open (:meth:`open`): a forked child may not share them
    open_connections: ClassVar[int] = 0

    def __init__(
        self, connection: duckdb.DuckDBPyConnection, path: Path, *, read_only: bool = False
    ) -> None:
        self.con = connection
        self.path = path
        self.read_only = read_only
        self._connected = False
        #: the stored analysis tables, listed once when read only (nothing can add one then:
        #: the shared lock keeps every writer out); a report asks for tables about fifty times
        self._analysis_names: list[str] | None = None
        #: boundaries read (codes -> frame), kept when read only: a report's maps ask for the
        #: same areas again and again (each small-area map its areas and its authority)
        self._geometries: dict[tuple[str, ...], pd.DataFrame] = {}

    # -- opening ---------------------------------------------------------------------------
    @classmethod
    @contextmanager
    def open(cls, path: Path, *, read_only: bool = False) -> Iterator[Workspace]:
        """Open (creating if needed) the workspace at ``path``; closes on exit.

        Readers share the workspace, a writer has it alone (:func:`hold`); when another command
        holds it, this waits as :func:`set_lock_wait` says, then raises
        :class:`~jsna.errors.WorkspaceBusyError` (exit code 3).
        """
        path = Path(path)
        if read_only and not path.exists():
            raise WorkspaceError(
                f"no workspace at {path}: ingest some files first (jsna ingest KIND FILE)"
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        with hold(path, exclusive=not read_only):
            workspace = cls(cls._connect(path, read_only), path, read_only=read_only)
            workspace._connected = True
            Workspace.open_connections += 1
            try:
                # DuckDB draws a progress bar on stdout for long statements: never in jsna's output
                _run(workspace.con, "SET enable_progress_bar = false")
                if not read_only:
                    workspace._ensure_schema()
                yield workspace
            finally:
                workspace._close()

    @contextmanager
    def disconnected(self) -> Iterator[None]:
        """Close the DuckDB connection for the block and open it again after, the workspace's lock
        held throughout: a process forked in the block shares no DuckDB state with this one (the
        child opens its own connection with :meth:`reconnect`)."""
        self._close()
        try:
            yield
        finally:
            self.reconnect()

    def reconnect(self) -> None:
        """A new connection to the same database, as this one was opened (after
        :meth:`disconnected`, or in a forked child)."""
        self._close()
        self.con = self._connect(self.path, self.read_only)
        self._connected = True
        Workspace.open_connections += 1
        _run(self.con, "SET enable_progress_bar = false")

    def _close(self) -> None:
        if self._connected:
            self._connected = False
            Workspace.open_connections -= 1
            self.con.close()

    @staticmethod
    def _connect(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
        """Connect, waiting (as :func:`set_lock_wait` says) while another process that does not
        take jsna's lock file (an older jsna, the DuckDB shell) holds the database."""
        import duckdb

        waiter: _Waiter | None = None
        while True:
            try:
                return duckdb.connect(str(path), read_only=read_only)
            except duckdb.IOException as exc:
                text = str(exc)
                if "lock" not in text.lower():  # not a database, unreadable
                    raise WorkspaceError(f"cannot open workspace {path}: {exc}") from exc
                waiter = waiter or _Waiter(path)
                pid = text.split("(PID ", 1)[1].split(")", 1)[0] if "(PID " in text else "?"
                waiter.wait_or_fail(f"another process (PID {pid})")

    @property
    def directory(self) -> Path:
        return self.path.parent

    @property
    def geometry_dir(self) -> Path:
        return self.directory / "geometry"

    def _ensure_schema(self) -> None:
        _run(
            self.con,
            "CREATE TABLE IF NOT EXISTS jsna_meta (key VARCHAR PRIMARY KEY, value VARCHAR)",
        )
        rows = self.con.execute(
            "SELECT value FROM jsna_meta WHERE key = 'schema_version'"
        ).fetchall()
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
        self._add_missing_columns()

    def ensure_table(self, name: str) -> None:
        _run(self.con, create_table_sql(name))

    def _add_missing_columns(self) -> None:
        """Columns added to a canonical table since the workspace was made (appended, empty)."""
        present: dict[str, set[str]] = {}
        for table, column in self.con.execute(
            "SELECT table_name, column_name FROM duckdb_columns() WHERE schema_name = 'main'"
        ).fetchall():
            present.setdefault(table, set()).add(column)
        for name, columns in TABLES.items():
            for column, sql_type in columns.items():
                if column not in present.get(name, {column}):
                    _run(self.con, f'ALTER TABLE "{name}" ADD COLUMN "{column}" {sql_type}')

    # -- reading ---------------------------------------------------------------------------
    def table(
        self,
        name: str,
        where: str | None = None,
        params: list[Any] | None = None,
        *,
        columns: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """Read a whole canonical table (optionally filtered, optionally only ``columns``, in
        the table's row order) into pandas."""
        if name not in TABLES:
            raise WorkspaceError(f"unknown table {name!r}")
        if columns is not None:
            unknown = [c for c in columns if c not in TABLES[name]]
            if unknown:
                raise WorkspaceError(f"table {name!r} has no column {unknown[0]!r}")
        chosen = ", ".join(f'"{c}"' for c in columns) if columns is not None else "*"
        sql = f'SELECT {chosen} FROM "{name}"'
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

    def earlier_loads(
        self, kind: str, sha256: str, path: Path, *, superseded_only: bool = False
    ) -> list[int]:
        """Inputs of ``kind`` loaded from the same bytes or the same path, whatever their status;
        with ``superseded_only``, the same bytes loaded before and since wholly replaced."""
        if superseded_only:
            sql, params = "sha256 = ? AND status = 'superseded'", [sha256]
        else:
            sql, params = "(sha256 = ? OR file_path = ?)", [sha256, str(Path(path).resolve())]
        rows = self.con.execute(
            f"SELECT source_id FROM provenance WHERE kind = ? AND {sql} ORDER BY source_id",
            [kind, *params],
        ).fetchall()
        return [int(r[0]) for r in rows]

    def has_loaded_path(self, path: Path, kind: str) -> bool:
        """Whether a file of ``kind`` was ever loaded from ``path`` (whatever its contents)."""
        rows = self.con.execute(
            "SELECT count(*) FROM provenance WHERE file_path = ? AND kind = ?",
            [str(Path(path).resolve()), kind],
        ).fetchall()
        return bool(rows[0][0])

    def geometry(self, codes: list[str] | set[str]) -> pd.DataFrame:
        """Boundaries of ``codes`` as (``area_code``, ``wkb``) in WGS84, one row per area (the
        latest load of it first), from the ``geometry`` table; areas loaded by an older jsna
        come from their GeoParquet file under ``geometry/`` when it is still there."""
        key = tuple(sorted(set(codes)))
        if key in self._geometries:
            return self._geometries[key].copy()
        frame = self._read_geometry(list(key))
        if self.read_only:
            if len(self._geometries) >= GEOMETRIES_KEPT:  # a batch worker's areas: the latest
                del self._geometries[next(iter(self._geometries))]
            self._geometries[key] = frame
            return frame.copy()
        return frame

    def _read_geometry(self, wanted: list[str]) -> pd.DataFrame:
        import pandas as pd

        self.con.register("_wanted", pd.DataFrame({"area_code": wanted}, dtype=object))
        try:
            stored = self.con.execute(
                "SELECT g.area_code, g.wkb FROM geometry g SEMI JOIN _wanted w USING (area_code) "
                "QUALIFY row_number() OVER (PARTITION BY g.area_code ORDER BY g.source_id DESC) = 1 "
                "ORDER BY g.area_code"
            ).df()
            legacy = self.con.execute(
                "SELECT DISTINCT a.geometry_file FROM areas a SEMI JOIN _wanted w USING (area_code) "
                "WHERE a.geometry_file IS NOT NULL ORDER BY 1"
            ).fetchall()
        finally:
            self.con.unregister("_wanted")
        parts = [stored]
        for (name,) in legacy:
            path = self.geometry_dir / str(name)
            if path.exists():
                import geopandas as gpd

                old = gpd.read_parquet(path).to_crs(4326)
                old = old[
                    old["area_code"].isin(wanted) & ~old["area_code"].isin(stored["area_code"])
                ]
                parts.append(
                    pd.DataFrame({"area_code": old["area_code"], "wkb": old.geometry.to_wkb()})
                )
        frame = pd.concat(parts, ignore_index=True).drop_duplicates("area_code")
        return frame.sort_values("area_code").reset_index(drop=True)

    def provenance(self) -> pd.DataFrame:
        return self.con.execute("SELECT * FROM provenance ORDER BY source_id").df()

    def replacements(self) -> list[tuple[Replacement, Replacement]]:
        """Every recorded replacement as (newer file, older file), each with the table and rows."""
        rows = self.con.execute(
            "SELECT r.table_name, sum(r.rows), n.source_id, n.file_name, n.file_path, n.kind, "
            "n.ingested_at, o.source_id, o.file_name, o.file_path, o.kind, o.ingested_at "
            "FROM replacements r "
            "JOIN provenance n ON n.source_id = r.source_id JOIN provenance o ON o.source_id = r.replaced_source_id "
            "GROUP BY ALL ORDER BY n.source_id, o.source_id, r.table_name"
        ).fetchall()
        return [
            (
                Replacement(t, ns, nf, int(n), np_, nk, na),
                Replacement(t, os_, of, int(n), op, ok, oa),
            )
            for t, n, ns, nf, np_, nk, na, os_, of, op, ok, oa in rows
        ]

    # -- writing ---------------------------------------------------------------------------
    def load(
        self,
        *,
        provenance: dict[str, Any],
        frames: dict[str, Any],
        quarantine: pd.DataFrame | None = None,
        settle: Callable[[], pd.DataFrame | None] | None = None,
        drop_sources: tuple[int, ...] | list[int] = (),
    ) -> LoadResult:
        """Load one file's canonical frames in a single transaction.

        Frames are pandas DataFrames, or objects that insert their own rows (``frame.insert(con,
        table, source_id)``: the record-level extracts DuckDB aggregates straight from their file,
        :class:`jsna.ingest.base.StreamedFrame`). ``settle`` runs after the rows are in and before the
        commit: it may refuse the load by raising (everything is rolled back), and returns the
        quarantine rows. ``drop_sources`` are earlier loads of the same file, taken out first
        (re-ingest with other options); what they had replaced is carried over to the new load.

        Rows of older files with the same full key (``REPLACE_KEYS``) as a new row are then
        deleted, and each replacement is recorded in ``replacements`` (so files split by sex,
        age, year or cause add up, and a re-issue of the same rows replaces them). An older
        file keeps status ``loaded`` while any of its rows remain, ``superseded`` once none do.
        """
        import pandas as pd

        existing = (
            self.find_source(provenance["sha256"], provenance["kind"])
            if provenance["sha256"]
            else None
        )
        if existing is not None and existing not in drop_sources:
            return LoadResult(source_id=existing, skipped=True)
        con = self.con
        _run(con, "BEGIN TRANSACTION")
        try:
            row = con.execute("SELECT coalesce(max(source_id), 0) + 1 FROM provenance").fetchall()
            source_id = int(row[0][0]) if row else 1
            dropped = []
            for old in drop_sources:
                _run(
                    con,
                    "UPDATE replacements SET source_id = ? WHERE source_id = ?",
                    [source_id, old],
                )
                dropped.append(self._delete_source(old))
            for table, frame in frames.items():
                if isinstance(frame, pd.DataFrame):
                    self._insert_frame(table, frame, source_id)
                else:
                    frame.insert(con, table, source_id)
            if settle is not None:
                quarantine = settle()
            counts = [
                (table, old, rows)
                for table in frames
                for old, rows in self._replace_older(table, source_id)
            ]
            for table, old, rows in counts:
                _run(
                    con,
                    "INSERT INTO replacements VALUES (?, ?, ?, ?)",
                    [source_id, old, table, rows],
                )
            if quarantine is not None and len(quarantine):
                q = quarantine.copy()
                q["source_id"] = source_id
                q = q[list(TABLES["quarantine"])]
                con.register("_quarantine", q)
                _run(con, "INSERT INTO quarantine SELECT * FROM _quarantine")
                con.unregister("_quarantine")
            record = {
                **provenance,
                "source_id": source_id,
                "jsna_version": __version__,
                "status": "loaded",
            }
            cols = list(TABLES["provenance"])
            _run(
                con,
                f"INSERT INTO provenance ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})",
                [record.get(c) for c in cols],
            )
            replacements = [self._describe(table, old, rows) for table, old, rows in counts]
            self._mark_superseded()
            _run(con, "COMMIT")
        except BaseException:
            _run(con, "ROLLBACK")
            raise
        self._drop_unused_geometry([g for d in dropped for g in d.geometry_files])
        return LoadResult(
            source_id=source_id, skipped=False, replacements=replacements, dropped=dropped
        )

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

    def _replace_older(self, table: str, source_id: int) -> list[tuple[int, int]]:
        """Delete rows of other files in ``table`` with the full key of a row of ``source_id``;
        (older source id, rows deleted) for each file that lost rows."""
        keys = REPLACE_KEYS.get(table, ())
        if not keys:
            return []
        others = self.con.execute(
            f'SELECT count(*) FROM (SELECT 1 FROM "{table}" WHERE source_id <> ? LIMIT 1)',
            [source_id],
        ).fetchall()
        if not others[0][0]:
            return []  # the table held nothing else
        cond = _key_condition(keys)
        key_list = ", ".join(f'"{k}"' for k in keys)
        matched = (
            f'FROM "{table}" t SEMI JOIN (SELECT DISTINCT {key_list} FROM "{table}" WHERE source_id = ?) k '
            f"ON {cond} WHERE t.source_id <> ?"
        )
        hits = self.con.execute(
            f"SELECT t.source_id, count(*) {matched} GROUP BY 1 ORDER BY 1", [source_id, source_id]
        ).fetchall()
        if hits:
            self.con.execute(
                f'DELETE FROM "{table}" t USING (SELECT DISTINCT {key_list} FROM "{table}" WHERE source_id = ?) k '
                f"WHERE t.source_id <> ? AND {cond}",
                [source_id, source_id],
            ).fetchall()
        return [(int(old), int(rows)) for old, rows in hits]

    def _describe(self, table: str, source_id: int, rows: int) -> Replacement:
        found = self.con.execute(
            "SELECT file_name, file_path, kind, ingested_at FROM provenance WHERE source_id = ?",
            [source_id],
        ).fetchall()
        name, path, kind, at = found[0] if found else (f"input {source_id}", None, None, None)
        return Replacement(table, source_id, name, rows, path, kind, at)

    def _mark_superseded(self) -> None:
        """Provenance rows none of whose data remain are marked ``superseded``."""
        live = " UNION ".join(f'SELECT DISTINCT source_id FROM "{t}"' for t in REPLACE_KEYS)
        _run(
            self.con,
            f"UPDATE provenance SET status = 'superseded' WHERE status = 'loaded' "
            f"AND records > 0 AND source_id NOT IN ({live})",
        )

    # -- removing --------------------------------------------------------------------------
    def removal(self, source_id: int) -> Removal:
        """What removing input ``source_id`` takes out (nothing is changed)."""
        found = self.con.execute(
            "SELECT kind, file_name, file_path FROM provenance WHERE source_id = ?", [source_id]
        ).fetchall()
        if not found:
            raise WorkspaceError(f"no input with id {source_id} in {self.path}")
        kind, name, path = found[0]
        rows = {}
        for table in REPLACE_KEYS:
            n = self.con.execute(
                f'SELECT count(*) FROM "{table}" WHERE source_id = ?', [source_id]
            ).fetchall()[0][0]
            if n:
                rows[table] = int(n)
        quarantined = self.con.execute(
            "SELECT count(*) FROM quarantine WHERE source_id = ?", [source_id]
        ).fetchall()[0][0]
        geometry = [
            str(g)
            for (g,) in self.con.execute(
                "SELECT DISTINCT geometry_file FROM areas WHERE source_id = ? AND geometry_file IS NOT NULL ORDER BY 1",
                [source_id],
            ).fetchall()
        ]
        replaced = [
            self._describe(t, old, int(n))
            for old, t, n in self.con.execute(
                "SELECT replaced_source_id, table_name, rows FROM replacements WHERE source_id = ? ORDER BY 1, 2",
                [source_id],
            ).fetchall()
        ]
        return Removal(
            source_id=source_id,
            kind=str(kind),
            file_name=str(name),
            file_path=path,
            rows=rows,
            quarantine_rows=int(quarantined),
            geometry_files=geometry,
            replaced=replaced,
        )

    def remove(self, source_ids: list[int]) -> list[Removal]:
        """Take inputs out of every table in one transaction (their geometry files after the commit)."""
        removals = [self.removal(i) for i in source_ids]
        con = self.con
        _run(con, "BEGIN TRANSACTION")
        try:
            for source_id in source_ids:
                self._delete_source(source_id)
            _run(con, "COMMIT")
        except BaseException:
            _run(con, "ROLLBACK")
            raise
        self._drop_unused_geometry([g for r in removals for g in r.geometry_files])
        return removals

    def _delete_source(self, source_id: int) -> Removal:
        """Inside a transaction: delete every row, quarantine row, replacement record and the
        provenance row of ``source_id``; what went."""
        removal = self.removal(source_id)
        for table in [*removal.rows, "quarantine"]:
            _run(self.con, f'DELETE FROM "{table}" WHERE source_id = ?', [source_id])
        _run(
            self.con,
            "DELETE FROM replacements WHERE source_id = ? OR replaced_source_id = ?",
            [source_id, source_id],
        )
        _run(self.con, "DELETE FROM provenance WHERE source_id = ?", [source_id])
        return removal

    def _drop_unused_geometry(self, names: list[str]) -> None:
        """Delete geometry files no row of ``areas`` refers to any longer."""
        for name in names:
            used = self.con.execute(
                "SELECT count(*) FROM areas WHERE geometry_file = ?", [name]
            ).fetchall()[0][0]
            if not used:
                (self.geometry_dir / name).unlink(missing_ok=True)

    def replace_results(self, frame: pd.DataFrame, analyses: Any = None) -> None:
        """Replace the whole results table in one transaction; with ``analyses`` (a
        :class:`jsna.indicators.analyses.StoredAnalyses`) every ``analysis_*`` table too."""
        columns = list(TABLES["results"])
        frame = frame.reindex(columns=columns)
        con = self.con
        _run(con, "BEGIN TRANSACTION")
        try:
            _run(con, "DELETE FROM results")
            con.register("_results", frame)
            _run(
                con,
                f"INSERT INTO results SELECT {', '.join(chr(34) + c + chr(34) for c in columns)} FROM _results",
            )
            con.unregister("_results")
            if analyses is not None:
                self._replace_analyses(analyses)
            _run(con, "COMMIT")
        except BaseException:
            _run(con, "ROLLBACK")
            raise

    # -- the stored analyses: the funnel plot and sections 7-10 (docs/workspace-tables.md) ------------------------
    def _replace_analyses(self, analyses: Any) -> None:
        """Inside a transaction: drop every ``analysis_*`` table and write ``analyses``' anew."""
        import pandas as pd

        con = self.con
        for name in self.analysis_tables(include_facts=True):
            _run(con, f'DROP TABLE "{name}"')
        stored = {
            **analyses.frames,
            ANALYSIS_FACTS: analyses.facts
            if analyses.facts is not None
            else pd.DataFrame(columns=["report_area", "analysis", "key", "value"]),
            ANALYSIS_SETTINGS: pd.DataFrame(
                sorted(analyses.settings.items()), columns=["setting", "value"]
            ),
        }
        for name, data in stored.items():
            if not name.startswith("analysis_"):
                raise WorkspaceError(f"analysis table names start with analysis_: {name!r}")
            con.register("_analysis", data)
            _run(con, f'CREATE TABLE "{name}" AS SELECT * FROM _analysis')
            con.unregister("_analysis")

    def analysis_tables(self, *, include_facts: bool = False) -> list[str]:
        """The stored ``analysis_*`` frame tables (with ``include_facts``, the facts and
        settings tables too), sorted."""
        names = self._analysis_names
        if names is None:
            names = [
                str(name)
                for (name,) in self.con.execute(
                    "SELECT table_name FROM duckdb_tables() "
                    "WHERE table_name LIKE 'analysis!_%' ESCAPE '!'"
                ).fetchall()
            ]
            if self.read_only:
                self._analysis_names = names
        if not include_facts:
            names = [n for n in names if n not in {ANALYSIS_FACTS, ANALYSIS_SETTINGS}]
        return sorted(names)

    def analysis_table(self, name: str, report_area: str | None = None) -> pd.DataFrame:
        """A stored analysis table (``analysis_gap`` or ``gap``), optionally one report area's rows,
        in the order compute wrote them; empty when compute stored no such table."""
        import pandas as pd

        table = name if name.startswith("analysis_") else f"analysis_{name}"
        if table not in self.analysis_tables(include_facts=True):
            return pd.DataFrame(columns=["report_area"])
        sql = f'SELECT * FROM "{table}"'
        if report_area is None:
            return self.con.execute(sql).df()
        return self.con.execute(sql + " WHERE report_area = ?", [report_area]).df()

    def stored_analysis(self, report_area: str, analysis: str) -> dict[str, Any] | None:
        """What compute stored of one analysis (``inequality``, ``projection``,
        ``value_for_money``) for ``report_area``: its frames (``report_area`` dropped, an empty
        frame kept with its columns) and its facts, keyed as the analysis named them; None when
        compute stored nothing for the area."""
        import json

        facts = self.analysis_table(ANALYSIS_FACTS, report_area)
        if "analysis" not in facts.columns:
            return None
        facts = facts[facts["analysis"].eq(analysis)]
        if facts.empty:
            return None
        values = {
            str(k): json.loads(str(v)) for k, v in zip(facts["key"], facts["value"], strict=True)
        }
        out: dict[str, Any] = {}
        for name in values.pop("frames", []):
            frame = self.analysis_table(name, report_area)
            out[name] = frame.drop(columns="report_area").reset_index(drop=True)
        out.update(values)
        return out

    def analysis_settings(self) -> dict[str, Any]:
        """The jsna.toml settings the stored analyses were computed with (empty before any compute)."""
        import json

        frame = self.analysis_table(ANALYSIS_SETTINGS)
        if "setting" not in frame.columns:
            return {}
        return {
            str(k): json.loads(str(v))
            for k, v in zip(frame["setting"], frame["value"], strict=True)
        }
