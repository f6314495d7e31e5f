"""The scheduled path: ``jsna run --config jsna.toml`` from config to report, unattended.

One function, :func:`run_project`, does ingest -> compute -> report -> results CSV, and
writes ``run.json`` (inputs with sha256, indicators computed/skipped/failed, outputs with
sha256, timings) beside the report, even when a step fails. With ``check=True`` it only
validates the config, the plugins and every input file, and writes nothing.

Same inputs and config give byte-identical report HTML and results CSV: the run date comes
from ``[project] run_date`` or ``SOURCE_DATE_EPOCH``, rows are sorted, and nothing in those
files depends on the clock or on where the project folder is. ``run.json`` does carry
timings, so it differs between runs.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jsna import __version__
from jsna.config import load_config
from jsna.errors import (
    EXIT_INVALID,
    EXIT_OK,
    ConfigError,
    InvalidDataError,
    JsnaError,
    UsageError,
)

if TYPE_CHECKING:
    from jsna.config import Config

Progress = Callable[[str], None] | None
RUN_SUMMARY = "run.json"
RESULTS_CSV = "results.csv"


@dataclass
class RunResult:
    """What a run (or a check) did; ``to_dict()`` is exactly what ``run.json`` holds."""

    config_path: str
    mode: str = "run"  # run | check
    area: str | None = None
    run_date: str = ""
    ingested: list[dict[str, Any]] = field(default_factory=list)
    compute: dict[str, Any] = field(default_factory=dict)
    report_skipped: list[dict[str, str]] = field(default_factory=list)
    comparison: dict[str, Any] | None = None
    outputs: list[str] = field(default_factory=list)
    output_hashes: dict[str, str] = field(default_factory=dict)
    overrides: dict[str, str] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    error: dict[str, Any] | None = None
    #: the project folder (input paths are relative to it); not written to run.json
    root: str = "."

    def absolute(self, path: str) -> Path:
        """An entry of ``outputs`` or an input path as a path usable from anywhere."""
        return (Path(self.root) / path).resolve()

    @property
    def ok(self) -> bool:
        return not self.problems and self.error is None

    @property
    def exit_code(self) -> int:
        if self.error is not None:
            return int(self.error.get("exit_code", EXIT_INVALID))
        return EXIT_OK if self.ok else EXIT_INVALID

    def to_dict(self) -> dict[str, Any]:
        return {
            "jsna_version": __version__,
            "mode": self.mode,
            "config": self.config_path,
            "ok": self.ok,
            "exit_code": self.exit_code,
            "area": self.area,
            "run_date": self.run_date,
            "environment_overrides": self.overrides,
            "inputs": self.ingested,
            "indicators": self.compute,
            "report_skipped": self.report_skipped,
            "comparison": self.comparison,
            "outputs": [{"path": p, "sha256": self.output_hashes.get(p)} for p in self.outputs],
            "timings": {k: round(v, 3) for k, v in self.timings.items()},
            "problems": self.problems,
            "error": self.error,
        }


def run_project(
    config_path: Path, *, area: str | None = None, progress: Progress = None, check: bool = False
) -> RunResult:
    """Run (or with ``check``, only validate) the project described by ``config_path``.

    Raises :class:`ConfigError` (exit 3) for a bad config or a file it names that is
    missing, :class:`UsageError` (exit 2) when no area is given, :class:`PluginError` (exit 3)
    when two plugins claim one id. Problems found while running (invalid input rows, a
    failed indicator or section plugin) make ``result.ok`` false (exit 1); an input that
    cannot be loaded stops the run with its error, after ``run.json`` is written. The run
    holds the workspace alone from its first step to its last; a busy workspace is waited for
    (:func:`jsna.workspace.set_lock_wait`), then :class:`WorkspaceBusyError` (exit 3).
    """
    config = load_config(Path(config_path))
    result = RunResult(
        config_path=_relative(Path(config_path).resolve(), config.root),
        mode="check" if check else "run",
        area=area or config.project.area,
        run_date=config.run_date().isoformat(),
        overrides=config.overrides,
        root=str(config.root),
    )
    missing = config.missing_files()
    if missing:
        raise ConfigError("\n".join(missing))
    if not result.area:
        raise UsageError(
            f"{config.where('project')}: no area: set project.area (or JSNA_AREA, or --area)"
        )
    _check_plugins(config)
    if check:
        return _check_inputs(config, result, progress)
    from jsna.workspace import hold

    start = time.perf_counter()
    try:
        # one lock across ingest, compute, report and export: no other command changes the
        # workspace between the steps (waiting for it as --wait says)
        with hold(config.workspace_path, exclusive=True):
            _run(config, result, progress)
    except JsnaError as exc:
        result.error = exc.to_dict()
        result.timings["total"] = time.perf_counter() - start
        _write_summary(config, result)
        raise
    result.timings["total"] = time.perf_counter() - start
    _write_summary(config, result)
    return result


def _check_plugins(config: Config) -> None:
    """Load every plugin group now, so that a conflict stops the run before any work (exit 3)."""
    from jsna.indicators.registry import IndicatorRegistry, unknown_indicator_settings
    from jsna.plugins import SectionRegistry

    registry = IndicatorRegistry.from_entry_points()
    SectionRegistry.from_entry_points()
    unknown = unknown_indicator_settings(config.indicators, registry.indicators)
    if unknown:
        raise ConfigError(
            "; ".join(f"{config.where('indicators', setting)}: {text}" for setting, text in unknown)
        )


def _check_inputs(config: Config, result: RunResult, progress: Progress) -> RunResult:
    from jsna.indicators.registry import IndicatorRegistry
    from jsna.ingest.base import ReadOptions
    from jsna.ingest.pipeline import validate_file
    from jsna.plugins import SectionRegistry
    from jsna.workspace import sha256_of

    start = time.perf_counter()
    for number, spec in enumerate(config.inputs):
        path = config.path(spec.path)
        if progress:
            progress(f"check {spec.kind} {path.name}")
        try:
            report = validate_file(spec.kind, path, ReadOptions.from_dict(spec.options()))
        except JsnaError as exc:
            result.ingested.append(
                {"kind": spec.kind, "file": spec.path, "status": "unreadable", "error": str(exc)}
            )
            result.problems.append(f"{config.where('inputs', number, 'path')}: {spec.path}: {exc}")
            continue
        entry = {
            "kind": spec.kind,
            "file": spec.path,
            "sha256": sha256_of(path),
            "status": "valid" if report.ok else "invalid",
            "rows_read": report.rows_read,
            "errors": len(report.errors),
            "warnings": len(report.warnings),
        }
        result.ingested.append(entry)
        if not report.ok:
            first = report.errors[0]
            result.problems.append(
                f"{spec.path}: {len(report.errors)} invalid row(s), first: {first}"
            )
    failures = [
        *IndicatorRegistry.from_entry_points().failures,
        *SectionRegistry.from_entry_points().failures,
    ]
    result.problems += [f"plugin {f.label}: {f.reason}" for f in failures]
    if config.compare.previous_results:
        from jsna.compare import read_previous

        try:
            read_previous(config.path(config.compare.previous_results))
        except JsnaError as exc:
            result.problems.append(f"{config.where('compare', 'previous_results')}: {exc}")
    result.timings["check"] = time.perf_counter() - start
    return result


def _run(config: Config, result: RunResult, progress: Progress) -> None:
    from jsna.indicators.analyses import compute_project
    from jsna.ingest.base import ReadOptions
    from jsna.ingest.pipeline import ingest_file
    from jsna.report.assemble import render_report
    from jsna.workspace import Workspace

    t0 = time.perf_counter()
    with Workspace.open(config.workspace_path) as ws:
        for number, spec in enumerate(config.inputs):
            path = config.path(spec.path)
            if progress:
                progress(f"ingest {spec.kind} {path.name}")
            started = time.perf_counter()
            try:
                outcome = ingest_file(ws, spec.kind, path, ReadOptions.from_dict(spec.options()))
            except InvalidDataError as exc:
                result.ingested.append(
                    {
                        "kind": spec.kind,
                        "file": spec.path,
                        "status": "invalid",
                        "issues": len(exc.issues),
                    }
                )
                raise InvalidDataError(
                    f"{config.where('inputs', number, 'path')}: {spec.path}: {exc}", exc.issues
                ) from exc
            result.ingested.append(
                {
                    "kind": spec.kind,
                    "file": spec.path,
                    "sha256": outcome.sha256,
                    "status": outcome.status,
                    "rows_read": outcome.rows_read,
                    "rows_loaded": outcome.rows_loaded,
                    "seconds": round(time.perf_counter() - started, 3),
                }
            )
    result.timings["ingest"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    outcome = compute_project(config, progress=progress)
    result.compute = outcome.to_dict()
    result.timings["compute"] = time.perf_counter() - t1
    result.problems += [f"indicator {r.id} failed: {r.reason}" for r in outcome.failed]
    result.problems += [f"plugin {f.label}: {f.reason}" for f in outcome.plugin_failures]
    # the report names each indicator by its title and says in words why it is missing (no error text)
    skipped = [r.to_report() for r in outcome.failed]
    skipped += [
        {
            "id": f.label,
            "reason": "not included: the plugin that provides it could not be loaded; "
            "the run log (run.json) gives the details",
        }
        for f in outcome.plugin_failures
    ]
    skipped += [r.to_report() for r in outcome.runs if r.status == "skipped"]
    t2 = time.perf_counter()
    if progress:
        progress("report")
    rendered = render_report(config, area=result.area, skipped=skipped)
    result.report_skipped = [s for s in rendered.skipped if s.get("kind") == "section"]
    result.problems += [
        f"report block {s['id']} failed: {s['reason']}" for s in result.report_skipped
    ]
    result.timings["report"] = time.perf_counter() - t2
    t3 = time.perf_counter()
    paths = [*rendered.outputs, _write_results_csv(config, rendered.outputs[0].parent)]
    result.comparison = _comparison(config, result.area or "")
    result.timings["export"] = time.perf_counter() - t3
    for path in paths:
        key = str(Path(path).resolve())
        result.outputs.append(key)
        result.output_hashes[key] = _sha256(Path(path))


def _write_results_csv(config: Config, folder: Path) -> Path:
    """Every area's results in Fingertips column order, beside the report (next year's baseline)."""
    from jsna.export import write_export
    from jsna.indicators.context import ComputeContext
    from jsna.workspace import Workspace

    with Workspace.open(config.workspace_path, read_only=True) as ws:
        from jsna.export import sort_results

        results = sort_results(ws.table("results"))
        names = ComputeContext(ws).area_names()
    benchmark = config.project.benchmark
    return write_export(
        results,
        folder / RESULTS_CSV,
        "csv",
        metadata={},
        benchmark_name=names.get(benchmark, benchmark),
        names=names,
    )


def _comparison(config: Config, area: str) -> dict[str, Any] | None:
    """Counts of significant changes for the area since ``[compare] previous_results``."""
    if not config.compare.previous_results:
        return None
    from jsna.compare import changes, read_previous
    from jsna.workspace import Workspace, sha256_of

    path = config.path(config.compare.previous_results)
    previous = read_previous(path)
    with Workspace.open(config.workspace_path, read_only=True) as ws:
        current = ws.table("results")
    found = changes(
        current[current["area_code"].eq(area)],
        previous[previous["area_code"].eq(area)],
        confidence=config.compare.confidence,
    )
    moved = found[~found["change"].isin(["No significant change", "Not compared"])]
    return {
        "previous_results": config.compare.previous_results,
        "sha256": sha256_of(path),
        "test": f"z-test on the difference, {config.compare.confidence:.1%} two-sided",
        "counts": {k: int(v) for k, v in sorted(found["change"].value_counts().items())},
        "significant": [
            {
                "indicator_id": r["indicator_id"],
                "sex": r["sex"],
                "age": r["age"],
                "category": r["category"],
                "previous_period": r["previous_period"],
                "previous_value": float(r["previous_value"]),
                "period": r["period"],
                "value": float(r["value"]),
                "change": r["change"],
            }
            for _, r in moved.iterrows()
        ],
    }


def _write_summary(config: Config, result: RunResult) -> Path:
    path = config.output_dir / RUN_SUMMARY
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(result.to_dict(), indent=2, default=str) + "\n", encoding="utf-8")
    tmp.replace(path)
    result.outputs.append(str(path.resolve()))
    return path


def _relative(path: Path, root: Path) -> str:
    """``path`` relative to the project folder when inside it (portable run.json), else absolute."""
    try:
        return Path(path).resolve().relative_to(Path(root).resolve()).as_posix()
    except ValueError:
        return str(Path(path).resolve())


def _sha256(path: Path) -> str:
    from jsna.workspace import sha256_of

    return sha256_of(path)
