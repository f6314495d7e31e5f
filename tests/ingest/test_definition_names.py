"""Indicator files whose indicator column holds a definition sentence (ONS Census 2021 tables).

The indicator is named after the file's category column ("General health", with
", age-standardised" when the definition says so), its id adds the measure, the category
values stay categories, and every value is stored as the file has it.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from jsna.ingest import ingest_file
from jsna.ingest.base import ReadOptions
from jsna.ingest.indicator_long import is_definition
from jsna.ingest.pipeline import detect_kind, parse_file
from jsna.workspace import Workspace
from tests.conftest import real_file

CENSUS = "trafford_census2021"
HEALTH = (
    "Estimates that classify usual residents by their own assessment of the general state of their "
    "health from very good to very bad."
)
STANDARDISED = HEALTH + " Age-standardisation allows for comparisons between populations."


def _write(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _parse(path: Path) -> tuple[pd.DataFrame, object]:
    parsed = parse_file("indicator", path, ReadOptions())
    return parsed.frames["indicator_values"], parsed.report


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (HEALTH, True),
        (
            "Estimates that classify usual residents by the number of hours of unpaid care they provide",
            True,
        ),
        ("Life expectancy at birth", False),
        (
            "Emergency hospital admissions for intentional self-harm, directly standardised rate per 100,000",
            False,
        ),
        (
            "Percentage of adults who are physically active (150+ moderate intensity equivalent minutes per week)",
            False,
        ),
        ("People reporting their general health as bad or very bad (from best-fit OAs)", False),
        ("Deaths from all causes.", False),  # too short to be a definition
    ],
)
def test_is_definition(text: str, expected: bool) -> None:
    assert is_definition(text) is expected


def test_synthetic_definition_is_named_after_the_category_column(tmp_path: Path) -> None:
    header = [
        "area_code",
        "area_name",
        "period",
        "indicator",
        "general_health",
        "measure",
        "unit",
        "value",
    ]
    rows = [
        ["E08000009", "Trafford", "2021-03-21", HEALTH, cat, "Count", "Persons", n]
        for cat, n in (("Good health", 100), ("Bad health", 7))
    ]
    rows += [
        ["E08000009", "Trafford", "2021-03-21", STANDARDISED, cat, "Percentage", "Persons", v]
        for cat, v in (("Good health", 93.5), ("Bad health", 6.5))
    ]
    frame, report = _parse(_write(tmp_path / "health.csv", header, rows))
    assert report.ok
    got = frame[
        ["indicator_id", "indicator_name", "category_type", "category", "unit", "value"]
    ].values.tolist()
    assert got == [
        ["general-health-count", "General health", "General health", "Good health", "Count", 100.0],
        ["general-health-count", "General health", "General health", "Bad health", "Count", 7.0],
        [
            "general-health-age-standardised-percentage",
            "General health, age-standardised",
            "General health",
            "Good health",
            "Percentage",
            93.5,
        ],
        [
            "general-health-age-standardised-percentage",
            "General health, age-standardised",
            "General health",
            "Bad health",
            "Percentage",
            6.5,
        ],
    ]
    notes = [i for i in report.warnings if i.code == "indicator-named-from-definition"]
    assert [i.value for i in notes] == [HEALTH, STANDARDISED]
    assert (
        "'General health, age-standardised' (Percentage)" in notes[1].message
        and "column 'general_health'" in notes[1].message
    )


def test_a_name_with_a_category_column_is_kept(tmp_path: Path) -> None:
    name = "Emergency hospital admissions for intentional self-harm, directly standardised rate per 100,000"
    path = _write(
        tmp_path / "selfharm.csv",
        ["area_code", "period", "indicator", "ethnic_group", "value"],
        [
            ["E08000009", "2021/22", name, "White", 150.2],
            ["E08000009", "2021/22", name, "Asian", 80.1],
        ],
    )
    frame, report = _parse(path)
    assert set(frame["indicator_name"]) == {name}
    assert set(frame["category_type"]) == {"Ethnic group"}
    assert not [i for i in report.warnings if i.code == "indicator-named-from-definition"]


def test_a_generic_category_header_names_nothing(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "generic.csv",
        ["area_code", "period", "indicator", "category", "value"],
        [
            ["E08000009", "2021", HEALTH, "Good health", 1],
            ["E08000009", "2021", HEALTH, "Bad health", 2],
        ],
    )
    frame, _ = _parse(path)
    assert set(frame["indicator_name"]) == {HEALTH}


def test_two_definitions_that_would_share_a_name_are_not_merged(tmp_path: Path) -> None:
    households = (
        "Estimates that classify households by the general state of health of the people who live "
        "in them."
    )
    rows = [
        ["E08000009", "2021", text, "Good health", n] for text, n in ((HEALTH, 1), (households, 2))
    ]
    frame, report = _parse(
        _write(
            tmp_path / "two.csv",
            ["area_code", "period", "indicator", "general_health", "value"],
            rows,
        )
    )
    assert report.ok and frame["indicator_id"].nunique() == 2
    assert set(frame["indicator_name"]) == {HEALTH, households}


# -- the real Census 2021 files ------------------------------------------------------------------------
REAL_FILES = {
    "2021_general_health_la_gm.csv": ("general-health-count", "General health", "General health"),
    "2021_general_health_lsoa_trafford.csv": (
        "general-health-count",
        "General health",
        "General health",
    ),
    "2021_general_health_age_standardised_la_gm.csv": (
        "general-health-age-standardised-percentage",
        "General health, age-standardised",
        "General health",
    ),
    "2021_disability_lsoa_trafford.csv": ("disability-count", "Disability", "Disability category"),
    "2021_disability_age_standardised_la_gm.csv": (
        "disability-age-standardised-percentage",
        "Disability, age-standardised",
        "Disability category",
    ),
    "2021_unpaid_care_lsoa_trafford.csv": ("unpaid-care-count", "Unpaid care", "Unpaid care"),
}


@pytest.mark.parametrize("name", sorted(REAL_FILES))
def test_real_census_file_names_and_values(name: str) -> None:
    path = real_file(f"{CENSUS}/{name}")
    source = pd.read_csv(path, dtype=str)
    category_col = source.columns[5]
    frame, report = _parse(path)
    assert report.ok and len(frame) == len(source)
    indicator_id, indicator_name, category_type = REAL_FILES[name]
    assert set(frame["indicator_id"]) == {indicator_id}
    assert set(frame["indicator_name"]) == {indicator_name}
    assert set(frame["category_type"]) == {category_type}
    assert set(frame["category"]) == set(source[category_col])
    # every value as the file has it, by area and category
    expected = source.set_index(["area_code", category_col])["value"].astype(float).sort_index()
    got = frame.set_index(["area_code", "category"])["value"].sort_index()
    assert got.tolist() == pytest.approx(expected.tolist())
    [note] = [i for i in report.warnings if i.code == "indicator-named-from-definition"]
    assert note.value == source["indicator"].iloc[0].strip()


def test_real_trafford_bad_health_count_and_standardised_percentage_both_stay(
    tmp_path: Path,
) -> None:
    """8,406 Trafford residents in bad health (count) and the age-standardised percentage, side by side."""
    files = [
        real_file(f"{CENSUS}/{n}")
        for n in (
            "2021_general_health_la_gm.csv",
            "2021_general_health_age_standardised_la_gm.csv",
            "2021_general_health_lsoa_trafford.csv",
            "2021_disability_lsoa_trafford.csv",
            "2021_disability_age_standardised_la_gm.csv",
            "2021_unpaid_care_lsoa_trafford.csv",
        )
    ]
    expected = {}
    for path in files[:2]:
        src = pd.read_csv(path)
        row = src[src["area_code"].eq("E08000009") & src["general_health"].eq("Bad health")]
        expected[row["measure"].iloc[0]] = float(row["value"].iloc[0])
    assert expected["Count"] == 8406
    with Workspace.open(tmp_path / "jsna.duckdb") as ws:
        for path in files:
            ingest_file(ws, "indicator", path)
        got = dict(
            ws.con.execute(
                "SELECT indicator_id, value FROM indicator_values WHERE area_code = 'E08000009' "
                "AND category = 'Bad health'"
            ).fetchall()
        )
        names = dict(
            ws.con.execute(
                "SELECT DISTINCT indicator_id, indicator_name FROM indicator_values"
            ).fetchall()
        )
        rows = ws.con.execute("SELECT count(*) FROM indicator_values").fetchall()[0][0]
    assert got == {
        "general-health-count": expected["Count"],
        "general-health-age-standardised-percentage": pytest.approx(expected["Percentage"]),
    }
    assert sorted(names.values()) == [
        "Disability",
        "Disability, age-standardised",
        "General health",
        "General health, age-standardised",
        "Unpaid care",
    ]
    assert rows == sum(
        len(pd.read_csv(p)) for p in files
    )  # LA and LSOA counts add up, nothing replaced


@pytest.mark.parametrize(
    "name",
    [
        "1981-2021_population_by_sex_and_age_group_la_gm.csv",
        "2021_population_by_5_year_age_bands_lsoa_trafford.csv",
    ],
)
def test_real_census_population_tables_are_still_population(name: str) -> None:
    assert detect_kind(real_file(f"{CENSUS}/{name}"))[0] == "population"
