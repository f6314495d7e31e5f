"""Boundaries (GeoJSON, GeoPackage, Shapefile) and code lookups (child area -> parent area)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from jsna.errors import MissingColumnError, UnreadableFileError
from jsna.ingest.base import Columns, Parsed, ReadOptions, Source, with_rows
from jsna.ingest.fields import GSS_PATTERN, area_type_of, check_area_codes, duplicate_keys, warn
from jsna.ingest.readers import TableText, normalise_name, read_text_table
from jsna.vocabulary.issues import ValidationIssue, ValidationReport

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

_CODE_COL = re.compile(r"^([a-z]+?)(\d{2})?cd$")
_NAME_COL = re.compile(r"^([a-z]+?)(\d{2})?nm$")

#: order of geographies from smallest to largest, by the prefix of their ONS column names
HIERARCHY = (
    "oa",
    "lsoa",
    "msoa",
    "wd",
    "ward",
    "pcon",
    "lad",
    "ltla",
    "utla",
    "ctyua",
    "cty",
    "sicbl",
    "ccg",
    "icb",
    "cauth",
    "rgn",
    "nhser",
    "ctry",
)
_TYPE_NAMES = {
    "oa": "Output area",
    "lsoa": "LSOA",
    "msoa": "MSOA",
    "wd": "Ward",
    "ward": "Ward",
    "lad": "Local authority district",
    "ltla": "Lower-tier local authority",
    "utla": "Upper-tier local authority",
    "ctyua": "County or unitary authority",
    "cty": "County",
    "sicbl": "Sub-ICB location",
    "ccg": "CCG",
    "icb": "Integrated care board",
    "cauth": "Combined authority",
    "rgn": "Region",
    "nhser": "NHS region",
    "ctry": "Country",
    "pcon": "Parliamentary constituency",
}


def _code_columns(columns: list[str]) -> list[tuple[str, str, str | None]]:
    """(column, level, two-digit vintage) for every ONS-style code column, smallest first."""
    found = []
    for col in columns:
        n = normalise_name(col).replace("_", "")
        if m := _CODE_COL.match(n):
            level = m.group(1)
            if level in HIERARCHY:
                found.append((col, level, m.group(2)))
    return sorted(found, key=lambda t: HIERARCHY.index(t[1]))


def _name_column(columns: list[str], level: str, vintage: str | None) -> str | None:
    for col in columns:
        n = normalise_name(col).replace("_", "")
        if (
            (m := _NAME_COL.match(n))
            and m.group(1) == level
            and (vintage is None or m.group(2) in (vintage, None))
        ):
            return col
    return None


class BoundariesSource(Source):
    kind = "boundaries"
    title = "Area boundaries (GeoJSON, GeoPackage or Shapefile) with ONS codes"
    tables = ("areas",)
    expected_columns = "a code property such as LAD24CD, LSOA21CD or area_code, and a name property"
    suffixes = (".geojson", ".json", ".gpkg", ".shp")

    def parse(self, path: Path, options: ReadOptions) -> Parsed:
        import geopandas as gpd
        import pandas as pd

        path = Path(path)
        if not path.exists():
            raise UnreadableFileError(f"{path}: file not found")
        if path.stat().st_size == 0:
            raise UnreadableFileError(f"{path.name}: the file is empty (0 bytes)")
        try:
            gdf = gpd.read_file(path, engine="pyogrio")
        except Exception as exc:  # pyogrio raises DataSourceError and friends
            raise UnreadableFileError(f"{path.name}: not a readable boundary file: {exc}") from exc
        if not isinstance(gdf, gpd.GeoDataFrame) or "geometry" not in gdf.columns:
            raise UnreadableFileError(
                f"{path.name}: has no geometry, so it is not a boundary file; boundaries come as "
                "GeoJSON, GeoPackage or Shapefile (a CSV of codes is a lookup: jsna ingest lookup)"
            )
        columns = [c for c in gdf.columns if c != "geometry"]
        table = TableText(
            frame=pd.DataFrame(gdf[columns]).astype(str), path=path, encoding="geo", header_line=0
        )
        cols = Columns(table, options.column_map)
        issues: list[ValidationIssue] = []
        code_cols = _code_columns(columns)
        explicit = cols.find("area_code", "code", "lad_code", "geography_code")
        if explicit:
            code_col, level, vintage2 = explicit, None, None
        elif code_cols:
            code_col, level, vintage2 = code_cols[0]
        else:
            raise MissingColumnError(
                table, "area code", ("area_code", "LAD24CD", "LSOA21CD", "WD24CD")
            )
        name_col = (
            cols.find("area_name", "name", "lad_name")
            if explicit
            else _name_column(columns, level or "", vintage2)
        )
        vintage = options.vintage or (f"20{vintage2}" if vintage2 else None)
        gdf = _to_wgs84(gdf, table, issues)
        out = pd.DataFrame(index=gdf.index)
        out["area_code"] = check_area_codes(
            table.frame[code_col], table=table, column=code_col, issues=issues
        )
        out["area_name"] = table.frame[name_col].str.strip() if name_col else None
        out["area_type"] = [
            (_TYPE_NAMES.get(level, area_type_of(c)) if level else area_type_of(c))
            for c in out["area_code"]
        ]
        out["vintage"] = vintage
        empty = gdf.geometry.is_empty | gdf.geometry.isna()
        for idx in out.index[empty.to_numpy()]:
            issues.append(
                ValidationIssue(
                    code="empty-geometry",
                    message="the feature has no geometry",
                    file=table.label,
                    row=table.file_row(idx),
                    column="geometry",
                )
            )
        invalid = ~gdf.geometry.is_valid & ~empty
        repaired = invalid.copy()
        if invalid.any():
            from shapely import make_valid

            reasons = gdf.geometry[invalid].apply(_explain)
            gdf.loc[invalid, "geometry"] = make_valid(gdf.geometry[invalid].to_numpy())
            for idx in out.index[invalid.to_numpy()]:
                issues.append(
                    warn(
                        table,
                        idx,
                        "geometry",
                        out.at[idx, "area_code"],
                        "repaired-geometry",
                        f"invalid polygon ({reasons[idx]}) repaired with make_valid; the area is kept",
                    )
                )
        out["geometry_repaired"] = repaired.to_numpy()
        duplicate_keys(out, ["area_code"], table=table, issues=issues)
        frame = with_rows(out, table).reset_index(drop=True)
        from shapely import to_wkb

        geometry = frame[["area_code", "area_type", "vintage", "_row"]].copy()
        geometry["wkb"] = list(to_wkb(gdf.geometry.to_numpy()))
        report = ValidationReport(
            file=table.label, kind=self.kind, rows_read=len(gdf), issues=issues
        )
        return Parsed(
            frames={"areas": frame, "geometry": geometry}, report=report, layout="boundaries"
        )


#: the bounds of longitude and latitude (degrees), and of British National Grid eastings and
#: northings (metres) with a margin: coordinates outside a CRS's range contradict it
_DEGREES = (-180.0, -90.0, 180.0, 90.0)


def _to_wgs84(gdf: gpd.GeoDataFrame, table: TableText, issues: list[ValidationIssue]):  # type: ignore[no-untyped-def]
    """The boundaries in WGS84, after checking the coordinates against the CRS the file states.

    A file that states its CRS is reprojected from it, once its coordinates are inside that
    CRS's area of use (a CRS in degrees whose coordinates run to hundreds of thousands, or a
    projected CRS whose coordinates all fit in longitude and latitude, contradicts itself and is
    refused). A file that states none is taken as WGS84 (GeoJSON's default) only when its
    coordinates are degrees; coordinates in metres without a CRS are refused: which grid they
    are on cannot be known.
    """
    import numpy as np

    present = gdf.geometry[~(gdf.geometry.is_empty | gdf.geometry.isna())]
    if present.empty:
        return gdf.set_crs(4326) if gdf.crs is None else gdf.to_crs(4326)
    xmin, ymin, xmax, ymax = (float(v) for v in present.total_bounds)
    where = f"coordinates run from ({xmin:,.6g}, {ymin:,.6g}) to ({xmax:,.6g}, {ymax:,.6g})"
    in_degrees = (
        np.isfinite([xmin, ymin, xmax, ymax]).all()
        and xmin >= _DEGREES[0]
        and ymin >= _DEGREES[1]
        and xmax <= _DEGREES[2]
        and ymax <= _DEGREES[3]
    )
    if gdf.crs is None or _geojson_without_crs(table.path):
        if not in_degrees:
            return _refuse(
                gdf,
                table,
                issues,
                f"the file declares no coordinate reference system and its {where}, "
                "so they are not longitude and latitude (GeoJSON's default); they look like metres on "
                "a projected grid. Save the file with its CRS stated (for British National Grid, "
                "EPSG:27700), or export it as WGS84",
            )
        issues.append(
            warn(
                table,
                None,
                "geometry",
                None,
                "no-crs",
                "the file declares no coordinate reference system; its coordinates are degrees, "
                "so WGS84 (EPSG:4326) is assumed",
            )
        )
        return gdf.set_crs(4326)
    stated = gdf.crs.to_string()
    if gdf.crs.is_geographic and not in_degrees:
        return _refuse(
            gdf,
            table,
            issues,
            f"the file states the CRS {stated} (longitude and latitude in degrees) "
            f"but its {where}, which are not degrees; the stated CRS is wrong. State the CRS the "
            "coordinates are in (for metres on British National Grid, EPSG:27700)",
        )
    if gdf.crs.is_projected:
        area = gdf.crs.area_of_use
        if in_degrees:
            return _refuse(
                gdf,
                table,
                issues,
                f"the file states the projected CRS {stated} (metres) but its "
                f"{where}, which look like longitude and latitude; the stated CRS is wrong. State "
                "EPSG:4326 (or remove the crs member of a GeoJSON file)",
            )
        if area is not None:
            from pyproj import Transformer

            back = Transformer.from_crs(gdf.crs, 4326, always_xy=True)
            lon, lat = back.transform([xmin, xmax], [ymin, ymax])
            if not np.isfinite([*lon, *lat]).all() or not (
                area.west - 1 <= min(lon)
                and max(lon) <= area.east + 1
                and area.south - 1 <= min(lat)
                and max(lat) <= area.north + 1
            ):
                return _refuse(
                    gdf,
                    table,
                    issues,
                    f"the file states the CRS {stated} but its {where}, outside "
                    f"the area that CRS covers ({area.name}); the stated CRS is wrong",
                )
    return gdf.to_crs(4326)


def _geojson_without_crs(path: Path) -> bool:
    """Whether ``path`` is GeoJSON with no ``crs`` member (readers then report WGS84, the
    GeoJSON default, whatever the coordinates are). The member is looked for in the first and
    the last megabyte, where writers put it."""
    if path.suffix.lower() not in {".geojson", ".json"}:
        return False
    size = path.stat().st_size
    with path.open("rb") as handle:
        head = handle.read(1 << 20)
        handle.seek(max(0, size - (1 << 20)))
        tail = handle.read()
    return re.search(rb'"crs"\s*:', head + tail) is None


def _refuse(gdf, table: TableText, issues: list[ValidationIssue], message: str):  # type: ignore[no-untyped-def]
    """Record a coordinate problem of the whole file (nothing of it loads); the frame as it is."""
    issues.append(
        ValidationIssue(code="crs-mismatch", message=message, file=table.label, column="geometry")
    )
    return gdf.set_crs(4326, allow_override=True)


def _explain(geom: object) -> str:
    from shapely.validation import explain_validity

    return str(explain_validity(geom))


class LookupSource(Source):
    kind = "lookup"
    title = "Area code lookups (e.g. LSOA21CD → MSOA21CD → LAD24CD)"
    tables = ("lookups",)
    expected_columns = (
        "two or more ONS code columns such as LSOA21CD, MSOA21CD, WD24CD, LAD24CD (with *NM names)"
    )

    def detect(self, columns: list[str]) -> str | None:
        return "ons-lookup" if len(_code_columns(columns)) >= 2 else None

    def parse(self, path: Path, options: ReadOptions) -> Parsed:
        import pandas as pd

        table = read_text_table(
            path,
            sheet=options.sheet,
            skip_rows=options.skip_rows,
            encoding=options.encoding,
            **options.read_limits(),
        )
        raw = table.frame
        codes = _code_columns(list(raw.columns))
        if len(codes) < 2:
            raise MissingColumnError(
                table, "second code", ("LSOA21CD", "MSOA21CD", "LAD24CD", "UTLA22CD")
            )
        issues: list[ValidationIssue] = []
        child_col, child_level, child_v = codes[0]
        child_codes = check_area_codes(raw[child_col], table=table, column=child_col, issues=issues)
        child_name_col = _name_column(list(raw.columns), child_level, child_v)
        pieces = []
        for parent_col, level, v in codes[1:]:
            if level == child_level:
                continue
            parent_codes = raw[parent_col].str.strip()
            bad = ~parent_codes.str.fullmatch(GSS_PATTERN.pattern) & parent_codes.ne("")
            for idx in raw.index[bad.to_numpy()]:
                issues.append(
                    ValidationIssue(
                        code="bad-area-code",
                        file=table.label,
                        row=table.file_row(idx),
                        column=parent_col,
                        value=parent_codes[idx],
                        message=f"area code must be an ONS GSS code, got {parent_codes[idx]!r}",
                    )
                )
            name_col = _name_column(list(raw.columns), level, v)
            piece = pd.DataFrame(
                {
                    "child_code": child_codes,
                    "child_name": raw[child_name_col].str.strip() if child_name_col else None,
                    "child_type": _TYPE_NAMES.get(child_level, child_level.upper()),
                    "parent_code": parent_codes,
                    "parent_name": raw[name_col].str.strip() if name_col else None,
                    "parent_type": _TYPE_NAMES.get(level, level.upper()),
                    "vintage": options.vintage
                    or (f"20{v}" if v else (f"20{child_v}" if child_v else None)),
                },
                index=raw.index,
            )
            pieces.append(with_rows(piece, table))
        frame = pd.concat(pieces)
        # the same child→parent pair on many rows (OA-level files) is expected, not a duplicate
        conflicting = frame.drop_duplicates(["child_code", "parent_type", "parent_code"])
        dup = conflicting.duplicated(["child_code", "parent_type"], keep=False)
        if dup.any():
            first = conflicting[dup].iloc[0]
            issues.append(
                ValidationIssue(
                    code="conflicting-parent",
                    file=table.label,
                    row=int(first["_row"]),
                    column="parent_code",
                    value=first["child_code"],
                    message=f"{int(dup.sum())} child codes map to more than one {first['parent_type']}; "
                    "each child must have one parent per level",
                )
            )
        frame = frame.drop_duplicates(["child_code", "parent_type", "parent_code"]).reset_index(
            drop=True
        )
        report = ValidationReport(
            file=table.label, kind=self.kind, rows_read=len(raw), issues=issues
        )
        return Parsed(frames={"lookups": frame}, report=report, layout="ons-lookup", table=table)


def aggregate(
    frame: pd.DataFrame,
    lookups: pd.DataFrame,
    to: str,
    *,
    code: str = "area_code",
    values: tuple[str, ...] = ("count",),
    vintage: str | None = None,
) -> pd.DataFrame:
    """Sum small-area rows up to a parent geography named in a lookup; one row per parent × other keys.

    ``frame`` has an area column (``code``) and numeric ``values`` columns; every other column
    (period, sex, age_band, …) is kept as a grouping key. ``lookups`` is the workspace
    ``lookups`` table (child_code, parent_code, parent_name, parent_type, vintage); ``to`` is
    a parent type such as "Local authority district", "MSOA" or "Ward", and ``vintage``
    picks one lookup vintage when several are loaded. Every child code must have exactly one
    parent of that type: unmatched or ambiguous codes raise :class:`UsageError` naming them,
    so nothing is dropped silently.
    """
    from jsna.errors import UsageError

    links = lookups[lookups["parent_type"] == to]
    if vintage is not None:
        links = links[links["vintage"] == vintage]
    if links.empty:
        types = sorted(lookups["parent_type"].dropna().unique())
        raise UsageError(
            f"no lookup to {to!r}{f' (vintage {vintage})' if vintage else ''}; "
            f"parent types loaded: {', '.join(types) or 'none'}"
        )
    links = links.drop_duplicates(["child_code", "parent_code"])
    ambiguous = links[links.duplicated("child_code", keep=False)]
    in_frame = ambiguous[ambiguous["child_code"].isin(frame[code])]
    if len(in_frame):
        vintages = ", ".join(sorted(links["vintage"].dropna().unique()))
        raise UsageError(
            f"{in_frame['child_code'].nunique()} codes (e.g. {in_frame['child_code'].iloc[0]}) have "
            f"more than one {to} across lookup vintages {vintages}; pass vintage="
        )
    merged = frame.merge(
        links[["child_code", "parent_code", "parent_name"]],
        left_on=code,
        right_on="child_code",
        how="left",
    )
    unmatched = merged.loc[merged["parent_code"].isna(), code].unique()
    if len(unmatched):
        raise UsageError(
            f"{len(unmatched)} area codes are not in the lookup to {to} (e.g. "
            f"{', '.join(map(str, unmatched[:5]))}); load a lookup of their vintage"
        )
    drop = {code, "child_code", "area_name", "area_type", "parent_code", "parent_name", *values}
    keys = [c for c in frame.columns if c not in drop]
    grouped = (
        merged.groupby(["parent_code", "parent_name", *keys], dropna=False, sort=True)[list(values)]
        .sum(min_count=1)
        .reset_index()
    )
    grouped = grouped.rename(columns={"parent_code": code, "parent_name": "area_name"})
    grouped["area_type"] = to
    return grouped
