"""Canonical tables of the workspace: names, columns and DuckDB types.

Every canonical table carries ``source_id``, the provenance row that loaded it.
"""

from __future__ import annotations

from typing import Final

SEXES: Final = ("Male", "Female", "Persons")

#: the ways files spell sex (lower case) -> the canonical word; numbers follow ONS (1 = male)
SEX_SPELLINGS: Final = {
    "1": "Male",
    "m": "Male",
    "male": "Male",
    "males": "Male",
    "men": "Male",
    "2": "Female",
    "f": "Female",
    "female": "Female",
    "females": "Female",
    "women": "Female",
    "0": "Persons",
    "3": "Persons",
    "p": "Persons",
    "persons": "Persons",
    "person": "Persons",
    "all": "Persons",
    "all persons": "Persons",
    "total": "Persons",
    "both": "Persons",
    "people": "Persons",
    "all people": "Persons",
}

#: the cause stored for deaths from a file that does not say which cause they are from
UNSTATED_CAUSE: Final = "Cause not stated in file"

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
        "options": "VARCHAR",
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
        "cost": "DOUBLE",
        "source_id": "INTEGER",
        #: the first and last date of the records counted (record-level extracts; empty for
        #: counts a file gives already aggregated)
        "dates_from": "DATE",
        "dates_to": "DATE",
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
        "unit": "VARCHAR",
        "polarity": "VARCHAR",
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
    #: each area's boundary as WKB in WGS84 (EPSG:4326), loaded in the same transaction as its
    #: ``areas`` row (a kill can never leave an area whose map is gone)
    "geometry": {
        "area_code": "VARCHAR",
        "area_type": "VARCHAR",
        "vintage": "VARCHAR",
        "wkb": "BLOB",
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
    "phb_uptake": {
        "period": "VARCHAR",
        "region_code": "VARCHAR",
        "region_name": "VARCHAR",
        "icb_code": "VARCHAR",
        "icb_name": "VARCHAR",
        "sub_icb_code": "VARCHAR",
        "sub_icb_name": "VARCHAR",
        "phb_type": "VARCHAR",
        "people": "DOUBLE",
        "source_id": "INTEGER",
    },
    "phb_budgets": {
        "person_id": "VARCHAR",
        "area_code": "VARCHAR",
        "start_date": "DATE",
        "end_date": "DATE",
        "phb_type": "VARCHAR",
        "annual_budget": "DOUBLE",
        "conventional_cost": "DOUBLE",
        "outcome_measure": "VARCHAR",
        "score_before": "DOUBLE",
        "score_after": "DOUBLE",
        "client_group": "VARCHAR",
        "satisfied": "DOUBLE",
        "in_control": "DOUBLE",
        "source_id": "INTEGER",
    },
    "survey": {
        "survey": "VARCHAR",
        "question": "VARCHAR",
        "response": "VARCHAR",
        "percentage": "DOUBLE",
        "base": "DOUBLE",
        "area_code": "VARCHAR",
        "period": "VARCHAR",
        "source_id": "INTEGER",
    },
    "spend": {
        "area_code": "VARCHAR",
        "area_name": "VARCHAR",
        "period": "VARCHAR",
        "programme": "VARCHAR",
        "spend": "DOUBLE",
        "population": "DOUBLE",
        "outcome_indicator": "VARCHAR",
        "outcome_value": "DOUBLE",
        "outcome_polarity": "VARCHAR",
        "source_id": "INTEGER",
    },
    "prevalence": {
        "condition": "VARCHAR",
        "sex": "VARCHAR",
        "age_band": "VARCHAR",
        "age_from": "INTEGER",
        "age_to": "INTEGER",
        "prevalence": "DOUBLE",
        "lower_ci_95": "DOUBLE",
        "upper_ci_95": "DOUBLE",
        "reference": "VARCHAR",
        "source_id": "INTEGER",
    },
    "registrations": {
        "period": "VARCHAR",
        "extract_date": "DATE",
        "practice_code": "VARCHAR",
        "practice_postcode": "VARCHAR",
        "sub_icb_code": "VARCHAR",
        "sub_icb_ons_code": "VARCHAR",
        "sex": "VARCHAR",
        "age_band": "VARCHAR",
        "age_from": "INTEGER",
        "age_to": "INTEGER",
        "count": "DOUBLE",
        "source_id": "INTEGER",
    },
    "deprivation_summaries": {
        "area_code": "VARCHAR",
        "area_name": "VARCHAR",
        "area_type": "VARCHAR",
        "vintage": "VARCHAR",
        "index_domain": "VARCHAR",
        "average_rank": "DOUBLE",
        "rank_average_rank": "INTEGER",
        "average_score": "DOUBLE",
        "rank_average_score": "INTEGER",
        "proportion_bottom_decile": "DOUBLE",
        "rank_proportion_bottom_decile": "INTEGER",
        "source_id": "INTEGER",
    },
    "replacements": {
        "source_id": "INTEGER",
        "replaced_source_id": "INTEGER",
        "table_name": "VARCHAR",
        "rows": "BIGINT",
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

#: per table, its full key: every column that tells one row from another (the rest are values).
#: A newer file replaces an older file's rows only where it holds a row with the same full key,
#: so files split by sex, age, year, cause or area add up (see ``Workspace.load``). Age ranges
#: (``age_from``-``age_to``) and the dates of an extract's records (``dates_from``-``dates_to``)
#: match where they overlap.
REPLACE_KEYS: Final[dict[str, tuple[str, ...]]] = {
    "population": ("area_code", "period", "sex", "age_band", "age_from", "age_to", "variant"),
    "events": (
        "area_code",
        "period",
        "sex",
        "age_band",
        "age_from",
        "age_to",
        "measure",
        "cause",
        "dates_from",
        "dates_to",
    ),
    "indicator_values": (
        "indicator_id",
        "area_code",
        "period",
        "sex",
        "age",
        "category_type",
        "category",
    ),
    "areas": ("area_code", "area_type", "vintage"),
    "geometry": ("area_code", "area_type", "vintage"),
    "lookups": ("child_code", "child_type", "parent_type", "vintage"),
    "deprivation": ("lsoa_code", "vintage"),
    "phb_uptake": ("period", "region_code", "icb_code", "sub_icb_code", "phb_type"),
    "phb_budgets": ("area_code", "person_id", "start_date", "phb_type", "outcome_measure"),
    "survey": ("survey", "area_code", "period", "question", "response"),
    "spend": ("area_code", "period", "programme", "outcome_indicator"),
    "prevalence": ("condition", "sex", "age_band", "age_from", "age_to"),
    "registrations": ("practice_code", "period", "sex", "age_band", "age_from", "age_to"),
    "deprivation_summaries": ("area_code", "area_type", "vintage", "index_domain"),
}

#: tables that keep the workspace's books rather than data (no indicator reads them)
BOOKKEEPING_TABLES: Final = ("provenance", "results", "quarantine", "replacements")


def create_table_sql(table: str) -> str:
    """The DuckDB statement that creates ``table`` (if it does not exist) with its canonical columns."""
    columns = ", ".join(f'"{col}" {typ}' for col, typ in TABLES[table].items())
    return f'CREATE TABLE IF NOT EXISTS "{table}" ({columns})'


def empty_frame(table: str):  # type: ignore[no-untyped-def]
    """An empty DataFrame with the columns (and pandas dtypes) of ``table``."""
    import pandas as pd

    dtypes = {
        "VARCHAR": "object",
        "INTEGER": "Int64",
        "BIGINT": "Int64",
        "DOUBLE": "float64",
        "BOOLEAN": "boolean",
        "BLOB": "object",
        "DATE": "object",
    }
    return pd.DataFrame({name: pd.Series(dtype=dtypes[t]) for name, t in TABLES[table].items()})
