"""The bundled sample data is exactly what ``scripts/make_samples.py`` generates, and is coherent."""

from __future__ import annotations

import csv
import importlib.util
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "data" / "samples"
NOT_GENERATED = {"jsna.toml"}


def _load_generator():
    spec = importlib.util.spec_from_file_location(
        "make_samples", ROOT / "scripts" / "make_samples.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_samples"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("samples")
    _load_generator().generate(out)
    return out


def _files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def test_committed_samples_match_generator_byte_for_byte(generated: Path) -> None:
    committed = _files(SAMPLES) - NOT_GENERATED
    fresh = _files(generated)
    assert committed == fresh
    differing = [
        n for n in sorted(fresh) if (generated / n).read_bytes() != (SAMPLES / n).read_bytes()
    ]
    assert differing == []


def test_lad_population_equals_sum_of_lsoas() -> None:
    long = pd.read_csv(SAMPLES / "population_mye_lad_2020_2024.csv", dtype={"age": str})
    wide = pd.read_csv(SAMPLES / "population_mye2024_lsoa_wide.csv")
    lad = long[(long.area_code == "E06999001") & (long.period == 2024)]
    for sex, label in (("Male", "Males"), ("Female", "Females")):
        by_age = lad[lad.sex == sex].set_index("age").population
        lsoa = wide[wide.sex == label]
        ages = [str(a) for a in range(90)] + ["90+"]
        assert lsoa[ages].sum().tolist() == by_age.loc[ages].tolist()
    persons = wide[wide.sex == "Persons"].set_index("area_code")
    parts = wide[wide.sex != "Persons"].groupby("area_code").sum(numeric_only=True)
    assert (persons["all_ages"] == parts["all_ages"]).all()
    assert (
        persons["all_ages"]
        == persons[["aged_0_to_15", "aged_16_to_64", "aged_65_and_over"]].sum(axis=1)
    ).all()


def _life_band(age: str) -> str:
    a = 90 if age == "90+" else int(age)
    if a == 0:
        return "<1"
    if a < 5:
        return "1-4"
    return "90+" if a >= 90 else f"{a // 5 * 5}-{a // 5 * 5 + 4}"


def test_deaths_never_exceed_population_and_lsoas_sum_to_lad() -> None:
    pop = pd.read_csv(SAMPLES / "population_mye_lad_2020_2024.csv", dtype={"age": str})
    pop["age_band"] = pop.age.map(_life_band)
    pop_b = pop.groupby(["area_code", "period", "sex", "age_band"]).population.sum()
    deaths = pd.read_csv(SAMPLES / "deaths_lad_2020_2024.csv")
    d_b = deaths.groupby(["area_code", "year", "sex", "age_band"]).deaths.sum()
    d_b.index = d_b.index.set_names(pop_b.index.names)
    joined = pd.concat([d_b, pop_b], axis=1, join="inner")
    assert len(joined) == len(d_b) == 11 * 5 * 2 * 20
    assert (joined.deaths <= joined.population).all()
    assert (deaths.deaths >= 0).all()

    lsoa = pd.read_csv(SAMPLES / "deaths_lsoa_2020_2024.csv")
    summed = lsoa.groupby(["year", "sex", "age_band"]).deaths.sum()
    demo = deaths[deaths.area_code == "E06999001"].groupby(["year", "sex", "age_band"]).deaths.sum()
    pd.testing.assert_series_equal(summed, demo)

    wide = pd.read_csv(SAMPLES / "population_mye2024_lsoa_wide.csv")
    ages = [str(a) for a in range(90)] + ["90+"]
    long = wide[wide.sex != "Persons"].melt(
        id_vars=["area_code", "sex"], value_vars=ages, var_name="age", value_name="population"
    )
    long["sex"] = long.sex.map({"Males": "Male", "Females": "Female"})
    long["age_band"] = long.age.map(_life_band)
    lp = long.groupby(["area_code", "sex", "age_band"]).population.sum()
    check = lsoa.join(lp, on=["area_code", "sex", "age_band"])
    assert check.population.notna().all()
    assert (check.deaths <= check.population).all()


def test_every_lsoa_has_polygon_imd_rank_and_ward() -> None:
    import geopandas as gpd

    lookup = pd.read_csv(SAMPLES / "lookup_lsoa21_ward24_msoa21_lad24.csv")
    codes = set(lookup.LSOA21CD)
    assert len(codes) == 110
    assert lookup.WD24CD.notna().all() and lookup.MSOA21CD.notna().all()
    shapes = gpd.read_file(SAMPLES / "boundaries_lsoa.geojson")
    assert set(shapes.LSOA21CD) == codes
    assert shapes.is_valid.all()
    imd = pd.read_csv(SAMPLES / "imd2019_lsoa.csv", encoding="utf-8-sig", thousands=",")
    assert set(imd.iloc[:, 0]) == codes
    rank, decile = imd.iloc[:, 4], imd.iloc[:, 5]
    assert rank.between(1, 32844).all()
    assert (np.ceil(rank / 3284.4).astype(int) == decile).all()
    assert set(decile) == set(range(1, 11))
    wards = gpd.read_file(SAMPLES / "boundaries_ward.geojson")
    assert set(wards.WD24CD) == set(lookup.WD24CD)


def test_bands_are_complete() -> None:
    esp = [f"{a}-{a + 4}" for a in range(0, 90, 5)] + ["90+"]
    adm = pd.read_csv(SAMPLES / "admissions_lad_2020_2024.csv")
    general = adm[adm.measure != "Emergency admissions for falls (65+)"]
    per_group = general.groupby(["area_code", "year", "sex", "measure"]).age_band.apply(list)
    assert all(bands == esp for bands in per_group)
    life = ["<1", "1-4"] + [f"{a}-{a + 4}" for a in range(5, 90, 5)] + ["90+"]
    deaths = pd.read_csv(SAMPLES / "deaths_lsoa_2020_2024.csv")
    per_lsoa = deaths.groupby(["area_code", "year", "sex"]).age_band.apply(list)
    assert all(bands == life for bands in per_lsoa)


@pytest.mark.slow  # 309 authorities' files: the full tier
def test_a_scaled_project_of_every_english_authority_generates(tmp_path: Path) -> None:
    """309 authorities (the benchmark's size) each get their population, and the project area
    still gets its full set of neighbourhoods (the region grows with the number of authorities:
    a fixed region once left no room to place them, and generation never ended)."""
    module = _load_generator()
    module.generate_scaled(tmp_path, 309)
    population = pd.read_csv(tmp_path / "population_mye_lad_2020_2024.csv")
    codes = set(population["area_code"]) - {"E92000001"}
    assert codes == {f"E06999{k:03d}" for k in range(1, 310)}
    imd = pd.read_csv(tmp_path / "imd2019_lsoa.csv")
    committed = pd.read_csv(SAMPLES / "imd2019_lsoa.csv")
    assert len(imd) == len(committed)
    # nine regions of England's sizes: ONS's lower-tier authorities (December 2022) in North
    # East, North West, Yorkshire and The Humber, East Midlands, West Midlands, East of England,
    # London, South East and South West
    regions = _region_lookup(tmp_path)
    assert set(regions) == codes
    sizes = pd.Series([code for code, _ in regions.values()]).value_counts().sort_index()
    assert list(sizes.index) == [f"E12999{k:03d}" for k in range(1, 10)]
    assert sizes.tolist() == [12, 39, 21, 35, 30, 45, 33, 64, 30]
    _assert_regions_whole_and_named_alike(tmp_path, regions)


def _region_lookup(folder: Path) -> dict[str, tuple[str, str]]:
    """Authority -> (region code, region name) read from a scaled project's region lookup."""
    with (folder / "lookup_lad24_rgn24.csv").open(encoding="utf-8", newline="") as handle:
        return {r["LAD24CD"]: (r["RGN24CD"], r["RGN24NM"]) for r in csv.DictReader(handle)}


def _assert_regions_whole_and_named_alike(
    folder: Path, regions: dict[str, tuple[str, str]]
) -> None:
    """Each region is one piece of the map; the LSOA lookup and the SEN file give the same
    regions as the authority lookup, and each SEN regional row sums its region's authorities."""
    import geopandas as gpd

    lads = gpd.read_file(folder / "boundaries_lad.geojson").to_crs(27700)
    lads["region"] = lads["LAD24CD"].map(lambda c: regions[c][0])
    for region, shapes in lads.groupby("region"):
        whole = shapes.geometry.buffer(1.0).union_all()
        assert whole.geom_type == "Polygon", f"{region} is in {len(whole.geoms)} pieces"
    lsoa = pd.read_csv(folder / "lookup_lsoa21_ward24_msoa21_lad24.csv")
    placed = {
        (lad, (rgn, name)) for lad, rgn, name in lsoa[["LAD24CD", "RGN24CD", "RGN24NM"]].values
    }
    assert placed == {("E06999001", regions["E06999001"])}
    sen = pd.read_csv(folder / "sen_ehc_plans_la.csv", dtype=str)
    la = sen[sen["geographic_level"].eq("Local authority")]
    assert {
        (c, (r, n)) for c, r, n in la[["new_la_code", "region_code", "region_name"]].values
    } == set(regions.items())
    summed = (
        la.assign(ehc_plan=la["ehc_plan"].astype(int))
        .groupby(["time_period", "region_code", "phase_type_grouping"])["ehc_plan"]
        .sum()
    )
    regional = sen[sen["geographic_level"].eq("Regional")]
    shown = regional.set_index(["time_period", "region_code", "phase_type_grouping"])["ehc_plan"]
    assert shown.astype(int).sort_index().equals(summed.sort_index())
    assert set(zip(regional["region_code"], regional["region_name"], strict=True)) == set(
        regions.values()
    )


def test_a_scaled_authority_is_compared_with_its_own_region_after_ingest(tmp_path: Path) -> None:
    """30 authorities in nine regions of at least two; once the project's lookups are ingested,
    an authority's default comparators are the other authorities of its region, as the region
    lookup file lists them."""
    from jsna import api
    from jsna.indicators.comparators import comparator_set, regions
    from jsna.workspace import Workspace

    folder = tmp_path / "samples"
    _load_generator().generate_scaled(folder, 30)
    expected = _region_lookup(folder)
    assert len(expected) == 30
    members: dict[str, list[str]] = {}
    for code, (region, _) in expected.items():
        members.setdefault(region, []).append(code)
    assert len(members) == 9 and min(len(m) for m in members.values()) >= 2
    _assert_regions_whole_and_named_alike(folder, expected)

    project = tmp_path / "project"
    api.init_project(project)
    config = api.project_config(project)
    lookups = [folder / "lookup_lsoa21_ward24_msoa21_lad24.csv", folder / "lookup_lad24_rgn24.csv"]
    summary = api.ingest(config, "lookup", lookups)
    assert [o.status for o in summary.outcomes] == ["loaded", "loaded"]
    with Workspace.open(config.workspace_path, read_only=True) as ws:
        table = ws.table("lookups")
    lsoa_rows = table[table["child_type"].eq("LSOA") & table["parent_type"].eq("Region")]
    assert len(lsoa_rows) == 110 and set(lsoa_rows["parent_code"]) == {expected["E06999001"][0]}
    found = regions(lambda _: table)
    assert {c: found.get(c) for c in expected} == {c: r for c, (r, _) in expected.items()}
    # the demo's LSOAs, and through them its MSOAs and wards, are in its region
    assert {r for c, r in found.items() if c not in expected} == {expected["E06999001"][0]}
    names = {code: name for code, name in table[["parent_code", "parent_name"]].values}
    for code in ("E06999001", "E06999017", "E06999030"):
        region, region_name = expected[code]
        got = comparator_set(config, lambda _: table, code, names, set(expected))
        assert got.source == "region" and got.region_code == region
        assert got.region_name == region_name
        assert sorted(got.codes) == sorted(c for c in members[region] if c != code)
