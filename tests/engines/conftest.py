"""One local Spark session for every test marked ``spark``: started once, stopped (its JVM
with it) when the tests of this folder are done."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest


def _java() -> bool:
    home = os.environ.get("JAVA_HOME")
    return bool(
        shutil.which("java") or (home and os.path.exists(os.path.join(home, "bin", "java")))
    )


@pytest.fixture(scope="package")
def spark() -> Iterator[Any]:
    """``local[1]``, one shuffle partition, loopback only, no web UI; skipped without pyspark or
    Java."""
    pytest.importorskip("pyspark")
    if not _java():
        pytest.skip("Spark needs Java 17 or later (no java on PATH or JAVA_HOME)")
    from jsna.engines.session import session

    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    spark = session(master="local[1]")
    spark.conf.set("spark.sql.shuffle.partitions", "1")
    spark.sparkContext.setLogLevel("ERROR")
    yield spark
    spark.stop()
