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

from pathlib import Path
from typing import TYPE_CHECKING, Any

from jsna.errors import UnreadableFileError
from jsna.ingest.base import Columns, Parsed, ReadOptions, Source
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
        con = duckdb.connect()
        con.execute("SET enable_progress_bar = false").fetchall()
        try:
            return _aggregate(con, path, options, self.kind)
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


def _aggregate(con: duckdb.DuckDBPyConnection, path: Path, options: ReadOptions, kind: str) -> Parsed:
    import duckdb
    import pandas as pd

    source, first_row = _source_sql(path, options)
    try:
        names = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()]
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
    text = "trim(CAST({} AS VARCHAR))"
    pod = f"nullif({text.format(chr(34) + pod_col + chr(34))}, '')" if pod_col else "'" + options.measure.replace(
        "'", "''") + "'"  # type: ignore[union-attr]
    cost = (f"TRY_CAST(replace(replace({text.format(chr(34) + cost_col + chr(34))}, ',', ''), '£', '') AS DOUBLE)"
            if cost_col else "NULL::DOUBLE")
    cost_text = text.format(chr(34) + cost_col + chr(34)) if cost_col else "''"
    cost_bad = (f"coalesce(({cost_text} <> '' AND {cost} IS NULL) OR {cost} < 0, false)" if cost_col else "false")
    date_text = text.format(q["date"])
    parsed = f"""
        SELECT
            TRY_CAST({text.format(q['age'])} AS INTEGER) AS age,
            {_SEX_SQL.format(c=text.format(q['sex']))} AS sex,
            upper(replace({text.format(q['area'])}, ' ', '')) AS area,
            coalesce(TRY_CAST({date_text} AS DATE), TRY_CAST(try_strptime({date_text}, '%d/%m/%Y') AS DATE)) AS day,
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
    # every check is written to be true or false, never NULL, so no record can fall between
    # "valid" and "invalid"; coalesce guards the sum of them all the same
    invalid = "coalesce(" + " OR ".join(f"({cond})" for cond, _ in checks.values()) + ", true)"
    band_from = "least(floor(age / 5) * 5, 90)::INTEGER"
    fy_start = "(year(day) - CASE WHEN month(day) < 4 THEN 1 ELSE 0 END)"
    # one pass: valid records grouped by their keys, invalid ones counted in a single group
    aggregate = f"""
        SELECT ok, area_code, CASE WHEN ok THEN fy::VARCHAR || '/' || lpad(((fy + 1) % 100)::VARCHAR, 2, '0')
               END AS period, sex, age_from,
               CASE WHEN age_from >= 90 THEN NULL ELSE age_from + 4 END AS age_to,
               CASE WHEN age_from >= 90 THEN '90+' ELSE age_from::VARCHAR || '-' || (age_from + 4)::VARCHAR
               END AS age_band, measure, count, cost
        FROM (
            SELECT ok, CASE WHEN ok THEN area END AS area_code, CASE WHEN ok THEN {fy_start} END AS fy,
                   CASE WHEN ok THEN sex END AS sex, CASE WHEN ok THEN {band_from} END AS age_from,
                   CASE WHEN ok THEN pod END AS measure,
                   count(*)::DOUBLE AS count, sum(CASE WHEN ok THEN cost END) AS cost
            FROM (SELECT *, NOT {invalid} AS ok FROM ({parsed}))
            GROUP BY ALL)
        ORDER BY area_code, period, measure, sex, age_from"""
    try:
        grouped = con.execute(aggregate).df()
    except duckdb.Error as exc:
        raise UnreadableFileError(f"{path.name}: cannot read as a record-level extract: {exc}") from exc
    total = int(grouped["count"].sum()) if len(grouped) else 0
    frame = grouped[grouped["ok"].astype(bool)].drop(columns=["ok"]).reset_index(drop=True)
    loaded = int(frame["count"].sum()) if len(frame) else 0
    issues: list[ValidationIssue] = []
    raw_rows: dict[int, str] = {}
    if loaded < total:
        _list_invalid(con, parsed, source, checks, names, q, first_row, table, issues, raw_rows)
    frame["area_name"] = None
    frame["cause"] = "All causes"
    frame["_row"] = -1  # aggregates: the invalid records are already left out
    frame = frame.astype({"age_from": "Int64", "age_to": "Int64"})
    districts = frame["area_code"].str.fullmatch(_DISTRICT.strip("^$"))
    if bool(districts.any()):
        issues.append(ValidationIssue(
            code="postcode-districts", severity=WARNING, file=path.name, column=q["area"].strip('"'),
            message=f"{int(districts.sum())} aggregate rows are by postcode district, not a GSS area: they cannot "
                    "be joined to population until mapped to LSOAs"))
    report = ValidationReport(file=path.name, kind=kind, rows_read=int(total), issues=issues)
    return Parsed(frames={"events": frame}, report=report, layout="record-level",
                  extra={"raw_rows": raw_rows, "records_aggregated": loaded})


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
