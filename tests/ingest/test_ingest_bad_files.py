"""A corpus of bad files: each gets its precise error and leaves the workspace as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from jsna.vocabulary.tables import TABLES
from tests.ingest.conftest import snapshot

GOOD_POP = (
    "area_code,period,sex,age,population\nE06000001,2021,Male,0,446\nE06000001,2021,Female,0,420\n"
)


def _write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


CASES = {
    # name: (kind, file name, content, exit code, words the error must contain)
    "negative count": (
        "population",
        "neg.csv",
        GOOD_POP.replace("420", "-3"),
        1,
        ["row 3", "population", ">= 0", "'-3'"],
    ),
    "non-numeric count": (
        "deaths",
        "deaths_nn.csv",
        "area_code,period,sex,age_band,deaths\nE06000001,2021,Male,0-4,n/a\n",
        1,
        ["row 2", "deaths", "missing-value marker 'n/a'"],
    ),
    "duplicate keys": (
        "population",
        "dup.csv",
        GOOD_POP + "E06000001,2021,Male,0,447\n",
        1,
        ["row 4", "repeats an earlier row", "first seen on row 2"],
    ),
    "unknown code shape": (
        "population",
        "codes.csv",
        GOOD_POP.replace("E06000001,2021,Female", "X123,2021,Female"),
        1,
        ["row 3", "GSS code", "'X123'"],
    ),
    "truncated": (
        "fingertips",
        "ft.csv",
        'Indicator ID,Area Code,Time period,Value\n90366,E06000001,2021,"78.1\n',
        3,
        ["ends inside a quoted field", "truncated"],
    ),
    "empty": ("population", "empty.csv", "", 3, ["empty (0 bytes)"]),
    "header only": (
        "population",
        "header.csv",
        "area_code,period,sex,age,population\n",
        1,
        ["no data rows"],
    ),
    "bad IMD decile": (
        "deprivation",
        "imd.csv",
        "LSOA code (2011),Index of Multiple Deprivation (IMD) Rank,"
        'Index of Multiple Deprivation (IMD) Decile\nE01000001,"29,199",11\n',
        1,
        ["row 2", "decile", "1 (most deprived) to 10", "'11'"],
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_file_is_refused_precisely_and_nothing_changes(
    case: str,
    tmp_path: Path,
    project: Path,
    cli,  # type: ignore[no-untyped-def]
    workspace_file: Path,
) -> None:
    kind, name, text, exit_code, words = CASES[case]
    code, _, err = cli(
        "ingest",
        "population",
        str(_write(tmp_path, "good.csv", GOOD_POP)),
        "--project",
        str(project),
    )
    assert code == 0
    before = snapshot(workspace_file)
    code, _, err = cli("ingest", kind, str(_write(tmp_path, name, text)), "--project", str(project))
    assert code == exit_code, err
    for word in words:
        assert word in err, (word, err)
    assert snapshot(workspace_file) == before


def test_wrong_encoding_forced_is_refused(
    tmp_path: Path, project: Path, cli, workspace_file: Path
) -> None:  # type: ignore[no-untyped-def]
    path = _write(
        tmp_path,
        "latin.csv",
        GOOD_POP.replace("E06000001,2021,Male", "E06000001,2021,Male")
        .replace("population\n", "population,area_name\n")
        .replace("446\n", "446,Séfton\n")
        .replace("420\n", "420,Séfton\n"),
        encoding="cp1252",
    )
    code, _, err = cli(
        "ingest", "population", str(path), "--encoding", "utf-8", "--project", str(project)
    )
    assert code == 3 and "cannot decode as utf-8" in err
    assert snapshot(workspace_file) in ({}, {**{t: 0 for t in TABLES}, "provenance_rows": []})
    # detected, the same file reads as cp1252 and keeps the accent
    code, _, err = cli("ingest", "population", str(path), "--project", str(project))
    assert code == 0, err


def test_wrong_sheet_names_the_sheets(tmp_path: Path, project: Path, cli) -> None:  # type: ignore[no-untyped-def]
    import pandas as pd

    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"a": ["Title"]}).to_excel(writer, sheet_name="Cover", index=False)
        pd.read_csv(_write(tmp_path, "p.csv", GOOD_POP)).to_excel(
            writer, sheet_name="Data", index=False
        )
    code, _, err = cli(
        "ingest", "population", str(path), "--sheet", "Population", "--project", str(project)
    )
    assert code == 3 and "no sheet named 'Population'" in err and "['Cover', 'Data']" in err
    code, _out, err = cli(
        "ingest", "population", str(path), "--sheet", "Data", "--project", str(project), "--json"
    )
    assert code == 0, err


def test_deaths_above_population_is_an_error(
    tmp_path: Path, project: Path, cli, workspace_file: Path
) -> None:  # type: ignore[no-untyped-def]
    assert (
        cli(
            "ingest",
            "population",
            str(_write(tmp_path, "pop.csv", GOOD_POP)),
            "--project",
            str(project),
        )[0]
        == 0
    )
    before = snapshot(workspace_file)
    deaths = _write(
        tmp_path,
        "d.csv",
        "area_code,period,sex,age_band,deaths\nE06000001,2021,Male,0,500\n"
        "E06000001,2021,Female,0,2\n",
    )
    code, _, err = cli("ingest", "deaths", str(deaths), "--project", str(project))
    assert code == 1
    assert "row 2" in err and "deaths (500) exceed the population (446)" in err
    assert snapshot(workspace_file) == before


def test_undetectable_file_lists_columns_and_kinds(tmp_path: Path, project: Path, cli) -> None:  # type: ignore[no-untyped-def]
    path = _write(tmp_path, "mystery.csv", "foo,bar\n1,2\n")
    code, _, err = cli("ingest", str(path), "--project", str(project))
    assert code == 2
    assert "Columns found: 'foo', 'bar'" in err
    for kind in ("population:", "fingertips:", "activity:", "phb:", "survey:", "registrations:"):
        assert kind in err


def test_column_mapping_loads_an_unknown_layout(tmp_path: Path, project: Path, cli) -> None:  # type: ignore[no-untyped-def]
    path = _write(
        tmp_path, "local.csv", "ward,yr,gender,ageband,residents\nE05000819,2024,M,0,10\n"
    )
    args = [
        "--map",
        "ward=area_code",
        "--map",
        "yr=period",
        "--map",
        "gender=sex",
        "--map",
        "ageband=age",
        "--map",
        "residents=population",
    ]
    code, _out, err = cli(
        "ingest", "population", str(path), *args, "--project", str(project), "--json"
    )
    assert code == 0, err
    code, _, err = cli("validate", "population", str(path), "--map", "nope=area_code")
    assert code == 2 and "--map names column 'nope'" in err
