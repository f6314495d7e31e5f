"""Year-on-year: `[compare] previous_results` and the significant-change block in the report."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from jsna.compare import changes

REFERENCE = Path(__file__).resolve().parents[1] / "reference" / "run_compare_ztest.csv"


def test_z_test_matches_values_worked_by_hand() -> None:
    ref = pd.read_csv(REFERENCE, dtype={"period": str, "previous_period": str})
    common = {
        "area_code": "E06000001",
        "sex": "Persons",
        "age": "All ages",
        "category_type": None,
        "category": None,
        "indicator_name": ref["indicator_id"],
        "section": "health_status",
        "unit": "",
    }
    current = ref[
        ["indicator_id", "polarity", "value", "lower_ci_95", "upper_ci_95", "period"]
    ].assign(**common)
    current["period_sortable"] = current["period"].str[:4].astype(int) * 10000
    previous = (
        ref[
            [
                "indicator_id",
                "previous_value",
                "previous_lower_ci_95",
                "previous_upper_ci_95",
                "previous_period",
            ]
        ]
        .rename(columns=lambda c: c.removeprefix("previous_"))
        .assign(**common)
    )
    previous["period_sortable"] = previous["period"].str[:4].astype(int) * 10000
    found = changes(current, previous).set_index("indicator_id").loc[ref["indicator_id"]]
    assert found["z"].to_numpy() == pytest.approx(ref["expected_z"].to_numpy(), rel=1e-12)
    assert found["change"].tolist() == ref["expected_change"].tolist()
    assert found.loc["pooled-overlap", "reason"] == "the periods overlap"
    assert found.loc["no-new-period", "reason"] == "no newer period"


def test_run_marks_what_changed_since_last_years_results(ran_copy: Path, tmp_path: Path) -> None:
    from jsna import api

    project = ran_copy.parent
    # "last year's" results: this year's file, with the area's share aged 65+ moved to the year
    # before and 3 percentage points lower; every other row keeps its period (so is not compared)
    previous = pd.read_csv(project / "output" / "results.csv", dtype=str, keep_default_na=False)
    mask = previous["Indicator ID"].eq("percent-aged-65-plus") & previous["Area Code"].eq(
        "E06999001"
    )
    for column in ("Value", "Lower CI 95.0 limit", "Upper CI 95.0 limit"):
        previous.loc[mask, column] = (previous.loc[mask, column].astype(float) - 3.0).map(repr)
    previous.loc[mask, "Time period"] = previous.loc[mask, "Time period"].map(
        lambda p: str(int(p) - 1)
    )
    previous.loc[mask, "Time period Sortable"] = previous.loc[mask, "Time period Sortable"].map(
        lambda p: str(int(p) - 10000)
    )
    (tmp_path / "last-year").mkdir()
    previous.to_csv(tmp_path / "last-year" / "results.csv", index=False)
    config = project / "jsna.toml"
    config.write_text(
        config.read_text(encoding="utf-8")
        + '\n[compare]\nprevious_results = "../last-year/results.csv"\n'
        'label = "the 2024 JSNA"\n',
        encoding="utf-8",
    )
    result = api.run(config)
    assert result.ok
    significant = result.comparison["significant"]
    assert {s["indicator_id"] for s in significant} == {"percent-aged-65-plus"}
    assert {s["change"] for s in significant} == {
        "Increased"
    }  # no-judgement indicator, 3 points higher
    assert (
        result.comparison["counts"]["Not compared"] > 0
    )  # the other rows: same period as "last year"
    html = (project / "output" / "jsna-E06999001.html").read_text(encoding="utf-8")
    assert (
        "Changes since the 2024 JSNA" in html
        and "Indicators that changed significantly since the 2024 JSNA" in html
    )
    summary = json.loads((project / "output" / "run.json").read_text(encoding="utf-8"))
    assert summary["comparison"]["previous_results"] == "../last-year/results.csv"
