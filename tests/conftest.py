"""Shared fixtures: paths to real and sample data, a CLI runner, a demo project built once."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

# the sample project run once per session for the run, export and plugin tests: defined here, once,
# so that every package shares one run rather than each conftest making its own
from tests.sample_project import (  # noqa: F401  (fixtures)
    population_copy,
    population_run,
    ran_copy,
    ran_project,
    sample_inputs,
)
from tests.shared_builds import (
    load_assembled,
    shared_build,
    start_prefetch,
    stop_prefetch,
)

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "data" / "samples"


def _real_data_folder() -> Path:
    """$JSNA_REAL_DATA, else the nearest shared/data/real beside the checkout or above it (a git
    worktree sits one folder deeper than the clone)."""
    if "JSNA_REAL_DATA" in os.environ:
        return Path(os.environ["JSNA_REAL_DATA"])
    candidates = [parent / "shared" / "data" / "real" for parent in REPO.parents]
    return next((c for c in candidates if c.is_dir()), candidates[0])


REAL = _real_data_folder()

os.environ.setdefault(
    "SOURCE_DATE_EPOCH", "1767225600"
)  # 2026-01-01: reports compare byte for byte


#: the full tier: a test that uses one of these fixtures, or carries one of these markers, is
#: also marked ``slow`` (real-area builds, real files, the PDF, Spark's JVM); the fast tier is
#: ``-m "not slow"`` and the README's full command runs both tiers
_SLOW_FIXTURES = {
    "trafford_report",
    "birmingham",
    "demo_pdf",
    "real_data",
    "ward_batch",
    "real_practices",
}
_SLOW_MARKERS = {"real", "spark", "browser"}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test of the full tier (see ``_SLOW_FIXTURES``) ``slow``, before ``-m`` selects."""
    for item in items:
        names = getattr(item, "fixturenames", ())
        slow = _SLOW_FIXTURES.intersection(names) or any(
            item.get_closest_marker(m) for m in _SLOW_MARKERS
        )
        if slow and item.get_closest_marker("slow") is None:
            item.add_marker(pytest.mark.slow)


#: the shared builds (``tests/shared_builds.py``) each fixture reads, in the order the prefetch
#: makes them: the demo (the most used) and the real areas (the longest) first; a worker that
#: needs a build the prefetch has not reached makes it itself
_SHARED_BUILDS = {
    "demo_run": "demo",
    "trafford_report": "trafford",
    "birmingham": "birmingham",
    "demo_assembled": "demo-assembled",
    "demo_assembled_without_statistics": "demo-assembled-no-statistics",
    "ran_project": "sample-run",
    "analysis_project": "analysis-project",
    "population_run": "population-run",
    "ward_batch": "ward-batch",
    "demo_pdf": "demo-pdf",
    "real_practices": "real-practices",
}
#: the builds that read the real files, prefetched only when they are there
_REAL_BUILDS = {"trafford", "birmingham", "real-practices"}

#: the background prefetch this process started, if any
_prefetch: list[subprocess.Popen[bytes] | None] = []


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start the shared builds the selected tests need in the background (once per session, by
    the first worker to get here), so that they are made while the workers run other tests."""
    if session.config.option.collectonly or not session.items:
        return
    used = set().union(*(getattr(item, "fixturenames", ()) for item in session.items))
    names = [build for fixture, build in _SHARED_BUILDS.items() if fixture in used]
    if not REAL.is_dir():
        names = [name for name in names if name not in _REAL_BUILDS]
    if names:
        base = session.config._tmp_path_factory.getbasetemp()  # type: ignore[attr-defined]
        _prefetch.append(start_prefetch(base, names))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Wait for the prefetch this process started (another worker's test may be waiting for its
    build), or end it when the session was interrupted or stopped early (``-x``)."""
    stopped = bool(session.shouldstop or session.shouldfail) or exitstatus in (
        pytest.ExitCode.INTERRUPTED,
        pytest.ExitCode.INTERNAL_ERROR,
    )
    for process in _prefetch:
        stop_prefetch(process, wait=not stopped)


@pytest.fixture(scope="session")
def real_data() -> Path:
    """../shared/data/real, or skip the test when it is absent."""
    if not REAL.is_dir():
        pytest.skip(f"real data folder {REAL} is absent")
    return REAL


def real_file(relative: str) -> Path:
    """A file under the real-data folder, skipping the test when it is absent."""
    path = REAL / relative
    if not path.exists():
        pytest.skip(f"real data file {path} is absent")
    return path


@pytest.fixture(scope="session")
def trafford_report(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """Trafford's project built once per session from its real files as downloaded
    (``tests/real_areas.py``): ingested, computed and reported through the CLI, in a build shared
    by every worker (``tests/shared_builds.py``). Shared: tests must not change it (copy the
    project folder first). Skipped when the real data is absent."""
    from tests.shared_builds import load_real_area

    if not REAL.is_dir():
        pytest.skip(f"real data folder {REAL} is absent")
    return load_real_area(shared_build(tmp_path_factory.getbasetemp(), "trafford"))


@pytest.fixture(scope="session")
def samples() -> Path:
    return SAMPLES


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    """A fresh project folder made by `jsna init`."""
    from jsna import api

    api.init_project(tmp_path / "proj")
    return tmp_path / "proj"


def run_main(*args: object, cwd: Path | None = None) -> tuple[int, str, str]:
    """The real console-script entry point, ``jsna.cli.main``, run in-process with ``args`` as
    its command line; returns ``(exit code, stdout, stderr)``. The exit code is the one ``main``
    gives the shell (its mapping of errors to codes included); an exception ``main`` lets
    through (a bug, or ``--debug``) is raised in the caller."""
    import io
    import sys
    from contextlib import redirect_stderr, redirect_stdout

    from jsna import cli as cli_module

    out, err = io.StringIO(), io.StringIO()
    argv, here = sys.argv, Path.cwd()
    sys.argv = ["jsna", *(str(a) for a in args)]
    try:
        if cwd:
            os.chdir(cwd)
        with redirect_stdout(out), redirect_stderr(err):
            try:
                cli_module.main()
                code = 0
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        sys.argv = argv
        os.chdir(here)
    return code, out.getvalue(), err.getvalue()


def _pdf_available() -> bool:
    """WeasyPrint imports (with the system libraries it loads)."""
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError):
        return False
    return True


@pytest.fixture(scope="session")
def real_practices(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """Trafford's GP practices from the real registrations and A&E files with a sub-ICB ->
    district lookup made from the real boundaries (``tests/real_practices.py``), built once for
    all workers. Tests read it and render pages into its output folder; skipped without the real
    data."""
    from tests.real_practices import load

    if not REAL.is_dir():
        pytest.skip(f"real data folder {REAL} is absent")
    return load(shared_build(tmp_path_factory.getbasetemp(), "real-practices"))


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, str, str]:
    """The demo project, built once per session the way a scheduled job does: the bundled samples
    copied into a folder (as ``jsna demo`` copies them) and ``jsna run --config jsna.toml --json``
    run through the real entry point, HTML only (``demo_pdf`` renders the PDF on the one worker
    whose tests read it). Built once for all xdist workers (``tests/shared_builds.py``).
    ``(project, exit code, stdout, stderr)``; read only."""
    folder = shared_build(tmp_path_factory.getbasetemp(), "demo")
    record = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    assert record["code"] == 0, (record["stdout"], record["stderr"])
    return folder / "project", record["code"], record["stdout"], record["stderr"]


@pytest.fixture(scope="session")
def demo_project(demo_run: tuple[Path, int, str, str]) -> Path:
    """The demo project, ingested, computed and rendered (HTML) once per session and shared by
    every worker; tests must not modify it (``demo_copy`` gives a private copy)."""
    return demo_run[0]


@pytest.fixture(scope="session")
def demo_html(demo_project: Path) -> str:
    """The demo area's HTML report, as the demo rendered it (once per session)."""
    from jsna import api

    area = api.project_config(demo_project).project.area
    return (demo_project / "output" / f"jsna-{area}.html").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def demo_pdf(demo_project: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo area's PDF report, rendered once per session (by ``jsna report --format pdf``,
    beside the HTML in the demo's output folder) in a shared build; skipped without
    WeasyPrint."""
    folder = shared_build(tmp_path_factory.getbasetemp(), "demo-pdf")
    return Path((folder / "pdf.txt").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def demo_assembled(demo_project: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The demo area's report model, assembled once per session from the demo workspace (in a
    build shared by every worker, unpickled here), with the workspace's results and provenance:
    ``(report, results, provenance)``. Tests must not change them."""
    folder = shared_build(tmp_path_factory.getbasetemp(), "demo-assembled")
    report, results, provenance, _ = load_assembled(folder)
    return report, results, provenance


@pytest.fixture(scope="session")
def demo_assembled_without_statistics(  # type: ignore[no-untyped-def]
    demo_project: Path, tmp_path_factory: pytest.TempPathFactory
):
    """The demo area's report model assembled once per session, like ``demo_assembled``, in a
    process where every analysis and statistical function the report must not call raises
    (``tests.shared_builds.disable_statistics``): ``(report, names of the disabled functions)``.
    The build fails, and so does every test that uses it, if the report called one."""
    folder = shared_build(tmp_path_factory.getbasetemp(), "demo-assembled-no-statistics")
    report, _, _, disabled = load_assembled(folder)
    return report, disabled


@pytest.fixture()
def demo_copy(demo_project: Path, tmp_path: Path) -> Path:
    """A private copy of the demo project that a test may change."""
    target = tmp_path / "demo"
    shutil.copytree(demo_project, target)
    return target


@pytest.fixture()
def cli():  # type: ignore[no-untyped-def]
    """``invoke(*args, cwd=None) -> (exit code, stdout, stderr)`` through the real entry point
    (:func:`run_main`)."""
    return run_main
