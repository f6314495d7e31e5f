"""--all-areas / --areas: one report per area plus an index page; missing areas get a note."""

from __future__ import annotations

from pathlib import Path

import pytest

from jsna.vocabulary.sections import SECTIONS

AREA, NO_DATA = "E06999001", "E06999999"


@pytest.fixture(scope="module")
def batch(demo_project: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """`jsna report --areas AREA,E06999999 --workers 2 --json` on the demo, run once: the demo
    area rendered in a worker process, an area with no data noted. (code, JSON, output folder)."""
    import json

    from tests.conftest import run_main

    out = tmp_path_factory.mktemp("batch")
    code, printed, err = run_main(
        "report", "-p", demo_project, "--areas", f"{AREA},{NO_DATA}", "--workers", "2",
        "-o", out, "--json",
    )  # fmt: skip
    assert code == 0, (printed, err)
    return code, json.loads(printed), out


@pytest.mark.slow  # two report processes
def test_areas_list_renders_reports_and_index(batch) -> None:  # type: ignore[no-untyped-def]
    _, data, out = batch
    assert [(a["area_code"], a["status"]) for a in data["areas"]] == [
        (AREA, "ok"),
        (NO_DATA, "no-data"),
    ]
    assert f"no data for area '{NO_DATA}'" in data["areas"][1]["note"]
    # one area rendered, one with no data noted: the batch is still a success
    assert data["reported"] == 1 and data["ok"]
    index = (out / "index.html").read_text(encoding="utf-8")
    assert f'href="jsna-{AREA}.html"' in index
    assert "No data:" in index
    page = (out / f"jsna-{AREA}.html").read_text(encoding="utf-8")
    assert all(s.title in page for s in SECTIONS)


def test_progress_is_reported_for_every_area(demo_project: Path, tmp_path: Path) -> None:
    from jsna import api

    seen = []
    result = api.report_all_areas(
        api.project_config(demo_project),
        areas=["E06999998", NO_DATA],
        output=tmp_path,
        workers=1,
        progress=lambda done, total, o: seen.append((done, total, o.area_code)),
    )
    assert [a.status for a in result.areas] == ["no-data", "no-data"] and result.ok
    assert seen == [(1, 2, "E06999998"), (2, 2, NO_DATA)]


def test_all_areas_lists_the_reportable_areas_and_excludes_area(demo_project: Path, cli) -> None:  # type: ignore[no-untyped-def]
    from jsna import api
    from jsna.report.batch import areas_to_report

    listed = [c for c, _ in areas_to_report(api.project_config(demo_project))]
    assert len(listed) >= 2 and AREA in listed
    assert all(not c.startswith(("E92", "E01", "E02", "E05")) for c in listed)
    code, _, err = cli("report", "-p", str(demo_project), "--all-areas", "--area", AREA)
    assert code == 2 and "one of --area" in err


def test_user_templates_take_precedence(demo_project: Path, tmp_path: Path) -> None:
    from jsna.report.render import environment
    from jsna.resources import templates_dir

    override = tmp_path / "templates"
    override.mkdir()
    css = (templates_dir() / "report.css").read_text(encoding="utf-8")
    (override / "report.css").write_text(css + "\n/* local-house-style */\n", encoding="utf-8")
    env = environment(override)
    assert "local-house-style" in env.loader.get_source(env, "report.css")[0]  # type: ignore[union-attr]
    assert env.get_template("report.html.j2").filename.startswith(str(templates_dir()))


def test_a_worker_freezes_what_its_areas_share_after_the_first_and_thaws_at_the_end(
    demo_project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After its first area a batch worker leaves what every area reads out of the garbage
    collector's passes; the next areas are built with it frozen, and the batch gives it back."""
    import gc

    from jsna import api
    from jsna.report import assemble

    frozen_at_start: list[int] = []
    original = assemble.assemble_report

    def recording(*args, **kwargs):  # type: ignore[no-untyped-def]
        frozen_at_start.append(gc.get_freeze_count())
        return original(*args, **kwargs)

    monkeypatch.setattr(assemble, "assemble_report", recording)
    # as in a pool's worker, nothing frozen before (this test worker's own freeze, from
    # tests/conftest.py, is thawed for the test and made again after it)
    frozen_by_the_suite = bool(gc.get_freeze_count())
    gc.unfreeze()
    try:
        result = api.report_all_areas(
            api.project_config(demo_project),
            areas=["E06999001", "E06999002"],
            output=tmp_path,
            workers=1,
        )
        assert [a.status for a in result.areas] == ["ok", "ok"]
        assert frozen_at_start[0] == 0
        # the tables the areas share were read by the first area, and are frozen for the second
        assert frozen_at_start[1] > 10_000
        assert gc.get_freeze_count() == 0
    finally:
        if frozen_by_the_suite:
            gc.freeze()


def test_a_process_that_froze_objects_itself_keeps_its_freezing() -> None:
    """A batch run in a process that froze objects of its own (``workers=1``) freezes nothing
    more and thaws nothing at its end."""
    import gc

    from jsna.report import batch

    froze_here = not gc.get_freeze_count()
    if froze_here:
        gc.freeze()
    try:
        count = gc.get_freeze_count()
        batch._freeze_worker_heap()
        assert gc.get_freeze_count() == count
        batch._close_worker()
        assert gc.get_freeze_count() == count
    finally:
        if froze_here:
            gc.unfreeze()
