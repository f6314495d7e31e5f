"""A second command on a busy workspace waits for it with a message, then gives up with a clear
:class:`~jsna.errors.WorkspaceBusyError` (exit code 3); ``jsna run`` holds one lock from its
first step to its last."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import run_main
from tests.reliability.corpus import BASE_FILE, base_project

HOLD = """
import sys, time
from pathlib import Path
from jsna.workspace import Workspace
with Workspace.open(Path(sys.argv[1]), read_only=sys.argv[2] == "read") as ws:
    Path(sys.argv[3]).write_text("held")
    time.sleep(float(sys.argv[4]))
"""

PROBE = """
import sys
from pathlib import Path
from jsna.errors import WorkspaceBusyError
from jsna.workspace import Workspace, set_lock_wait
set_lock_wait(0)
try:
    with Workspace.open(Path(sys.argv[1]), read_only=True):
        print("free")
except WorkspaceBusyError as exc:
    print("busy:", exc)
"""


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return base_project(tmp_path_factory.mktemp("locks") / "project")


def _holder(project: Path, mode: str, seconds: float) -> Iterator[subprocess.Popen[bytes]]:
    ready = project / f"held-{mode}-{time.monotonic_ns()}"
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(project / "jsna.duckdb"), mode, str(ready), str(seconds)]
    )
    try:
        deadline = time.monotonic() + 60
        while not ready.exists():
            assert proc.poll() is None, "the holder ended early"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        yield proc
    finally:
        proc.kill()
        proc.wait()


def test_a_busy_workspace_times_out_with_a_clear_error(loaded: Path) -> None:
    for proc in _holder(loaded, "write", 60):
        code, out, err = run_main("compute", "--wait", "0.5", cwd=loaded)
        text = out + err
        assert code == 3, text
        assert "is busy after waiting 0.5 s" in text, text
        assert f"PID {proc.pid}" in text and "--wait SECONDS" in text, text
        assert "waiting up to 0.5 s" in text, text  # the message while it waited
        assert "Traceback" not in text and "IO Error" not in text, text
        code, out, _ = run_main("compute", "--wait", "0", "--json", cwd=loaded)
        assert code == 3 and '"WorkspaceBusyError"' in out


@pytest.mark.parametrize("args", [["compute"], ["run"], ["export", "-o", "r.csv"]])
@pytest.mark.parametrize("wait", ["-3", "nan"])
def test_a_negative_wait_is_a_plain_usage_error(loaded: Path, args: list[str], wait: str) -> None:
    code, out, err = run_main(*args, "--wait", wait, cwd=loaded)
    text = out + err
    assert code == 2, text
    assert f"--wait must be a number of seconds >= 0, got {wait}" in text, text
    assert "╭" not in text and "Usage:" not in text and "Traceback" not in text, text


def test_readers_share_and_a_writer_waits_for_them(loaded: Path, tmp_path: Path) -> None:
    for _ in _holder(loaded, "read", 60):
        code, out, err = run_main("export", "--wait", "0", "-o", tmp_path / "r.csv", cwd=loaded)
        assert "busy" not in out + err  # a reader does not wait for a reader
        code, out, err = run_main("ingest", "population", BASE_FILE, "--wait", "0", cwd=loaded)
        assert code == 3 and "busy" in out + err


def test_a_command_waits_and_then_runs(loaded: Path, tmp_path: Path) -> None:
    small = tmp_path / "small.csv"
    small.write_text(
        "area_code,area_name,period,sex,age,population\nE06999001,Ambridge Vale,2015,Male,0,900\n",
        encoding="utf-8",
    )
    for _ in _holder(loaded, "write", 1.5):
        code, out, err = run_main("ingest", "population", small, "--wait", "60", cwd=loaded)
        assert code == 0, out + err
        assert "busy" in err and "waiting up to 60 s" in err


def test_run_holds_one_lock_across_its_steps(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between ingest and compute (each opens and closes the database) another process finds
    the workspace busy, not free."""
    from jsna import runner
    from jsna.errors import ChecksFailedError
    from jsna.indicators import analyses

    project = tmp_path / "project"
    base_project(project)
    shutil.copy(BASE_FILE, project / "inputs" / "population.csv")
    (project / "jsna.toml").write_text(
        (project / "jsna.toml").read_text(encoding="utf-8")
        + '\n[[inputs]]\nkind = "population"\npath = "inputs/population.csv"\n',
        encoding="utf-8",
    )
    seen: list[str] = []

    def probe(config, progress=None):  # type: ignore[no-untyped-def]
        found = subprocess.run(
            [sys.executable, "-c", PROBE, str(config.workspace_path)],
            capture_output=True,
            text=True,
            check=True,
        )
        seen.append(found.stdout)
        raise ChecksFailedError("stopped by the test after the probe")

    monkeypatch.setattr(analyses, "compute_project", probe)
    with pytest.raises(ChecksFailedError):
        runner.run_project(project / "jsna.toml", area="E06999001")
    assert seen and seen[0].startswith("busy:"), seen
    assert "jsna.duckdb" in seen[0]
    # and once the run is over, the workspace is free
    free = subprocess.run(
        [sys.executable, "-c", PROBE, str(project / "jsna.duckdb")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert free.stdout.strip() == "free"
