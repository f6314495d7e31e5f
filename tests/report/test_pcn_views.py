"""Primary care networks in the demo's report: the PCN and share columns of section 4's practice
table, and a PCN profile (``jsna report --area <PCN code>``) with no empty section."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import SAMPLES, run_main
from tests.report.test_practice_views import _text

EPCN = SAMPLES / "epcn_core_partner_details.csv"


def _table(html: str, table_id: str) -> str:
    return _text(html.split(f'id="{table_id}"')[1].split("</table>")[0])


def test_practice_table_names_each_practice_pcn_and_share(demo_html: str) -> None:
    source = pd.read_csv(EPCN, dtype=str, keep_default_na=False)
    current = source[source["Practice to PCN Relationship End Date"].eq("")]
    by_lsoa = pd.read_csv(SAMPLES / "gp_registrations_lsoa.csv")
    inside = set(pd.read_csv(SAMPLES / "lookup_lsoa21_ward24_msoa21_lad24.csv")["LSOA21CD"])
    total = by_lsoa.groupby("PRACTICE_CODE")["NUMBER_OF_PATIENTS"].sum()
    share = (
        by_lsoa[by_lsoa["LSOA_CODE"].isin(inside)]
        .groupby("PRACTICE_CODE")["NUMBER_OF_PATIENTS"]
        .sum()
        / total
    )
    text = _table(demo_html, "met-needs-practice-indicators")
    assert "Primary care network" in text and "Share living in Ambridge Vale" in text
    for _, r in current.iterrows():
        code = r["Partner Organisation Code"]
        pattern = rf"{code} [\d,]+ {share[code]:.0%} {re.escape(r['PCN Name'])} \({r['PCN Code']}\)"
        assert re.search(pattern, text), (code, pattern)


@pytest.fixture(scope="module")
def pcn_html(demo_project: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    project = tmp_path_factory.mktemp("pcn") / "demo"
    shutil.copytree(demo_project, project)
    code, out, err = run_main("report", "--area", "U99003", "--format", "html", cwd=project)
    assert code == 0, out + err
    return (project / "output" / "jsna-U99003.html").read_text()


def test_pcn_profile_has_its_list_practices_and_indicators(pcn_html: str) -> None:
    reg = pd.read_csv(SAMPLES / "gp_registrations_quin_age.csv")
    members = ["Z99005", "Z99007", "Z99010"]  # Z99007 since April 2023
    size = reg.loc[reg["CODE"].isin(members), "NUMBER_OF_PATIENTS"].sum()
    text = _text(pcn_html)
    assert f"Waterley and Hassett PCN (U99003) had {size:,} registered patients at its 3" in text
    assert 'id="demography-practice-pyramid"' in pcn_html
    practices = _table(pcn_html, "met-needs-pcn-practices")
    lists = reg.groupby("CODE")["NUMBER_OF_PATIENTS"].sum()
    for code in members:
        assert f"{code} {lists[code]:,} " in practices
    assert "Z99006" not in practices
    indicators = _table(pcn_html, "health-status-pcn-indicators")
    assert "summed from 3 practices" in indicators
    # sections 5-10 describe a population, not a practice list: left out by design
    assert "Projected service use" not in text and "Value for money" not in text
    sections = re.findall(
        r'<section[^>]*class="[^"]*section[^"]*"[^>]*>(.*?)</section>', pcn_html, re.S
    )
    assert len(sections) >= 4
    for body in sections:
        assert "<table" in body or "<svg" in body or "Data not yet supplied" in body
