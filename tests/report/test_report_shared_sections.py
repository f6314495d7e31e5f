"""One report shares its sections with a forked child (``assemble_report(share=True)``, as
``jsna report`` and ``jsna run`` render): the pages are the same bytes as when one process
builds every section, and a child that fails costs only time."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from jsna.processes import ForkedCall, can_fork

pytestmark = pytest.mark.skipif(not can_fork(), reason="forks (Linux, two CPUs)")


def _html(project: Path, out: Path, *, share: bool) -> bytes:
    """The demo's page with the real builders of the shared sections (the others write only
    their id: they are built in this process either way)."""
    from jsna import api
    from jsna.report.assemble import BUILDERS, SHARED_SECTIONS, assemble_report
    from jsna.report.render import write_html
    from jsna.workspace import Workspace

    config = api.project_config(project)
    area = config.project.area
    builders = _quick_builders(**{i: BUILDERS[i] for i in SHARED_SECTIONS})
    with Workspace.open(config.workspace_path, read_only=True) as ws:
        model = assemble_report(ws, config, area, share=share, builders=builders)
    return write_html(model, out / f"jsna-{area}.html").read_bytes()


@pytest.fixture(scope="module")
def alone(demo_project: Path, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """The page with every section built in this process."""
    return _html(demo_project, tmp_path_factory.mktemp("alone"), share=False)


def test_shared_sections_give_the_same_page(
    demo_project: Path, alone: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jsna.report import assemble

    marks = tmp_path / "child"
    marks.mkdir()
    original = assemble._built_in_child

    def recording(prepared, ids):  # type: ignore[no-untyped-def]
        (marks / str(os.getpid())).write_text(",".join(sorted(ids)))
        return original(prepared, ids)

    monkeypatch.setattr(assemble, "_built_in_child", recording)
    shared = _html(demo_project, tmp_path, share=True)
    built_by = [int(p.name) for p in marks.iterdir()]
    # the child built the shared sections, in another process
    assert len(built_by) == 1 and built_by[0] != os.getpid()
    assert (marks / str(built_by[0])).read_text().split(",") == sorted(assemble.SHARED_SECTIONS)
    assert shared == alone
    # the shared sections' charts and tables are on the page
    for figure in ("health-spine", "health-tartan"):
        assert f'id="{figure}"'.encode() in shared


def _quick_builders(**replace):  # type: ignore[no-untyped-def]
    """A builder for every section that only writes its id (the real ones take seconds)."""
    from jsna.report.model import Headline
    from jsna.vocabulary.sections import SECTIONS

    def quick(rc, section):  # type: ignore[no-untyped-def]
        section.headlines.append(Headline(label=section.info.id, value=rc.area_code))

    return {info.id: replace.get(info.id, quick) for info in SECTIONS}


def _model(project: Path, *, share: bool, builders):  # type: ignore[no-untyped-def]
    from jsna import api
    from jsna.report.assemble import assemble_report
    from jsna.workspace import Workspace

    config = api.project_config(project)
    with Workspace.open(config.workspace_path, read_only=True) as ws:
        return assemble_report(ws, config, config.project.area, share=share, builders=builders)


def test_a_failing_child_costs_only_time(
    demo_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jsna.report import assemble

    started: list[object] = []
    real_init = ForkedCall.__init__

    def counting(self, func):  # type: ignore[no-untyped-def]
        started.append(func)
        real_init(self, func)

    def failing(prepared, ids):  # type: ignore[no-untyped-def]
        raise MemoryError("the child ran out")

    monkeypatch.setattr(ForkedCall, "__init__", counting)
    monkeypatch.setattr(assemble, "_built_in_child", failing)
    builders = _quick_builders()
    shared = _model(demo_project, share=True, builders=builders)
    assert len(started) == 1  # a child was started, and failed
    assert shared.sections == _model(demo_project, share=False, builders=builders).sections


def test_an_error_is_raised_by_the_process_as_without_a_child(demo_project: Path) -> None:
    """A builder's error reaches the caller from this process (the child's is not used)."""

    def broken(rc, section):  # type: ignore[no-untyped-def]
        raise ValueError("a builder failed")

    with pytest.raises(ValueError, match="a builder failed"):
        _model(demo_project, share=True, builders=_quick_builders(inequalities=broken))


def test_no_child_while_another_connection_is_open(
    demo_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fork may not share an open DuckDB connection: with a second one open, one process
    builds everything."""
    from jsna import api
    from jsna.workspace import Workspace

    config = api.project_config(demo_project)
    started: list[object] = []
    real_init = ForkedCall.__init__

    def counting(self, func):  # type: ignore[no-untyped-def]
        started.append(func)
        real_init(self, func)

    monkeypatch.setattr(ForkedCall, "__init__", counting)
    builders = _quick_builders()
    with Workspace.open(config.workspace_path, read_only=True):
        model = _model(demo_project, share=True, builders=builders)
    assert started == []
    assert [s.headlines[0].label for s in model.sections] == list(builders)


def test_forked_call_gives_the_result_or_none() -> None:
    with ForkedCall(lambda: {"pid": os.getpid(), "sum": sum(range(10))}) as child:
        got = child.result()
    assert got["sum"] == 45 and got["pid"] != os.getpid()

    def fails() -> None:
        raise RuntimeError("no")

    with ForkedCall(fails) as child:
        assert child.result() is None


def test_leaving_the_block_ends_a_child_not_waited_for() -> None:
    import time

    with ForkedCall(lambda: time.sleep(600)) as child:
        pid = child._pid
        assert pid is not None
    # reaped: the pid is no longer this process's child
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
