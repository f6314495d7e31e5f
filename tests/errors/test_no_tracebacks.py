"""Faulty files that used to end in a traceback: each is now a clear error (exit code, the file,
row, column or value, and what was expected), and the workspace is left as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SAMPLES
from tests.ingest.conftest import snapshot

HEADER = "area_code,area_name,period,sex,age,population"
GOOD = [f"E06999001,Ambridge Vale,2020,Female,{age},{100 + age}" for age in range(5)]
WIDE = SAMPLES / "population_mye2024_lsoa_wide.csv"


@pytest.fixture()
def loaded(project: Path, cli) -> Path:  # type: ignore[no-untyped-def]
    """A project whose workspace already holds one good file."""
    good = project / "inputs" / "good.csv"
    good.write_text("\n".join([HEADER, *GOOD]) + "\n", encoding="utf-8")
    code, _, err = cli("ingest", "population", good, cwd=project)
    assert code == 0, err
    return project


def _refused(cli, project: Path, args: list[object], code: int, *words: str) -> str:  # type: ignore[no-untyped-def]
    """Run ``jsna ARGS`` in ``project``: exit ``code``, every word in the message, no traceback,
    no internal error, and the workspace unchanged."""
    before = snapshot(project / "jsna.duckdb")
    exit_code, out, err = cli(*args, cwd=project)
    text = out + err
    assert exit_code == code, text
    assert "Traceback" not in text and "internal error" not in text, text
    for word in words:
        assert word in text, f"{word!r} not in: {text}"
    assert snapshot(project / "jsna.duckdb") == before
    return text


def test_two_rows_with_the_same_bad_age_label(loaded: Path, cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = "E06999001,Ambridge Vale,2021,Female,05-Sep,707"  # Excel turned the band 5-9 into a date
    path = tmp_path / "excel_dates.csv"
    path.write_text("\n".join([HEADER, *GOOD, bad, bad]) + "\n", encoding="utf-8")
    _refused(cli, loaded, ["ingest", "population", path], 1, "05-Sep", "row 7", "row 8", "repeats")


def test_wide_file_with_a_repeated_bad_sex_label(loaded: Path, cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Rows of a wide file are dropped (Persons) before the duplicate check: row numbers still
    point at the file (this was an IndexError)."""
    lines = WIDE.read_text(encoding="utf-8-sig").splitlines()
    fields = lines[5].split(",")
    fields[4] = "Mle"
    row = ",".join(fields)
    path = tmp_path / "wide.csv"
    path.write_text("\n".join([*lines[:4], row, row]) + "\n", encoding="utf-8")
    _refused(
        cli, loaded, ["ingest", "population", path], 1, "'Mle'", "row 6", "first seen on row 5"
    )


def test_trailing_comma_on_every_row_loads_the_right_columns(loaded: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """A delimiter at the end of every data row (not the header) used to shift every column
    into the next one (the area code read as the period)."""
    rows = [f"E06999002,Borchester,2020,Male,{age},{200 + age}," for age in range(4)]
    path = loaded / "inputs" / "trailing.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    code, out, err = cli("ingest", "population", path, cwd=loaded)
    assert code == 0, out + err
    from jsna.workspace import Workspace

    with Workspace.open(loaded / "jsna.duckdb", read_only=True) as ws:
        got = ws.con.execute(
            "SELECT age_band, count FROM population WHERE area_code = 'E06999002' ORDER BY age_from"
        ).fetchall()
    assert [(str(a), float(c)) for a, c in got] == [(str(a), 200.0 + a) for a in range(4)]


def test_a_filled_field_beyond_the_header_is_refused(loaded: Path, cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "extra.csv"
    path.write_text(
        "\n".join([HEADER, GOOD[0] + ",", "E06999001,Ambridge Vale,2021,Male,0,10,99"]) + "\n",
        encoding="utf-8",
    )
    _refused(cli, loaded, ["ingest", "population", path], 3, "line 3", "'99'", "no column name")


def _workbook(path: Path, rows: list[list[object]]) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def test_skip_rows_past_the_end_of_a_workbook(loaded: Path, cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = _workbook(
        tmp_path / "small.xlsx", [HEADER.split(","), ["E06999001", "A", 2021, "Male", 0, 10]]
    )
    _refused(
        cli,
        loaded,
        ["ingest", "population", path, "--skip-rows", "40"],
        3,
        "small.xlsx",
        "--skip-rows 40",
        "has 2 row(s)",
    )


def test_formulas_without_saved_values(loaded: Path, cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A workbook written by a program that does not calculate (openpyxl, pandas) holds formulas
    with no value: it used to load as empty cells."""
    path = _workbook(
        tmp_path / "formulas.xlsx",
        [HEADER.split(","), *[["E06999001", "A", 2021, "Male", a, f"={a}*10+5"] for a in range(3)]],
    )
    _refused(
        cli, loaded, ["ingest", "population", path], 3, "formulas.xlsx", "cell F2", "no saved value"
    )


def test_gzip_renamed_xlsx_says_what_it_is(loaded: Path, cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import gzip

    path = tmp_path / "population.xlsx"
    path.write_bytes(gzip.compress(("\n".join([HEADER, *GOOD]) + "\n").encode()))
    _refused(cli, loaded, ["ingest", "population", path], 3, "not a zip archive", "gzip")


def test_boundaries_given_a_csv(loaded: Path, cli) -> None:  # type: ignore[no-untyped-def]
    _refused(
        cli,
        loaded,
        ["ingest", "boundaries", SAMPLES / "population_mye_lad_2020_2024.csv"],
        3,
        "not a boundary file",
        "GeoJSON",
    )


def test_dollar_signs_in_an_area_name_draw_as_text() -> None:
    """matplotlib reads text between two '$' as mathematics: an area named with two '$' (or a
    lone backslash command between them) crashed every chart of every report."""
    import pandas as pd

    from jsna.report import charts

    name = r"St $Mary$ & $\frac{1 Ward $$"
    frame = pd.DataFrame(
        {
            "area": [name, "Other $ward"],
            "value": [10.0, 12.0],
            "low": [8.0, 10.0],
            "high": [12.0, 14.0],
        }
    )
    figure = charts.category_bars(
        frame,
        category="area",
        value="value",
        lower="low",
        upper="high",
        title=f"Admissions in {name}",
        unit="per 100,000 ($)",
        figure_id="dollars",
    )
    assert "St $Mary$ &amp; $\\frac{1 Ward $$" in figure.svg
