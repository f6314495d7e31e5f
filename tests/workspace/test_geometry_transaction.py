"""Boundary geometry is part of the load's transaction: a failure or a kill at any step leaves
either the whole boundary file (areas and their shapes) or nothing, never an area without its map.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from jsna.ingest import ingest_file
from jsna.workspace import Workspace

CODES = ("E08000009", "E08000010", "E08000011")


def _boundaries(path: Path) -> Path:
    """Three unit squares side by side near Manchester, in WGS84 (GeoJSON's default)."""
    features = []
    for i, code in enumerate(CODES):
        x, y = -2.4 + 0.05 * i, 53.4
        ring = [[x, y], [x + 0.04, y], [x + 0.04, y + 0.04], [x, y + 0.04], [x, y]]
        features.append(
            {
                "type": "Feature",
                "properties": {"LAD24CD": code, "LAD24NM": f"Area {i}"},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        )
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def _state(ws_path: Path) -> tuple[int, int, int]:
    with Workspace.open(ws_path, read_only=True) as ws:
        return ws.count("provenance"), ws.count("areas"), ws.count("geometry")


def _failing(monkeypatch: pytest.MonkeyPatch, method: str, call: int = 1) -> None:
    """Make ``Workspace.<method>`` raise on its ``call``-th call (after doing its work)."""
    original = getattr(Workspace, method)
    calls = {"n": 0}

    def boom(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        out = original(self, *args, **kwargs)
        calls["n"] += 1
        if calls["n"] == call:
            raise RuntimeError("power cut")
        return out

    monkeypatch.setattr(Workspace, method, boom)


# each step of a load, in order: the areas rows, the geometry rows, the replacement of older
# rows (once per table), and the last step before COMMIT
STEPS = [
    ("_insert_frame", 1),
    ("_insert_frame", 2),
    ("_replace_older", 1),
    ("_replace_older", 2),
    ("_mark_superseded", 1),
]


@pytest.mark.parametrize(("method", "call"), STEPS)
def test_a_failure_at_any_step_loads_nothing_and_the_file_loads_again_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, method: str, call: int
) -> None:
    path = _boundaries(tmp_path / "lad.geojson")
    ws_path = tmp_path / "jsna.duckdb"
    with Workspace.open(ws_path) as ws:
        _failing(monkeypatch, method, call)
        with pytest.raises(RuntimeError, match="power cut"):
            ingest_file(ws, "boundaries", path)
        monkeypatch.undo()
    assert _state(ws_path) == (0, 0, 0)
    with Workspace.open(ws_path) as ws:
        outcome = ingest_file(ws, "boundaries", path)
        shapes = ws.geometry(set(CODES))
    assert outcome.status == "loaded" and _state(ws_path) == (1, 3, 3)
    assert outcome.records == 3  # three areas (their shapes are not records of their own)
    assert list(shapes["area_code"]) == list(CODES)
    assert not (tmp_path / "geometry").exists()  # nothing is kept outside the database


def test_a_kill_before_commit_leaves_nothing_and_no_already_loaded(tmp_path: Path) -> None:
    path = _boundaries(tmp_path / "lad.geojson")
    ws_path = tmp_path / "jsna.duckdb"
    script = textwrap.dedent(f"""
        import os, signal
        from jsna.ingest import ingest_file
        from jsna.workspace import Workspace
        original = Workspace._mark_superseded
        def die(self):
            original(self)
            os.kill(os.getpid(), signal.SIGKILL)  # after every insert, before COMMIT
        Workspace._mark_superseded = die
        with Workspace.open({str(ws_path)!r}) as ws:
            ingest_file(ws, "boundaries", {str(path)!r})
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120)
    assert proc.returncode == -9
    assert _state(ws_path) == (0, 0, 0)
    with Workspace.open(ws_path) as ws:
        assert ingest_file(ws, "boundaries", path).status == "loaded"
        assert ingest_file(ws, "boundaries", path).status == "unchanged"
    assert _state(ws_path) == (1, 3, 3)


def test_maps_read_the_stored_shapes_in_british_national_grid(tmp_path: Path) -> None:
    from jsna.report.maps import load_geometry

    path = _boundaries(tmp_path / "lad.geojson")
    with Workspace.open(tmp_path / "jsna.duckdb") as ws:
        ingest_file(ws, "boundaries", path)
        geo = load_geometry(ws, ["E08000009", "E08000011"])
    assert list(geo["area_code"]) == ["E08000009", "E08000011"]
    assert geo.crs.to_epsg() == 27700
    xmin, ymin, xmax, ymax = geo.total_bounds
    # -2.4 degrees, 53.4 degrees is about easting 373,000, northing 390,000 (Trafford)
    assert 360_000 < xmin < xmax < 390_000 and 380_000 < ymin < ymax < 400_000


def test_removing_the_boundary_file_takes_its_shapes(tmp_path: Path) -> None:
    path = _boundaries(tmp_path / "lad.geojson")
    with Workspace.open(tmp_path / "jsna.duckdb") as ws:
        source = ingest_file(ws, "boundaries", path).source_id
        assert source is not None
        (removal,) = ws.remove([source])
        assert removal.rows == {"areas": 3, "geometry": 3}
        assert ws.count("geometry") == 0


def test_a_read_only_workspace_reads_a_set_of_boundaries_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A report's maps ask for the same areas many times: read only, the workspace reads each
    set once (the last ``GEOMETRIES_KEPT``), and gives each caller a copy of its own; a workspace
    open for writing reads every time (a load may have changed them)."""
    from jsna import workspace

    path = _boundaries(tmp_path / "lad.geojson")
    with Workspace.open(tmp_path / "jsna.duckdb") as ws:
        ingest_file(ws, "boundaries", path)
    reads: list[list[str]] = []
    original = Workspace._read_geometry

    def counted(self, wanted):  # type: ignore[no-untyped-def]
        reads.append(list(wanted))
        return original(self, wanted)

    monkeypatch.setattr(Workspace, "_read_geometry", counted)
    monkeypatch.setattr(workspace, "GEOMETRIES_KEPT", 2)
    with Workspace.open(tmp_path / "jsna.duckdb", read_only=True) as ws:
        first = ws.geometry(["E08000011", "E08000009"])
        first.loc[0, "wkb"] = b"changed by its caller"
        again = ws.geometry({"E08000009", "E08000011"})
        assert reads == [["E08000009", "E08000011"]]
        assert list(again["area_code"]) == ["E08000009", "E08000011"]
        assert again.loc[0, "wkb"] != b"changed by its caller"
        ws.geometry(["E08000010"])
        ws.geometry(["E08000011"])  # a third set: the oldest is let go
        ws.geometry(["E08000009", "E08000011"])
        assert len(reads) == 4
    with Workspace.open(tmp_path / "jsna.duckdb") as ws:
        ws.geometry(["E08000009"])
        ws.geometry(["E08000009"])
    assert len(reads) == 6
