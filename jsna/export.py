"""Exporting the results table: Fingertips-order CSV, JSON, Parquet and an Excel workbook.

The CSV has the 27 columns of a Fingertips "all data" download, in that order, so tools
written for Fingertips files (and ``jsna ingest fingertips``) read it unchanged. JSON and
Parquet keep jsna's own results schema (snake_case, with section, unit and polarity).
The workbook has a contents sheet and one sheet per minimum-dataset section.

Every export also carries the analyses of report sections 7-10 that ``jsna compute`` stored
(``analysis_*`` tables, ``analysis_facts`` and ``analysis_settings``; see
``docs/workspace-tables.md``), so every table and chart of those sections can be had as data:
CSV and Parquet write one file per table into a folder beside the results file
(``results.csv`` -> ``results-analyses/analysis_gap.csv``), JSON adds an ``analyses`` object,
and the workbook one sheet per table after the section sheets.

Exports hold the stored results, which are never disclosure-controlled: small counts are
exported as they are. Apply your own small-number rules before publishing an export (the
HTML and PDF report do this for you).

Every format is deterministic: the same results give byte-identical files (rows sorted by
section, indicator, area and period; no timestamps inside the files).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jsna.errors import UsageError
from jsna.vocabulary.cells import safe_frame
from jsna.vocabulary.sections import SECTIONS
from jsna.vocabulary.tables import RESULT_COLUMNS

if TYPE_CHECKING:
    import pandas as pd

    from jsna.workspace import Workspace

FORMATS = ("csv", "json", "parquet", "xlsx")

#: the columns of a Fingertips data download, in order (27, with "Time period range")
FINGERTIPS_COLUMNS = (
    "Indicator ID",
    "Indicator Name",
    "Parent Code",
    "Parent Name",
    "Area Code",
    "Area Name",
    "Area Type",
    "Sex",
    "Age",
    "Category Type",
    "Category",
    "Time period",
    "Value",
    "Lower CI 95.0 limit",
    "Upper CI 95.0 limit",
    "Lower CI 99.8 limit",
    "Upper CI 99.8 limit",
    "Count",
    "Denominator",
    "Value note",
    "Recent Trend",
    "Compared to England value or percentiles",
    "Compared to percentiles",
    "Time period Sortable",
    "New data",
    "Compared to goal",
    "Time period range",
)

#: Fingertips column <- results column (the rest are derived or left empty)
_FROM_RESULTS = {
    "Indicator ID": "indicator_id",
    "Indicator Name": "indicator_name",
    "Parent Code": "parent_code",
    "Area Code": "area_code",
    "Area Name": "area_name",
    "Area Type": "area_type",
    "Sex": "sex",
    "Age": "age",
    "Category Type": "category_type",
    "Category": "category",
    "Time period": "period",
    "Value": "value",
    "Lower CI 95.0 limit": "lower_ci_95",
    "Upper CI 95.0 limit": "upper_ci_95",
    "Lower CI 99.8 limit": "lower_ci_99_8",
    "Upper CI 99.8 limit": "upper_ci_99_8",
    "Count": "count",
    "Denominator": "denominator",
    "Value note": "value_note",
    "Recent Trend": "trend",
    "Compared to England value or percentiles": "compared_to_benchmark",
    "Time period Sortable": "period_sortable",
}

#: the order rows are written in
SORT_KEYS = (
    "_section_order",
    "indicator_id",
    "area_code",
    "sex",
    "age",
    "category_type",
    "category",
    "period_sortable",
    "period",
)


@dataclass
class ExportResult:
    path: Path
    format: str
    rows: int
    indicators: int
    areas: int
    #: rows written of each stored analysis table (``analysis_gap``, ``analysis_facts``, …)
    analyses: dict[str, int] = field(default_factory=dict)
    #: the folder holding one file per analysis table (CSV and Parquet), else None
    analyses_dir: Path | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "format": self.format,
            "rows": self.rows,
            "indicators": self.indicators,
            "areas": self.areas,
            "analyses": self.analyses,
            "analyses_dir": str(self.analyses_dir) if self.analyses_dir else None,
        }


def read_analyses(
    workspace: Workspace, *, areas: list[str] | None = None
) -> dict[str, pd.DataFrame]:
    """Every stored ``analysis_*`` table (facts and settings included), optionally only the rows
    of some report areas, by table name in name order."""
    out = {}
    for name in workspace.analysis_tables(include_facts=True):
        frame = workspace.analysis_table(name)
        if areas and "report_area" in frame.columns:
            frame = frame[frame["report_area"].isin(areas)]
        out[name] = frame.reset_index(drop=True)
    return out


def analyses_folder(path: Path) -> Path:
    """Where the CSV or Parquet export of ``path`` puts the analysis tables: ``<stem>-analyses``."""
    return path.with_name(f"{path.stem}-analyses")


def write_analysis_files(analyses: dict[str, pd.DataFrame], folder: Path, fmt: str) -> Path:
    """One CSV or Parquet file per analysis table in ``folder`` (emptied of earlier ones first)."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob(f"analysis_*.{fmt}"):
        old.unlink()
    for name, frame in analyses.items():
        target = folder / f"{name}.{fmt}"
        if fmt == "csv":
            _write_text(target, safe_frame(frame).to_csv(index=False, lineterminator="\n"))
        else:
            tmp = target.with_suffix(".parquet.tmp")
            frame.to_parquet(tmp, index=False, engine="pyarrow", compression="zstd")
            tmp.replace(target)
    return folder


def read_results(
    workspace: Workspace, *, areas: list[str] | None = None, indicators: list[str] | None = None
) -> pd.DataFrame:
    """The stored results, optionally for some areas/indicators, in a stable order."""
    results = workspace.table("results")
    if results.empty:
        raise UsageError("the results table is empty: run jsna compute (or jsna run) first")
    for column, wanted, what in (
        ("area_code", areas, "area"),
        ("indicator_id", indicators, "indicator"),
    ):
        if not wanted:
            continue
        unknown = sorted(set(wanted) - set(results[column]))
        if unknown:
            raise UsageError(
                f"no results for {what} {', '.join(unknown)}; see jsna indicators list "
                f"and the areas in output/results.csv"
            )
        results = results[results[column].isin(wanted)]
    return sort_results(results)


def sort_results(results: pd.DataFrame) -> pd.DataFrame:
    """Rows ordered by section (report order), indicator, area, sex, age, category, period."""
    order = {s.id: s.number for s in SECTIONS}
    keyed = results.assign(_section_order=results["section"].map(order).fillna(99).astype(int))
    keyed = keyed.sort_values(list(SORT_KEYS), na_position="first", kind="stable")
    return keyed.drop(columns="_section_order").reset_index(drop=True)


def _period_range(period: Any) -> str:
    """Fingertips' 'Time period range': 1y, 3y, … for year, financial-year and pooled periods."""
    import re

    text = str(period)
    if m := re.fullmatch(r"(\d{4})\s*-\s*(\d{2,4})", text):
        start, end = int(m.group(1)), int(m.group(2))
        end = end if end >= 1000 else start // 100 * 100 + end
        return f"{end - start + 1}y"
    if re.fullmatch(r"\d{4}(/\d{2})?", text):
        return "1y"
    if re.fullmatch(r"\d{4} Q[1-4]", text):
        return "3m"
    return ""


def to_fingertips(
    results: pd.DataFrame, *, benchmark_name: str = "England", names: dict[str, str] | None = None
) -> pd.DataFrame:
    """The results as a Fingertips download: the 27 columns, in order, one row per result row.

    The comparison column is called ``Compared to England value or percentiles`` when the
    benchmark is England (as in Fingertips), else ``Compared to <benchmark> value or percentiles``.
    ``Parent Name`` comes from ``names`` (area code -> name) or the results' own area names.
    """
    import pandas as pd

    known = dict(zip(results["area_code"], results["area_name"], strict=True))
    known.update(names or {})
    out = pd.DataFrame(index=results.index)
    for column in FINGERTIPS_COLUMNS:
        source = _FROM_RESULTS.get(column)
        if source is not None:
            out[column] = results[source]
    out["Parent Name"] = results["parent_code"].map(known)
    out["Compared to percentiles"] = "Not compared"
    out["New data"] = None
    out["Compared to goal"] = None
    out["Time period range"] = results["period"].map(_period_range)
    out = out[list(FINGERTIPS_COLUMNS)]
    if benchmark_name != "England":
        out = out.rename(
            columns={
                "Compared to England value or percentiles": f"Compared to {benchmark_name} value or percentiles"
            }
        )
    return out


def fingertips_csv_text(results: pd.DataFrame, **kwargs: Any) -> str:
    """The Fingertips-order CSV as text (floats written to full precision, ``\\n`` line ends;
    text a spreadsheet would run as a formula starts with ``'``)."""
    return safe_frame(to_fingertips(results, **kwargs)).to_csv(index=False, lineterminator="\n")


def _plain(value: Any) -> Any:
    """A cell as a plain Python value (None for any missing value, numpy scalars unwrapped)."""
    import pandas as pd

    if value is None or pd.isna(value):
        return None
    return value.item() if hasattr(value, "item") else value


def _records(results: pd.DataFrame) -> list[dict[str, Any]]:
    frame = results.reindex(columns=list(RESULT_COLUMNS))
    return [
        {str(key): _plain(value) for key, value in record.items()}
        for record in frame.to_dict("records")
    ]


def write_json(
    results: pd.DataFrame,
    path: Path,
    *,
    metadata: dict[str, Any],
    analyses: dict[str, pd.DataFrame] | None = None,
) -> Path:
    """``{"metadata": {...}, "columns": [...], "results": [{...}, ...], "analyses": {...}}``,
    missing values as null; ``analyses`` holds each analysis table's rows by table name."""
    document: dict[str, Any] = {
        "metadata": metadata,
        "columns": list(RESULT_COLUMNS),
        "results": _records(results),
    }
    if analyses is not None:
        document["analyses"] = {
            name: [{str(k): _plain(v) for k, v in r.items()} for r in frame.to_dict("records")]
            for name, frame in analyses.items()
        }
    text = json.dumps(document, indent=1, ensure_ascii=False, allow_nan=False) + "\n"
    _write_text(path, text)
    return path


def write_parquet(results: pd.DataFrame, path: Path) -> Path:
    """The results schema as Parquet (types as in the workspace)."""
    frame = results.reindex(columns=list(RESULT_COLUMNS)).reset_index(drop=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    frame.to_parquet(tmp, index=False, engine="pyarrow", compression="zstd")
    tmp.replace(path)
    return path


#: Excel's longest sheet name
SHEET_NAME_LENGTH = 31


def _sheet_name(name: str, taken: set[str]) -> str:
    """An Excel sheet name for ``name``: none of []:*?/\\, at most :data:`SHEET_NAME_LENGTH`
    characters, and unlike every name in ``taken`` (casefolded, as Excel compares them),
    where cutting made two alike, by a number at its end (``… (2)``). The name is added to
    ``taken``."""
    import re

    base = re.sub(r"[\[\]:*?/\\]", " ", name)[:SHEET_NAME_LENGTH].rstrip()
    candidate, n = base, 1
    while candidate.casefold() in taken:
        n += 1
        suffix = f" ({n})"
        candidate = base[: SHEET_NAME_LENGTH - len(suffix)].rstrip() + suffix
    taken.add(candidate.casefold())
    return candidate


def write_xlsx(
    results: pd.DataFrame,
    path: Path,
    *,
    metadata: dict[str, Any],
    analyses: dict[str, pd.DataFrame] | None = None,
    **fingertips: Any,
) -> Path:
    """A workbook: a contents sheet, then one sheet per minimum-dataset section (Fingertips
    columns), then one sheet per stored analysis table (its own columns)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    contents = workbook.active
    contents.title = "Contents"
    taken = {contents.title.casefold()}
    _append_text_safe(contents, [str(metadata.get("title", "jsna results"))])
    contents["A1"].font = Font(bold=True, size=14)
    for key in ("area", "benchmark", "run_date", "jsna_version"):
        if metadata.get(key):
            _append_text_safe(contents, [key.replace("_", " ").capitalize(), str(metadata[key])])
    _append_text_safe(
        contents,
        [
            "Small counts are NOT suppressed in this workbook; apply disclosure control before publishing."
        ],
    )
    contents.append([])  # a spacer row
    _append_text_safe(contents, ["Sheet", "Section", "Indicators", "Rows"])
    header_row = contents.max_row
    for cell in contents[header_row]:
        cell.font = Font(bold=True)
    table = to_fingertips(results, **fingertips)
    for info in SECTIONS:
        rows = results["section"].eq(info.id).to_numpy()
        name = _sheet_name(f"{info.number} {info.title}", taken)
        _append_text_safe(
            contents,
            [name, info.title, int(results.loc[rows, "indicator_id"].nunique()), int(rows.sum())],
        )
        sheet = workbook.create_sheet(name)
        _append_text_safe(sheet, list(table.columns))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for values in table[rows].itertuples(index=False):
            _append_text_safe(sheet, [_plain(v) for v in values])
        sheet.freeze_panes = "A2"
        if sheet.max_row > 1:
            sheet.auto_filter.ref = sheet.dimensions
        for index, column in enumerate(table.columns, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = min(
                max(len(column), 10) + 2, 45
            )
    for name, frame in (analyses or {}).items():
        sheet_name = _sheet_name(name, taken)
        _append_text_safe(contents, [sheet_name, "Analysis table (sections 7-10)", "", len(frame)])
        sheet = workbook.create_sheet(sheet_name)
        _append_text_safe(sheet, [str(c) for c in frame.columns])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for values in frame.itertuples(index=False):
            _append_text_safe(sheet, [_plain(v) for v in values])
        sheet.freeze_panes = "A2"
    contents.column_dimensions["A"].width = 34
    contents.column_dimensions["B"].width = 42
    fixed = _fixed_datetime(metadata.get("run_date"))
    workbook.properties.created = fixed
    workbook.properties.modified = fixed
    workbook.properties.creator = "jsna"
    tmp = path.with_suffix(path.suffix + ".tmp")
    workbook.save(tmp)
    _normalise_zip(tmp, stamp=fixed.strftime("%Y-%m-%dT%H:%M:%SZ"))
    tmp.replace(path)
    return path


def _append_text_safe(sheet: Any, values: list[Any]) -> None:
    """Append a row in which every string is a text cell: openpyxl stores a string starting
    with ``=`` as a live formula, so such cells are turned back into text (never run)."""
    sheet.append(values)
    if not any(isinstance(v, str) and v.startswith("=") for v in values):
        return
    for cell in sheet[sheet.max_row]:
        if cell.data_type == "f":
            cell.data_type = "s"


def _fixed_datetime(run_date: Any):  # type: ignore[no-untyped-def]
    from datetime import date, datetime

    if isinstance(run_date, str):
        try:
            run_date = date.fromisoformat(run_date)
        except ValueError:
            run_date = None
    if isinstance(run_date, date):
        return datetime(run_date.year, run_date.month, run_date.day)
    return datetime(2000, 1, 1)


def _normalise_zip(path: Path, *, stamp: str) -> None:
    """Rewrite a zip (xlsx) with fixed member timestamps and document dates, so equal content
    gives equal bytes (openpyxl stamps the save time into docProps/core.xml)."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as source:
        members = [(info.filename, source.read(info.filename)) for info in source.infolist()]
    members = [
        (
            name,
            re.sub(
                rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)",
                rb"\g<1>" + stamp.encode() + rb"\g<2>",
                data,
            )
            if name == "docProps/core.xml"
            else data,
        )
        for name, data in members
    ]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, data)


def _write_text(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8", newline="")
    tmp.replace(path)


def write_export(
    results: pd.DataFrame,
    path: Path,
    fmt: str,
    *,
    metadata: dict[str, Any],
    benchmark_name: str = "England",
    names: dict[str, str] | None = None,
    analyses: dict[str, pd.DataFrame] | None = None,
) -> Path:
    """Write ``results`` to ``path`` as ``fmt`` (csv, json, parquet or xlsx), with ``analyses``
    (analysis table name -> frame) where given: beside it for CSV and Parquet
    (:func:`analyses_folder`), inside it for JSON and XLSX."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt in {"csv", "parquet"} and analyses is not None:
        write_analysis_files(analyses, analyses_folder(path), fmt)
    if fmt == "csv":
        _write_text(path, fingertips_csv_text(results, benchmark_name=benchmark_name, names=names))
        return path
    if fmt == "json":
        return write_json(results, path, metadata=metadata, analyses=analyses)
    if fmt == "parquet":
        return write_parquet(results, path)
    from jsna.processes import full_collections_held

    # a workbook's cells (half a million for the demo) are live objects that each full pass of
    # the garbage collector would walk again: twelve of them, a sixth of the demo's export
    with full_collections_held():
        return write_xlsx(
            results,
            path,
            metadata=metadata,
            analyses=analyses,
            benchmark_name=benchmark_name,
            names=names,
        )


def export(
    config: Any,
    fmt: str = "csv",
    *,
    output: Path | None = None,
    areas: list[str] | None = None,
    indicators: list[str] | None = None,
) -> ExportResult:
    """Export the project's results (``jsna export``); returns where it wrote and how much."""
    from jsna import __version__
    from jsna.indicators.context import ComputeContext
    from jsna.workspace import Workspace

    if fmt not in FORMATS:
        raise UsageError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}")
    with Workspace.open(config.workspace_path, read_only=True) as ws:
        results = read_results(ws, areas=areas, indicators=indicators)
        analyses = read_analyses(ws, areas=areas)
        names = ComputeContext(ws).area_names()
    benchmark = config.project.benchmark
    metadata = {
        "title": config.project.name,
        "jsna_version": __version__,
        "run_date": config.run_date().isoformat(),
        "benchmark": f"{names.get(benchmark, benchmark)} ({benchmark})",
        "area": ", ".join(areas) if areas else "all areas",
        "note": "Counts are not disclosure-controlled.",
    }
    suffix = "xlsx" if fmt == "xlsx" else fmt
    path = Path(output) if output else config.output_dir / f"results.{suffix}"
    write_export(
        results,
        path,
        fmt,
        metadata=metadata,
        benchmark_name=names.get(benchmark, benchmark),
        names=names,
        analyses=analyses,
    )
    return ExportResult(
        path=path,
        format=fmt,
        rows=len(results),
        indicators=int(results["indicator_id"].nunique()),
        areas=int(results["area_code"].nunique()),
        analyses={name: len(frame) for name, frame in analyses.items()},
        analyses_dir=analyses_folder(path) if fmt in {"csv", "parquet"} else None,
    )
