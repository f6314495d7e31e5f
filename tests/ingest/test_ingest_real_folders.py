"""End to end: every folder of ../shared/data/real ingests from the CLI with the right kind.

Each test drives ``jsna ingest`` (kind detected unless the folder needs options), then checks
the provenance the CLI wrote. Folders that are deliberately refused are tested for their
precise message (see docs/data-formats.md).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import REAL

pytestmark = pytest.mark.real  # every test here reads the real files

# folder -> (expected kind of every data file, extra CLI arguments, explicit kind or None)
FOLDERS = {
    "boundaries_lad2021_england_imd": ("boundaries", [], None),
    "boundaries_ons_2023_2024": ("boundaries", [], None),
    "boundaries_trafford_gm": ("boundaries", [], None),
    "fingertips_gp_qof_ae_heec": ("fingertips", [], None),
    "fingertips_lad_indicators_trafford_themes": ("indicator", [], None),
    "imd_lad_summaries": ("deprivation", [], None),
    "lookups": ("lookup", [], None),
    "nhs_gp_registrations_2021": ("registrations", [], None),
    "oflog_asc_outcomes_la": ("indicator", [], None),
    "ons_drug_poisoning_deaths_lad": ("deaths", ["--cause", "Drug poisoning"], None),
    "ons_mye2021_lad": ("population", ["--sex-codes", "1=Female,2=Male"], None),
    "ons_snpp2022_trafford": ("population", [], None),
    "trafford_mye2020": ("population", [], None),
    "trafford_mye2024": ("population", [], None),
    "trafford_ward_health_fingertips_localhealth": ("indicator", [], None),
    "birmingham_falls_admissions_age_sex": (
        "events",
        ["--area", "E08000025", "--period", "2022-24"],
        "events",
    ),
}


def _data_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in {".csv", ".xlsx", ".geojson"})


def _ingest(cli, project: Path, *args: str) -> dict:  # type: ignore[no-untyped-def]
    code, out, err = cli("ingest", *args, "--project", str(project), "--json")
    assert code == 0, err or out
    return json.loads(out)


@pytest.mark.parametrize("folder", sorted(FOLDERS))
def test_folder_ingests_with_the_right_kind(
    folder: str, real_data: Path, project: Path, cli
) -> None:  # type: ignore[no-untyped-def]
    kind, extra, explicit = FOLDERS[folder]
    files = _data_files(real_data / folder)
    if not files:
        pytest.skip(f"{folder} is empty")
    result = _ingest(cli, project, *([explicit] if explicit else []), *map(str, files), *extra)
    assert [f["kind"] for f in result["files"]] == [kind] * len(files)
    assert all(
        f["status"] == "loaded" and f["rows_loaded"] == f["rows_read"] > 0 for f in result["files"]
    )
    _code, out, _ = cli("inputs", "--project", str(project), "--json")
    listed = json.loads(out)["inputs"]
    assert {r["file_name"] for r in listed} == {f.name for f in files}


def test_imd_lsoa_folder_ingests_files_1_2_and_6(real_data: Path, project: Path, cli) -> None:  # type: ignore[no-untyped-def]
    folder = real_data / "imd2019_lsoa"
    result = _ingest(cli, project, *map(str, _data_files(folder)))
    kinds = {f["file"]: (f["kind"], f["layout"]) for f in result["files"]}
    assert kinds["File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv"] == (
        "deprivation",
        "iod-lsoa",
    )
    assert kinds["File_2_-_IoD2019_Domains_of_Deprivation.csv"] == ("deprivation", "iod-lsoa")
    assert kinds["File_6_-_IoD2019_Population_Denominators.csv"] == (
        "population",
        "iod-denominators",
    )


def test_census_folder_splits_into_population_and_indicators(
    real_data: Path, project: Path, cli
) -> None:  # type: ignore[no-untyped-def]
    result = _ingest(cli, project, *map(str, _data_files(real_data / "trafford_census2021")))
    kinds = {f["file"]: f["kind"] for f in result["files"]}
    assert kinds["2021_population_by_sex_and_age_msoa_trafford.csv"] == "population"
    assert kinds["2021_population_by_5_year_age_bands_lsoa_trafford.csv"] == "population"
    assert kinds["1981-2021_population_by_sex_and_age_group_la_gm.csv"] == "population"
    assert kinds["2021_general_health_lsoa_trafford.csv"] == "indicator"
    assert kinds["2021_unpaid_care_lsoa_trafford.csv"] == "indicator"


@pytest.mark.parametrize(
    ("relative", "kind", "needle"),
    [
        (
            "esp2013/esp2013_5yr_bands.csv",
            None,
            "this is the 2013 European Standard Population, which jsna carries built in",
        ),
        (
            "esp2013/esp2013_5yr_bands.csv",
            "population",
            "this is the 2013 European Standard Population, which jsna carries built in",
        ),
        (
            "fingertips_london_family_hubs/data_dictionary.xlsx",
            None,
            "this is a data dictionary, not data",
        ),
    ],
)
def test_reference_files_are_refused_with_the_reason(
    relative: str,
    kind: str | None,
    needle: str,  # type: ignore[no-untyped-def]
    project: Path,
    cli,
) -> None:
    path = REAL / relative
    if not path.exists():
        pytest.skip(f"{path} is absent")
    code, _, err = cli("ingest", *([kind] if kind else []), str(path), "--project", str(project))
    assert code == 2
    assert needle in err and "Columns found" not in err
    if "dictionary" in needle:
        assert "fingertips_data_london.csv" in err  # the data file it describes, to load instead


def test_london_family_hubs_extract_loads_as_fingertips(
    real_data: Path, project: Path, cli
) -> None:  # type: ignore[no-untyped-def]
    path = real_data / "fingertips_london_family_hubs" / "fingertips_data_london.csv"
    result = _ingest(cli, project, str(path))
    assert result["files"][0]["kind"] == "fingertips"
    assert result["files"][0]["rows_loaded"] == 231
