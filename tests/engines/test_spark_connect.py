"""Smoke test of Spark Connect: the aggregation over ``sc://`` gives DuckDB's groups.

Runs only against a Spark Connect server named by ``SPARK_REMOTE`` (``sc://127.0.0.1:15002``,
with ``/;token=…`` for a server that asks for one), with pyspark's connect dependencies (grpcio)
installed; skipped otherwise. It does not start a
server itself: a second JVM would cost CI more than a minute (about 90 seconds to start on the
development machine), so it runs where a server is already up.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from jsna.ingest.activity import ActivitySource
from jsna.options import ReadOptions
from tests.engines.extracts import dirty_records, write_csv

pytestmark = pytest.mark.spark_connect

KEYS = ["area_code", "period", "sex", "age_band", "measure"]


def test_the_aggregation_over_spark_connect_gives_duckdbs_groups(tmp_path: Path) -> None:
    remote = os.environ.get("SPARK_REMOTE", "")
    if not remote.startswith("sc://"):
        pytest.skip("no Spark Connect server: set SPARK_REMOTE=sc://HOST:PORT")
    pytest.importorskip("grpc", reason="Spark Connect needs pyspark[connect] (grpcio)")
    path = write_csv(tmp_path / "dirty.csv", dirty_records(500, seed=3))
    frames = []
    for options in (ReadOptions(), ReadOptions(engine="spark", spark_remote=remote)):
        frame = ActivitySource().parse(path, options).frames["events"]
        frame.run_in_scratch("events")
        frames.append(frame.to_pandas().sort_values(KEYS, ignore_index=True))
    pd.testing.assert_frame_equal(frames[1], frames[0], check_exact=True, check_dtype=False)
