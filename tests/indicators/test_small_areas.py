"""Small-area death rates and life expectancy (LSOAs summed to their parents), and the stored
comparison table of wards and MSOAs (``analysis_small_areas``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from jsna.indicators.small_areas import (
    aggregate_to_parents,
    lsoa_parents,
    pooled_years,
    small_area_table,
)

#: ESP2013 weights by band, written out from Eurostat's table (an independent copy)
ESP2013 = dict(
    zip(
        ["0-4", "5-9", "10-14", "15-19", "20-24", "25-29", "30-34", "35-39", "40-44", "45-49",
         "50-54", "55-59", "60-64", "65-69", "70-74", "75-79", "80-84", "85-89", "90+"],
        [5000, 5500, 5500, 5500, 6000, 6000, 6500, 7000, 7000, 7000, 7000, 6500, 6000, 5500,
         5000, 4000, 2500, 1500, 1000],
        strict=True,
    )
)  # fmt: skip


def _lookups() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "child_code": ["L1", "L2", "L3", "L1", "L2", "L3"],
            "child_type": ["LSOA"] * 6,
            "parent_code": ["W1", "W1", "W2", "LA", "LA", "LA"],
            "parent_type": ["Ward"] * 3 + ["Local authority district"] * 3,
        }
    )


def test_lsoas_sum_to_every_parent_of_the_lookup() -> None:
    frame = pd.DataFrame(
        {
            "area_code": ["L1", "L2", "L3", "L1", "L2", "L3"],
            "period": ["2020"] * 3 + ["2021"] * 3,
            "deaths": [1.0, 2.0, 4.0, 8.0, 16.0, 32.0],
        }
    )
    out = aggregate_to_parents(
        frame, lsoa_parents(_lookups()), value="deaths", keys=["area_code", "period"]
    )
    got = {(r.area_code, r.period): r.deaths for r in out.itertuples()}
    assert got == {
        ("W1", "2020"): 3.0,
        ("W2", "2020"): 4.0,
        ("LA", "2020"): 7.0,
        ("W1", "2021"): 24.0,
        ("W2", "2021"): 32.0,
        ("LA", "2021"): 56.0,
    }


def test_a_parent_missing_one_of_its_lsoas_gets_no_figure() -> None:
    frame = pd.DataFrame({"area_code": ["L1", "L3"], "period": ["2020"] * 2, "deaths": [1.0, 4.0]})
    out = aggregate_to_parents(
        frame, lsoa_parents(_lookups()), value="deaths", keys=["area_code", "period"]
    )
    # W1 lacks L2 and the LA lacks L2: only W2 (whose one LSOA is present) has a figure
    assert out[["area_code", "deaths"]].values.tolist() == [["W2", 4.0]]


def test_five_years_pooled_only_where_all_five_are_present() -> None:
    frame = pd.DataFrame(
        {
            "area_code": ["A"] * 6 + ["B"] * 4,
            "period": [str(y) for y in range(2019, 2025)] + [str(y) for y in range(2021, 2025)],
            "n": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 1.0, 1.0, 1.0, 1.0],
        }
    )
    out = pooled_years(frame, value="n", keys=["area_code", "period"])
    assert out.sort_values("period").values.tolist() == [
        ["A", "2019-23", 15.0],
        ["A", "2020-24", 20.0],
    ]


def _results(rows: list[dict]) -> pd.DataFrame:
    base = {
        "indicator_id": "x",
        "indicator_name": "X",
        "section": "health_status",
        "sex": "Persons",
        "unit": "%",
        "polarity": "low_is_good",
        "source": "imported",
        "category_type": None,
        "period": "2020",
        "period_sortable": 2020,
        "lower_ci_95": np.nan,
        "upper_ci_95": np.nan,
        "count": np.nan,
        "value_note": None,
        "parent_code": None,
        "area_type": None,
    }
    return pd.DataFrame([{**base, **r} for r in rows])


def test_table_compares_each_ward_with_the_authority_and_england() -> None:
    results = _results(
        [
            {"area_code": "E06000001", "area_name": "LA", "value": 10.0, "area_type": "UA"},
            {"area_code": "E92000001", "area_name": "England", "value": 12.0},
            # limits above both: Worse than both (low is good)
            {"area_code": "E05000001", "area_name": "High", "value": 20.0,
             "lower_ci_95": 15.0, "upper_ci_95": 25.0},
            # limits around 10 and below 12: Similar to the LA, Better than England
            {"area_code": "E05000002", "area_name": "Mid", "value": 9.0,
             "lower_ci_95": 8.0, "upper_ci_95": 11.0},
            # no limits: ranked, not compared
            {"area_code": "E05000003", "area_name": "Plain", "value": 5.0},
            # an older period of the same ward is not shown
            {"area_code": "E05000003", "area_name": "Plain", "value": 99.0, "period": "2019",
             "period_sortable": 2019},
        ]
    )  # fmt: skip
    lookups = pd.DataFrame(
        {
            "child_code": ["E05000001", "E05000002", "E05000003"],
            "child_type": ["Ward"] * 3,
            "parent_code": ["E06000001"] * 3,
            "parent_type": ["Local authority district"] * 3,
        }
    )
    out = small_area_table(results, [("E06000001", "LA")], lookups)
    got = out.set_index("area_name")
    assert list(out["area_name"]) == ["High", "Mid", "Plain"]
    assert got.loc["High", "compared_with_la"] == "Worse"
    assert got.loc["High", "compared_with_benchmark"] == "Worse"
    assert got.loc["Mid", "compared_with_la"] == "Similar"
    assert got.loc["Mid", "compared_with_benchmark"] == "Better"
    assert got.loc["Plain", "compared_with_la"] == "Not compared"
    assert got["rank"].tolist() == [1, 2, 3] and set(got["areas"]) == {3}
    assert set(got["la_value"]) == {10.0} and set(got["benchmark_value"]) == {12.0}
    assert set(out["level"]) == {"Ward"} and set(out["report_area"]) == {"E06000001"}


# -- on the demo workspace: values against sums of the sample files ------------------------------------
@pytest.fixture(scope="module")
def demo_results(demo_project: Path) -> pd.DataFrame:
    from jsna import api
    from jsna.workspace import Workspace

    config = api.project_config(demo_project)
    with Workspace.open(config.workspace_path, read_only=True) as ws:
        return ws.table("results")


def _esp_band(age: str) -> str:
    if age in {"<1", "1-4"}:
        return "0-4"
    if age.endswith("+"):
        return "90+"
    low = int(age.split("-")[0])
    return f"{low // 5 * 5}-{low // 5 * 5 + 4}"


def test_ward_rate_equals_its_lsoas_summed_by_hand(
    samples: Path, demo_results: pd.DataFrame
) -> None:
    """A ward's five-year DSR from the sample CSVs, summed by ward with plain pandas."""
    lookup = pd.read_csv(samples / "lookup_lsoa21_ward24_msoa21_lad24.csv")
    deaths = pd.read_csv(samples / "deaths_lsoa_2020_2024.csv")
    wide = pd.read_csv(samples / "population_mye2024_lsoa_wide.csv")
    wide = wide[wide["sex"].isin(["Females", "Males"])]
    ages = [str(a) for a in range(90)] + ["90+"]
    pop24 = wide.melt(
        id_vars=["area_code"], value_vars=ages, var_name="age", value_name="population"
    )
    earlier = pd.read_csv(samples / "population_lsoa_2020_2023.csv", dtype={"age": str})
    pop = pd.concat([earlier[["area_code", "age", "population"]], pop24])
    pop["band"] = pop["age"].map(lambda a: "90+" if a == "90+" else _esp_band(f"{a}-{a}"))
    deaths["band"] = deaths["age_band"].map(_esp_band)
    ward = "E05999001"
    lsoas = set(lookup.loc[lookup["WD24CD"].eq(ward), "LSOA21CD"])
    d = deaths[deaths["area_code"].isin(lsoas)].groupby("band")["deaths"].sum()
    p = pop[pop["area_code"].isin(lsoas)].groupby("band")["population"].sum()
    # weights sum to 100,000, so the rate per 100,000 is the weighted sum of the band rates
    expected = sum(d.get(b, 0) / p[b] * w for b, w in ESP2013.items())
    row = demo_results[
        demo_results["indicator_id"].eq("small-area-mortality-dsr")
        & demo_results["area_code"].eq(ward)
        & demo_results["sex"].eq("Persons")
    ]
    assert row["period"].tolist() == ["2020-24"]
    assert row["value"].iloc[0] == pytest.approx(expected, rel=1e-9)
    assert row["count"].iloc[0] == d.sum()


def test_small_numbers_give_missing_values_with_the_reason(demo_results: pd.DataFrame) -> None:
    rows = demo_results[demo_results["indicator_id"].str.startswith("small-area-")]
    assert len(rows)
    missing = rows[rows["value"].isna()]
    assert missing["value_note"].fillna("").str.len().gt(0).all()
    dsr = rows[rows["indicator_id"].eq("small-area-mortality-dsr")]
    few = dsr[dsr["count"].lt(10)]
    assert few["value"].isna().all()
    assert few["value_note"].str.contains("total count < 10").all()
    # wards and MSOAs, from LSOAs summed: every one of the demo's wards has a life expectancy
    le = rows[
        rows["indicator_id"].eq("small-area-life-expectancy")
        & rows["area_code"].str.startswith("E05")
    ]
    assert le["area_code"].nunique() == 18 and le["value"].notna().all()
    assert le["value"].between(60, 100).all()


def test_stored_table_holds_the_demo_wards(demo_project: Path) -> None:
    from jsna import api
    from jsna.workspace import Workspace

    config = api.project_config(demo_project)
    with Workspace.open(config.workspace_path, read_only=True) as ws:
        table = ws.analysis_table("analysis_small_areas", config.project.area)
    wards = table[table["level"].eq("Ward")]
    assert wards["area_code"].nunique() == 18
    ids = set(wards["indicator_id"])
    assert {"small-area-mortality-dsr", "small-area-life-expectancy"} <= ids
    # the published ward file carries the authority and England: both are compared
    published = wards[wards["source"].eq("imported")]
    assert (
        published["compared_with_la"].isin(["Better", "Similar", "Worse", "Higher", "Lower"]).all()
    )
    assert published["la_value"].notna().all() and published["benchmark_value"].notna().all()
