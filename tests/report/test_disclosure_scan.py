"""Scan rendered reports for counts 1-7 shown or recoverable (issue 18, item 5).

Every page the demo renders, the demo's small areas with the most small counts, and a real
area's report (Trafford, from its files as downloaded) are read as a reader would: HTML tables,
SVG chart text and the embedded CSV, with :func:`disclosure_scan.scan_report`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from disclosure_scan import ScanResult, scan_report

#: small areas of each project rendered and scanned beside its main report
SMALL_AREAS = 3


def _small_count_areas(project: Path, limit: int = SMALL_AREAS) -> list[str]:
    """The small areas whose results hold the most counts from 1 to 7 (ties by code)."""
    from jsna.report.disclosure import SMALL_AREA_TYPES
    from jsna.workspace import Workspace

    with Workspace.open(project / "jsna.duckdb", read_only=True) as ws:
        results = ws.table("results")
    small = results[results["area_type"].isin(SMALL_AREA_TYPES) & results["count"].between(1, 7)]
    ranked = small.groupby("area_code").size().reset_index(name="n")
    ranked = ranked.sort_values(["n", "area_code"], ascending=[False, True], kind="stable")
    return ranked["area_code"].head(limit).tolist()


def _render(project: Path, areas: list[str], output: Path) -> dict[str, str]:
    from jsna import api

    config = api.project_config(project)
    pages = {}
    for area in areas:
        result = api.report(config, area=area, formats=["html"], output=output)
        pages[area] = result.outputs[0].read_text(encoding="utf-8")
    return pages


def _scan(pages: dict[str, str]) -> ScanResult:
    total = ScanResult()
    for area, html in pages.items():
        total += scan_report(html, area)
    return total


@pytest.fixture(scope="module")
def demo_pages(
    demo_project: Path, demo_html: str, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, str]:
    from jsna import api

    area = str(api.project_config(demo_project).project.area)
    small = _small_count_areas(demo_project)
    assert small, "the demo must hold small areas with counts from 1 to 7 for this scan"
    return {area: demo_html, **_render(demo_project, small, tmp_path_factory.mktemp("scan"))}


def test_no_count_is_shown_or_derivable_in_the_demo_reports(demo_pages: dict[str, str]) -> None:
    result = _scan(demo_pages)
    assert result.cells_checked > 1000, result.cells_checked
    assert result.findings == [], "\n".join(result.findings[:20])
    # the scan is about something: the small-area pages do hide counts
    assert sum(html.count(">*<") for html in demo_pages.values()) > 0


def test_the_demo_small_area_pages_show_suppressed_rows_without_their_rates(
    demo_pages: dict[str, str],
) -> None:
    from report_html import parse

    hidden_rows = 0
    for html in demo_pages.values():
        for table in parse(html).tables:
            if "Count" not in table["columns"] or "Value" not in table["columns"]:
                continue
            count, value = table["columns"].index("Count"), table["columns"].index("Value")
            for row in table["rows"]:
                if len(row) > value and row[count] == "*":
                    hidden_rows += 1
                    assert row[value] == "*", row
    assert hidden_rows, "expected rows with a hidden count in the small-area pages"


def test_no_count_is_shown_or_derivable_in_a_real_area_report(
    trafford_report: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    import shutil

    # the shared project must not change: render the small areas from a copy
    project = tmp_path_factory.mktemp("scan-real") / "project"
    shutil.copytree(trafford_report.project, project, ignore=shutil.ignore_patterns("output"))
    pages = {trafford_report.area: trafford_report.html}
    pages.update(_render(project, _small_count_areas(project, 1), project / "output"))
    result = _scan(pages)
    assert result.cells_checked > 500, result.cells_checked
    assert result.findings == [], "\n".join(result.findings[:20])
