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


# -- section 4's PCN view -----------------------------------------------------------------------
def test_section_4_lists_every_pcn_with_its_practices_and_patients(demo_html: str) -> None:
    source = pd.read_csv(EPCN, dtype=str, keep_default_na=False)
    current = source[source["Practice to PCN Relationship End Date"].eq("")]
    pcn_of = current.set_index("Partner Organisation Code")["PCN Code"]
    reg = pd.read_csv(SAMPLES / "gp_registrations_quin_age.csv")
    lists = reg.groupby("CODE")["NUMBER_OF_PATIENTS"].sum()
    by_pcn = lists.groupby(lists.index.map(pcn_of)).agg(["count", "sum"])
    names = current.drop_duplicates("PCN Code").set_index("PCN Code")["PCN Name"]
    text = _table(demo_html, "met-needs-pcns")
    for code, r in by_pcn.iterrows():
        pattern = rf"{re.escape(names[code])} {code} {r['count']} {r['sum']:,} "
        assert re.search(pattern, text), (code, pattern, text)


# -- Trafford's real files: the PCN table and funnel, and list sizes hidden alike on every page --
def _trafford(real_practices) -> tuple[pd.Series, pd.Series, pd.DataFrame]:  # type: ignore[no-untyped-def]
    """Trafford's list sizes, each practice's PCN (its A&E rows' parent, "" when none) and the
    download's rows, by plain pandas."""
    from tests.conftest import real_file
    from tests.real_practices import AE_UNDER_5, REGISTRATIONS, trafford_sub_icbs

    reg = pd.read_csv(real_file(REGISTRATIONS))
    reg = reg[reg["ONS_CCG_CODE"].isin(trafford_sub_icbs(real_practices.lookup))]
    lists = reg.set_index("CODE")["NUMBER_OF_PATIENTS"].sort_index()
    ae = pd.read_csv(real_file(AE_UNDER_5), dtype={"Area Code": str, "Parent Code": str})
    gp = ae[ae["Area Type"].eq("GPs") & ae["Area Code"].isin(lists.index)]
    pcn = gp.set_index("Area Code")["Parent Code"].reindex(lists.index).fillna("")
    return lists, pcn, ae


@pytest.mark.real
def test_trafford_pcn_table_and_funnel(real_practices) -> None:  # type: ignore[no-untyped-def]
    from scipy.stats import chi2

    lists, pcn, ae = _trafford(real_practices)
    html = real_practices.html("E08000009")
    table = _table(html, "met-needs-pcns")
    own = ae[ae["Area Code"].isin(set(pcn) - {""})].set_index("Area Code")
    for code, members in lists.groupby(pcn):
        if code == "":
            continue
        row = own.loc[code]
        pattern = (
            rf"{re.escape(row['Area Name'])} {code} {len(members)} {members.sum():,} "
            rf"{row['Value']:.2f} \({row['Lower CI 95.0 limit']:.2f} to "
            rf"{row['Upper CI 95.0 limit']:.2f}"
        )
        assert re.search(pattern, table), (pattern, table)
    assert 'id="met-needs-pcn-funnel-0"' in html
    # the networks outside the 99.8% exact Poisson limits around Trafford's practices' rate
    gp = ae[ae["Area Type"].eq("GPs") & ae["Area Code"].isin(lists.index)]
    rate = gp["Count"].sum() / gp["Denominator"].sum()
    expected = rate * own["Denominator"]
    low = chi2.ppf(0.001, 2 * expected) / 2 / own["Denominator"] * 1000
    high = chi2.ppf(0.999, 2 * expected + 2) / 2 / own["Denominator"] * 1000
    outside = own[(own["Value"] > high) | (own["Value"] < low)]
    text = _text(html)
    sentence = re.search(
        r"A&E attendances \(0 to 4 years\) \(2021/22\): (\d+) of (\d+) primary", text
    )
    assert sentence, text
    assert sentence.groups() == (str(len(outside)), str(len(own)))
    for code in outside.index:
        assert f"({code}, {own.loc[code, 'Value']:.2f}," in text


def _expected_hidden(lists: pd.Series, pcn: pd.Series) -> set[str]:
    """Lists of 1 to 7 hidden, and in any PCN (or the practices without one) left with just one
    hidden list, the next smallest of that group hidden too (docs/report.md)."""
    hidden = set(lists[(lists >= 1) & (lists <= 7)].index)
    for _, members in lists.groupby(pcn):
        inside = hidden & set(members.index)
        if len(inside) == 1:
            shown = members.drop(list(inside))
            if len(shown):
                hidden.add(shown.idxmin())
    return hidden


@pytest.mark.real
def test_a_hidden_list_size_is_hidden_on_every_page(real_practices) -> None:  # type: ignore[no-untyped-def]
    lists, pcn, _ = _trafford(real_practices)
    hidden = _expected_hidden(lists, pcn)
    assert len(hidden) >= 2
    la = _table(real_practices.html("E08000009"), "met-needs-practice-indicators")
    for code, size in lists.items():
        shown = "*" if code in hidden else f"{size:,}"
        assert re.search(rf"\b{code} {re.escape(shown)} ", la), (code, shown)
    la_text = _text(real_practices.html("E08000009"))
    # the smallest shown list, in each PCN and outside any, on the practice's own profile
    for _, members in lists.groupby(pcn):
        visible = members.drop(list(hidden & set(members.index)))
        code = visible.idxmin()
        profile = _text(real_practices.html(code))
        assert f"({code}) had {visible[code]:,} registered patients" in profile
        assert f"{visible[code]:,}" in la_text
    for code in sorted(hidden):
        profile = _text(real_practices.html(code))
        assert f"({code}) had * registered patients" in profile
        if lists[code] >= 1000:  # a number of four digits and more is the list wherever it is
            number = re.compile(rf"(?<![\d,.]){lists[code]:,}(?![\d,])")
            assert not number.search(profile) and not number.search(la_text), code
    # a PCN profile shows its practices' lists as the authority's page does
    for code in sorted(set(pcn) - {""}):
        members = lists[pcn.eq(code)]
        table = _table(real_practices.html(code), "met-needs-pcn-practices")
        for practice, size in members.items():
            shown = "*" if practice in hidden else f"{size:,}"
            assert re.search(rf"\b{practice} {re.escape(shown)} ", table), (practice, shown)


def test_hidden_parts_of_stated_subtotals() -> None:
    """One hidden part of a group takes the next smallest of the same group; a group left with
    one hidden part and nothing else to hide is the caller's to hide whole."""
    from jsna.report.disclosure import DisclosurePolicy

    policy = DisclosurePolicy()
    values = [4, 2504, 3466, 4315, 5000, 6, 9000]
    groups = ["", "A", "A", "", "", "B", "C"]
    assert policy.hidden_parts(values, groups=groups) == [
        True,  # 1 to 7
        False,
        False,
        True,  # the next smallest without a PCN
        False,
        True,  # 1 to 7, the only list of B: its subtotal is the caller's to hide
        False,  # the total holds three hidden parts: none of them can be solved from it
    ]
    assert policy.hidden_parts(values) == [True, False, False, False, False, True, False]


@pytest.fixture(scope="module")
def strict_demo(demo_project: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo with a local rule that hides lists up to 4,500 patients (the smallest one)."""
    project = tmp_path_factory.mktemp("strict") / "demo"
    shutil.copytree(demo_project, project)
    with (project / "jsna.toml").open("a", encoding="utf-8") as config:
        config.write("\n[disclosure]\nsuppress_to = 4500\n")
    return project


def _page(project: Path, area: str) -> str:
    code, out, err = run_main("report", "--area", area, "--format", "html", cwd=project)
    assert code == 0, out + err
    return (project / "output" / f"jsna-{area}.html").read_text()


def test_a_list_hidden_with_another_is_hidden_on_its_profile_and_pyramid(
    strict_demo: Path,
) -> None:
    source = pd.read_csv(EPCN, dtype=str, keep_default_na=False)
    current = source[source["Practice to PCN Relationship End Date"].eq("")]
    pcn = current.set_index("Partner Organisation Code")["PCN Code"]
    reg = pd.read_csv(SAMPLES / "gp_registrations_quin_age.csv")
    lists = reg.groupby("CODE")["NUMBER_OF_PATIENTS"].sum().sort_index()
    primary = set(lists[lists.between(1, 4500)].index)
    hidden = set(primary)
    for _, members in lists.groupby(lists.index.map(pcn)):
        if len(primary & set(members.index)) == 1:
            hidden.add(members.drop(list(primary)).idxmin())
    secondary = hidden - primary
    assert primary and secondary
    la = _table(_page(strict_demo, "E06999001"), "met-needs-practice-indicators")
    for code, size in lists.items():
        shown = "*" if code in hidden else f"{size:,}"
        assert re.search(rf"\b{code} {re.escape(shown)} ", la), (code, shown)
    for code in sorted(hidden):
        html = _page(strict_demo, code)
        assert f"({code}) had * registered patients" in _text(html)
        alt = re.search(r'<title id="demography-practice-pyramid-title">([^<]*)<', html)
        assert alt and f"{lists[code]:,}" not in alt.group(1), code
