"""The GP practices of the demo in its report: section 4's practice table and funnel plots, and a
practice profile (``jsna report --area <practice code>``) with no empty section."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import SAMPLES, real_file, run_main


def _text(html: str) -> str:
    from html import unescape

    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def test_section_4_lists_every_practice_with_its_list_size(demo_html: str) -> None:
    reg = pd.read_csv(SAMPLES / "gp_registrations_quin_age.csv")
    lists = reg.groupby("CODE")["NUMBER_OF_PATIENTS"].sum()
    table = demo_html.split('id="met-needs-practice-indicators"')[1].split("</table>")[0]
    text = _text(table)
    for code, size in lists.items():
        assert re.search(rf"{code} {size:,} ", text), (code, size)
    assert "Smoking prevalence in adults (15+)" in text and "sub-ICB" in text
    assert 'id="met-needs-practice-funnel-0"' in demo_html


def test_practices_outside_the_funnel_are_named(demo_project: Path) -> None:
    from jsna.workspace import Workspace

    with Workspace.open(demo_project / "jsna.duckdb", read_only=True) as ws:
        stored = ws.analysis_table("analysis_practices")
    html = next((demo_project / "output").glob("jsna-E06999001.html")).read_text()
    outside = stored[stored["funnel_outcome"].astype(str).str.contains("99.8")]
    practices = outside[outside["row_type"].eq("point")]
    assert len(practices)
    text = _text(html)
    for _, r in practices.iterrows():
        assert f"{r['practice_name']} ({r['practice_code']}" in text
    # and the primary care networks outside their own funnel
    for _, r in outside[outside["row_type"].eq("pcn_point")].iterrows():
        assert f"{r['pcn_name']} ({r['pcn_code']}" in text


@pytest.fixture(scope="module")
def profile_html(demo_project: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    project = tmp_path_factory.mktemp("profile") / "demo"
    shutil.copytree(demo_project, project)
    code, out, err = run_main("report", "--area", "Z99004", "--format", "html", cwd=project)
    assert code == 0, out + err
    return (project / "output" / "jsna-Z99004.html").read_text()


def test_practice_profile_has_no_empty_section(profile_html: str) -> None:
    text = _text(profile_html)
    assert "Grey Gables Practice (Z99004) had 6,100 registered patients" in text
    assert 'id="demography-practice-pyramid"' in profile_html
    for title in ("Demography", "Current health status"):
        assert title in text
    # sections 5-10 describe a population, not a practice list: left out by design
    assert "Projected service use" not in text and "Value for money" not in text
    sections = re.findall(
        r'<section[^>]*class="[^"]*section[^"]*"[^>]*>(.*?)</section>', profile_html, re.S
    )
    for body in sections:
        assert "<table" in body or "<svg" in body or "Data not yet supplied" in body


def test_trafford_practice_profile_renders(trafford_report, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    source = pd.read_csv(real_file("nhs_gp_registrations_2021/gp-reg-pat-prac-all_jan2021.csv"))
    size = int(source.loc[source["CODE"].eq("P91004"), "NUMBER_OF_PATIENTS"].iloc[0])
    project = tmp_path / "traf"
    shutil.copytree(trafford_report.project, project)
    code, out, err = run_main("report", "--area", "P91004", "--format", "html", cwd=project)
    assert code == 0, out + err
    html = (project / "output" / "jsna-P91004.html").read_text()
    text = _text(html)
    assert f"had {size:,} registered patients" in text
    assert "Smoking prevalence in adults (15+)" in text
    assert "Deprivation score (IMD 2019)" in text
    la = _text(trafford_report.html)
    hidden = 0
    for practice, n in source[source["ONS_CCG_CODE"].eq("E38000187")][
        ["CODE", "NUMBER_OF_PATIENTS"]
    ].values:
        if 1 <= n <= 7:  # a list of 1 to 7 patients is never shown
            assert f"{practice} * " in la and f"{practice} {n} " not in la
        shown = f"{practice} {n:,} " in la
        hidden += not shown
        assert shown or f"{practice} * " in la
    # one small list hides one more with it (the total is stated), and no more than that
    assert hidden == 2


def test_the_practice_profile_shows_its_list_indicators(
    profile_html: str, demo_project: Path
) -> None:
    from jsna.workspace import Workspace

    with Workspace.open(demo_project / "jsna.duckdb", read_only=True) as ws:
        stored = ws.analysis_table("analysis_practice_indicators")
    r = stored[stored["practice_code"].eq("Z99004")].iloc[0]
    table = profile_html.split('id="health-status-practice-list-indicators"')[1].split("</table>")[
        0
    ]
    text = _text(table)
    assert f"{r['crude_value']:.2f} ({r['crude_lower_ci_95']:.2f} to" in text
    assert (
        f"{r['ratio']:.2f} ({r['ratio_lower_ci_95']:.2f} to {r['ratio_upper_ci_95']:.2f})" in text
    )
    assert "below 99.8%" in text
    summary = _text(profile_html)
    assert f"against {r['expected_value']:.2f}% expected from their age and sex" in summary
