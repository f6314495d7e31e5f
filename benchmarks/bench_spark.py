"""Benchmark the two engines on one record-level extract: DuckDB, and Apache Spark ``local[N]``.

    .venv/bin/python benchmarks/bench_spark.py [--rows 10000000] [--cores 2] [--csv]

Writes a seeded extract of ``--rows`` records (Parquet, or CSV with ``--csv``) with DuckDB, then
aggregates it with jsna's one definition (:mod:`jsna.ingest.activity`) on DuckDB and on a fresh
local Spark session with ``--cores`` cores, checks the two aggregates are identical, and prints
the times and their ratio as JSON. The Spark time is measured after the session has started (the
JVM's start is reported apart) and includes listing the invalid records. Needs the ``spark``
extra and Java 17+. Not part of the test run.

What it measures is one machine, where DuckDB is the better engine (Spark pays for its JVM, its
row-at-a-time shuffles and its task scheduling); Spark's point is that the same aggregation
spreads over a cluster's executors: see ``docs/scale.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

KEYS = ["area_code", "period", "sex", "age_band", "measure"]


#: areas of the synthetic extract: the MSOAs of a large local authority (about 320,000 people)
AREAS = 40
#: points of delivery, as HES/SUS extracts group them
PODS = ["Elective", "Non-elective", "Day case", "Outpatient"]


def write_extract(path: Path, rows: int, csv: bool) -> None:
    """``rows`` records shaped like a local authority's HES extract: 40 MSOAs, seven years of
    dates (eight financial years), two sexes, ages 0-104 (19 five-year bands), four points of
    delivery: about 48,000 groups, as a real extract makes, whatever ``rows`` is. One record in
    250 has a bad age and one in 1,000 a bad sex."""
    import duckdb

    fmt = "(FORMAT csv, HEADER)" if csv else "(FORMAT parquet)"
    pods = "[" + ", ".join(f"'{p}'" for p in PODS) + "]"
    with duckdb.connect() as con:
        con.execute("SET enable_progress_bar = false").fetchall()
        con.execute("SELECT setseed(0.16)").fetchall()
        con.execute(
            f"""COPY (
            SELECT i AS record_id,
                   CASE WHEN random() < 0.004 THEN -1 ELSE CAST(floor(random() * 105) AS INTEGER) END AS age,
                   CASE WHEN random() < 0.001 THEN '9' WHEN random() < 0.5 THEN '1' ELSE '2' END AS sex,
                   'E02' || lpad(CAST(CAST(floor(random() * {AREAS}) AS INTEGER) + 1000 AS VARCHAR), 6, '0')
                       AS msoa_code,
                   DATE '2018-01-01' + CAST(floor(random() * 2555) AS INTEGER) AS admission_date,
                   {pods}[CAST(floor(random() * {len(PODS)}) AS INTEGER) + 1] AS point_of_delivery,
                   round(random() * 4000, 2) AS cost
            FROM range({rows}) t(i)) TO '{path}' {fmt}"""
        ).fetchall()


def on_duckdb(path: Path) -> tuple[float, Any]:
    from jsna.ingest.activity import ActivitySource
    from jsna.options import ReadOptions

    start = time.perf_counter()
    frame = ActivitySource().parse(path, ReadOptions()).frames["events"]
    frame.run_in_scratch("events")
    seconds = time.perf_counter() - start
    return seconds, frame.to_pandas().sort_values(KEYS, ignore_index=True)


def on_spark(path: Path, cores: int) -> tuple[float, float, Any]:
    from jsna.engines.session import session
    from jsna.ingest.activity import ActivitySource
    from jsna.options import ReadOptions

    start = time.perf_counter()
    spark = session(master=f"local[{cores}]")
    spark.sparkContext.setLogLevel("ERROR")
    started = time.perf_counter() - start
    try:
        start = time.perf_counter()
        frame = ActivitySource().parse(path, ReadOptions(engine="spark")).frames["events"]
        frame.run_in_scratch("events")
        seconds = time.perf_counter() - start
        return started, seconds, frame.to_pandas().sort_values(KEYS, ignore_index=True)
    finally:
        spark.stop()


def main() -> None:
    import pandas as pd

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--csv", action="store_true", help="a CSV extract instead of Parquet")
    args = parser.parse_args()
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="jsna-bench-spark-") as folder:
        path = Path(folder) / ("extract.csv" if args.csv else "extract.parquet")
        write_extract(path, args.rows, args.csv)
        duck_s, duck = on_duckdb(path)
        jvm_s, spark_s, sparked = on_spark(path, args.cores)
    pd.testing.assert_frame_equal(sparked, duck, check_exact=True, check_dtype=False)
    print(
        json.dumps(
            {
                "rows": args.rows,
                "format": "csv" if args.csv else "parquet",
                "groups": len(duck),
                "identical": True,
                "duckdb_seconds": round(duck_s, 1),
                "spark_cores": args.cores,
                "spark_session_start_seconds": round(jvm_s, 1),
                "spark_seconds": round(spark_s, 1),
                "spark_over_duckdb": round(spark_s / duck_s, 1),
                "machine_cores": os.cpu_count(),
                "load_average_before": [round(x, 2) for x in load_before],
                "load_average_after": [round(x, 2) for x in os.getloadavg()],
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
