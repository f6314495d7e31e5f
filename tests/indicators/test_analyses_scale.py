"""Analyses at scale: projections from census age bands (the Greater Manchester districts of the
real Trafford build) and the rows a pool worker is sent."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import real_file

pytestmark = pytest.mark.real  # every test here reads the real files

CENSUS = "trafford_census2021/1981-2021_population_by_sex_and_age_group_la_gm.csv"
GM = [f"E0800000{i}" for i in range(1, 10)] + ["E08000010"]


@pytest.fixture(scope="module")
def census_tables(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The GM census time series (5-year bands to 85+, 1981-2021) ingested as downloaded:
    (source frame read with pandas, the workspace's tables)."""
    from jsna import api
    from jsna.options import ReadOptions
    from jsna.workspace import Workspace

    path = real_file(CENSUS)
    project = tmp_path_factory.mktemp("census")
    api.init_project(project)
    config = api.project_config(project)
    api.ingest(config, "population", [path], ReadOptions())
    with Workspace.open(config.workspace_path, read_only=True) as ws:
        tables = {"population": ws.table("population"), "events": ws.table("events")}
    for name in ("prevalence", "deprivation", "lookups"):
        tables[name] = pd.DataFrame()
    return pd.read_csv(path), tables


def test_every_census_banded_district_gets_a_projection_carrying_its_85_plus(
    census_tables,  # type: ignore[no-untyped-def]
) -> None:
    from jsna.indicators.analyses import projection_analysis

    source, tables = census_tables
    latest = source[source["period"].str.startswith("2021")]
    for code in GM:
        out = projection_analysis(tables.__getitem__, code, horizon=10)
        mine = latest[latest["area_code"].eq(code)]
        for sex, label in (("Female", "Females"), ("Male", "Males")):
            expected = float(
                mine.loc[
                    mine["sex"].eq(label) & mine["age_group"].eq("Aged 85 years and over"),
                    "value",
                ].sum()
            )
            for pyramid in ("pyramid_now", "pyramid_then"):
                p = out[pyramid]
                got = p.loc[p["sex"].eq(sex) & p["age_band"].astype(str).eq("85+"), "count"]
                assert got.tolist() == [pytest.approx(expected)], (code, sex, pyramid)
        bands = mine["sex"].isin(["Females", "Males"]) & mine["age_group"].ne("All ages")
        total = float(mine.loc[bands, "value"].sum())  # every band of both sexes, held
        assert out["population"]["count"].tolist() == [pytest.approx(total)] * 10, code
        assert out["population_method"].startswith("held at the 2021 estimate")


def test_projecting_bands_holds_them_and_refuses_a_trend() -> None:
    from jsna.indicators.methods.projections import project_population

    starts = [0, 5, 10, 85]
    rows = [
        {"area_code": "E06999001", "period": str(year), "sex": sex, "age_from": a,
         "age_to": (None if a == 85 else (a + 4 if a < 10 else 84)), "count": 100.0 + a}
        for year in (2021,) for sex in ("Male", "Female") for a in starts
    ]  # fmt: skip
    one = pd.DataFrame(rows)
    out = project_population(one, horizon=2)
    assert out["age_band"].astype(str).unique().tolist() == ["0-4", "5-9", "10-84", "85+"]
    assert out.loc[out["age_band"].astype(str).eq("85+"), "count"].tolist() == [185.0] * 4
    assert out.loc[out["age_band"].astype(str).eq("10-84"), "age_to"].unique().tolist() == [84]
    two = pd.concat([one, one.assign(period="2020")], ignore_index=True)
    with pytest.raises(ValueError, match="single years of age"):
        project_population(two, horizon=2)
    gap = one[one["age_from"].ne(5)]
    with pytest.raises(ValueError, match="bands from 0 to an open top band"):
        project_population(gap, horizon=2)


def test_a_pool_worker_is_sent_only_its_areas_rows() -> None:
    from jsna.indicators.analyses import _rows_for

    frame = pd.DataFrame({"area_code": ["A", "B", "C", "E"], "count": [1, 2, 3, 4]})
    other = pd.DataFrame({"lsoa_code": ["x"]})

    def tables(name: str) -> pd.DataFrame:
        return frame if name in ("population", "events") else other

    sent = _rows_for(tables, ["B"], "E")
    assert sent["population"]["area_code"].tolist() == ["B", "E"]
    assert sent["events"]["area_code"].tolist() == ["B", "E"]
    assert sent["deprivation"] is other


def test_scaled_sample_project_has_n_authorities() -> None:
    import importlib.util
    import sys

    script = Path(__file__).resolve().parents[2] / "scripts" / "make_samples.py"
    spec = importlib.util.spec_from_file_location("make_samples", script)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("make_samples", module)
    spec.loader.exec_module(module)
    lads = module.scaled_lads(25)
    assert len({lad.code for lad in lads}) == 25
    assert lads[:10] == module.LADS and lads[24].code == "E06999025"
    assert module.scaled_lads(30)[:25] == lads  # the same authorities whatever the size
    with pytest.raises(ValueError, match="between 1 and 999"):
        module.scaled_lads(1000)
