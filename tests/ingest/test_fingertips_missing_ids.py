"""Fingertips rows without an Indicator ID take the id of their name, with a warning."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from jsna.ingest import validate_file
from jsna.ingest.base import ReadOptions
from jsna.ingest.fingertips import FingertipsSource
from tests.conftest import real_file

HEADER = (
    "Indicator ID,Indicator Name,Parent Code,Parent Name,Area Code,Area Name,Area Type,Sex,Age,"
    "Category Type,Category,Time period,Value,Lower CI 95.0 limit,Upper CI 95.0 limit,Count,Denominator\n"
)


def _parse(path: Path):  # type: ignore[no-untyped-def]
    return FingertipsSource().parse(path, ReadOptions())


def test_blank_id_takes_the_id_of_the_same_name(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(
        HEADER
        + "91547,Smoking (QOF),,,E92000001,England,England,Persons,15+ yrs,,,2022/23,12.0,,,10,100\n"
        + ",Smoking (QOF),,,A84006,Alnwick,GPs,,,,,2023/24,9.8,,,98,1000\n"
        + ",Made up,,,A84006,Alnwick,GPs,,,,,2023/24,1.0,,,1,100\n",
        encoding="utf-8",
    )
    parsed = _parse(path)
    frame = parsed.frames["indicator_values"]
    assert list(frame["indicator_id"]) == ["91547", "91547", "made-up"]
    codes = [i.code for i in parsed.report.issues]
    assert codes.count("id-from-name") == 2
    assert not parsed.report.errors


def test_blank_id_of_a_name_with_two_ids_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(
        HEADER
        + "1,Same name,,,E92000001,England,England,Persons,All ages,,,2022,1,,,1,10\n"
        + "2,Same name,,,E92000001,England,England,Persons,All ages,,,2023,1,,,1,10\n"
        + ",Same name,,,E92000001,England,England,Persons,All ages,,,2024,1,,,1,10\n",
        encoding="utf-8",
    )
    report = validate_file("fingertips", path)
    assert [i.row for i in report.errors] == [4]
    assert "several IDs" in report.errors[0].message


def test_real_qof_smoking_rows_all_carry_91547() -> None:
    path = real_file("fingertips_gp_qof_ae_heec/smok_qof_prev.csv")
    source = pd.read_csv(path, dtype=str)
    blank = int(source["Indicator ID"].isna().sum())
    assert blank > 0
    frame = _parse(path).frames["indicator_values"]
    assert set(frame["indicator_id"]) == {"91547"}
    assert len(frame) == len(source)
