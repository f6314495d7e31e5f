"""A real area's report, built from the real files as downloaded, publishes the right figures.

Each area's project is built once per test session through the CLI, the way a new user would:
``jsna init``, ``jsna ingest`` of each file as downloaded (options only where the file cannot say
what it holds), ``jsna compute`` and ``jsna report``. Every expected figure is computed here
independently from the source files with plain pandas, never through jsna.

Two areas keep the rules general: Trafford (a metropolitan district with its own small-area
population, projections and boundaries) and Birmingham (a large city with only national files
and a local XLSX of falls admissions).
"""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from tests.conftest import REAL
from tests.real_areas import BIRMINGHAM, TRAFFORD, Built, _invoke

pytestmark = [pytest.mark.real, pytest.mark.slow]


@pytest.fixture(scope="session")
def trafford(trafford_report: Built) -> Built:
    return trafford_report


@pytest.fixture(scope="session")
def birmingham(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """Birmingham's project, built once per session in a build shared by every worker."""
    from tests.shared_builds import load_real_area, shared_build

    if not REAL.is_dir():
        pytest.skip(f"real data folder {REAL} is absent")
    return load_real_area(shared_build(tmp_path_factory.getbasetemp(), "birmingham"))


def _fmt(value: float) -> str:
    return f"{round(value):,}"


# -- independent figures from the source files ------------------------------------------------
def _mye2024_total(area: str) -> int:
    frame = pd.read_csv(
        REAL / "trafford_mye2024" / "mid-year_2024_population_estimates_local_authority.csv"
    )
    row = frame[frame["area_code"].eq(area) & frame["sex"].eq("Persons")]
    return int(row["all_ages"].iloc[0])


def _mye2021_total(area: str) -> int:
    frame = pd.read_csv(REAL / "ons_mye2021_lad" / "mye2021_lad21_uk_syoa_long.csv")
    return int(frame.loc[frame["ladcode21"].eq(area), "population_2021"].sum())


def _snpp_totals() -> pd.Series:
    """Projected persons by year: females + males, single years only (the 'All ages' row dropped)."""
    folder = REAL / "ons_snpp2022_trafford"
    frames = [pd.read_csv(p) for p in sorted(folder.glob("*.csv"))]
    both = pd.concat(frames)
    both = both[both["AGE_GROUP"].astype(str).ne("All ages")]
    years = [c for c in both.columns if c.isdigit()]
    return both[years].sum()


def _deprived_fifth(area: str) -> tuple[int, int]:
    frame = pd.read_csv(
        REAL / "imd2019_lsoa" / "File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv",
        encoding="utf-8-sig",
    )
    mine = frame[frame["Local Authority District code (2019)"].eq(area)]
    decile = mine["Index of Multiple Deprivation (IMD) Decile"].astype(int)
    return int(decile.le(2).sum()), len(mine)


def _latest_health_check(area: str) -> float:
    frame = pd.read_csv(
        REAL / "fingertips_lad_indicators_trafford_themes" / "nhs_health_checks.csv"
    )
    mine = frame[frame["area_code"].eq(area)].copy()
    # the period that ends last: the end of a cumulative range is its last 'YYYY/YY Qn'
    ends = mine["period"].str.extract(r"(\d{4})/\d{2} Q(\d)\s*$").astype(int)
    mine["end"] = ends[0] * 10 + ends[1]
    return float(mine.sort_values("end")["value"].iloc[-1])


def _falls_total() -> int:
    book = pd.read_excel(
        next(REAL.glob("birmingham_falls_admissions_age_sex/*.xlsx")), sheet_name=None
    )
    data = [frame for frame in book.values() if frame.select_dtypes("number").size][-1]
    return int(data.select_dtypes("number").iloc[:, -1].sum())


# -- Trafford ---------------------------------------------------------------------------------
def test_trafford_no_indicator_fails(trafford: Built) -> None:
    assert trafford.compute["failed"] == []
    assert trafford.compute["plugin_failures"] == []
    assert trafford.compute["exit_code"] == 0


def test_trafford_2024_population(trafford: Built) -> None:
    expected = _mye2024_total(TRAFFORD)
    assert expected == 241_025
    assert f"{expected:,}" in trafford.text


def _census_totals(area: str) -> dict[str, int]:
    """Census usual residents by census year: the females' and males' age groups summed.

    Census cells are rounded (2021) or perturbed (1981-2011) one by one, so the age groups can
    differ from the published 'All ages' row by a few people; jsna sums the age groups, so the
    pyramid, the age table and the total agree (ingest warns of each difference).
    """
    frame = pd.read_csv(
        REAL / "trafford_census2021" / "1981-2021_population_by_sex_and_age_group_la_gm.csv"
    )
    rows = frame[
        frame["area_code"].eq(area)
        & frame["sex"].isin(["Females", "Males"])
        & frame["age_group"].ne("All ages")
    ]
    return {str(p)[:4]: int(v) for p, v in rows.groupby("period")["value"].sum().items()}


def test_trafford_population_by_year_is_each_source_once(trafford: Built) -> None:
    """The census (loaded after the 2021 mid-year estimates) replaces them for 2021; no year
    counts the same people twice."""
    import duckdb

    con = duckdb.connect(str(trafford.project / "jsna.duckdb"), read_only=True)
    stored = dict(
        con.execute(
            "SELECT period, value FROM results WHERE indicator_id = 'total-population' "
            "AND area_code = ? AND sex = 'Persons'",
            [TRAFFORD],
        ).fetchall()
    )
    con.close()
    expected = {**_census_totals(TRAFFORD), "2024": _mye2024_total(TRAFFORD)}
    assert expected["2021"] > 230_000
    for year, total in expected.items():
        assert stored[year] == pytest.approx(total), year


def test_trafford_projection_is_females_plus_males(trafford: Built) -> None:
    totals = _snpp_totals()
    assert 245_000 < totals["2034"] < 255_000
    # every projected population the report states is females + males of that year
    stated = re.findall(
        r"population is projected to change from ([\d,]+) in (\d{4}) to ([\d,]+) in (\d{4})",
        trafford.text,
    )
    assert stated, "the report states no population projection"
    for first, year1, last, year2 in stated:
        assert first == _fmt(totals[year1]) and last == _fmt(totals[year2])
    assert f"{_fmt(totals['2034'])}" in trafford.text
    # the male-only figures of the superseding bug never appear
    assert "122,402" not in trafford.text and "117,254" not in trafford.text


def test_trafford_split_projection_files_both_stay_loaded(trafford: Built) -> None:
    snpp = next(i for i in trafford.ingests if any("SNPP" in f["file"] for f in i["files"]))
    assert [f["status"] for f in snpp["files"]] == ["loaded", "loaded"]
    code, out = _invoke("inputs", "--project", str(trafford.project), "--json")
    assert code == 0, out
    listed = {r["file_name"]: r for r in json.loads(out)["inputs"]}
    assert all(listed[f["file"]]["status"] == "loaded" for f in snpp["files"])


def test_trafford_deprived_fifth(trafford: Built) -> None:
    deprived, total = _deprived_fifth(TRAFFORD)
    assert (deprived, total) == (12, 138)
    assert re.search(rf"\b{deprived} of (Trafford's )?{total}\b", trafford.text)


def test_trafford_latest_health_check(trafford: Built) -> None:
    latest = _latest_health_check(TRAFFORD)
    assert latest == pytest.approx(50.5)
    sentence = re.search(r"NHS Health Check[^.]*?(\d+\.\d)%", trafford.text)
    assert sentence and float(sentence.group(1)) == pytest.approx(latest)


def test_trafford_unstated_cause_deaths_feed_no_all_cause_rate(trafford: Built) -> None:
    # drug-poisoning deaths loaded without --cause: never an all-cause mortality rate of 8 per 100,000
    assert not re.search(r"deaths from all causes[^.]*\b8\.0\b", trafford.text, flags=re.I)


def test_trafford_has_no_internal_or_placeholder_text(trafford: Built) -> None:
    text = trafford.text
    for bad in (
        "This text appears in section",
        "Traceback",
        "result lacks columns",
        "nan%",
        "<NA>",
        "(aged Not applicable)",
        "IMD IMD2019",
        "ENGLAND",
        "£-",
    ):
        assert bad not in text, bad
    # no internal identifier (a slug such as "(female-life-expectancy-at-birth)") reaches the page
    assert not re.findall(r"\(([a-z0-9]+(?:-[a-z0-9]+){2,})\)", text)
    assert "Trafford" in text.split("Contents")[0]


def test_trafford_sources_appendix_shows_a_missing_year(trafford: Built) -> None:
    # the depression file has every financial year from 2014/15 but 2023/24: the appendix must
    # not write it as one unbroken series
    frame = pd.read_csv(
        REAL / "fingertips_lad_indicators_trafford_themes" / "adults_depression.csv",
        encoding="utf-8-sig",
    )
    starts = sorted({int(p[:4]) for p in frame["period"].dropna().astype(str)})
    runs: list[list[int]] = []
    for year in starts:
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    assert len(runs) > 1  # the file has its gap

    def label(year: int) -> str:
        return f"{year}/{str(year + 1)[-2:]}"

    expected = ", ".join(
        f"{label(r[0])} to {label(r[-1])}" if len(r) >= 3 else ", ".join(map(label, r))
        for r in runs
    )
    row = re.search(r"<tr><th scope=\"row\">adults_depression\.csv</th>(.*?)</tr>", trafford.html)
    assert row, "adults_depression.csv is not in the sources appendix"
    assert f"<td>{expected}</td>" in row.group(1)


# -- Birmingham -------------------------------------------------------------------------------
def test_birmingham_no_indicator_fails(birmingham: Built) -> None:
    assert birmingham.compute["failed"] == []
    assert birmingham.compute["exit_code"] == 0


def test_birmingham_2021_population(birmingham: Built) -> None:
    expected = _mye2021_total(BIRMINGHAM)
    assert expected > 1_000_000
    assert f"{expected:,}" in birmingham.text


def test_birmingham_deprived_fifth(birmingham: Built) -> None:
    deprived, total = _deprived_fifth(BIRMINGHAM)
    assert re.search(rf"\b{deprived} of (Birmingham's )?{total}\b", birmingham.text)


def test_birmingham_latest_health_check(birmingham: Built) -> None:
    latest = _latest_health_check(BIRMINGHAM)
    sentence = re.search(r"NHS Health Check[^.]*?(\d+\.\d)%", birmingham.text)
    assert sentence and float(sentence.group(1)) == pytest.approx(latest)


def test_birmingham_falls_admissions_loaded_whole(birmingham: Built) -> None:
    falls = birmingham.ingests[-1]["files"][0]
    assert falls["status"] == "loaded" and falls["rows_loaded"] == falls["rows_read"] > 0
    assert "Birmingham" in birmingham.text.split("Contents")[0]
    assert "This text appears in section" not in birmingham.text


def test_birmingham_pdf_keeps_each_source_row_on_one_page(birmingham: Built, tmp_path) -> None:
    """A row of appendix B is never split across pages: its file name, kind and hash start on one
    line of one page. (Its file name of two lines used to go whole to the next page, leaving the
    row's other cells behind without it.)"""
    import shutil
    import subprocess

    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not on PATH (apt-get install poppler-utils)")
    pytest.importorskip("weasyprint")
    code, _ = _invoke(
        "report",
        "--format",
        "pdf",
        "--area",
        BIRMINGHAM,
        "--output",
        str(tmp_path),
        "--project",
        str(birmingham.project),
    )
    assert code == 0
    pdf = tmp_path / f"jsna-{BIRMINGHAM}.pdf"
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    text = text[text.rindex("Appendix B: sources") :]
    sources = birmingham.html[birmingham.html.index('id="appendix-sources"') :]
    rows = re.findall(
        r'<th scope="row">([^<]+)</th><td>([^<]+)</td>.*?<code class="hash">(\w+)</code>', sources
    )
    assert len(rows) > 10
    for name, kind, sha in rows:
        line = next(line for line in text.splitlines() if sha[:12] in line)
        assert line.strip().startswith(name[:4]) and f" {kind} " in line, (name, line)


def test_trafford_england_benchmark_counts_every_authority(trafford: Built) -> None:
    """England's 65+ share is summed over all 309 authorities, although the census replaced ten
    of them for 2021 (a sum over the file that lost them gave 18.7%)."""
    source = pd.read_csv(REAL / "ons_mye2021_lad" / "mye2021_lad21_uk_syoa_long.csv")
    england = source[source["ladcode21"].str[:3].isin(["E06", "E07", "E08", "E09"])]
    share = (
        england.loc[england["age"].ge(65), "population_2021"].sum()
        / england["population_2021"].sum()
    )
    card = re.search(r"Aged 65 and over [\d.]+% England \(2021\): ([\d.]+)%", trafford.text)
    assert card and card.group(1) == f"{share * 100:.1f}"


def test_trafford_small_practice_lists_are_hidden(trafford: Built) -> None:
    """A practice with 4 registered patients (P91032 in the source file) is shown as *, and so
    is one other list, so the hidden one cannot be worked out from the total."""
    source = pd.read_csv(REAL / "nhs_gp_registrations_2021" / "gp-reg-pat-prac-all_jan2021.csv")
    small = set(source.loc[source["NUMBER_OF_PATIENTS"].between(1, 7), "CODE"])
    listed = dict(re.findall(r"\b(P9\d{4}) ([\d,]+|\*) ", trafford.text))
    assert small & set(listed), (
        "the test expects a small practice of Trafford's CCG in the source file"
    )
    assert all(listed[code] == "*" for code in small & set(listed))
    assert not any(v.isdigit() and 1 <= int(v) <= 7 for v in listed.values())
    assert list(listed.values()).count("*") >= 2
