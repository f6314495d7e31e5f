"""Canonical tables of the workspace: names, columns and DuckDB types.

Every canonical table carries ``source_id``, the provenance row that loaded it.
"""

from __future__ import annotations

from typing import Final

SEXES: Final = ("Male", "Female", "Persons")

#: table name -> ordered mapping of column name to DuckDB type
TABLES: Final[dict[str, dict[str, str]]] = {
    "provenance": {
        "source_id": "INTEGER",
        "kind": "VARCHAR",
        "file_name": "VARCHAR",
        "file_path": "VARCHAR",
        "sha256": "VARCHAR",
        "layout": "VARCHAR",
        "rows_read": "BIGINT",
        "rows_loaded": "BIGINT",
        "rows_quarantined": "BIGINT",
        "records": "BIGINT",
        "periods": "VARCHAR",
        "areas": "BIGINT",
        "ingested_at": "VARCHAR",
        "jsna_version": "VARCHAR",
        "status": "VARCHAR",
    },
    "population": {
        "area_code": "VARCHAR",
        "area_name": "VARCHAR",
        "period": "VARCHAR",
        "sex": "VARCHAR",
        "age_band": "VARCHAR",
        "age_from": "INTEGER",
        "age_to": "INTEGER",
        "variant": "VARCHAR",
        "count": "DOUBLE",
        "source_id": "INTEGER",
    },
    "events": {
        "area_code": "VARCHAR",
        "area_name": "VARCHAR",
        "period": "VARCHAR",
        "sex": "VARCHAR",
        "age_band": "VARCHAR",
        "age_from": "INTEGER",
        "age_to": "INTEGER",
        "measure": "VARCHAR",
        "cause": "VARCHAR",
        "count": "DOUBLE",
        "source_id": "INTEGER",
    },
    "indicator_values": {
        "indicator_id": "VARCHAR",
        "indicator_name": "VARCHAR",
        "area_code": "VARCHAR",
        "area_name": "VARCHAR",
        "area_type": "VARCHAR",
        "parent_code": "VARCHAR",
        "sex": "VARCHAR",
        "age": "VARCHAR",
        "category_type": "VARCHAR",
        "category": "VARCHAR",
        "period": "VARCHAR",
        "period_sortable": "BIGINT",
        "value": "DOUBLE",
        "lower_ci_95": "DOUBLE",
        "upper_ci_95": "DOUBLE",
        "lower_ci_99_8": "DOUBLE",
        "upper_ci_99_8": "DOUBLE",
        "count": "DOUBLE",
        "denominator": "DOUBLE",
        "value_note": "VARCHAR",
        "trend": "VARCHAR",
        "compared_to_benchmark": "VARCHAR",
        "source_id": "INTEGER",
    },
    "areas": {
        "area_code": "VARCHAR",
        "area_name": "VARCHAR",
        "area_type": "VARCHAR",
        "vintage": "VARCHAR",
        "geometry_file": "VARCHAR",
        "geometry_repaired": "BOOLEAN",
        "source_id": "INTEGER",
    },
    "lookups": {
        "child_code": "VARCHAR",
        "child_name": "VARCHAR",
        "child_type": "VARCHAR",
        "parent_code": "VARCHAR",
        "parent_name": "VARCHAR",
        "parent_type": "VARCHAR",
        "vintage": "VARCHAR",
        "source_id": "INTEGER",
    },
    "deprivation": {
        "lsoa_code": "VARCHAR",
        "lsoa_name": "VARCHAR",
        "lad_code": "VARCHAR",
        "lad_name": "VARCHAR",
        "vintage": "VARCHAR",
        "imd_rank": "INTEGER",
        "imd_decile": "INTEGER",
        "imd_score": "DOUBLE",
        "source_id": "INTEGER",
    },
    "results": {
        "indicator_id": "VARCHAR",
        "indicator_name": "VARCHAR",
        "section": "VARCHAR",
        "area_code": "VARCHAR",
        "area_name": "VARCHAR",
        "area_type": "VARCHAR",
        "parent_code": "VARCHAR",
        "sex": "VARCHAR",
        "age": "VARCHAR",
        "category_type": "VARCHAR",
        "category": "VARCHAR",
        "period": "VARCHAR",
        "period_sortable": "BIGINT",
        "value": "DOUBLE",
        "lower_ci_95": "DOUBLE",
        "upper_ci_95": "DOUBLE",
        "lower_ci_99_8": "DOUBLE",
        "upper_ci_99_8": "DOUBLE",
        "count": "DOUBLE",
        "denominator": "DOUBLE",
        "value_note": "VARCHAR",
        "unit": "VARCHAR",
        "method": "VARCHAR",
        "benchmark_code": "VARCHAR",
        "benchmark_value": "DOUBLE",
        "compared_to_benchmark": "VARCHAR",
        "compared_to_benchmark_99_8": "VARCHAR",
        "trend": "VARCHAR",
        "polarity": "VARCHAR",
        "source": "VARCHAR",
    },
    "quarantine": {
        "source_id": "INTEGER",
        "kind": "VARCHAR",
        "file_name": "VARCHAR",
        "row": "BIGINT",
        "column_name": "VARCHAR",
        "value": "VARCHAR",
        "problem": "VARCHAR",
        "raw": "VARCHAR",
    },
}

RESULT_COLUMNS: Final = tuple(TABLES["results"])

#: per table, the columns whose combinations a newer file replaces
REPLACE_KEYS: Final[dict[str, tuple[str, ...]]] = {
    "population": ("area_code", "period", "variant"),
    "events": ("area_code", "period", "measure"),
    "indicator_values": ("indicator_id", "area_code", "period"),
    "areas": ("area_code",),
    "lookups": ("child_code", "parent_type", "vintage"),
    "deprivation": ("lsoa_code", "vintage"),
}


def empty_frame(table: str):  # type: ignore[no-untyped-def]
    """An empty DataFrame with the columns (and pandas dtypes) of ``table``."""
    import pandas as pd

    dtypes = {
        "VARCHAR": "object",
        "INTEGER": "Int64",
        "BIGINT": "Int64",
        "DOUBLE": "float64",
        "BOOLEAN": "boolean",
    }
    return pd.DataFrame(
        {name: pd.Series(dtype=dtypes[t]) for name, t in TABLES[table].items()}
    )
