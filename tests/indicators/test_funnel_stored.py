"""jsna compute stores the section 3 funnel plot (``analysis_funnel``); the report only draws it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

INDICATOR = "mortality-all-causes-crude-rate"
LIMITS = ["lower_ci_95", "upper_ci_95", "lower_ci_99_8", "upper_ci_99_8"]


def _stored(project: Path) -> tuple[Any, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(config, analysis_funnel, results, lookups) of a computed project, read with duckdb."""
    import duckdb

    from jsna import api

    config = api.project_config(project)
    con = duckdb.connect(str(config.workspace_path), read_only=True)
    try:
        funnel = con.execute("SELECT * FROM analysis_funnel").df()
        results = con.execute("SELECT * FROM results").df()
        lookups = con.execute("SELECT * FROM lookups").df()
    finally:
        con.close()
    return config, funnel, results, lookups


def test_stored_funnel_matches_the_limits_of_the_comparators(demo_project: Path) -> None:
    """The demo area's stored points and limits against funnel_limits on the points chosen here
    from the results table: the single-tier councils (no lookup places the demo areas in a
    region, so the comparators are every single-tier council) of the area's latest period."""
    from jsna.indicators.methods import funnel_limits

    config, funnel, results, lookups = _stored(demo_project)
    area = config.project.area
    assert not lookups["parent_code"].astype(str).str.startswith("E12").any()
    rows = results[
        results["indicator_id"].eq(INDICATOR)
        & results["sex"].eq("Persons")
        & results["category_type"].isna()
        & ~results["value_note"].fillna("").str.startswith("Not shown")
    ]
    mine = rows[rows["area_code"].eq(area)]
    latest = mine.loc[mine["period_sortable"].idxmax()]
    same = rows[rows["period"].eq(latest["period"]) & rows["age"].eq(latest["age"])]
    points = same[
        same["area_code"].str[:3].isin(["E06", "E08", "E09"])
        & same["count"].notna()
        & same["denominator"].gt(0)
    ].sort_values("area_code")
    assert len(points) >= 5
    target = points["count"].sum() / points["denominator"].sum()

    stored = funnel[funnel["report_area"].eq(area) & funnel["indicator_id"].eq(INDICATOR)]
    got = stored[stored["row_type"].eq("point")].sort_values("area_code")
    assert got["area_code"].tolist() == points["area_code"].tolist()
    assert set(stored["period"]) == {latest["period"]}
    # the rates by hand, per 100,000
    assert got["value"].to_numpy() == pytest.approx(
        (points["count"] / points["denominator"] * 1e5).to_numpy(), rel=1e-12
    )
    assert got["target"].to_numpy() == pytest.approx(np.full(len(got), target * 1e5), rel=1e-12)
    expected = funnel_limits(
        points[["count", "denominator"]].reset_index(drop=True),
        numerator="count",
        denominator="denominator",
        statistic="rate",
        target=target,
        multiplier=100_000,
    )
    for column in LIMITS:
        assert got[column].to_numpy() == pytest.approx(expected[column].to_numpy(), rel=1e-12)

    limits = stored[stored["row_type"].eq("limit")]
    grid = np.geomspace(points["denominator"].min() * 0.8, points["denominator"].max() * 1.15, 80)
    assert limits["denominator"].to_numpy() == pytest.approx(grid, rel=1e-12)
    on_grid = funnel_limits(
        pd.DataFrame({"count": 0.0, "denominator": grid}),
        numerator="count",
        denominator="denominator",
        statistic="rate",
        target=target,
        multiplier=100_000,
    )
    for column in LIMITS:
        assert limits[column].to_numpy() == pytest.approx(on_grid[column].to_numpy(), rel=1e-12)
    # the limits widen as the population shrinks, and bracket the target
    assert (limits["lower_ci_99_8"] < limits["lower_ci_95"]).all()
    assert (limits["upper_ci_95"] < limits["upper_ci_99_8"]).all()
    assert limits["lower_ci_95"].is_monotonic_increasing


def test_every_reported_area_has_its_funnel(demo_project: Path) -> None:
    from jsna.report.batch import areas_to_report

    config, funnel, _, _ = _stored(demo_project)
    expected = {c for c, _ in areas_to_report(config)} | {config.project.area}
    assert set(funnel["report_area"]) == expected
    sizes = funnel.groupby(["report_area", "row_type"]).size().unstack()
    assert (sizes["limit"] == 80).all() and (sizes["point"] >= 5).all()


def test_report_draws_the_stored_funnel_without_computing(
    demo_assembled: Any, demo_assembled_without_statistics: Any
) -> None:
    """The demo report assembled in a process where the funnel limits raise draws the same
    funnel as the report assembled normally."""
    report, disabled = demo_assembled_without_statistics
    assert {
        "jsna.indicators.methods.funnel_limits",
        "jsna.indicators.methods.funnel.funnel_limits",
    } <= set(disabled)
    before, _, _ = demo_assembled

    def figure(rep: Any) -> Any:
        return next(f for s in rep.sections for f in s.figures if f.id == "health-mortality-funnel")

    mine, theirs = figure(report), figure(before)
    assert mine.svg == theirs.svg and mine.alt == theirs.alt and mine.source == theirs.source
    pd.testing.assert_frame_equal(mine.data, theirs.data)


def _results(areas: dict[str, tuple[float | None, float]], period: str = "2024") -> pd.DataFrame:
    """A results table of the crude mortality rate: area -> (deaths, population)."""
    return pd.DataFrame(
        [
            {
                "indicator_id": INDICATOR,
                "indicator_name": "Deaths from all causes, crude rate",
                "area_code": code,
                "area_name": f"Area {code[-2:]}",
                "sex": "Persons",
                "age": "All ages",
                "category_type": None,
                "category": None,
                "period": period,
                "period_sortable": int(period) * 10_000,
                "count": deaths,
                "denominator": population,
                "value_note": None,
                "unit": "per 100,000",
                "method": "Byars",
            }
            for code, (deaths, population) in areas.items()
        ]
    )


def test_fewer_than_five_areas_with_counts_give_no_funnel(tmp_path: Path) -> None:
    from jsna.config import load_config
    from jsna.indicators.analyses import funnel_analysis

    codes = [f"E080000{n:02d}" for n in range(1, 7)]
    (tmp_path / "jsna.toml").write_text(
        f"[comparators]\nareas = {codes[1:5]!r}\n".replace("'", '"'), encoding="utf-8"
    )
    config = load_config(tmp_path / "jsna.toml")
    no_lookups = lambda name: pd.DataFrame(columns=["child_code", "parent_code"])  # noqa: E731
    counts = {c: (100.0 + 10 * n, 10_000.0 * (n + 1)) for n, c in enumerate(codes)}
    older = _results({c: (1.0, 10.0) for c in codes}, period="2023")
    results = pd.concat([older, _results(counts)], ignore_index=True)
    out = funnel_analysis(results, [(codes[0], "Area 01")], config, no_lookups, {})
    points = out[out["row_type"].eq("point")]
    # the area and its four listed comparators; the sixth area is not one of them
    assert sorted(points["area_code"]) == codes[:5]
    assert set(out["period"]) == {"2024"}
    target = sum(counts[c][0] for c in codes[:5]) / sum(counts[c][1] for c in codes[:5])
    assert points["target"].tolist() == pytest.approx([target * 1e5] * 5)
    # one comparator without a count leaves four areas: no funnel
    counts[codes[4]] = (None, 50_000.0)
    fewer = funnel_analysis(_results(counts), [(codes[0], "Area 01")], config, no_lookups, {})
    assert fewer.empty and "lower_ci_99_8" in fewer.columns


def test_changed_comparators_after_compute_warn(demo_project: Path, tmp_path: Path) -> None:
    """The stored funnel was drawn with the comparators of compute time: a new set warns."""
    import shutil

    from jsna import api
    from jsna.report.assemble import stored_analysis_warnings
    from jsna.workspace import Workspace

    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(demo_project / "jsna.toml", project / "jsna.toml")
    with (project / "jsna.toml").open("a", encoding="utf-8") as handle:
        handle.write('\n[comparators]\nareas = ["E06999002", "E06999003"]\n')
    unchanged = api.project_config(demo_project)
    changed = api.project_config(project)
    with Workspace.open(unchanged.workspace_path, read_only=True) as ws:
        area = unchanged.project.area
        assert stored_analysis_warnings(ws, unchanged, area) == []
        warnings = stored_analysis_warnings(ws, changed, area)
    assert len(warnings) == 1 and "[comparators] changed since jsna compute" in warnings[0]
