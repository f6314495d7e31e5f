"""NHS Digital's ePCN (practice -> primary care network) as a lookup, in both header generations,
as CSV and as the workbook; and the patients registered at a practice by LSOA of residence. Each
load is checked against the file read with plain pandas."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from jsna import api
from jsna.errors import InvalidDataError
from jsna.workspace import Workspace
from tests.conftest import SAMPLES

EPCN = SAMPLES / "epcn_core_partner_details.csv"
BY_LSOA = SAMPLES / "gp_registrations_lsoa.csv"


def _ingest(project: Path, kind: str | None, path: Path) -> None:
    from jsna.config import load_config

    api.ingest(load_config(project / "jsna.toml"), kind, [path])


def _table(project: Path, name: str) -> pd.DataFrame:
    with Workspace.open(project / "jsna.duckdb", read_only=True) as ws:
        return ws.table(name)


def _expected() -> pd.DataFrame:
    source = pd.read_csv(EPCN, dtype=str, keep_default_na=False)
    return source.sort_values(
        ["Partner Organisation Code", "Practice to PCN Relationship Start Date"]
    ).reset_index(drop=True)


def _check_practice_rows(lookups: pd.DataFrame) -> None:
    source = _expected()
    rows = lookups[lookups["child_type"].eq("GP practice")]
    rows = rows.sort_values(["child_code", "valid_from"]).reset_index(drop=True)
    assert rows["child_code"].tolist() == source["Partner Organisation Code"].tolist()
    assert rows["parent_code"].tolist() == source["PCN Code"].tolist()
    assert rows["parent_name"].tolist() == source["PCN Name"].tolist()
    assert set(rows["parent_type"]) == {"Primary care network"}
    starts = pd.to_datetime(source["Practice to PCN Relationship Start Date"], format="%Y%m%d")
    assert pd.to_datetime(rows["valid_from"]).tolist() == starts.tolist()
    ends = pd.to_datetime(
        source["Practice to PCN Relationship End Date"].replace("", None), format="%Y%m%d"
    )
    assert pd.to_datetime(rows["valid_to"]).isna().tolist() == ends.isna().tolist()
    # the one ended relationship keeps its end date
    assert pd.to_datetime(rows["valid_to"]).dropna().tolist() == ends.dropna().tolist()


def test_epcn_csv_of_the_sub_icb_generation_loads_as_a_lookup(project: Path) -> None:
    _ingest(project, None, EPCN)  # recognised by its columns
    _check_practice_rows(_table(project, "lookups"))


def test_epcn_csv_of_the_ccg_generation_loads_the_same(project: Path, tmp_path: Path) -> None:
    older = tmp_path / "epcn_2021.csv"
    text = EPCN.read_text().replace("Practice Parent Sub ICB Loc Code", "Practice Parent CCG Code")
    older.write_text(text)
    _ingest(project, "pcn", older)
    _check_practice_rows(_table(project, "lookups"))


def test_epcn_workbook_reads_both_sheets(project: Path, tmp_path: Path) -> None:
    source = _expected()
    book = tmp_path / "ePCN.xlsx"
    details = pd.DataFrame(
        {
            "PCN Code": ["U99001", "U99002", "U99003"],
            "PCN Name": ["Ambridge North PCN", "Borchester Road PCN", "Waterley and Hassett PCN"],
            "Current Sub ICB Loc Code": ["99X", "99X", "99Y"],
            "Open Date": ["20190701"] * 3,
            "Close Date": [""] * 3,
        }
    )
    with pd.ExcelWriter(book) as writer:
        pd.DataFrame({"Notes": ["ePCN, synthetic"]}).to_excel(
            writer, sheet_name="Notes", index=False
        )
        details.to_excel(writer, sheet_name="PCN Details", index=False)
        source.to_excel(writer, sheet_name="PCN Core Partner Details", index=False)
    _ingest(project, "pcn", book)
    lookups = _table(project, "lookups")
    _check_practice_rows(lookups)
    pcns = lookups[lookups["child_type"].eq("Primary care network")].sort_values("child_code")
    assert pcns["child_code"].tolist() == details["PCN Code"].tolist()
    assert pcns["parent_code"].tolist() == details["Current Sub ICB Loc Code"].tolist()
    assert set(pcns["parent_type"]) == {"Sub-ICB location"}


def test_a_practice_in_two_open_pcns_is_refused_naming_both(project: Path, tmp_path: Path) -> None:
    bad = tmp_path / "epcn_bad.csv"
    lines = EPCN.read_text().splitlines()
    # Z99007's ended relationship loses its end date: two PCNs at once
    lines = [
        line.removesuffix(",20230331") + "," if line.endswith(",20230331") else line
        for line in lines
    ]
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(InvalidDataError) as caught:
        _ingest(project, "pcn", bad)
    messages = [i.message for i in caught.value.issues]
    assert any("Z99007" in m and "U99002 and U99003" in m for m in messages), messages
    assert _table(project, "lookups").empty  # nothing loaded


def test_bad_codes_and_dates_name_row_column_and_value(project: Path, tmp_path: Path) -> None:
    bad = tmp_path / "epcn_bad.csv"
    text = EPCN.read_text().replace("Z99004,", "Z9904,", 1).replace("20190701", "1 July", 1)
    bad.write_text(text)
    with pytest.raises(InvalidDataError) as caught:
        _ingest(project, "pcn", bad)
    found = {(i.code, i.column, i.value) for i in caught.value.issues}
    assert ("bad-practice-code", "Partner Organisation Code", "Z9904") in found
    assert ("bad-date", "Practice to PCN Relationship Start Date", "1 July") in found


@pytest.mark.parametrize("header", ["LSOA_CODE", "LSOA_2011_CODE", "LSOA_2021_CODE"])
def test_patients_by_lsoa_load_in_every_header(project: Path, tmp_path: Path, header: str) -> None:
    path = tmp_path / "gp-reg-pat-prac-lsoa-all.csv"
    path.write_text(BY_LSOA.read_text().replace("LSOA_CODE", header, 1))
    _ingest(project, None, path)
    loaded = _table(project, "registrations_lsoa")
    source = pd.read_csv(BY_LSOA)
    assert len(loaded) == len(source)
    assert loaded["count"].sum() == source["NUMBER_OF_PATIENTS"].sum()
    got = loaded.groupby(["practice_code", "lsoa_code"])["count"].sum().sort_index()
    want = source.groupby(["PRACTICE_CODE", "LSOA_CODE"])["NUMBER_OF_PATIENTS"].sum().sort_index()
    assert got.tolist() == want.astype(float).tolist()
    assert set(loaded["period"]) == {"2025-01"} and set(loaded["sex"]) == {"Male", "Female"}
    assert _table(project, "registrations").empty  # not taken for the list-size layout
