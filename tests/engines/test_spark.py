"""The aggregation on a local Spark session gives exactly DuckDB's groups and bad records."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from jsna.engines.sql import SPARK_FUNCTIONS
from jsna.ingest.activity import ActivityAggregate, ActivitySource
from jsna.options import ReadOptions
from tests.engines.extracts import dirty_records, expected_groups, write_csv

# one JVM: every Spark test runs on the same xdist worker
pytestmark = [pytest.mark.spark, pytest.mark.xdist_group("spark")]

KEYS = ["area_code", "period", "sex", "age_band", "measure"]


def _run(path: Path, **options: Any) -> tuple[pd.DataFrame, ActivityAggregate]:
    frame = ActivitySource().parse(path, ReadOptions(**options)).frames["events"]
    frame.run_in_scratch("events")
    got = frame.to_pandas().sort_values(KEYS, ignore_index=True)
    return got, frame


def _problems(frame: ActivityAggregate, key_of: dict[int, str]) -> list[tuple[str, str, str]]:
    """(record key, check, value) of each problem; ``key_of`` numbers DuckDB's rows."""
    out = []
    for issue in frame.issues:
        if issue.severity != "error":
            continue
        key = frame.invalid_keys[issue.row] if frame.spark is not None else key_of[issue.row]
        out.append((key, issue.code, None if issue.value is None else str(issue.value)))
    return sorted(out)


@pytest.fixture(scope="module")
def dirty(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, str]]]:
    rows = dirty_records(2000, seed=7)
    return write_csv(tmp_path_factory.mktemp("spark") / "dirty.csv", rows), rows


def test_the_built_ins_the_sql_may_call_are_in_this_spark(spark: Any) -> None:
    names = {r[0].upper() for r in spark.sql("SHOW FUNCTIONS").collect()}
    assert SPARK_FUNCTIONS - {"CAST", "TRY_CAST"} <= names  # the casts are syntax, not listed


def test_a_dirty_csv_gives_duckdbs_groups_and_bad_records(
    spark: Any, dirty: tuple[Path, list[dict[str, str]]]
) -> None:
    path, rows = dirty
    on_duckdb, duck = _run(path)
    on_spark, sparked = _run(path, engine="spark")
    pd.testing.assert_frame_equal(on_spark, on_duckdb, check_exact=True, check_dtype=False)
    # the compared columns include the extract's first and last dates of each financial year
    assert {"dates_from", "dates_to"} <= set(on_spark.columns)
    assert on_spark[["dates_from", "dates_to"]].notna().all().all()
    assert sparked.rows_read == duck.rows_read == len(rows)
    # and both are right: the groups worked out in plain Python from the file's text
    expected = expected_groups(rows)
    assert len(on_spark) == len(expected)
    assert int(on_spark["count"].sum()) == sum(v[0] for v in expected.values())
    assert round(on_spark["cost"].sum() * 100) == sum(v[1] for v in expected.values())
    key_of = {i + 2: r["record_id"] for i, r in enumerate(rows)}
    assert _problems(sparked, key_of) == _problems(duck, key_of)
    assert {k for k, _, _ in _problems(sparked, key_of)} == {
        r["record_id"] for r in rows if r["fault"]
    }
    first = next(i for i in sparked.issues if i.severity == "error")
    assert "(record record_id R" in first.message


def test_a_typed_parquet_file_of_50k_records_gives_duckdbs_groups(
    spark: Any, tmp_path: Path
) -> None:
    rng = random.Random(50)
    n = 50_000
    frame = pd.DataFrame(
        {
            "EPIKEY": range(n),
            "STARTAGE": pd.array(
                [rng.choice([*range(0, 110), None, -3]) for _ in range(n)], "Int32"
            ),
            "SEX": [rng.choice(["1", "2", "9"]) for _ in range(n)],
            "LSOA21CD": [f"E0100{rng.randint(0, 400):04d}" for _ in range(n)],
            "ADMIDATE": pd.to_datetime("2018-01-01")
            + pd.to_timedelta([rng.randint(0, 2500) for _ in range(n)], unit="D"),
            "POD": [rng.choice(["EL", "NEL", "DC"]) for _ in range(n)],
            "COST": [round(rng.uniform(-1, 9000), 2) for _ in range(n)],
        }
    )
    frame["ADMIDATE"] = frame["ADMIDATE"].dt.date
    path = tmp_path / "apc.parquet"
    frame.to_parquet(path, index=False)
    on_duckdb, duck = _run(path, column_map={"POD": "point_of_delivery"})
    on_spark, sparked = _run(path, engine="spark", column_map={"POD": "point_of_delivery"})
    pd.testing.assert_frame_equal(on_spark, on_duckdb, check_exact=True, check_dtype=False)
    assert sparked.rows_read == duck.rows_read == n
    key_of = {i + 1: str(k) for i, k in enumerate(frame["EPIKEY"])}
    assert _problems(sparked, key_of) == _problems(duck, key_of)
    # counted independently: the valid records
    valid = (
        frame["STARTAGE"].between(0, 120).fillna(False)
        & frame["SEX"].isin(["1", "2"])
        & (frame["COST"] >= 0)
    )
    assert int(on_spark["count"].sum()) == int(valid.sum())


def test_aggregate_returns_the_events_of_a_dataframe(
    spark: Any, dirty: tuple[Path, list[dict[str, str]]]
) -> None:
    from jsna.engines.spark import EVENTS_COLUMNS, aggregate, invalid_records

    rows = dirty[1]
    records = spark.createDataFrame(pd.DataFrame(rows).rename(columns={"admission_date": "ADMI"}))
    events = aggregate(spark, records, {"ADMI": "date"})
    assert tuple(events.columns) == EVENTS_COLUMNS
    got = events.toPandas()
    expected = expected_groups(rows)
    assert len(got) == len(expected)
    for r in got.itertuples():
        records_, pence = expected[(r.area_code, r.period, r.sex, r.age_band, r.measure)]
        assert r.count == records_
        assert round((0 if pd.isna(r.cost) else r.cost) * 100) == pence
    problems = invalid_records(spark, records, {"ADMI": "date"})
    assert {p["record"] for p in problems} == {r["record_id"] for r in rows if r["fault"]}


def test_the_command_line_loads_the_spark_aggregate_as_duckdb_does(
    spark: Any, dirty: tuple[Path, list[dict[str, str]]], tmp_path: Path
) -> None:
    import duckdb
    from typer.testing import CliRunner

    from jsna.cli import app

    path = dirty[0]
    runner = CliRunner()
    outcomes, events, quarantined = [], [], []
    for engine in ("duckdb", "spark"):
        project = tmp_path / engine
        assert runner.invoke(app, ["init", str(project)]).exit_code == 0
        args = ["ingest", "activity", str(path), "--project", str(project), "--engine", engine]
        refused = runner.invoke(app, args)
        assert refused.exit_code == 1, refused.output
        loaded = runner.invoke(app, [*args, "--skip-invalid-rows", "--json"])
        assert loaded.exit_code == 0, loaded.output
        outcome = json.loads(loaded.stdout)["files"][0]
        outcomes.append(
            {
                k: outcome[k]
                for k in (
                    "rows_read",
                    "rows_loaded",
                    "rows_quarantined",
                    "records",
                    "periods",
                    "areas",
                )
            }
        )
        with duckdb.connect(str(project / "jsna.duckdb"), read_only=True) as con:
            events.append(
                con.execute(
                    f"SELECT {', '.join(KEYS)}, count, cost FROM events ORDER BY ALL"
                ).fetchall()
            )
            quarantined.append(
                con.execute("SELECT count(DISTINCT row), count(*) FROM quarantine").fetchall()
            )
    assert outcomes[0] == outcomes[1]
    assert events[0] == events[1]
    assert quarantined[0] == quarantined[1]
