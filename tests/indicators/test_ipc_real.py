"""Integrated personal commissioning cohorts from real counts, checked against plain pandas sums
over the source files: the learning disability and dementia QOF registers of the GP practices
of one sub-ICB location (NHS Digital's list of January 2021 says which practices; the dementia
register only where a cohort names it), and Trafford's
Census 2021 disability counts summed over its LSOAs. Skipped when the real files are absent."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import real_file, run_main

#: the sub-ICB location of the Fingertips GP files' practices (NHS Tees Valley CCG, 16C)
SUB_ICB = "E38000247"
#: the authority the test attaches it to, by a lookup row the test writes whose sub-ICB name
#: holds the authority's name (how jsna attaches a sub-ICB named after its authority); the
#: sub-ICB covers five authorities, so the registers summed are the whole sub-ICB's
ATTACHED = "E06000004"
TRAFFORD = "E08000009"
DISABLED = "Disabled under the Equality Act"

COHORTS = f"""
[[ipc.cohorts]]
name = "People with learning disabilities"
condition = "Learning disability"

[[ipc.cohorts]]
name = "Older people"
condition = "Frailty"
counts = ["247"]

[[ipc.cohorts]]
name = "Frail older people"
condition = "Frailty"
min_age = 65

[[ipc.cohorts]]
name = "Disabled residents"
condition = "Disability"
counts = ["disability-count"]
count_category = "{DISABLED}"
"""


@pytest.fixture(scope="module")
def real_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    files = {
        "registrations": real_file("nhs_gp_registrations_2021/gp-reg-pat-prac-all_jan2021.csv"),
        "ld": real_file("fingertips_gp_qof_ae_heec/ld_qof_prev.csv"),
        "dementia": real_file("fingertips_gp_qof_ae_heec/dementia_qof_prev.csv"),
        "disability": real_file("trafford_census2021/2021_disability_lsoa_trafford.csv"),
        "lsoa_lookup": real_file("lookups/gm_oa21_lsoa21_msoa21_lad22_lookup.csv"),
    }
    project = tmp_path_factory.mktemp("ipc-real") / "proj"
    assert run_main("init", project)[0] == 0
    toml = project / "jsna.toml"
    text = toml.read_text(encoding="utf-8").replace(
        '# area = "E06000001"', f'area = "{ATTACHED}"', 1
    )
    toml.write_text(text + COHORTS, encoding="utf-8")
    lookup = project / "inputs" / "sub_icb_lookup.csv"
    lookup.parent.mkdir(exist_ok=True)
    lookup.write_text(
        f"SICBL24CD,SICBL24NM,LAD24CD,LAD24NM\n{SUB_ICB},NHS Tees Valley CCG - Stockton-on-Tees,{ATTACHED},"
        "Stockton-on-Tees\n",
        encoding="utf-8",
    )
    for kind, path in (
        ("registrations", files["registrations"]),
        ("fingertips", files["ld"]),
        ("fingertips", files["dementia"]),
        ("lookup", lookup),
        ("indicator", files["disability"]),
        ("lookup", files["lsoa_lookup"]),
    ):
        code, out, err = run_main("ingest", kind, path, "--project", project)
        assert code == 0, out + err
    code, out, err = run_main("compute", "--project", project)
    assert code in (0, 1), out + err
    return project


def _stored(project: Path) -> pd.DataFrame:
    from jsna import api
    from jsna.workspace import Workspace

    config = api.project_config(project)
    with Workspace.open(config.workspace_path, read_only=True) as ws:
        frame = ws.analysis_table("analysis_ipc_cohorts")
    return frame[frame["report_area"].eq(ATTACHED)].set_index("cohort")


def _sub_icb_registers(file: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the sub-ICB's practices in the registrations file, their latest register rows)."""
    reg = pd.read_csv(real_file("nhs_gp_registrations_2021/gp-reg-pat-prac-all_jan2021.csv"))
    mine = reg[reg["ONS_CCG_CODE"].eq(SUB_ICB)]
    qof = pd.read_csv(real_file(f"fingertips_gp_qof_ae_heec/{file}"))
    gp = qof[qof["Area Code"].isin(mine["CODE"]) & qof["Category Type"].isna()]
    return mine, gp[gp["Time period Sortable"].eq(gp["Time period Sortable"].max())]


@pytest.mark.parametrize(
    ("cohort", "file"),
    [
        ("People with learning disabilities", "ld_qof_prev.csv"),
        ("Older people", "dementia_qof_prev.csv"),
    ],
)
def test_sub_icb_register_is_the_sum_of_its_practices(
    real_project: Path, cohort: str, file: str
) -> None:
    practices, latest = _sub_icb_registers(file)
    row = _stored(real_project).loc[cohort]
    assert row["people"] == latest["Count"].sum()
    assert row["period"] == latest["Time period"].iloc[0]
    counted = latest[latest["Count"].notna()]
    covered = practices[practices["CODE"].isin(counted["Area Code"])]["NUMBER_OF_PATIENTS"].sum()
    assert row["coverage"] == (
        f"{len(counted)} of {len(practices)} GP practices; {covered:,} of "
        f"{practices['NUMBER_OF_PATIENTS'].sum():,} registered patients"
    )
    assert row["interval"] == "count (no sampling error)"
    assert "registered patients, not residents" in row["source"]


def test_frailty_is_not_sized_from_the_dementia_register_unless_named(real_project: Path) -> None:
    """The dementia register is loaded, but only the cohort that names it (``counts = ["247"]``)
    uses it; the default frailty cohort waits for frailty prevalence and population (neither is
    loaded here)."""
    stored = _stored(real_project)
    frail = stored.loc["Frail older people"]
    assert frail["source"].startswith("not sized: no counts")  # nor population, here
    assert pd.isna(frail["people"])
    assert stored.loc["Older people", "source"].startswith("register count: Dementia")


def test_trafford_disability_is_the_sum_of_its_lsoas(real_project: Path) -> None:
    from jsna import api
    from jsna.indicators.analyses import ipc_counted_cohorts
    from jsna.workspace import Workspace

    census = pd.read_csv(real_file("trafford_census2021/2021_disability_lsoa_trafford.csv"))
    disabled = census[census["disability_category"].str.startswith(DISABLED)]
    config = api.project_config(real_project)
    with Workspace.open(config.workspace_path, read_only=True) as ws:
        counted = ipc_counted_cohorts(ws.table, config.ipc.cohorts)
    row = counted[counted["area_code"].eq(TRAFFORD)].set_index("cohort").loc["Disabled residents"]
    assert row["people"] == disabled["value"].sum()
    assert row["coverage"] == f"{census['area_code'].nunique()} of 139 LSOAs"
    assert row["source"].startswith("census count: Disability")
