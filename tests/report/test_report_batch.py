"""--all-areas / --areas: one report per area plus an index page; missing areas get a note."""

from __future__ import annotations

from pathlib import Path

from jsna.vocabulary.sections import SECTIONS


def test_areas_list_renders_reports_and_index(demo_project: Path, tmp_path: Path) -> None:
    from jsna import api

    config = api.project_config(demo_project)
    seen = []
    result = api.report_all_areas(
        config,
        areas=[config.project.area, "E06999999"],
        output=tmp_path,
        workers=2,
        progress=lambda done, total, o: seen.append((done, total, o.area_code)),
    )
    assert [a.status for a in result.areas] == ["ok", "no-data"]
    assert "no data for area 'E06999999'" in result.areas[1].note
    assert result.ok
    assert sorted(d for d, _, _ in seen) == [1, 2] and {t for _, t, _ in seen} == {2}
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert f'href="jsna-{config.project.area}.html"' in index
    assert "No data:" in index
    page = (tmp_path / f"jsna-{config.project.area}.html").read_text(encoding="utf-8")
    assert all(s.title in page for s in SECTIONS)


def test_cli_all_areas(demo_project: Path, tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    import json

    from jsna import api
    from jsna.report.batch import areas_to_report

    listed = [c for c, _ in areas_to_report(api.project_config(demo_project))]
    assert len(listed) >= 2
    assert all(not c.startswith(("E92", "E01", "E02", "E05")) for c in listed)
    code, out, _ = cli(
        "report",
        "-p",
        str(demo_project),
        "--areas",
        f"{listed[-1]},E06999999",
        "--workers",
        "1",
        "-o",
        str(tmp_path),
        "--json",
    )
    assert code == 0, out
    data = json.loads(out)
    # one area rendered, one with no data noted: the batch is still a success
    assert data["reported"] == 1 and data["ok"]
    assert [(a["area_code"], a["status"]) for a in data["areas"]] == [
        (listed[-1], "ok"),
        ("E06999999", "no-data"),
    ]
    assert (tmp_path / f"jsna-{listed[-1]}.html").exists()
    assert (tmp_path / "index.html").exists()
    code, _, err = cli("report", "-p", str(demo_project), "--all-areas", "--area", "E06999001")
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
