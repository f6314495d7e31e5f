"""Pool workers end with their parent: a ``kill -9`` of ``jsna compute`` or ``jsna report
--all-areas`` leaves no worker computing, rendering or holding the workspace a few seconds
later (:func:`jsna.processes.die_with_parent`)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc (Linux)")

#: a parent that starts a pool of two workers the way jsna's pools do, then waits for them
POOL = """
import os, sys, time
from concurrent.futures import ProcessPoolExecutor
import multiprocessing
from jsna.processes import die_with_parent

if __name__ == "__main__":
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn"),
                             initializer=die_with_parent, initargs=(os.getpid(),)) as pool:
        list(pool.map(time.sleep, [600, 600]))
"""

#: ``jsna compute`` with the analyses on a pool from the first area (the demo has fewer areas
#: than :data:`jsna.indicators.analyses.POOL_FROM`)
COMPUTE = """
import sys
from jsna.indicators import analyses
analyses.POOL_FROM = 1
from jsna.cli import main
sys.argv = ["jsna", "compute"]
main()
"""


def _status(pid: int) -> dict[str, str]:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    return dict(line.split(":\t", 1) for line in text.splitlines() if ":\t" in line)


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for its new parent to reap it is not)."""
    state = _status(pid).get("State", "")
    return bool(state) and not state.startswith("Z")


def _workers(parent: int) -> list[int]:
    """The live pool workers (``spawn_main`` processes, not the resource tracker) of ``parent``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or _status(int(entry.name)).get("PPid", "").strip() != str(
            parent
        ):
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if b"spawn_main" in cmdline and _alive(int(entry.name)):
            found.append(int(entry.name))
    return found


def kill_parent_of_pool(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, int]:
    """Start ``command``, wait for its two pool workers to run, ``kill -9`` it; how many
    workers there were and how many are still alive 5 seconds later (those are then killed)."""
    parent = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    left: list[int] = []
    try:
        deadline = time.monotonic() + 180
        workers: list[int] = []
        while len(workers) < 2:
            assert parent.poll() is None, "the command ended before its workers were seen"
            assert time.monotonic() < deadline, "no workers started"
            time.sleep(0.1)
            workers = _workers(parent.pid)
        time.sleep(1.0)  # let them start working
        workers = _workers(parent.pid)
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
        deadline = time.monotonic() + 5
        while any(_alive(p) for p in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = [p for p in workers if _alive(p)]
    finally:
        if parent.poll() is None:
            parent.kill()
        for pid in left:
            os.kill(pid, signal.SIGKILL)
    return len(workers), len(left)


def _env(**extra: str) -> dict[str, str]:
    root = str(Path(__file__).resolve().parents[2])
    path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path, **extra}


def test_a_pool_worker_dies_with_its_parent(tmp_path: Path) -> None:
    """The mechanism alone, on a pool of sleeping workers (fast)."""
    seen, left = kill_parent_of_pool([sys.executable, "-c", POOL], tmp_path, _env())
    assert seen == 2
    assert left == 0, f"{left} of {seen} workers outlived their parent"


def test_report_workers_die_with_their_parent(demo_copy: Path, tmp_path: Path) -> None:
    command = [sys.executable, "-m", "jsna.cli", "report", "--all-areas", "--workers", "2"]
    seen, left = kill_parent_of_pool([*command, "-o", str(tmp_path / "out")], demo_copy, _env())
    assert left == 0, f"{left} of {seen} workers outlived their parent"


@pytest.mark.reliability
@pytest.mark.skipif(
    os.environ.get("JSNA_RELIABILITY") != "1", reason="slow (a compute): set JSNA_RELIABILITY=1"
)
def test_compute_workers_die_with_their_parent(demo_copy: Path) -> None:
    seen, left = kill_parent_of_pool(
        [sys.executable, "-c", COMPUTE], demo_copy, _env(JSNA_REPORT_WORKERS="2")
    )
    assert left == 0, f"{left} of {seen} workers outlived their parent"


#: a parent whose forked child (the report's, :class:`jsna.processes.ForkedCall`) sleeps
FORKED = """
import time
from jsna.processes import ForkedCall

with ForkedCall(lambda: time.sleep(600)) as child:
    print(child._pid, flush=True)
    time.sleep(600)
"""


def test_a_reports_forked_child_dies_with_its_parent(tmp_path: Path) -> None:
    from jsna.processes import can_fork

    if not can_fork():
        pytest.skip("forks (Linux, two CPUs)")
    parent = subprocess.Popen(
        [sys.executable, "-c", FORKED], cwd=tmp_path, env=_env(), stdout=subprocess.PIPE
    )
    child = 0
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        assert _alive(child) and _status(child).get("PPid", "").strip() == str(parent.pid)
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
        deadline = time.monotonic() + 5
        while _alive(child) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(child), "the forked child outlived its parent"
    finally:
        if parent.poll() is None:
            parent.kill()
        if child and _alive(child):
            os.kill(child, signal.SIGKILL)
