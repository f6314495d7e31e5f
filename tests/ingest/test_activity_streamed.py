"""Record-level extracts written by DuckDB straight into the workspace, inside the load transaction."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from jsna.errors import InvalidDataError
from jsna.ingest import ingest_file
from jsna.ingest.pipeline import parse_file
from jsna.workspace import Workspace

HEADER = "age,sex,lsoa_code,admission_date,point_of_delivery,cost\n"


def _extract(path: Path, *rows: str) -> Path:
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def _state(ws: Workspace) -> tuple[object, ...]:
    """Everything an ingest may change."""
    con = ws.con
    return (
        con.execute(
            "SELECT count(*), sum(count), min(source_id), max(source_id) FROM events"
        ).fetchall(),
        con.execute(
            "SELECT source_id, file_name, sha256, status FROM provenance ORDER BY 1"
        ).fetchall(),
        con.execute("SELECT count(*) FROM quarantine").fetchall(),
    )


def test_spellings_of_sex_area_and_text_are_normalised(tmp_path: Path) -> None:
    path = _extract(
        tmp_path / "x.csv",
        "40,1,E01006001,2023-05-01,Outpatient,10",
        '41, m ,e01006001 ,2023-05-02, Outpatient ,"£1,000"',
        "42,MALE,E01 006001,02/05/2023,Outpatient,",
        "43,Female,E01006001,2023-05-02,Outpatient,5",
        "44,f,E01006001,2023-05-02,Outpatient,5",
    )
    frame = parse_file("activity", path).frames["events"].to_pandas()
    assert set(frame["area_code"]) == {"E01006001"} and set(frame["measure"]) == {"Outpatient"}
    males = frame[frame["sex"] == "Male"].iloc[0]
    assert (males["count"], males["cost"], males["age_band"], males["age_to"]) == (
        3,
        1010,
        "40-44",
        44,
    )
    assert frame.loc[frame["sex"] == "Female", "count"].tolist() == [2]


def test_dates_outside_the_plausible_years_and_part_years_of_age_are_errors(tmp_path: Path) -> None:
    path = _extract(
        tmp_path / "x.csv",
        "40,1,E01006001,0023-05-01,Outpatient,10",
        "40.0,1,E01006001,2023-05-01,Outpatient,10",
        "4.5,1,E01006001,2023-05-01,Outpatient,10",
        "nan,1,E01006001,2023-05-01,Outpatient,10",
    )
    parsed = parse_file("activity", path)
    assert [(i.row, i.column, i.value) for i in parsed.report.errors] == [
        (2, "admission_date", "0023-05-01"),
        (4, "age", "4.5"),
        (5, "age", "nan"),
    ]
    assert "1900-2199" in parsed.report.errors[0].message
    assert parsed.frames["events"].to_pandas()["age_band"].tolist() == ["40-44"]


def test_refused_extract_leaves_the_workspace_as_it_was(tmp_path: Path) -> None:
    good = _extract(tmp_path / "good.csv", "40,1,E01006001,2023-05-01,Outpatient,10")
    bad = _extract(
        tmp_path / "bad.csv",
        "40,1,E01006001,2024-05-01,Outpatient,10",
        "x,1,E01006001,2024-05-01,A,1",
    )
    with Workspace.open(tmp_path / "jsna.duckdb") as ws:
        ingest_file(ws, "activity", good)
        before = _state(ws)
        with pytest.raises(InvalidDataError, match="row"):
            ingest_file(ws, "activity", bad)
        assert _state(ws) == before
        outcome = ingest_file(ws, "activity", bad, skip_invalid_rows=True)
        assert (outcome.rows_read, outcome.rows_loaded, outcome.rows_quarantined) == (2, 1, 1)
        assert ws.con.execute("SELECT sum(count) FROM events").fetchall()[0][0] == 2


def test_same_extract_from_another_path_is_unchanged(tmp_path: Path) -> None:
    first = _extract(tmp_path / "a.csv", "40,1,E01006001,2023-05-01,Outpatient,10")
    copy = tmp_path / "copy" / "a.csv"
    copy.parent.mkdir()
    shutil.copy(first, copy)
    with Workspace.open(tmp_path / "jsna.duckdb") as ws:
        assert ingest_file(ws, "activity", first).status == "loaded"
        before = _state(ws)
        again = ingest_file(ws, "activity", copy)  # hashed while DuckDB reads it, then rolled back
        assert again.status == "unchanged" and again.sha256 == before[1][0][2]  # type: ignore[index]
        assert _state(ws) == before
        assert (
            ingest_file(ws, "activity", first).status == "unchanged"
        )  # hashed first: a path seen before


def test_a_reissue_for_the_same_dates_replaces_the_groups_it_holds(tmp_path: Path) -> None:
    old = _extract(
        tmp_path / "old.csv",
        "40,1,E01006001,2023-05-01,Outpatient,10",
        "40,1,E01006002,2023-05-31,Outpatient,10",
    )
    new = _extract(
        tmp_path / "new.csv",
        "40,1,E01006001,2023-05-02,Outpatient,10",
        "41,1,E01006001,2023-05-03,Outpatient,10",
    )
    with Workspace.open(tmp_path / "jsna.duckdb") as ws:
        ingest_file(ws, "activity", old)
        outcome = ingest_file(ws, "activity", new)
        assert outcome.replaced_records == 1
        rows = ws.con.execute(
            "SELECT area_code, sum(count), min(source_id) FROM events GROUP BY 1 ORDER BY 1"
        ).fetchall()
        assert rows == [("E01006001", 2.0, 2), ("E01006002", 1.0, 1)]
        # an extract of other dates of the same year (June) adds to both
        june = _extract(tmp_path / "june.csv", "40,1,E01006001,2023-06-01,Outpatient,10")
        assert ingest_file(ws, "activity", june).replaced == []
        total = ws.con.execute("SELECT sum(count) FROM events").fetchall()[0][0]
        assert total == 4.0


def test_problems_name_the_files_own_columns_and_values(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text(
        "Age,Gender,LSOA21CD,AdmiDate,POD,Tariff\n40,1,E01006001,2023-05-01,,-3\n", encoding="utf-8"
    )
    issues = {(i.column, i.value) for i in parse_file("activity", path).report.errors}
    assert issues == {("POD", None), ("Tariff", "-3")}
    with Workspace.open(tmp_path / "jsna.duckdb") as ws:
        with pytest.raises(InvalidDataError, match=r"x.csv: 2 problem\(s\) in 1 row\(s\)"):
            ingest_file(ws, "activity", path)
        header_only = tmp_path / "h.csv"
        header_only.write_text(HEADER, encoding="utf-8")
        with pytest.raises(
            InvalidDataError,
            match=r"^h\.csv: the file has a header but no data rows; nothing was loaded$",
        ):
            ingest_file(ws, "activity", header_only)
        assert _state(ws)[1] == []
