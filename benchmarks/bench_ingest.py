"""Benchmark ingest: a 20-million-row record-level extract (CSV and Parquet), and the IMD LSOA file.

    /work/venv/bin/python benchmarks/bench_ingest.py [--rows 20000000] [--imd PATH]

Times a whole `activity` ingest (file hashed, every record checked, aggregated in DuckDB and
written into a workspace in one transaction, in a fresh Python process with its libraries
imported) against a hand-written DuckDB query that aggregates the same file to the same groups
(area × financial year × sex × 5-year band × point of delivery) into a table of a DuckDB file:
once with DuckDB's default memory limit (most of the machine's memory), once under the memory
limit jsna gives DuckDB for the aggregation (``jsna.ingest.activity.MEMORY_LIMIT``, chosen so
that the whole ingest peaks under 2 GiB), and once into pandas. Measures the peak RSS of each in a
fresh subprocess (resource.getrusage of the child). Not part of the test run.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from jsna.ingest.activity import MEMORY_LIMIT

HAND = """
import duckdb, sys, time, tempfile, os
src, limit = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None
reader = f"read_parquet('{src}')" if src.endswith('.parquet') else f"read_csv('{src}')"
t = time.perf_counter()
con = duckdb.connect(os.path.join(tempfile.mkdtemp(), 'hand.duckdb'))
con.execute('SET enable_progress_bar = false').fetchall()
if limit:
    con.execute(f"SET memory_limit = '{limit}'").fetchall()
con.execute(f'''
    CREATE TABLE aggregate AS
    SELECT lsoa_code, (year(admission_date) - CASE WHEN month(admission_date) < 4 THEN 1 ELSE 0 END) AS fy,
           sex, least(floor(age / 5) * 5, 90) AS band, point_of_delivery, count(*) AS n, sum(cost) AS cost
    FROM {reader} GROUP BY ALL''').fetchall()
n = con.execute('SELECT count(*) FROM aggregate').fetchall()[0][0]
print(time.perf_counter() - t, n)
"""

HAND_TO_PYTHON = """
import duckdb, sys, time
src = sys.argv[1]
reader = f"read_parquet('{src}')" if src.endswith('.parquet') else f"read_csv('{src}')"
t = time.perf_counter()
con = duckdb.connect()
con.execute('SET enable_progress_bar = false').fetchall()
frame = con.execute(f'''
    SELECT lsoa_code, (year(admission_date) - CASE WHEN month(admission_date) < 4 THEN 1 ELSE 0 END) AS fy,
           sex, least(floor(age / 5) * 5, 90) AS band, point_of_delivery, count(*) AS n, sum(cost) AS cost
    FROM {reader} GROUP BY ALL''').df()
print(time.perf_counter() - t, len(frame))
"""

JSNA = """
import sys, time, tempfile, pathlib
import duckdb, pandas  # jsna's libraries, imported before the clock starts as the hand queries import duckdb
from jsna.ingest import ingest_file
from jsna.workspace import Workspace
t = time.perf_counter()
with Workspace.open(pathlib.Path(tempfile.mkdtemp()) / 'jsna.duckdb') as ws:
    out = ingest_file(ws, 'activity', pathlib.Path(sys.argv[1]))
print(time.perf_counter() - t, out.records)
"""

IMD = """
import sys, time, tempfile, pathlib
from jsna.ingest import ingest_file
from jsna.workspace import Workspace
t = time.perf_counter()
with Workspace.open(pathlib.Path(tempfile.mkdtemp()) / 'jsna.duckdb') as ws:
    out = ingest_file(ws, 'deprivation', sys.argv[1])
print(time.perf_counter() - t, out.rows_loaded)
"""

PEAK = "import resource; print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"


def run(code: str, *args: str) -> dict[str, float]:
    """Run ``code`` in a child process; its wall time, result size and peak RSS (MiB)."""
    wrapper = (
        "import subprocess, sys, resource\n"
        f"p = subprocess.run([sys.executable, '-c', {code!r}, *{list(args)!r}], capture_output=True, text=True)\n"
        "sys.stderr.write(p.stderr)\n"
        "print(p.stdout.strip(), resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    out = subprocess.run(
        [sys.executable, "-c", wrapper], capture_output=True, text=True, check=True
    ).stdout.split()
    return {
        "seconds": round(float(out[0]), 2),
        "groups": int(out[1]),
        "peak_rss_mib": round(int(out[2]) / 1024),
    }


def make_extract(folder: Path, rows: int) -> tuple[Path, Path]:
    """A seeded synthetic extract written by DuckDB itself (fast, no pandas)."""
    import duckdb

    csv, parquet = folder / "extract.csv", folder / "extract.parquet"
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false").fetchall()
    con.execute("SELECT setseed(0.42)").fetchall()
    con.execute(f"""
        CREATE TABLE x AS SELECT
            i AS record_id,
            (random() * 100)::INTEGER AS age,
            CASE WHEN random() < 0.5 THEN '1' ELSE '2' END AS sex,
            'E0' || (1000000 + (random() * 33000)::INTEGER)::VARCHAR AS lsoa_code,
            DATE '2021-04-01' + (random() * 1095)::INTEGER AS admission_date,
            ['Emergency admission', 'Elective admission', 'A&E attendance', 'Outpatient'][1 + floor(random() * 4)::INTEGER]
                AS point_of_delivery,
            round(random() * 3000, 2) AS cost
        FROM range({rows}) t(i)""").fetchall()
    con.execute(f"COPY x TO '{csv}' (HEADER)").fetchall()
    con.execute(f"COPY x TO '{parquet}' (FORMAT parquet)").fetchall()
    return csv, parquet


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=20_000_000)
    parser.add_argument(
        "--imd",
        default="../shared/data/real/imd2019_lsoa/File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv",
    )
    args = parser.parse_args()
    results: dict[str, object] = {"rows": args.rows}
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        csv, parquet = make_extract(Path(tmp), args.rows)
        results["generate_seconds"] = round(time.perf_counter() - t, 1)
        for path in (parquet, csv):
            hand, capped = run(HAND, str(path)), run(HAND, str(path), MEMORY_LIMIT)
            to_python, ours = run(HAND_TO_PYTHON, str(path)), run(JSNA, str(path))
            results[path.suffix.lstrip(".")] = {
                "duckdb_group_by_into_table": hand,
                f"duckdb_group_by_into_table_at_{MEMORY_LIMIT}": capped,
                "duckdb_group_by_to_pandas": to_python,
                "jsna_activity": ours,
                "ratio_to_table": round(ours["seconds"] / hand["seconds"], 2),
                "ratio_to_table_same_memory_limit": round(ours["seconds"] / capped["seconds"], 2),
                "ratio_to_pandas": round(ours["seconds"] / to_python["seconds"], 2),
            }
    if Path(args.imd).exists():
        results["imd_lsoa_ingest"] = run(IMD, str(Path(args.imd).resolve()))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
