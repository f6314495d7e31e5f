"""Indicators on the demo practices' registered lists (``analysis_practice_indicators``),
checked against plain pandas sums of the sample files and the published ESP2013 weights."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import SAMPLES

AMBRIDGE = "E06999001"
#: ESP2013 weights, 0-4 … 85-89, 90+ (Eurostat 2013, as published)
ESP2013 = (5000, 5500, 5500, 5500, 6000, 6000, 6500, 7000, 7000, 7000, 7000, 6500, 6000, 5500,
           5000, 4000, 2500, 1500, 1000)  # fmt: skip


@pytest.fixture(scope="module")
def stored(demo_project: Path) -> pd.DataFrame:
    from jsna.workspace import Workspace

    with Workspace.open(demo_project / "jsna.duckdb", read_only=True) as ws:
        return ws.analysis_table("analysis_practice_indicators").set_index("practice_code")


@pytest.fixture(scope="module")
def source() -> pd.DataFrame:
    """Registers and lists by practice, sex and 5-year band, from the two sample files."""
    reg = pd.read_csv(SAMPLES / "gp_registrations_quin_age.csv")
    start = reg["AGE"].str.extract(r"^(\d+)")[0].astype(int).clip(upper=90)
    reg = reg.assign(
        sex=reg["SEX"].str.title(),
        band=start,
    )
    lists = reg.groupby(["CODE", "sex", "band"])["NUMBER_OF_PATIENTS"].sum().rename("n")
    counts = pd.read_csv(SAMPLES / "practice_registers.csv")
    counts["band"] = counts["age_band"].str.extract(r"^(\d+)")[0].astype(int)
    observed = counts.groupby(["practice_code", "sex", "band"])["count"].sum().rename("o")
    observed.index = observed.index.set_names(["CODE", "sex", "band"])
    return pd.concat([lists, observed], axis=1).fillna(0).reset_index()


def test_expected_counts_and_ratios_from_the_source(
    stored: pd.DataFrame, source: pd.DataFrame
) -> None:
    ref = source.groupby(["sex", "band"])[["o", "n"]].sum()
    rates = ref["o"] / ref["n"]
    source = source.assign(e=source["n"] * source.set_index(["sex", "band"]).index.map(rates))
    per = source.groupby("CODE")[["o", "n", "e"]].sum()
    assert sorted(stored.index) == sorted(per.index)
    assert set(stored["report_area"]) == {AMBRIDGE}
    assert set(stored["measure"]) == {"Diabetes register"} and set(stored["period"]) == {"2023/24"}
    for code, r in per.iterrows():
        got = stored.loc[code]
        assert got["count"] == r["o"] and got["list_size"] == r["n"]
        assert got["expected"] == pytest.approx(r["e"], rel=1e-9)
        assert got["ratio"] == pytest.approx(r["o"] / r["e"], rel=1e-9)
        assert got["expected_value"] == pytest.approx(r["e"] / r["n"] * 100, rel=1e-9)
        assert got["crude_value"] == pytest.approx(r["o"] / r["n"] * 100, rel=1e-9)
        assert got["ratio_lower_ci_99_8"] < got["ratio"] < got["ratio_upper_ci_99_8"]
        outside = got["ratio_lower_ci_99_8"] > 1 or got["ratio_upper_ci_99_8"] < 1
        assert ("99.8" in str(got["significance"])) == outside
    # the reference pools every practice, which here are the sub-ICB's and the authority's
    pooled = per["o"].sum() / per["e"].sum()
    assert stored["area_ratio"].tolist() == pytest.approx([pooled] * len(per), rel=1e-12)
    assert stored["sub_icb_ratio"].tolist() == pytest.approx([pooled] * len(per), rel=1e-12)
    # the generator makes the most deprived practice's register well above expectation
    assert stored.loc["Z99006", "significance"] == "above 99.8%"


def test_a_practice_dsr_by_hand(stored: pd.DataFrame, source: pd.DataFrame) -> None:
    mine = source[source["CODE"].eq("Z99001")].groupby("band")[["o", "n"]].sum().sort_index()
    weights = pd.Series(ESP2013, index=range(0, 95, 5))
    dsr = (weights * mine["o"] / mine["n"]).sum() / weights.sum() * 100
    assert stored.loc["Z99001", "dsr_value"] == pytest.approx(dsr, rel=1e-9)
    assert stored.loc["Z99001", "dsr_lower_ci_95"] < dsr < stored.loc["Z99001", "dsr_upper_ci_95"]


def test_the_table_is_exported(demo_project: Path) -> None:
    from jsna.export import read_analyses
    from jsna.workspace import Workspace

    with Workspace.open(demo_project / "jsna.duckdb", read_only=True) as ws:
        frames = read_analyses(ws, areas=[AMBRIDGE])
    assert len(frames["analysis_practice_indicators"]) == 10
    assert not math.isnan(frames["analysis_practice_indicators"]["ratio"].iloc[0])


def test_single_year_lists_events_above_the_list_and_small_counts() -> None:
    """Single years (and 95+) go into the ESP2013 bands; a measure counting more events than
    patients is a rate per 1,000; under 10 events the DSR is not computed, with the reason."""
    from jsna.indicators.practice_indicators import banded_lists, measure_indicators

    reg = pd.DataFrame(
        [
            [code, "2024-01", sex, str(age), age, age, 10]
            for code in ("A00001", "A00002")
            for sex in ("Male", "Female")
            for age in range(96)
        ],
        columns=["practice_code", "period", "sex", "age_band", "age_from", "age_to", "count"],
    )
    lists = banded_lists(reg)
    top = lists[lists["practice_code"].eq("A00001") & lists["age_band"].eq("90+")]
    assert top["population"].tolist() == [60.0, 60.0]  # ages 90-95, by sex
    counts = pd.DataFrame(
        {
            "practice_code": ["A00001", "A00001", "A00002"],
            "sex": ["Female", "Male", "Male"],
            "age_band": ["70-74", "90+", "0-4"],
            "age_from": [70, 90, 0],
            "age_to": [74, None, 4],
            "count": [2500.0, 5.0, 3.0],
        }
    )
    out = measure_indicators(counts, lists).set_index("practice_code")
    assert set(out["multiplier"]) == {1000.0}
    assert out.loc["A00001", "crude_value"] == pytest.approx(2505 / 1920 * 1000, rel=1e-12)
    assert math.isnan(out.loc["A00002", "dsr_value"])
    assert out.loc["A00002", "dsr_note"] == "total count < 10"
