"""The aggregation's Spark SQL, checked without Spark: it parses, calls only Spark built-ins, and
DuckDB (which runs the same definition) finds exactly the groups and bad records worked out by
hand."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from jsna.engines.sql import SPARK_FUNCTIONS, functions, to_spark
from jsna.errors import EngineError
from jsna.ingest.activity import ActivityAggregate, ActivitySource
from jsna.options import ReadOptions
from tests.engines.extracts import dirty_records, expected_groups, write_csv

pytest.importorskip("sqlglot")


@pytest.fixture(scope="module")
def dirty(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, str]]]:
    rows = dirty_records(3000)
    return write_csv(tmp_path_factory.mktemp("dirty") / "dirty.csv", rows), rows


def _definition(path: Path, **options: object) -> ActivityAggregate:
    frame = ActivitySource().parse(path, ReadOptions(**options)).frames["events"]  # type: ignore[arg-type]
    assert isinstance(frame, ActivityAggregate)
    frame.parsed = frame.parsed.replace(f"FROM {frame.source}", "FROM jsna_records")
    frame.source = "jsna_records"
    return frame


def test_the_spark_sql_calls_only_spark_built_ins(dirty: tuple[Path, list[dict[str, str]]]) -> None:
    definition = _definition(dirty[0])
    spark_sql = to_spark(definition._aggregate_sql(4))
    used = set(functions(spark_sql))
    assert used <= SPARK_FUNCTIONS
    assert {"TRY_CAST", "REGEXP_EXTRACT", "SPLIT_PART", "SUM"} <= used
    # the DuckDB-only spellings are gone, the anchored patterns end in \z
    lowered = spark_sql.lower()
    assert "regexp_matches" not in lowered and "strptime" not in lowered
    assert "range(" not in lowered and "::" not in spark_sql
    assert "RLIKE '^[EW]0[0-3][0-9]{6}\\\\z'" in spark_sql


def test_every_cast_of_the_records_is_a_try_cast(dirty: tuple[Path, list[dict[str, str]]]) -> None:
    """Spark 4 runs in ANSI mode: one CAST of a bad value would stop the job. A plain CAST is
    only ever to text, or of a value a TRY_CAST has already made (neither can fail)."""
    import sqlglot
    from sqlglot import exp

    definition = _definition(dirty[0])
    tree = sqlglot.parse_one(to_spark(definition.parsed), read="spark")
    every = [c.sql("spark") for c in tree.find_all(exp.Cast)]
    plain = [c for c in tree.find_all(exp.Cast) if c.sql("spark").startswith("CAST(")]
    assert plain and any(text.startswith("TRY_CAST(") for text in every)
    for cast in plain:
        text, inner = cast.sql("spark"), cast.this.sql("spark")
        assert text.endswith(" AS STRING)") or inner.startswith("TRY_CAST("), text


def test_the_list_of_invalid_records_translates_too(
    dirty: tuple[Path, list[dict[str, str]]],
) -> None:
    definition = _definition(dirty[0])
    sql = definition.parsed.replace("SELECT", "SELECT CAST(record_id AS VARCHAR) AS rn,", 1)
    assert set(functions(to_spark(sql))) <= SPARK_FUNCTIONS


def test_a_function_spark_lacks_is_refused_by_name() -> None:
    with pytest.raises(EngineError, match="REGEXP_FULL_MATCH"):
        to_spark("SELECT regexp_full_match(a, '^x$') FROM t")


def test_functions_names_calls_not_syntax_or_types() -> None:
    sql = (
        "SELECT a FROM (SELECT upper(x) FROM t) WHERE b IN (1, 2) AND CAST(x AS DECIMAL(3, 1)) > 0"
    )
    assert functions(sql) == ["UPPER", "CAST"]


def test_duckdb_finds_the_groups_and_the_bad_records_worked_out_by_hand(
    dirty: tuple[Path, list[dict[str, str]]],
) -> None:
    path, rows = dirty
    frame = ActivitySource().parse(path, ReadOptions()).frames["events"]
    frame.run_in_scratch("events")
    got = frame.to_pandas()
    expected = expected_groups(rows)
    assert len(got) == len(expected)
    for r in got.itertuples():
        records, pence = expected[(r.area_code, r.period, r.sex, r.age_band, r.measure)]
        assert r.count == records
        assert round((0 if pd.isna(r.cost) else r.cost) * 100) == pence
    # every faulty record, and no other, is listed once per fault, by its file row
    faulty = {i + 2 for i, r in enumerate(rows) if r["fault"]}
    assert {i.row for i in frame.issues if i.severity == "error"} == faulty
    assert frame.rows_read == len(rows)


def test_an_aggregate_written_as_csv_loads_as_events_with_its_costs(
    dirty: tuple[Path, list[dict[str, str]]], tmp_path: Path
) -> None:
    """What a Spark job writes (the events columns, one CSV file) loads with ``ingest events``."""
    from jsna.engines.spark import EVENTS_COLUMNS
    from jsna.ingest import ingest_file
    from jsna.workspace import Workspace

    path, rows = dirty
    frame = ActivitySource().parse(path, ReadOptions()).frames["events"]
    frame.run_in_scratch("events")
    groups = frame.to_pandas()
    groups = groups[groups["area_code"].str.match(r"^[EW]0")]  # events takes GSS codes only
    written = tmp_path / "events.csv"
    groups[list(EVENTS_COLUMNS)].to_csv(written, index=False)
    expected = expected_groups(rows)
    pence = sum(v[1] for k, v in expected.items() if k[0][:2] in ("E0", "W0"))
    records = sum(v[0] for k, v in expected.items() if k[0][:2] in ("E0", "W0"))
    with Workspace.open(tmp_path / "jsna.duckdb") as ws:
        assert ingest_file(ws, "events", written).status == "loaded"
        count, cost = ws.con.execute("SELECT sum(count), sum(cost) FROM events").fetchall()[0]
    assert count == records
    assert round(cost * 100) == pence
