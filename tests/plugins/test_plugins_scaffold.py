"""`jsna new-plugin NAME` makes a package that installs with `pip install -e` and shows up in jsna."""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest


def test_scaffold_files_and_refusal_to_overwrite(tmp_path: Path, cli) -> None:
    code, out, err = cli("new-plugin", "falls-admissions", "-d", tmp_path / "plugin", "--json")
    assert code == 0, err
    made = json.loads(out)
    assert (
        made["distribution"] == "jsna-falls-admissions"
        and made["module"] == "jsna_falls_admissions"
    )
    assert sorted(made["files"]) == [
        "README.md",
        "pyproject.toml",
        "src/jsna_falls_admissions/__init__.py",
        "src/jsna_falls_admissions/report.py",
        "tests/test_indicator.py",
    ]
    pyproject = (tmp_path / "plugin" / "pyproject.toml").read_text(encoding="utf-8")
    assert (
        '[project.entry-points."jsna.indicators"]\nfalls-admissions = "jsna_falls_admissions:INDICATORS"'
        in pyproject
    )
    assert (
        "$"
        not in pyproject
        + (tmp_path / "plugin" / "src" / "jsna_falls_admissions" / "__init__.py").read_text()
    )
    assert cli("new-plugin", "falls-admissions", "-d", tmp_path / "plugin")[0] == 2
    assert cli("new-plugin", "Falls Admissions!", "-d", tmp_path / "other")[0] == 2


@pytest.mark.slow
def test_scaffold_installs_editable_in_a_fresh_venv_and_is_listed(tmp_path: Path) -> None:
    from jsna.scaffold import new_plugin

    made = new_plugin("falls-admissions", tmp_path / "jsna-falls-admissions")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    # the venv sees this interpreter's packages (jsna, its dependencies, pip, hatchling) through a .pth
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    parent = sysconfig.get_paths()["purelib"]
    (Path(purelib) / "_jsna_parent.pth").write_text(
        f"import site; site.addsitedir({parent!r})\n", encoding="utf-8"
    )
    install = subprocess.run(
        [
            python,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-e",
            str(made.directory),
        ],
        capture_output=True,
        text=True,
    )
    assert install.returncode == 0, install.stderr
    listed = subprocess.run(
        [python, "-m", "jsna", "indicators", "list", "--json"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert listed.returncode == 0, listed.stderr
    data = json.loads(listed.stdout)
    mine = [i for i in data["indicators"] if i["id"] == "falls-admissions"]
    assert mine and mine[0]["origin"] == "jsna-falls-admissions" and mine[0]["version"] == "0.1.0"
    assert mine[0]["requires"] == ["population", "events"] and data["failures"] == []
    plugins = subprocess.run(
        [python, "-m", "jsna", "plugins", "--json"], capture_output=True, text=True, cwd=tmp_path
    )
    assert plugins.returncode == 0, plugins.stderr
    ours = {p["name"]: p for p in json.loads(plugins.stdout)["plugins"]}["jsna-falls-admissions"]
    assert ours["sections"] == ["falls-admissions-over-time"]
    own_test = subprocess.run(
        [python, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        capture_output=True,
        text=True,
        cwd=made.directory,
    )
    assert own_test.returncode == 0, own_test.stdout + own_test.stderr
    assert "4 passed" in own_test.stdout
