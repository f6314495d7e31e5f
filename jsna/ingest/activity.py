"""Record-level service-use extracts (one row per admission, attendance or contact), aggregated in DuckDB.

The file (CSV or Parquet) is never loaded into pandas: DuckDB reads it out of core, checks
every record in SQL and aggregates the valid ones to ``events`` rows by area × financial year
× sex × five-year age band (0-4 … 85-89, 90+) × point of delivery, with the number of records
and their summed cost. Invalid records are listed with their row number (the header is row 1
of a CSV; Parquet records are numbered from 1) and can be quarantined with
``--skip-invalid-rows``: then the aggregate holds exactly the valid records.

Columns (any of the usual names, or ``--map``): age (whole years), sex (1/2, M/F, Male/Female),
area (an LSOA/MSOA GSS code, or a postcode district such as ``M33``), date of the admission or
attendance (ISO ``2024-01-31`` or ``31/01/2024``), point of delivery (or ``--measure`` for a
file of one kind of activity), and optionally cost (£).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jsna.errors import UnreadableFileError
from jsna.ingest.base import Columns, DeferredFrame, Parsed, ReadOptions, Source
from jsna.ingest.issues import WARNING, ValidationIssue, ValidationReport
from jsna.ingest.readers import TableText, normalise_name

if TYPE_CHECKING:
    import duckdb

AGE = ("age", "age_years", "age_at_activity", "age_on_admission", "startage", "age_at_start")
SEX = ("sex", "gender", "sex_code")
AREA = ("lsoa_code", "lsoa", "lsoa21cd", "lsoa11cd", "lsoa_of_residence", "area_code", "postcode_district",
        "postcode_sector", "msoa_code", "msoa21cd")
DATE = ("date", "activity_date", "admission_date", "admidate", "attendance_date", "arrival_date",
        "contact_date", "event_date", "appointment_date")
POD = ("point_of_delivery", "pod", "activity_type", "setting", "measure")
COST = ("cost", "cost_gbp", "tariff", "price", "actual_cost")

#: DuckDB's working memory for the aggregation; beyond it DuckDB spills to a temporary folder
MEMORY_LIMIT = "1GB"

_GSS = r"^[EW]0[0-3][0-9]{6}$"
_DISTRICT = r"^[A-Z]{1,2}[0-9][A-Z0-9]?$"
_SEX_SQL = ("CASE lower(trim({c})) WHEN '1' THEN 'Male' WHEN 'm' THEN 'Male' WHEN 'male' THEN 'Male' "
            "WHEN '2' THEN 'Female' WHEN 'f' THEN 'Female' WHEN 'female' THEN 'Female' END")


class ActivitySource(Source):
    kind = "activity"
    title = "Record-level service use (one row per admission/attendance), aggregated in DuckDB to events"
    tables = ("events",)
    expected_columns = ("age, sex, lsoa_code (or postcode_district), date, point_of_delivery, optional cost; "
                        "one row per admission/attendance (CSV or Parquet)")
    suffixes = (".csv", ".parquet", ".txt")

    def detect(self, columns: list[str]) -> str | None:
        norm = {normalise_name(c) for c in columns}
        groups = (AGE, SEX, AREA, DATE)
        if all(norm & set(g) for g in groups) and norm & set(POD) - {"measure"}:
            return "record-level"
        return None

    def parse(self, path: Path, options: ReadOptions) -> Parsed:
        import duckdb

        path = Path(path)
        if path.stat().st_size == 0:
            raise UnreadableFileError(f"{path.name}: the file is empty (0 bytes)")
        folder = tempfile.TemporaryDirectory(prefix="jsna-activity-")
        con = duckdb.connect()
        for setting in ("SET enable_progress_bar = false", "SET preserve_insertion_order = false",
                        f"SET temp_directory = '{folder.name}'", f"SET memory_limit = '{MEMORY_LIMIT}'"):
            con.execute(setting).fetchall()
        try:
            return _aggregate(con, path, options, self.kind, Path(folder.name), folder)
        finally:
            con.close()


def _source_sql(path: Path, options: ReadOptions) -> tuple[str, int]:
    """(SQL table expression reading the file as text, file row of record 1)."""
    quoted = str(path).replace("'", "''")
    if path.suffix.lower() == ".parquet":
        return f"read_parquet('{quoted}')", 1
    encoding = (options.encoding or "utf-8").lower().replace("_", "-")
    enc = "" if encoding in {"utf-8", "utf8", "utf-8-sig"} else f", encoding='{encoding}'"
    skip = f", skip={options.skip_rows}" if options.skip_rows else ""
    return (f"read_csv('{quoted}', header=true, all_varchar=true, auto_detect=true{enc}{skip})",
            2 + (options.skip_rows or 0))


def _aggregate(con: duckdb.DuckDBPyConnection, path: Path, options: ReadOptions, kind: str, folder: Path,
               keep_alive: Any) -> Parsed:
    import duckdb
    import pandas as pd

    source, first_row = _source_sql(path, options)
    try:
        described = con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
        names = [r[0] for r in described]
    except duckdb.Error as exc:
        raise UnreadableFileError(f"{path.name}: cannot read as a record-level extract: {exc}") from exc
    table = TableText(frame=pd.DataFrame(columns=names), path=path, encoding="duckdb", header_line=first_row - 1)
    cols = Columns(table, options.column_map)
    q = {k: f'"{v}"' for k, v in {
        "age": cols.require("age", *AGE), "sex": cols.require("sex", *SEX),
        "area": cols.require("area (LSOA code or postcode district)", *AREA),
        "date": cols.require("activity date", *DATE),
    }.items()}
    pod_col = None if options.measure else cols.require("point of delivery (or pass --measure)", *POD)
    cost_col = cols.find(*COST)
    types = {r[0]: str(r[1]).upper() for r in described}
    text = "trim(CAST({} AS VARCHAR))"
    pod = f"nullif({text.format(chr(34) + pod_col + chr(34))}, '')" if pod_col else "'" + options.measure.replace(
        "'", "''") + "'"  # type: ignore[union-attr]
    cost, cost_bad = _cost_sql(cost_col, types.get(cost_col or "", ""), text)
    date_text = text.format(q["date"])
    parsed = f"""
        SELECT
            {_age_sql(q['age'], types.get(q['age'].strip('"'), ''), text)} AS age,
            {_SEX_SQL.format(c=text.format(q['sex']))} AS sex,
            upper(replace({text.format(q['area'])}, ' ', '')) AS area,
            {_date_sql(q['date'], types.get(q['date'].strip('"'), ''), date_text)} AS day,
            {pod} AS pod,
            {cost} AS cost,
            {cost_bad} AS cost_bad
        FROM {source}"""
    checks = {
        "age": ("age IS NULL OR age < 0 OR age > 120", "age must be a whole number of years from 0 to 120"),
        "sex": ("sex IS NULL", "sex must be 1/2, M/F or Male/Female"),
        "area": (f"area IS NULL OR NOT (regexp_full_match(area, '{_GSS}') OR regexp_full_match(area, '{_DISTRICT}'))",
                 "area must be an LSOA/MSOA GSS code (E01…, E02…) or a postcode district (M33)"),
        "date": ("day IS NULL", "date must look like 2024-01-31 or 31/01/2024"),
        "pod": ("pod IS NULL", "point of delivery must not be blank"),
        "cost": ("cost_bad", "cost must be a number >= 0 (or blank)"),
    }
    band_from = "least(floor(age / 5) * 5, 90)::INTEGER"
    fy_start = "(year(day) - CASE WHEN month(day) < 4 THEN 1 ELSE 0 END)"
    # one pass: valid records grouped by their keys, invalid ones counted in a single group
    # every record is checked, but the area check (a regular expression) runs once per group:
    # the area is a group key, so a group's records share one area
    record_checks = " OR ".join(f"({cond})" for name, (cond, _) in checks.items() if name != "area")
    area_ok = f"NOT coalesce({checks['area'][0]}, true)"
    aggregate = f"""
        SELECT ok_record AND {area_ok} AS ok, area AS area_code,
               fy::VARCHAR || '/' || lpad(((fy + 1) % 100)::VARCHAR, 2, '0') AS period, sex, age_from,
               CASE WHEN age_from >= 90 THEN NULL ELSE age_from + 4 END AS age_to,
               CASE WHEN age_from >= 90 THEN '90+' ELSE age_from::VARCHAR || '-' || (age_from + 4)::VARCHAR
               END AS age_band, pod AS measure, count, cost
        FROM (
            SELECT NOT coalesce({record_checks}, true) AS ok_record, area, {fy_start} AS fy, sex,
                   {band_from} AS age_from, pod, count(*)::DOUBLE AS count, sum(cost) AS cost
            FROM ({parsed})
            GROUP BY ALL)"""
    aggregate_file = folder / "aggregate.parquet"
    try:
        con.execute(f"COPY ({aggregate}) TO '{aggregate_file}' (FORMAT parquet)").fetchall()
    except duckdb.Error as exc:
        raise UnreadableFileError(f"{path.name}: cannot read as a record-level extract: {exc}") from exc
    agg = f"read_parquet('{aggregate_file}')"
    total, loaded, groups = con.execute(
        f"SELECT coalesce(sum(count), 0), coalesce(sum(count) FILTER (WHERE ok), 0), count(*) FILTER (WHERE ok) "
        f"FROM {agg}").fetchall()[0]
    issues: list[ValidationIssue] = []
    raw_rows: dict[int, str] = {}
    if loaded < total:
        _list_invalid(con, parsed, source, checks, names, q, first_row, table, issues, raw_rows)
    codes = con.execute(f"SELECT DISTINCT area_code, period FROM {agg} WHERE ok ORDER BY 1, 2").df()
    periods = sorted(codes["period"].dropna().astype(str).unique())
    districts = codes.drop_duplicates("area_code")["area_code"].str.fullmatch(_DISTRICT.strip("^$"))
    if bool(districts.any()):
        issues.append(ValidationIssue(
            code="postcode-districts", severity=WARNING, file=path.name, column=q["area"].strip('"'),
            message=f"{int(districts.sum())} areas are postcode districts, not GSS areas: their rows cannot "
                    "be joined to population until mapped to LSOAs"))
    report = ValidationReport(file=path.name, kind=kind, rows_read=int(total), issues=issues)
    frame = DeferredFrame(path=aggregate_file, rows=int(groups), periods=periods, codes=codes, folder=keep_alive,
                          where="ok")
    return Parsed(frames={"events": frame}, report=report, layout="record-level",
                  extra={"raw_rows": raw_rows, "records_aggregated": int(loaded)})


_NUMERIC = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT",
            "FLOAT", "DOUBLE", "REAL", "HUGEINT"}


def _cost_sql(column: str | None, dtype: str, text: str) -> tuple[str, str]:
    """(cost in £, whether it is bad): typed numbers as they are; text may carry '£' and ','."""
    if column is None:
        return "NULL::DOUBLE", "false"
    quoted = f'"{column}"'
    if dtype in _NUMERIC or dtype.startswith("DECIMAL"):
        value = f"CAST({quoted} AS DOUBLE)"
        return value, f"coalesce({value} < 0, false)"
    raw = text.format(quoted)
    value = f"TRY_CAST(replace(replace({raw}, ',', ''), '£', '') AS DOUBLE)"
    return value, f"coalesce(({raw} <> '' AND {value} IS NULL) OR {value} < 0, false)"


def _age_sql(column: str, dtype: str, text: str) -> str:
    """Whole years of age: typed integers are used as they are; text is cast, NULL when not a number."""
    if dtype in _NUMERIC - {"FLOAT", "DOUBLE", "REAL"}:
        return f"CAST({column} AS INTEGER)"
    return f"TRY_CAST({text.format(column)} AS INTEGER)"


def _date_sql(column: str, dtype: str, date_text: str) -> str:
    """The activity date: typed dates as they are; text as ISO or dd/mm/yyyy."""
    if dtype == "DATE":
        return column
    if dtype.startswith("TIMESTAMP"):
        return f"CAST({column} AS DATE)"
    return f"coalesce(TRY_CAST({date_text} AS DATE), TRY_CAST(try_strptime({date_text}, '%d/%m/%Y') AS DATE))"


def _list_invalid(con: Any, parsed: str, source: str, checks: dict[str, tuple[str, str]], names: list[str],
                  q: dict[str, str], first_row: int, table: TableText, issues: list[ValidationIssue],
                  raw_rows: dict[int, str]) -> None:
    """One issue per failed check per invalid record, numbered as the file numbers its rows."""
    flags = ", ".join(f"coalesce(({cond}), true) AS bad_{name}" for name, (cond, _) in checks.items())
    raw_list = " || ',' || ".join(f"coalesce(CAST(\"{n}\" AS VARCHAR), '')" for n in names)
    numbered = f"(SELECT row_number() OVER () AS rn, * FROM {source})"
    extra = f"rn, {raw_list} AS raw, " + ", ".join(f"{q[k]} AS src_{k}" for k in q) + ","
    select_parsed = parsed.replace(f"FROM {source}", f"FROM {numbered}").replace("SELECT", "SELECT " + extra, 1)
    where = "coalesce(" + " OR ".join(f"({cond})" for cond, _ in checks.values()) + ", true)"
    flag_sql = (f"SELECT rn, raw, {', '.join('src_' + k for k in q)}, {flags} "
                f"FROM ({select_parsed}) WHERE {where} ORDER BY rn")
    result = con.execute(flag_sql).fetchall()
    check_names = list(checks)
    for record in result:
        rn, raw = int(record[0]), record[1]
        sources = dict(zip(list(q), record[2:2 + len(q)], strict=True))
        row = rn + first_row - 1
        raw_rows[row] = raw
        for name, bad in zip(check_names, record[2 + len(q):], strict=True):
            if bad:
                column = q.get(name, name).strip('"') if name in q else name
                issues.append(ValidationIssue(code=f"bad-{name}", file=table.label, row=row, column=column,
                                              value=sources.get(name), message=checks[name][1]))
