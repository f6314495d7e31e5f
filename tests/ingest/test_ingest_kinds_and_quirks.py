"""Each real-world quirk listed in a SOURCE.md, and the activity/PHB/survey/registrations kinds."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from jsna.ingest import ingest_file
from jsna.ingest.base import ReadOptions
from jsna.ingest.pipeline import parse_file
from jsna.workspace import Workspace
from tests.conftest import real_file


def _frame(kind: str, relative: str, **options: object) -> tuple[pd.DataFrame, object]:
    parsed = parse_file(kind, real_file(relative), ReadOptions(**options))  # type: ignore[arg-type]
    return next(iter(parsed.frames.values())), parsed


def test_drug_poisoning_cp1252_apostrophe() -> None:
    frame, _parsed = _frame(
        "deaths",
        "ons_drug_poisoning_deaths_lad/drug_poisoning_registrations_by_LA_1993_2020.csv",
        cause="Drug poisoning",
    )
    names = set(frame["area_name"])
    assert "King\u2019s Lynn and West Norfolk" in names and "ENGLAND AND WALES" in names
    england_2020 = frame[(frame["area_code"] == "E92000001") & (frame["period"] == "2020")]
    assert england_2020["count"].tolist() == [4312.0] and england_2020["age_band"].tolist() == [
        "All ages"
    ]


def test_imd_bom_and_thousands_separators() -> None:
    frame, _ = _frame(
        "deprivation", "imd2019_lsoa/File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv"
    )
    first = frame.iloc[0]
    assert (first["lsoa_code"], first["imd_rank"], first["imd_decile"]) == ("E01000001", 29199, 9)
    assert len(frame) == 32_844


def test_imd_file6_denominators_sum_to_total() -> None:
    frame, parsed = _frame(
        "population", "imd2019_lsoa/File_6_-_IoD2019_Population_Denominators.csv"
    )
    city = frame[frame["area_code"] == "E01000001"]
    assert city["count"].sum() == 1296 and set(city["age_band"]) == {"0-15", "16-59", "60+"}
    assert not [i for i in parsed.report.issues if i.code == "total-mismatch"]


def test_imd_lad_summary_float_noise_is_rounded() -> None:
    frame, _ = _frame("deprivation", "imd_lad_summaries/IoD2019_lad19_summaries_long.csv")
    hartlepool = frame[
        (frame["area_code"] == "E06000001")
        & (frame["index_domain"] == "Index of Multiple Deprivation")
    ]
    assert hartlepool["average_score"].tolist() == [35.037] and hartlepool["vintage"].tolist() == [
        "IoD2019"
    ]


def test_snpp_all_ages_total_dropped_and_fractions_kept() -> None:
    frame, _parsed = _frame(
        "population", "ons_snpp2022_trafford/2022_SNPP_population_females_trafford.csv"
    )
    assert "All ages" not in set(frame["age_band"]) and "90+" in set(frame["age_band"])
    age0_2023 = frame[(frame["age_band"] == "0") & (frame["period"] == "2023")]["count"]
    assert age0_2023.tolist() == [pytest.approx(1096.783)]
    assert set(frame["variant"]) == {"principal"}


def test_oflog_zeros_read_as_missing_and_rank_order_case() -> None:
    frame, parsed = _frame("indicator", "oflog_asc_outcomes_la/ASC_data.csv")
    zeros = [i for i in parsed.report.issues if i.code == "zero-as-missing"]
    assert {i.value for i in zeros} == {"0"} and len(zeros) >= 5
    trafford = frame[
        (frame["area_code"] == "E08000009")
        & (frame["indicator_id"] == "ASC2")
        & (frame["period"] == "2019/20")
    ]
    assert trafford["value"].isna().all() and trafford["value_note"].notna().all()
    assert set(frame["polarity"].dropna()) == {"High is good"}  # desc and DESC alike


def test_oflog_pre_2019_codes_kept_for_their_own_years() -> None:
    frame, parsed = _frame("indicator", "oflog_asc_outcomes_la/ASC_data.csv")
    assert "E06000028" in set(frame["area_code"])  # Bournemouth, before 2019
    assert not [
        i
        for i in parsed.report.issues
        if i.code == "abolished-area-code" and i.value == "E06000028"
    ]


def test_fingertips_category_rows_blank_sex_and_column_23_drift() -> None:
    frame, parsed = _frame("fingertips", "fingertips_gp_qof_ae_heec/smok_qof_prev.csv")
    assert parsed.report.ok
    assert frame["category_type"].notna().sum() == 100
    assert frame["sex"].isna().sum() == 6267  # blank Sex is kept blank, not guessed
    # column 23 is 'Column not used' here: the comparison comes from 'Compared to England …'
    assert {"Better", "Worse", "Similar"} <= set(frame["compared_to_benchmark"].dropna())
    ed, _ = _frame("fingertips", "fingertips_gp_qof_ae_heec/ed_under5.csv")
    assert {"Better", "Worse"} <= set(ed["compared_to_benchmark"].dropna())


def test_abolished_cumbria_codes_in_2024_aps_rows_warn_with_successor(tmp_path: Path) -> None:
    with Workspace.open(tmp_path / "jsna.duckdb") as ws:
        outcome = ingest_file(
            ws,
            "indicator",
            real_file("fingertips_lad_indicators_trafford_themes/adults_smoking.csv"),
        )
    warned = {
        i.value: i.message for i in outcome.report.warnings if i.code == "abolished-area-code"
    }
    assert "E07000026" in warned and "now E06000063 Cumberland" in warned["E07000026"]
    assert "abolished on 2023-04-01" in warned["E07000026"]
    assert outcome.rows_loaded == outcome.rows_read  # a warning, not an error


def test_unknown_code_reported_against_loaded_lookup_vintages(tmp_path: Path) -> None:
    path = tmp_path / "pop.csv"
    path.write_text(
        "area_code,period,sex,age,population\nE01999999,2021,Male,0,3\nE01006001,2021,Male,0,4\n",
        encoding="utf-8",
    )
    with Workspace.open(tmp_path / "jsna.duckdb") as ws:
        ingest_file(ws, "lookup", real_file("lookups/gm_oa21_lsoa21_msoa21_lad22_lookup.csv"))
        outcome = ingest_file(ws, "population", path)
    unknown = [i for i in outcome.report.warnings if i.code == "unknown-area-code"]
    assert [(i.value, i.row) for i in unknown] == [("E01999999", 2)]
    assert "2021" in unknown[0].message


def test_tidy_fingertips_sex_in_inequality_or_unit() -> None:
    le, _ = _frame("indicator", "fingertips_lad_indicators_trafford_themes/life_expectancy.csv")
    assert set(le["sex"]) == {"Male", "Female"}
    mort, _ = _frame("indicator", "fingertips_lad_indicators_trafford_themes/mortality_rate.csv")
    assert set(mort["sex"]) == {"Male", "Female", "Persons"}
    assert set(le["period"]) >= {"2015-17"}


def test_london_family_hubs_combined_city_of_london() -> None:
    frame, _ = _frame("fingertips", "fingertips_london_family_hubs/fingertips_data_london.csv")
    city = frame[frame["area_code"] == "E09000001"].iloc[0]
    assert pd.isna(city["value"]) and "Hackney and City of London combined" in city["value_note"]
    assert "2018/19 - 20/21" in set(frame["period"])


def test_localhealth_ward_codes_2022_and_2023() -> None:
    old, _ = _frame("indicator", "trafford_ward_health_fingertips_localhealth/binge_drinking.csv")
    new, _ = _frame(
        "indicator", "trafford_ward_health_fingertips_localhealth/general_health_very_bad.csv"
    )
    assert (
        old["area_code"].str.startswith("E050008").all()
        and new["area_code"].str.startswith("E0501").all()
    )


def test_census_age_labels_and_rounding_warnings() -> None:
    frame, _ = _frame(
        "population", "trafford_census2021/2021_population_by_sex_and_age_msoa_trafford.csv"
    )
    assert {"0", "1", "90+"} <= set(frame["age_band"]) and set(frame["sex"]) == {"Male", "Female"}
    _, parsed = _frame(
        "population", "trafford_census2021/1981-2021_population_by_sex_and_age_group_la_gm.csv"
    )
    assert parsed.report.ok and any(i.code == "total-mismatch" for i in parsed.report.warnings)


def test_falls_second_sheet_irregular_bands() -> None:
    frame, parsed = _frame(
        "events",
        "birmingham_falls_admissions_age_sex/fall-counts-2022to2024.xlsx",
        area="E08000025",
        period="2022-24",
    )
    assert parsed.table.sheet == "data"
    assert frame["count"].sum() == 15_416 and "0-49" in set(frame["age_band"])
    assert set(frame["measure"]) == {"admissions"}


def test_boundaries_invalid_polygons_repaired_and_reported() -> None:
    frame, parsed = _frame("boundaries", "boundaries_ons_2023_2024/lad_may2024_uk_bsc.geojson")
    repaired = [i for i in parsed.report.warnings if i.code == "repaired-geometry"]
    assert len(frame) == 361 and frame["geometry_repaired"].sum() == len(repaired) > 0
    from shapely import from_wkb, is_valid

    assert is_valid(from_wkb(list(parsed.frames["geometry"]["wkb"]))).all()


def test_registrations_all_ages_rows() -> None:
    frame, _ = _frame("registrations", "nhs_gp_registrations_2021/gp-reg-pat-prac-all_jan2021.csv")
    first = frame.iloc[0]
    assert (
        first["practice_code"],
        first["period"],
        first["sex"],
        first["age_band"],
        first["count"],
    ) == ("A84002", "2021-01", "Persons", "All ages", 5903)


def test_aggregate_lsoa_to_lad_with_real_lookup(tmp_path: Path) -> None:
    from jsna.ingest.geography import aggregate

    with Workspace.open(tmp_path / "jsna.duckdb") as ws:
        ingest_file(ws, "lookup", real_file("lookups/gm_oa21_lsoa21_msoa21_lad22_lookup.csv"))
        lookups = ws.table("lookups")
    lsoas = lookups[(lookups["child_type"] == "Output area")]["parent_code"].unique()
    lsoa_codes = sorted(
        c for c in lookups[lookups["parent_type"] == "LSOA"]["parent_code"].unique()
    )
    assert len(lsoas) > 0
    to_lad = lookups[(lookups["parent_type"] == "Local authority district")][
        ["child_code", "parent_code"]
    ]
    frame = pd.DataFrame(
        {"area_code": ["E00024141", "E00024142", "E00024143"], "period": "2021", "count": [1, 2, 4]}
    )
    out = aggregate(frame, lookups, to="Local authority district")
    assert out[["area_code", "area_name", "count"]].values.tolist() == [["E08000001", "Bolton", 7]]
    assert len(lsoa_codes) and len(to_lad)
    with pytest.raises(Exception, match="not in the lookup"):
        aggregate(
            pd.DataFrame({"area_code": ["E00999999"], "count": [1]}),
            lookups,
            to="Local authority district",
        )


def _activity(tmp_path: Path) -> Path:
    path = tmp_path / "extract.csv"
    path.write_text(
        "age,sex,lsoa_code,admission_date,point_of_delivery,cost\n"
        "4,1,E01006001,2023-04-01,Emergency admission,100\n"
        "3,M,E01006001,2024-03-31,Emergency admission,50.5\n"
        "92,2,E01006001,01/04/2024,A&E attendance,\n"
        "abc,1,E01006001,2023-05-01,Emergency admission,10\n"
        "30,F,NOTACODE,2023-05-01,Emergency admission,-5\n",
        encoding="utf-8",
    )
    return path


def test_activity_aggregates_in_duckdb_and_quarantines(tmp_path: Path) -> None:
    path = _activity(tmp_path)
    parsed = parse_file("activity", path)
    bad = sorted((i.row, i.column) for i in parsed.report.errors)
    assert bad == [(5, "age"), (6, "cost"), (6, "lsoa_code")]
    frame = parsed.frames["events"].to_pandas().set_index(["period", "measure", "age_band"])
    assert frame.loc[("2023/24", "Emergency admission", "0-4"), "count"] == 2
    assert frame.loc[("2023/24", "Emergency admission", "0-4"), "cost"] == pytest.approx(150.5)
    assert frame.loc[("2024/25", "A&E attendance", "90+"), "count"] == 1
    with Workspace.open(tmp_path / "jsna.duckdb") as ws:
        outcome = ingest_file(ws, "activity", path, skip_invalid_rows=True)
        assert (outcome.rows_read, outcome.rows_loaded, outcome.rows_quarantined) == (5, 3, 2)
        assert ws.con.execute("SELECT sum(count) FROM events").fetchall()[0][0] == 3
        raws = ws.con.execute("SELECT DISTINCT raw FROM quarantine ORDER BY 1").fetchall()
    assert raws[0][0].startswith("30,F,NOTACODE")


def test_activity_parquet_matches_csv(tmp_path: Path) -> None:
    path = _activity(tmp_path)
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    table.to_parquet(tmp_path / "extract.parquet")
    keys = ["area_code", "period", "measure", "sex", "age_from"]
    a = (
        parse_file("activity", path)
        .frames["events"]
        .to_pandas()
        .sort_values(keys, ignore_index=True)
    )
    b = parse_file("activity", tmp_path / "extract.parquet").frames["events"].to_pandas()
    pd.testing.assert_frame_equal(a, b.sort_values(keys, ignore_index=True))


def test_phb_and_budgets_and_survey(tmp_path: Path) -> None:
    phb = tmp_path / "phb.csv"
    phb.write_text(
        "Period,Region code,ICB code,ICB name,Sub-ICB code,PHB type,Number of people\n"
        "2024/25 Q1,E40000010,E54000057,GM ICB,E38000187,Continuing healthcare,120\n"
        "2024/25 Q1,E40000010,E54000057,GM ICB,E38000187,Wheelchair,-1\n",
        encoding="utf-8",
    )
    parsed = parse_file("phb", phb)
    assert [(i.row, i.column) for i in parsed.report.errors] == [(3, "Number of people")]
    assert parsed.frames["phb_uptake"]["period"].tolist() == ["2024/25 Q1"] * 2
    budgets = tmp_path / "budgets.csv"
    budgets.write_text(
        "person_id,start_date,end_date,phb_type,annual_budget,conventional_cost\n"
        'P1,2023-04-01,2024-03-31,Personal care,"£12,000",14000\n'
        "P2,2023-06-01,2023-01-01,Wheelchair,3000,\n",
        encoding="utf-8",
    )
    parsed = parse_file("phb-budgets", budgets)
    assert parsed.frames["phb_budgets"]["annual_budget"].tolist()[0] == 12000
    assert [i.code for i in parsed.report.errors] == ["end-before-start"]
    survey = tmp_path / "survey.csv"
    survey.write_text(
        "question,response,percentage,base\nHow satisfied?,Very,55.5,200\nHow satisfied?,Not,44.5,200\n",
        encoding="utf-8",
    )
    from jsna.ingest.pipeline import detect_kind

    assert detect_kind(survey)[0] == "survey" and detect_kind(phb)[0] == "phb"
    assert parse_file("survey", survey).report.ok
