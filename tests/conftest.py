"""Shared fixtures: paths to real and sample data, a CLI runner, a demo project built once."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
    NEEDS,
    load_assembled,
    shared_build,
    start_prefetch,
    stop_prefetch,
)

if TYPE_CHECKING:
    from xdist.scheduler import LoadGroupScheduling

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


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> Iterator[None]:
    """Around the other plugins' changes to the collected tests: first mark each test of the
    full tier (see ``_SLOW_FIXTURES``) ``slow``, before ``-m`` selects; then, once the tests are
    selected (``-m``, ``-k``) and in pytest's order, check the xdist groups against
    ``_XDIST_GROUPS`` and put the tests in the order of the shared builds they wait for
    (:func:`_in_build_order`)."""
    for item in items:
        names = getattr(item, "fixturenames", ())
        slow = _SLOW_FIXTURES.intersection(names) or any(
            item.get_closest_marker(m) for m in _SLOW_MARKERS
        )
        if slow and item.get_closest_marker("slow") is None:
            item.add_marker(pytest.mark.slow)
    yield
    _check_xdist_groups(config, items)
    _in_build_order(items)


#: the test modules whose tests run together on one xdist worker under ``--dist loadgroup``, and
#: their group: the Spark tests share one package-scoped session (one JVM, ``engines/conftest.py``).
#: Each of their tests carries ``pytest.mark.xdist_group`` with the same name (checked at
#: collection, :func:`_check_xdist_groups`). The table is needed because pytest-xdist 3.8 groups
#: by a ``@group`` suffix it adds to each marked test's node id, which pytest 9.2 ignores
#: (pytest-dev/pytest-xdist#1386), and the controller, which schedules, sees only node ids: it
#: groups by module here (:func:`pytest_xdist_make_scheduler`).
_XDIST_GROUPS = {
    "tests/engines/test_spark.py": "spark",
}


def _xdist_group(item: pytest.Item) -> str | None:
    """The group pytest-xdist gives ``item`` from its ``xdist_group`` marks (their names, sorted,
    joined by ``_``), else None."""
    names = {
        str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
        for mark in item.iter_markers("xdist_group")
    }
    return "_".join(sorted(names)) if names else None


def _check_xdist_groups(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test with an ``xdist_group`` mark is in a module of ``_XDIST_GROUPS`` under the same
    group, and every test of those modules carries it; every module listed exists. Else a
    collection error naming what disagrees, which fails the run (without xdist it stops before
    any test), so that the marks and the scheduler's table cannot drift."""
    problems = {
        module: [f"{module} is listed in _XDIST_GROUPS but is not a file under {config.rootpath}"]
        for module in _XDIST_GROUPS
        if not (config.rootpath / module).is_file()
    }
    for item in items:
        module = item.nodeid.split("::", 1)[0]
        marked, listed = _xdist_group(item), _XDIST_GROUPS.get(module)
        if marked == listed:
            continue
        if listed is None:
            problem = (
                f"{item.nodeid} is marked xdist_group({marked!r}) but {module} is not in"
                f" _XDIST_GROUPS: add {module!r}: {marked!r}"
            )
        elif marked is None:
            problem = (
                f"{item.nodeid} has no xdist_group mark but _XDIST_GROUPS puts {module} in group"
                f" {listed!r}: mark it xdist_group({listed!r})"
            )
        else:
            problem = (
                f"{item.nodeid} is marked xdist_group({marked!r}) but _XDIST_GROUPS puts {module}"
                f" in group {listed!r}"
            )
        problems.setdefault(module, []).append(problem)
    for module, lines in problems.items():
        shown = "\n  ".join(lines)
        config.hook.pytest_collectreport(
            report=pytest.CollectReport(
                module,
                "failed",
                "the xdist_group marks and _XDIST_GROUPS of tests/conftest.py disagree (under"
                f" --dist loadgroup the scheduler groups by the table):\n  {shown}",
                [],
            )
        )


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> LoadGroupScheduling | None:
    """Under ``--dist loadgroup``, xdist's scheduler with the tests of each module of
    ``_XDIST_GROUPS`` in one work unit (run by one worker); other modes get xdist's own. Runs in
    the controller, which loads this conftest but does not collect.

    As in xdist, the work units go out largest first (unless ``--no-loadscope-reorder``), so
    the Spark group, the largest and longest unit, starts first, on one worker, while the other
    worker takes the single tests: intended, the longest unit should not be left for the end."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class ModuleGroupScheduling(LoadGroupScheduling):
        def _split_scope(self, nodeid: str) -> str:
            scope = super()._split_scope(nodeid)
            if scope != nodeid:  # a node id with xdist's @group suffix: xdist's own grouping
                return scope
            return _XDIST_GROUPS.get(nodeid.split("::", 1)[0], nodeid)

    return ModuleGroupScheduling(config, log)


#: the shared builds (``tests/shared_builds.py``) each fixture reads, in the order the prefetch
#: makes them, one after another; the tests run in the same order (:func:`_in_build_order`), so
#: each build has until its tests' turn. The demo first: the most tests read it (over a hundred)
#: and it takes under half a minute, which the tests that need no build fill. Then the short
#: builds whose tests have work in them (the assembled models, the sample run, the analysis
#: project), so that those tests are ready when the demo's are done; then Trafford, the longest
#: (about 2.5 minutes), made while those tests run; last the builds whose tests are few and quick.
#: Trafford second (the order before) made every later build, and its tests, wait for it: about
#: 4% longer in a simulation of the suite from a measured run's durations. A worker that needs a
#: build the prefetch has not reached makes it itself.
_SHARED_BUILDS = {
    "demo_run": "demo",
    "demo_assembled": "demo-assembled",
    "demo_assembled_without_statistics": "demo-assembled-no-statistics",
    "ran_project": "sample-run",
    "analysis_project": "analysis-project",
    "trafford_report": "trafford",
    "demo_pdf": "demo-pdf",
    "real_practices": "real-practices",
    "birmingham": "birmingham",
    "population_run": "population-run",
    "ward_batch": "ward-batch",
}
#: the builds that read the real files, prefetched only when they are there
_REAL_BUILDS = {"trafford", "birmingham", "real-practices"}


def _builds_of(item: pytest.Item) -> set[str]:
    """The shared builds ``item`` waits for: those of its fixtures (direct or not) and what they
    read (``NEEDS``: ``demo-assembled`` reads ``demo``)."""
    todo = [_SHARED_BUILDS[f] for f in getattr(item, "fixturenames", ()) if f in _SHARED_BUILDS]
    builds: set[str] = set()
    while todo:
        name = todo.pop()
        if name not in builds:
            builds.add(name)
            todo.extend(NEEDS.get(name, ()))
    return builds


def _in_build_order(items: list[pytest.Item]) -> None:
    """Put first the tests that need no shared build, then the others by the position in
    ``_SHARED_BUILDS`` (the prefetch's order) of the last build each needs, so that a worker
    comes to a test about when the prefetch has made what it needs rather than waiting for it
    (the demo at the start, Trafford later). Otherwise collection order: the sort is stable and
    depends only on the tests, so every xdist worker gets the same list, as xdist requires."""
    position = {build: i for i, build in enumerate(_SHARED_BUILDS.values())}
    last = len(position)  # a build no fixture maps to: never prefetched, so last
    items.sort(key=lambda item: max((position.get(b, last) for b in _builds_of(item)), default=-1))


#: the background prefetch this process started, if any
_prefetch: list[subprocess.Popen[bytes] | None] = []


def _freeze_collected() -> None:
    """Leave what every test shares (the imported modules, the collected tests) out of the
    garbage collector's full passes: each walked all of it again, about sixty times a worker."""
    import gc

    gc.collect()
    gc.freeze()


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start the shared builds the selected tests need in the background (once per session, by
    the first worker to get here), so that they are made while the workers run other tests."""
    if session.config.option.collectonly or not session.items:
        return
    _freeze_collected()
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
