"""``jsna report --all-areas`` workers end with their parent: a ``kill -9`` of the parent
leaves no worker rendering (or holding the workspace) a few seconds later."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc (Linux)")


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":\t", 1) for line in status.splitlines() if ":\t" in line)
        if fields.get("PPid", "").strip() == str(pid):
            found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    """Running (a zombie waiting for its new parent to reap it is not)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


def test_workers_die_with_their_parent(demo_copy: Path, tmp_path: Path) -> None:
    command = [sys.executable, "-m", "jsna.cli", "report", "--all-areas", "--workers", "2"]
    parent = subprocess.Popen(
        [*command, "-o", str(tmp_path / "out")],
        cwd=demo_copy,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        workers: list[int] = []
        while len(workers) < 2:  # the two workers (and the resource tracker) have started
            assert parent.poll() is None, "the batch ended before its workers were seen"
            assert time.monotonic() < deadline, "no workers started"
            time.sleep(0.1)
            workers = [p for p in _children(parent.pid) if _alive(p)]
        time.sleep(1.0)  # let them start rendering
        workers = [p for p in _children(parent.pid) if _alive(p)]
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
    assert not left, f"{len(left)} of {len(workers)} workers outlived their parent"
