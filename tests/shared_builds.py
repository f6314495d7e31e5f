"""Builds made once per test session and shared by every pytest-xdist worker.

A build (the demo project run by ``jsna run``, the four-input sample project, the demo report
assembled and pickled) takes from a few seconds to over a minute. Made per worker, the suite paid
for it once per core. Here the first process that asks for a build takes a file lock (``flock``)
in a folder every worker of the session shares and runs the build in a fresh interpreter
(``python -m tests.shared_builds build NAME FOLDER``), so that no worker's state leaks into it;
the build inherits the lock and marks its folder done or failed itself, so a half-made folder is
never read. The other workers wait on the lock, then read the finished folder. Builds are read
only: a test that changes one takes a copy.

When collection shows which builds the selected tests need, ``tests/conftest.py`` starts them in
the background (:func:`start_prefetch`), so that they run while the workers run the tests that
need none.

The shared folder lives in the session's base temporary folder (the parent of each worker's own),
so two sessions never share a build and pytest's retention of old runs cleans it up. Without
xdist it is the session's own temporary folder; without ``fcntl`` (Windows) each process builds
what it needs in its own.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "data" / "samples"

#: a finished build's marker, a failed one's (its log says why, so every worker fails alike), a
#: skipped one's (it holds the reason: real files or WeasyPrint absent), and the build's log
DONE, FAILED, SKIPPED, LOG = ".built", ".failed", ".skipped", "build.log"

#: the longest a build may take (the demo takes about a minute on a quiet 2-core machine)
TIMEOUT = 1800


def shared_root(base: Path) -> Path:
    """The folder every worker of this session shares: the parent of an xdist worker's own base
    temporary folder (``.../pytest-N/popen-gw0`` → ``.../pytest-N``), else ``base`` itself."""
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    folder = root / "shared-builds"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def shared_build(base: Path, name: str) -> Path:
    """The folder of build ``name``, made once per session by whichever process asks first (a
    worker, or the prefetch started at collection); raises with the build's log when it failed,
    in whichever process it ran."""
    root = shared_root(base)
    for need in NEEDS.get(name, ()):
        shared_build(base, need)
    folder = root / name
    if (folder / DONE).exists():
        return folder
    try:
        import fcntl
    except ImportError:  # Windows: no flock; each process builds its own, in its own folder
        return _build_here(base / "builds" / name, name)
    with open(root / f"{name}.lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # waits while another process builds it
        if not any((folder / marker).exists() for marker in (DONE, FAILED, SKIPPED)):
            _run(folder, name, lock.fileno())
    return _outcome(folder, name)


def _build_here(folder: Path, name: str) -> Path:
    if not any((folder / marker).exists() for marker in (DONE, FAILED, SKIPPED)):
        _run(folder, name, None)
    return _outcome(folder, name)


def _outcome(folder: Path, name: str) -> Path:
    """``folder`` when its build is done; skips the test when the build was skipped, raises with
    its log when it failed."""
    import pytest

    if (folder / FAILED).exists():
        raise RuntimeError(f"shared build {name!r} failed:\n{_log(folder)}")
    if (folder / SKIPPED).exists():
        pytest.skip((folder / SKIPPED).read_text(encoding="utf-8"))
    return folder


def _log(folder: Path) -> str:
    path = folder / LOG
    text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
    return text[-6000:]


def _command(*args: str) -> tuple[list[str], dict[str, str]]:
    """``python -m tests.shared_builds ARGS`` with this checkout first on the path (the build
    imports tests/ and this jsna, as the worker does)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), *filter(None, [env.get("PYTHONPATH")])])
    return [sys.executable, "-m", "tests.shared_builds", *args], env


def _run(folder: Path, name: str, lock: int | None) -> None:
    """Build ``name`` into ``folder`` in a fresh interpreter, which writes ``DONE`` or ``FAILED``
    itself. It inherits the lock's descriptor, so the lock stays held until the build ends even
    if the process that started it is gone (no other process can then start on a half-built
    folder)."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    command, env = _command("build", name, str(folder))
    with open(folder / LOG, "wb") as log:
        subprocess.run(
            command,
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            pass_fds=() if lock is None else (lock,),
            timeout=TIMEOUT,
            check=False,
        )
    if not any((folder / marker).exists() for marker in (DONE, FAILED, SKIPPED)):
        (folder / FAILED).write_text("the build ended without a result", encoding="utf-8")


def start_prefetch(base: Path, names: list[str]) -> subprocess.Popen[bytes] | None:
    """Start building ``names`` in the background (one at a time, in this order), so that the
    builds run while the workers run the tests that need none; the first process of the session
    to ask starts it, and only once. Returns the process it started, else None."""
    root = shared_root(base)
    try:
        import fcntl  # noqa: F401  (without flock, each process builds its own when it needs it)

        marker = os.open(root / "prefetch.started", os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except (ImportError, FileExistsError):
        return None
    os.close(marker)
    command, env = _command("prefetch", str(base), *names)
    return subprocess.Popen(
        command,
        cwd=REPO,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop_prefetch(process: subprocess.Popen[bytes] | None, *, wait: bool) -> None:
    """At the end of a session: wait for the prefetch this process started (its builds are for
    tests another worker may still be running), or end it (and the build it runs) when the
    session was interrupted."""
    if process is None or process.poll() is not None:
        return
    if wait:
        process.wait()
        return
    process.terminate()
    process.wait()


# -- the builds (run in the fresh interpreter) --------------------------------------------------


def build_demo(folder: Path) -> None:
    """The bundled samples copied into ``folder/project`` (as ``jsna demo`` copies them) and
    ``jsna run --config jsna.toml --json`` run through the real entry point; its exit code,
    stdout and stderr go to ``folder/run.json``."""
    from tests.conftest import run_main

    target = folder / "project"
    shutil.copytree(
        SAMPLES, target, ignore=shutil.ignore_patterns("bad", "README.md", "__pycache__")
    )
    code, out, err = run_main("run", "--config", target / "jsna.toml", "--json")
    record = {"code": code, "stdout": out, "stderr": err}
    (folder / "run.json").write_text(json.dumps(record), encoding="utf-8")


def build_sample_run(folder: Path, *kinds: str) -> None:
    """``tests.sample_project.make_project`` in ``folder/project`` (only ``kinds``, when given)
    run by ``api.run``; fails unless the run is ok."""
    from jsna import api
    from tests.sample_project import make_project

    config = make_project(SAMPLES, folder / "project", kinds=tuple(kinds) or None)
    result = api.run(config)
    if not result.ok:
        raise SystemExit(f"the sample run failed: {result.problems}")


#: what the report must not call: the analyses of sections 7-10 (compute stores them) and every
#: function of the statistics families they use, and the funnel limits (compute stores those too)
ANALYSES = (
    "inequality_analysis",
    "projection_analysis",
    "value_for_money_analysis",
    "run_analyses",
    "analyse_area",
    "compute_project",
)
STATISTICS_MODULES = ("inequality", "personal_budgets", "projections", "value_for_money")


def disable_statistics() -> list[str]:
    """Make every analysis and statistical function the report must not call raise
    ``AssertionError`` (for the rest of this process); returns their qualified names."""
    import importlib
    import inspect

    from jsna.indicators import analyses, methods
    from jsna.indicators.methods import funnel

    def refuse(name: str) -> Callable[..., Any]:
        def raising(*args: object, **kwargs: object) -> None:
            raise AssertionError(f"the report called {name}")

        return raising

    disabled = []
    for name in ANALYSES:
        setattr(analyses, name, refuse(f"{analyses.__name__}.{name}"))
        disabled.append(f"{analyses.__name__}.{name}")
    for family in STATISTICS_MODULES:
        module = importlib.import_module(f"jsna.indicators.methods.{family}")
        for name, member in list(vars(module).items()):
            if inspect.isfunction(member) and member.__module__ == module.__name__:
                setattr(module, name, refuse(f"{module.__name__}.{name}"))
                disabled.append(f"{module.__name__}.{name}")
    for module in (methods, funnel):
        module.funnel_limits = refuse(f"{module.__name__}.funnel_limits")  # type: ignore[attr-defined]
        disabled.append(f"{module.__name__}.funnel_limits")
    return disabled


def build_assembled(folder: Path, mode: str) -> None:
    """The demo area's report model assembled from the demo build's workspace (read only), pickled
    to ``folder/assembled.pickle`` as ``(report, results, provenance, disabled)``. ``mode``
    ``"no-statistics"`` first disables every analysis and statistical function the report must
    not call (:func:`disable_statistics`); ``disabled`` lists them."""
    from jsna import api
    from jsna.report.assemble import assemble_report
    from jsna.workspace import Workspace

    disabled = disable_statistics() if mode == "no-statistics" else []
    config = api.project_config(folder.parent / "demo" / "project")
    with Workspace.open(config.workspace_path, read_only=True) as ws:
        report = assemble_report(ws, config, config.project.area)
        frozen = (report, ws.table("results"), ws.provenance(), disabled)
    with open(folder / "assembled.pickle", "wb") as handle:
        pickle.dump(frozen, handle, protocol=pickle.HIGHEST_PROTOCOL)


def load_assembled(folder: Path) -> tuple[Any, ...]:
    with open(folder / "assembled.pickle", "rb") as handle:
        return tuple(pickle.load(handle))


def build_demo_pdf(folder: Path) -> None:
    """The demo area's PDF, rendered by ``jsna report --format pdf`` into the demo build's output
    folder, beside its HTML (skipped without WeasyPrint)."""
    import pytest

    from jsna import api
    from tests.conftest import _pdf_available, run_main

    if not _pdf_available():
        pytest.skip("WeasyPrint is not installed (pip install 'jsna[pdf]')")
    project = folder.parent / "demo" / "project"
    area = api.project_config(project).project.area
    code, out, err = run_main("report", "--area", area, "--format", "pdf", "--project", project)
    if code != 0:
        raise SystemExit(f"jsna report --format pdf exited {code}: {out}{err}")
    (folder / "pdf.txt").write_text(str(project / "output" / f"jsna-{area}.pdf"), encoding="utf-8")


def build_real_area(folder: Path, area: str) -> None:
    """A real area's project built from the real files as downloaded (``tests/real_areas.py``),
    in ``folder``; what the build gave (ingests, compute, the report's path) in ``built.json``.
    Skipped when the real files are absent."""
    from tests import real_areas

    steps = {real_areas.TRAFFORD: real_areas.TRAFFORD_STEPS}
    steps[real_areas.BIRMINGHAM] = real_areas.BIRMINGHAM_STEPS
    built = real_areas._build(area, steps[area], folder)
    record = {"area": built.area, "project": str(built.project), "ingests": built.ingests}
    record["compute"] = built.compute
    (folder / "built.json").write_text(json.dumps(record), encoding="utf-8")


def load_real_area(folder: Path) -> Any:
    """The :class:`tests.real_areas.Built` of a real area's build."""
    from tests.real_areas import Built

    record = json.loads((folder / "built.json").read_text(encoding="utf-8"))
    project = Path(record["project"])
    html = (project / "output" / f"jsna-{record['area']}.html").read_text(encoding="utf-8")
    return Built(record["area"], project, record["ingests"], record["compute"], html)


#: every shared build by name: a function of its folder, or ``"module:function"`` for a build that
#: lives beside its tests (imported only in the build's own interpreter)
BUILDS: dict[str, Callable[[Path], None] | str] = {
    "demo": build_demo,
    "sample-run": build_sample_run,
    "population-run": lambda folder: build_sample_run(folder, "population"),
    "demo-assembled": lambda folder: build_assembled(folder, "plain"),
    "demo-assembled-no-statistics": lambda folder: build_assembled(folder, "no-statistics"),
    "demo-pdf": build_demo_pdf,
    "trafford": lambda folder: build_real_area(folder, "E08000009"),
    "birmingham": lambda folder: build_real_area(folder, "E08000025"),
    "analysis-project": "tests.indicators.test_builtin_analysis:build_analysis_project",
    "ward-batch": "tests.report.test_batch_wards:build_ward_batch",
    "real-practices": "tests.real_practices:build",
}

#: builds that read another build's folder
NEEDS = {
    "demo-assembled": ("demo",),
    "demo-assembled-no-statistics": ("demo",),
    "demo-pdf": ("demo",),
    "ward-batch": ("demo",),
}


def _prefetch(base: Path, names: list[str]) -> None:
    """Build ``names`` one after another (each in its own interpreter, as a worker would); on
    SIGTERM, end the build under way with this process."""
    import signal

    def end(*_: object) -> None:
        raise SystemExit(1)

    import pytest

    signal.signal(signal.SIGTERM, end)
    for name in names:
        try:
            shared_build(base, name)
        except (RuntimeError, pytest.skip.Exception):
            continue  # the test that needs it fails or skips, saying why


def main(argv: list[str]) -> int:
    action, *args = argv
    if action == "prefetch":
        _prefetch(Path(args[0]), args[1:])
        return 0
    name, folder = args
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1767225600")  # as tests/conftest.py sets it
    import importlib

    import pytest

    build = BUILDS[name]
    if isinstance(build, str):
        module, function = build.split(":")
        build = getattr(importlib.import_module(module), function)
    try:
        build(Path(folder))
    except pytest.skip.Exception as skipped:  # every test that needs the build skips
        (Path(folder) / SKIPPED).write_text(str(skipped.msg), encoding="utf-8")
        return 0
    except BaseException:
        traceback.print_exc()  # into the build's log
        (Path(folder) / FAILED).write_text("failed", encoding="utf-8")
        return 1
    (Path(folder) / DONE).write_text("ok", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
