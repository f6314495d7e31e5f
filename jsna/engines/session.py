"""A Spark session for jsna, and an extract read into it.

:func:`session` starts (or reuses) a local session bound to 127.0.0.1 with its web UI off, or
connects to Spark Connect (``sc://HOST:PORT``, or the ``SPARK_REMOTE`` variable). A session jsna
starts itself is stopped when the process ends; one that was running already (a notebook's, a
job's, the tests') is left alone. :func:`read_extract` reads a CSV file, a Parquet file, or a
Parquet or Delta directory, local or on any filesystem the session can read (``s3a://``,
``abfss://``, ``hdfs://``).
"""

from __future__ import annotations

import atexit
import os
from pathlib import Path
from typing import Any

from jsna.errors import EngineError, UsageError

#: Spark's simple type names -> the DuckDB type names the aggregation's SQL is chosen by
_TYPES = {
    "tinyint": "TINYINT",
    "smallint": "SMALLINT",
    "int": "INTEGER",
    "bigint": "BIGINT",
    "float": "FLOAT",
    "double": "DOUBLE",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "timestamp_ntz": "TIMESTAMP",
    "string": "VARCHAR",
}


def session(remote: str | None = None, master: str = "local[*]") -> Any:
    """The Spark session to aggregate on: Spark Connect at ``remote`` (or ``SPARK_REMOTE``), an
    active session if there is one, else a new local one (loopback only, no web UI, UTC)."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise EngineError(
            "--engine spark needs pyspark and sqlglot: pip install 'jsna[spark]' "
            "(a cluster provides its own pyspark)"
        ) from exc
    remote = remote or os.environ.get("SPARK_REMOTE")
    try:
        if remote:
            return SparkSession.builder.remote(remote).getOrCreate()
        active = SparkSession.getActiveSession()
        if active is not None:
            return active
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        spark = (
            SparkSession.builder.master(master)
            .appName("jsna")
            .config("spark.ui.enabled", "false")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.sql.session.timeZone", "UTC")
            .getOrCreate()
        )
    except Exception as exc:  # pyspark raises its own classes (no Java, no server)
        where = remote or master
        raise EngineError(
            f"cannot start Spark ({where}): {str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__} "
            "(a local session needs Java 17 or later on PATH or JAVA_HOME)"
        ) from exc
    atexit.register(spark.stop)
    return spark


def read_extract(spark: Any, location: str | Path, *, encoding: str | None = None) -> Any:
    """The records of an extract as a Spark DataFrame, CSV cells as text.

    ``location`` is a CSV or Parquet file, or a directory of Parquet files or a Delta table
    (a ``_delta_log`` folder); local paths or URLs the session can read.
    """
    text = str(location)
    local = Path(text) if "://" not in text else None
    suffix = Path(text.rstrip("/")).suffix.lower()
    if local is not None and local.is_dir():
        if (local / "_delta_log").is_dir():
            return spark.read.format("delta").load(text)
        if any(local.glob("*.csv")):
            return _read_csv(spark, text, encoding, local=None)
        return spark.read.parquet(text)
    if suffix in (".csv", ".txt"):
        return _read_csv(spark, text, encoding, local=local)
    if suffix == ".parquet" or not suffix:
        return spark.read.parquet(text)
    raise UsageError(f"{text}: --engine spark reads CSV, Parquet or Delta, not {suffix} files")


def _read_csv(spark: Any, text: str, encoding: str | None, local: Path | None) -> Any:
    """CSV as text cells, read as DuckDB reads it: RFC 4180 quotes (line breaks inside quotes
    too, so one task per file: large extracts are better as Parquet), the delimiter DuckDB's
    sniffer finds (for a local file; a comma otherwise), a UTF-8 byte-order mark dropped."""
    delimiter = ","
    if local is not None:
        import duckdb

        quoted = str(local).replace("'", "''")
        with duckdb.connect() as con:
            found = con.execute(f"SELECT Delimiter FROM sniff_csv('{quoted}')").fetchall()
        delimiter = str(found[0][0]) if found and found[0][0] else ","
    frame = (
        spark.read.option("header", "true")
        .option("inferSchema", "false")
        .option("sep", delimiter)
        .option("quote", '"')
        .option("escape", '"')
        .option("encoding", encoding or "UTF-8")
        .option("multiLine", "true")
        .csv(text)
    )
    first = frame.columns[0] if frame.columns else ""
    if first.startswith("\ufeff"):
        frame = frame.withColumnRenamed(first, first.lstrip("\ufeff"))
    return frame


def duckdb_types(frame: Any) -> dict[str, str]:
    """Column name -> the DuckDB type name of a Spark DataFrame's columns (``DECIMAL(p,s)`` and
    anything unknown kept in capitals)."""
    return {
        field.name: _TYPES.get(field.dataType.simpleString(), field.dataType.simpleString().upper())
        for field in frame.schema.fields
    }
