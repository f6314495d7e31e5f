"""``kill -9`` at random (seeded) points of ingest, compute, report and run: the workspace always
opens again, holds either everything of the killed step or nothing of it, no partial report is
ever at its final path, and running the command again succeeds.

A few fast cases run in the default suite; the long loops run with ``JSNA_RELIABILITY=1``
(``JSNA_RELIABILITY=1 pytest -m reliability tests/reliability``)."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SAMPLES, run_main
from tests.reliability.corpus import base_project, workspace_state

LONG = pytest.mark.skipif(
    os.environ.get("JSNA_RELIABILITY") != "1", reason="long kill loop: set JSNA_RELIABILITY=1"
)
DEATHS = SAMPLES / "deaths_lad_2020_2024.csv"


def _kill_after(args: list[str], cwd: Path, delay: float) -> int | None:
    """Start ``jsna ARGS`` in a process group of its own, ``kill -9`` it after ``delay`` seconds;
    its exit code if it finished first, else None. Either way, no process of its group (a pool
    worker) is left running 5 seconds later, and the workspace's lock is free."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "jsna.cli", *args],
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        code: int | None = proc.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        code = None
    deadline = time.monotonic() + 5
    while _group(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = _group(proc.pid)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left, f"killed at {delay:.2f} s: {len(left)} process(es) outlived jsna"
    assert _lock_free(cwd / "jsna.duckdb"), f"killed at {delay:.2f} s: the lock is still held"
    return code


def _group(pgid: int) -> list[int]:
    """The live (not zombie) processes of process group ``pgid`` (none where /proc is absent)."""
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[2] == str(pgid) and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def _lock_free(workspace: Path) -> bool:
    """Whether another process could take the workspace's lock file for writing now."""
    try:
        import fcntl
    except ImportError:  # Windows: no lock file
        return True
    lock = workspace.with_name(workspace.name + ".lock")
    if not lock.exists():
        return True
    fd = os.open(lock, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


@pytest.fixture(scope="module")
def ingest_states(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any, Any]:
    """A base project, its workspace's state, and the state after loading the deaths sample."""
    root = tmp_path_factory.mktemp("kill")
    base = base_project(root / "base")
    done = root / "done"
    shutil.copytree(base, done)
    code, out, err = run_main("ingest", "deaths", DEATHS, cwd=done)
    assert code == 0, out + err
    return base, workspace_state(base / "jsna.duckdb"), workspace_state(done / "jsna.duckdb")


def _ingest_round(base: Path, before: Any, after: Any, work: Path, delay: float) -> str:
    project = work / f"p{delay:.3f}"
    shutil.copytree(base, project)
    code = _kill_after(["ingest", "deaths", str(DEATHS)], project, delay)
    state = workspace_state(project / "jsna.duckdb")
    assert state in (before, after), f"killed at {delay:.2f} s: a partial load"
    outcome = "finished" if code is not None else ("loaded" if state == after else "nothing")
    again, out, err = run_main("ingest", "deaths", DEATHS, cwd=project)
    assert again == 0, out + err
    assert workspace_state(project / "jsna.duckdb") == after
    return outcome


def test_kill_during_ingest(ingest_states: tuple[Path, Any, Any], tmp_path: Path) -> None:
    base, before, after = ingest_states
    rng = random.Random(18)
    for _ in range(3):
        _ingest_round(base, before, after, tmp_path, rng.uniform(0.5, 4.0))


def _report_complete(folder: Path) -> None:
    for path in folder.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert text.rstrip().endswith("</html>"), f"partial report at {path}"
    for path in folder.rglob("*.pdf"):
        assert path.read_bytes().rstrip().endswith(b"%%EOF"), f"partial PDF at {path}"


@LONG
@pytest.mark.reliability
@pytest.mark.parametrize("seed", range(5))
def test_kill_loop_ingest(ingest_states: tuple[Path, Any, Any], tmp_path: Path, seed: int) -> None:
    base, before, after = ingest_states
    rng = random.Random(1800 + seed)
    outcomes = [
        _ingest_round(base, before, after, tmp_path, rng.uniform(0.3, 6.0)) for _ in range(6)
    ]
    assert len(outcomes) == 6
    print(f"ingest kill loop {seed}: {', '.join(outcomes)}")


#: rounds of each kill loop of compute, report and run (``JSNA_KILL_ROUNDS`` on a slow machine)
ROUNDS = int(os.environ.get("JSNA_KILL_ROUNDS", "5"))


@LONG
@pytest.mark.reliability
@pytest.mark.parametrize(
    "args",
    [
        ["compute"],
        ["report", "-o", "out"],
        ["report", "--format", "pdf", "-o", "out"],
        ["report", "--all-areas", "--workers", "2", "-o", "batch"],
        ["run", "--config", "jsna.toml"],
    ],
    ids=["compute", "report", "report-pdf", "all-areas", "run"],
)
def test_kill_loop_pipeline(demo_project: Path, tmp_path: Path, args: list[str]) -> None:
    """Compute, report and run are deterministic, so a killed one leaves the workspace as the
    finished demo had it (old and new contents are the same). The kill points are spread over
    the command's own running time, measured first on a copy of the demo."""
    expected = workspace_state(demo_project / "jsna.duckdb")
    timed = tmp_path / "timed"
    shutil.copytree(demo_project, timed)
    start = time.monotonic()
    assert _kill_after(args, timed, 3600) == 0
    seconds = time.monotonic() - start
    rng = random.Random(" ".join(args))
    outcomes = []
    for n in range(ROUNDS):
        project = tmp_path / f"demo{n}"
        shutil.copytree(demo_project, project)
        for stale in [*project.rglob("*.html"), *project.rglob("*.pdf")]:
            stale.unlink()  # a partial output must not hide behind the demo's finished one
        delay = rng.uniform(0.05, 0.95) * seconds
        code = _kill_after(args, project, delay)
        outcomes.append("finished" if code is not None else f"killed at {delay:.1f} s")
        assert workspace_state(project / "jsna.duckdb") == expected
        _report_complete(project)
        code, out, err = run_main(*args, cwd=project)
        assert code == 0, out + err
        _report_complete(project)
    print(f"{' '.join(args)} ({seconds:.1f} s): {'; '.join(outcomes)}")
