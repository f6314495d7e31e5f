"""`jsna run --config jsna.toml`: deterministic, summarised in run.json, exit codes, --check."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.sample_project import REPO, make_project

REPORT = "output/jsna-E06999001.html"
CSV = "output/results.csv"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _jsna(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The real command line in a subprocess: not a TTY, so no colour and no prompts."""
    full = {
        k: v for k, v in os.environ.items() if not k.startswith("JSNA_") or k == "JSNA_REAL_DATA"
    }
    full.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "jsna", *args],
        cwd=cwd,
        env=full,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=300,
    )


@pytest.mark.slow
def test_the_example_workflow_steps_run_unattended_and_twice_give_identical_files(
    sample_inputs: Path, ran_project: Path, tmp_path: Path
) -> None:
    from jsna import api

    workflow = (REPO / "examples" / "jsna-annual-report.yml").read_text(encoding="utf-8")
    assert re.search(r"schedule:\s*\n\s*- cron: ", workflow)
    assert "jsna run --config jsna.toml" in workflow
    assert "actions/upload-artifact" in workflow
    first = make_project(sample_inputs, tmp_path / "first").parent
    second = ran_project.parent  # the same inputs run in a fresh folder elsewhere by api.run
    done = _jsna(
        "run", "--config", "jsna.toml", cwd=first, env={"NO_COLOR": "1"}
    )  # the workflow's step
    assert done.returncode == 0, done.stderr
    assert "\x1b[" not in done.stdout + done.stderr  # no colour codes off a TTY
    assert "ingest population" in done.stderr  # progress is logged to stderr, results to stdout
    assert json.loads((second / "output" / "run.json").read_text(encoding="utf-8"))["ok"]
    for folder in (first, second):
        assert (folder / REPORT).stat().st_size > 10_000
        assert (folder / CSV).exists() and (folder / "output" / "run.json").exists()
    assert (first / REPORT).read_bytes() == (second / REPORT).read_bytes()
    assert (first / CSV).read_bytes() == (second / CSV).read_bytes()
    assert api.run(first / "jsna.toml").ok  # same folder again: inputs already loaded
    assert (first / REPORT).read_bytes() == (second / REPORT).read_bytes()


def test_run_json_records_inputs_indicators_outputs_and_timings(ran_project: Path) -> None:
    root = ran_project.parent
    summary = json.loads((root / "output" / "run.json").read_text(encoding="utf-8"))
    assert summary["ok"] is True and summary["exit_code"] == 0 and summary["mode"] == "run"
    assert summary["run_date"] == "2025-03-31"
    assert summary["inputs"][0]["file"] == "inputs/population_mye_lad_2020_2024.csv"
    for entry in summary["inputs"]:
        assert entry["sha256"] == _sha(root / entry["file"])
        assert entry["status"] == "loaded" and entry["rows_loaded"] == entry["rows_read"] > 0
    computed = {r["id"] for r in summary["indicators"]["computed"]}
    assert {"total-population", "mortality-all-causes-dsr", "fingertips-imports"} <= computed
    assert summary["indicators"]["failed"] == []
    outputs = {
        Path(o["path"]).relative_to(root.resolve()).as_posix(): o["sha256"]
        for o in summary["outputs"]
    }
    assert set(outputs) == {REPORT, CSV}  # run.json cannot hold its own hash
    for path, digest in outputs.items():
        assert digest == _sha(root / path)
    assert set(summary["timings"]) >= {"ingest", "compute", "report", "total"}


def test_check_validates_without_writing_anything(sample_inputs: Path, tmp_path: Path, cli) -> None:
    config = make_project(sample_inputs, tmp_path / "p")
    code, out, err = cli("run", "--config", config, "--check", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["mode"] == "check" and [i["status"] for i in data["inputs"]] == ["valid"] * 4
    assert (
        not (tmp_path / "p" / "output").exists() and not (tmp_path / "p" / "jsna.duckdb").exists()
    )


def test_check_reports_an_invalid_input_with_exit_1(
    sample_inputs: Path, tmp_path: Path, cli
) -> None:
    config = make_project(sample_inputs, tmp_path / "p")
    deaths = tmp_path / "p" / "inputs" / "deaths_lad_2020_2024.csv"
    lines = deaths.read_text(encoding="utf-8").splitlines()
    cells = lines[1].split(",")
    cells[-1] = "lots"
    lines[1] = ",".join(cells)
    deaths.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, _ = cli("run", "--config", config, "--check", "--json")
    assert code == 1
    problems = json.loads(out)["problems"]
    assert (
        len(problems) == 1 and "deaths_lad_2020_2024.csv" in problems[0] and "'lots'" in problems[0]
    )


def test_missing_input_file_exits_3_naming_the_line(
    sample_inputs: Path, tmp_path: Path, cli
) -> None:
    config = make_project(sample_inputs, tmp_path / "p")
    (tmp_path / "p" / "inputs" / "fingertips_export.csv").unlink()
    code, _, err = cli("run", "--config", config)
    assert code == 3
    line = config.read_text().splitlines().index('path = "inputs/fingertips_export.csv"') + 1
    assert f"jsna.toml (line {line}): inputs[2].path: file not found" in err


def test_a_failing_plugin_indicator_gives_exit_1_and_is_listed_in_the_report(
    sample_inputs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jsna import api
    from jsna.indicators import registry as registry_module
    from jsna.indicators.builtin import INDICATORS
    from jsna.indicators.spec import Indicator

    def broken(ctx):  # type: ignore[no-untyped-def]
        raise ZeroDivisionError("no denominator for falls")

    fresh = registry_module.IndicatorRegistry()
    for ind in [
        *INDICATORS,
        Indicator(
            id="falls-broken",
            title="Falls (broken)",
            section="met_needs",
            polarity="low_is_good",
            unit="per 100,000",
            compute=broken,
        ),
    ]:
        fresh.register(ind)
    monkeypatch.setattr(
        registry_module.IndicatorRegistry, "from_entry_points", classmethod(lambda cls: fresh)
    )
    config = make_project(sample_inputs, tmp_path / "p", kinds=("population", "deaths"))
    result = api.run(config)
    assert not result.ok and result.exit_code == 1
    assert result.problems == [
        "indicator falls-broken failed: ZeroDivisionError: no denominator for falls"
    ]
    summary = json.loads((tmp_path / "p" / "output" / "run.json").read_text(encoding="utf-8"))
    assert summary["exit_code"] == 1 and summary["indicators"]["failed"][0]["id"] == "falls-broken"
    html = (tmp_path / "p" / REPORT).read_text(encoding="utf-8")
    # the published report names it by its title and says in words what happened; no error text, no raw id
    assert "<strong>Falls (broken)</strong>: not computed: it could not be calculated" in html
    assert "ZeroDivisionError" not in html and "falls-broken" not in html
    assert len(summary["indicators"]["computed"]) >= 5  # the others carried on


def test_environment_overrides_apply_and_are_recorded(
    sample_inputs: Path, tmp_path: Path, cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = make_project(sample_inputs, tmp_path / "p", kinds=("population",))
    monkeypatch.setenv("JSNA_OUTPUT_DIR", "ci-output")
    monkeypatch.setenv("JSNA_PROJECT_RUN_DATE", "2026-04-01")
    code, out, err = cli("run", "--config", config, "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert summary["environment_overrides"] == {
        "JSNA_OUTPUT_DIR": "report.output_dir",
        "JSNA_PROJECT_RUN_DATE": "project.run_date",
    }
    assert summary["run_date"] == "2026-04-01"
    assert (tmp_path / "p" / "ci-output" / "jsna-E06999001.html").exists()
    assert "1 April 2026" in (tmp_path / "p" / "ci-output" / "jsna-E06999001.html").read_text(
        encoding="utf-8"
    )
