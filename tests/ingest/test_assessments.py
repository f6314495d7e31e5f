"""The ``assessments`` kind: every check, the domain scores, and the checks against the workspace
(unknown area codes, people with no budget)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from jsna.errors import InvalidDataError
from jsna.ingest import ingest_file
from jsna.ingest.base import ReadOptions
from jsna.ingest.pipeline import parse_file
from jsna.workspace import Workspace

HEADER = "person_id,assessment_date,area_code,client_group,age,sex,points"
GOOD = [
    "P1,2024-04-01,E01999001,Older people,81,F,40",
    "P2,02/05/2024,E01999002,Mental health,45,Male,25",
    "P3,2024-06-01,E01999001,Learning disability,30,2,60",
]


def _write(tmp_path: Path, lines: list[str], header: str = HEADER) -> Path:
    path = tmp_path / "assessments.csv"
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


def _issues(path: Path) -> dict[tuple[str, int | None], object]:
    parsed = parse_file("assessments", path, ReadOptions())
    return {(i.code, i.row): i for i in parsed.report.issues}


def test_good_file_parses_with_canonical_values(tmp_path: Path) -> None:
    parsed = parse_file("assessments", _write(tmp_path, GOOD), ReadOptions())
    assert parsed.report.errors == []
    frame = parsed.frames["assessments"]
    assert frame["sex"].tolist() == ["Female", "Male", "Female"]
    assert [str(d) for d in frame["assessment_date"]] == ["2024-04-01", "2024-05-02", "2024-06-01"]
    assert frame["points"].tolist() == [40, 25, 60]
    assert "assessment_domains" not in parsed.frames


@pytest.mark.parametrize(
    ("line", "code", "column", "words"),
    [
        ("P9,2024-04-01,E01999001,Older people,81,F,lots", "not-a-number", "points", "RAS points"),
        ("P9,2024-04-01,E01999001,Older people,81,F,-3", "below-minimum", "points", ">= 0"),
        ("P9,2024-04-01,E0199,Older people,81,F,3", "bad-area-code", "area_code", "GSS"),
        ("P9,2024-04-01,E01999001,,81,F,3", "missing-value", "client_group", "blank"),
        ("P9,2024-04-31,E01999001,Older people,81,F,3", "bad-date", "assessment_date", "date"),
        ("P9,2024-04-01,E01999001,Older people,81.5,F,3", "not-whole", "age", "whole"),
        ("P9,2024-04-01,E01999001,Older people,130,F,3", "out-of-range", "age", "0 to 120"),
        ("P9,2024-04-01,E01999001,Older people,81,Persons,3", "bad-sex", "sex", "male or female"),
        ("P9,2024-04-01,E01999001,Older people,81,X,3", "bad-sex", "sex", "sex"),
    ],
)
def test_each_bad_value_is_an_issue_with_row_column_and_value(
    tmp_path: Path, line: str, code: str, column: str, words: str
) -> None:
    issues = _issues(_write(tmp_path, [*GOOD, line]))
    issue = issues.get((code, 5))
    assert issue is not None, sorted(issues)
    assert issue.column == column and issue.file == "assessments.csv"  # type: ignore[attr-defined]
    assert words in issue.message  # type: ignore[attr-defined]


def test_the_same_person_assessed_twice_on_one_date_is_a_duplicate(tmp_path: Path) -> None:
    issues = _issues(_write(tmp_path, [*GOOD, "P1,01/04/2024,E01999001,Older people,81,F,44"]))
    issue = issues[("duplicate-key", 5)]
    assert "first seen on row 2" in issue.message  # type: ignore[attr-defined]


def test_domain_scores_are_stored_long_and_checked(tmp_path: Path) -> None:
    header = HEADER + ",points_personal_care,Points_Mobility,notes"
    lines = [
        "P1,2024-04-01,E01999001,Older people,81,F,40,30,10,x",
        "P2,2024-05-02,E01999002,Mental health,45,M,25,5,5,",
        "P3,2024-06-01,E01999001,Learning disability,30,F,60,-1,,",
    ]
    parsed = parse_file("assessments", _write(tmp_path, lines, header), ReadOptions())
    domains = parsed.frames["assessment_domains"]
    p1 = domains[domains["person_id"].eq("P1")].set_index("domain")["points"]
    assert p1.to_dict() == {"personal care": 30, "mobility": 10}
    by = {(i.code, i.row): i for i in parsed.report.issues}
    assert by[("domains-do-not-add-up", 3)].severity == "warning"
    assert ("domains-do-not-add-up", 2) not in by
    assert by[("below-minimum", 4)].column == "points_personal_care"
    unused = [i for i in parsed.report.issues if i.code == "unused-column"]
    assert len(unused) == 1 and "'notes'" in unused[0].message


def test_a_file_without_points_names_the_column(tmp_path: Path) -> None:
    path = _write(
        tmp_path, ["P1,2024-04-01,E01999001,Older people,81,F"], HEADER[: -len(",points")]
    )
    with pytest.raises(Exception, match="RAS points"):
        parse_file("assessments", path, ReadOptions())


def _workspace_with_geography(project: Path, tmp_path: Path) -> Path:
    lookup = tmp_path / "lookup.csv"
    lookup.write_text(
        "LSOA21CD,LSOA21NM,WD24CD,WD24NM,LAD24CD,LAD24NM\n"
        "E01999001,A 001A,E05999001,Ward A,E06999001,Town\n"
        "E01999002,A 001B,E05999001,Ward A,E06999001,Town\n",
        encoding="utf-8",
    )
    budgets = tmp_path / "budgets.csv"
    budgets.write_text(
        "person_id,start_date,phb_type,annual_budget_gbp\n"
        "P1,2024-05-01,Personal care,10000\nP2,2024-06-01,Personal care,6000\n",
        encoding="utf-8",
    )
    path = project / "jsna.duckdb"
    with Workspace.open(path) as ws:
        ingest_file(ws, "lookup", lookup)
        ingest_file(ws, "phb-budgets", budgets)
    return path


def test_unknown_area_codes_and_people_without_a_budget(project: Path, tmp_path: Path) -> None:
    path = _workspace_with_geography(project, tmp_path)
    bad = _write(tmp_path, [*GOOD, "P4,2024-04-01,E01999777,Older people,70,M,10"])
    with Workspace.open(path) as ws:
        with pytest.raises(InvalidDataError, match="E01999777 is not in the geography"):
            ingest_file(ws, "assessments", bad)
        assert not ws.has_data("assessments")
        outcome = ingest_file(ws, "assessments", _write(tmp_path, GOOD))
        warnings = [i for i in outcome.report.issues if i.code == "no-budget"]
        assert [(w.row, w.value) for w in warnings] == [(4, "P3")]
        loaded = ws.table("assessments")
    assert sorted(loaded["person_id"]) == ["P1", "P2", "P3"]
    assert loaded["points"].sum() == pd.read_csv(tmp_path / "assessments.csv")["points"].sum()
