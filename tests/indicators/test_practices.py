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


# -- PCN rows of GP downloads, the sub-ICB lookup, Trafford's PCNs: the real files ---------------
AE_UNDER_5 = "fingertips_gp_qof_ae_heec/ed_under5.csv"


def _ae_rows() -> pd.DataFrame:
    return pd.read_csv(real_file(AE_UNDER_5), dtype={"Area Code": str, "Parent Code": str})


@pytest.mark.real
def test_the_pcn_rows_of_a_gp_download_are_not_practices() -> None:
    """OHID's A&E download holds 1,191 PCN rows (codes U and five digits) beside its practices'
    rows: the practice series of the file is its GP rows alone."""
    from jsna.indicators.practices import practice_series
    from jsna.ingest.base import ReadOptions
    from jsna.ingest.fingertips import FingertipsSource

    source = _ae_rows()
    gp = source[source["Area Type"].eq("GPs") & source["Value"].notna()]
    pcn = source[source["Area Type"].str.startswith("PCNs")]
    assert pcn["Area Code"].str.fullmatch(r"U\d{5}").all() and len(pcn)
    parsed = FingertipsSource().parse(real_file(AE_UNDER_5), ReadOptions())
    series = practice_series(parsed.frames["indicator_values"])
    assert sorted(series["area_code"]) == sorted(gp["Area Code"])
    assert not set(series["area_code"]) & set(pcn["Area Code"])


@pytest.mark.real
def test_a_gp_typed_row_with_a_pcn_code_is_refused(tmp_path: Path) -> None:
    from jsna.ingest.base import ReadOptions
    from jsna.ingest.fingertips import FingertipsSource

    source = _ae_rows()
    row = source[source["Area Type"].str.startswith("PCNs")].head(1).assign(**{"Area Type": "GPs"})
    path = tmp_path / "one.csv"
    row.to_csv(path, index=False)
    (issue,) = FingertipsSource().parse(path, ReadOptions()).report.errors
    assert issue.value == row["Area Code"].iloc[0] and "GPs" in issue.message


def _trafford_lists(real_practices) -> pd.Series:  # type: ignore[no-untyped-def]
    """List size by practice code of the registrations whose sub-ICB the lookup puts in Trafford."""
    from tests.real_practices import REGISTRATIONS, trafford_sub_icbs

    source = pd.read_csv(real_file(REGISTRATIONS))
    mine = source[source["ONS_CCG_CODE"].isin(trafford_sub_icbs(real_practices.lookup))]
    return mine.set_index("CODE")["NUMBER_OF_PATIENTS"].sort_index().astype(float)


@pytest.mark.real
def test_trafford_attaches_through_an_ons_sub_icb_lookup(real_practices) -> None:  # type: ignore[no-untyped-def]
    """The ONS layout puts the district before the sub-ICB location, so the lookup loads with the
    district as the child: Trafford's practices attach all the same, and only through it."""
    expected = _trafford_lists(real_practices)
    assert len(expected) and all(code.startswith("P91") for code in expected.index)
    stored = _stored(real_practices.path)
    practices = stored[stored["row_type"].eq("practice") & stored["report_area"].eq(TRAFFORD)]
    got = practices.set_index("practice_code")["list_size"].sort_index()
    assert got.index.tolist() == expected.index.tolist()
    assert got.sum() == expected.sum()
    from jsna.workspace import Workspace

    with Workspace.open(real_practices.path / "jsna.duckdb", read_only=True) as ws:
        results = ws.table("results")
    total = results[
        results["indicator_id"].eq("gp-registered-patients") & results["area_code"].eq(TRAFFORD)
    ]
    assert total["value"].iloc[0] == expected.sum()
    assert total["count"].iloc[0] == len(expected)


@pytest.mark.real
def test_trafford_practice_values_leave_out_the_pcn_rows(real_practices) -> None:  # type: ignore[no-untyped-def]
    lists = _trafford_lists(real_practices)
    source = _ae_rows()
    gp = source[source["Area Type"].eq("GPs") & source["Area Code"].isin(lists.index)]
    stored = _stored(real_practices.path)
    points = stored[stored["row_type"].eq("point") & stored["report_area"].eq(TRAFFORD)]
    points = points[points["indicator_id"].astype(str).eq("93930")]
    assert sorted(points["practice_code"]) == sorted(gp["Area Code"])
    assert points["count"].sum() == gp["Count"].sum()
    assert points["denominator"].sum() == gp["Denominator"].sum()
    pooled = gp["Count"].sum() / gp["Denominator"].sum() * 1000
    assert points["area_value"].iloc[0] == pytest.approx(pooled, rel=1e-12)
    assert not stored["practice_code"].dropna().str.startswith("U").any()


@pytest.mark.real
def test_trafford_pcns_from_the_download_parents(real_practices) -> None:  # type: ignore[no-untyped-def]
    """Each PCN: the Trafford practices whose A&E rows name it as parent, their summed lists,
    Fingertips' own value of the PCN, and its place on the funnel around Trafford's pooled rate
    (exact Poisson limits of the expected count, worked here with scipy)."""
    from scipy.stats import chi2

    lists = _trafford_lists(real_practices)
    source = _ae_rows()
    gp = source[source["Area Type"].eq("GPs") & source["Area Code"].isin(lists.index)]
    parent = gp.set_index("Area Code")["Parent Code"]
    members = lists.groupby(parent.reindex(lists.index)).agg(["count", "sum"])
    stored = _stored(real_practices.path)
    mine = stored[stored["report_area"].eq(TRAFFORD)]
    practices = mine[mine["row_type"].eq("practice")].set_index("practice_code")
    assert practices["pcn_code"].dropna().sort_index().to_dict() == parent.sort_index().to_dict()
    pcns = mine[mine["row_type"].eq("pcn")].set_index("pcn_code").sort_index()
    assert pcns["list_size"].to_dict() == members["sum"].to_dict()
    counted = practices.groupby("pcn_code").size()
    assert counted.to_dict() == members["count"].to_dict()
    own = source[source["Area Code"].isin(members.index)].set_index("Area Code")
    points = mine[mine["row_type"].eq("pcn_point")].set_index("pcn_code").sort_index()
    assert points.index.tolist() == members.index.tolist()
    assert points["value"].tolist() == pytest.approx(own.loc[points.index, "Value"].tolist())
    assert points["count"].tolist() == own.loc[points.index, "Count"].tolist()
    assert set(points["value_note"]) == {"published for the PCN"}
    rate = gp["Count"].sum() / gp["Denominator"].sum()
    for code, r in points.iterrows():
        n = own.loc[code, "Denominator"]
        expected = rate * n
        low = chi2.ppf(0.001, 2 * expected) / 2 / n * 1000
        high = chi2.ppf(0.999, 2 * expected + 2) / 2 / n * 1000
        assert r["funnel_lower_99_8"] == pytest.approx(low, rel=1e-9)
        assert r["funnel_upper_99_8"] == pytest.approx(high, rel=1e-9)
        value = own.loc[code, "Value"]
        side = "above" if value > high else "below" if value < low else None
        assert (side is None) == ("99.8" not in r["funnel_outcome"]), code
        if side:
            assert r["funnel_outcome"] == f"{side} 99.8%"
    limits = mine[mine["row_type"].eq("pcn_limit")]
    assert limits["denominator"].min() < points["denominator"].min()
    assert limits["denominator"].max() > points["denominator"].max()


def test_sub_icb_lookups_pair_either_way_and_through_small_areas() -> None:
    """Sub-ICB -> authority pairs from a lookup whichever way round it loaded, and through the
    LSOAs a file maps to both; a sub-ICB with two authorities pairs with none."""
    from jsna.indicators.builtin_inputs import _sub_icb_lookup_pairs

    links = pd.DataFrame(
        [
            ("E38000001", "E08000001"),  # sub-ICB first: the authority is its parent
            ("E08000002", "E38000002"),  # ONS order: the district loads as the child
            ("E01000001", "E38000003"),  # an LSOA file: sub-ICB and district via the LSOA
            ("E01000001", "E08000003"),
            ("E01000002", "E38000003"),
            ("E01000002", "E08000003"),
            ("E08000004", "E38000004"),  # one sub-ICB over two districts
            ("E08000005", "E38000004"),
            ("E08000006", "E38000099"),  # a sub-ICB no practice has
        ],
        columns=["child_code", "parent_code"],
    )
    codes = {"E38000001", "E38000002", "E38000003", "E38000004"}
    got = _sub_icb_lookup_pairs(links, codes)
    assert got.to_dict("records") == [
        {"sub_icb": "E38000001", "area_code": "E08000001"},
        {"sub_icb": "E38000002", "area_code": "E08000002"},
        {"sub_icb": "E38000003", "area_code": "E08000003"},
    ]
