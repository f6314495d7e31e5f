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


def test_a_worker_reads_each_whole_table_once_and_renders_what_one_report_does(
    demo_project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The second area of a worker reuses the tables, names and controlled results of the first
    (however many areas, each whole table is read once by the worker), and its page is byte for
    byte the page ``jsna report --area`` makes for it alone."""
    from collections import Counter

    from jsna import api
    from jsna.report import batch
    from jsna.workspace import Workspace

    config = api.project_config(demo_project)
    areas = [code for code, _ in batch.areas_to_report(config)][:2]
    assert len(areas) == 2
    reads: Counter[str] = Counter()
    real_table = Workspace.table

    def counting(self, name, where=None, params=None, *, columns=None):  # type: ignore[no-untyped-def]
        if where is None and columns is None:  # a whole table
            reads[name] += 1
        return real_table(self, name, where, params, columns=columns)

    monkeypatch.setattr(Workspace, "table", counting)
    result = api.report_all_areas(config, areas=areas, output=tmp_path / "batch", workers=1)
    assert [a.status for a in result.areas] == ["ok", "ok"]
    # once to list the areas (their names), once by the worker for both areas; one report
    # used to read the population three times
    assert reads["population"] == 2
    assert reads["results"] == 1
    assert max(reads.values()) <= 2
    monkeypatch.undo()
    api.report(config, area=areas[1], formats=["html"], output=tmp_path / "one")
    alone = (tmp_path / "one" / f"jsna-{areas[1]}.html").read_bytes()
    assert (tmp_path / "batch" / f"jsna-{areas[1]}.html").read_bytes() == alone
