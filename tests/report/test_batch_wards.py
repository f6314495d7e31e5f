"""`jsna report --areas AREA --level ward`: one page per ward, linked from the index."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

AREA = "E06999001"


def build_ward_batch(folder: Path) -> None:
    """``jsna report --areas AREA --level ward --json`` on the demo build, into ``folder/out``,
    its JSON in ``folder/batch.json`` (a shared build: ``tests/shared_builds.py``)."""
    from tests.conftest import run_main

    project = folder.parent / "demo" / "project"
    code, printed, err = run_main(
        "report", "-p", project, "--areas", AREA, "--level", "ward", "--workers", "1",
        "-o", folder / "out", "--json",
    )  # fmt: skip
    if code != 0:
        raise SystemExit(f"jsna report --level ward exited {code}: {printed}{err}")
    (folder / "batch.json").write_text(printed, encoding="utf-8")


@pytest.fixture(scope="session")
def ward_batch(demo_project: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """The demo authority's ward pages (``build_ward_batch``), made once per session for every
    worker: (the command's JSON, the output folder); read only."""
    from tests.shared_builds import shared_build

    folder = shared_build(tmp_path_factory.getbasetemp(), "ward-batch")
    return json.loads((folder / "batch.json").read_text(encoding="utf-8")), folder / "out"


def test_one_page_per_ward_and_the_index_links_them(ward_batch, samples: Path) -> None:  # type: ignore[no-untyped-def]
    data, out = ward_batch
    lookup = pd.read_csv(samples / "lookup_lsoa21_ward24_msoa21_lad24.csv")
    wards = sorted(set(lookup["WD24CD"]))
    pages = [a for a in data["areas"] if a["small_area"]]
    assert sorted(a["area_code"] for a in pages) == wards
    assert all(a["status"] == "ok" for a in data["areas"])
    index = (out / "index.html").read_text(encoding="utf-8")
    for code in [AREA, *wards]:
        assert f'href="jsna-{code}.html"' in index
        assert (out / f"jsna-{code}.html").exists()
    # the authority comes first, its wards under it
    assert data["areas"][0]["area_code"] == AREA


def test_ward_page_shows_its_values_rank_and_map(ward_batch, samples: Path) -> None:  # type: ignore[no-untyped-def]
    _, out = ward_batch
    source = pd.read_csv(samples / "local_health_wards.csv")
    row = source[source["area_code"].str.startswith("E05")].iloc[0]
    page = (out / f"jsna-{row['area_code']}.html").read_text(encoding="utf-8")
    assert f"<h1>{row['area_name']}</h1>" in page
    assert 'id="locator-map"' in page and "<svg" in page
    ratio = source[
        source["indicator"].eq(row["indicator"]) & source["area_code"].str.startswith("E05")
    ]
    rank = int((ratio["value"] > row["value"]).sum()) + 1
    assert f"{row['value']:.1f}" in page
    assert f"{rank} of {len(ratio)}" in page
    assert 'href="jsna-E06999001.html"' in page


def test_level_needs_a_batch(demo_project: Path) -> None:
    from tests.conftest import run_main

    code, _, err = run_main("report", "-p", demo_project, "--level", "ward")
    assert code == 2 and "--level needs --all-areas or --areas" in err


def test_unknown_level_is_a_usage_error(demo_project: Path, tmp_path: Path) -> None:
    from tests.conftest import run_main

    code, _, err = run_main(
        "report", "-p", demo_project, "--areas", AREA, "--level", "parish", "-o", tmp_path
    )
    assert code == 2 and "--level takes one of ward, msoa" in err
