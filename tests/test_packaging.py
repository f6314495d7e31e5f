"""The wheel carries the templates and samples, and renders a report from them when installed."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(REPO)],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        pytest.fail(f"building the wheel failed:\n{result.stdout}\n{result.stderr}")
    wheels = list(out.glob("jsna-*.whl"))
    assert len(wheels) == 1
    return wheels[0]


def test_wheel_contains_templates_samples_and_entry_points(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "jsna/_bundled/templates/report.html.j2" in names
    assert "jsna/_bundled/templates/report.css" in names
    assert "jsna/_bundled/samples/jsna.toml" in names
    assert "jsna/_bundled/samples/population_mye_lad_2020_2024.csv" in names
    assert "jsna/py.typed" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "[jsna.indicators]" in text and "[jsna.sources]" in text
    assert "jsna = jsna.cli:main" in text


def test_installed_package_renders_a_report_from_its_own_files(wheel: Path, tmp_path: Path) -> None:
    import filecmp

    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    # the samples `jsna demo` copies are the wheel's own, the same files as data/samples
    bundled = site / "jsna" / "_bundled" / "samples"
    samples = REPO / "data" / "samples"
    names = sorted(p.name for p in samples.glob("*.*") if p.name != "README.md")
    _, differ, missing = filecmp.cmpfiles(samples, bundled, names, shallow=False)
    assert not differ and not missing, (differ, missing)
    # the installed package makes a project, loads its own sample population and renders the
    # ten sections with its own templates (the full demo runs in tests/cli)
    code = (
        "import sys, jsna, jsna.resources as r\n"
        f"assert jsna.__file__.startswith({str(site)!r}), jsna.__file__\n"
        "assert '_bundled' in str(r.templates_dir()) and '_bundled' in str(r.samples_dir())\n"
        "from pathlib import Path\n"
        "from jsna import api\n"
        "project = Path('project')\n"
        "api.init_project(project)\n"
        "config = api.project_config(project)\n"
        "api.ingest(config, 'population', [r.samples_dir() / 'population_mye_lad_2020_2024.csv'])\n"
        "api.compute(config)\n"
        "print(api.report(config, area='E06999001').outputs[0].resolve())\n"
    )
    env = {**os.environ, "PYTHONPATH": str(site)}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    html = Path(done.stdout.strip().splitlines()[-1]).read_text(encoding="utf-8")
    assert "Population by age and sex" in html
    assert "Value for money and return on investment" in html
