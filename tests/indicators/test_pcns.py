"""Primary care networks and the practice -> authority weights, as stored in ``analysis_practices``
and the results, checked against plain pandas sums of the sample and real source files."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from jsna import api
from jsna.workspace import Workspace
from tests.conftest import SAMPLES, real_file

AMBRIDGE = "E06999001"
TRAFFORD = "E08000009"
EPCN = SAMPLES / "epcn_core_partner_details.csv"
BY_LSOA = SAMPLES / "gp_registrations_lsoa.csv"
REGISTRATIONS = SAMPLES / "gp_registrations_quin_age.csv"
LOOKUP = SAMPLES / "lookup_lsoa21_ward24_msoa21_lad24.csv"


@pytest.fixture(scope="module")
def stored(demo_project: Path) -> pd.DataFrame:
    with Workspace.open(demo_project / "jsna.duckdb", read_only=True) as ws:
        return ws.analysis_table("analysis_practices")


def _current_pcns() -> pd.Series:
    """Practice -> PCN of the relationships without an end date (the sample's extract is 2025)."""
    source = pd.read_csv(EPCN, dtype=str, keep_default_na=False)
    current = source[source["Practice to PCN Relationship End Date"].eq("")]
    return current.set_index("Partner Organisation Code")["PCN Code"].sort_index()


def test_each_practice_has_its_current_pcn(stored: pd.DataFrame) -> None:
    practices = stored[stored["row_type"].eq("practice")].set_index("practice_code")
    expected = _current_pcns()
    assert practices["pcn_code"].sort_index().to_dict() == expected.to_dict()
    assert practices.loc["Z99007", "pcn_code"] == "U99003"  # its PCN since April 2023


def test_pcn_list_sizes_and_summed_values(stored: pd.DataFrame) -> None:
    reg = pd.read_csv(REGISTRATIONS)
    pcn_of = _current_pcns()
    lists = reg.groupby(reg["CODE"].map(pcn_of))["NUMBER_OF_PATIENTS"].sum()
    pcns = stored[stored["row_type"].eq("pcn")].set_index("pcn_code")["list_size"].sort_index()
    assert pcns.to_dict() == lists.astype(float).to_dict()
    qof = pd.read_csv(SAMPLES / "fingertips_gp_qof.csv")
    gp = qof[qof["Area Type"].eq("GPs")]
    gp = gp.assign(pcn=gp["Area Code"].map(pcn_of))
    points = stored[stored["row_type"].eq("pcn_point")]
    assert len(points) == gp[["pcn", "Indicator ID"]].drop_duplicates().shape[0]
    z = 1.959963984540054
    for (pcn, indicator_id), rows in gp.groupby(["pcn", "Indicator ID"]):
        got = points[points["pcn_code"].eq(pcn) & points["indicator_id"].eq(str(indicator_id))]
        n, d = rows["Count"].sum(), rows["Denominator"].sum()
        assert got["count"].iloc[0] == n and got["denominator"].iloc[0] == d
        assert got["value"].iloc[0] == pytest.approx(100 * n / d, rel=1e-12)
        # Wilson's score interval, worked from its formula
        p = n / d
        centre, half = 2 * n + z * z, z * math.sqrt(z * z + 4 * n * (1 - p))
        low = 100 * (centre - half) / (2 * (d + z * z))
        high = 100 * (centre + half) / (2 * (d + z * z))
        assert got["lower_ci_95"].iloc[0] == pytest.approx(low, rel=1e-9)
        assert got["upper_ci_95"].iloc[0] == pytest.approx(high, rel=1e-9)
        england = qof.loc[
            qof["Area Code"].eq("E92000001") & qof["Indicator ID"].eq(indicator_id), "Value"
        ].iloc[0]
        word = "Higher" if low > england else "Lower" if high < england else "Similar"
        assert got["compared_to_england"].iloc[0] == word
        assert got["value_note"].iloc[0] == f"summed from {len(rows)} practices"


def _shares() -> pd.Series:
    """Share of each practice's patients living in Ambridge Vale's LSOAs, by plain pandas."""
    by_lsoa = pd.read_csv(BY_LSOA)
    inside = set(pd.read_csv(LOOKUP)["LSOA21CD"])
    total = by_lsoa.groupby("PRACTICE_CODE")["NUMBER_OF_PATIENTS"].sum()
    mine = by_lsoa[by_lsoa["LSOA_CODE"].isin(inside)]
    return (mine.groupby("PRACTICE_CODE")["NUMBER_OF_PATIENTS"].sum() / total).sort_index()


def test_shares_weight_the_authority_total(stored: pd.DataFrame, demo_project: Path) -> None:
    shares = _shares()
    practices = stored[stored["row_type"].eq("practice")].set_index("practice_code")
    assert practices["share_in_area"].sort_index().tolist() == pytest.approx(shares.tolist())
    assert shares.min() < 1  # the sample has practices partly in the area
    lists = pd.read_csv(REGISTRATIONS).groupby("CODE")["NUMBER_OF_PATIENTS"].sum()
    with Workspace.open(demo_project / "jsna.duckdb", read_only=True) as ws:
        results = ws.table("results")
    total = results[
        results["indicator_id"].eq("gp-registered-patients") & results["area_code"].eq(AMBRIDGE)
    ]
    assert total["value"].iloc[0] == pytest.approx((lists * shares).sum())  # 93,577
    assert total["count"].iloc[0] == len(lists)


# -- small workspaces: attachment both ways, the threshold, two current PCNs ---------------------
def _project(tmp_path: Path, *files: tuple[str, Path]) -> Path:
    from jsna.config import load_config

    api.init_project(tmp_path / "proj")
    config = load_config(tmp_path / "proj" / "jsna.toml")
    for kind, path in files:
        api.ingest(config, kind, [path])
    return tmp_path / "proj"


def _attached(project: Path) -> pd.DataFrame:
    from jsna.indicators.context import ComputeContext
    from jsna.indicators.practices import attached_practices

    with Workspace.open(project / "jsna.duckdb", read_only=True) as ws:
        return attached_practices(ComputeContext(ws)).set_index("practice_code").sort_index()


def test_without_weights_practices_attach_by_their_sub_icb(tmp_path: Path) -> None:
    project = _project(
        tmp_path,
        ("registrations", REGISTRATIONS),
        ("lookup", SAMPLES / "lookup_subicb24_lad24.csv"),
    )
    got = _attached(project)
    reg = pd.read_csv(REGISTRATIONS)
    assert got.index.tolist() == sorted(reg["CODE"].unique())
    assert set(got["area_code"]) == {AMBRIDGE}
    assert got["share_in_area"].isna().all()


def test_weights_replace_the_sub_icb_and_leave_out_small_shares(tmp_path: Path) -> None:
    # Waterley Cross keeps 5% of its patients in Ambridge Vale: under the 10% threshold
    by_lsoa = pd.read_csv(BY_LSOA)
    inside = by_lsoa["LSOA_CODE"].isin(set(pd.read_csv(LOOKUP)["LSOA21CD"]))
    moved = by_lsoa.copy()
    few = moved["PRACTICE_CODE"].eq("Z99010") & inside
    moved.loc[few, "NUMBER_OF_PATIENTS"] = (moved.loc[few, "NUMBER_OF_PATIENTS"] * 0.03).round()
    path = tmp_path / "gp-reg-pat-prac-lsoa-all.csv"
    moved.to_csv(path, index=False)
    project = _project(
        tmp_path,
        ("registrations", REGISTRATIONS),
        ("lookup", SAMPLES / "lookup_subicb24_lad24.csv"),
        ("lookup", LOOKUP),
        ("registrations-lsoa", path),
    )
    got = _attached(project)
    total = moved.groupby("PRACTICE_CODE")["NUMBER_OF_PATIENTS"].sum()
    share = (
        moved[inside].groupby("PRACTICE_CODE")["NUMBER_OF_PATIENTS"].sum() / total
    ).sort_index()
    assert share["Z99010"] < 0.10
    kept = share[share >= 0.10]
    assert got.index.tolist() == kept.index.tolist()  # Z99010 left out, not by its sub-ICB
    assert got["share_in_area"].tolist() == pytest.approx(kept.tolist())


def test_two_current_pcns_at_the_extract_date_are_an_error(tmp_path: Path) -> None:
    from jsna.errors import AnalysisError
    from jsna.indicators.builtin_inputs import practice_pcns
    from jsna.indicators.context import ComputeContext

    epcn = tmp_path / "epcn.csv"
    # Z99007's former relationship ends after the registrations' extract (January 2025)
    epcn.write_text(EPCN.read_text().replace(",20230331", ",20250331"))
    project = _project(tmp_path, ("registrations", REGISTRATIONS), ("pcn", epcn))
    with (
        Workspace.open(project / "jsna.duckdb", read_only=True) as ws,
        pytest.raises(AnalysisError, match=r"Z99007.*U99002 and U99003"),
    ):
        practice_pcns(ComputeContext(ws))


@pytest.mark.real
def test_trafford_pcns_from_the_fingertips_parents(tmp_path: Path) -> None:
    """Without an ePCN, a practice's PCN is the parent Fingertips gives it; a PCN with published
    rows shows them. Checked against the real files read with pandas."""
    from jsna.indicators.context import ComputeContext
    from jsna.indicators.practices import practice_analysis

    registrations = real_file("nhs_gp_registrations_2021/gp-reg-pat-prac-all_jan2021.csv")
    ed = real_file("fingertips_gp_qof_ae_heec/ed_under5.csv")
    lookup = tmp_path / "sicbl_lad.csv"
    lookup.write_text(
        "CCG21CD,CCG21NM,LAD21CD,LAD21NM\nE38000187,NHS Trafford CCG,E08000009,Trafford\n"
    )
    project = _project(
        tmp_path, ("registrations", registrations), ("fingertips", ed), ("lookup", lookup)
    )
    with Workspace.open(project / "jsna.duckdb", read_only=True) as ws:
        stored = practice_analysis(ComputeContext(ws), [(TRAFFORD, "Trafford")])
    source = pd.read_csv(ed, dtype={"Area Code": str})
    gp = source[source["Area Type"].eq("GPs") & source["Time period"].eq("2021/22")]
    reg = pd.read_csv(registrations)
    trafford = reg[reg["ONS_CCG_CODE"].eq("E38000187")]
    parent = gp.set_index("Area Code")["Parent Code"]
    practices = stored[stored["row_type"].eq("practice")].set_index("practice_code")
    assert practices.index.str.startswith("P91").all()
    assert practices["pcn_code"].to_dict() == parent.reindex(practices.index).to_dict()
    lists = trafford.groupby(trafford["CODE"].map(parent))["NUMBER_OF_PATIENTS"].sum()
    pcns = stored[stored["row_type"].eq("pcn")].set_index("pcn_code")
    assert pcns["list_size"].sort_index().to_dict() == lists.astype(float).sort_index().to_dict()
    assert "U42898" in pcns.index and pcns.loc["U42898", "pcn_name"] == "South Trafford PCN"
    published = source[source["Area Code"].eq("U42898") & source["Time period"].eq("2021/22")]
    point = stored[stored["row_type"].eq("pcn_point") & stored["pcn_code"].eq("U42898")]
    assert point["value"].iloc[0] == pytest.approx(published["Value"].iloc[0])
    assert point["count"].iloc[0] == published["Count"].iloc[0]
    assert point["value_note"].iloc[0] == "published for the PCN"
