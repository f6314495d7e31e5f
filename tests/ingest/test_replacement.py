"""Replacement is by the full key of the rows a file holds, for every table, and always reported.

The cases the issue found losing data without a word: females then males of a projection,
deaths of one cause after all-cause deaths, and a second activity extract of the same year.
Each replacement that does happen is printed with the older file and when it was loaded, and
carried by ``--json``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jsna.ingest import ingest_file
from jsna.options import ReadOptions
from jsna.vocabulary.tables import BOOKKEEPING_TABLES, REPLACE_KEYS, TABLES
from jsna.workspace import Workspace


@pytest.mark.parametrize("table", [t for t in TABLES if t not in BOOKKEEPING_TABLES])
def test_every_data_table_of_the_schema_has_a_full_key(table: str) -> None:
    """A table added to ``TABLES`` without its key in ``REPLACE_KEYS`` fails here."""
    assert table in REPLACE_KEYS, f"{table} has no full key in REPLACE_KEYS"
    keys = REPLACE_KEYS[table]
    assert keys and set(keys) <= set(TABLES[table]) - {"source_id"}
    # every text column that is neither a name nor a free note tells one row from another
    values = {"area_name", "lsoa_name", "lad_name", "child_name", "parent_name", "region_name"}
    values |= {"icb_name", "sub_icb_name", "indicator_name", "value_note", "trend", "unit"}
    values |= {"compared_to_benchmark", "polarity", "area_type", "parent_code", "reference"}
    values |= {"practice_postcode", "sub_icb_code", "sub_icb_ons_code", "outcome_polarity"}
    values |= {"child_type", "parent_name", "lad_code", "geometry_file", "person_id", "wkb"}
    text = {c for c, t in TABLES[table].items() if t == "VARCHAR"} - values
    if "person_id" in keys:
        # person-level records: the person id names the row; their group, sex and area describe it
        text -= {"client_group", "sex", "area_code"}
    assert text <= set(keys), f"{table}: {sorted(text - set(keys))} not in its key"


def _write(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def _sum(ws: Workspace, table: str, where: str = "true") -> float:
    return float(ws.con.execute(f'SELECT sum(count) FROM "{table}" WHERE {where}').fetchall()[0][0])


def test_females_then_males_of_a_projection_keep_both(tmp_path: Path) -> None:
    head = "area_code,sex,age_group,2030,2031"
    females = _write(
        tmp_path / "f.csv", head, [f"E08000009,2,{a},{100 + a},{101 + a}" for a in range(91)]
    )
    males = _write(
        tmp_path / "m.csv", head, [f"E08000009,1,{a},{200 + a},{201 + a}" for a in range(91)]
    )
    with Workspace.open(tmp_path / "jsna.duckdb") as ws:
        a = ingest_file(ws, "population", females, ReadOptions(variant="principal"))
        b = ingest_file(ws, "population", males, ReadOptions(variant="principal"))
        by_sex = dict(ws.con.execute("SELECT sex, count(*) FROM population GROUP BY 1").fetchall())
        total = _sum(ws, "population", "period = '2030'")
    assert a.replaced == [] and b.replaced == []
    assert by_sex == {"Female": 2 * 91, "Male": 2 * 91}  # two years of 91 ages each
    assert total == sum(100 + a for a in range(91)) + sum(200 + a for a in range(91))


def test_deaths_of_one_cause_do_not_replace_all_cause_deaths(tmp_path: Path) -> None:
    head = "area_code,period,sex,age,deaths"
    rows = [
        f"E08000009,2022,{s},{g},{n}" for s, g, n in (("Male", "50-54", 9), ("Female", "50-54", 7))
    ]
    everything = _write(tmp_path / "all.csv", head, rows)
    drugs = _write(tmp_path / "drugs.csv", head, [r[:-1] + "2" for r in rows])
    with Workspace.open(tmp_path / "jsna.duckdb") as ws:
        ingest_file(ws, "deaths", everything, ReadOptions(cause="All causes"))
        second = ingest_file(ws, "deaths", drugs, ReadOptions(cause="Drug poisoning"))
        causes = dict(ws.con.execute("SELECT cause, sum(count) FROM events GROUP BY 1").fetchall())
    assert second.replaced == []
    assert causes == {"All causes": 16.0, "Drug poisoning": 4.0}


ACTIVITY = "lsoa_code,age,sex,admission_date,point_of_delivery"


def _extract(path: Path, dates: list[str], *, pod: str = "Elective") -> Path:
    rows = [f"E01006000,{40 + i % 3},{1 + i % 2},{d},{pod}" for i, d in enumerate(dates)]
    return _write(path, ACTIVITY, rows)


def test_activity_extracts_of_other_dates_add_and_a_reissue_replaces_its_groups(
    tmp_path: Path,
) -> None:
    q1 = _extract(tmp_path / "q1.csv", [f"2023-0{4 + i % 3}-1{i % 9}" for i in range(30)])
    q2 = _extract(tmp_path / "q2.csv", [f"2023-0{7 + i % 3}-1{i % 9}" for i in range(12)])
    q1_again = _extract(tmp_path / "q1b.csv", [f"2023-05-0{1 + i % 9}" for i in range(6)])
    with Workspace.open(tmp_path / "jsna.duckdb") as ws:
        ingest_file(ws, "activity", q1)
        second = ingest_file(ws, "activity", q2)
        assert second.replaced == []
        assert _sum(ws, "events") == 42  # both quarters of 2023/24 count
        third = ingest_file(ws, "activity", q1_again)
        left = dict(
            ws.con.execute("SELECT source_id, sum(count) FROM events GROUP BY 1").fetchall()
        )
    # the re-issue of May falls inside q1's dates (10 April to 18 June), not q2's: it replaces
    # the groups of q1 it holds (the 40-44 band, both sexes), never q2's
    assert [(r.file_name, r.table, r.rows) for r in third.replaced] == [("q1.csv", "events", 2)]
    assert left == {2: 12.0, 3: 6.0}


def test_ingest_prints_each_replacement_with_its_file_and_date_also_as_json(
    tmp_path: Path, project: Path, cli
) -> None:  # type: ignore[no-untyped-def]
    head = "area_code,period,sex,age,population"
    old = _write(
        tmp_path / "old.csv", head, ["E08000009,2021,Male,0,10", "E08000009,2021,Female,0,9"]
    )
    new = _write(tmp_path / "new.csv", head, ["E08000009,2021,Male,0,12"])
    assert cli("ingest", "population", str(old), "--project", str(project))[0] == 0
    code, out, err = cli("ingest", "population", str(new), "--project", str(project), "--json")
    assert code == 0, err
    (replaced,) = json.loads(out)["files"][0]["replaced"]
    assert replaced["file"] == "old.csv" and replaced["rows"] == 1
    assert replaced["table"] == "population" and replaced["loaded_at"][:2] == "20"
    newer = _write(tmp_path / "newer.csv", head, ["E08000009,2021,Female,0,8"])
    code, out, _ = cli("ingest", "population", str(newer), "--project", str(project))
    words = " ".join(out.split())
    loaded = replaced["loaded_at"].replace("T", " ")[:16]
    assert code == 0
    assert f"replaced 1 population row from old.csv (input 1, loaded {loaded} UTC)" in words
