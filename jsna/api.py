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
from typing import Any

from jsna import __version__
from jsna.config import CONFIG_FILE, DEFAULT_TOML, Config, load_config
from jsna.errors import ChecksFailedError, InvalidDataError, JsnaError, UsageError
from jsna.ingest.base import ReadOptions
from jsna.ingest.issues import ValidationReport
from jsna.ingest.pipeline import (
    IngestOutcome,
    default_registry,
    detect_kind,
    ingest_file,
    validate_file,
)
from jsna.workspace import Workspace

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


NARRATIVE_FILES = {
    "voice.md": "# What service users tell us\n\nSummarise Healthwatch reports, complaints and compliments, "
                "and engagement findings here. This text appears in section 5 of the report.\n",
    "public_demands.md": "# What residents ask for\n\nSummarise consultations, petitions, councillor and MP "
                         "enquiries here. This text appears in section 6 of the report.\n",
}


def init_project(directory: Path, *, name: str | None = None) -> InitResult:
    """Scaffold a project: jsna.toml, inputs/, narrative/ (with starter files), .gitignore."""
    directory = Path(directory)
    if (directory / CONFIG_FILE).exists():
        raise UsageError(f"{directory / CONFIG_FILE} already exists; not overwriting it")
    created = []
    for sub in ("inputs", "narrative", "output"):
        (directory / sub).mkdir(parents=True, exist_ok=True)
        created.append(f"{sub}/")
    title = name or f"{directory.resolve().name} Joint Strategic Needs Assessment"
    (directory / CONFIG_FILE).write_text(DEFAULT_TOML.format(name=title.replace('"', "'")), encoding="utf-8")
    created.append(CONFIG_FILE)
    for file, text in NARRATIVE_FILES.items():
        target = directory / "narrative" / file
        if not target.exists():
            target.write_text(text, encoding="utf-8")
            created.append(f"narrative/{file}")
    gitignore = directory / ".gitignore"
    if not gitignore.exists():
        gitignore.write_text("jsna.duckdb\njsna.duckdb.wal\ngeometry/\noutput/\n", encoding="utf-8")
        created.append(".gitignore")
    return InitResult(directory=directory.resolve(), created=created)


# -- ingest and validate ------------------------------------------------------------------------
@dataclass
class IngestSummary:
    outcomes: list[IngestOutcome] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"files": [o.to_dict() for o in self.outcomes]}


def ingest(config: Config, kind: str | None, files: Sequence[Path], options: ReadOptions | None = None, *,
           skip_invalid_rows: bool = False) -> IngestSummary:
    """Validate and load files into the project's workspace, each in its own transaction."""
    summary = IngestSummary()
    with Workspace.open(config.workspace_path) as ws:
        for file in files:
            file_kind = kind or detect_kind(Path(file))[0]
            summary.outcomes.append(ingest_file(ws, file_kind, Path(file), options,
                                                skip_invalid_rows=skip_invalid_rows))
    return summary


def validate(kind: str | None, file: Path, options: ReadOptions | None = None) -> ValidationReport:
    file_kind = kind or detect_kind(Path(file))[0]
    return validate_file(file_kind, Path(file), options)


@dataclass
class InputsListing:
    rows: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return {"inputs": self.rows}


def list_inputs(config: Config) -> InputsListing:
    with Workspace.open(config.workspace_path, read_only=True) as ws:
        prov = ws.provenance()
    rows = [{k: (None if v != v else v) for k, v in r.items()} for r in prov.to_dict("records")]
    return InputsListing(rows)


def kinds() -> dict[str, str]:
    reg = default_registry()
    return {k: s.title for k, s in sorted(reg.sources.items())}


# -- compute ---------------------------------------------------------------------------------
def compute(config: Config, *, progress: Progress = None):  # type: ignore[no-untyped-def]
    """Run every enabled indicator into the results table; returns a ComputeResult."""
    from jsna.indicators.context import ComputeContext
    from jsna.indicators.registry import IndicatorRegistry, run_indicators

    registry = IndicatorRegistry.from_entry_points()
    unknown = [i for i in config.indicators.disabled if i not in registry.indicators]
    if unknown:
        raise UsageError(f"indicators.disabled names unknown indicators: {', '.join(unknown)}")
    with Workspace.open(config.workspace_path) as ws:
        ctx = ComputeContext(ws, benchmark_code=config.project.benchmark, config=config.model_dump())
        results, outcome = run_indicators(ctx, registry, tuple(config.indicators.disabled), progress=progress)
        ws.replace_results(results)
    return outcome


# -- report ----------------------------------------------------------------------------------
@dataclass
class ReportResult:
    outputs: list[Path]
    area_code: str
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"area_code": self.area_code, "outputs": [str(p) for p in self.outputs],
                "seconds": round(self.seconds, 2)}


def report(config: Config, *, area: str | None = None, formats: Sequence[str] | None = None,
           output: Path | None = None, skipped: list[dict[str, str]] | None = None) -> ReportResult:
    """Render the report for one area as HTML and/or PDF; returns the files written."""
    from jsna.report.assemble import assemble_report
    from jsna.report.render import write_html, write_pdf

    start = time.perf_counter()
    area_code = area or config.project.area
    if not area_code:
        raise UsageError("no area given: pass --area CODE or set project.area in jsna.toml")
    formats = list(formats or config.report.formats)
    bad = [f for f in formats if f not in {"html", "pdf"}]
    if bad:
        raise UsageError(f"unknown format {bad[0]!r}; use html or pdf")
    out_dir = Path(output) if output else config.output_dir
    templates = config.path(config.report.templates_dir) if config.report.templates_dir else config.root / "templates"
    with Workspace.open(config.workspace_path, read_only=True) as ws:
        model = assemble_report(ws, config, area_code, skipped=skipped)
    stem = f"jsna-{area_code}"
    outputs = []
    for fmt in formats:
        path = out_dir / f"{stem}.{fmt}"
        writer = write_html if fmt == "html" else write_pdf
        outputs.append(writer(model, path, user_templates=templates))
    return ReportResult(outputs=outputs, area_code=area_code, seconds=time.perf_counter() - start)


# -- run and demo ------------------------------------------------------------------------------
@dataclass
class RunResult:
    config_path: str
    ingested: list[dict[str, Any]] = field(default_factory=list)
    compute: dict[str, Any] = field(default_factory=dict)
    outputs: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    ok: bool = True
    problems: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"jsna_version": __version__, "config": self.config_path, "ok": self.ok,
                "inputs": self.ingested, "indicators": self.compute, "outputs": self.outputs,
                "timings": {k: round(v, 2) for k, v in self.timings.items()}, "problems": self.problems}


def run(config_path: Path, *, progress: Progress = None, area: str | None = None) -> RunResult:
    """Ingest every [[inputs]] file, compute, and render: the unattended, scheduled path.

    Writes ``run.json`` beside the outputs. Raises :class:`ChecksFailedError` (exit 1) after
    rendering if an indicator failed, so the report and the summary are still written.
    """
    config = load_config(Path(config_path))
    result = RunResult(config_path=str(Path(config_path).resolve()))
    t0 = time.perf_counter()
    with Workspace.open(config.workspace_path) as ws:
        for spec in config.inputs:
            path = config.path(spec.path)
            if progress:
                progress(f"ingest {spec.kind} {path.name}")
            try:
                outcome = ingest_file(ws, spec.kind, path, ReadOptions.from_dict(spec.options()))
            except InvalidDataError as exc:
                raise InvalidDataError(f"inputs: {spec.path}: {exc}", exc.issues) from exc
            result.ingested.append({"kind": spec.kind, "file": spec.path, "sha256": outcome.sha256,
                                    "status": outcome.status, "rows": outcome.rows_loaded})
    result.timings["ingest"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    outcome = compute(config, progress=progress)
    result.compute = outcome.to_dict()
    result.timings["compute"] = time.perf_counter() - t1
    t2 = time.perf_counter()
    skipped = [{"id": r.id, "reason": r.reason} for r in outcome.runs if r.status in {"failed"}]
    skipped += [{"id": f.name, "reason": f.reason} for f in outcome.plugin_failures]
    if progress:
        progress("report")
    rendered = report(config, area=area, skipped=skipped)
    result.outputs = [str(p) for p in rendered.outputs]
    result.timings["report"] = time.perf_counter() - t2
    result.timings["total"] = time.perf_counter() - t0
    if not outcome.ok:
        result.ok = False
        result.problems = [f"{r['id']}: {r['reason']}" for r in skipped]
    summary_path = config.output_dir / "run.json"
    summary_path.parent.mkdir(parents=True, exist_ok=True)
    summary_path.write_text(json.dumps(result.to_dict(), indent=2, default=str) + "\n", encoding="utf-8")
    result.outputs.append(str(summary_path))
    if not result.ok:
        raise ChecksFailedError(f"run finished with problems: {'; '.join(result.problems)}")
    return result


def demo(directory: Path | None = None, *, progress: Progress = None, formats: Sequence[str] | None = None) -> RunResult:
    """Copy the synthetic samples into a project folder and run the whole pipeline on them."""
    from jsna.resources import samples_dir

    samples = samples_dir()
    if not (samples / CONFIG_FILE).exists():
        raise JsnaError(f"the bundled samples are missing from {samples}; reinstall jsna")
    target = Path(directory) if directory else Path(tempfile.mkdtemp(prefix="jsna-demo-"))
    if (target / CONFIG_FILE).exists() or (target / "jsna.duckdb").exists():
        raise UsageError(f"{target} already holds a jsna project; choose an empty or new folder")
    target.mkdir(parents=True, exist_ok=True)
    shutil.copytree(samples, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("bad", "README.md", "__pycache__"))
    if formats:
        config_file = target / CONFIG_FILE
        text = config_file.read_text(encoding="utf-8")
        text = text.replace('formats = ["html"]', f"formats = {json.dumps(list(formats))}")
        config_file.write_text(text, encoding="utf-8")
    return run(target / CONFIG_FILE, progress=progress)
