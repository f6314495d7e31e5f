"""`jsna remove FILE|ID` and `jsna ingest --replace`: through the CLI, atomic, and saying what goes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jsna.ingest import ingest_file
from jsna.workspace import Workspace
from tests.conftest import real_file
from tests.ingest.conftest import snapshot

POP = "area_code,period,sex,age,population\n"
DEATHS = "code,name,2020,2019,2018\nE06000001,Hartlepool,12,9,4\nE06000002,Middlesbrough,30,25,20\n"


def _pop(path: Path, rows: list[tuple[str, str, str, int, object]]) -> Path:
    body = "".join(f"{a},{p},{s},{g},{n}\n" for a, p, s, g, n in rows)
    path.write_text(POP + body, encoding="utf-8")
    return path


@pytest.fixture()
def loaded(tmp_path: Path, project: Path, cli) -> dict[str, Path]:  # type: ignore[no-untyped-def]
    """old.csv (two rows), new.csv re-issuing one of them, other.csv about another area."""
    files = {
        "old": _pop(
            tmp_path / "old.csv",
            [("E06000001", "2021", "Male", 0, 10), ("E06000001", "2021", "Female", 0, 9)],
        ),
        "new": _pop(tmp_path / "new.csv", [("E06000001", "2021", "Male", 0, 12)]),
        "other": _pop(tmp_path / "other.csv", [("E06000002", "2021", "Male", 0, 7)]),
    }
    for path in files.values():
        code, _, err = cli("ingest", "population", str(path), "--project", str(project))
        assert code == 0, err
    return files


def _inputs(cli, project: Path) -> dict[str, dict]:  # type: ignore[no-untyped-def,type-arg]
    _code, out, _ = cli("inputs", "--project", str(project), "--json")
    return {r["file_name"]: r for r in json.loads(out)["inputs"]}


def _population(project: Path) -> list[tuple[object, ...]]:
    with Workspace.open(project / "jsna.duckdb", read_only=True) as ws:
        return ws.con.execute(
            "SELECT area_code, sex, count, source_id FROM population ORDER BY 1, 2"
        ).fetchall()


def test_remove_by_id_path_or_name_takes_every_row_out(loaded, project: Path, cli) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli("remove", "3", "--project", str(project))
    assert code == 0, err
    assert "removed input 3 (population, other.csv): 1 population row" in out
    assert [r[0] for r in _population(project)] == ["E06000001", "E06000001"]
    code, out, _ = cli("remove", str(loaded["old"]), "--project", str(project), "--json")
    assert code == 0
    result = json.loads(out)
    assert [(r["source_id"], r["rows"]) for r in result["removed"]] == [(1, {"population": 1})]
    assert result["lost"] == [] and result["results_stale"] is False
    code, _, _ = cli("remove", "new.csv", "--project", str(project))
    assert code == 0
    assert _population(project) == [] and _inputs(cli, project) == {}


def test_remove_says_which_replaced_rows_do_not_come_back(loaded, project: Path, cli) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli("remove", "new.csv", "--project", str(project))
    text = " ".join(out.split())
    assert code == 0
    assert "1 population rows of old.csv (input 1) that it had replaced do not come back" in text
    assert f"jsna ingest --replace population {loaded['old'].resolve()}" in text
    code, out, _ = cli("remove", "old.csv", "--project", str(project), "--json")
    assert json.loads(out)["lost"] == []  # it lost rows, it replaced none


def test_dry_run_changes_nothing(loaded, project: Path, cli) -> None:  # type: ignore[no-untyped-def]
    before = snapshot(project / "jsna.duckdb")
    code, out, _ = cli("remove", "new.csv", "--dry-run", "--project", str(project), "--json")
    assert code == 0
    result = json.loads(out)
    assert result["dry_run"] is True and result["removed"][0]["rows"] == {"population": 1}
    assert [x["file"] for x in result["lost"]] == ["old.csv"]
    assert result["reingest"] == [str(loaded["old"].resolve())]
    assert snapshot(project / "jsna.duckdb") == before


@pytest.mark.parametrize(
    ("target", "needle"),
    [
        ("99", "no input with id 99"),
        ("nothing.csv", "nothing.csv: no loaded input has this path, contents or file name"),
    ],
)
def test_unknown_targets_are_refused_with_exit_2(  # type: ignore[no-untyped-def]
    loaded, project: Path, cli, target: str, needle: str
) -> None:
    before = snapshot(project / "jsna.duckdb")
    code, _, err = cli("remove", target, "--project", str(project))
    assert code == 2 and needle in err
    assert snapshot(project / "jsna.duckdb") == before


def test_a_name_shared_by_two_inputs_asks_for_the_id(tmp_path: Path, project: Path, cli) -> None:  # type: ignore[no-untyped-def]
    for folder, code_ in (("a", "E06000001"), ("b", "E06000002")):
        (tmp_path / folder).mkdir()
        path = _pop(tmp_path / folder / "pop.csv", [(code_, "2021", "Male", 0, 5)])
        assert cli("ingest", "population", str(path), "--project", str(project))[0] == 0
    code, _, err = cli("remove", "pop.csv", "--project", str(project))
    assert code == 2 and "pop.csv names 2 inputs" in err and "give the input id" in err


def test_remove_says_results_are_stale(loaded, project: Path, cli) -> None:  # type: ignore[no-untyped-def]
    import pandas as pd

    with Workspace.open(project / "jsna.duckdb") as ws:
        ws.replace_results(
            pd.DataFrame([{"indicator_id": "x", "area_code": "E06000001", "value": 1.0}])
        )
    code, out, _ = cli("remove", "other.csv", "--project", str(project))
    assert code == 0 and "run jsna compute again" in out


def test_reingest_says_how_to_replace_and_replace_reloads_with_new_options(
    tmp_path: Path, project: Path, cli
) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "drug_deaths.csv"
    path.write_text(DEATHS, encoding="utf-8")
    assert cli("ingest", "deaths", str(path), "--project", str(project))[0] == 0
    code, out, _ = cli(
        "ingest", "deaths", str(path), "--cause", "Drug poisoning", "--project", str(project)
    )
    assert code == 0
    assert "already loaded as input 1" in out and "--replace" in " ".join(out.split())
    code, out, err = cli(
        "ingest", "deaths", str(path), "--cause", "Drug poisoning", "--replace",
        "--project", str(project), "--json",
    )  # fmt: skip
    assert code == 0, err
    outcome = json.loads(out)["files"][0]
    assert outcome["status"] == "loaded" and outcome["source_id"] == 2
    assert [(d["source_id"], d["rows"]) for d in outcome["dropped"]] == [(1, {"events": 6})]
    with Workspace.open(project / "jsna.duckdb", read_only=True) as ws:
        causes = ws.con.execute("SELECT DISTINCT cause, source_id FROM events").fetchall()
        total = ws.con.execute("SELECT sum(count) FROM events").fetchall()[0][0]
        prov = ws.con.execute("SELECT source_id, status, options FROM provenance").fetchall()
    assert causes == [("Drug poisoning", 2)] and total == 12 + 9 + 4 + 30 + 25 + 20
    assert prov == [(2, "loaded", "--cause 'Drug poisoning'")]


def test_replace_keeps_what_the_earlier_load_had_replaced(loaded, project: Path, cli) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli(
        "ingest", "population", str(loaded["new"]), "--replace", "--project", str(project)
    )
    assert code == 0 and "took out its earlier load (input 2): 1 population row" in out
    rows = _inputs(cli, project)
    assert set(rows) == {"old.csv", "new.csv", "other.csv"}
    assert [(x["file"], x["rows"]) for x in rows["new.csv"]["replaced"]] == [("old.csv", 1)]
    assert [x["file"] for x in rows["old.csv"]["replaced_by"]] == ["new.csv"]


def test_replace_of_a_file_never_loaded_just_loads_it(tmp_path: Path, project: Path, cli) -> None:  # type: ignore[no-untyped-def]
    path = _pop(tmp_path / "p.csv", [("E06000001", "2021", "Male", 0, 5)])
    code, out, _ = cli(
        "ingest", "population", str(path), "--replace", "--project", str(project), "--json"
    )
    assert code == 0 and json.loads(out)["files"][0]["dropped"] == []


def test_reloading_a_wholly_replaced_file_leaves_one_entry(tmp_path: Path) -> None:
    old = _pop(tmp_path / "old.csv", [("E06000001", "2021", "Male", 0, 10)])
    new = _pop(tmp_path / "new.csv", [("E06000001", "2021", "Male", 0, 12)])
    with Workspace.open(tmp_path / "jsna.duckdb") as ws:
        ingest_file(ws, "population", old)
        ingest_file(ws, "population", new)
        again = ingest_file(ws, "population", old)  # the old file is the newest load now
        prov = ws.con.execute(
            "SELECT file_name, status FROM provenance ORDER BY source_id"
        ).fetchall()
        counts = ws.con.execute("SELECT count FROM population").fetchall()
    assert [d.source_id for d in again.dropped] == [1]
    assert prov == [("new.csv", "superseded"), ("old.csv", "loaded")] and counts == [(10.0,)]


def test_remove_takes_the_boundaries_with_it(project: Path, cli) -> None:  # type: ignore[no-untyped-def]
    path = real_file("boundaries_trafford_gm/trafford_ward_2023_generalised.geojson")
    assert cli("ingest", str(path), "--project", str(project))[0] == 0
    with Workspace.open(project / "jsna.duckdb", read_only=True) as ws:
        stored = ws.count("geometry")
    assert stored == 21 and not (project / "geometry").exists()
    code, out, _ = cli("remove", path.name, "--project", str(project))
    assert code == 0 and f"{stored} geometry rows" in out
    with Workspace.open(project / "jsna.duckdb", read_only=True) as ws:
        assert ws.count("geometry") == 0 and ws.count("areas") == 0


# -- atomicity -------------------------------------------------------------------------------------
def test_failed_remove_leaves_workspace_unchanged(loaded, project: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    ws_path = project / "jsna.duckdb"
    before = snapshot(ws_path)
    original = Workspace._delete_source

    def boom(self, source_id):  # type: ignore[no-untyped-def]
        original(self, source_id)
        raise RuntimeError("power cut")

    monkeypatch.setattr(Workspace, "_delete_source", boom)
    with Workspace.open(ws_path) as ws, pytest.raises(RuntimeError, match="power cut"):
        ws.remove([2, 3])
    assert snapshot(ws_path) == before


def test_failed_replace_leaves_workspace_unchanged(
    loaded, project: Path, power_cut_before_commit
) -> None:  # type: ignore[no-untyped-def]
    ws_path = project / "jsna.duckdb"
    before = snapshot(ws_path)
    power_cut_before_commit()
    with Workspace.open(ws_path) as ws, pytest.raises(RuntimeError, match="power cut"):
        ingest_file(ws, "population", loaded["new"], replace=True)
    assert snapshot(ws_path) == before
