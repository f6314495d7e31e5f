"""A user's template folder is code someone else may have written: it runs in Jinja2's sandbox,
reads only files inside the template folders, and every mistake in it is a TemplateError naming
the template, the line and what is wrong (never a traceback)."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from jsna.errors import TemplateError
from jsna.report.render import render_html

#: what the report model offers a template, as little as these tests need
REPORT = SimpleNamespace(title="A report", area_name="Ambridge Vale")


def _override(folder: Path, text: str, name: str = "report.html.j2") -> Path:
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder


def _render(folder: Path) -> str:
    return render_html(REPORT, user_templates=folder)  # type: ignore[arg-type]


def test_a_plain_override_renders(tmp_path: Path) -> None:
    folder = _override(tmp_path / "t", "<h1>{{ report.title }}</h1>{{ css | length > 0 }}")
    assert _render(folder) == "<h1>A report</h1>True"


@pytest.mark.parametrize(
    "payload",
    [
        '{{ cycler.__init__.__globals__.os.popen("echo pwned-by-template").read() }}',
        "{{ report.__class__.__mro__[1].__subclasses__() }}",
        "{{ ().__class__.__base__.__subclasses__() }}",
        "{{ lipsum.__globals__['os'].popen('echo pwned-by-template').read() }}",
    ],
)
def test_server_side_template_injection_is_refused(tmp_path: Path, payload: str) -> None:
    folder = _override(tmp_path / "t", f"<p>\n{payload}\n</p>")
    with pytest.raises(TemplateError) as caught:
        _render(folder)
    message = str(caught.value)
    assert "report.html.j2 (line 2)" in message
    assert "pwned-by-template" not in message


def test_a_typo_names_the_template_and_line(tmp_path: Path) -> None:
    folder = _override(tmp_path / "t", "<h1>{{ report.title }}</h1>\n\n{% if report.title %}\n<p>")
    with pytest.raises(TemplateError, match=r"report\.html\.j2 \(line 4\): syntax error"):
        _render(folder)


def test_an_unknown_name_names_the_template_and_line(tmp_path: Path) -> None:
    folder = _override(tmp_path / "t", "<h1>\n{{ report.no_such_field }}</h1>")
    with pytest.raises(TemplateError, match=r"report\.html\.j2 \(line 2\).*no_such_field"):
        _render(folder)


def test_a_template_that_extends_itself(tmp_path: Path) -> None:
    folder = _override(tmp_path / "t", '{% extends "report.html.j2" %}')
    with pytest.raises(TemplateError, match="extends or includes itself") as caught:
        _render(folder)
    assert '"jsna/report.html.j2"' in str(caught.value)


def test_an_override_can_build_on_the_bundled_template(tmp_path: Path, demo_assembled) -> None:  # type: ignore[no-untyped-def]
    report = demo_assembled[0]
    folder = _override(tmp_path / "t", '{% extends "jsna/report.html.j2" %}')
    assert render_html(report, user_templates=folder) == render_html(report)


@pytest.mark.parametrize(
    "name",
    ["../outside.html", "../../../../../../etc/passwd", "/etc/passwd", "sub/../../outside.html"],
)
def test_include_outside_the_folder_is_refused(tmp_path: Path, name: str) -> None:
    (tmp_path / "outside.html").write_text("SECRET-OUTSIDE", encoding="utf-8")
    folder = _override(tmp_path / "t", f'<p>\n{{% include "{name}" %}}</p>')
    with pytest.raises(TemplateError, match=r"report\.html\.j2 \(line 2\).*not found") as caught:
        _render(folder)
    assert "SECRET-OUTSIDE" not in str(caught.value)


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_a_link_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-BY-LINK", encoding="utf-8")
    folder = _override(tmp_path / "t", '{% include "linked.html" %}')
    (folder / "linked.html").symlink_to(secret)
    with pytest.raises(TemplateError, match="outside the template folder"):
        _render(folder)


def test_jsna_report_exits_3_with_the_template_line(population_copy: Path, cli) -> None:  # type: ignore[no-untyped-def]
    from jsna import api

    project = population_copy.parent  # a computed project (the smallest with a report)
    area = api.project_config(project).project.area
    _override(project / "templates", "<html>\n{% for x in %}\n</html>")
    text = population_copy.read_text(encoding="utf-8")
    population_copy.write_text(
        text.replace("[report]\n", '[report]\ntemplates_dir = "templates"\n', 1), encoding="utf-8"
    )
    code, out, err = cli("report", "--area", area, cwd=project)
    assert code == 3, out + err
    assert "report.html.j2 (line 2)" in out + err
    assert "Traceback" not in out + err and "internal error" not in out + err
