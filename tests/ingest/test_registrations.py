"""The layouts of NHS Digital's "Patients registered at a GP practice" files, each loaded and
checked against plain sums of the file written here (column names as NHS Digital publishes them)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from jsna import api
from jsna.workspace import Workspace
from tests.conftest import real_file

#: the 2023 layout: sub-ICB location columns, ORG_CODE, single years with 95+
SINGLE_AGE = (
    "PUBLICATION,EXTRACT_DATE,TYPE,SUB_ICB_LOCATION_CODE,ONS_SUB_ICB_LOCATION_CODE,ORG_CODE,"
    "POSTCODE,SEX,AGE,NUMBER_OF_PATIENTS\n"
)
#: the 5-year-band layout of the same publication
QUIN_AGE = (
    "PUBLICATION,EXTRACT_DATE,TYPE,CCG_CODE,ONS_CCG_CODE,CODE,POSTCODE,SEX,AGE,NUMBER_OF_PATIENTS\n"
)


def _single_age(path: Path) -> Path:
    lines = [SINGLE_AGE]
    for practice, size in (("P91004", 7), ("P91006", 11)):
        for sex in ("MALE", "FEMALE"):
            for age in [*range(95), "95+"]:
                n = size + (age if isinstance(age, int) else 95) % 13
                lines.append(
                    f"GP_PRAC_PAT_LIST,01JUN2023,GP,02A,E38000187,{practice},M33 6AA,{sex},{age},{n}\n"
                )
    path.write_text("".join(lines))
    return path


def _quin_age(path: Path) -> Path:
    bands = [f"{lo}_{lo + 4}" for lo in range(0, 95, 5)] + ["95+"]
    lines = [QUIN_AGE]
    for sex in ("MALE", "FEMALE"):
        for i, band in enumerate(bands):
            lines.append(
                f"GP_PRAC_PAT_LIST,01JAN2021,GP,02A,E38000187,P91004,M33 6AA,{sex},{band},{40 + i}\n"
            )
    path.write_text("".join(lines))
    return path


def _ingest(project: Path, path: Path) -> None:
    from jsna.config import load_config

    api.ingest(load_config(project / "jsna.toml"), "registrations", [path])


def _loaded(project: Path) -> pd.DataFrame:
    with Workspace.open(project / "jsna.duckdb", read_only=True) as ws:
        return ws.table("registrations")


def test_single_year_file_loads_every_row(project: Path, tmp_path: Path) -> None:
    path = _single_age(tmp_path / "gp-reg-pat-prac-sing-age.csv")
    _ingest(project, path)
    source = pd.read_csv(path, dtype=str)
    reg = _loaded(project)
    assert len(reg) == len(source)
    expected = (
        source.assign(n=source["NUMBER_OF_PATIENTS"].astype(int)).groupby("ORG_CODE")["n"].sum()
    )
    assert reg.groupby("practice_code")["count"].sum().to_dict() == expected.to_dict()
    assert set(reg["sex"]) == {"Male", "Female"}
    assert set(reg["period"]) == {"2023-06"}
    assert set(reg["sub_icb_ons_code"]) == {"E38000187"} and set(reg["sub_icb_code"]) == {"02A"}
    top = reg[reg["age_from"].eq(95)]
    assert top["age_to"].isna().all() and len(top) == 4


def test_five_year_band_file_keeps_its_bands(project: Path, tmp_path: Path) -> None:
    path = _quin_age(tmp_path / "gp-reg-pat-prac-quin-age.csv")
    _ingest(project, path)
    reg = _loaded(project)
    assert len(reg) == 40
    band = reg[reg["sex"].eq("Female") & reg["age_from"].eq(10)].iloc[0]
    assert (band["age_to"], band["count"]) == (14, 42)
    assert reg["count"].sum() == pd.read_csv(path)["NUMBER_OF_PATIENTS"].sum()


def test_all_ages_file_keeps_the_practice_hierarchy(project: Path) -> None:
    path = real_file("nhs_gp_registrations_2021/gp-reg-pat-prac-all_jan2021.csv")
    _ingest(project, path)
    source = pd.read_csv(path, dtype=str)
    reg = _loaded(project)
    assert len(reg) == len(source) == 6658
    assert reg["count"].sum() == source["NUMBER_OF_PATIENTS"].astype(int).sum()  # 60,606,345
    mine = reg.set_index("practice_code")
    for _, row in source.sample(25, random_state=1).iterrows():
        got = mine.loc[row["CODE"]]
        assert (got["sub_icb_code"], got["sub_icb_ons_code"]) == (
            row["CCG_CODE"],
            row["ONS_CCG_CODE"],
        )
        assert got["count"] == int(row["NUMBER_OF_PATIENTS"])
    assert set(reg["sex"]) == {"Persons"} and set(reg["age_band"]) == {"All ages"}


@pytest.mark.parametrize("bad", ["P9100", "p91004!"])
def test_a_bad_practice_code_is_an_issue_with_its_row(
    project: Path, tmp_path: Path, bad: str
) -> None:
    path = tmp_path / "reg.csv"
    path.write_text(
        QUIN_AGE + f"GP_PRAC_PAT_LIST,01JAN2021,GP,02A,E38000187,{bad},M33 6AA,MALE,0_4,5\n"
    )
    report = api.validate("registrations", path)
    assert [(i.code, i.row, i.value) for i in report.errors] == [("bad-practice-code", 2, bad)]
