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
    """Start ``jsna ARGS``, ``kill -9`` it after ``delay`` seconds; its exit code if it finished
    first, else None."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "jsna.cli", *args],
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        return proc.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        return None


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


@LONG
@pytest.mark.reliability
@pytest.mark.parametrize(
    "args",
    [
        ["compute"],
        ["report", "-o", "out"],
        ["report", "--all-areas", "--workers", "2", "-o", "batch"],
        ["run", "--config", "jsna.toml"],
    ],
    ids=["compute", "report", "all-areas", "run"],
)
def test_kill_loop_pipeline(demo_project: Path, tmp_path: Path, args: list[str]) -> None:
    """Compute, report and run are deterministic, so a killed one leaves the workspace as the
    finished demo had it (old and new contents are the same)."""
    expected = workspace_state(demo_project / "jsna.duckdb")
    rng = random.Random(" ".join(args))
    for n in range(4):
        project = tmp_path / f"demo{n}"
        shutil.copytree(demo_project, project)
        delay = rng.uniform(1.0, 25.0)
        code = _kill_after(args, project, delay)
        print(f"{args[0]}: {'finished' if code is not None else f'killed at {delay:.1f} s'}")
        assert workspace_state(project / "jsna.duckdb") == expected
        _report_complete(project)
        code, out, err = run_main(*args, cwd=project)
        assert code == 0, out + err
        _report_complete(project)
