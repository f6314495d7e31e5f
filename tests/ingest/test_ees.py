"""DfE files as downloaded from Explore Education Statistics (``jsna ingest ees``): the SEN sample
in the layout of ``sen_phase_type_.csv`` parses to the figures the file holds (read here with
plain pandas), national and regional rows keep their codes, DfE's symbols are missing values with
their meaning (never zero), and bad rows are issues naming row, column and value."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from jsna.ingest.ees import ees_period
from jsna.ingest.pipeline import detect_kind, parse_file, validate_file
from jsna.options import ReadOptions
from tests.conftest import SAMPLES

SAMPLE = SAMPLES / "sen_ehc_plans_la.csv"
GEO = (
    "time_period,time_identifier,geographic_level,country_code,country_name,region_code,"
    "region_name,old_la_code,new_la_code,la_name"
)
TRAFFORD = "202425,Academic year,Local authority,E92000001,England,E12000002,North West,358,E08000009,Trafford"


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    parsed = parse_file("ees", SAMPLE, ReadOptions())
    assert parsed.report.ok, parsed.report.issues[:3]
    assert parsed.report.issues == []
    return parsed.frames["indicator_values"]


def _parse(tmp_path: Path, text: str) -> tuple[pd.DataFrame, list]:  # type: ignore[type-arg]
    path = tmp_path / "ees.csv"
    path.write_text(text, encoding="utf-8")
    parsed = parse_file("ees", path, ReadOptions())
    return parsed.frames["indicator_values"], parsed.report.issues


def _raw(**equal: str) -> pd.DataFrame:
    """Rows of the sample file, read with plain pandas, whose columns equal the given texts."""
    raw = pd.read_csv(SAMPLE, dtype=str)
    for column, text in equal.items():
        raw = raw[raw[column].eq(text)]
    return raw


def test_the_sample_is_detected_as_ees() -> None:
    assert detect_kind(SAMPLE)[0] == "ees"


def test_every_authoritys_ehc_plans_are_the_files_figures(sample: pd.DataFrame) -> None:
    la = _raw(
        geographic_level="Local authority",
        phase_type_grouping="Total",
        type_of_establishment="Total",
        hospital_school="Total",
    )
    ehc = sample[sample["indicator_id"].eq("ehc-plan") & sample["category"].isna()]
    got = ehc.set_index(["area_code", "period"])["count"]
    assert len(la) == 20  # ten authorities, two years
    for _, row in la.iterrows():
        period = f"{row['time_period'][:4]}/{row['time_period'][4:]}"
        assert got.loc[(row["new_la_code"], period)] == int(row["ehc_plan"])
    stored = ehc.set_index(["area_code", "period"])
    assert stored.loc[("E06999001", "2024/25"), "indicator_name"] == "Pupils with an EHC plan"
    assert stored.loc[("E06999001", "2024/25"), "unit"] == "Count"
    assert stored.loc[("E06999001", "2024/25"), "area_type"] == "Unitary authority"


def test_national_and_regional_rows_keep_their_codes(sample: pd.DataFrame) -> None:
    pupils = sample[
        sample["indicator_id"].eq("total-pupils")
        & sample["category"].isna()
        & sample["period"].eq("2024/25")
    ].set_index("area_code")
    for level, code_column in (("National", "country_code"), ("Regional", "region_code")):
        row = _raw(geographic_level=level, time_period="202425", phase_type_grouping="Total")
        assert len(row) == 1
        row = row.iloc[0]
        assert pupils.loc[row[code_column], "value"] == int(row["total_pupils"])
    assert pupils.loc["E92000001", "area_type"] == "Country"
    assert pupils.loc["E92000001", "area_name"] == "England"
    assert pupils.loc["E12999001", "area_type"] == "Region"


def test_phases_are_categories_and_percentages_are_not_counts(sample: pd.DataFrame) -> None:
    primary = _raw(
        new_la_code="E06999002", time_period="202425", phase_type_grouping="State-funded primary"
    ).iloc[0]
    rows = sample[
        sample["area_code"].eq("E06999002")
        & sample["period"].eq("2024/25")
        & sample["category"].eq("State-funded primary")
    ].set_index("indicator_id")
    assert set(rows["category_type"]) == {"Phase type grouping"}
    assert rows.loc["ehc-plan", "value"] == int(primary["ehc_plan"])
    assert rows.loc["ehc-plan-percent", "value"] == float(primary["ehc_plan_percent"])
    assert rows.loc["ehc-plan-percent", "unit"] == "Percentage"
    assert np.isnan(rows.loc["ehc-plan-percent", "count"])


def test_suppressed_figures_are_missing_with_their_meaning(sample: pd.DataFrame) -> None:
    hidden = _raw(sen_support="c")
    assert len(hidden) == 2
    rows = sample[
        sample["indicator_id"].eq("sen-support") & sample["category"].eq("Independent school")
    ]
    rows = rows[rows["area_code"].isin(hidden["new_la_code"])]
    assert len(rows) == 2
    assert rows["value"].isna().all() and rows["count"].isna().all()
    assert set(rows["value_note"]) == {
        "'c' in the source file: confidential (suppressed), read as missing"
    }


@pytest.mark.parametrize(
    ("symbol", "meaning"),
    [
        ("c", "confidential (suppressed)"),
        ("x", "not available"),
        ("z", "not applicable"),
        (":", "not applicable"),
        ("low", "rounds to zero, but is not zero"),
        ("u", "low reliability"),
        ("C", "confidential (suppressed)"),
    ],
)
def test_every_symbol_is_missing_never_zero(tmp_path: Path, symbol: str, meaning: str) -> None:
    frame, issues = _parse(
        tmp_path,
        f"{GEO},phase_type_grouping,ehc_plan,total_pupils\n"
        f"{TRAFFORD},Total,{symbol},40000\n{TRAFFORD},State-funded primary,900,20000\n",
    )
    assert issues == []
    ehc = frame[frame["indicator_id"].eq("ehc-plan")].set_index("category", drop=False)
    headline = ehc[ehc["category"].isna()].iloc[0]
    assert np.isnan(headline["value"]) and np.isnan(headline["count"])
    assert headline["value_note"] == f"'{symbol}' in the source file: {meaning}, read as missing"
    assert ehc.loc["State-funded primary", "count"] == 900


def test_column_case_and_the_pre_2021_layout(tmp_path: Path) -> None:
    """``EHC_plan`` (as some years spell it) is the same indicator; headers in capitals read;
    a calendar-year file (the EHC plans publication's SEN2 caseload) keeps its year."""
    header = GEO.upper().replace("TIME_PERIOD", "Time_Period")
    frame, issues = _parse(
        tmp_path,
        f"{header},EHC_plan\n{TRAFFORD},2100\n"
        + TRAFFORD.replace("202425,Academic year", "2025,Calendar year")
        + ",2150\n",
    )
    assert issues == []
    assert set(frame["indicator_id"]) == {"ehc-plan"}
    assert sorted(frame["period"]) == ["2024/25", "2025"]
    assert frame.set_index("period").loc["2025", "count"] == 2150


def test_two_filters_and_a_sex_filter(tmp_path: Path) -> None:
    frame, issues = _parse(
        tmp_path,
        f"{GEO},sex,phase_type_grouping,hospital_school,ehc_plan\n"
        f"{TRAFFORD},Boys,Total,Total,1400\n"
        f"{TRAFFORD},Girls,Total,Total,700\n"
        f"{TRAFFORD},Total,State-funded special,No,450\n",
    )
    assert issues == []
    by_sex = frame[frame["category"].isna()].set_index("sex")["count"]
    assert by_sex.to_dict() == {"Male": 1400, "Female": 700}
    special = frame[frame["category"].notna()].iloc[0]
    assert special["sex"] == "Persons"
    assert special["category_type"] == "Phase type grouping; Hospital school"
    assert special["category"] == "State-funded special; No"


def test_bad_rows_name_row_column_and_value(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        f"{GEO},phase_type_grouping,ehc_plan\n"
        f"{TRAFFORD},Total,21OO\n"  # letter O for zero
        + TRAFFORD.replace("202425", "202426")
        + ",Total,5\n"
        + TRAFFORD.replace("Local authority", "School")
        + ",Total,5\n"
        + TRAFFORD.replace("E08000009", "E12000002")
        + ",Total,5\n"
        + TRAFFORD.replace("E08000009", "")
        + ",Total,5\n"
        + f"{TRAFFORD},Total,-4\n",
        encoding="utf-8",
    )
    report = validate_file("ees", path, ReadOptions())
    found = {(i.code, i.row, i.column, str(i.value)) for i in report.errors}
    assert ("not-a-number", 2, "ehc_plan", "21OO") in found
    assert ("bad-period", 3, "time_period", "202426") in found
    assert ("unsupported-level", 4, "geographic_level", "School") in found
    assert ("wrong-area-type", 5, "new_la_code", "E12000002") in found
    assert ("missing-area-code", 6, "new_la_code", "") in found
    assert ("below-minimum", 7, "ehc_plan", "-4") in found
    text = {i.code: i.message for i in report.errors}
    assert "got '21OO'" in text["not-a-number"]
    assert "Academic" in text["bad-period"] and "'202426'" in text["bad-period"]
    assert "old_la_code '358'" in text["missing-area-code"]


def test_rows_of_a_level_whose_code_column_is_missing(tmp_path: Path) -> None:
    from jsna.errors import MissingColumnError

    path = tmp_path / "no_la_code.csv"
    path.write_text(
        "time_period,time_identifier,geographic_level,country_code,la_name,ehc_plan\n"
        "202425,Academic year,National,E92000001,,480000\n"
        "202425,Academic year,Local authority,E92000001,Trafford,2100\n",
        encoding="utf-8",
    )
    with pytest.raises(MissingColumnError, match=r"no local authority code column.*'new_la_code'"):
        parse_file("ees", path, ReadOptions())


def test_a_file_of_filters_only_has_no_indicators(tmp_path: Path) -> None:
    _, issues = _parse(tmp_path, f"{GEO},phase_type_grouping\n{TRAFFORD},Total\n")
    assert [i.code for i in issues] == ["no-indicators"]
    assert "'phase_type_grouping'" in issues[0].message


def test_a_refused_file_exits_1_naming_the_problem(cli, project: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "sen.csv"
    path.write_text(f"{GEO},ehc_plan\n{TRAFFORD},lots\n", encoding="utf-8")
    code, out, err = cli("ingest", "ees", str(path), "--project", str(project))
    assert code == 1
    assert "row 2" in out + err and "ehc_plan" in out + err and "'lots'" in out + err


@pytest.mark.parametrize(
    ("period", "identifier", "expected"),
    [
        ("202425", "Academic year", "2024/25"),
        ("199900", "Financial year", "1999/00"),
        ("202425", "academic year", "2024/25"),
        ("2025", "Calendar year", "2025"),
        ("2025", "Reporting year", "2025"),
        ("202425", "Calendar year", None),
        ("2025", "Academic year", None),
        ("202426", "Academic year", None),
        ("202425", "Spring term", None),
    ],
)
def test_periods(period: str, identifier: str, expected: str | None) -> None:
    assert ees_period(period, identifier) == expected
