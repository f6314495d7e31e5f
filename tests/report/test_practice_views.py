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
    assert "Smoking prevalence in adults (15+)" in text and "Sub-ICB location (pooled)" in text
    after = demo_html.split('id="met-needs-practice-indicators"')[1]
    note = _text(after.split('class="table-note">')[1].split("</p>")[0])
    assert "(by its code: E38999001 NHS Borsetshire ICB - 99X Ambridge Vale)" in note
    assert 'id="met-needs-practice-funnel-0"' in demo_html


def _rows(html: str, table_id: str) -> list[tuple[str, list[str]]]:
    """(row class, cell texts) of every body row of a table."""
    table = html.split(f'id="{table_id}"')[1].split("</table>")[0]
    body = table.split("<tbody>")[1]
    rows = []
    for attrs, inner in re.findall(r"<tr([^>]*)>(.*?)</tr>", body, re.S):
        cells = [_text(c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", inner, re.S)]
        rows.append((attrs, cells))
    return rows


def test_practice_table_shows_values_and_reference_rows(demo_html: str) -> None:
    """Practice rows carry the value and a mark of the published comparison with England;
    England's value and the pooled sub-ICB and authority values are rows of their own, worked
    here from the Fingertips file by plain sums."""
    ft = pd.concat(
        [
            pd.read_csv(SAMPLES / "fingertips_gp_qof.csv"),
            pd.read_csv(SAMPLES / "imd2019_score_gp_practice_93553.csv"),
        ]
    )
    gp = ft[ft["Area Type"].isin(["GPs", "GP"])]
    england = ft[ft["Area Code"].eq("E92000001")].groupby("Indicator ID")["Value"].first()
    names = sorted(gp["Indicator Name"].unique())
    ids = [int(gp.loc[gp["Indicator Name"].eq(n), "Indicator ID"].iloc[0]) for n in names]
    # a series without counts (the deprivation score) has no pooled value
    pooled = {
        i: f"{rows['Count'].sum() / rows['Denominator'].sum() * 100:.2f}"
        if rows["Count"].notna().all()
        else "\u2013"
        for i, rows in gp.groupby("Indicator ID")
    }
    rows = _rows(demo_html, "met-needs-practice-indicators")
    references = [cells for attrs, cells in rows if 'class="reference"' in attrs]
    practices = {cells[1]: cells for attrs, cells in rows if 'class="reference"' not in attrs}
    assert [r[0] for r in references] == [
        "England",
        "Sub-ICB location (pooled)",
        "Ambridge Vale's practices (pooled)",
    ]
    # the indicator columns are the last ones, in the order of their names
    assert references[0][-len(ids) :] == [f"{england[i]:.2f}" for i in ids]
    assert references[1][-len(ids) :] == [pooled[i] for i in ids]
    assert references[2][-len(ids) :] == [pooled[i] for i in ids]
    assert set(practices) == set(gp["Area Code"])
    marks = {"Higher": "\u25b2", "Lower": "\u25bc", "Similar": "", "Not compared": ""}
    for _, r in gp.iterrows():
        cell = practices[r["Area Code"]][-len(ids) + ids.index(int(r["Indicator ID"]))]
        compared = r["Compared to England value or percentiles"]
        # a mark only for a significant difference, pointing the way the value differs
        assert cell == f"{r['Value']:.2f} {marks[compared]}".strip(), (r["Area Code"], cell)
        if marks[compared]:
            assert (r["Value"] > england[r["Indicator ID"]]) == (compared == "Higher")
    text = _text(demo_html.split('id="met-needs-practice-indicators"')[1].split("</table>")[0])
    assert "(sub-ICB higher" not in text and "England lower)" not in text


@pytest.mark.browser
def test_practice_table_fits_the_page(demo_project: Path) -> None:
    """At a 1200 px viewport the table is no wider than its column (no scrolling, no clipping)."""
    executable = shutil.which("chromium")
    if executable is None:
        pytest.skip("chromium is not on PATH (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    html = demo_project / "output" / "jsna-E06999001.html"
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=["--headless", "--no-sandbox"])
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        page.goto(html.as_uri())
        widths = page.eval_on_selector(
            "#met-needs-practice-indicators",
            "t => [t.scrollWidth, t.parentElement.clientWidth, t.parentElement.scrollWidth]",
        )
        browser.close()
    table, wrap, scrolled = widths
    assert table <= wrap and scrolled <= wrap, widths


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
    imd = pd.read_csv(real_file("fingertips_gp_qof_ae_heec/imd2019_score_gp_practice_93553.csv"))
    score = imd.loc[imd["Area Code"].eq("P91004"), "Value"].iloc[0]
    assert f"Deprivation score (IMD 2019) (2019): {score:.2f} at the practice" in text
    # every section holds something; the one gap allowed is the pyramid, since the real folder has
    # only the all-ages registrations file (the age-sex pyramid needs the 5-year-band one)
    for gap in text.split("Data not yet supplied")[1:]:
        assert gap.strip().startswith(
            "This section will be filled in when these inputs are added: the practice's age-sex "
            "pyramid:"
        ), gap[:300]
    assert "Smoking prevalence in adults (15+)" in text.split("Current health status")[-1]
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


def _appendix_ids(html: str) -> set[str]:
    appendix = html.split('id="appendix-methods"')[1].split("</table>")[0]
    return set(re.findall(r"<code>([^<]+)</code>", appendix))


def test_practice_profile_appendix_lists_only_what_it_shows(profile_html: str) -> None:
    ft = pd.read_csv(SAMPLES / "fingertips_gp_qof.csv")
    imd = pd.read_csv(SAMPLES / "imd2019_score_gp_practice_93553.csv")
    shown = {
        str(i)
        for frame in (ft, imd)
        for i in frame.loc[frame["Area Code"].eq("Z99004"), "Indicator ID"]
    }
    assert _appendix_ids(profile_html) == shown | {
        "gp-practice-list-size",
        "analysis_practice_indicators",
    }
    text = _text(profile_html)
    # compared with its sub-ICB location and England, never with "areas of type Z99"
    assert "Comparator areas" not in text and "areas of type" not in text
    assert "compared with its sub-ICB location, Ambridge Vale's practices and England" in text


def test_practice_profile_summary_says_how_it_compares(profile_html: str) -> None:
    ft = pd.read_csv(SAMPLES / "fingertips_gp_qof.csv")
    mine = ft[ft["Area Code"].eq("Z99004")].sort_values("Indicator Name")
    summary = _text(profile_html.split('id="summary"')[1].split("</section>")[0])
    assert "0 are significantly worse" not in summary and "significantly worse and" not in summary
    assert "No indicator is significantly worse" not in summary
    words = {"Higher": "significantly higher", "Lower": "significantly lower", "Similar": "similar"}
    assert f"Of the practice's {len(mine)} indicators compared with England" in summary
    for _, r in mine.iterrows():
        said = f"{r['Indicator Name']}, {r['Time period']}, is "
        assert said + words[r["Compared to England value or percentiles"]] in summary


def test_practice_profile_shows_its_deprivation_score(profile_html: str) -> None:
    imd = pd.read_csv(SAMPLES / "imd2019_score_gp_practice_93553.csv")
    gp = imd[imd["Area Type"].eq("GP")].set_index("Area Code")["Value"]
    england = imd.loc[imd["Area Code"].eq("E92000001"), "Value"].iloc[0]
    section = profile_html.split('id="section-2-social-context"')[1].split("</section>")[0]
    text = _text(section)
    assert "Data not yet supplied" not in text
    assert f"Deprivation score (IMD 2019) (2019): {gp['Z99004']:.2f} at the practice" in text
    assert f"England ({england:.2f})" in text
    higher, lower = int((gp > gp["Z99004"]).sum()), int((gp < gp["Z99004"]).sum())
    assert (
        f"Of the {len(gp)} practices attached to Ambridge Vale with a value, {higher} have a "
        f"higher Deprivation score (IMD 2019) and {lower} a lower one" in text
    )


@pytest.fixture(scope="module")
def pcn_profile_html(demo_project: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    project = tmp_path_factory.mktemp("pcn-profile") / "demo"
    shutil.copytree(demo_project, project)
    code, out, err = run_main("report", "--area", "U99003", "--format", "html", cwd=project)
    assert code == 0, out + err
    return (project / "output" / "jsna-U99003.html").read_text()


def test_pcn_profile_appendix_summary_and_deprivation(pcn_profile_html: str) -> None:
    members = {"Z99005", "Z99007", "Z99010"}
    ft = pd.read_csv(SAMPLES / "fingertips_gp_qof.csv")
    imd = pd.read_csv(SAMPLES / "imd2019_score_gp_practice_93553.csv")
    shown = {
        str(i)
        for frame in (ft, imd)
        for i in frame.loc[frame["Area Code"].isin(members), "Indicator ID"]
    }
    assert _appendix_ids(pcn_profile_html) == shown | {"gp-practice-list-size"}
    text = _text(pcn_profile_html)
    assert "Comparator areas" not in text and "areas of type" not in text
    assert "Data not yet supplied" not in text
    summary = _text(pcn_profile_html.split('id="summary"')[1].split("</section>")[0])
    assert "significantly worse and" not in summary
    n = ft["Indicator ID"].nunique()
    assert f"Of the network's {n} indicators compared with England (95% confidence)" in summary
    scores = imd[imd["Area Code"].isin(members)]
    for _, r in scores.iterrows():
        assert f"{r['Area Code']} {r['Value']:.2f} " in text


def _sources_used(html: str) -> dict[str, str]:
    """File -> the "Used in the report" cell of Appendix B."""
    part = html.split('id="appendix-sources"')[1].split("</table>")[0]
    used = {}
    for row in re.findall(r"<tr>(.*?)</tr>", part, re.S):
        cells = [_text(c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        if len(cells) > 4:
            used[cells[0]] = cells[4]
    return used


def test_appendix_b_names_the_sections_the_practice_inputs_feed(
    demo_html: str, profile_html: str
) -> None:
    la, practice = _sources_used(demo_html), _sources_used(profile_html)
    # section 4 of the authority: the O/E tables (counts), the share and PCN columns
    for name in ("practice_registers.csv", "gp_registrations_lsoa.csv"):
        assert la[name] == "Section 4", (name, la[name])
    assert "4" in la["epcn_core_partner_details.csv"].split("Sections ")[-1].split(", ")
    # the profile: the pyramid (section 1) and the measures on the list (section 3)
    assert practice["gp_registrations_quin_age.csv"] == "Sections 1, 3"
    assert practice["practice_registers.csv"] == "Section 3"
    assert practice["imd2019_score_gp_practice_93553.csv"] == "Section 2"


def test_no_word_of_the_pdf_runs_past_its_right_margin(demo_pdf: Path, tmp_path: Path) -> None:
    """No word on any page runs past the right margin (A4, the stylesheet's 16 mm), read from
    the PDF's word boxes (poppler's pdftotext): the practice and PCN tables, and the tables whose
    figures carry intervals (the PCN values with theirs, the cohorts' budget envelopes), which
    ran up to 17 mm past it before their figures could wrap. Every practice's row is there."""
    import subprocess

    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not on PATH (apt-get install poppler-utils)")
    out = tmp_path / "words.html"
    subprocess.run(["pdftotext", "-bbox-layout", str(demo_pdf), str(out)], check=True)
    mm = 72 / 25.4
    pages = re.findall(
        r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', out.read_text(), re.S
    )
    word = re.compile(
        r'<word xMin="[\d.]+" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>'
    )
    seen: set[str] = set()
    beyond = []
    for number, (width, _height, body) in enumerate(pages, start=1):
        words = word.findall(body)
        seen |= {w for _, w in words if re.fullmatch(r"Z990\d\d", w)}
        beyond += [(number, w) for x, w in words if float(x) > float(width) - 16 * mm + 0.5]
    assert len(pages) > 50 and not beyond, beyond[:20]
    reg = pd.read_csv(SAMPLES / "gp_registrations_quin_age.csv")
    assert seen == set(reg["CODE"])
