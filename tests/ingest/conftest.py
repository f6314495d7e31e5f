"""Helpers for the ingest tests: a workspace snapshot to prove a failed load changed nothing."""

from __future__ import annotations

from pathlib import Path

import pytest


def snapshot(workspace_path: Path) -> dict[str, object]:
    """Row counts of every canonical table plus the provenance rows of a workspace file."""
    from jsna.vocabulary.tables import TABLES
    from jsna.workspace import Workspace

    if not workspace_path.exists():
        return {}
    with Workspace.open(workspace_path, read_only=True) as ws:
        counts: dict[str, object] = {name: ws.count(name) for name in TABLES}
        counts["provenance_rows"] = ws.con.execute(
            "SELECT source_id, sha256, status FROM provenance ORDER BY source_id"
        ).fetchall()
    return counts


@pytest.fixture()
def workspace_file(project: Path) -> Path:
    return project / "jsna.duckdb"


@pytest.fixture()
def power_cut_before_commit(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """A switch: once called, every load fails with ``RuntimeError('power cut')`` after its last
    step and before COMMIT."""
    from jsna.workspace import Workspace

    def cut() -> None:
        original = Workspace._mark_superseded

        def boom(self):  # type: ignore[no-untyped-def]
            original(self)
            raise RuntimeError("power cut")

        monkeypatch.setattr(Workspace, "_mark_superseded", boom)

    return cut
