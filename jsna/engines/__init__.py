"""Engines other than DuckDB that can run jsna's record-level aggregation.

- :mod:`jsna.engines.sql`: the DuckDB SQL of :mod:`jsna.ingest.activity` as Spark SQL (SQLGlot and
  a short list of tested rewrites), checked to call only Spark built-ins.
- :mod:`jsna.engines.session`: a Spark session (local, or Spark Connect) and reading an extract.
- :mod:`jsna.engines.spark`: :func:`~jsna.engines.spark.aggregate` for notebooks and jobs.

Nothing here is imported by ``jsna`` unless ``--engine spark`` is asked for; pyspark and sqlglot
come with the ``spark`` extra (``pip install 'jsna[spark]'``), and a cluster provides its own
pyspark.
"""
