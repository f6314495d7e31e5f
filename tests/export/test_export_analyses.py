"""jsna export carries the stored analyses of report sections 7-10 in every format."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest


@pytest.fixture(scope="module")
def stored(demo_project: Path) -> tuple[Any, dict[str, pd.DataFrame]]:
    """The demo's config and every analysis table as the workspace holds it."""
    from jsna import api
    from jsna.workspace import Workspace

    config = api.project_config(demo_project)
    with Workspace.open(config.workspace_path, read_only=True) as ws:
        names = ws.analysis_tables(include_facts=True)
        return config, {name: ws.analysis_table(name) for name in names}


def _same(got: pd.DataFrame, want: pd.DataFrame, name: str) -> None:
    pd.testing.assert_frame_equal(
        got.reset_index(drop=True), want.reset_index(drop=True), check_dtype=False, obj=name
    )


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_csv_and_parquet_write_one_file_per_table(
    stored: tuple[Any, dict[str, pd.DataFrame]], tmp_path: Path, fmt: str
) -> None:
    from jsna.export import export

    config, tables = stored
    result = export(config, fmt, output=tmp_path / f"results.{fmt}")
    folder = tmp_path / "results-analyses"
    assert result.analyses_dir == folder
    assert {"analysis_facts", "analysis_settings", "analysis_gap", "analysis_service_use"} <= set(
        result.analyses
    )
    assert sorted(p.stem for p in folder.glob(f"*.{fmt}")) == sorted(tables)
    for name, want in tables.items():
        path = folder / f"{name}.{fmt}"
        got = pd.read_csv(path) if fmt == "csv" else pd.read_parquet(path)
        assert result.analyses[name] == len(want)
        if fmt == "parquet":
            _same(got, want, name)
        else:  # text round trip: same rows and columns, numbers equal
            assert list(got.columns) == list(want.columns), name
            assert len(got) == len(want), name
            numeric = want.select_dtypes("number").columns
            _same(got[numeric], want[numeric], name)


def test_json_holds_the_analyses(
    stored: tuple[Any, dict[str, pd.DataFrame]], tmp_path: Path
) -> None:
    from jsna.export import export

    config, tables = stored
    export(config, "json", output=tmp_path / "results.json")
    document = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert set(document["analyses"]) == set(tables)
    gap = pd.DataFrame(document["analyses"]["analysis_gap"])
    _same(gap, tables["analysis_gap"], "analysis_gap")
    facts = pd.DataFrame(document["analyses"]["analysis_facts"])
    base = facts[facts["key"].eq("base_year") & facts["report_area"].eq(config.project.area)]
    assert json.loads(base["value"].iloc[0]) == 2024


def test_workbook_has_a_sheet_per_table(
    stored: tuple[Any, dict[str, pd.DataFrame]], tmp_path: Path
) -> None:
    from openpyxl import load_workbook

    from jsna.export import export

    config, tables = stored
    export(config, "xlsx", output=tmp_path / "results.xlsx")
    book = load_workbook(tmp_path / "results.xlsx", read_only=True)
    for name, want in tables.items():
        rows = list(book[name[:31]].iter_rows(values_only=True))
        assert list(rows[0]) == list(want.columns), name
        assert len(rows) - 1 == len(want), name
    sii = pd.DataFrame(list(book["analysis_sii"].iter_rows(values_only=True))[1:])
    assert sii[list(tables["analysis_sii"].columns).index("sii")].tolist() == pytest.approx(
        tables["analysis_sii"]["sii"].tolist()
    )


def test_area_filter_applies_to_the_analyses(
    stored: tuple[Any, dict[str, pd.DataFrame]], tmp_path: Path
) -> None:
    from jsna.export import export

    config, tables = stored
    other = "E06999002"
    result = export(config, "parquet", output=tmp_path / "one.parquet", areas=[other])
    folder = tmp_path / "one-analyses"
    use = pd.read_parquet(folder / "analysis_service_use.parquet")
    assert set(use["report_area"]) == {other}
    assert result.analyses["analysis_service_use"] == int(
        tables["analysis_service_use"]["report_area"].eq(other).sum()
    )
    assert result.analyses["analysis_gap"] == 0  # the small-area analyses are the demo area's
