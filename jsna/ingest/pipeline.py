"""Validate a file, then load it whole (or with bad rows quarantined) in one transaction."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jsna.errors import InvalidDataError, MissingColumnError, UnreadableFileError, UsageError
from jsna.ingest.base import Parsed, ReadOptions, Source, StreamedFrame
from jsna.ingest.fields import decimal_mark
from jsna.plugins import SourceRegistry
from jsna.vocabulary.issues import ValidationIssue, ValidationReport

if TYPE_CHECKING:
    import pandas as pd

    from jsna.ingest.readers import TableText
    from jsna.workspace import Removal, Replacement, Workspace


def default_registry() -> SourceRegistry:
    """The ingest sources of the entry points (jsna's own and installed plugins'), loaded now."""
    return SourceRegistry.from_entry_points()


@dataclass
class IngestOutcome:
    """What happened to one file."""

    file: str
    kind: str
    status: str  # loaded | unchanged | invalid | validated
    sha256: str = ""
    layout: str = ""
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    records: int = 0
    replaced_records: int = 0
    periods: list[str] = field(default_factory=list)
    areas: int = 0
    report: ValidationReport | None = None
    #: the input id (``jsna inputs``) this file is loaded as
    source_id: int | None = None
    #: rows of older files this one replaced (same full key), per file and table
    replaced: list[Replacement] = field(default_factory=list)
    #: earlier loads of this file taken out first (``--replace``)
    dropped: list[Removal] = field(default_factory=list)
    #: a sentence for the user (e.g. why nothing was done, and what to do instead)
    note: str = ""

    @property
    def issues(self) -> list[ValidationIssue]:
        return self.report.issues if self.report else []

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "kind": self.kind,
            "status": self.status,
            "sha256": self.sha256,
            "source_id": self.source_id,
            "layout": self.layout,
            "rows_read": self.rows_read,
            "rows_loaded": self.rows_loaded,
            "rows_quarantined": self.rows_quarantined,
            "records": self.records,
            "replaced_records": self.replaced_records,
            "periods": self.periods,
            "areas": self.areas,
            "replaced": [r.to_dict() for r in self.replaced],
            "dropped": [d.to_dict() for d in self.dropped],
            "note": self.note,
            "issues": [i.to_dict() for i in self.issues],
        }


#: how much of a CSV is read to recognise its kind (whole lines; enough for values checks)
_DETECT_BYTES = 1 << 20
#: file suffixes that are only ever one kind
_SUFFIX_KINDS = {
    ".geojson": "boundaries",
    ".gpkg": "boundaries",
    ".shp": "boundaries",
    ".parquet": "activity",
}


def detect_kind(
    path: Path, registry: SourceRegistry | None = None, options: ReadOptions | None = None
) -> tuple[str, str]:
    """(kind, layout) of a file when exactly one source recognises it.

    Raises :class:`UsageError` listing the columns found and every kind's expected columns
    when no source recognises the file, or naming the candidates when several do.
    """
    from jsna.ingest.readers import read_text_table

    registry = registry or default_registry()
    path = Path(path)
    if not path.exists():
        raise UnreadableFileError(f"{path}: file not found")
    by_suffix = _SUFFIX_KINDS.get(path.suffix.lower())
    if by_suffix and by_suffix in registry.sources:
        return by_suffix, by_suffix
    options = options or ReadOptions()
    table = read_text_table(
        path,
        sheet=options.sheet,
        skip_rows=options.skip_rows,
        encoding=options.encoding,
        max_bytes=_DETECT_BYTES,
        **options.read_limits(),
    )
    columns = list(table.frame.columns)
    matches = [
        (kind, layout)
        for kind, src in registry.sources.items()
        if (layout := src.detect_table(table))
    ]
    if len(matches) == 1:
        return matches[0]
    found = ", ".join(repr(c) for c in columns[:40]) + (" …" if len(columns) > 40 else "")
    if not matches and (reason := reference_file_reason(table)):
        raise UsageError(reason)
    if not matches:
        expected = "\n".join(
            f"  {kind}: {src.expected_columns}"
            for kind, src in sorted(registry.sources.items())
            if src.expected_columns
        )
        raise UsageError(
            f"{table.label}: cannot tell what kind of file this is. Columns found: {found}.\n"
            f"Name the kind (jsna ingest KIND FILE), or map columns with --map; "
            f"kinds and the columns they expect:\n{expected}"
        )
    names = ", ".join(f"{k} ({layout})" for k, layout in matches)
    raise UsageError(
        f"{table.label}: could be any of {names}; name the kind (jsna ingest KIND FILE). "
        f"Columns found: {found}"
    )


#: column names (normalised) of a data dictionary: what each variable of an extract means
_DICTIONARY_NAMES = {
    "variable",
    "variable_name",
    "field",
    "field_name",
    "column",
    "column_name",
    "item",
}
_DICTIONARY_TEXT = {"description", "definition", "meaning", "label", "notes"}


def reference_file_reason(table: TableText) -> str | None:
    """Why a file is reference material rather than data to load (None if it is not).

    Two kinds are recognised by their columns: a standard population (an age column and a
    ``standard population`` column, no area), which jsna carries built in, and a data dictionary
    (a variable/field column and a description column), which describes an extract but holds
    none of it.
    """
    from jsna.ingest.readers import normalise_name

    names = {normalise_name(str(c)): c for c in table.frame.columns}
    areas = [
        n for n in names if n in {"area_code", "code", "lad_code"} or n.endswith(("cd", "_code"))
    ]
    standard = [c for n, c in names.items() if "standard" in n or n in {"esp", "esp2013", "weight"}]
    age = [c for n, c in names.items() if n in {"age", "age_band", "ageband", "age_group"}]
    if standard and age and not areas:
        if _is_esp2013(table.frame, age[0], standard[0]):
            return (
                f"{table.label}: this is the 2013 European Standard Population, which jsna carries built in "
                f"(jsna.indicators.methods.esp2013) and uses for every directly standardised rate; "
                f"no need to load it"
            )
        return (
            f"{table.label}: this is a standard population (age bands and their weights), reference data for "
            f"standardisation rather than a local input; jsna standardises to the 2013 European Standard "
            f"Population, built in, and does not load others"
        )
    if set(names) & _DICTIONARY_NAMES and set(names) & _DICTIONARY_TEXT:
        folder = table.path.parent
        data = (
            sorted(
                p.name
                for p in folder.iterdir()
                if p != table.path and p.suffix.lower() in {".csv", ".xlsx", ".parquet"}
            )
            if folder.is_dir()
            else []
        )
        hint = (
            f"load the data file it describes ({', '.join(data[:5])} in the same folder)"
            if data
            else "load the data file it describes"
        )
        return (
            f"{table.label}: this is a data dictionary, not data (columns "
            f"{', '.join(repr(c) for c in table.frame.columns[:5])}: one row per variable of an extract, "
            f"saying what it means); {hint}"
        )
    return None


def _is_esp2013(frame: pd.DataFrame, age: str, weight: str) -> bool:
    """Whether the age bands and weights are exactly ESP2013's 19 bands."""
    from jsna.vocabulary.standard_population import ESP2013_BANDS

    try:
        given = {
            str(a).strip().replace(" ", ""): float(str(w).replace(",", ""))
            for a, w in zip(frame[age], frame[weight], strict=True)
        }
    except ValueError:
        return False
    return given == {band: float(n) for band, n in ESP2013_BANDS.items()}


def parse_file(
    kind: str,
    path: Path,
    options: ReadOptions | None = None,
    registry: SourceRegistry | None = None,
) -> Parsed:
    """Read and check a file without a workspace: the full report, and the frames to load.

    Frames that DuckDB streams from the file (record-level extracts) are made in a scratch
    database, so their problems are in the report too.
    """
    parsed = _read(kind, path, options, registry)
    for table, frame in parsed.frames.items():
        if isinstance(frame, StreamedFrame):
            frame.run_in_scratch(table)
    _settle_report(parsed)
    return parsed


def _read(
    kind: str, path: Path, options: ReadOptions | None, registry: SourceRegistry | None
) -> Parsed:
    """The source's parse: streamed frames are not run yet."""
    registry = registry or default_registry()
    source = registry.get(kind)
    path = Path(path)
    if not path.exists():
        raise UnreadableFileError(f"{path}: file not found")
    options = options or ReadOptions()
    try:
        with decimal_mark(options.decimal):
            return source.parse(path, options)
    except MissingColumnError as exc:  # a reference file named with a kind gets its own reason
        from jsna.ingest.readers import TableText

        reason = reference_file_reason(exc.table) if isinstance(exc.table, TableText) else None
        if reason:
            raise UsageError(reason) from exc
        raise


def _settle_report(parsed: Parsed) -> None:
    """Add what streamed frames found to the report, and refuse a file with no data rows."""
    for frame in parsed.streamed:
        parsed.report.rows_read += frame.rows_read
        parsed.report.issues.extend(frame.issues)
    if parsed.report.rows_read == 0:
        parsed.report.issues.append(
            ValidationIssue(
                code="no-rows",
                file=parsed.report.file,
                message="the file has a header but no data rows",
            )
        )


def validate_file(
    kind: str,
    path: Path,
    options: ReadOptions | None = None,
    registry: SourceRegistry | None = None,
) -> ValidationReport:
    """Check a file against its kind's schema without loading it."""
    return parse_file(kind, path, options, registry).report


def ingest_file(
    workspace: Workspace,
    kind: str,
    path: Path,
    options: ReadOptions | None = None,
    *,
    skip_invalid_rows: bool = False,
    replace: bool = False,
    registry: SourceRegistry | None = None,
) -> IngestOutcome:
    """Validate and load one file. Raises :class:`InvalidDataError` (nothing loaded) on errors.

    With ``skip_invalid_rows`` rows with errors are moved to the ``quarantine`` table and
    the rest is loaded; rows read always equals rows loaded plus rows quarantined. A file
    already loaded (same sha256 and kind) is left alone unless ``replace`` is given: then the
    earlier load of it (same bytes or same path) is taken out and the file loaded again with
    ``options``, in one transaction.
    """
    from jsna.workspace import sha256_of

    path = Path(path)
    if not path.exists():
        raise UnreadableFileError(f"{path}: file not found")
    registry = registry or default_registry()
    source = registry.get(kind)
    if source.streams and not replace and not workspace.has_loaded_path(path, kind):
        return _ingest_streamed(workspace, source, path, options, skip_invalid_rows, registry)
    sha = sha256_of(path)
    if replace:
        drop = workspace.earlier_loads(kind, sha, path)
    else:
        existing = workspace.find_source(sha, kind)
        if existing is not None:
            return _unchanged(path, kind, sha, existing)
        drop = workspace.earlier_loads(kind, sha, path, superseded_only=True)
    if source.streams:
        return _ingest_streamed(
            workspace, source, path, options, skip_invalid_rows, registry, sha=sha, drop=drop
        )
    parsed = _read(kind, path, options, registry)
    provenance = _provenance(kind, path, sha, parsed, options)
    _settle_report(parsed)
    quarantine = _refuse_or_quarantine(
        workspace, source, parsed, kind, path, skip_invalid_rows, provenance
    )
    result = workspace.load(
        provenance=provenance, frames=parsed.frames, quarantine=quarantine, drop_sources=drop
    )
    return _outcome(path, kind, sha, parsed, provenance, result)


def _unchanged(path: Path, kind: str, sha: str, source_id: int) -> IngestOutcome:
    return IngestOutcome(
        file=path.name,
        kind=kind,
        status="unchanged",
        sha256=sha,
        source_id=source_id,
        note=f"already loaded as input {source_id} (same sha256), nothing to do; to load it again with other "
        f"options, add --replace: jsna ingest --replace {kind} {path} --OPTION VALUE …",
    )


def _provenance(
    kind: str, path: Path, sha: str | None, parsed: Parsed, options: ReadOptions | None = None
) -> dict[str, Any]:
    """The provenance fields known before the checks (the counts are added by them)."""
    return {
        "kind": kind,
        "file_name": path.name,
        "file_path": str(path.resolve()),
        "sha256": sha,
        "layout": parsed.layout,
        "options": (options or ReadOptions()).describe(),
    }


class _Unchanged(Exception):
    """The file turned out to be one already loaded: the load is rolled back."""

    def __init__(self, source_id: int) -> None:
        super().__init__(source_id)
        self.source_id = source_id


def _ingest_streamed(
    workspace: Workspace,
    source: Source,
    path: Path,
    options: ReadOptions | None,
    skip_invalid_rows: bool,
    registry: SourceRegistry,
    sha: str | None = None,
    drop: list[int] | None = None,
) -> IngestOutcome:
    """Load a file whose rows DuckDB writes straight into the workspace (record-level extracts).

    The checks run after the rows are in and before the commit; a refusal rolls the whole load
    back. A file never loaded from this path before is hashed while DuckDB reads it (the two
    take the same order of time on a large file); if it proves to be a file already loaded
    from elsewhere, the load is rolled back and the file reported unchanged.
    """
    from concurrent.futures import ThreadPoolExecutor

    from jsna.workspace import sha256_of

    kind = source.kind
    parsed = _read(kind, path, options, registry)
    provenance = _provenance(kind, path, sha, parsed, options)
    hashing = None
    if sha is None:
        hashing = ThreadPoolExecutor(max_workers=1, thread_name_prefix="jsna-sha256")
        digest = hashing.submit(sha256_of, path)

    def settle() -> pd.DataFrame | None:
        if hashing is not None:
            provenance["sha256"] = digest.result()
            existing = workspace.find_source(provenance["sha256"], kind)
            if existing is not None:
                raise _Unchanged(existing)
        _settle_report(parsed)
        return _refuse_or_quarantine(
            workspace, source, parsed, kind, path, skip_invalid_rows, provenance
        )

    try:
        result = workspace.load(
            provenance=provenance, frames=parsed.frames, settle=settle, drop_sources=drop or ()
        )
    except _Unchanged as unchanged:
        return _unchanged(path, kind, provenance["sha256"], unchanged.source_id)
    finally:
        if hashing is not None:
            hashing.shutdown(wait=False, cancel_futures=True)
    return _outcome(path, kind, provenance["sha256"], parsed, provenance, result)


def _refuse_or_quarantine(
    workspace: Workspace,
    source: Source,
    parsed: Parsed,
    kind: str,
    path: Path,
    skip_invalid_rows: bool,
    provenance: dict[str, Any],
) -> pd.DataFrame | None:
    """Check against the workspace, refuse a file with errors (unless skipping invalid rows),
    leave the bad rows out of the frames and fill in ``provenance``; the quarantine rows."""
    report = parsed.report
    check_area_codes_against_workspace(workspace, parsed)
    source.cross_check(workspace, parsed)
    bad_rows = report.bad_rows
    file_level = [i for i in report.errors if i.row is None]
    if file_level:  # no row can be quarantined for these
        raise InvalidDataError(
            f"{path.name}: {file_level[0].message}; nothing was loaded", report.errors
        )
    if report.errors and not skip_invalid_rows:
        raise InvalidDataError(
            f"{path.name}: {len(report.errors)} problem(s) in {len(bad_rows)} row(s); nothing was loaded "
            f"(fix the file, or load the good rows with --skip-invalid-rows). First: {report.errors[0]}",
            report.errors,
        )
    records = 0
    periods: set[str] = set()
    areas: set[str] = set()
    for table, frame in parsed.frames.items():
        if isinstance(frame, StreamedFrame):  # aggregated by DuckDB, bad records already left out
            records += frame.rows
            periods.update(frame.periods)
            areas.update(frame.areas)
            continue
        # rows aggregated from many file rows carry _row -1: their source has already left
        # the bad rows out of the aggregate
        keep = ~frame["_row"].isin(bad_rows)
        parsed.frames[table] = kept = frame[keep].drop(columns=["_row"])
        if table != "geometry":  # the shapes of the areas rows, not records of their own
            records += int(keep.sum())
        if "period" in kept:
            periods.update(str(p) for p in kept["period"].dropna().unique())
        for col in ("area_code", "lsoa_code", "child_code"):
            if col in kept:
                areas.update(str(a) for a in kept[col].dropna().unique())
    period_list = sorted(periods)
    provenance.update(
        {
            "rows_read": report.rows_read,
            "rows_loaded": report.rows_read - len(bad_rows),
            "rows_quarantined": len(bad_rows),
            "records": records,
            "periods": ", ".join(period_list),
            "areas": len(areas),
            "ingested_at": _now(),
        }
    )
    parsed.extra["periods"] = period_list
    return _quarantine_frame(parsed, kind, path.name) if bad_rows else None


def _outcome(
    path: Path, kind: str, sha: str, parsed: Parsed, provenance: dict[str, Any], result: Any
) -> IngestOutcome:
    return IngestOutcome(
        file=path.name,
        kind=kind,
        status="loaded",
        sha256=sha,
        layout=parsed.layout,
        rows_read=provenance["rows_read"],
        rows_loaded=provenance["rows_loaded"],
        rows_quarantined=provenance["rows_quarantined"],
        records=provenance["records"],
        replaced_records=result.replaced_rows,
        periods=parsed.extra["periods"],
        areas=provenance["areas"],
        report=parsed.report,
        source_id=result.source_id,
        replaced=list(result.replacements),
        dropped=list(result.dropped),
    )


def _quarantine_frame(parsed: Parsed, kind: str, file_name: str) -> pd.DataFrame:
    """One quarantine row per problem with a row number, carrying the row as the file had it."""
    import pandas as pd

    raw_cache: dict[int, str | None] = {}
    rows = []
    for issue in parsed.report.errors:
        if issue.row is None:
            continue
        if issue.row not in raw_cache:
            raw_cache[issue.row] = parsed.raw_row(issue.row)
        rows.append(
            {
                "kind": kind,
                "file_name": file_name,
                "row": issue.row,
                "column_name": issue.column,
                "value": None if issue.value is None else str(issue.value),
                "problem": issue.message,
                "raw": raw_cache[issue.row],
            }
        )
    return pd.DataFrame(rows)


def check_area_codes_against_workspace(workspace: Workspace, parsed: Parsed) -> None:
    """Warn (never fail) about area codes that were abolished, or that no loaded lookup knows.

    A code abolished by a 2019-2023 reorganisation is reported, with its successor, on rows
    whose period starts after the change. When lookups or boundaries are loaded, a GSS code of
    a type they cover (same three-character prefix) that none of their vintages holds is
    reported once, with the number of rows and the first row.
    """
    from jsna.ingest.codes import abolished
    from jsna.ingest.fields import GSS_PATTERN
    from jsna.vocabulary.issues import WARNING

    report = parsed.report
    known = _known_codes(workspace)
    prefixes = {code[:3] for codes in known.values() for code in codes}
    all_known = set().union(*known.values()) if known else set()
    for frame in parsed.frames.values():
        if isinstance(frame, StreamedFrame):
            frame = frame.codes.assign(_row=-1)
        col = next(
            (c for c in ("area_code", "lsoa_code", "child_code") if c in frame.columns), None
        )
        if col is None or frame.empty:
            continue
        codes = frame[col].astype(str)
        periods = frame["period"].astype(str) if "period" in frame.columns else None
        # the checks are per code; only the (few) flagged codes have their rows looked up
        flagged = sorted(
            code
            for code in codes.dropna().unique()
            if abolished(code) is not None
            or (
                known and code[:3] in prefixes and code not in all_known and GSS_PATTERN.match(code)
            )
        )
        subset = frame[codes.isin(flagged)]
        for code, rows in subset.groupby(codes[subset.index], sort=True)["_row"]:
            change = abolished(code)
            if change is not None:
                when = ""
                if periods is not None:
                    late = [i for i in rows.index if _after_change(periods[i], change.year)]
                    if not late:
                        continue  # the code was current for every period it appears in
                    rows = rows.loc[late]
                    when = f" but appears for period {periods[late[0]]}"
                report.issues.append(
                    ValidationIssue(
                        code="abolished-area-code",
                        severity=WARNING,
                        file=report.file,
                        column=col,
                        value=code,
                        row=_first_row(rows),
                        message=f"{change.describe()}{when} ({len(rows)} row(s)); the rows are kept as published",
                    )
                )
                continue
            vintages = ", ".join(sorted(known))
            report.issues.append(
                ValidationIssue(
                    code="unknown-area-code",
                    severity=WARNING,
                    file=report.file,
                    column=col,
                    value=code,
                    row=_first_row(rows),
                    message=f"{code} is in none of the loaded lookup/boundary vintages ({vintages}) "
                    f"({len(rows)} row(s)); check it is current, or load the lookup for its vintage",
                )
            )


def _after_change(period: str, year: int) -> bool:
    """Whether a period (2024, 2023/24, 2019-21) starts after a 1 April change in ``year``."""
    import re

    m = re.match(r"^(\d{4})", period)
    if not m:
        return False
    start = int(m.group(1))
    return start > year or (start == year and "/" in period)


def _first_row(rows: pd.Series) -> int | None:
    valid = rows[rows >= 0]
    return int(valid.min()) if len(valid) else None


def _known_codes(workspace: Workspace) -> dict[str, set[str]]:
    """Vintage -> codes known from loaded lookups (children and parents) and boundaries."""
    known: dict[str, set[str]] = {}
    rows = workspace.con.execute(
        "SELECT coalesce(vintage, 'unknown vintage'), child_code FROM lookups "
        "UNION SELECT coalesce(vintage, 'unknown vintage'), parent_code FROM lookups "
        "UNION SELECT coalesce(vintage, 'unknown vintage'), area_code FROM areas"
    ).fetchall()
    for vintage, code in rows:
        if code:
            known.setdefault(str(vintage), set()).add(str(code))
    return known


def _now() -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = datetime.fromtimestamp(int(epoch), UTC) if epoch else datetime.now(UTC)
    return moment.replace(microsecond=0).isoformat()
