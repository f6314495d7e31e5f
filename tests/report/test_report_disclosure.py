"""Statistical disclosure control: unit tests of the policy and a proof on rendered reports."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from report_html import as_small_count, count_cells, embedded_csv, parse

from jsna.report.disclosure import (
    DisclosurePolicy,
    Hierarchy,
    protect_results,
    secondary_suppression,
)


def test_primary_suppression_and_rounding() -> None:
    policy = DisclosurePolicy()
    assert [policy.count(v) for v in (0, 1, 7, 8, 12)] == ["0", "*", "*", "8", "12"]
    assert policy.count(12, small_area=True) == "10"
    assert policy.count(13, small_area=True) == "15"
    assert policy.count(float("nan")) == "–"
    assert DisclosurePolicy(enabled=False).count(3) == "3"
    assert DisclosurePolicy(low=1, high=9, symbol="c").count(9) == "c"


def test_secondary_suppression_hides_the_smallest_complement() -> None:
    # Persons = Male + Female: hiding only Male would let a reader subtract it back out
    frame = pd.DataFrame(
        {
            "g": ["a", "a", "a", "b", "b", "b"],
            "sex": ["Male", "Female", "__total__"] * 2,
            "count": [3, 40, 43, 20, 30, 50],
        }
    )
    hidden = secondary_suppression(
        frame, "count", frame["count"].between(1, 7), [Hierarchy(("g",), "sex")]
    )
    assert hidden.tolist() == [True, True, False, False, False, False]


def test_secondary_suppression_works_across_two_hierarchies() -> None:
    # rows: age groups x sex with totals both ways; one small cell forces a rectangle of four
    cells = {
        ("young", "Male"): 3,
        ("young", "Female"): 20,
        ("old", "Male"): 30,
        ("old", "Female"): 25,
    }
    rows = []
    for (age, sex), n in cells.items():
        rows.append({"age": age, "sex": sex, "count": n})
    for age in ("young", "old"):
        rows.append(
            {
                "age": age,
                "sex": "__total__",
                "count": sum(v for (a, _), v in cells.items() if a == age),
            }
        )
    for sex in ("Male", "Female", "__total__"):
        rows.append(
            {
                "age": "__total__",
                "sex": sex,
                "count": sum(
                    r["count"] for r in rows if r["sex"] == sex and r["age"] != "__total__"
                ),
            }
        )
    frame = pd.DataFrame(rows)
    hidden = secondary_suppression(
        frame,
        "count",
        frame["count"].between(1, 7),
        [Hierarchy(("age",), "sex"), Hierarchy(("sex",), "age")],
    )
    shown = frame.assign(hidden=hidden)
    # no row or column of the table has exactly one hidden cell
    for key in ("age", "sex"):
        per_group = shown.groupby(key)["hidden"].sum()
        assert not (per_group == 1).any(), (key, per_group.to_dict())
    assert shown.loc[(shown["age"] == "young") & (shown["sex"] == "Male"), "hidden"].item()


def _results_rows() -> pd.DataFrame:
    base = {
        "indicator_id": "x",
        "area_code": "E01000001",
        "area_type": "LSOA",
        "period": "2024",
        "age": "All ages",
        "category_type": None,
        "category": None,
        "unit": "per 100,000",
        "value_note": None,
    }
    rows = [
        {**base, "sex": s, "count": c, "denominator": d, "value": c / d * 1e5}
        for s, c, d in (("Male", 4.0, 800.0), ("Female", 16.0, 830.0), ("Persons", 20.0, 1630.0))
    ]
    return pd.DataFrame(rows)


def test_protect_results_hides_rates_on_hidden_counts_unless_marking_is_asked_for() -> None:
    out = protect_results(_results_rows(), DisclosurePolicy())
    assert out["count_text"].tolist() == ["*", "*", "20"]
    assert out["value_flag"].tolist() == ["hidden", "hidden", ""]
    assert out["denominator_text"].tolist() == ["800", "830", "1,630"]
    marked = protect_results(_results_rows(), DisclosurePolicy(rates_on_suppressed="mark"))
    assert marked["value_flag"].tolist() == ["marked", "marked", ""]


def test_stored_results_are_not_changed(demo_project: Path) -> None:
    from jsna.workspace import Workspace

    with Workspace.open(demo_project / "jsna.duckdb", read_only=True) as ws:
        results = ws.table("results")
    assert results["count"].between(1, 7).any(), (
        "the demo's results must hold small counts for this proof"
    )


def _small_count_area(demo_project: Path) -> str:
    """The small area whose population holds the most counts from 1 to 7 in its broad groups."""
    from jsna.workspace import Workspace

    with Workspace.open(demo_project / "jsna.duckdb", read_only=True) as ws:
        results = ws.table("results")
    small = results[results["area_type"].eq("LSOA") & results["count"].between(1, 7)]
    assert len(small), "the demo must hold LSOA results with counts from 1 to 7"
    return str(
        small.groupby("area_code").size().sort_values(ascending=False, kind="stable").index[0]
    )


@pytest.fixture(scope="module")
def rendered(
    demo_project: Path, demo_html: str, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, str]:
    from jsna import api

    config = api.project_config(demo_project)
    # the demo area's page is the one the demo rendered; the small area's is rendered here
    pages = {str(config.project.area): demo_html}
    area = _small_count_area(demo_project)
    result = api.report(config, area=area, formats=["html"], output=tmp_path_factory.mktemp("sdc"))
    pages[area] = result.outputs[0].read_text(encoding="utf-8")
    return pages


def test_no_count_from_1_to_7_appears_in_the_output(rendered: dict[str, str]) -> None:
    suppressed_somewhere = False
    for area, html in rendered.items():
        parser = parse(html)
        cells = count_cells(parser)
        assert cells, f"{area}: no count columns found"
        leaks = [c for c in cells if as_small_count(c)]
        assert not leaks, f"{area}: counts 1-7 shown in tables: {leaks}"
        svg_leaks = [t for t in parser.svg_texts if as_small_count(t)]
        assert not svg_leaks, f"{area}: counts 1-7 shown in chart labels: {svg_leaks}"
        csv = embedded_csv(html)
        for column in ("count", "denominator"):
            bad = csv.loc[csv[column].map(lambda v: as_small_count(v, decimals=True)), column]
            assert bad.empty, f"{area}: CSV {column} has counts 1-7: {bad.tolist()}"
        people = csv[csv["unit"].isin(["people", "persons"])]
        assert not people["value"].map(lambda v: as_small_count(v, decimals=True)).any()
        suppressed_somewhere |= "*" in cells or csv["count"].eq("*").any()
    assert suppressed_somewhere, (
        "the proof needs at least one suppressed count in the rendered output"
    )


def test_csv_persons_cannot_reveal_a_hidden_sex(rendered: dict[str, str]) -> None:
    for area, html in rendered.items():
        csv = embedded_csv(html)
        keys = ["indicator_id", "area_code", "period", "age", "category_type", "category"]
        for _, group in csv.groupby(keys, dropna=False):
            if set(group["sex"]) >= {"Male", "Female", "Persons"}:
                hidden = group["count"].eq("*").sum()
                assert hidden != 1, (
                    f"{area}: one hidden count recoverable from its total: {group.to_dict('records')}"
                )


def test_small_area_counts_are_rounded_to_5(rendered: dict[str, str], demo_project: Path) -> None:
    area = _small_count_area(demo_project)
    parser = parse(rendered[area])
    numbers = [c for c in count_cells(parser) if c.replace(",", "").isdigit()]
    assert numbers, "expected some visible counts in the small-area report"
    assert all(int(c.replace(",", "")) % 5 == 0 for c in numbers), numbers
