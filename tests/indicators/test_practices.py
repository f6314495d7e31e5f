"""GP practices attached to an authority and their stored comparisons (``analysis_practices``),
checked against plain pandas sums of the sample and real source files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import SAMPLES, real_file

AMBRIDGE = "E06999001"
TRAFFORD = "E08000009"


def _stored(project: Path) -> pd.DataFrame:
    from jsna.workspace import Workspace

    with Workspace.open(project / "jsna.duckdb", read_only=True) as ws:
        return ws.analysis_table("analysis_practices")


@pytest.fixture(scope="module")
def demo_practices(demo_project: Path) -> pd.DataFrame:
    return _stored(demo_project)


def test_demo_practices_attach_through_their_sub_icb(demo_practices: pd.DataFrame) -> None:
    reg = pd.read_csv(SAMPLES / "gp_registrations_quin_age.csv")
    lists = reg.groupby("CODE")["NUMBER_OF_PATIENTS"].sum()
    practices = demo_practices[demo_practices["row_type"].eq("practice")]
    assert set(practices["report_area"]) == {AMBRIDGE}
    got = practices.set_index("practice_code")["list_size"].sort_index()
    assert got.tolist() == lists.sort_index().astype(float).tolist()
    assert set(practices["sub_icb_code"]) == set(reg["ONS_CCG_CODE"])


def test_pooled_values_and_funnel_outcomes_match_the_source(demo_practices: pd.DataFrame) -> None:
    ft = pd.read_csv(SAMPLES / "fingertips_gp_qof.csv")
    gp = ft[ft["Area Type"].eq("GPs")]
    points = demo_practices[demo_practices["row_type"].eq("point")]
    for indicator_id, rows in gp.groupby("Indicator ID"):
        mine = points[points["indicator_id"].astype(str).eq(str(indicator_id))]
        assert len(mine) == len(rows)
        pooled = rows["Count"].sum() / rows["Denominator"].sum() * 100
        assert mine["area_value"].iloc[0] == pytest.approx(pooled, rel=1e-12)
        assert mine["sub_icb_value"].iloc[0] == pytest.approx(pooled, rel=1e-12)
        england = ft[ft["Area Code"].eq("E92000001") & ft["Indicator ID"].eq(indicator_id)]
        assert mine["england_value"].iloc[0] == pytest.approx(england["Value"].iloc[0])
        # outside the 99.8% limits exactly when the value is beyond the stored limit at its list
        beyond = mine["value"].gt(mine["funnel_upper_99_8"]) | mine["value"].lt(
            mine["funnel_lower_99_8"]
        )
        assert mine["funnel_outcome"].str.contains("99.8").eq(beyond).all()
        # the 99.8% funnel is wider than the 95% one and brackets the average
        assert (mine["funnel_upper_99_8"] > mine["funnel_upper_95"]).all()
        assert (mine["funnel_lower_95"] < pooled).all() and (mine["funnel_upper_95"] > pooled).all()


def test_a_practice_funnel_limit_by_hand(demo_practices: pd.DataFrame) -> None:
    """A 95% funnel limit u at list n is the proportion whose Wilson interval at n just
    reaches the authority's pooled value: worked here from the Wilson formula, not jsna."""
    import math

    points = demo_practices[demo_practices["row_type"].eq("point")]
    one = points[points["indicator_id"].astype(str).eq("91547")].iloc[0]
    p0, n = one["area_value"] / 100, one["denominator"]
    # a funnel limit u is where the Wilson interval of u at n just reaches p0
    u = one["funnel_upper_95"] / 100
    z = 1.959963984540054
    lower_wilson = (2 * n * u + z * z - z * math.sqrt(z * z + 4 * n * u * (1 - u))) / (
        2 * (n + z * z)
    )
    assert lower_wilson == pytest.approx(p0, rel=1e-6)


def test_trafford_practices_are_the_trafford_ccg_list(trafford_report) -> None:  # type: ignore[no-untyped-def]
    source = pd.read_csv(real_file("nhs_gp_registrations_2021/gp-reg-pat-prac-all_jan2021.csv"))
    trafford = source[source["ONS_CCG_CODE"].eq("E38000187")]
    stored = _stored(trafford_report.project)
    practices = stored[stored["row_type"].eq("practice") & stored["report_area"].eq(TRAFFORD)]
    got = practices.set_index("practice_code")["list_size"].sort_index()
    expected = trafford.set_index("CODE")["NUMBER_OF_PATIENTS"].sort_index().astype(float)
    assert got.index.tolist() == expected.index.tolist()
    assert got.tolist() == expected.tolist()
    assert all(code.startswith("P91") for code in got.index)
    qof = pd.read_csv(real_file("fingertips_gp_qof_ae_heec/smok_qof_prev.csv"))
    qof = qof[qof["Area Code"].isin(expected.index) & qof["Sex"].fillna("Persons").eq("Persons")]
    # the latest period by its label: the file's 2023/24 GP rows leave "Time period Sortable" blank
    latest = qof[qof["Time period"].eq(qof["Time period"].max())]
    points = stored[
        stored["row_type"].eq("point")
        & stored["report_area"].eq(TRAFFORD)
        & stored["indicator_id"].astype(str).eq("91547")
    ].set_index("practice_code")
    mine = latest.set_index("Area Code")
    assert sorted(points.index) == sorted(mine.index)
    assert points["value"].sort_index().tolist() == pytest.approx(
        mine["Value"].sort_index().tolist()
    )
    pooled = mine["Count"].sum() / mine["Denominator"].sum() * 100
    assert points["area_value"].iloc[0] == pytest.approx(pooled, rel=1e-12)
