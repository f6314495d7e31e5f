"""A newer file replaces older rows only where it holds the same full key; every replacement is recorded.

For every canonical table, a second file that differs from the first in any one key column adds
to it (files split by sex, age, year, cause, area … add up), and a file with the same full key
replaces it, recorded in ``replacements`` and shown by ``jsna ingest`` and ``jsna inputs``.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from jsna.ingest import ingest_file
from jsna.vocabulary.tables import BOOKKEEPING_TABLES, REPLACE_KEYS, TABLES
from jsna.workspace import Workspace
from tests.conftest import real_file

#: two distinct values per DuckDB type
VALUES = {
    "VARCHAR": ("a", "b"),
    "INTEGER": (1, 2),
    "BIGINT": (1, 2),
    "DOUBLE": (1.5, 2.5),
    "BOOLEAN": (True, False),
    "DATE": (dt.date(2024, 4, 1), dt.date(2024, 5, 1)),
    "BLOB": (b"a", b"b"),
}


AGE = ("age_band", "age_from", "age_to")
#: the dates of an extract's records: a range, matched by overlap as ages are
DATES = ("dates_from", "dates_to")


def _row(table: str, *, change: str | None = None, value: float = 10.0) -> dict[str, object]:
    """One row of ``table``: the first value of every column, the second for column ``change``;
    every non-key number column holds ``value``. Ages change as a whole range (band, from, to):
    rows whose age ranges overlap are the same people."""
    row: dict[str, object] = {}
    for col, sql_type in TABLES[table].items():
        if col == "source_id":
            continue
        first, second = VALUES[sql_type]
        together = next((r for r in (AGE, DATES) if change in r), ())
        row[col] = second if col == change or col in together else first
        if col not in REPLACE_KEYS[table] and sql_type == "DOUBLE":
            row[col] = value
    return row


def _distinct_keys(table: str) -> list[str]:
    """The key columns that can differ on their own (an age range counts once)."""
    keys = REPLACE_KEYS[table]
    return [
        k
        for k in keys
        if (k not in ("age_band", "age_to") or "age_from" not in keys) and k != "dates_to"
    ]


def _load(ws: Workspace, table: str, name: str, rows: list[dict[str, object]]):  # type: ignore[no-untyped-def]
    import pandas as pd

    prov = {
        "kind": table,
        "file_name": name,
        "file_path": f"/data/{name}",
        "sha256": name,
        "records": len(rows),
    }
    return ws.load(provenance=prov, frames={table: pd.DataFrame(rows)})


def test_every_data_table_has_a_full_key() -> None:
    data_tables = [t for t in TABLES if t not in BOOKKEEPING_TABLES]
    assert sorted(REPLACE_KEYS) == sorted(data_tables)
    for table, keys in REPLACE_KEYS.items():
        assert set(keys) <= set(TABLES[table]) - {"source_id"}, table


@pytest.mark.parametrize("table", sorted(REPLACE_KEYS))
def test_files_differing_in_any_one_key_column_add_up(tmp_path: Path, table: str) -> None:
    keys = _distinct_keys(table)
    with Workspace.open(tmp_path / "jsna.duckdb") as ws:
        _load(ws, table, "first.csv", [_row(table)])
        # each differs from the first (and from each other) in its own column
        for i, column in enumerate(keys):
            result = _load(ws, table, f"split{i}.csv", [_row(table, change=column)])
            assert result.replacements == [] and result.replaced_rows == 0, column
        assert ws.count(table) == 1 + len(keys)
        assert {s for (s,) in ws.con.execute("SELECT status FROM provenance").fetchall()} == {
            "loaded"
        }
        assert ws.count("replacements") == 0


@pytest.mark.parametrize("table", sorted(REPLACE_KEYS))
def test_a_reissue_of_the_same_key_replaces_and_is_recorded(tmp_path: Path, table: str) -> None:
    with Workspace.open(tmp_path / "jsna.duckdb") as ws:
        keys = REPLACE_KEYS[table]
        _load(
            ws, table, "old.csv", [_row(table, value=1.0), _row(table, change=keys[0], value=1.0)]
        )
        result = _load(ws, table, "new.csv", [_row(table, value=2.0)])
        assert [(r.table, r.source_id, r.file_name, r.rows) for r in result.replacements] == [
            (table, 1, "old.csv", 1)
        ]
        left = ws.con.execute(
            f'SELECT source_id, count(*) FROM "{table}" GROUP BY 1 ORDER BY 1'
        ).fetchall()
        assert left == [(1, 1), (2, 1)]  # the old file keeps its other row, and its status
        assert ws.con.execute("SELECT status FROM provenance ORDER BY source_id").fetchall() == [
            ("loaded",),
            ("loaded",),
        ]
        assert ws.con.execute("SELECT * FROM replacements").fetchall() == [(2, 1, table, 1)]
        _load(ws, table, "newest.csv", [_row(table, change=keys[0], value=3.0)])
        assert ws.con.execute("SELECT status FROM provenance ORDER BY source_id").fetchall() == [
            ("superseded",),
            ("loaded",),
            ("loaded",),
        ]


POP = "area_code,period,sex,age,population\n"


def _pop(path: Path, rows: list[tuple[str, str, str, int, int]]) -> Path:
    path.write_text(
        POP + "".join(f"{a},{p},{s},{g},{n}\n" for a, p, s, g, n in rows), encoding="utf-8"
    )
    return path


def test_ingest_and_inputs_report_replacements_in_words_and_json(
    tmp_path: Path, project: Path, cli
) -> None:  # type: ignore[no-untyped-def]
    old = _pop(
        tmp_path / "old.csv",
        [("E06000001", "2021", "Male", 0, 10), ("E06000001", "2021", "Female", 0, 9)],
    )
    new = _pop(tmp_path / "new.csv", [("E06000001", "2021", "Male", 0, 12)])
    assert cli("ingest", "population", str(old), "--project", str(project))[0] == 0
    code, out, _ = cli("ingest", "population", str(new), "--project", str(project))
    assert code == 0 and "replaced 1 population row from old.csv (input 1, loaded 20" in out
    code, out, _ = cli("inputs", "--project", str(project), "--json")
    rows = {r["file_name"]: r for r in json.loads(out)["inputs"]}
    assert rows["old.csv"]["status"] == "loaded" and rows["old.csv"]["state"] == "partly replaced"
    assert [(x["file"], x["rows"], x["table"]) for x in rows["old.csv"]["replaced_by"]] == [
        ("new.csv", 1, "population")
    ]
    assert [(x["file"], x["rows"]) for x in rows["new.csv"]["replaced"]] == [("old.csv", 1)]
    assert rows["new.csv"]["replaced_by"] == []
    code, out, _ = cli("inputs", "--project", str(project))
    assert "input 2 (new.csv) replaced 1 population rows from input 1 (old.csv)" in " ".join(
        out.split()
    )


def test_real_snpp_females_and_males_add_up(project: Path, cli) -> None:  # type: ignore[no-untyped-def]
    import pandas as pd

    females = real_file("ons_snpp2022_trafford/2022_SNPP_population_females_trafford.csv")
    males = real_file("ons_snpp2022_trafford/2022_SNPP_population_males_trafford.csv")
    code, out, err = cli("ingest", str(females), str(males), "--project", str(project), "--json")
    assert code == 0, err
    files = json.loads(out)["files"]
    assert [f["replaced"] for f in files] == [[], []]
    # independently of jsna: the single-year rows of both files, summed with pandas
    expected = {}
    for year in ("2022", "2034", "2047"):
        expected[year] = sum(
            float(pd.read_csv(p).query("AGE_GROUP != 'All ages'")[year].sum())
            for p in (females, males)
        )
    with Workspace.open(project / "jsna.duckdb", read_only=True) as ws:
        for year, total in expected.items():
            got = ws.con.execute(
                "SELECT sum(count) FROM population WHERE area_code = 'E08000009' AND period = ?",
                [year],
            ).fetchall()[0][0]
            assert got == pytest.approx(total, abs=1e-6)
        by_sex = dict(ws.con.execute("SELECT sex, count(*) FROM population GROUP BY 1").fetchall())
    assert 245_000 < expected["2034"] < 255_000  # about 249 thousand, as ONS publishes
    assert by_sex == {"Female": 26 * 91, "Male": 26 * 91}
    _code, out, _ = cli("inputs", "--project", str(project), "--json")
    assert [(r["status"], r["replaced"], r["replaced_by"]) for r in json.loads(out)["inputs"]] == [
        ("loaded", [], []),
        ("loaded", [], []),
    ]


def test_split_files_add_up_through_ingest(tmp_path: Path) -> None:
    """Files split by sex, by year and by area load side by side; totals are preserved."""
    parts = [
        _pop(tmp_path / "m.csv", [("E06000001", "2021", "Male", a, 10 + a) for a in range(3)]),
        _pop(tmp_path / "f.csv", [("E06000001", "2021", "Female", a, 20 + a) for a in range(3)]),
        _pop(tmp_path / "y.csv", [("E06000001", "2022", "Female", a, 30 + a) for a in range(3)]),
        _pop(tmp_path / "a.csv", [("E06000002", "2021", "Female", a, 40 + a) for a in range(3)]),
    ]
    with Workspace.open(tmp_path / "jsna.duckdb") as ws:
        outcomes = [ingest_file(ws, "population", p) for p in parts]
        total = ws.con.execute("SELECT sum(count) FROM population").fetchall()[0][0]
    assert [o.replaced for o in outcomes] == [[], [], [], []]
    assert total == sum(b + a for b in (10, 20, 30, 40) for a in range(3))


def test_real_census_counts_and_age_standardised_percentages_both_stay(project: Path, cli) -> None:  # type: ignore[no-untyped-def]
    """Two Census files whose indicator names differ only after 80 characters are two indicators."""
    import pandas as pd

    crude = real_file("trafford_census2021/2021_general_health_la_gm.csv")
    standardised = real_file("trafford_census2021/2021_general_health_age_standardised_la_gm.csv")
    code, out, err = cli(
        "ingest", str(standardised), str(crude), "--project", str(project), "--json"
    )
    assert code == 0, err
    assert [f["replaced"] for f in json.loads(out)["files"]] == [[], []]
    expected = sum(float(pd.read_csv(p)["value"].sum()) for p in (crude, standardised))
    with Workspace.open(project / "jsna.duckdb", read_only=True) as ws:
        total, ids = ws.con.execute(
            "SELECT sum(value), count(DISTINCT indicator_id) FROM indicator_values"
        ).fetchall()[0]
    assert total == pytest.approx(expected) and ids == 2


@pytest.mark.parametrize(
    "table", sorted(t for t, keys in REPLACE_KEYS.items() if "age_from" in keys)
)
def test_overlapping_age_ranges_are_the_same_people(tmp_path: Path, table: str) -> None:
    """A table in broad bands replaces single years of the same key (census after a mid-year
    estimate); bands that do not overlap add up."""

    def aged(band: str, lo: int, hi: int | None) -> dict[str, object]:
        return {**_row(table), "age_band": band, "age_from": lo, "age_to": hi}

    with Workspace.open(tmp_path / "jsna.duckdb") as ws:
        _load(
            ws,
            table,
            "single.csv",
            [aged(str(a), a, a) for a in range(0, 10)] + [aged("90+", 90, None)],
        )
        result = _load(ws, table, "young.csv", [aged("0-4", 0, 4)])
        assert result.replaced_rows == 5
        result = _load(ws, table, "old.csv", [aged("85+", 85, None)])
        assert result.replaced_rows == 1  # 90+ lies inside 85+
        result = _load(ws, table, "middle.csv", [aged("10-14", 10, 14)])
        assert result.replaced_rows == 0
        bands = sorted(b for (b,) in ws.con.execute(f'SELECT age_band FROM "{table}"').fetchall())
        assert bands == sorted(["5", "6", "7", "8", "9", "0-4", "85+", "10-14"])
