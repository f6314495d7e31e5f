"""Numbers that would be stored wrong are refused with file, row, column and value, and the
refused file leaves the workspace exactly as it was.

Ambiguous decimal marks (``1000,5``, ``1.000``), non-finite and implausible values, age bands
that overlap, deaths above the population once both are on common bands, proportions whose
count exceeds their denominator, and boundaries whose coordinates contradict their CRS.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jsna.errors import InvalidDataError
from jsna.ingest import ingest_file
from jsna.options import ReadOptions
from jsna.workspace import Workspace
from tests.ingest.conftest import snapshot

POP = "area_code,period,sex,age,population"
AREA = "E08000009"


def _write(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture()
def loaded(tmp_path: Path) -> Path:
    """A workspace holding single-year populations 80-89 and 90+ (10 people each) of one area."""
    rows = [f"{AREA},2021,Male,{a},10" for a in range(80, 90)] + [f"{AREA},2021,Male,90+,10"]
    ws_path = tmp_path / "jsna.duckdb"
    with Workspace.open(ws_path) as ws:
        ingest_file(ws, "population", _write(tmp_path / "base.csv", POP, rows))
    return ws_path


def _refused(ws_path: Path, kind: str, path: Path, options: ReadOptions | None = None):  # type: ignore[no-untyped-def]
    """Ingest ``path``, expect a refusal, check the workspace did not change; the errors."""
    before = snapshot(ws_path)
    with Workspace.open(ws_path) as ws, pytest.raises(InvalidDataError) as caught:
        ingest_file(ws, kind, path, options)
    assert snapshot(ws_path) == before
    return [i for i in caught.value.issues if i.severity == "error"]


@pytest.mark.parametrize(
    ("cell", "code", "words"),
    [
        ('"1000,5"', "ambiguous-number", ["'1000,5'", "1000.5", "10005", "--decimal"]),
        ("1.000", "ambiguous-number", ["'1.000'", "1000", " 1 ", "--decimal"]),
        ("inf", "not-a-number", ["'inf'"]),
        ("nan", "not-a-number", ["'nan'"]),
        ("-inf", "not-a-number", ["'-inf'"]),
        ("1e30", "implausible-number", ["'1e30'", "100,000,000"]),
        ("100000001", "implausible-number", ["'100000001'"]),
    ],
)
def test_bad_counts_are_refused_with_row_column_value(
    loaded: Path, tmp_path: Path, cell: str, code: str, words: list[str]
) -> None:
    path = _write(
        tmp_path / "bad.csv", POP, [f"{AREA},2022,Male,0,12", f"{AREA},2022,Male,1,{cell}"]
    )
    (issue,) = _refused(loaded, "population", path)
    assert (issue.code, issue.file, issue.row, issue.column) == (code, "bad.csv", 3, "population")
    assert issue.value == cell.strip('"')
    for word in words:
        assert word in f" {issue.message} ", issue.message


@pytest.mark.parametrize(
    ("cell", "decimal", "stored"),
    [
        ('"1.234"', ",", 1234.0),
        ("1.000", ".", 1.0),
        ("1.000", ",", 1000.0),
        ('"1,234"', None, 1234.0),
    ],
)
def test_the_decimal_mark_given_decides(
    tmp_path: Path, cell: str, decimal: str | None, stored: float
) -> None:
    path = _write(tmp_path / "p.csv", POP, [f"{AREA},2022,Male,1,{cell}"])
    with Workspace.open(tmp_path / "jsna.duckdb") as ws:
        ingest_file(ws, "population", path, ReadOptions(decimal=decimal))
        assert ws.con.execute("SELECT count FROM population").fetchall() == [(stored,)]


def test_three_decimals_are_decimals_where_the_file_shows_a_decimal_point(tmp_path: Path) -> None:
    """ONS projections write every value with three decimals (864.000, 1523.456): a value of
    four digits before the point shows the point is decimal, so 864.000 is 864."""
    head = "area_code,sex,age_group,2030"
    path = _write(tmp_path / "snpp.csv", head, [f"{AREA},2,0,864.000", f"{AREA},2,1,1523.456"])
    with Workspace.open(tmp_path / "jsna.duckdb") as ws:
        ingest_file(ws, "population", path, ReadOptions(variant="principal"))
        got = ws.con.execute("SELECT count FROM population ORDER BY age_from").fetchall()
    assert got == [(864.0,), (1523.456,)]


def test_an_open_band_beside_the_single_years_it_covers_is_an_error_naming_both(
    loaded: Path, tmp_path: Path
) -> None:
    rows = [f"{AREA},2022,Female,{a},10" for a in range(85, 90)]
    rows += [f"{AREA},2022,Female,90+,10", f"{AREA},2022,Female,85+,60"]
    errors = _refused(loaded, "population", _write(tmp_path / "o.csv", POP, rows))
    assert {i.code for i in errors} == {"overlapping-age-bands"}
    assert [i.row for i in errors] == [2, 3, 4, 5, 6, 7]
    assert "'85' overlaps band '85+' (row 8)" in errors[0].message


def test_overlapping_death_bands_are_an_error(loaded: Path, tmp_path: Path) -> None:
    head = "area_code,period,sex,age,deaths"
    rows = [f"{AREA},2021,Male,80-84,1", f"{AREA},2021,Male,80-89,2"]
    errors = _refused(
        loaded, "deaths", _write(tmp_path / "d.csv", head, rows), ReadOptions(cause="All causes")
    )
    assert [(i.code, i.row) for i in errors] == [("overlapping-age-bands", 2)]
    assert "'80-84' overlaps band '80-89' (row 3)" in errors[0].message


DEATHS = "area_code,period,sex,age,deaths"


def test_deaths_above_the_population_of_the_single_years_their_band_spans(
    loaded: Path, tmp_path: Path
) -> None:
    # the population holds 80, 81, ... 89 (10 each): 85-89 holds 50 people
    path = _write(
        tmp_path / "d.csv", DEATHS, [f"{AREA},2021,Male,80-84,3", f"{AREA},2021,Male,85-89,51"]
    )
    (issue,) = _refused(loaded, "deaths", path, ReadOptions(cause="All causes"))
    assert (issue.code, issue.row, issue.value) == ("count-exceeds-population", 3, 51.0)
    assert "(51) exceed the population (50)" in issue.message
    fine = _write(
        tmp_path / "ok.csv", DEATHS, [f"{AREA},2021,Male,85-89,50", f"{AREA},2021,Male,90+,10"]
    )
    with Workspace.open(loaded) as ws:  # as many deaths as people is possible
        ingest_file(ws, "deaths", fine, ReadOptions(cause="All causes"))


def test_deaths_in_narrow_bands_summed_within_a_broad_population_band(tmp_path: Path) -> None:
    ws_path = tmp_path / "jsna.duckdb"
    with Workspace.open(ws_path) as ws:
        ingest_file(ws, "population", _write(tmp_path / "p.csv", POP, [f"{AREA},2021,Male,85+,30"]))
    path = _write(
        tmp_path / "d.csv", DEATHS, [f"{AREA},2021,Male,85-89,20", f"{AREA},2021,Male,90+,15"]
    )
    (issue,) = _refused(ws_path, "deaths", path, ReadOptions(cause="All causes"))
    assert issue.code == "count-exceeds-population" and issue.row == 2
    assert "(35) exceed the population (30)" in issue.message and "85+" in issue.message


FINGERTIPS = (
    "Indicator ID,Indicator Name,Parent Code,Parent Name,Area Code,Area Name,Area Type,Sex,Age,"
    "Category Type,Category,Time period,Value,Lower CI 95.0 limit,Upper CI 95.0 limit,"
    "Lower CI 99.8 limit,Upper CI 99.8 limit,Count,Denominator,Value note,Recent Trend,"
    "Compared to England value or percentiles,Time period Sortable"
)


def _ft(ind: int, code: str, value: float, lo: float, hi: float, count: int, den: int) -> str:
    return (
        f"{ind},Indicator {ind},E92000001,England,{code},Area,Districts & UAs (2023),Persons,"
        f"All ages,,,2022/23,{value},{lo},{hi},,,{count},{den},,,Similar,20220000"
    )


def test_a_proportion_with_count_above_its_denominator_is_refused(
    loaded: Path, tmp_path: Path
) -> None:
    rows = [
        _ft(90001, "E08000009", 25.0, 19.5, 31.4, 50, 200),
        _ft(90001, "E08000010", 30.0, 21.9, 39.6, 30, 100),
        _ft(90001, "E08000011", 120.0, 110.0, 128.0, 120, 100),
        # a standardised ratio (100 x observed / expected): may exceed 100, limits above 100
        _ft(90002, "E08000009", 95.0, 76.9, 116.1, 95, 100),
        _ft(90002, "E08000010", 120.0, 99.5, 143.5, 120, 100),
    ]
    (issue,) = _refused(loaded, "fingertips", _write(tmp_path / "ft.csv", FINGERTIPS, rows))
    assert (issue.code, issue.row, issue.column) == ("count-exceeds-denominator", 4, "Count")
    assert "90001" in issue.message and "(120) exceeds its denominator (100)" in issue.message
    with Workspace.open(loaded) as ws:
        ingest_file(ws, "fingertips", _write(tmp_path / "ok.csv", FINGERTIPS, rows[:2] + rows[3:]))
        assert ws.count("indicator_values") == 4


def _geojson(path: Path, ring: list[list[float]], crs: str | None) -> Path:
    data: dict[str, object] = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"LAD24CD": AREA, "LAD24NM": "Trafford"},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        ],
    }
    if crs:
        data["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_text(json.dumps(data))
    return path


def _square(x: float, y: float, size: float) -> list[list[float]]:
    return [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]


METRES = _square(373_000, 390_000, 4_000)  # Trafford on British National Grid
DEGREES = _square(-2.4, 53.4, 0.05)


@pytest.mark.parametrize(
    ("ring", "crs", "words"),
    [
        (METRES, None, ["declares no coordinate reference system", "metres", "EPSG:27700"]),
        (METRES, "urn:ogc:def:crs:OGC:1.3:CRS84", ["not degrees", "the stated CRS is wrong"]),
        (DEGREES, "urn:ogc:def:crs:EPSG::27700", ["look like longitude and latitude"]),
        (_square(3_000_000, 390_000, 4_000), "urn:ogc:def:crs:EPSG::27700", ["outside"]),
    ],
)
def test_boundaries_whose_coordinates_contradict_their_crs_are_refused(
    loaded: Path, tmp_path: Path, ring: list[list[float]], crs: str | None, words: list[str]
) -> None:
    (issue,) = _refused(loaded, "boundaries", _geojson(tmp_path / "b.geojson", ring, crs))
    assert issue.code == "crs-mismatch" and issue.file == "b.geojson"
    for word in words:
        assert word in issue.message, issue.message


def test_boundaries_in_a_stated_projected_crs_are_reprojected(tmp_path: Path) -> None:
    from shapely import from_wkb

    path = _geojson(tmp_path / "b.geojson", METRES, "urn:ogc:def:crs:EPSG::27700")
    with Workspace.open(tmp_path / "jsna.duckdb") as ws:
        ingest_file(ws, "boundaries", path)
        (wkb,) = ws.geometry([AREA])["wkb"]
    xmin, ymin, xmax, ymax = from_wkb(bytes(wkb)).bounds
    # easting 373,000, northing 390,000 is about 2.41 degrees west, 53.40 north
    assert -2.45 < xmin < xmax < -2.3 and 53.38 < ymin < ymax < 53.45


def test_events_of_other_measures_are_not_summed_against_the_population(tmp_path: Path) -> None:
    ws_path = tmp_path / "jsna.duckdb"
    with Workspace.open(ws_path) as ws:
        ingest_file(ws, "population", _write(tmp_path / "p.csv", POP, [f"{AREA},2021,Male,85+,30"]))
        head = "area_code,period,sex,age,measure,count"
        rows = [
            f"{AREA},2021,Male,85-89,{m},{n}" for m, n in (("admissions", 20), ("attendances", 25))
        ]
        rows += [f"{AREA},2021,Male,90+,{m},5" for m in ("admissions", "attendances")]
        outcome = ingest_file(ws, "events", _write(tmp_path / "e.csv", head, rows))
    assert outcome.status == "loaded"  # 25 admissions and 30 attendances: neither above 30
