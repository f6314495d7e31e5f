"""Aggregate a HES admitted-patient-care table on Databricks (or any cluster) with jsna.

Run as a Databricks job with a "Python script" task (this file, uploaded to the workspace) or a
"Python wheel" task (package ``jsna``, entry point ``jsna-spark-job``, the same parameters), or
on a plain cluster with

    spark-submit --py-files jsna-*.whl examples/spark/databricks_job.py \\
        hes.apc_2024 /Volumes/phm/jsna/events_2024

The cluster's own pyspark is used; install the wheel with ``pip install jsna sqlglot`` on the
cluster (or as a job library). The events land as one CSV file in the output folder; copy it (they
is small: one row per area × year × sex × age band × point of delivery) to where the JSNA is
made and load it with ``jsna ingest events``. See docs/scale.md.
"""

from __future__ import annotations

import sys

from jsna.engines.spark import aggregate, invalid_records, session

#: HES APC's names for the columns jsna needs (the usual names are found without a map)
HES_APC = {
    "EPIKEY": "record_id",
    "STARTAGE": "age",
    "SEX": "sex",
    "LSOA11": "lsoa_code",
    "ADMIDATE": "date",
    "ADMIMETH_GROUP": "point_of_delivery",
}


def main(table: str, output: str) -> None:
    spark = session()  # on Databricks: the cluster's session
    records = spark.table(table)
    events = aggregate(spark, records, HES_APC)
    # one small CSV file, as `jsna ingest events` reads it (Parquet or Delta for other readers)
    events.coalesce(1).write.mode("overwrite").option("header", "true").csv(output)
    problems = invalid_records(spark, records, HES_APC)
    print(f"{len(problems)} problems in invalid records; first: {problems[:5]}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
