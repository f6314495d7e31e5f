"""Numeric sex codes: ONS order by default, `--sex-codes` to state another, reversed codes refused."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from jsna.ingest import validate_file
from jsna.ingest.base import ReadOptions
from jsna.ingest.fields import parse_sex_codes
from tests.conftest import real_file


def _long(path: Path, *, old_men: int, old_women: int, areas: int = 6) -> Path:
    """A long population file coded 1/2, with ``old_men`` (code 1) and ``old_women`` (code 2) aged 85+."""
    rows = []
    for i in range(areas):
        code = f"E0800000{i + 1}"
        for sex, old in ((1, old_men), (2, old_women)):
            rows += [(code, sex, 40, 1000), (code, sex, 85, old)]
    pd.DataFrame(rows, columns=["area_code", "sex", "age", "population"]).assign(
        period=2021
    ).to_csv(path, index=False)
    return path


def test_ons_codes_read_as_male_and_female(tmp_path: Path) -> None:
    report = validate_file("population", _long(tmp_path / "p.csv", old_men=60, old_women=100))
    assert not report.errors


def test_reversed_codes_are_refused_with_the_option_to_say_so(tmp_path: Path) -> None:
    path = _long(tmp_path / "p.csv", old_men=100, old_women=60)
    report = validate_file("population", path)
    assert [i.code for i in report.errors] == ["sex-codes-reversed"]
    assert "--sex-codes 1=Female,2=Male" in report.errors[0].message
    assert not validate_file("population", path, ReadOptions(sex_codes="1=Female,2=Male")).errors


def test_too_few_old_people_to_tell_is_not_judged(tmp_path: Path) -> None:
    report = validate_file(
        "population", _long(tmp_path / "p.csv", old_men=20, old_women=10, areas=2)
    )
    assert not report.errors


def test_sex_codes_option_is_checked() -> None:
    assert parse_sex_codes("1=Female, 2=Male") == {"1": "Female", "2": "Male"}
    with pytest.raises(ValueError, match="CODE=SEX"):
        parse_sex_codes("1=Woman-ish")


def test_real_mid_2021_extract_is_coded_1_female_and_loads_when_told(tmp_path: Path) -> None:
    path = real_file("ons_mye2021_lad/mye2021_lad21_uk_syoa_long.csv")
    source = pd.read_csv(path)
    england = source[source["country"].eq("E")]
    # independent evidence from the file: code 1 is the larger group at 90+ and the smaller at 0-4
    old = england[england["age"].eq(90)].groupby("sex")["population_2021"].sum()
    young = england[england["age"].lt(5)].groupby("sex")["population_2021"].sum()
    assert old[1] > 1.5 * old[2] and young[1] < young[2]
    assert [i.code for i in validate_file("population", path).errors] == ["sex-codes-reversed"]
    told = validate_file("population", path, ReadOptions(sex_codes="1=Female,2=Male"))
    assert not told.errors
