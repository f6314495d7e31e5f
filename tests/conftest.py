"""Shared fixtures: paths to real and sample data, a CLI runner, a demo project built once."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

# the sample project run once per session for the run, export and plugin tests: defined here, once,
# so that every package shares one run rather than each conftest making its own
from tests.sample_project import ran_project, sample_inputs  # noqa: F401  (fixtures)

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


#: session fixtures too costly to build once per xdist worker: every test that uses one runs in
#: that fixture's group, so that ``--dist loadgroup`` builds it on one worker only
_BUILD_GROUPS = {
    "trafford_report": "trafford",
    "birmingham": "birmingham",
    "demo_pdf": "demo_pdf",
}

#: the full tier: a test that uses one of these fixtures, or carries one of these markers, is
#: also marked ``slow`` (real-area builds, real files, the PDF, Spark's JVM); the fast tier is
#: ``-m "not slow"`` and the README's full command runs both tiers
_SLOW_FIXTURES = {"trafford_report", "birmingham", "demo_pdf", "real_data"}
_SLOW_MARKERS = {"real", "spark", "browser"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test that uses an expensive shared build with that build's ``xdist_group``, and
    each test of the full tier (see ``_SLOW_FIXTURES``) ``slow``."""
    for item in items:
        names = getattr(item, "fixturenames", ())
        group = next((g for f, g in _BUILD_GROUPS.items() if f in names), None)
        if group and item.get_closest_marker("xdist_group") is None:
            item.add_marker(pytest.mark.xdist_group(group))
        slow = _SLOW_FIXTURES.intersection(names) or any(
            item.get_closest_marker(m) for m in _SLOW_MARKERS
        )
        if slow and item.get_closest_marker("slow") is None:
            item.add_marker(pytest.mark.slow)


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
    """Trafford's project built once from its real files as downloaded (``tests/real_areas.py``):
    ingested, computed and reported through the CLI. Shared: tests must not change it (copy the
    project folder first). Skipped when the real data is absent."""
    from tests.real_areas import TRAFFORD, TRAFFORD_STEPS, _build

    return _build(TRAFFORD, TRAFFORD_STEPS, tmp_path_factory.mktemp("real-areas"))


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
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, str, str]:
    """The demo project, built once per session the way a scheduled job does: the bundled samples
    copied into a folder (as ``jsna demo`` copies them) and ``jsna run --config jsna.toml --json``
    run through the real entry point, HTML only (``demo_pdf`` renders the PDF on the one worker
    whose tests read it). ``(project, exit code, stdout, stderr)``; read only."""
    target = tmp_path_factory.mktemp("demo") / "project"
    shutil.copytree(
        SAMPLES, target, ignore=shutil.ignore_patterns("bad", "README.md", "__pycache__")
    )
    code, out, err = run_main("run", "--config", target / "jsna.toml", "--json")
    assert code == 0, (out, err)
    return target, code, out, err


@pytest.fixture(scope="session")
def demo_project(demo_run: tuple[Path, int, str, str]) -> Path:
    """The demo project, ingested, computed and rendered (HTML) once per session; tests must not
    modify it (``demo_copy`` gives a private copy)."""
    return demo_run[0]


@pytest.fixture(scope="session")
def demo_html(demo_project: Path) -> str:
    """The demo area's HTML report, as the demo rendered it (once per session)."""
    from jsna import api

    area = api.project_config(demo_project).project.area
    return (demo_project / "output" / f"jsna-{area}.html").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def demo_pdf(demo_project: Path) -> Path:
    """The demo area's PDF report, rendered once (by ``jsna report --format pdf``, beside the
    HTML in the demo's output folder) on the worker of the ``demo_pdf`` group; skipped without
    WeasyPrint."""
    from jsna import api

    if not _pdf_available():
        pytest.skip("WeasyPrint is not installed (pip install 'jsna[pdf]')")
    area = api.project_config(demo_project).project.area
    code, out, err = run_main(
        "report", "--area", area, "--format", "pdf", "--project", demo_project
    )
    assert code == 0, (out, err)
    return demo_project / "output" / f"jsna-{area}.pdf"


@pytest.fixture(scope="session")
def demo_assembled(demo_project: Path):  # type: ignore[no-untyped-def]
    """The demo area's report model, assembled once from the demo workspace, with the workspace's
    results and provenance: ``(report, results, provenance)``. Tests must not change them."""
    from jsna import api
    from jsna.report.assemble import assemble_report
    from jsna.workspace import Workspace

    config = api.project_config(demo_project)
    with Workspace.open(config.workspace_path, read_only=True) as ws:
        report = assemble_report(ws, config, config.project.area)
        return report, ws.table("results"), ws.provenance()


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
