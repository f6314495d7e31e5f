"""Which areas a report compares its area with, and why.

The report's comparison charts read the set at render time; ``jsna compute`` reads the same set
for the funnel plots it stores (:func:`jsna.indicators.analyses.funnel_analysis`).

The set comes, in order of preference, from ``[comparators]`` in ``jsna.toml``: an explicit list
of GSS codes, or a file of nearest neighbours (CIPFA's, say: area code, neighbour code, rank) or
of area groups (ONS's area classification: area code, group). Without one, the comparators are
the other areas of the same tier in the area's region, the region being read from any loaded
lookup that places the area (or its small areas) in a region (``E12…``). When no region can be
found, the comparators are the areas of the same tier in the whole country, and the report says
so.

Tiers follow the GSS code: single-tier councils (unitary authorities ``E06``, metropolitan
districts ``E08``, London boroughs ``E09``) compare with single-tier councils; a non-metropolitan
district (``E07``) with every lower-tier authority (``E06``–``E09``); a county (``E10``) with every
upper-tier authority (``E06``, ``E08``–``E10``); any other area with areas of its own code type.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

from jsna.errors import ConfigError

if TYPE_CHECKING:
    import pandas as pd

    from jsna.config import Config

#: GSS code types each type is compared with
_TIERS = {
    "E06": ("E06", "E08", "E09"),
    "E08": ("E06", "E08", "E09"),
    "E09": ("E06", "E08", "E09"),
    "E07": ("E06", "E07", "E08", "E09"),
    "E10": ("E06", "E08", "E09", "E10"),
}
_TIER_NAMES = {
    "E06": "single-tier councils",
    "E08": "single-tier councils",
    "E09": "single-tier councils",
    "E07": "lower-tier councils",
    "E10": "upper-tier councils",
}


@dataclass
class ComparatorSet:
    """The comparator areas for one report area, in the order they are shown."""

    codes: list[str]
    name: str
    reason: str
    region_code: str | None = None
    region_name: str | None = None
    source: str = "region"  # list | neighbours | groups | region | country
    notes: list[str] = field(default_factory=list)

    @property
    def restricted(self) -> bool:
        """True when the set is a chosen group, not every area of the tier in the country."""
        return self.source != "country"


def same_tier(area_code: str, other: str) -> bool:
    """Whether ``other`` is an area of the same tier as ``area_code`` (by GSS code type)."""
    prefix = area_code[:3]
    return other[:3] in _TIERS.get(prefix, (prefix,))


def tier_name(area_code: str) -> str:
    return _TIER_NAMES.get(area_code[:3], f"areas of type {area_code[:3]}")


def regions(table: Callable[[str], pd.DataFrame]) -> dict[str, str]:
    """Area code -> region code (``E12…``) from every loaded lookup, direct or through shared children."""
    lk = table("lookups")
    if lk.empty:
        return {}
    is_region = lk["parent_code"].astype(str).str.startswith("E12")
    found = dict(
        zip(lk.loc[is_region, "child_code"], lk.loc[is_region, "parent_code"], strict=False)
    )
    # a child (LSOA, OA) mapped both to a region and to another parent places that parent in the region
    child_region = lk.loc[is_region, ["child_code", "parent_code"]].drop_duplicates("child_code")
    others = lk.loc[~is_region, ["child_code", "parent_code"]]
    via = others.merge(child_region, on="child_code", suffixes=("", "_region"))
    via = via.drop_duplicates(["parent_code", "parent_code_region"])
    ambiguous = set(via.loc[via["parent_code"].duplicated(keep=False), "parent_code"])
    for code, region in zip(via["parent_code"], via["parent_code_region"], strict=True):
        if code not in ambiguous:
            found.setdefault(str(code), str(region))
    return {str(k): str(v) for k, v in found.items()}


def _read_neighbours(path: Path, where: str) -> tuple[str, dict[str, list[tuple[float, str]]]]:
    """A nearest-neighbours file (area, neighbour, rank) or a groups file (area, group).

    Returns ``("neighbours", {area: [(rank, neighbour), …]})`` or ``("groups", {group: [(0, area), …]})``.
    """
    from jsna.vocabulary.areas import GSS_PATTERN

    if not path.exists():
        raise ConfigError(f"{where}: comparators.neighbours_file: file not found: {path}")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        header = {(h or "").strip().lower().replace(" ", "_"): h for h in reader.fieldnames or []}
        area_col = next(
            (header[k] for k in ("area_code", "code", "la_code", "lad_code") if k in header), None
        )
        neighbour_col = next(
            (
                header[k]
                for k in (
                    "neighbour_code",
                    "neighbor_code",
                    "neighbour",
                    "neighbor",
                    "comparator_code",
                )
                if k in header
            ),
            None,
        )
        rank_col = next(
            (header[k] for k in ("rank", "neighbour_rank", "distance") if k in header), None
        )
        group_col = next(
            (
                header[k]
                for k in (
                    "group",
                    "supergroup",
                    "cluster",
                    "group_code",
                    "supergroup_code",
                    "supergroup_name",
                    "group_name",
                )
                if k in header
            ),
            None,
        )
        if area_col is None or not ((neighbour_col and rank_col) or group_col):
            raise ConfigError(
                f"{path.name}: a comparators file needs the columns area_code, neighbour_code and rank (nearest "
                f"neighbours) or area_code and group (an area classification); found {', '.join(header) or 'none'}"
            )
        kind = "neighbours" if neighbour_col and rank_col else "groups"
        out: dict[str, list[tuple[float, str]]] = {}
        for row_number, row in enumerate(reader, start=2):
            area = (row.get(area_col) or "").strip()
            checks = [(area_col, area)]
            if kind == "neighbours":
                checks.append((neighbour_col, (row.get(neighbour_col) or "").strip()))  # type: ignore[arg-type]
            for column, value in checks:
                if not GSS_PATTERN.match(value):
                    raise ConfigError(
                        f"{path.name} (row {row_number}, column {column}): area code must be an ONS "
                        f"GSS code like E08000009, got {value!r}"
                    )
            if kind == "neighbours":
                raw = (row.get(rank_col) or "").strip()  # type: ignore[arg-type]
                try:
                    rank = float(raw)
                except ValueError:
                    raise ConfigError(
                        f"{path.name} (row {row_number}, column {rank_col}): rank must be a number "
                        f"(1 = nearest), got {raw!r}"
                    ) from None
                out.setdefault(area, []).append((rank, (row.get(neighbour_col) or "").strip()))  # type: ignore[arg-type]
            else:
                group = (row.get(group_col) or "").strip()  # type: ignore[arg-type]
                if not group:
                    raise ConfigError(
                        f"{path.name} (row {row_number}, column {group_col}): group must not be empty"
                    )
                out.setdefault(group, []).append((0.0, area))
    return kind, out


def comparator_set(
    config: Config,
    table: Callable[[str], pd.DataFrame],
    area_code: str,
    names: dict[str, str],
    candidates: set[str],
    *,
    region_map: dict[str, str] | None = None,
) -> ComparatorSet:
    """The comparators of ``area_code``: configured, else the region's same-tier areas, else the country's.

    ``candidates`` are the codes that have results (the set is drawn from them when it comes from
    the region or the country; a configured set is kept whole, so missing areas show as gaps).
    ``region_map`` is :func:`regions` of ``table`` when the caller has it already (it is read
    from the lookups otherwise), so that many areas read the lookups once.
    """
    mapping = regions(table) if region_map is None else region_map
    settings = config.comparators
    area_name = names.get(area_code, area_code)
    label = settings.name
    if settings.areas:
        codes = [c for c in dict.fromkeys(settings.areas) if c != area_code]
        return ComparatorSet(
            codes,
            label or "comparator areas named in jsna.toml",
            f"the {len(codes)} areas listed under [comparators] areas in jsna.toml",
            source="list",
            **_region_of(mapping, area_code, names),
        )
    notes = []
    if settings.neighbours_file:
        path = config.path(settings.neighbours_file)
        kind, rows = _read_neighbours(path, config.where("comparators", "neighbours_file"))
        if kind == "neighbours" and area_code in rows:
            ranked = [c for _, c in sorted(rows[area_code]) if c != area_code][
                : settings.neighbours
            ]
            return ComparatorSet(
                ranked,
                label or f"nearest neighbours ({path.name})",
                f"the {len(ranked)} nearest neighbours of {area_name} in {path.name}",
                source="neighbours",
                **_region_of(mapping, area_code, names),
            )
        if kind == "groups":
            group = next(
                (g for g, members in rows.items() if any(c == area_code for _, c in members)), None
            )
            if group is not None:
                members = sorted(
                    (c for _, c in rows[group] if c != area_code), key=lambda c: names.get(c, c)
                )
                return ComparatorSet(
                    members,
                    label or f"areas in the same group ({group})",
                    f"the {len(members)} other areas of group '{group}' in {path.name}",
                    source="groups",
                    **_region_of(mapping, area_code, names),
                )
        notes.append(
            f"{path.name} has no row for {area_name} ({area_code}), so the default set is used"
        )
    region = _region_of(mapping, area_code, names)
    if region["region_code"]:
        codes = sorted(
            (
                c
                for c in candidates
                if c != area_code
                and same_tier(area_code, c)
                and mapping.get(c) == region["region_code"]
            ),
            key=lambda c: names.get(c, c),
        )
        return ComparatorSet(
            codes,
            f"{tier_name(area_code)} in {region['region_name']}",
            f"the other {tier_name(area_code)} in {region['region_name']} (the default; name a set "
            "under [comparators] in jsna.toml to change it)",
            source="region",
            notes=notes,
            **region,
        )
    codes = sorted(
        (c for c in candidates if c != area_code and same_tier(area_code, c)),
        key=lambda c: names.get(c, c),
    )
    notes.append(
        f"no loaded lookup places {area_name} in a region (load one that maps it, or its LSOAs, to a region "
        "code E12…, or name comparators under [comparators] in jsna.toml)"
    )
    return ComparatorSet(
        codes,
        f"all {tier_name(area_code)}",
        f"every other area of the same tier ({tier_name(area_code)}), because no region was found",
        source="country",
        notes=notes,
        **region,
    )


class _Region(TypedDict):
    region_code: str | None
    region_name: str | None


def _region_of(mapping: dict[str, str], area_code: str, names: dict[str, str]) -> _Region:
    code = mapping.get(area_code)
    if code is None:
        return {"region_code": None, "region_name": None}
    return {"region_code": code, "region_name": _short_region(names.get(code, code))}


def _short_region(name: str) -> str:
    """'North West region (statistical)' reads 'North West'."""
    for suffix in (" region (statistical)", " (statistical)", " region"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name
