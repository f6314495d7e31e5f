"""Record-level service-use extracts (one row per admission, attendance or contact), aggregated in DuckDB or Spark.

The file (CSV or Parquet) is never loaded into pandas: DuckDB reads it out of core, checks
every record in SQL and aggregates the valid ones to ``events`` rows by area × financial year
× sex × five-year age band (0-4 … 85-89, 90+) × point of delivery, with the number of records
and their summed cost. Invalid records are listed with their row number (the header is row 1
of a CSV; Parquet records are numbered from 1) and can be quarantined with
``--skip-invalid-rows``: then the aggregate holds exactly the valid records.

Columns (any of the usual names, or ``--map``): age (whole years), sex (1/2, M/F, Male/Female),
area (an LSOA/MSOA GSS code, or a postcode district such as ``M33``), date of the admission or
attendance (ISO ``2024-01-31`` or ``31/01/2024``), point of delivery (or ``--measure`` for a
file of one kind of activity), and optionally cost (£).

The SQL here is the one definition of the aggregation on both engines: it is written in the
subset of SQL that DuckDB and Spark SQL share (every parse and cast a ``TRY_CAST`` guarded by an
anchored pattern, labels computed rather than joined, costs summed as DECIMAL so the engines
agree to the penny), and :mod:`jsna.engines.sql` turns it into Spark SQL for ``--engine spark``.
On Spark records have no row numbers: invalid records are listed by the extract's own record
key (``record_id``, ``EPIKEY``, …) where it has one.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jsna.engines.session import duckdb_types
from jsna.errors import JsnaError, UnreadableFileError, UsageError
from jsna.ingest.base import Columns, Parsed, ReadOptions, Source, StreamedFrame
from jsna.ingest.readers import TableText, normalise_name
from jsna.vocabulary.issues import WARNING, ValidationIssue, ValidationReport

if TYPE_CHECKING:
    import duckdb

AGE = ("age", "age_years", "age_at_activity", "age_on_admission", "startage", "age_at_start")
SEX = ("sex", "gender", "sex_code")
AREA = (
    "lsoa_code",
    "lsoa",
    "lsoa21cd",
    "lsoa11cd",
    "lsoa_of_residence",
    "area_code",
    "postcode_district",
    "postcode_sector",
    "msoa_code",
    "msoa21cd",
)
DATE = (
    "date",
    "activity_date",
    "admission_date",
    "admidate",
    "attendance_date",
    "arrival_date",
    "contact_date",
    "event_date",
    "appointment_date",
)
POD = ("point_of_delivery", "pod", "activity_type", "setting", "measure")
COST = ("cost", "cost_gbp", "tariff", "price", "actual_cost")
#: the extract's own record key: how invalid records are listed where rows have no numbers (Spark)
KEY = (
    "record_key",
    "record_id",
    "epikey",
    "aekey",
    "ec_ident",
    "attendance_id",
    "spell_id",
    "episode_id",
    "activity_id",
)

#: DuckDB's working memory for the aggregation; beyond it DuckDB spills to a temporary folder
MEMORY_LIMIT = "1700MB"

_GSS = r"^[EW]0[0-3][0-9]{6}$"
_DISTRICT = r"^[A-Z]{1,2}[0-9][A-Z0-9]?$"
#: a decimal number as both engines read it (no hex, no digit separators, no type suffixes)
_NUMBER = r"^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?$"
#: an ISO date (``-`` or ``/`` between its parts), optionally followed by a time of day
_ISO_DATE = (
    r"^[0-9]{4}(-[0-9]{1,2}-[0-9]{1,2}|/[0-9]{1,2}/[0-9]{1,2})"
    r"([ T][0-9]{1,2}:[0-9]{2}(:[0-9]{2}([.][0-9]*)?)?)?$"
)
#: a British date, day first
_UK_DATE = r"^[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}$"
_SEX_WORDS = {"1": 1, "m": 1, "male": 1, "2": 2, "f": 2, "female": 2}
#: sex as 1 (male) or 2 (female): the usual spellings first, then any case and spacing
_SEX_SQL = (
    "CASE {c} WHEN '1' THEN 1 WHEN '2' THEN 2 WHEN 'M' THEN 1 WHEN 'F' THEN 2 WHEN 'Male' THEN 1 "
    "WHEN 'Female' THEN 2 ELSE CASE lower(trim({c})) "
    + " ".join(f"WHEN '{w}' THEN {n}" for w, n in _SEX_WORDS.items())
    + " END END"
)
#: an area code without spaces, in capitals: codes already so (nearly all) are left as they are
_AREA_SQL = (
    "CASE WHEN length({c}) = 9 AND {c} BETWEEN 'E00000000' AND 'W99999999' AND strpos({c}, ' ') = 0 "
    "THEN {c} ELSE upper(replace(trim({c}), ' ', '')) END"
)
#: text without surrounding spaces, NULL when blank
_TEXT_SQL = (
    "CASE WHEN {c} <> '' AND left({c}, 1) <> ' ' AND right({c}, 1) <> ' ' THEN {c} "
    "ELSE nullif(trim({c}), '') END"
)
#: years an activity date may fall in
_YEARS = (1900, 2199)


class ActivitySource(Source):
    kind = "activity"
    title = (
        "Record-level service use (one row per admission/attendance), aggregated to events "
        "in DuckDB (or Spark with --engine spark)"
    )
    tables = ("events",)
    expected_columns = (
        "age, sex, lsoa_code (or postcode_district), date, point_of_delivery, optional cost; "
        "one row per admission/attendance (CSV or Parquet)"
    )
    suffixes = (".csv", ".parquet", ".txt")
    streams = True

    def detect(self, columns: list[str]) -> str | None:
        norm = {normalise_name(c) for c in columns}
        groups = (AGE, SEX, AREA, DATE)
        if all(norm & set(g) for g in groups) and norm & set(POD) - {"measure"}:
            return "record-level"
        return None

    def parse(self, path: Path, options: ReadOptions) -> Parsed:
        """Find the columns; the records are read, checked and aggregated when the frame is inserted."""
        path = Path(path)
        if path.is_file() and path.stat().st_size == 0:
            raise UnreadableFileError(f"{path.name}: the file is empty (0 bytes)")
        on_spark = options.engine == "spark"
        frame = _on_spark(path, options) if on_spark else _on_duckdb(path, options)
        report = ValidationReport(file=path.name, kind=self.kind, rows_read=0, issues=[])
        return Parsed(frames={"events": frame}, report=report, layout="record-level")


def _on_duckdb(path: Path, options: ReadOptions) -> ActivityAggregate:
    import duckdb

    encoding = None if path.suffix.lower() == ".parquet" else _check_text(path, options)
    source, first_row = _source_sql(path, options)
    head = _transcoded_head(path, encoding) if encoding else None
    try:
        with duckdb.connect() as con:
            described = con.execute(
                f"DESCRIBE SELECT * FROM {_source_sql(head, options)[0] if head else source}"
            ).fetchall()
    except duckdb.Error as exc:
        raise UnreadableFileError(_duckdb_message(path, exc)) from exc
    finally:
        if head is not None:
            head.unlink(missing_ok=True)
    frame = ActivityAggregate(
        path, options, source, first_row, {str(r[0]): str(r[1]).upper() for r in described}
    )
    frame.encoding = encoding
    return frame


#: bytes of a CSV extract's start and end read to tell what the file is before DuckDB reads it
_PROBE = 1 << 20
#: bytes transcoded at a time (a Windows-1252 extract is streamed to UTF-8, never held whole)
_CHUNK = 8 << 20
_UTF8 = {"utf-8", "utf8", "utf-8-sig", "utf_8", "utf_8_sig"}


def _check_text(path: Path, options: ReadOptions) -> str | None:
    """Refuse a file that is not CSV text, with what it is; the encoding to transcode it from
    before DuckDB reads it (None: UTF-8, read as it is).

    DuckDB reads only UTF-8 (and says "CSV Error on Line: 2" of anything else), so an extract
    in Windows-1252 (what Excel writes), Latin-1 or UTF-16 is streamed to UTF-8 first. UTF-16
    without a byte-order mark, gzip, ZIP/xlsx, PDF and other binary files, and an extract cut
    off in its last row, are refused here, saying what the file is.
    """
    from jsna.ingest.readers import binary_kind, detect_encoding

    size = path.stat().st_size
    with path.open("rb") as handle:
        head = handle.read(_PROBE)
        handle.seek(max(size - _PROBE, 0))
        tail = handle.read()
    kind = binary_kind(head)
    if kind:
        raise UnreadableFileError(f"{path.name}: not a CSV extract: {kind}")
    bom = head.startswith((b"\xff\xfe", b"\xfe\xff"))
    if b"\x00" in head and not bom and not options.encoding:
        sample = head[: len(head) // 2 * 2]
        even, odd = sample[0::2].count(0), sample[1::2].count(0)
        if max(even, odd) > len(sample) // 4 and min(even, odd) < len(sample) // 100:
            order = "little" if odd > even else "big"
            raise UnreadableFileError(
                f"{path.name}: it is UTF-16 text ({order}-endian) without a byte-order mark: "
                f"pass --encoding utf-16-{order[0]}e, or save it as UTF-8 CSV"
            )
        raise UnreadableFileError(
            f"{path.name}: not a CSV extract: it is a binary file (it holds NUL bytes), not text"
        )
    if options.encoding:
        encoding = options.encoding.lower().replace("_", "-")
    elif bom:
        encoding = "utf-16"
    else:
        probe = head if len(head) == size else head[: head.rfind(b"\n") + 1] or head
        encoding = detect_encoding(probe)
    _check_complete(path, head, tail, encoding)
    return None if encoding in _UTF8 else encoding


def _check_complete(path: Path, head: bytes, tail: bytes, encoding: str) -> None:
    """Refuse an extract cut off inside its last row (no line end, fewer fields than the
    header, or an open quote), instead of letting DuckDB misread the columns."""
    import csv

    if tail.endswith((b"\n", b"\r", b"\n\x00", b"\r\x00", b"\x00\n", b"\x00\r")):
        return
    wide = encoding.startswith("utf-16")
    if wide and len(tail) % 2:
        tail = tail[1:]
    text_head = head.decode(encoding, errors="replace").lstrip("\ufeff")
    text_tail = tail.decode(encoding, errors="replace")
    header_line = text_head.splitlines()[0] if text_head else ""
    last_line = text_tail.splitlines()[-1] if text_tail.splitlines() else ""
    if not header_line or last_line == header_line:
        return
    counts = {sep: header_line.count(sep) for sep in (",", ";", "\t", "|")}
    sep = max(counts, key=lambda k: counts[k])
    header = next(csv.reader([header_line], delimiter=sep))
    if last_line.count('"') % 2:
        raise UnreadableFileError(
            f"{path.name}: the file ends inside a quoted field of its last row; it looks "
            "truncated (download or export it again)"
        )
    last = next(csv.reader([last_line], delimiter=sep))
    if len(last) < len(header):
        raise UnreadableFileError(
            f"{path.name}: the last row has {len(last)} of the header's {len(header)} fields "
            "and no line end; the file looks truncated (download or export it again)"
        )


def _transcoded_head(path: Path, encoding: str) -> Path:
    """The file's first lines as UTF-8 in a temporary file, for DuckDB to name the columns."""
    import tempfile

    with path.open("rb") as handle:
        raw = handle.read(_PROBE)
    text = raw.decode(encoding, errors="replace")
    if len(raw) == _PROBE and "\n" in text:
        text = text[: text.rindex("\n") + 1]
    fd, name = tempfile.mkstemp(prefix="jsna-head-", suffix=".csv")
    with open(fd, "wb") as out:
        out.write(text.lstrip("\ufeff").encode("utf-8"))
    return Path(name)


def _transcode(path: Path, encoding: str, folder: Path) -> Path:
    """``path`` streamed, ``_CHUNK`` bytes at a time, to a UTF-8 file in ``folder``.

    A byte the encoding cannot decode refuses the file with its line and value. The caller
    removes the file.
    """
    import codecs
    import tempfile

    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    fd, name = tempfile.mkstemp(prefix="jsna-utf8-", suffix=".csv", dir=folder)
    target = Path(name)
    lines = 0
    try:
        with path.open("rb") as source, open(fd, "wb") as out:
            first = True
            while True:
                chunk = source.read(_CHUNK)
                try:
                    text = decoder.decode(chunk, final=not chunk)
                except UnicodeDecodeError as exc:
                    line = lines + chunk[: exc.start].count(b"\n") + 1
                    raise UnreadableFileError(
                        f"{path.name}: line {line} holds byte {chunk[exc.start : exc.end]!r}, "
                        f"which is not {encoding} text; pass the file's encoding with --encoding"
                    ) from exc
                if first:
                    text, first = text.lstrip("\ufeff"), False
                out.write(text.encode("utf-8"))
                lines += chunk.count(b"\n")
                if not chunk:
                    break
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return target


def _temp_folder(con: duckdb.DuckDBPyConnection) -> tuple[Path, bool]:
    """The workspace's temporary folder (where DuckDB spills), and whether it was made here."""
    import tempfile

    setting = str(con.execute("SELECT current_setting('temp_directory')").fetchall()[0][0] or "")
    folder = Path(setting) if setting and Path(setting).is_absolute() else None
    if folder is None:
        return Path(tempfile.gettempdir()), False
    made = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    return folder, made


def _duckdb_message(path: Path, exc: Exception) -> str:
    """What DuckDB's refusal of a CSV extract means, without the SQL it quotes."""
    first = _first_line(exc)
    if "unicode" in first.lower():
        return (
            f"{path.name}: not UTF-8 text throughout ({first}); pass its encoding with "
            "--encoding (cp1252 for a file saved by Excel on Windows)"
        )
    return f"{path.name}: cannot read as a record-level extract: {first}"


def _on_spark(path: Path, options: ReadOptions) -> ActivityAggregate:
    """The extract read by Spark (a local session, or Spark Connect) as a temporary view."""
    from jsna.engines.session import read_extract, session

    if options.skip_rows:
        raise UsageError(
            f"{path.name}: --skip-rows is not supported with --engine spark (remove the rows "
            "above the header, or use --engine duckdb)"
        )
    spark = session(options.spark_remote)
    try:
        records = read_extract(spark, path, encoding=options.encoding)
    except JsnaError:
        raise
    except Exception as exc:  # pyspark's own classes: unreadable file, unknown format
        raise UnreadableFileError(
            f"{path.name}: Spark cannot read it as a record-level extract: {_first_line(exc)}"
        ) from exc
    return spark_aggregate(spark, records, path, options)


def spark_aggregate(
    spark: Any, records: Any, path: Path, options: ReadOptions
) -> ActivityAggregate:
    """The aggregation of a Spark DataFrame of records, run on ``spark`` when inserted."""
    view = f"jsna_records_{uuid.uuid4().hex}"
    records.createOrReplaceTempView(view)
    return ActivityAggregate(path, options, view, 1, duckdb_types(records), spark=spark)


class ActivityAggregate(StreamedFrame):
    """The events of one extract: every record checked and aggregated by DuckDB in one pass."""

    def __init__(
        self,
        path: Path,
        options: ReadOptions,
        source: str,
        first_row: int,
        types: dict[str, str],
        spark: Any = None,
    ) -> None:
        """``source`` is a table expression of ``spark`` (a view) when given, else of DuckDB."""
        import pandas as pd

        super().__init__()
        self.path, self.source, self.first_row, self.spark = path, source, first_row, spark
        self.options = options
        #: the file's encoding when it is not UTF-8: it is streamed to UTF-8 before DuckDB reads it
        self.encoding: str | None = None
        self.names = list(types)
        self.table = TableText(
            frame=pd.DataFrame(columns=self.names),
            path=path,
            encoding="duckdb",
            header_line=first_row - 1,
        )
        cols = Columns(self.table, options.column_map)
        self.q = q = {
            k: f'"{v}"'
            for k, v in {
                "age": cols.require("age", *AGE),
                "sex": cols.require("sex", *SEX),
                "area": cols.require("area (LSOA code or postcode district)", *AREA),
                "date": cols.require("activity date", *DATE),
            }.items()
        }
        pod_col = (
            None if options.measure else cols.require("point of delivery (or pass --measure)", *POD)
        )
        cost_col = cols.find(*COST)
        #: the extract's own record key, by which Spark lists invalid records
        self.key = cols.find(*KEY)
        #: on Spark: number of an invalid record -> its key (or its text, without a key)
        self.invalid_keys: dict[int, str] = {}
        #: the file's column behind each check, for the problems of invalid records
        self.reported = {
            **q,
            **{k: f'"{c}"' for k, c in (("pod", pod_col), ("cost", cost_col)) if c},
        }
        text = "CAST({} AS VARCHAR)"
        pod = (
            _TEXT_SQL.format(c=text.format(chr(34) + pod_col + chr(34)))
            if pod_col
            else "'" + (options.measure or "").replace("'", "''") + "'"
        )
        cost, cost_bad = _cost_sql(cost_col, types.get(cost_col or "", ""), text)
        self.parsed = f"""
            SELECT
                {_age_sql(q["age"], types.get(q["age"].strip('"'), ""), text)} AS age,
                {_SEX_SQL.format(c=text.format(q["sex"]))} AS sex,
                {_AREA_SQL.format(c=text.format(q["area"]))} AS area,
                {_date_sql(q["date"], types.get(q["date"].strip('"'), ""), text.format(q["date"]))} AS day,
                {pod} AS pod,
                {cost} AS cost,
                {cost_bad} AS cost_bad
            FROM {source}"""
        self.checks = {
            "age": (
                "age IS NULL OR age < 0 OR age > 120",
                "age must be a whole number of years from 0 to 120",
            ),
            "sex": ("sex IS NULL", "sex must be 1/2, M/F or Male/Female"),
            "area": (
                f"area IS NULL OR NOT (regexp_matches(area, '{_GSS}') "
                f"OR regexp_matches(area, '{_DISTRICT}'))",
                "area must be an LSOA/MSOA GSS code (E01…, E02…) or a postcode district (M33)",
            ),
            "date": (
                f"day IS NULL OR year(day) NOT BETWEEN {_YEARS[0]} AND {_YEARS[1]}",
                f"date must look like 2024-01-31 or 31/01/2024 (years {_YEARS[0]}-{_YEARS[1]})",
            ),
            "pod": ("pod IS NULL", "point of delivery must not be blank"),
            "cost": ("cost_bad", "cost must be a number >= 0 (or blank)"),
        }

    def _aggregate_sql(self, source_id: int) -> str:
        """Canonical events rows; groups holding invalid records carry ``-source_id``.

        Every record is checked, but the area check (a regular expression) runs once per
        group: the area is a group key, so a group's records share one area. Labels (period,
        age band, sex) are computed once per group, not per record. Costs are summed as
        DECIMAL(38, 6), so the sum is exact and the same whatever order the engine adds in.
        """
        record_checks = " OR ".join(
            f"({cond})" for name, (cond, _) in self.checks.items() if name != "area"
        )
        area_ok = f"NOT coalesce({self.checks['area'][0]}, true)"
        fy_start = "(year(day) - CASE WHEN month(day) < 4 THEN 1 ELSE 0 END)"
        period = "CAST(g.fy AS VARCHAR) || '/' || lpad(CAST((g.fy + 1) % 100 AS VARCHAR), 2, '0')"
        band = (
            "CASE WHEN g.age_from >= 90 THEN '90+' "
            "ELSE CAST(g.age_from AS VARCHAR) || '-' || CAST(g.age_from + 4 AS VARCHAR) END"
        )
        return f"""
            SELECT g.area AS area_code, {period} AS period,
                   CASE g.sex WHEN 1 THEN 'Male' WHEN 2 THEN 'Female' END AS sex,
                   {band} AS age_band, g.age_from,
                   CASE WHEN g.age_from < 90 THEN g.age_from + 4 END AS age_to,
                   g.pod AS measure, g.count, CAST(g.cost AS DOUBLE) AS cost,
                   min(g.first_day) OVER (PARTITION BY g.fy) AS dates_from,
                   max(g.last_day) OVER (PARTITION BY g.fy) AS dates_to,
                   CASE WHEN g.ok_record AND {area_ok} THEN {source_id}
                        ELSE {-source_id} END AS source_id
            FROM (
                SELECT NOT coalesce({record_checks}, true) AS ok_record, area, {fy_start} AS fy, sex,
                       CAST(least(floor(age / 5) * 5, 90) AS INTEGER) AS age_from, pod,
                       CAST(count(*) AS DOUBLE) AS count,
                       sum(CAST(cost AS DECIMAL(38, 6))) AS cost, min(day) AS first_day, max(day) AS last_day
                FROM ({self.parsed}) AS records
                GROUP BY ALL) AS g"""

    def insert(self, con: duckdb.DuckDBPyConnection, table: str, source_id: int) -> None:
        """Aggregate into ``table``; a file in another encoding than UTF-8 is read from a UTF-8
        copy in the workspace's temporary folder, removed whatever happens."""
        if not self.encoding:
            self._insert(con, table, source_id)
            return
        source, parsed = self.source, self.parsed
        folder, made = _temp_folder(con)
        copy = None
        try:
            copy = _transcode(self.path, self.encoding, folder)
            self.source = _source_sql(copy, self.options)[0]
            self.parsed = parsed.replace(source, self.source)
            self._insert(con, table, source_id)
        finally:
            self.source, self.parsed = source, parsed
            if copy is not None:
                copy.unlink(missing_ok=True)
            if made and not any(folder.iterdir()):
                folder.rmdir()

    def _insert(self, con: duckdb.DuckDBPyConnection, table: str, source_id: int) -> None:
        import duckdb

        columns = (
            "area_code, period, sex, age_band, age_from, age_to, measure, count, cost, dates_from, "
            "dates_to, source_id"
        )
        saved = {
            name: con.execute(f"SELECT current_setting('{name}')").fetchall()[0][0]
            for name in ("memory_limit", "preserve_insertion_order")
        }
        try:
            con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'").fetchall()
            con.execute("SET preserve_insertion_order = false").fetchall()
            if self.spark is None:
                groups = self._aggregate_sql(source_id)
            else:
                con.register("jsna_spark_groups", self._on_spark(self._aggregate_sql(source_id)))
                groups = f"SELECT {columns} FROM jsna_spark_groups"
            con.execute(f'INSERT INTO "{table}" ({columns}) {groups}').fetchall()
        except duckdb.Error as exc:
            raise UnreadableFileError(_duckdb_message(self.path, exc)) from exc
        finally:
            if self.spark is not None:
                con.unregister("jsna_spark_groups")
            for name, value in saved.items():
                con.execute(f"SET {name} = '{value}'").fetchall()
        found = con.execute(
            f'SELECT area_code, period, source_id, sum(count) AS records, count(*) AS groups FROM "{table}" '
            f"WHERE source_id IN ({source_id}, {-source_id}) GROUP BY ALL"
        ).df()
        valid = found["source_id"] == source_id
        self.rows_read, self.rows = (
            int(found["records"].sum()),
            int(found.loc[valid, "groups"].sum()),
        )
        if int(found.loc[valid, "records"].sum()) < self.rows_read:
            self._list_invalid(con)
            con.execute(f'DELETE FROM "{table}" WHERE source_id = {-source_id}').fetchall()
        self.codes = (
            found.loc[valid, ["area_code", "period"]]
            .drop_duplicates()
            .sort_values(["area_code", "period"], ignore_index=True)
        )
        self.periods = sorted(self.codes["period"].dropna().astype(str).unique())
        districts = self.codes.drop_duplicates("area_code")["area_code"].str.fullmatch(
            _DISTRICT.strip("^$")
        )
        if bool(districts.any()):
            self.issues.append(
                ValidationIssue(
                    code="postcode-districts",
                    severity=WARNING,
                    file=self.path.name,
                    column=self.q["area"].strip('"'),
                    message=f"{int(districts.sum())} areas are postcode districts, not GSS areas: their rows cannot "
                    "be joined to population until mapped to LSOAs",
                )
            )

    def _on_spark(self, sql: str, *, rows: bool = False) -> Any:
        """The result of DuckDB ``sql`` run as Spark SQL on the session: an Arrow table (or, on
        pyspark < 4, a pandas DataFrame made through Arrow), or with ``rows`` a list of tuples
        (None for NULL).

        The groups come back in Arrow batches, not one Python row at a time: a year of a large
        area's activity is tens of thousands of groups. Counts and costs are DOUBLE and dates
        DATE on both sides, so the transfer is exact.
        """
        from jsna.engines.sql import to_spark

        spark_sql = to_spark(sql)
        try:
            result = self.spark.sql(spark_sql)
            if rows:
                return [tuple(r) for r in result.collect()]
            if hasattr(result, "toArrow"):  # pyspark >= 4.0, classic and Connect
                return result.toArrow()
            self.spark.conf.set("spark.sql.execution.arrow.pyspark.enabled", "true")
            return result.toPandas()
        except Exception as exc:  # pyspark's own classes
            raise UnreadableFileError(
                f"{self.path.name}: Spark could not aggregate the extract: {_first_line(exc)}"
            ) from exc

    def _list_invalid(self, con: duckdb.DuckDBPyConnection | None) -> None:
        """One issue per failed check per invalid record, numbered as the file numbers its rows.

        On Spark records have no order, so no row numbers: the invalid records are listed in
        the order of the extract's record key (or of the whole record, when it has no key),
        numbered 1, 2, … among the invalid ones, and each message names the record's key.
        """
        q, checks = self.reported, self.checks
        flags = ", ".join(
            f"coalesce(({cond}), true) AS bad_{name}" for name, (cond, _) in checks.items()
        )
        raw_list = " || ',' || ".join(f"coalesce(CAST(\"{n}\" AS VARCHAR), '')" for n in self.names)
        if self.spark is None:
            rn = "row_number() OVER ()"
        elif self.key:
            rn = f'CAST("{self.key}" AS VARCHAR)'
        else:
            rn = raw_list
        numbered = f"(SELECT {rn} AS rn, * FROM {self.source}) AS numbered"
        extra = f"rn, {raw_list} AS raw, " + ", ".join(f"{q[k]} AS src_{k}" for k in q) + ","
        select_parsed = self.parsed.replace(f"FROM {self.source}", f"FROM {numbered}").replace(
            "SELECT", "SELECT " + extra, 1
        )
        where = "coalesce(" + " OR ".join(f"({cond})" for cond, _ in checks.values()) + ", true)"
        flag_sql = (
            f"SELECT rn, raw, {', '.join('src_' + k for k in q)}, {flags} "
            f"FROM ({select_parsed}) AS flagged WHERE {where} ORDER BY rn, raw"
        )
        check_names = list(checks)
        if self.spark is None:
            assert con is not None
            records = con.execute(flag_sql).fetchall()
        else:
            records = self._on_spark(flag_sql, rows=True)
        for number, record in enumerate(records, start=1):
            raw = record[1]
            values = dict(zip(list(q), record[2 : 2 + len(q)], strict=True))
            if self.spark is None:
                row, named = int(record[0]) + self.first_row - 1, ""
            else:
                row = number
                self.invalid_keys[row] = str(record[0])
                named = f" (record {self.key} {record[0]})" if self.key else ""
            self.raw_rows[row] = raw
            for name, bad in zip(check_names, record[2 + len(q) :], strict=True):
                if bad:
                    self.issues.append(
                        ValidationIssue(
                            code=f"bad-{name}",
                            file=self.table.label,
                            row=row,
                            column=q[name].strip('"') if name in q else name,
                            value=values.get(name),
                            message=checks[name][1] + named,
                        )
                    )


def _source_sql(path: Path, options: ReadOptions) -> tuple[str, int]:
    """(SQL table expression reading the file as text, file row of record 1)."""
    quoted = str(path).replace("'", "''")
    if path.suffix.lower() == ".parquet":
        return f"read_parquet('{quoted}')", 1
    # UTF-8 always: a file in another encoding is read from a UTF-8 copy (see _transcode)
    skip = f", skip={options.skip_rows}" if options.skip_rows else ""
    return (
        f"read_csv('{quoted}', header=true, all_varchar=true, auto_detect=true{skip})",
        2 + (options.skip_rows or 0),
    )


_NUMERIC = {
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
    "FLOAT",
    "DOUBLE",
    "REAL",
    "HUGEINT",
}


def _cost_sql(column: str | None, dtype: str, text: str) -> tuple[str, str]:
    """(cost in £, whether it is bad): typed numbers as they are; text may carry '£' and ','."""
    if column is None:
        return "CAST(NULL AS DOUBLE)", "false"
    quoted = f'"{column}"'
    if dtype in _NUMERIC or dtype.startswith("DECIMAL"):
        value = f"CAST({quoted} AS DOUBLE)"
        return value, f"coalesce({value} < 0, false)"
    raw = text.format(quoted)
    # pounds and pence as most extracts write them (12.50) are read at once, as both engines
    # read them; anything else (£1,234.5, 1e3) through the pattern
    pence = f"TRY_CAST({raw} AS DECIMAL(18, 2))"
    written = _number_sql(f"replace(replace(trim({raw}), ',', ''), '£', '')")
    value = (
        f"CASE WHEN CAST({pence} AS VARCHAR) = {raw} THEN CAST({pence} AS DOUBLE) "
        f"ELSE {written} END"
    )
    return (
        value,
        f"CASE WHEN {value} IS NULL THEN coalesce(trim({raw}) <> '', false) ELSE {value} < 0 END",
    )


def _age_sql(column: str, dtype: str, text: str) -> str:
    """Whole years of age: typed integers are used as they are; other values (text, decimals) must
    be whole numbers (``40`` or ``40.0``), else NULL (an invalid record): ``4.5`` is not rounded."""
    if dtype in _NUMERIC - {"FLOAT", "DOUBLE", "REAL"}:
        return f"TRY_CAST({column} AS INTEGER)"
    raw = text.format(column)
    # a whole number written plainly (40) is read at once, as both engines read it
    whole = f"TRY_CAST({raw} AS INTEGER)"
    number = (
        f"CASE WHEN CAST({whole} AS VARCHAR) = {raw} THEN CAST({whole} AS DOUBLE) "
        f"ELSE {_number_sql(f'trim({raw})')} END"
    )
    return f"CASE WHEN {number} = floor({number}) THEN TRY_CAST({number} AS INTEGER) END"


def _date_sql(column: str, dtype: str, date_text: str) -> str:
    """The activity date: typed dates as they are; text as ISO or dd/mm/yyyy."""
    if dtype == "DATE":
        return column
    if dtype.startswith("TIMESTAMP"):
        return f"TRY_CAST({column} AS DATE)"
    text = f"trim({date_text})"
    iso = f"replace(regexp_extract({text}, '^[0-9]{{4}}[-/][0-9]{{1,2}}[-/][0-9]{{1,2}}', 0), '/', '-')"
    parts = [f"split_part({text}, '/', {n})" for n in (3, 2, 1)]
    uk = " || '-' || ".join(parts)
    # a date written as 2024-01-31 is read at once (both engines read it so, and write it back
    # unchanged); anything else through the patterns
    canonical = f"TRY_CAST({date_text} AS DATE)"
    return (
        f"CASE WHEN {date_text} LIKE '____-__-__' AND CAST({canonical} AS VARCHAR) = {date_text} "
        f"THEN {canonical} "
        f"WHEN regexp_matches({text}, '{_ISO_DATE}') THEN TRY_CAST({iso} AS DATE) "
        f"WHEN regexp_matches({text}, '{_UK_DATE}') THEN TRY_CAST({uk} AS DATE) END"
    )


def _number_sql(text: str) -> str:
    """``text`` as a DOUBLE when it is a plain decimal number (both engines agree), else NULL."""
    return f"CASE WHEN regexp_matches({text}, '{_NUMBER}') THEN TRY_CAST({text} AS DOUBLE) END"


def _first_line(exc: Exception) -> str:
    """DuckDB's message without the SQL it quotes under it (the user never wrote that SQL)."""
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
