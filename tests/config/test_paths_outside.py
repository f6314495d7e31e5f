"""jsna.toml reads files only inside the project folder unless ``allow_outside = true``, and the
logo is embedded only when its content is an image."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest

from jsna.config import load_config
from jsna.errors import ConfigError

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


def _config(project: Path, body: str) -> Path:
    path = project / "jsna.toml"
    path.write_text(body, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("body", "setting", "line"),
    [
        ('[organisation]\nlogo = "/etc/passwd"\n', "organisation.logo", 2),
        ('[[inputs]]\nkind = "population"\npath = "/etc/hostname"\n', "inputs[0].path", 3),
        ('[[inputs]]\nkind = "population"\npath = "../elsewhere/p.csv"\n', "inputs[0].path", 3),
        ('[report]\ntemplates_dir = "/tmp"\n', "report.templates_dir", 2),
        ('[report]\nnarrative_dir = "../../narrative"\n', "report.narrative_dir", 2),
    ],
)
def test_a_path_outside_the_project_is_refused(
    tmp_path: Path, body: str, setting: str, line: int
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    path = _config(project, body)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert f"{setting}:" in message and "outside the project folder" in message
    assert f"jsna.toml (line {line})" in message
    assert "allow_outside = true" in message


def test_allow_outside_lets_it_through(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    body = '[project]\nallow_outside = true\n\n[[inputs]]\nkind = "population"\npath = "../p.csv"\n'
    config = load_config(_config(project, body))
    assert config.path(config.inputs[0].path).resolve() == (tmp_path / "p.csv").resolve()


def test_paths_inside_the_project_are_fine(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "inputs").mkdir(parents=True)
    body = (
        '[organisation]\nlogo = "inputs/logo.png"\n\n[report]\nnarrative_dir = "./narrative"\n\n'
        '[[inputs]]\nkind = "population"\npath = "inputs/../inputs/p.csv"\n'
    )
    assert load_config(_config(project, body)).inputs[0].path == "inputs/../inputs/p.csv"


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_a_link_that_leads_out_of_the_project_is_refused(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "logo.png").symlink_to("/etc/passwd")
    with pytest.raises(ConfigError, match="resolves to /etc/passwd"):
        load_config(_config(project, '[organisation]\nlogo = "logo.png"\n'))


def test_an_environment_override_is_checked_too(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    project = tmp_path / "project"
    project.mkdir()
    monkeypatch.setenv("JSNA_ORGANISATION_LOGO", "/etc/passwd")
    with pytest.raises(ConfigError, match=r"organisation\.logo"):
        load_config(_config(project, "[project]\n"))


def test_jsna_report_refuses_with_exit_3(project: Path, cli) -> None:  # type: ignore[no-untyped-def]
    config = project / "jsna.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace('name = ""\n', 'name = ""\nlogo = "/etc/passwd"\n', 1), encoding="utf-8"
    )
    code, out, err = cli("report", "--area", "E06999001", cwd=project)
    assert code == 3, out + err
    assert "organisation.logo" in out + err and "outside the project folder" in out + err
    assert "root:" not in out + err


@pytest.mark.parametrize(
    ("content", "mime"),
    [
        (PNG, "image/png"),
        (b"\xff\xd8\xff\xe0" + b"\0" * 16, "image/jpeg"),
        (b"GIF89a" + b"\0" * 10, "image/gif"),
        (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>', "image/svg+xml"),
    ],
)
def test_the_logo_type_comes_from_its_content(tmp_path: Path, content: bytes, mime: str) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "logo.png").write_bytes(content)  # the name says PNG whatever it holds
    config = load_config(_config(project, '[organisation]\nlogo = "logo.png"\n'))
    assert config.logo_image() == (mime, content)


@pytest.mark.parametrize(
    "content", [b"root:x:0:0:root:/root:/bin/bash\n", b"%PDF-1.7\n", b"PK\x03\x04"]
)
def test_a_logo_that_is_not_an_image_is_refused(tmp_path: Path, content: bytes) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "logo.png").write_bytes(content)
    config = load_config(_config(project, '[organisation]\nlogo = "logo.png"\n'))
    with pytest.raises(
        ConfigError, match=r"jsna.toml \(line 2\): organisation.logo: logo.png is not an image"
    ):
        config.logo_image()
