"""Indicators on the demo practices' lists in section 4 of the report: the observed/expected
table and chart, with the practices outside the 99.8% limits named (the practice profile's
block is tested with the profile, in ``test_practice_views.py``)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from tests.conftest import SAMPLES


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
    assert f"{len(outside)} of {len(stored)} practices" in text
    for _, r in outside.iterrows():
        assert f"{r['practice_name']} ({r['practice_code']}, O/E {r['ratio']:.2f}" in text
    for _, r in inside.iterrows():
        assert f"({r['practice_code']}, O/E" not in text
