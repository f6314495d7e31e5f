"""One error path: the `jsna` program itself (a subprocess, not the CliRunner) ends every failure
with one red line and the README's exit code (2 usage, 1 bad data, 3 could not run; a bug is
exit code 3 with an "internal error" line); the traceback only with --debug; --json errors are
JSON when the parsed command line asked for them."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from jsna import errors
from tests.conftest import SAMPLES

POPULATION = SAMPLES / "population_mye_lad_2020_2024.csv"


def jsna(*args: object, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m jsna ARGS`` as a user would; returns the finished process."""
    return subprocess.run(
        [sys.executable, "-m", "jsna", *map(str, args)],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
    )


def _no_traceback(done: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in done.stderr + done.stdout


def test_usage_error_exits_2_with_one_red_line() -> None:
    done = jsna("validate", "--encoding", "no-such-codec", "population", POPULATION)
    assert done.returncode == errors.EXIT_USAGE == 2
    assert done.stderr.strip() == (
        "error: --encoding: must be a text encoding such as utf-8, cp1252 or latin-1, "
        "got 'no-such-codec'"
    )
    _no_traceback(done)


def test_bad_choice_of_year_type_is_a_usage_error_not_a_traceback(tmp_path: Path) -> None:
    done = jsna("project", "--project", tmp_path, "--year-type", "bogus")
    assert done.returncode == 2
    assert "'bogus' is not one of" in done.stderr and "--year-type" in done.stderr
    _no_traceback(done)


def test_bad_data_exits_1() -> None:
    # a population file given as deaths: read, but it lacks the column deaths need
    done = jsna("validate", "deaths", POPULATION)
    assert done.returncode == errors.EXIT_INVALID == 1
    assert done.stderr.startswith("error: population_mye_lad_2020_2024.csv: no count column")
    _no_traceback(done)


def test_could_not_run_exits_3(tmp_path: Path) -> None:
    done = jsna("validate", "population", tmp_path / "missing.csv")
    assert done.returncode == errors.EXIT_CANNOT_RUN == 3
    assert done.stderr.strip() == f"error: {tmp_path / 'missing.csv'}: file not found"
    _no_traceback(done)


def test_bad_value_in_jsna_toml_exits_3_naming_the_line(tmp_path: Path) -> None:
    (tmp_path / "jsna.toml").write_text(
        '[project]\narea = "E08000009"\n\n[phb]\nuptake_from = 0.5\nuptake_to = 0.1\n',
        encoding="utf-8",
    )
    done = jsna("vfm", "--project", tmp_path)
    assert done.returncode == 3
    assert done.stderr.strip() == (
        "error: jsna.toml (line 4): phb: uptake_from (0.5) is above uptake_to (0.1)"
    )
    _no_traceback(done)


def test_a_bad_source_date_epoch_is_a_config_error_not_a_bug(tmp_path: Path) -> None:
    done = jsna("inputs", "--project", tmp_path, env={"SOURCE_DATE_EPOCH": "yesterday"})
    assert done.returncode == 3
    assert done.stderr.strip() == (
        "error: environment variable SOURCE_DATE_EPOCH must be seconds since 1970-01-01 "
        "(a whole number such as 1767225600), got 'yesterday'"
    )


def test_a_boundary_file_that_is_a_csv_is_unreadable_not_a_bug() -> None:
    done = jsna("validate", "boundaries", POPULATION)
    assert done.returncode == 3
    assert "has no geometry, so it is not a boundary file" in done.stderr
    _no_traceback(done)


_BUG = (
    "import sys; import jsna.api as api; from jsna import cli\n"
    "def boom(*a, **k): raise KeyError('no such thing')\n"
    "api.kinds = boom\n"
    "sys.argv = ['jsna', *sys.argv[1:]]\n"
    "cli.main()\n"
)


def _bug(*args: str) -> subprocess.CompletedProcess[str]:
    """The CLI with a bug planted in the library (api.kinds raises KeyError)."""
    return subprocess.run(
        [sys.executable, "-c", _BUG, *args], capture_output=True, text=True, timeout=120
    )


def test_a_bug_is_one_internal_error_line_and_exit_3() -> None:
    done = _bug("validate", "population", str(POPULATION))
    assert done.returncode == 3
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: internal error in jsna")
    assert "please report it" in lines[0] and "KeyError: 'no such thing'" in lines[0]
    _no_traceback(done)


def test_debug_shows_the_traceback_of_a_bug_and_keeps_the_exit_code() -> None:
    done = _bug("validate", "population", str(POPULATION), "--debug")
    assert done.returncode == 3
    assert "Traceback (most recent call last)" in done.stderr
    assert "KeyError: 'no such thing'" in done.stderr


def test_json_errors_follow_the_parsed_option(tmp_path: Path) -> None:
    done = jsna("validate", "--json", "--encoding", "no-such-codec", "population", POPULATION)
    assert done.returncode == 2
    assert json.loads(done.stdout) == {
        "error": "UsageError",
        "message": "--encoding: must be a text encoding such as utf-8, cp1252 or latin-1, "
        "got 'no-such-codec'",
        "exit_code": 2,
    }
    bug = _bug("validate", "population", str(POPULATION), "--json")
    assert json.loads(bug.stdout)["error"] == "InternalError"
    # here "--json" is the value of --period, not the flag: the error is for people only
    missing = tmp_path / "missing.csv"
    done = jsna("validate", "population", "--period", "--json", missing)
    assert done.returncode == 3
    assert done.stdout == ""
    assert "file not found" in done.stderr


# -- the library boundary, in process -------------------------------------------------------------
def test_a_methods_value_error_becomes_an_analysis_error_saying_what_to_change() -> None:
    @errors.user_errors("jsna project")
    def project() -> None:
        raise ValueError("projection is empty")

    with pytest.raises(errors.AnalysisError) as caught:
        project()
    assert caught.value.exit_code == 1
    assert str(caught.value).startswith("jsna project: projection is empty. Check the loaded")
    assert isinstance(caught.value.__cause__, ValueError)

    @errors.user_errors("jsna project")
    def usage() -> None:
        raise errors.UsageError("no area given")

    with pytest.raises(errors.UsageError):  # a JsnaError passes through as it is
        usage()


def test_api_project_checks_horizon_and_year_type_as_jsna_toml_does(tmp_path: Path) -> None:
    from jsna import api
    from jsna.config import Config

    config = Config.model_validate({"project": {"area": "E08000009"}, "root": tmp_path})
    with pytest.raises(
        errors.UsageError, match=r"--horizon: .*greater than or equal to 1, got 0 \(int\)"
    ):
        api.project(config, horizon=0)
    with pytest.raises(errors.UsageError, match=r"--year-type: Input should be 'calendar'"):
        api.project(config, year_type="bogus")


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            "[[roi]]\nname='x'\ncost=10\ncost_low=20\ncost_high=5\nreached=1\neffect=1\n"
            "value_per_outcome=1\n",
            "roi[0]: cost_low (20) is above cost_high (5)",
        ),
        (
            "[[roi]]\nname='x'\ncost=10\ncost_low=5\nreached=1\neffect=1\nvalue_per_outcome=1\n",
            "roi[0]: give both cost_low and cost_high, or neither",
        ),
        ("[phb]\nbudget_sizes = [5000, -1]\n", "phb.budget_sizes: must be one or more budget"),
    ],
)
def test_settings_the_methods_would_refuse_are_config_errors(
    tmp_path: Path, toml: str, message: str
) -> None:
    from jsna.config import load_config

    path = tmp_path / "jsna.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(errors.ConfigError, match=re.escape(message)):
        load_config(path)


def test_every_exception_class_lives_in_errors() -> None:
    import importlib
    import pkgutil

    import jsna

    outside = []
    for info in pkgutil.walk_packages(jsna.__path__, "jsna."):
        if info.name == "jsna.__main__":  # runs the program when imported
            continue
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, Exception)
                and value.__module__ == info.name
                and info.name != "jsna.errors"
                and not value.__name__.startswith("_")
            ):
                outside.append(f"{info.name}.{value.__name__}")
    assert outside == []
    assert issubclass(errors.PluginConflictError, errors.PluginError)
    assert errors.MissingColumnError.exit_code == errors.EXIT_INVALID
