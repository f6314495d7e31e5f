"""``jsna allocation`` on the demo: the price per point and the area difference the sample was
made with, checked against plain sums over the sample files."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest


def _people(project: Path) -> pd.DataFrame:
    """Latest assessment per person with their budget and ward, from the files themselves."""
    assessed = pd.read_csv(project / "assessments_ras.csv")
    latest = assessed.sort_values(["person_id", "assessment_date"]).drop_duplicates(
        "person_id", keep="last"
    )
    budgets = pd.read_csv(project / "phb_local_budgets.csv")[["person_id", "annual_budget_gbp"]]
    lookup = pd.read_csv(project / "lookup_lsoa21_ward24_msoa21_lad24.csv")
    return latest.merge(budgets, on="person_id").merge(
        lookup[["LSOA21CD", "WD24NM"]], left_on="area_code", right_on="LSOA21CD"
    )


def test_allocation_json_matches_the_files(demo_project: Path, cli) -> None:  # type: ignore[no-untyped-def]
    code, out, err = cli("allocation", "--project", demo_project, "--json")
    assert code == 0, err
    result = json.loads(out)
    people = _people(demo_project)
    price = result["tables"]["allocation_price"][0]
    assert price["people"] == len(people)
    assert price["total_points"] == people["points"].sum()
    assert price["price_per_point"] == pytest.approx(13_000_000 / people["points"].sum())
    equity = pd.DataFrame(result["tables"]["allocation_equity"])
    areas = equity[equity["dimension"].eq("Area")].set_index("group")
    sums = people.groupby("WD24NM")[["annual_budget_gbp", "points"]].sum()
    expected = sums["annual_budget_gbp"] / sums["points"]
    assert areas["value"].to_dict() == pytest.approx(expected.to_dict())
    # the sample's truth: one ward 30% more per point; its interval covers it, and it is named
    high = areas[areas["compared_to_whole_99_8"].eq("Higher")]
    assert len(high) == 1
    row = high.iloc[0]
    assert row["ratio_lower_ci_95"] < 1.30 < row["ratio_upper_ci_95"]
    calibration = pd.DataFrame(result["tables"]["allocation_calibration"])
    whole = calibration[calibration["client_group"].eq("All")].set_index("model")
    origin = whole.loc["Through the origin"]
    assert origin["slope_lower_ci_95"] < 250 < origin["slope_upper_ci_95"]


def test_allocation_prints_tables(demo_project: Path, cli) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = cli("allocation", "--project", demo_project)
    assert code == 0
    assert "allocation_equity" in out and "allocation_calibration" in out


def test_allocation_without_assessments_is_a_usage_error(project: Path, cli) -> None:  # type: ignore[no-untyped-def]
    lookup = project / "inputs" / "lookup.csv"
    lookup.parent.mkdir(exist_ok=True)
    lookup.write_text(
        "LSOA21CD,LSOA21NM,LAD24CD,LAD24NM\nE01999001,Town 001A,E06999001,Town\n",
        encoding="utf-8",
    )
    assert cli("ingest", "lookup", lookup, "--project", project)[0] == 0
    code, out, err = cli("allocation", "--project", project, "--area", "E06999001")
    assert code == 2, (out, err)
    assert "jsna ingest assessments" in out + err
