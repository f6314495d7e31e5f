"""The batch at scale: a worker opens the workspace once, however many areas it renders."""

from __future__ import annotations

from pathlib import Path

import pytest


def test_a_worker_opens_the_workspace_once_for_all_its_areas(
    demo_project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jsna import api
    from jsna.report import batch
    from jsna.workspace import Workspace

    opened: list[bool] = []
    real_open = Workspace.open

    def counting_open(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        opened.append(bool(kwargs.get("read_only")))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(Workspace, "open", staticmethod(counting_open))
    areas = ["E06999996", "E06999997", "E06999998", "E06999999"]
    result = api.report_all_areas(
        api.project_config(demo_project), areas=areas, output=tmp_path, workers=1
    )
    assert [a.status for a in result.areas] == ["no-data"] * 4
    # one read-only open to list the areas, one for the worker's four areas (not one per area)
    assert opened == [True, True]
    assert "workspace" not in batch._WORKER  # closed when the batch ends
