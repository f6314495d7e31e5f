"""End-to-end tests of the walking skeleton through the real CLI."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SAMPLES, real_file

SECTION_TITLES = [
    "Demography",
    "Social and environmental context",
    "Current health status",
    "Current met needs (service use)",
    "Patient and service-user voice",
    "Public demands",
    "Current inequalities",
    "Projected service use",
    "Projected outcomes",
    "Value for money and return on investment",
]


def _html(project: Path) -> str:
    reports = sorted((project / "output").glob("jsna-*.html"))
    assert reports, f"no report in {project / 'output'}"
    return reports[0].read_text(encoding="utf-8")


def test_demo_report_has_ten_sections_in_order_and_a_chart(demo_project: Path) -> None:
    html = _html(demo_project)
    headings = re.findall(
        r'<h2 id="section-\d+-[^"]+-heading"><span class="number">(\d+)</span> ([^<]+)</h2>', html
    )
    assert [int(n) for n, _ in headings] == list(range(1, 11))
    assert [t.replace("&amp;", "&") for _, t in headings] == SECTION_TITLES
    assert "<svg" in html and 'role="img"' in html
    assert "Population by age and sex" in html


def test_demo_report_is_self_contained(demo_project: Path) -> None:
    html = _html(demo_project)
    assert not re.search(r'(src|href)="https?://', html), (
        "the report must not load anything from the network"
    )
    assert '<link rel="stylesheet"' not in html


def test_demo_appendix_lists_every_input_with_sha256(demo_project: Path) -> None:
    import duckdb

    html = _html(demo_project)
    con = duckdb.connect(str(demo_project / "jsna.duckdb"), read_only=True)
    rows = con.execute("SELECT file_name, sha256 FROM provenance").fetchall()
    con.close()
    assert len(rows) >= 5
    for name, sha in rows:
        assert name in html
        assert sha in html


def test_sections_without_data_say_which_input_would_fill_them(tmp_path: Path, cli) -> None:
    code, _, _ = cli("init", tmp_path / "p")
    assert code == 0
    project = tmp_path / "p"
    code, _out, err = cli(
        "ingest", "population", SAMPLES / "population_mye_lad_2020_2024.csv", "--project", project
    )
    assert code == 0, err
    assert cli("compute", "--project", project)[0] == 0
    code, _out, err = cli("report", "--project", project, "--area", "E06999001")
    assert code == 0, err
    html = _html(project)
    assert "Data not yet supplied" in html
    assert "jsna ingest deprivation FILE" in html
    assert "lorem" not in html.lower()


def test_version_and_help(cli) -> None:
    from jsna import __version__

    code, out, _ = cli("--version")
    assert code == 0 and __version__ in out
    for command in ("init", "ingest", "validate", "compute", "report", "run", "demo", "inputs"):
        code, out, _ = cli(command, "--help")
        assert code == 0 and "Usage" in out, command


def test_help_does_not_import_heavy_libraries() -> None:
    code = (
        "import sys\n"
        "from jsna.cli import app\n"
        "try:\n    app(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('pandas', 'geopandas', 'matplotlib', 'duckdb', 'scipy', 'weasyprint') if m in sys.modules]\n"
        "print('HEAVY=' + ','.join(heavy))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert "HEAVY=\n" in out, out


def test_bad_file_exits_1_names_row_column_and_value_and_loads_nothing(
    project: Path, tmp_path: Path, cli
) -> None:
    bad = tmp_path / "population.csv"
    bad.write_text(
        "area_code,area_name,period,sex,age,population\n"
        "E06999001,Ambridge Vale,2024,Male,0,812\n"
        "E06999001,Ambridge Vale,2024,Male,1,n/a\n"
        "E06999001,Ambridge Vale,2024,Male,2,-4\n",
        encoding="utf-8",
    )
    code, _, _err = cli("ingest", "population", bad, "--project", project)
    assert code == 1
    from jsna import api
    from jsna.errors import InvalidDataError

    with pytest.raises(InvalidDataError) as info:
        api.ingest(api.project_config(project), "population", [bad])
    messages = [str(i) for i in info.value.issues]
    assert any("row 3" in m and "population" in m and "'n/a'" in m for m in messages), messages
    assert any("row 4" in m and "'-4'" in m for m in messages), messages
    import duckdb

    con = duckdb.connect(str(project / "jsna.duckdb"), read_only=True)
    assert con.execute("SELECT count(*) FROM population").fetchall()[0][0] == 0
    assert con.execute("SELECT count(*) FROM provenance").fetchall()[0][0] == 0
    con.close()


def test_unreadable_file_exits_3_and_usage_error_exits_2(
    project: Path, tmp_path: Path, cli
) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert cli("ingest", "population", empty, "--project", project)[0] == 3
    assert (
        cli(
            "ingest",
            "nonsense-kind",
            SAMPLES / "population_mye_lad_2020_2024.csv",
            "--project",
            project,
        )[0]
        == 2
    )
    assert cli("report", "--project", project, "--format", "docx", "--area", "E06999001")[0] in (
        2,
        3,
    )


def test_reingesting_the_same_file_is_a_no_op(project: Path, cli) -> None:
    sample = SAMPLES / "imd2019_lsoa.csv"
    code, out, _ = cli("ingest", "deprivation", sample, "--project", project)
    assert code == 0
    code, out, _ = cli("ingest", "deprivation", sample, "--project", project, "--json")
    assert code == 0 and '"status": "unchanged"' in out
    import duckdb

    con = duckdb.connect(str(project / "jsna.duckdb"), read_only=True)
    assert con.execute("SELECT count(*) FROM provenance").fetchall()[0][0] == 1
    con.close()


def test_user_flow_init_ingest_compute_report(tmp_path: Path, cli) -> None:
    project = tmp_path / "mine"
    assert cli("init", project)[0] == 0
    for kind, name in (
        ("population", "population_mye_lad_2020_2024.csv"),
        ("population", "population_mye2024_lsoa_wide.csv"),
        ("deaths", "deaths_lad_2020_2024.csv"),
        ("fingertips", "fingertips_export.csv"),
        ("deprivation", "imd2019_lsoa.csv"),
        ("boundaries", "boundaries_lsoa.geojson"),
    ):
        code, out, err = cli("ingest", kind, SAMPLES / name, "--project", project)
        assert code == 0, (name, out, err)
    code, out, err = cli("compute", "--project", project, "--json")
    assert code == 0, err
    assert '"life-expectancy-at-birth"' in out
    code, out, err = cli("report", "--project", project, "--area", "E06999001", "--format", "html")
    assert code == 0, err
    html = _html(project)
    assert "Life expectancy at birth" in html


def test_run_with_config_does_everything(demo_run: tuple[Path, int, str, str]) -> None:
    import json

    # the session's demo project is the samples run by `jsna run --config jsna.toml --json`
    project, code, out, err = demo_run
    assert code == 0, (out, err)
    summary = json.loads(out)
    assert summary["ok"] is True and summary["exit_code"] == 0
    assert (project / "output" / "run.json").exists()
    assert (project / "output" / "jsna-E06999001.html").exists()


@pytest.mark.real
def test_real_mid_year_estimates_ingest_cleanly(project: Path, cli) -> None:
    path = real_file("ons_mye2021_lad/mye2021_lad21_uk_syoa_long.csv")
    code, out, err = cli(
        "ingest",
        "population",
        path,
        "--project",
        project,
        "--json",
        "--sex-codes",
        "1=Female,2=Male",
    )
    assert code == 0, err
    assert '"rows_loaded": 68068' in out


@pytest.mark.real
def test_real_imd_lsoa_file_ingests_cleanly(project: Path, cli) -> None:
    path = real_file("imd2019_lsoa/File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv")
    code, out, err = cli("ingest", "deprivation", path, "--project", project, "--json")
    assert code == 0, err
    assert '"rows_loaded": 32844' in out


def test_report_areas_refuses_malformed_codes(project: Path, cli) -> None:
    code, _out, err = cli("report", "--project", project, "--areas", "X1,E06999001")
    assert code == 2
    assert "X1" in err and "GSS" in err
