"""Indicators on the demo practices' lists in the report: section 4's observed/expected table
and chart with the practices outside the 99.8% limits named, and the practice profile's block."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import SAMPLES, run_main


def _text(html: str) -> str:
    from html import unescape

    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def test_section_4_shows_observed_against_expected(demo_html: str) -> None:
    counts = pd.read_csv(SAMPLES / "practice_registers.csv").groupby("practice_code")["count"]
    table = demo_html.split('id="met-needs-practice-list-0"')[1].split("</table>")[0]
    text = _text(table)
    for code, observed in counts.sum().items():
        assert re.search(rf"{code} [\d,]+ {observed:,} ", text), (code, observed)
    assert 'id="met-needs-practice-oe-0"' in demo_html
    # the list-size table that section 4 carried twice is gone
    assert 'id="met-needs-gp-practices"' not in demo_html


def test_practices_outside_the_limits_are_named(demo_project: Path, demo_html: str) -> None:
    from jsna.workspace import Workspace

    with Workspace.open(demo_project / "jsna.duckdb", read_only=True) as ws:
        stored = ws.analysis_table("analysis_practice_indicators")
    outside = stored[stored["significance"].astype(str).str.contains("99.8")]
    inside = stored[~stored["significance"].astype(str).str.contains("99.8")]
    assert len(outside) and len(inside)
    text = _text(demo_html)
    line = text.split("Diabetes register (2023/24): ")[1].split(".", 1)[1][:600]
    assert f"{len(outside)} of {len(stored)} practices" in text
    for _, r in outside.iterrows():
        assert f"{r['practice_name']} ({r['practice_code']}, O/E {r['ratio']:.2f}" in text
    for _, r in inside.iterrows():
        assert f"({r['practice_code']}, O/E" not in text, line


@pytest.fixture(scope="module")
def profile_html(demo_project: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    project = tmp_path_factory.mktemp("list-profile") / "demo"
    shutil.copytree(demo_project, project)
    code, out, err = run_main("report", "--area", "Z99006", "--format", "html", cwd=project)
    assert code == 0, out + err
    return (project / "output" / "jsna-Z99006.html").read_text()


def test_the_practice_profile_shows_its_list_indicators(
    profile_html: str, demo_project: Path
) -> None:
    from jsna.workspace import Workspace

    with Workspace.open(demo_project / "jsna.duckdb", read_only=True) as ws:
        stored = ws.analysis_table("analysis_practice_indicators")
    r = stored[stored["practice_code"].eq("Z99006")].iloc[0]
    table = profile_html.split('id="health-status-practice-list-indicators"')[1].split("</table>")[
        0
    ]
    text = _text(table)
    assert f"{r['crude_value']:.2f} ({r['crude_lower_ci_95']:.2f} to" in text
    assert (
        f"{r['ratio']:.2f} ({r['ratio_lower_ci_95']:.2f} to {r['ratio_upper_ci_95']:.2f})" in text
    )
    assert "above 99.8%" in text
    summary = _text(profile_html)
    assert f"against {r['expected_value']:.2f}% expected from their age and sex" in summary
