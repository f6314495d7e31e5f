"""Counts by GP practice, sex and age band (``jsna ingest practice-counts``): the sample file
parses to its own rows, and bad rows are issues naming row, column and value."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from jsna.ingest.pipeline import detect_kind, parse_file, validate_file
from jsna.options import ReadOptions
from tests.conftest import SAMPLES

HEADER = "practice_code,period,sex,age_band,measure,count\n"


def test_the_sample_register_parses_to_its_rows() -> None:
    path = SAMPLES / "practice_registers.csv"
    assert detect_kind(path)[0] == "practice-counts"
    parsed = parse_file("practice-counts", path, ReadOptions())
    assert parsed.report.ok, parsed.report.issues[:3]
    frame = parsed.frames["practice_events"]
    source = pd.read_csv(path)
    assert len(frame) == len(source)
    got = frame.groupby("practice_code")["count"].sum().sort_index()
    assert got.tolist() == source.groupby("practice_code")["count"].sum().sort_index().tolist()
    top = frame[frame["age_band"].eq("90+")]
    assert set(top["age_from"]) == {90} and top["age_to"].isna().all()


def test_bad_rows_are_issues(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        HEADER
        + "P91004,2023/24,Female,0-14,Diabetes register,3\n"
        + "P9100X,2023/24,Female,15-19,Diabetes register,3\n"
        + "P91004,2023/24,Male,20-24,Diabetes register,-1\n"
    )
    report = validate_file("practice-counts", path, ReadOptions())
    found = {(i.code, i.row, i.column) for i in report.issues}
    assert ("bad-age-band", 2, "age_band") in found
    assert ("bad-practice-code", 3, "practice_code") in found
    assert any(i.row == 4 and i.column == "count" for i in report.issues)
    band = next(i for i in report.issues if i.code == "bad-age-band")
    assert "'0-14'" in band.message and "5-year band" in band.message


def test_single_years_and_the_measure_option(tmp_path: Path) -> None:
    path = tmp_path / "single.csv"
    path.write_text(
        "practice_code,period,sex,age_band,count\nP91004,2023/24,Male,7,2\nP91004,2023/24,Male,95+,1\n"
    )
    parsed = parse_file("practice-counts", path, ReadOptions(measure="Asthma register"))
    assert parsed.report.ok, parsed.report.issues
    frame = parsed.frames["practice_events"]
    assert frame["measure"].tolist() == ["Asthma register", "Asthma register"]
    assert frame["age_from"].tolist() == [7, 95]
