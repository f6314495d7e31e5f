"""Presentation rules: number wording, time axes, comparator sets, starter narrative, report title."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from jsna.config import load_config
from jsna.errors import ConfigError
from jsna.indicators.comparators import comparator_set, regions
from jsna.report import charts, text
from jsna.report.narrative import is_starter, narrative_text, starter_file
from tests.conftest import real_file

MINUS = "\u2212"


# -- wording ---------------------------------------------------------------------------------
def test_negative_money_has_a_true_minus_before_the_pound_sign():
    assert text.fmt_money(-1994) == f"{MINUS}£1,994"
    assert text.fmt_money(1994.4) == "£1,994"
    assert text.fmt_money(-0.3) == "£0"  # rounds to nothing: no sign
    assert text.fmt_money(-2.5, 2) == f"{MINUS}£2.50"


def test_a_change_that_rounds_to_zero_is_no_change():
    assert text.fmt_change(-0.004) == "no change"
    assert text.fmt_change(0.0) == "no change"
    assert text.fmt_change(0.031) == "+3%"
    assert text.fmt_change(-0.031) == f"{MINUS}3%"
    assert text.change_phrase(0.0004) == "no change"
    assert text.change_phrase(0.12) == "a rise of 12%"
    assert text.change_phrase(-0.12) == "a fall of 12%"


def test_numbers_use_a_true_minus_and_never_print_minus_zero():
    assert text.fmt(-3.14, 1) == f"{MINUS}3.1"
    assert text.fmt(-0.04, 1) == "0.0"
    assert text.fmt_interval(-1.5, 2.0) == f"{MINUS}1.5 to 2.0"


@pytest.mark.parametrize(
    ("unit", "name", "label"),
    [
        ("%", "", "%"),
        ("per 100,000", "", "per 100,000"),
        ("years", "", "years"),
        ("", "Under 75 mortality rate per 100,000", "per 100,000"),
        ("", "Standardised admission ratio", "ratio"),
        ("", "Life expectancy at birth", "years"),
        ("", "Percentage of physically inactive adults", "%"),
        (None, "Something else", "value"),
    ],
)
def test_every_indicator_has_a_unit(unit, name, label):
    assert text.unit_label(unit, name) == label


def test_ages_that_mean_no_age_group_are_not_printed():
    assert text.age_phrase("Not applicable") == ""
    assert text.age_phrase("All ages") == ""
    assert text.age_phrase("15+ yrs") == "aged 15+"
    row = {"value": 16.0, "unit": "%", "period": "2015/16", "age": "Not applicable"}
    assert "Not applicable" not in text.indicator_sentence(
        "Smoking prevalence", "Trafford", row, "England"
    )


def test_outcomes_with_a_confidence_level_read_as_words():
    assert text.outcome_words("Higher 99.8") == "Higher (99.8% level)"
    assert text.outcome_key("Higher 99.8") == "Higher"
    assert text.outcome_words(None) == "Not compared"
    assert text.index_label("IMD2019") == "IMD 2019"


# -- time axis -------------------------------------------------------------------------------
def test_periods_are_placed_by_when_they_end():
    pos = charts.period_position
    assert [pos(p) for p in ("2020", "2021", "2024")] == [2020.0, 2021.0, 2024.0]
    assert pos("2023/24") == 2023.25
    assert pos("2018-20") == pos("2018 - 20") == 2020.0
    assert pos("2020/21 - 22/23") == 2022.25
    assert pos("2021/22 Q1 - 2025/26 Q3") == pos("2025/26 Q3") == 2025.0
    assert pos("2021/22 Q1 - 2021/22 Q4") < pos("2021/22 Q1 - 2025/26 Q3")


def test_trend_chart_spaces_years_by_time_not_by_order():
    frame = pd.DataFrame(
        {
            "period": ["1981", "2011", "2020", "2021", "2024"],
            "value": [1.0, 2, 3, 4, 5],
            "lower_ci_95": float("nan"),
            "upper_ci_95": float("nan"),
        }
    )
    fig = charts.trend_line(frame, title="Total population", unit="people", area_name="Trafford")
    x = fig.data.set_index("period")["position"]
    # 2020→2021 is one year, 2021→2024 three: the gaps on the axis keep that ratio
    assert (x["2024"] - x["2021"]) == pytest.approx(3 * (x["2021"] - x["2020"]))
    assert (x["2011"] - x["1981"]) == pytest.approx(30.0)


# -- starter narrative -------------------------------------------------------------------------
def test_init_starter_text_is_never_published(project: Path):
    for name in ("voice", "public_demands"):
        assert is_starter((project / "narrative" / f"{name}.md").read_text(encoding="utf-8"))
        assert narrative_text(project / "narrative", name, "E08000009") == ""


def test_older_starter_text_is_recognised_after_whitespace_changes(tmp_path: Path):
    old = (
        "# What residents ask for\n\n  Summarise consultations, petitions, councillor and MP\nenquiries here. "
        "This text appears in section 6 of the report.\n\n"
    )
    assert is_starter(old)
    assert not is_starter(old + "\nResidents asked for more dementia support in 2024.\n")
    assert not is_starter(
        starter_file("voice.md").replace(starter_file("voice.md").splitlines()[0], "")
        + "Healthwatch heard from 300 carers.\n"
    )


def test_each_area_gets_its_own_narrative_else_the_shared_text(tmp_path: Path):
    shared = tmp_path / "narrative"
    (shared / "E08000009").mkdir(parents=True)
    (shared / "voice.md").write_text("Shared words.\n", encoding="utf-8")
    (shared / "E08000009" / "voice.md").write_text("Trafford's words.\n", encoding="utf-8")
    assert narrative_text(shared, "voice", "E08000009").strip() == "Trafford's words."
    assert narrative_text(shared, "voice", "E08000003").strip() == "Shared words."
    (shared / "E08000003").mkdir()
    (shared / "E08000003" / "voice.md").write_text(starter_file("voice.md"), encoding="utf-8")
    assert narrative_text(shared, "voice", "E08000003").strip() == "Shared words."


def test_demo_report_shows_not_supplied_for_starter_narrative(demo_copy: Path, cli):
    (demo_copy / "narrative" / "public_demands.md").write_text(
        starter_file("public_demands.md"), encoding="utf-8"
    )
    code, _, err = cli("report", "--area", "E06999001", "--format", "html", cwd=demo_copy)
    assert code == 0, err
    html = next((demo_copy / "output").glob("*.html")).read_text(encoding="utf-8")
    section = html[
        html.index('id="section-6-public-demands"') : html.index('id="section-7-inequalities"')
    ]
    assert "Summarise consultations" not in section
    assert "Data not yet supplied" in section


# -- comparators -----------------------------------------------------------------------------
def test_comparator_settings_are_checked_with_line_numbers(tmp_path: Path):
    path = tmp_path / "jsna.toml"
    path.write_text(
        '[project]\nname = "x"\n\n[comparators]\nareas = ["E08000009", "Trafford"]\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"line 5\).*comparators.areas.*'Trafford'"):
        load_config(path)
    path.write_text(
        '[comparators]\nareas = ["E08000009"]\nneighbours_file = "n.csv"\n', encoding="utf-8"
    )
    with pytest.raises(ConfigError, match="either areas or neighbours_file"):
        load_config(path)


def _lookups(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["child_code", "parent_code", "parent_type"])


def test_default_comparators_are_the_same_tier_councils_of_the_region(tmp_path: Path):
    lk = _lookups(
        [
            ("E01000001", "E08000009", "LAD"),
            ("E01000001", "E12000002", "Region"),
            ("E01000002", "E08000003", "LAD"),
            ("E01000002", "E12000002", "Region"),
            ("E01000003", "E07000117", "LAD"),
            ("E01000003", "E12000002", "Region"),
            ("E01000004", "E08000025", "LAD"),
            ("E01000004", "E12000005", "Region"),
        ]
    )
    config = load_config(root=tmp_path)
    names = {"E12000002": "North West region (statistical)"}
    got = comparator_set(
        config,
        lambda t: lk,
        "E08000009",
        names,
        {"E08000009", "E08000003", "E07000117", "E08000025", "E92000001"},
    )
    assert got.codes == ["E08000003"]  # a district is another tier; Birmingham another region
    assert got.region_code == "E12000002" and got.region_name == "North West"
    alone = comparator_set(
        config, lambda t: lk.iloc[0:0], "E08000009", names, {"E08000009", "E08000025"}
    )
    assert alone.source == "country" and alone.codes == ["E08000025"]
    assert any("no loaded lookup places" in n for n in alone.notes)


def test_neighbours_file_gives_ranked_comparators_and_bad_rows_are_named(tmp_path: Path):
    path = tmp_path / "cipfa.csv"
    with path.open("w", newline="") as handle:
        w = csv.writer(handle)
        w.writerow(["area_code", "neighbour_code", "rank"])
        w.writerows(
            [
                ("E08000009", "E06000007", 2),
                ("E08000009", "E08000007", 1),
                ("E08000009", "E06000049", 3),
            ]
        )
    (tmp_path / "jsna.toml").write_text(
        '[comparators]\nneighbours_file = "cipfa.csv"\nneighbours = 2\n'
        'name = "CIPFA nearest neighbours"\n',
        encoding="utf-8",
    )
    config = load_config(tmp_path / "jsna.toml")
    got = comparator_set(
        config,
        lambda t: pd.DataFrame(columns=["child_code", "parent_code", "parent_type"]),
        "E08000009",
        {},
        set(),
    )
    assert got.codes == ["E08000007", "E06000007"] and got.name == "CIPFA nearest neighbours"
    path.write_text("area_code,neighbour_code,rank\nE08000009,Stockport,1\n", encoding="utf-8")
    with pytest.raises(
        ConfigError, match=r"cipfa.csv \(row 2, column neighbour_code\).*'Stockport'"
    ):
        comparator_set(config, lambda t: pd.DataFrame(), "E08000009", {}, set())


def test_trafford_region_comes_from_the_real_lookup():
    """North West's single-tier councils, counted from the lookup file itself with csv."""
    path = real_file("lookups/lsoa11_msoa11_lad17_rgn11_gb_lookup.csv")
    frame = pd.read_csv(path, dtype=str, encoding="utf-8-sig")
    lad = next(c for c in frame.columns if c.upper().startswith("LAD") and c.upper().endswith("CD"))
    rgn = next(c for c in frame.columns if c.upper().startswith("RGN") and c.upper().endswith("CD"))
    lsoa = next(
        c for c in frame.columns if c.upper().startswith("LSOA") and c.upper().endswith("CD")
    )
    expected = sorted(
        {
            c
            for c, r in zip(frame[lad], frame[rgn], strict=True)
            if r == "E12000002" and c[:3] in {"E06", "E08", "E09"} and c != "E08000009"
        }
    )
    long = pd.concat(
        [
            frame[[lsoa, lad]]
            .set_axis(["child_code", "parent_code"], axis=1)
            .assign(parent_type="LAD"),
            frame[[lsoa, rgn]]
            .set_axis(["child_code", "parent_code"], axis=1)
            .assign(parent_type="Region"),
        ]
    )
    assert regions(lambda t: long)["E08000009"] == "E12000002"
    config = load_config(root=Path("/nonexistent-project"))
    got = comparator_set(config, lambda t: long, "E08000009", {}, set(frame[lad]))
    assert got.codes == expected and len(expected) == 20


# -- title -----------------------------------------------------------------------------------
def test_title_uses_the_area_name_when_the_project_name_is_the_default(tmp_path: Path):
    from jsna.report.assemble import report_title

    folder = tmp_path / "traf"
    folder.mkdir()
    (folder / "jsna.toml").write_text(
        '[project]\nname = "traf Joint Strategic Needs Assessment"\n', encoding="utf-8"
    )
    assert (
        report_title(load_config(folder / "jsna.toml"), "Trafford")
        == "Trafford Joint Strategic Needs Assessment"
    )
    (folder / "jsna.toml").write_text(
        '[project]\nname = "Health and Wellbeing Board JSNA 2025"\n', encoding="utf-8"
    )
    assert (
        report_title(load_config(folder / "jsna.toml"), "Trafford")
        == "Health and Wellbeing Board JSNA 2025: Trafford"
    )


def test_every_id_of_the_demo_page_is_unique_and_every_link_lands(demo_html: str):
    """A duplicated id breaks the links of the contents and the table downloads; a link to an id
    that is not on the page goes nowhere."""
    import collections
    import re

    ids = collections.Counter(re.findall(r'\bid="([^"]+)"', demo_html))
    assert [i for i, n in ids.items() if n > 1] == []
    targets = set(re.findall(r'\bhref="#([^"]+)"', demo_html))
    assert targets and targets <= set(ids)


def test_an_imported_count_of_people_is_shown_without_decimals(demo_html: str, samples: Path):
    """DfE's pupil counts (unit "count") are whole numbers on the page: England's latest
    pupils with an EHC plan, read from the sample file, is "470,116", not "470,116.0"."""
    with (samples / "sen_ehc_plans_la.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = [
            r
            for r in csv.DictReader(handle)
            if r["geographic_level"] == "National" and r["phase_type_grouping"] == "Total"
        ]
    latest = max(rows, key=lambda r: r["time_period"])
    ehc = int(latest["ehc_plan"])
    assert f"{ehc:,}" in demo_html
    assert f"{ehc:,}.0" not in demo_html
    # a percentage keeps its decimal
    assert f">{float(latest['ehc_plan_percent']):.1f}<" in demo_html
