"""The public Python API behind every command: one function per command.

Each function returns a result object with ``to_dict()``; the CLI only prints it.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jsna.config import CONFIG_FILE, DEFAULT_TOML, Config, load_config, projection_settings
from jsna.errors import JsnaError, UsageError, user_errors
from jsna.ingest.base import ReadOptions
from jsna.ingest.pipeline import (
    IngestOutcome,
    default_registry,
    detect_kind,
    ingest_file,
    validate_file,
)
from jsna.report.narrative import STARTER_FILES as NARRATIVE_FILES
from jsna.report.narrative import starter_file
from jsna.runner import RunResult
from jsna.vocabulary.issues import ValidationReport
from jsna.workspace import Workspace

if TYPE_CHECKING:
    from jsna.indicators.registry import ComputeResult
    from jsna.report.assemble import ReportResult

Progress = Callable[[str], None] | None


def project_config(project: Path | None = None, config: Path | None = None) -> Config:
    """The config of a project folder (its jsna.toml, or defaults) or an explicit config file."""
    if config is not None:
        return load_config(Path(config))
    root = Path(project or ".").resolve()
    return load_config(root=root)


# -- init -----------------------------------------------------------------------------------
@dataclass
class InitResult:
    directory: Path
    created: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {"directory": str(self.directory), "created": self.created}


def init_project(directory: Path, *, name: str | None = None) -> InitResult:
    """Scaffold a project: jsna.toml, inputs/, narrative/ (with starter files), .gitignore."""
    directory = Path(directory)
    if (directory / CONFIG_FILE).exists():
        raise UsageError(f"{directory / CONFIG_FILE} already exists; not overwriting it")
    created = []
    for sub in ("inputs", "narrative", "output"):
        (directory / sub).mkdir(parents=True, exist_ok=True)
        created.append(f"{sub}/")
    title = name or "Joint Strategic Needs Assessment"  # the report puts the area's name in front
    (directory / CONFIG_FILE).write_text(
        DEFAULT_TOML.format(name=title.replace('"', "'")), encoding="utf-8"
    )
    created.append(CONFIG_FILE)
    for file in NARRATIVE_FILES:
        target = directory / "narrative" / file
        if not target.exists():
            target.write_text(starter_file(file), encoding="utf-8")
            created.append(f"narrative/{file}")
    gitignore = directory / ".gitignore"
    if not gitignore.exists():
        gitignore.write_text(
            "jsna.duckdb\njsna.duckdb.wal\njsna.duckdb.lock\ngeometry/\noutput/\n", encoding="utf-8"
        )
        created.append(".gitignore")
    return InitResult(directory=directory.resolve(), created=created)


# -- ingest and validate ------------------------------------------------------------------------
@dataclass
class IngestSummary:
    outcomes: list[IngestOutcome] = field(default_factory=list)
    #: ``--replace`` took out rows the results table was computed from
    results_stale: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"files": [o.to_dict() for o in self.outcomes], "results_stale": self.results_stale}


def ingest(
    config: Config,
    kind: str | None,
    files: Sequence[Path],
    options: ReadOptions | None = None,
    *,
    skip_invalid_rows: bool = False,
    replace: bool = False,
) -> IngestSummary:
    """Validate and load files into the project's workspace, each in its own transaction.

    With ``replace`` a file already loaded (same bytes or same path, same kind) is loaded again
    with ``options``, its earlier load taken out in the same transaction.
    """
    summary = IngestSummary()
    with Workspace.open(config.workspace_path) as ws:
        for file in files:
            file_kind = kind or detect_kind(Path(file), options=options)[0]
            outcome = ingest_file(
                ws,
                file_kind,
                Path(file),
                options,
                skip_invalid_rows=skip_invalid_rows,
                replace=replace,
            )
            if outcome.status == "loaded" and outcome.layout == "published-table":
                outcome.note = _published_limits_note(ws, outcome.source_id)
            summary.outcomes.append(outcome)
        summary.results_stale = ws.has_data("results") and any(o.dropped for o in summary.outcomes)
    return summary


def _published_limits_note(ws: Workspace, source_id: int | None) -> str:
    """Whether a published table's limits are reproduced from its counts, in one sentence."""
    from jsna.indicators.published import agreement_summary, limits_agreement

    rows = ws.table("indicator_values", "source_id = ?", [source_id])
    return agreement_summary(limits_agreement(rows))


def validate(kind: str | None, file: Path, options: ReadOptions | None = None) -> ValidationReport:
    """Check one file against its kind (detected when not given); loads nothing."""
    file_kind = kind or detect_kind(Path(file), options=options)[0]
    return validate_file(file_kind, Path(file), options)


@dataclass
class InputsListing:
    rows: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return {"inputs": self.rows}


def list_inputs(config: Config) -> InputsListing:
    """Every input with its provenance, what it replaced in older files and what replaced it."""
    with Workspace.open(config.workspace_path, read_only=True) as ws:
        prov = ws.provenance()
        pairs = ws.replacements() if "replacements" in _table_names(ws) else []
    rows = [
        {str(k): (None if v != v else v) for k, v in r.items()} for r in prov.to_dict("records")
    ]
    for row in rows:
        row["replaced"] = [old.to_dict() for new, old in pairs if new.source_id == row["source_id"]]
        row["replaced_by"] = [
            new.to_dict() for new, old in pairs if old.source_id == row["source_id"]
        ]
        partly = row["status"] == "loaded" and row["replaced_by"]
        row["state"] = "partly replaced" if partly else row["status"]
    return InputsListing(rows)


def _table_names(ws: Workspace) -> set[str]:
    return {name for (name,) in ws.con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}


# -- remove -----------------------------------------------------------------------------------
@dataclass
class RemoveResult:
    """Inputs taken out of the workspace (or, with ``dry_run``, that would be)."""

    removals: list[Any]
    dry_run: bool = False
    #: the results table holds figures computed with the removed rows
    results_stale: bool = False

    @property
    def lost(self) -> list[Any]:
        """Rows of other (older) files the removed ones had replaced: gone for good."""
        removed = {r.source_id for r in self.removals}
        return [rep for r in self.removals for rep in r.replaced if rep.source_id not in removed]

    def to_dict(self) -> dict[str, Any]:
        reingest = sorted({rep.file_path or rep.file_name for rep in self.lost})
        return {
            "dry_run": self.dry_run,
            "removed": [r.to_dict() for r in self.removals],
            "lost": [rep.to_dict() for rep in self.lost],
            "reingest": reingest,
            "results_stale": self.results_stale,
        }


def remove(config: Config, targets: Sequence[str], *, dry_run: bool = False) -> RemoveResult:
    """Take loaded files (by input id, path or file name) out of every workspace table, in one
    transaction; with ``dry_run`` only say what would go."""
    if not targets:
        raise UsageError("give at least one FILE or input id (jsna inputs lists them)")
    with Workspace.open(config.workspace_path, read_only=dry_run) as ws:
        ids = list(dict.fromkeys(_resolve_input(ws, str(t)) for t in targets))
        removals = [ws.removal(i) for i in ids] if dry_run else ws.remove(ids)
        stale = ws.has_data("results")
    return RemoveResult(removals=removals, dry_run=dry_run, results_stale=stale)


def _resolve_input(ws: Workspace, target: str) -> int:
    """The input id a command-line target names: an id, a loaded file's path, or its file name."""
    from jsna.workspace import sha256_of

    prov = ws.provenance()
    if target.isdigit():
        if int(target) in set(prov["source_id"]):
            return int(target)
        raise UsageError(
            f"no input with id {target}; jsna inputs lists the loaded files and their ids"
        )
    path = Path(target)
    candidates = prov[prov["file_path"].eq(str(path.resolve()))]
    if candidates.empty and path.is_file():
        candidates = prov[prov["sha256"].eq(sha256_of(path))]
    if candidates.empty:
        candidates = prov[prov["file_name"].eq(path.name)]
    if candidates.empty:
        raise UsageError(
            f"{target}: no loaded input has this path, contents or file name; "
            f"jsna inputs lists the loaded files and their ids"
        )
    if len(candidates) > 1:
        listed = ", ".join(
            f"{int(i)} ({k}, {f})"
            for i, k, f in zip(
                candidates["source_id"], candidates["kind"], candidates["file_path"], strict=True
            )
        )
        raise UsageError(
            f"{target} names {len(candidates)} inputs: {listed}; give the input id instead"
        )
    return int(candidates["source_id"].iloc[0])


@dataclass
class QuarantineListing:
    """Rows held back by ``jsna ingest --skip-invalid-rows``, one per problem."""

    rows: list[dict[str, Any]]
    exported_to: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "quarantine": self.rows,
            "problems": len(self.rows),
            "rows": len({(r["source_id"], r["row"]) for r in self.rows}),
        }
        if self.exported_to:
            data["exported_to"] = self.exported_to
        return data


def list_quarantine(
    config: Config, *, file: str | None = None, source_id: int | None = None
) -> QuarantineListing:
    """The quarantined rows of every input (or of one file name or input id), in file order."""
    where: list[str] = []
    params: list[Any] = []
    if file:
        where.append("file_name = ?")
        params.append(Path(file).name)
    if source_id is not None:
        where.append("source_id = ?")
        params.append(source_id)
    with Workspace.open(config.workspace_path, read_only=True) as ws:
        frame = ws.table("quarantine", " AND ".join(where) or None, params)
    frame = frame.sort_values(["source_id", "row", "column_name"], na_position="last")
    rows = [
        {str(k): (None if v != v else v) for k, v in r.items()} for r in frame.to_dict("records")
    ]
    return QuarantineListing(rows)


def export_quarantine(
    config: Config, output: Path, *, file: str | None = None, source_id: int | None = None
) -> QuarantineListing:
    """Write the quarantined rows to CSV (or Parquet/JSON by the output's suffix)."""
    import pandas as pd

    listing = list_quarantine(config, file=file, source_id=source_id)
    frame = pd.DataFrame(
        listing.rows,
        columns=["source_id", "kind", "file_name", "row", "column_name", "value", "problem", "raw"],
    )
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    suffix = output.suffix.lower()
    if suffix == ".parquet":
        frame.to_parquet(output, index=False)
    elif suffix == ".json":
        output.write_text(json.dumps(listing.rows, indent=2, default=str) + "\n", encoding="utf-8")
    elif suffix in {".csv", ""}:
        from jsna.vocabulary.cells import safe_frame

        safe_frame(frame).to_csv(output, index=False)
    else:
        raise UsageError(
            f"cannot export quarantine to {output.name}: use a .csv, .parquet or .json file"
        )
    listing.exported_to = str(output)
    return listing


def kinds() -> dict[str, str]:
    reg = default_registry()
    return {k: s.title for k, s in sorted(reg.sources.items())}


# -- compute ---------------------------------------------------------------------------------
@user_errors("jsna compute")
def compute(config: Config, *, progress: Progress = None) -> ComputeResult:
    """Run every enabled indicator into the results table and every analysis of report sections
    7-10 into the workspace's ``analysis_*`` tables; returns the indicators' ComputeResult."""
    from jsna.indicators.analyses import compute_project

    result: ComputeResult = compute_project(config, progress=progress)
    return result


# -- report ----------------------------------------------------------------------------------
@user_errors("jsna report")
def report(
    config: Config,
    *,
    area: str | None = None,
    formats: Sequence[str] | None = None,
    output: Path | None = None,
    skipped: list[dict[str, str]] | None = None,
) -> ReportResult:
    """Render the report for one area as HTML and/or PDF; returns the files written."""
    from jsna.report.assemble import render_report

    return render_report(config, area=area, formats=formats, output=output, skipped=skipped)


@dataclass
class BatchReportResult:
    index: Path
    areas: list[Any]
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not any(a.status == "failed" for a in self.areas)

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": str(self.index),
            "ok": self.ok,
            "seconds": round(self.seconds, 2),
            "reported": sum(a.status == "ok" for a in self.areas),
            "areas": [a.to_dict() for a in self.areas],
        }


@user_errors("jsna report")
def report_all_areas(
    config: Config,
    *,
    areas: Sequence[str] | None = None,
    formats: Sequence[str] | None = None,
    output: Path | None = None,
    workers: int | None = None,
    progress: Callable[[int, int, Any], None] | None = None,
    level: str | None = None,
) -> BatchReportResult:
    """One report per area (every reportable area when ``areas`` is None) plus ``index.html``.

    With ``level`` (``ward`` or ``msoa``), also one page per small area of that level of each
    reported area, linked from the index (:mod:`jsna.report.small_areas`).

    Runs on a process pool (``workers``, default ``report.workers`` or the CPU count). Areas with
    no data get a note on the index page; an area that fails is reported there too and makes
    ``ok`` false, without stopping the others.
    """
    from jsna.report.assemble import report_settings
    from jsna.report.batch import render_areas
    from jsna.vocabulary.areas import GSS_PATTERN

    start = time.perf_counter()
    malformed = [a for a in areas or () if not GSS_PATTERN.match(a)]
    if malformed:
        raise UsageError(
            f"--areas takes ONS GSS codes like E06000001; not codes: {', '.join(malformed)}"
        )
    from jsna.indicators.small_areas import SMALL_AREA_LEVELS

    levels = [lv.lower() for lv in SMALL_AREA_LEVELS]
    if level is not None and level.lower() not in levels:
        raise UsageError(f"--level takes one of {', '.join(levels)}; got {level!r}")
    formats, out_dir, templates = report_settings(config, formats, output)
    outcomes = render_areas(
        config,
        areas,
        formats=formats,
        out_dir=out_dir,
        templates=templates,
        workers=workers or config.report.workers,
        progress=progress,
        level=level,
    )
    return BatchReportResult(
        index=out_dir / "index.html", areas=outcomes, seconds=time.perf_counter() - start
    )


# -- run and demo ------------------------------------------------------------------------------
@user_errors("jsna run")
def run(
    config_path: Path, *, progress: Progress = None, area: str | None = None, check: bool = False
) -> RunResult:
    """Ingest every [[inputs]] file, compute, and render: the unattended, scheduled path.

    Writes the report, ``results.csv`` and ``run.json`` to the output folder; with ``check``
    only validates config, plugins and inputs. ``result.ok`` is false (exit code 1) when an
    indicator or plugin failed; see :func:`jsna.runner.run_project`.
    """
    from jsna.runner import run_project

    return run_project(Path(config_path), area=area, progress=progress, check=check)


def demo(
    directory: Path | None = None,
    *,
    progress: Progress = None,
    formats: Sequence[str] | None = None,
) -> RunResult:
    """Copy the synthetic samples into a project folder and run the whole pipeline on them."""
    from jsna.resources import samples_dir

    samples = samples_dir()
    if not (samples / CONFIG_FILE).exists():
        raise JsnaError(f"the bundled samples are missing from {samples}; reinstall jsna")
    target = Path(directory) if directory else Path(tempfile.mkdtemp(prefix="jsna-demo-"))
    if (target / CONFIG_FILE).exists() or (target / "jsna.duckdb").exists():
        raise UsageError(f"{target} already holds a jsna project; choose an empty or new folder")
    target.mkdir(parents=True, exist_ok=True)
    shutil.copytree(
        samples,
        target,
        dirs_exist_ok=True,
        ignore=shutil.ignore_patterns("bad", "README.md", "__pycache__"),
    )
    if formats:  # the HTML report always, and the formats asked for as well
        chosen = list(dict.fromkeys(["html", *formats]))
        bad = [f for f in chosen if f not in {"html", "pdf"}]
        if bad:
            raise UsageError(f"unknown format {bad[0]!r}; use html or pdf")
        config_file = target / CONFIG_FILE
        text = config_file.read_text(encoding="utf-8")
        if 'formats = ["html"]' not in text:
            raise JsnaError(
                f"the bundled samples' {CONFIG_FILE} has no report formats line; reinstall jsna"
            )
        config_file.write_text(
            text.replace('formats = ["html"]', f"formats = {json.dumps(chosen)}"), encoding="utf-8"
        )
    return run(target / CONFIG_FILE, progress=progress)


# -- analyses for sections 7-10 (jsna inequality / project / vfm) ------------------------------------------
@dataclass
class AnalysisResult:
    """Named tables from one analysis, for printing or ``--json``."""

    analysis: str
    area_code: str
    tables: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        import math

        def clean(v: Any) -> Any:
            if isinstance(v, float) and not math.isfinite(v):
                return None
            return v.item() if hasattr(v, "item") else v

        return {
            "analysis": self.analysis,
            "area_code": self.area_code,
            "notes": self.notes,
            "tables": {
                k: [{c: clean(v) for c, v in row.items()} for row in t.to_dict("records")]
                for k, t in self.tables.items()
            },
        }


def _analysis_area(config: Config, area: str | None) -> str:
    code = area or config.project.area
    if not code:
        raise UsageError("no area given: pass --area CODE or set project.area in jsna.toml")
    return code


def _tables(ws: Workspace) -> Callable[[str], Any]:
    cache: dict[str, Any] = {}

    def get(name: str) -> Any:
        if name not in cache:
            cache[name] = ws.table(name)
        return cache[name]

    return get


def _stored(ws: Workspace, config: Config, code: str, analysis: str) -> dict[str, Any] | None:
    """What compute stored of ``analysis`` for ``code``, when it used the settings of ``config``."""
    from jsna.indicators.analyses import changed_settings

    stored = ws.analysis_settings()
    if not stored or changed_settings(stored, config):
        return None
    return ws.stored_analysis(code, analysis)


def _frames(found: dict[str, Any]) -> dict[str, Any]:
    import pandas as pd

    return {k: v for k, v in found.items() if isinstance(v, pd.DataFrame)}


@user_errors("jsna inequality")
def inequality(config: Config, *, area: str | None = None) -> AnalysisResult:
    """Section 7 analyses for one area: life expectancy by deprivation quintile, the gap and its
    decomposition, SII, HEAT measures, and the gap to the benchmark by cause."""
    from jsna.indicators.analyses import inequality_analysis

    code = _analysis_area(config, area)
    with Workspace.open(config.workspace_path, read_only=True) as ws:
        found = _stored(ws, config, code, "inequality")
        if found is None:
            found = inequality_analysis(
                _tables(ws),
                code,
                config.project.benchmark,
                seed=config.analysis.seed,
                repetitions=config.analysis.repetitions,
            )
    if not found:
        raise UsageError(
            f"nothing to analyse for {code}: ingest LSOA deaths and population with IMD by LSOA, "
            "or deaths by cause for the area and its benchmark"
        )
    return AnalysisResult("inequality", code, _frames(found))


@user_errors("jsna project")
def project(
    config: Config,
    *,
    area: str | None = None,
    horizon: int | None = None,
    year_type: str | None = None,
) -> AnalysisResult:
    """Sections 8-9 for one area: projected population, service use and outcomes with intervals."""
    from jsna.indicators.analyses import projection_analysis

    code = _analysis_area(config, area)
    p = projection_settings(config, horizon=horizon, year_type=year_type)
    configured = config.projections
    overridden = p.horizon != configured.horizon or p.year_type != configured.year_type
    with Workspace.open(config.workspace_path, read_only=True) as ws:
        found = None if overridden else _stored(ws, config, code, "projection")
        if found is None:
            found = projection_analysis(
                _tables(ws),
                code,
                horizon=p.horizon,
                year_type=p.year_type,
                base_years=p.base_years,
                principal=p.principal,
                scenarios=config.scenarios,
                repetitions=p.repetitions,
                seed=config.analysis.seed,
            )
    if not found:
        raise UsageError(f"no population estimates for {code}: jsna ingest population FILE")
    notes = [
        f"population: {found.get('population_source')}"
        + (f" ({found['population_method']})" if found.get("population_method") else "")
    ]
    frames = _frames(found)
    frames.pop("pyramid_now", None)
    frames.pop("pyramid_then", None)
    return AnalysisResult("project", code, frames, notes)


@user_errors("jsna vfm")
def vfm(config: Config, *, area: str | None = None) -> AnalysisResult:
    """Section 10 for one area: spend and outcome quadrants, ROI, personal health budgets."""
    from jsna.indicators.analyses import value_for_money_analysis

    code = _analysis_area(config, area)
    with Workspace.open(config.workspace_path, read_only=True) as ws:
        from jsna.indicators.context import ComputeContext

        found = _stored(ws, config, code, "value_for_money")
        if found is None:
            found = value_for_money_analysis(
                _tables(ws),
                code,
                ComputeContext(ws).area_names().get(code, code),
                roi=config.roi,
                phb=config.phb,
                repetitions=config.analysis.repetitions,
                seed=config.analysis.seed,
            )
    if not found:
        raise UsageError(
            "nothing to analyse: ingest a spend table (jsna ingest spend FILE), PHB returns, "
            "or add [[roi]] to jsna.toml"
        )
    return AnalysisResult("vfm", code, _frames(found))


#: the tables ``jsna allocation`` prints (the rest, person by person, are in ``jsna export``)
ALLOCATION_TABLES = (
    "allocation_price",
    "allocation_calibration",
    "allocation_indicative",
    "allocation_equity",
    "allocation_measures",
)


@user_errors("jsna allocation")
def allocation(config: Config, *, area: str | None = None) -> AnalysisResult:
    """Resource allocation for one area: the price per point, the calibration of agreed budgets
    to RAS points, indicative against agreed budgets, and £ per point by area and group."""
    from jsna.indicators.analyses import allocation_analysis

    code = _analysis_area(config, area)
    with Workspace.open(config.workspace_path, read_only=True) as ws:
        found = _stored(ws, config, code, "allocation")
        if found is None:
            found = allocation_analysis(
                _tables(ws), code, config.allocation, seed=config.analysis.seed
            )
    if not found:
        raise UsageError(
            f"nothing to analyse for {code}: ingest needs assessments (jsna ingest assessments "
            "FILE) for people in the area and their budgets (jsna ingest phb-budgets FILE)"
        )
    notes = [
        f"{found['allocation_with_budget']:,} of {found['allocation_assessed']:,} people assessed "
        f"have a budget; areas compared: {found['allocation_area_level']}"
    ]
    frames = {k: v for k, v in _frames(found).items() if k in ALLOCATION_TABLES}
    return AnalysisResult("allocation", code, frames, notes)
