"""What the README promises of every command: `--json` for machines, `--debug` for a traceback;
and `jsna demo --format pdf` writes the PDF as well as the HTML."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from jsna.errors import UnreadableFileError


def _leaf_commands():  # type: ignore[no-untyped-def]
    """(name, command) of every command and sub-command of the jsna CLI."""
    import typer

    from jsna.cli import app

    root = typer.main.get_command(app)

    def walk(group, prefix):  # type: ignore[no-untyped-def]
        for name, command in group.commands.items():
            if hasattr(command, "commands"):
                yield from walk(command, f"{prefix}{name} ")
            else:
                yield f"{prefix}{name}", command

    return list(walk(root, ""))


def test_every_command_takes_json_and_debug() -> None:
    commands = _leaf_commands()
    assert len(commands) > 15
    for name, command in commands:
        options = {opt for param in command.params for opt in getattr(param, "opts", [])}
        assert {"--json", "--debug"} <= options, name


@pytest.mark.parametrize("where", ["after", "before"])
def test_debug_shows_the_traceback_wherever_it_is_given(
    where: str, project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from jsna import cli

    args = ["ingest", "population", "missing.csv", "--project", str(project)]
    argv = ["jsna", *args, "--debug"] if where == "after" else ["jsna", "--debug", *args]
    monkeypatch.setattr(sys, "argv", argv)
    with pytest.raises(SystemExit) as exited:  # the traceback, then the red line and the code
        cli.main()
    assert exited.value.code == 3
    err = capsys.readouterr().err
    assert "Traceback" in err and UnreadableFileError.__name__ in err
    assert "error: missing.csv: file not found" in err
    monkeypatch.setattr(sys, "argv", ["jsna", *args])  # without it: one red line and exit code 3
    with pytest.raises(SystemExit) as exited:
        cli.main()
    assert exited.value.code == 3
    assert "error: missing.csv: file not found" in capsys.readouterr().err


def test_demo_format_pdf_writes_the_pdf_as_well(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jsna import api
    from jsna.config import load_config

    seen = {}

    def fake_run(config_path: Path, **_: object) -> None:
        seen["formats"] = load_config(Path(config_path)).report.formats

    monkeypatch.setattr(api, "run", fake_run)
    api.demo(tmp_path / "demo", formats=["pdf"])
    assert seen["formats"] == ["html", "pdf"]
    with pytest.raises(api.UsageError, match="unknown format 'docx'"):
        api.demo(tmp_path / "demo2", formats=["docx"])
