"""The activity aggregation as a Spark DataFrame: for notebooks, Databricks jobs and Foundry.

>>> from jsna.engines.spark import aggregate
>>> events = aggregate(spark, "hes.apc_2024", {"EPIKEY": "record_id", "STARTAGE": "age"})
>>> events.coalesce(1).write.option("header", "true").csv("/Volumes/phm/jsna/events_2024")

:func:`aggregate` runs the same SQL as ``jsna ingest activity`` (the definition in
:mod:`jsna.ingest.activity`, translated by :mod:`jsna.engines.sql`), so its groups are exactly
those DuckDB makes. :func:`invalid_records` lists the records it leaves out, by the extract's
record key. See ``docs/scale.md``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jsna.engines.session import read_extract, session
from jsna.engines.sql import to_spark
from jsna.ingest.activity import ActivityAggregate, spark_aggregate
from jsna.options import ReadOptions

__all__ = ["EVENTS_COLUMNS", "aggregate", "invalid_records", "read_extract", "session"]

#: the columns of :func:`aggregate`'s DataFrame, as the workspace's ``events`` table names them
EVENTS_COLUMNS = (
    "area_code",
    "period",
    "sex",
    "age_band",
    "age_from",
    "age_to",
    "measure",
    "count",
    "cost",
)


def aggregate(
    spark: Any,
    records: Any,
    column_map: dict[str, str] | None = None,
    *,
    measure: str | None = None,
) -> Any:
    """One row per area × financial year × sex × age band × point of delivery, valid records only.

    ``records`` is a Spark DataFrame, or the name of a table or view. ``column_map`` maps the
    extract's column names to jsna's (``{"STARTAGE": "age", "ADMIDATE": "date"}``) where the
    usual names are not found; ``measure`` names the activity of an extract without a point of
    delivery column. Returns a Spark DataFrame of :data:`EVENTS_COLUMNS`; nothing runs until it
    is written or collected.
    """
    definition = _definition(spark, records, column_map, measure)
    groups = spark.sql(to_spark(definition._aggregate_sql(1)))
    return groups.filter("source_id = 1").select(*EVENTS_COLUMNS)


def invalid_records(
    spark: Any,
    records: Any,
    column_map: dict[str, str] | None = None,
    *,
    measure: str | None = None,
) -> list[dict[str, Any]]:
    """The problems of the invalid records (left out by :func:`aggregate`), one per failed check:
    ``code``, ``record`` (the extract's record key, else the record's text), ``column``, ``value``
    and ``message``, in record order. Collected to the driver: there should be few."""
    definition = _definition(spark, records, column_map, measure)
    definition._list_invalid(None)
    return [
        {
            "code": issue.code,
            "record": _record_of(definition, issue.row),
            "column": issue.column,
            "value": issue.value,
            "message": issue.message,
        }
        for issue in definition.issues
    ]


def _definition(
    spark: Any, records: Any, column_map: dict[str, str] | None, measure: str | None
) -> ActivityAggregate:
    frame = spark.table(records) if isinstance(records, str) else records
    label = records if isinstance(records, str) else "records"
    options = ReadOptions(column_map=dict(column_map or {}), measure=measure, engine="spark")
    return spark_aggregate(spark, frame, Path(label), options)


def _record_of(definition: ActivityAggregate, row: int | None) -> str | None:
    """The record key (or text) of the ``row``-th invalid record."""
    if row is None:
        return None
    return definition.invalid_keys.get(row)


def job(argv: list[str] | None = None) -> int:
    """A Spark job (``spark-submit``, a Databricks wheel task): aggregate an extract and write the
    events. ``jsna-spark-job --input s3a://…/apc/ --output s3a://…/events --map STARTAGE=age``.

    Prints the number of groups and of invalid records' problems; the events are written as one
    CSV file for ``jsna ingest events`` to load anywhere (or as Parquet or Delta).
    """
    import argparse

    from jsna.options import parse_column_map

    parser = argparse.ArgumentParser(prog="jsna-spark-job", description=job.__doc__)
    parser.add_argument("--input", required=True, help="extract: a table name, file or folder")
    parser.add_argument("--output", required=True, help="folder (or table name) for the events")
    parser.add_argument(
        "--format",
        choices=("csv", "parquet", "delta"),
        default="csv",
        help="csv (one file, for jsna ingest events; the default), parquet or delta",
    )
    parser.add_argument("--map", action="append", default=[], metavar="SOURCE=CANONICAL")
    parser.add_argument("--measure", help="point of delivery for an extract of one kind")
    parser.add_argument("--table", action="store_true", help="--input and --output are tables")
    args = parser.parse_args(argv)
    spark = session()
    records = spark.table(args.input) if args.table else read_extract(spark, args.input)
    column_map = parse_column_map(args.map)
    events = aggregate(spark, records, column_map, measure=args.measure)
    if args.format == "csv":
        events = events.coalesce(1)  # one small file, as `jsna ingest events` takes it
    writer = events.write.mode("overwrite").format(args.format)
    if args.format == "csv":
        writer = writer.option("header", "true")
    if args.table:
        writer.saveAsTable(args.output)
    else:
        writer.save(args.output)
    problems = invalid_records(spark, records, column_map, measure=args.measure)
    print(f"jsna: {events.count()} groups written to {args.output}; {len(problems)} problems")
    for problem in problems[:20]:
        print(
            f"  {problem['record']}: {problem['column']} {problem['value']!r}: {problem['message']}"
        )
    return 0
