"""One report per area (``jsna report --all-areas`` / ``--areas``) plus an index page, on a process pool.

Each worker process opens the workspace read-only once (on its first area) and renders the areas
handed to it, which it is sent by code only. What every area's report reads alike (the whole
tables, the area names, the results after disclosure control) the worker reads once and keeps
for all its areas (:class:`jsna.report.context.WorkspaceReads`), so an area's report costs the
same however many areas the project holds. An area that cannot be reported (no data for it, say) is recorded with a plain note
on the index page instead of stopping the batch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jsna.errors import JsnaError, UsageError

_WORKER: dict[str, Any] = {}


@dataclass
class AreaOutcome:
    area_code: str
    area_name: str = ""
    status: str = "ok"  # ok | no-data | failed
    outputs: list[str] = field(default_factory=list)
    note: str = ""
    seconds: float = 0.0
    #: a page of one small area (``--level``), listed under its local authority on the index
    small_area: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "area_code": self.area_code,
            "area_name": self.area_name,
            "status": self.status,
            "outputs": self.outputs,
            "note": self.note,
            "seconds": round(self.seconds, 2),
            "small_area": self.small_area,
        }


def areas_to_report(config: Any) -> list[tuple[str, str]]:
    """Every area with results (else population) that is not a benchmark level or a small area,
    sorted: :func:`jsna.indicators.analyses.reportable_areas` on the stored workspace."""
    from jsna.indicators.analyses import reportable_areas
    from jsna.indicators.context import ComputeContext
    from jsna.workspace import Workspace

    with Workspace.open(config.workspace_path, read_only=True) as ws:
        results = ws.con.execute("SELECT DISTINCT area_code, area_type FROM results").df()
        population = ws.con.execute("SELECT DISTINCT area_code FROM population").df()
        names = ComputeContext(ws).area_names()
    return reportable_areas(results, population["area_code"], names, config.project.benchmark)


def _init_worker(config_data: dict[str, Any], root: str, parent: int | None = None) -> None:
    import os

    os.environ.setdefault("OMP_NUM_THREADS", "1")
    if parent is not None:
        from jsna.processes import die_with_parent

        die_with_parent(parent)
    from jsna.config import Config

    _close_worker()
    _WORKER["config"] = Config.model_validate({**config_data, "root": Path(root)})


def _worker_workspace() -> Any:
    """The workspace this worker reads, opened read-only on its first area and kept open for
    the others."""
    if "workspace" not in _WORKER:
        from contextlib import ExitStack

        from jsna.workspace import Workspace

        stack = ExitStack()
        _WORKER["workspace"] = stack.enter_context(
            Workspace.open(_WORKER["config"].workspace_path, read_only=True)
        )
        _WORKER["stack"] = stack
    return _WORKER["workspace"]


def _worker_reads() -> Any:
    """The worker's :class:`~jsna.report.context.WorkspaceReads`, shared by all its areas."""
    if "reads" not in _WORKER:
        from jsna.report.context import WorkspaceReads

        _WORKER["reads"] = WorkspaceReads(_worker_workspace())
    return _WORKER["reads"]


def _freeze_worker_heap() -> None:
    """After the worker's first area, once: collect its garbage, then leave every object alive
    (the whole tables all its areas share, the compiled templates, the fonts) out of the
    garbage collector's later passes (:func:`gc.freeze`). The full collection each later area
    starts with (:func:`jsna.processes.full_collections_held`) would walk them all, though they
    live as long as the worker; an area's own objects, and its garbage, are collected as before.
    :func:`_close_worker` gives them back. A process that froze objects of its own (a batch run
    in it, ``workers=1``) is left to its own freezing: nothing more frozen, nothing thawed."""
    if "frozen" in _WORKER:
        return
    import gc

    if gc.get_freeze_count():
        _WORKER["frozen"] = False
        return
    gc.collect()
    gc.freeze()
    _WORKER["frozen"] = True


def _close_worker() -> None:
    if _WORKER.pop("frozen", False):
        import gc

        gc.unfreeze()
    stack = _WORKER.pop("stack", None)
    _WORKER.pop("reads", None)
    _WORKER.pop("workspace", None)
    if stack is not None:
        stack.close()


def _render_one(
    area_code: str,
    formats: Sequence[str],
    out_dir: str,
    templates: str | None,
    small_area: bool = False,
) -> AreaOutcome:
    import time

    from jsna.processes import full_collections_held

    start = time.perf_counter()
    config = _WORKER["config"]
    outcome = AreaOutcome(area_code)
    with full_collections_held():  # one full collection an area, as the next one starts
        if small_area:
            return _render_small_area(outcome, out_dir, templates, start)
        _render_area(outcome, config, formats, out_dir, templates)
    outcome.seconds = time.perf_counter() - start
    return outcome


def _render_area(
    outcome: AreaOutcome,
    config: Any,
    formats: Sequence[str],
    out_dir: str,
    templates: str | None,
) -> None:
    from jsna.report.assemble import assemble_report
    from jsna.report.render import write_html, write_pdf

    area_code = outcome.area_code
    try:
        model = assemble_report(_worker_workspace(), config, area_code, reads=_worker_reads())
        outcome.area_name = model.area_name
        for fmt in formats:
            writer = write_html if fmt == "html" else write_pdf
            path = writer(
                model,
                Path(out_dir) / f"jsna-{area_code}.{fmt}",
                user_templates=Path(templates) if templates else None,
            )
            outcome.outputs.append(path.name)
        _freeze_worker_heap()  # the tables every area reads are read by now
        empty = [s.info.title for s in model.sections if s.empty]
        if len(empty) == len(model.sections):
            outcome.note = "no indicator or chart could be drawn for this area; every section lists the data it needs"
        elif empty:
            outcome.note = f"{len(empty)} of {len(model.sections)} sections are waiting for data"
    except UsageError as exc:
        outcome.status, outcome.note = "no-data", str(exc).split(";")[0]
    except JsnaError as exc:
        outcome.status, outcome.note = "failed", str(exc)
    except (
        Exception
    ) as exc:  # one area's failure must not stop the others; reported on the index page
        outcome.status, outcome.note = "failed", f"{type(exc).__name__}: {exc}"


def _render_small_area(
    outcome: AreaOutcome, out_dir: str, templates: str | None, start: float
) -> AreaOutcome:
    """One small area's page (:func:`jsna.report.small_areas.small_area_page`), HTML only."""
    import time

    from jsna.report.small_areas import write_small_area_page

    try:
        name, path = write_small_area_page(
            _worker_workspace(),
            _WORKER["config"],
            outcome.area_code,
            Path(out_dir) / f"jsna-{outcome.area_code}.html",
            templates=Path(templates) if templates else None,
        )
        outcome.area_name, outcome.outputs = name, [path.name]
    except UsageError as exc:
        outcome.status, outcome.note = "no-data", str(exc)
    except Exception as exc:  # one page's failure must not stop the others
        outcome.status, outcome.note = "failed", f"{type(exc).__name__}: {exc}"
    outcome.seconds = time.perf_counter() - start
    return outcome


def small_areas_to_report(config: Any, level: str) -> list[tuple[str, str, str]]:
    """``(code, name, parent code)`` of every small area of ``level`` with stored values."""
    from jsna.report.small_areas import small_areas_to_report as listed
    from jsna.workspace import Workspace

    with Workspace.open(config.workspace_path, read_only=True) as ws:
        return listed(ws, level)


def render_areas(
    config: Any,
    areas: Sequence[str] | None,
    *,
    formats: Sequence[str],
    out_dir: Path,
    templates: Path | None,
    workers: int | None = None,
    progress: Callable[[int, int, AreaOutcome], None] | None = None,
    level: str | None = None,
) -> list[AreaOutcome]:
    """Render ``areas`` (all reportable areas when None) on ``workers`` processes; write ``index.html``.

    With ``level`` (``ward``, ``msoa``), also one page per small area of that level whose local
    authority is reported (:mod:`jsna.report.small_areas`), listed on the index under it.
    """
    import multiprocessing
    import os
    from concurrent.futures import ProcessPoolExecutor, as_completed

    listed = areas_to_report(config)
    names = dict(listed)
    codes = [c for c, _ in listed] if areas is None else list(dict.fromkeys(areas))
    small: set[str] = set()
    if level:
        pages = [s for s in small_areas_to_report(config, level) if s[2] in codes]
        if not pages:
            raise UsageError(
                f"no {level} has stored values for the areas reported: load small-area files "
                "(e.g. Local Health ward values, or LSOA deaths and population with a lookup) "
                "and run jsna compute"
            )
        by_parent: dict[str, list[str]] = {}
        for code, name, parent in pages:
            names[code] = name
            by_parent.setdefault(parent, []).append(code)
        small = {code for code, _, _ in pages}
        codes = [c for parent in codes for c in (parent, *by_parent.get(parent, []))]
    if not codes:
        raise UsageError("no areas to report: run jsna compute first, or pass --areas CODE,CODE")
    out_dir.mkdir(parents=True, exist_ok=True)
    n_workers = max(1, min(workers or os.cpu_count() or 1, len(codes)))
    config_data = config.model_dump()
    tmpl = str(templates) if templates and templates.is_dir() else None
    outcomes: dict[str, AreaOutcome] = {}
    if n_workers == 1:
        _init_worker(config_data, str(config.root))
        try:
            for done, code in enumerate(codes, start=1):
                outcomes[code] = _render_one(code, formats, str(out_dir), tmpl, code in small)
                if progress:
                    progress(done, len(codes), outcomes[code])
        finally:
            _close_worker()
    else:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(
            n_workers,
            mp_context=context,
            initializer=_init_worker,
            initargs=(config_data, str(config.root), os.getpid()),
        ) as pool:
            futures = {
                pool.submit(
                    _render_one, code, list(formats), str(out_dir), tmpl, code in small
                ): code
                for code in codes
            }
            for done, future in enumerate(as_completed(futures), start=1):
                outcome = future.result()
                outcomes[outcome.area_code] = outcome
                if progress:
                    progress(done, len(codes), outcome)
    ordered = [outcomes[c] for c in codes]
    for o in ordered:
        o.area_name = o.area_name or names.get(o.area_code, o.area_code)
        o.small_area = o.area_code in small
    write_index(config, ordered, out_dir, templates)
    return ordered


def write_index(
    config: Any, outcomes: list[AreaOutcome], out_dir: Path, templates: Path | None
) -> Path:
    """``index.html``: one row per area with links to its reports, or the reason there is none."""
    from jsna import __version__
    from jsna.report.render import environment, render_template, template_source

    env = environment(templates)
    css = template_source(env, "report.css")
    html = render_template(
        env,
        "index.html.j2",
        title=config.report.title or config.project.name,
        organisation=config.organisation.name,
        colour=config.organisation.colour,
        accent=config.organisation.accent_colour,
        css=css,
        outcomes=outcomes,
        run_date=config.run_date().strftime("%-d %B %Y"),
        version=__version__,
    )
    path = out_dir / "index.html"
    tmp = path.with_suffix(".html.tmp")
    tmp.write_text(html, encoding="utf-8")
    tmp.replace(path)
    return path
