"""A Palantir Foundry (NHS Federated Data Platform) transform: records in, jsna events out.

Add ``jsna`` and ``sqlglot`` to the repository's conda/pip requirements (Foundry provides
pyspark), point the input and output at your datasets, and build. Export the output dataset as
CSV and load it where the JSNA is made with ``jsna ingest events``. See
docs/scale.md.
"""

from __future__ import annotations

from transforms.api import Input, Output, transform_df  # provided by Foundry

from jsna.engines.spark import aggregate

#: the dataset's column names -> jsna's (the usual names are found without a map)
COLUMNS = {"ecds_ident": "record_id", "age_at_arrival": "age", "arrival_date": "date"}


@transform_df(
    Output("/NHS/PHM/jsna/ecds_events"),
    records=Input("/NHS/PHM/ecds/attendances"),
)
def compute(ctx, records):  # type: ignore[no-untyped-def]
    """One row per LSOA × financial year × sex × age band, A&E attendances and their cost."""
    return aggregate(ctx.spark_session, records, COLUMNS, measure="A&E attendances")
