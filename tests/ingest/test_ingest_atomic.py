"""Loads are atomic and idempotent; newer files supersede older ones; quarantine adds up."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jsna.ingest import ingest_file
from jsna.workspace import Workspace
from tests.ingest.conftest import snapshot

POP = "area_code,period,sex,age,population\n"


def _pop(tmp_path: Path, name: str, rows: list[tuple[str, str, str, int, object]]) -> Path:
    path = tmp_path / name
    path.write_text(
        POP + "".join(f"{a},{p},{s},{g},{n}\n" for a, p, s, g, n in rows), encoding="utf-8"
    )
    return path


def test_error_inside_load_leaves_workspace_unchanged(
    tmp_path: Path, power_cut_before_commit
) -> None:  # type: ignore[no-untyped-def]
    ws_path = tmp_path / "jsna.duckdb"
    first = _pop(tmp_path, "a.csv", [("E06000001", "2021", "Male", 0, 10)])
    with Workspace.open(ws_path) as ws:
        ingest_file(ws, "population", first)
    before = snapshot(ws_path)
    second = _pop(tmp_path, "b.csv", [("E06000002", "2021", "Male", 0, 11)])
    power_cut_before_commit()
    with Workspace.open(ws_path) as ws, pytest.raises(RuntimeError, match="power cut"):
        ingest_file(ws, "population", second)
    assert snapshot(ws_path) == before


def test_killed_process_mid_load_leaves_workspace_unchanged(tmp_path: Path) -> None:
    ws_path = tmp_path / "jsna.duckdb"
    with Workspace.open(ws_path) as ws:
        ingest_file(
            ws, "population", _pop(tmp_path, "a.csv", [("E06000001", "2021", "Male", 0, 10)])
        )
    before = snapshot(ws_path)
    big = _pop(
        tmp_path,
        "big.csv",
        [
            (f"E0100{i:04d}", "2021", s, a, 5)
            for i in range(200)
            for s in ("Male", "Female")
            for a in range(91)
        ],
    )
    script = textwrap.dedent(f"""
        import os, signal
        from jsna.ingest import ingest_file
        from jsna.workspace import Workspace
        original = Workspace._mark_superseded
        def die(self):
            original(self)
            os.kill(os.getpid(), signal.SIGKILL)  # killed after the inserts, before COMMIT
        Workspace._mark_superseded = die
        with Workspace.open({str(ws_path)!r}) as ws:
            ingest_file(ws, "population", {str(big)!r})
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120)
    assert proc.returncode == -9
    assert snapshot(ws_path) == before


def test_same_file_twice_is_a_no_op_and_newer_file_supersedes(tmp_path: Path) -> None:
    ws_path = tmp_path / "jsna.duckdb"
    old = _pop(
        tmp_path,
        "mye_old.csv",
        [("E06000001", "2021", "Male", 0, 10), ("E06000001", "2021", "Female", 0, 9)],
    )
    new = _pop(
        tmp_path,
        "mye_new.csv",
        [("E06000001", "2021", "Male", 0, 12), ("E06000001", "2021", "Female", 0, 8)],
    )
    with Workspace.open(ws_path) as ws:
        assert ingest_file(ws, "population", old).status == "loaded"
        assert ingest_file(ws, "population", old).status == "unchanged"
        outcome = ingest_file(ws, "population", new)
        assert outcome.replaced_records == 2
        prov = ws.provenance()
        pop = ws.table("population")
    assert list(prov["status"]) == ["superseded", "loaded"]
    assert list(prov["file_name"]) == ["mye_old.csv", "mye_new.csv"]
    assert sorted(pop["count"]) == [8, 12]


def test_quarantine_list_and_export(tmp_path: Path, project: Path, cli) -> None:  # type: ignore[no-untyped-def]
    path = _pop(
        tmp_path,
        "q.csv",
        [
            ("E06000001", "2021", "Male", 0, 10),
            ("E06000001", "2021", "Female", 0, "x1"),
            ("BAD", "2021", "Male", 1, 3),
        ],
    )
    code, out, err = cli(
        "ingest",
        "population",
        str(path),
        "--skip-invalid-rows",
        "--project",
        str(project),
        "--json",
    )
    assert code == 0, err
    result = json.loads(out)["files"][0]
    assert (result["rows_read"], result["rows_loaded"], result["rows_quarantined"]) == (3, 1, 2)
    code, out, _ = cli("quarantine", "list", "--project", str(project), "--json")
    rows = json.loads(out)["quarantine"]
    assert [(r["row"], r["column_name"], r["value"]) for r in rows] == [
        (3, "population", "x1"),
        (4, "area_code", "BAD"),
    ]
    assert rows[0]["raw"] == "E06000001,2021,Female,0,x1"
    target = tmp_path / "out" / "quarantine.csv"
    code, _, _ = cli("quarantine", "export", str(target), "--project", str(project))
    assert code == 0
    import pandas as pd

    exported = pd.read_csv(target)
    assert list(exported["row"]) == [3, 4] and set(exported["file_name"]) == {"q.csv"}


cell = st.one_of(
    st.integers(min_value=0, max_value=10_000),
    st.integers(min_value=-50, max_value=-1),
    st.sampled_from(["x", "..", "", "1.5", "abc"]),
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(cells=st.lists(cell, min_size=1, max_size=30))
def test_rows_read_equal_loaded_plus_quarantined_and_totals_are_preserved(
    tmp_path: Path, cells: list
) -> None:  # type: ignore[type-arg]
    import uuid

    folder = tmp_path / uuid.uuid4().hex
    folder.mkdir()
    rows = [("E06000001", "2021", "Male", age, value) for age, value in enumerate(cells)]
    path = _pop(folder, "p.csv", rows)
    with Workspace.open(folder / "jsna.duckdb") as ws:
        outcome = ingest_file(ws, "population", path, skip_invalid_rows=True)
        loaded_total = ws.con.execute("SELECT coalesce(sum(count), 0) FROM population").fetchall()[
            0
        ][0]
        quarantined = ws.con.execute("SELECT count(DISTINCT row) FROM quarantine").fetchall()[0][0]
    good = [v for v in cells if isinstance(v, int) and v >= 0]
    assert outcome.rows_read == len(cells) == outcome.rows_loaded + outcome.rows_quarantined
    assert quarantined == outcome.rows_quarantined == len(cells) - len(good)
    assert loaded_total == sum(good)
