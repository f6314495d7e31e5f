"""Trafford's GP practices and primary care networks from the real files, in a small project.

The project holds NHS Digital's January 2021 registrations, OHID's A&E attendances of under-5s
by GP practice and PCN (a Fingertips download whose practice rows name their PCN as parent, with
the PCNs' own rows beside them) and a sub-ICB location -> district lookup in the ONS layout
(``SICBL23CD, SICBL23NM, LAD24CD, LAD24NM``: the district first in the geography order, so it
loads as the sub-ICB's child). The lookup is made here from the real ONS boundaries: each sub-ICB
location goes to the district holding its ONS centroid. Its sub-ICB names ("NHS Greater
Manchester ICB - 02A") do not name the district, so Trafford's practices attach only through
the lookup.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from tests.conftest import real_file, run_main

TRAFFORD = "E08000009"
REGISTRATIONS = "nhs_gp_registrations_2021/gp-reg-pat-prac-all_jan2021.csv"
AE_UNDER_5 = "fingertips_gp_qof_ae_heec/ed_under5.csv"
SUB_ICBS = "boundaries_ons_2023_2024/sicbl_apr2023_en_bsc.geojson"
DISTRICTS = "boundaries_ons_2023_2024/lad_may2024_uk_bsc.geojson"
LOOKUP_FILE = "sicbl23_lad24_lookup.csv"


@dataclass
class Project:
    """The built project and the lookup it was given."""

    path: Path
    lookup: pd.DataFrame

    def html(self, area: str) -> str:
        """The HTML report of ``area`` (rendered on first use)."""
        page = self.path / "output" / f"jsna-{area}.html"
        if not page.exists():
            code, out, err = run_main(
                "report", "--area", area, "--format", "html", "--project", str(self.path)
            )
            assert code == 0, out + err
        return page.read_text(encoding="utf-8")


def sub_icb_lookup() -> pd.DataFrame:
    """Each sub-ICB location (April 2023) and the district (May 2024) holding its centroid, for
    the districts that hold one."""
    import geopandas as gpd

    subs = gpd.read_file(real_file(SUB_ICBS))
    districts = gpd.read_file(real_file(DISTRICTS))
    # about 2.5% of the district polygons are invalid as published
    districts["geometry"] = districts.geometry.make_valid()
    points = gpd.GeoDataFrame(
        subs[["SICBL23CD", "SICBL23NM"]],
        geometry=gpd.points_from_xy(subs["LONG"], subs["LAT"]),
        crs="EPSG:4326",
    ).to_crs(districts.crs)
    joined = gpd.sjoin(
        points, districts[["LAD24CD", "LAD24NM", "geometry"]], predicate="within", how="inner"
    )
    pairs = pd.DataFrame(joined[["SICBL23CD", "SICBL23NM", "LAD24CD", "LAD24NM"]])
    # a district holding several sub-ICB centroids would be a child with several parents, which
    # a lookup may not have: those districts are left out (Trafford holds one)
    single = pairs.groupby("LAD24CD")["SICBL23CD"].transform("nunique").eq(1)
    return pairs[single].sort_values("SICBL23CD").reset_index(drop=True)


def build(folder: Path) -> Project:
    """``jsna init``, the three ingests and ``jsna compute`` through the CLI, in ``folder``."""
    lookup = sub_icb_lookup()
    lookup_file = folder / LOOKUP_FILE
    lookup.to_csv(lookup_file, index=False)
    project = folder / "trafford-practices"
    code, out, err = run_main("init", str(project))
    assert code == 0, out + err
    for path in (real_file(REGISTRATIONS), real_file(AE_UNDER_5), lookup_file):
        code, out, err = run_main("ingest", str(path), "--project", str(project))
        assert code == 0, out + err
    code, out, err = run_main("compute", "--project", str(project))
    assert code in (0, 1), out + err  # indicators without their inputs are skipped, not failed
    return Project(project, lookup)


def trafford_sub_icbs(lookup: pd.DataFrame) -> set[str]:
    """The sub-ICB locations the lookup puts in Trafford."""
    return set(lookup.loc[lookup["LAD24CD"].eq(TRAFFORD), "SICBL23CD"])


def load(folder: Path) -> Project:
    """The :class:`Project` that :func:`build` made in ``folder`` (a shared build)."""
    return Project(folder / "trafford-practices", pd.read_csv(folder / LOOKUP_FILE))
