"""What a report reads before its sections: area names from two columns of each table, and the
whole table's disclosure control without the texts of every row (jsna.report.context)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from jsna.config import load_config
from jsna.errors import WorkspaceError
from jsna.indicators.context import ComputeContext
from jsna.indicators.registry import IndicatorRegistry
from jsna.report.context import WorkspaceReads
from jsna.report.disclosure import DisclosurePolicy, protect_results
from jsna.workspace import Workspace


@pytest.fixture(scope="module")
def demo_workspace(demo_project: Path) -> Path:
    return load_config(demo_project / "jsna.toml").workspace_path


def test_names_from_two_columns_are_the_names_compute_finds(demo_workspace: Path) -> None:
    with Workspace.open(demo_workspace, read_only=True) as ws:
        reads = WorkspaceReads(ws)
        names = reads.names()
        # no table was read whole for it
        assert reads.tables == {}
        assert names == ComputeContext(ws).area_names()
        assert len(names) > 100
        # a table read whole already is used as it is: the same names
        reads.table("population")
        reads._names = None
        assert reads.names() == names


def test_a_table_read_in_some_columns_keeps_them_in_its_row_order(demo_workspace: Path) -> None:
    with Workspace.open(demo_workspace, read_only=True) as ws:
        whole = ws.table("population")
        some = ws.table("population", columns=["area_name", "area_code"])
        assert list(some.columns) == ["area_name", "area_code"]
        pd.testing.assert_frame_equal(some, whole[["area_name", "area_code"]])
        with pytest.raises(WorkspaceError, match="no column 'nope'"):
            ws.table("population", columns=["area_code", "nope"])


@pytest.mark.parametrize("mark", [False, True])
def test_control_without_texts_hides_exactly_what_it_hides_with_them(
    demo_workspace: Path, mark: bool
) -> None:
    registry = IndicatorRegistry.from_entry_points()
    rules = {i: getattr(ind, "disclosure", "counts") for i, ind in registry.indicators.items()}
    policy = DisclosurePolicy(rates_on_suppressed="mark" if mark else "suppress", high=9)
    with Workspace.open(demo_workspace, read_only=True) as ws:
        results = ws.table("results")
    with_texts = protect_results(results, policy, rules)
    without = protect_results(results, policy, rules, texts=False)
    texts = ["count_text", "denominator_text", "value_text"]
    assert not set(texts) & set(without.columns)
    pd.testing.assert_frame_equal(without, with_texts.drop(columns=texts))
    # the rows whose value is a count are the rows given a text for it
    assert without["value_is_count"].tolist() == with_texts["value_text"].notna().tolist()
    assert without["count_hidden"].any() and without["value_flag"].ne("").any()
