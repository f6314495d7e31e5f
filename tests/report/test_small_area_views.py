"""Small-area views in the report: per indicator a map, a table of every ward and the five highest
and lowest named; the figures in the text agree with the table and with the source files."""

from __future__ import annotations

import html as html_lib
import re
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import real_file

SECTION3 = "section-3-health-status"
SECTION4 = "section-4-met-needs"


def _section(html: str, anchor: str) -> str:
    start = html.index(f'<section id="{anchor}"')
    return html[start : html.index("</section>", start)]


def _table(html: str, table_id: str) -> pd.DataFrame:
    """The table ``table_id`` as text cells, first column named by its header."""
    start = html.index(f'id="{table_id}"')
    chunk = html[start : html.index("</table>", start)]
    head = [html_lib.unescape(h) for h in re.findall(r'<th scope="col">(.*?)</th>', chunk)]
    rows = []
    for tr in re.findall(r"<tr>(.*?)</tr>", chunk.split("</thead>", 1)[1], flags=re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, flags=re.S)
        rows.append([html_lib.unescape(c).strip() for c in cells])
    return pd.DataFrame(rows, columns=head)


def _ends(html: str, name: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(highest, lowest) (ward, value) pairs of the paragraph about ``name``."""
    text = html_lib.unescape(re.sub(r"<[^>]+>", " ", html))
    found = re.search(
        re.escape(name) + r"[^.]*?:.*?Highest: (.*?\))\. Lowest: (.*?\))[.;]", text, re.S
    )
    assert found, name

    def pairs(part: str) -> list[tuple[str, str]]:
        return re.findall(r"([^,(]+?) \(([\d.,−-]+)\)", part)

    return pairs(found.group(1)), pairs(found.group(2))


def test_each_ward_indicator_has_text_map_and_table(demo_html: str) -> None:
    s3 = _section(demo_html, SECTION3)
    s4 = _section(demo_html, SECTION4)
    # computed from LSOA deaths and population: section 3; the admissions ratio: section 4
    for anchor in ("small-area-life-expectancy-female", "small-area-mortality-dsr-persons"):
        assert f'id="table-health-status-{anchor}"' in s3
        assert f'id="map-health-status-{anchor}"' in s3
    assert 'id="table-met-needs-' in s4 and 'id="map-met-needs-' in s4
    assert "Small areas: wards of Ambridge Vale" in s3


def test_named_ends_agree_with_the_table(demo_html: str) -> None:
    s3 = _section(demo_html, SECTION3)
    table = _table(s3, "table-health-status-small-area-mortality-dsr-persons")
    assert len(table) == 18
    high, low = _ends(
        s3, "Deaths from all causes, directly standardised rate, five years pooled (per 100,000)"
    )
    by_ward = dict(zip(table["Ward"], table["Value"], strict=True))
    assert len(high) == 5 and len(low) == 5
    for ward, value in high + low:
        assert by_ward[ward.strip()] == value
    assert [w.strip() for w, _ in high] == table["Ward"].head(5).tolist()
    assert [w.strip() for w, _ in low] == table["Ward"].tail(5).tolist()[::-1]


def test_published_ward_values_match_the_file(demo_html: str, samples: Path) -> None:
    """Each ward's published value as the default disclosure control shows it, worked out here
    from the file: a ward's count rounded to the nearest 5 and its percentage scaled to the
    rounded count (so that value times denominator gives back only the rounded count), a count
    of 1 to 7 hidden."""
    source = pd.read_csv(samples / "local_health_wards.csv")
    name = "Child development at age 5"
    wards = source[source["indicator"].eq(name) & source["area_code"].str.startswith("E05")]
    table = _table(_section(demo_html, SECTION3), f"table-health-status-{_id_of(demo_html, name)}")
    got = dict(zip(table["Ward"], table["Value"], strict=True))

    def shown(value: float, count: int) -> str:
        if 1 <= count <= 7:
            return "*"
        return f"{5 * round(count / 5) * (value / count):.1f}"

    assert got == {r.area_name: shown(r.value, r.count) for r in wards.itertuples()}
    counts = dict(zip(table["Ward"], table["Count"], strict=True))
    assert counts == {r.area_name: f"{5 * round(r.count / 5):,}" for r in wards.itertuples()}
    la = source[source["indicator"].eq(name) & source["area_code"].eq("E06999001")]["value"].iloc[0]
    assert f"Ambridge Vale: {la:.1f}" in _section(demo_html, SECTION3)
    assert {"Better", "Similar", "Worse"} & set(table["Compared with Ambridge Vale"])


def _id_of(html: str, name: str) -> str:
    """The table id slug of a published indicator (its id is made from its name at ingest)."""
    found = re.search(
        r'id="table-health-status-([a-z0-9-]+)"[^<]*<caption>' + re.escape(name), html
    )
    assert found, name
    return found.group(1)


def test_counts_of_small_areas_are_rounded(demo_html: str) -> None:
    table = _table(
        _section(demo_html, SECTION3), "table-health-status-small-area-mortality-dsr-persons"
    )
    counts = [int(c.replace(",", "")) for c in table["Count"] if c not in {"*", "–"}]
    assert counts and all(c % 5 == 0 for c in counts)


# -- Trafford's real ward files ------------------------------------------------------------------------
@pytest.mark.real
def test_trafford_ward_tables_show_the_local_health_values(trafford_report) -> None:  # type: ignore[no-untyped-def]
    source = pd.read_csv(
        real_file("trafford_ward_health_fingertips_localhealth/male_life_expectancy.csv")
    )
    html = trafford_report.html
    found = re.search(
        r'id="(table-health-status-[a-z0-9-]+)"[^<]*<caption>Male life expectancy', html
    )
    assert found
    table = _table(html, found.group(1))
    got = dict(zip(table["Ward"], table["Value"], strict=True))
    assert len(got) == 21
    for r in source.itertuples():
        assert got[r.area_name] == f"{r.value:.1f}"
    top = source.sort_values("value", ascending=False).head(5)["area_name"].tolist()
    assert table["Ward"].head(5).tolist() == top


@pytest.mark.real
def test_trafford_ward_counts_go_through_disclosure_control(trafford_report) -> None:  # type: ignore[no-untyped-def]
    """Casualties killed or seriously injured are a count: under the default policy a ward's
    count of 1 to 7 is hidden (its rank too), as an area's own count would be, and a count shown
    is whole ("0", never "0.00"); the sentence names only what the table shows."""
    source = pd.read_csv(real_file("trafford_ward_health_fingertips_localhealth/ksi.csv"))
    html = trafford_report.html
    found = re.search(r'id="(table-[a-z0-9-]+)"[^<]*<caption>Killed or Seriously Injured', html)
    assert found
    table = _table(html, found.group(1))
    rows = {w: (v, r) for w, v, r in zip(table["Ward"], table["Value"], table["Rank"], strict=True)}
    assert len(rows) == len(source) == 21
    for r in source.itertuples():
        small = 1 <= r.value <= 7
        assert rows[r.area_name][0] == ("*" if small else f"{int(r.value):,}"), r.area_name
        assert (rows[r.area_name][1] == "–") == small
    zero = sorted(source.loc[source["value"].eq(0), "area_name"])
    shown = f"{len(zero)} wards of Trafford have a value, all 0: {', '.join(zero)}"
    assert shown in trafford_report.text


@pytest.mark.real
def test_trafford_ward_page_controls_a_count(trafford_report) -> None:  # type: ignore[no-untyped-def]
    """A ward's own page (``--level ward``) gives its casualties as its report's table does:
    the ward with the most (6) is hidden, rank and all; a ward with none shows 0."""
    from jsna.config import load_config
    from jsna.report.small_areas import small_area_page
    from jsna.workspace import Workspace

    source = pd.read_csv(real_file("trafford_ward_health_fingertips_localhealth/ksi.csv"))
    config = load_config(trafford_report.project / "jsna.toml")
    most = source.sort_values("value").iloc[-1]
    none = source[source["value"].eq(0)].iloc[0]
    assert 1 <= most["value"] <= 7
    for ward, value, rank in ((most, "*", "–"), (none, "0", None)):
        with Workspace.open(config.workspace_path, read_only=True) as ws:
            _, html = small_area_page(ws, config, str(ward["area_code"]))
        row = re.search(r'<th scope="row">Killed or Seriously Injured[^<]*</th>(.*?)</tr>', html)
        assert row
        cells = re.findall(r"<td[^>]*>([^<]*)</td>", row.group(1))
        assert cells[2] == value
        assert rank is None or cells[4] == rank


def test_small_area_tables_read_in_rank_order(demo_html: str) -> None:
    """Rows stay in the order of the true values (their stored ranks) when disclosure control
    scales a rate to its rounded count: the rank column reads down the table in order."""
    checked = 0
    for table_id, chunk in re.findall(
        r'<table[^>]*id="(table-[a-z0-9-]+)"(.*?)</table>', demo_html, flags=re.S
    ):
        if '<th scope="col">Rank</th>' not in chunk:
            continue
        table = _table(demo_html, table_id)
        ranks = [int(r.split(" of ")[0]) for r in table["Rank"] if r != "–"]
        assert ranks == sorted(ranks), table_id
        checked += 1
    assert checked >= 5


@pytest.mark.real
def test_trafford_ward_differences_give_no_hidden_count_away(trafford_report) -> None:  # type: ignore[no-untyped-def]
    """Section 7's table of differences between wards gives neither the range nor the ends of a
    series whose values disclosure control hid: KSI's range (6 − 0) would give the largest count."""
    source = pd.read_csv(real_file("trafford_ward_health_fingertips_localhealth/ksi.csv"))
    hidden = int(source["value"].between(1, 7).sum())
    assert hidden > 0
    table = _table(trafford_report.html, "inequalities-wards")
    row = table[table["Indicator"].eq("Killed or Seriously Injured")].iloc[0]
    assert row["Range (highest − lowest)"] == "*" and row["Highest ÷ lowest"] == "*"
    why = f"not shown: {hidden} of {len(source)} wards' values are hidden for disclosure control"
    assert row["Five highest"] == row["Five lowest"] == why
    # the other series are published without counts: shown as before
    assert table["Range (highest − lowest)"].ne("*").sum() >= 10
