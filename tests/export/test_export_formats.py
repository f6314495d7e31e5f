"""`jsna export`: Fingertips-order CSV (round trip through `jsna ingest fingertips`), JSON, Parquet, XLSX."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import real_file

KEY = ["indicator_id", "area_code", "period", "sex", "age", "category_type", "category"]
VALUES = [
    "value",
    "lower_ci_95",
    "upper_ci_95",
    "lower_ci_99_8",
    "upper_ci_99_8",
    "count",
    "denominator",
]


@pytest.fixture()
def project(ran_copy: Path) -> Path:
    return ran_copy.parent


def _results(project: Path) -> pd.DataFrame:
    from jsna.workspace import Workspace

    with Workspace.open(project / "jsna.duckdb", read_only=True) as ws:
        return ws.table("results")


def test_csv_header_is_exactly_a_fingertips_download_header(project: Path, cli) -> None:
    from jsna.export import FINGERTIPS_COLUMNS

    real_header = (
        real_file("fingertips_gp_qof_ae_heec/dementia_qof_prev.csv")
        .read_text(encoding="utf-8-sig")
        .splitlines()[0]
        .split(",")
    )
    assert list(FINGERTIPS_COLUMNS) == real_header
    code, out, err = cli("export", "--project", project, "--format", "csv", "--json")
    assert code == 0, err
    written = Path(json.loads(out)["path"])
    assert written == project / "output" / "results.csv"
    assert written.read_text(encoding="utf-8").splitlines()[0].split(",") == real_header


def test_csv_round_trips_through_fingertips_ingest_with_identical_values(
    project: Path, tmp_path: Path, cli
) -> None:
    from jsna.workspace import Workspace

    exported = tmp_path / "export.csv"
    assert cli("export", "--project", project, "-o", exported)[0] == 0
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    code, _, err = cli("ingest", "fingertips", exported, "--project", fresh)
    assert code == 0, err
    with Workspace.open(fresh / "jsna.duckdb", read_only=True) as ws:
        back = ws.table("indicator_values")
    results = _results(project)
    assert len(back) == len(results)
    a = results.set_index(KEY).sort_index()
    b = back.set_index(KEY).sort_index()
    assert list(a.index) == list(b.index)
    pd.testing.assert_frame_equal(a[VALUES], b[VALUES], check_exact=True, check_dtype=False)
    for column in (
        "indicator_name",
        "area_name",
        "area_type",
        "value_note",
        "trend",
        "compared_to_benchmark",
    ):
        assert (
            a[column].fillna("").astype(str).tolist() == b[column].fillna("").astype(str).tolist()
        ), column
    assert (
        a["period_sortable"].astype("int64").tolist()
        == b["period_sortable"].astype("int64").tolist()
    )


def test_json_and_parquet_keep_the_results_schema(project: Path, tmp_path: Path, cli) -> None:
    from jsna.vocabulary.tables import RESULT_COLUMNS

    results = _results(project).set_index(KEY).sort_index()
    assert cli("export", "-p", project, "-f", "json", "-o", tmp_path / "r.json")[0] == 0
    document = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert (
        document["columns"] == list(RESULT_COLUMNS)
        and document["metadata"]["run_date"] == "2025-03-31"
    )
    from_json = pd.DataFrame(document["results"]).set_index(KEY).sort_index()
    pd.testing.assert_frame_equal(
        from_json[VALUES], results[VALUES], check_exact=True, check_dtype=False
    )
    assert cli("export", "-p", project, "-f", "parquet", "-o", tmp_path / "r.parquet")[0] == 0
    from_parquet = pd.read_parquet(tmp_path / "r.parquet")
    assert list(from_parquet.columns) == list(RESULT_COLUMNS)
    pd.testing.assert_frame_equal(
        from_parquet.set_index(KEY).sort_index()[VALUES],
        results[VALUES],
        check_exact=True,
        check_dtype=False,
    )


def test_xlsx_has_one_sheet_per_section_and_is_byte_identical_when_repeated(
    project: Path, tmp_path: Path, cli
) -> None:
    from openpyxl import load_workbook

    from jsna.vocabulary.sections import SECTIONS

    for name in ("a.xlsx", "b.xlsx"):
        assert cli("export", "-p", project, "-f", "xlsx", "-o", tmp_path / name)[0] == 0
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()
    book = load_workbook(tmp_path / "a.xlsx", read_only=True)
    sections = [s for s in book.sheetnames if not s.startswith("analysis_")]
    assert sections[0] == "Contents" and len(sections) == 1 + len(SECTIONS)
    # then the stored analyses of sections 7-10, one sheet per table
    assert book.sheetnames[: len(sections)] == sections
    assert book.sheetnames[1] == "1 Demography" and book.sheetnames[3] == "3 Current health status"
    results = _results(project)
    health = list(book["3 Current health status"].iter_rows(values_only=True))
    assert health[0][0] == "Indicator ID" and len(health[0]) == 27
    assert len(health) - 1 == int(results["section"].eq("health_status").sum())


def test_filters_and_bad_format(project: Path, tmp_path: Path, cli) -> None:
    code, out, _ = cli(
        "export",
        "-p",
        project,
        "--area",
        "E06999001",
        "--indicator",
        "total-population",
        "-o",
        tmp_path / "one.csv",
        "--json",
    )
    assert code == 0
    frame = pd.read_csv(tmp_path / "one.csv")
    assert set(frame["Area Code"]) == {"E06999001"} and set(frame["Indicator ID"]) == {
        "total-population"
    }
    assert json.loads(out)["rows"] == len(frame)
    assert cli("export", "-p", project, "-f", "docx")[0] == 2
    assert cli("export", "-p", project, "--area", "E06000000")[0] == 2
