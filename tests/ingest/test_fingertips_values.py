"""Fingertips values: a blank (or R's ``NA``) is a value Fingertips does not give, kept with its
note; any other text is refused. Area codes must be of the kind the row's Area Type names."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from jsna.ingest.base import ReadOptions
from jsna.ingest.fingertips import FingertipsSource
from tests.conftest import real_file

HEADER = (
    "Indicator ID,Indicator Name,Area Code,Area Name,Area Type,Sex,Age,Time period,Value,"
    "Lower CI 95.0 limit,Upper CI 95.0 limit,Count,Denominator,Value note\n"
)


def _parse(tmp_path: Path, *rows: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "export.csv"
    path.write_text(HEADER + "".join(f"{r}\n" for r in rows), encoding="utf-8")
    return FingertipsSource().parse(path, ReadOptions())


def test_blank_and_na_are_missing_with_their_note(tmp_path: Path) -> None:
    parsed = _parse(
        tmp_path,
        "1,Test,E06000001,Hartlepool,UA,Persons,All ages,2022,,,,,,Value suppressed for "
        "disclosure control reasons",
        "1,Test,E06000002,Middlesbrough,UA,Persons,All ages,2022,NA,NA,NA,NA,NA,Value missing "
        "in source data",
        "1,Test,E06000003,Redcar,UA,Persons,All ages,2022,12.5,10.1,15.2,25,200,",
    )
    assert not parsed.report.errors
    frame = parsed.frames["indicator_values"]
    assert frame["value"].isna().tolist() == [True, True, False]
    assert frame[["lower_ci_95", "upper_ci_95", "count", "denominator"]].iloc[1].isna().all()
    assert frame["value_note"].tolist()[:2] == [
        "Value suppressed for disclosure control reasons",
        "Value missing in source data",
    ]
    assert frame["value"].iloc[2] == 12.5


@pytest.mark.parametrize("marker", ["x", "-", "..", "c", "*"])
def test_other_text_in_a_number_column_is_refused(tmp_path: Path, marker: str) -> None:
    parsed = _parse(
        tmp_path,
        "1,Test,E06000001,Hartlepool,UA,Persons,All ages,2022,12.5,10.1,15.2,25,200,",
        f"1,Test,E06000002,Middlesbrough,UA,Persons,All ages,2022,12.5,10.1,15.2,{marker},200,",
    )
    (issue,) = parsed.report.errors
    assert (issue.row, issue.column, issue.value) == (3, "Count", marker)
    assert "blank" in issue.message and repr(marker) in issue.message


@pytest.mark.parametrize(
    ("code", "area_type", "refused"),
    [
        ("XYZ", "Counties & UAs (from Apr 2023)", True),
        ("A81001", "District", True),
        ("RBT", "GPs", True),
        ("A81001", "PCNs (v. 27/10/23)", True),
        ("A81001", "GPs", False),
        ("U00070", "PCNs (v. 27/10/23)", False),
        ("RBT", "Acute Trust", False),
        ("E06000001", "UA", False),
        ("Cl_L2_1a", "ONS 2011 group", False),
        ("XYZ", "", False),  # no area type: the code's shape is all there is to go on
    ],
)
def test_area_code_must_fit_the_area_type(
    tmp_path: Path, code: str, area_type: str, refused: bool
) -> None:
    parsed = _parse(tmp_path, f"1,Test,{code},Somewhere,{area_type},Persons,All ages,2022,1,,,,,")
    errors = parsed.report.errors
    assert bool(errors) == refused, [e.message for e in errors]
    if refused:
        (issue,) = errors
        assert (issue.row, issue.column, issue.value) == (2, "Area Code", code)
        assert area_type in issue.message


def test_real_export_of_gps_and_pcns_loads_with_its_suppressed_value() -> None:
    """OHID's A&E attendances of under-5s (GPs, PCNs, England): every row loads, and the
    blank values are exactly the file's blank cells, each kept with its note."""
    path = real_file("fingertips_gp_qof_ae_heec/ed_under5.csv")
    source = pd.read_csv(path, dtype=str, keep_default_na=False)
    parsed = FingertipsSource().parse(path, ReadOptions())
    assert not parsed.report.errors
    frame = parsed.frames["indicator_values"]
    assert len(frame) == len(source)
    blank = source["Value"].str.strip().eq("")
    assert int(frame["value"].isna().sum()) == int(blank.sum()) > 0
    assert frame.loc[frame["value"].isna(), "value_note"].tolist() == (
        source.loc[blank, "Value note"].tolist()
    )
