"""Generate the bundled synthetic sample data in ``data/samples/``.

Every area, code, name and number written by this script is fictional. Places are named after
Borsetshire from BBC Radio 4's *The Archers*; codes use the unused ``999`` ranges of the ONS GSS
scheme (``E06999001``, ``E01999001`` ...). The layouts copy real publishers' files (ONS mid-year
estimates and projections, OHID Fingertips, MHCLG IMD 2019, NHS England returns) so that the
ingest code can be exercised end to end without any real data.

The output is deterministic: one ``numpy.random.default_rng(20261123)`` stream drives everything,
rows are sorted, floats have fixed formats and no timestamps are written. Running the script
twice gives byte-identical files, which ``tests/test_samples_generator.py`` checks.

Usage::

    python scripts/make_samples.py [--out DIR] [--lads N]

``--lads N`` writes a scaled project instead (for ``benchmarks/bench_batch.py``): the ten
authorities above and N - 10 more, also fictional (``E06999011`` …), made from the same seed,
in nine contiguous regions sized like England's (``E12999001`` …): ``lookup_lad24_rgn24.csv``
gives each authority's region, the LSOA lookup gains region columns, and the SEN file's rows
follow the same regions.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import MultiPoint, Point, Polygon, mapping

SEED = 20261123
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "data" / "samples"

ENGLAND_CODE = "E92000001"
ENGLAND_NAME = "England"
DEMO_CODE = "E06999001"
DEMO_NAME = "Ambridge Vale"

YEARS = (2020, 2021, 2022, 2023, 2024)
SEXES = ("Female", "Male")
AGES = (*(str(a) for a in range(90)), "90+")
N_AGE = 91

LIFE_BANDS = ("<1", "1-4", *(f"{a}-{a + 4}" for a in range(5, 90, 5)), "90+")
LIFE_BAND_START = (0, 1, *range(5, 91, 5))
ESP_BANDS = (*(f"{a}-{a + 4}" for a in range(0, 90, 5)), "90+")
ESP_WEIGHTS = (
    5000, 5500, 5500, 5500, 6000, 6000, 6500, 7000, 7000, 7000,
    7000, 6500, 6000, 5500, 5000, 4000, 2500, 1500, 1000,
)  # fmt: skip
CAUSES = ("Circulatory", "Cancer", "Respiratory", "External causes", "Other")

IMD_N_LSOA = 32844


@dataclass(frozen=True)
class Lad:
    """A fictional unitary authority and the knobs that shape its data."""

    code: str
    name: str
    population: int  # mid-2024 target
    deprivation: float  # -1 (affluent) .. +1 (deprived); England = 0
    young: float  # student / young-adult bulge
    retired: float  # older, rural, retirement in-migration


LADS: tuple[Lad, ...] = (
    Lad("E06999001", "Ambridge Vale", 180_000, 0.0, 0.0, 0.30),
    Lad("E06999002", "Borchester", 262_000, 0.10, 0.30, 0.0),
    Lad("E06999003", "Felpersham", 348_000, 0.45, 0.90, -0.15),
    Lad("E06999004", "Hollerton", 214_000, 0.80, 0.15, -0.10),
    Lad("E06999005", "Loxley Barrett", 96_000, -0.65, -0.20, 0.45),
    Lad("E06999006", "Penny Hassett", 92_000, -0.50, -0.25, 0.55),
    Lad("E06999007", "Edgeley", 128_000, -0.20, -0.10, 0.30),
    Lad("E06999008", "Darrington", 187_000, 0.60, 0.20, 0.0),
    Lad("E06999009", "Lakey Hill", 141_000, -0.30, 0.0, 0.20),
    Lad("E06999010", "Heydon Berrow", 109_000, 0.25, -0.10, 0.35),
)
ENGLAND = Lad(ENGLAND_CODE, ENGLAND_NAME, 57_950_000, 0.0, 0.0, 0.0)
AREAS: tuple[Lad, ...] = (*LADS, ENGLAND)
LAD_BY_CODE = {lad.code: lad for lad in AREAS}

N_LSOA = 110
N_WARD = 18
N_MSOA = 22
WARD_NAMES = (
    "Ambridge Central", "Ambridge Green", "Am Valley", "Arkwright", "Brookfield", "Lakey Green",
    "Glebelands", "Grey Gables", "Hassett Bridge", "Home Farm", "Lower Loxley", "Netherbourne",
    "Sawyers Lane", "St Stephen's", "Willow Farm", "Bull Meadow", "Heydon Ridge", "Waterley Cross",
)  # fmt: skip

# --- small helpers ---------------------------------------------------------------------------


def write_csv(
    path: Path,
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    bom: bool = False,
    quote_all: bool = False,
    encoding: str = "utf-8",
    final_newline: bool = True,
) -> int:
    """Write rows with LF line endings; return the number of data rows."""
    buf = io.StringIO()
    writer = csv.writer(
        buf, lineterminator="\n", quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL
    )
    writer.writerow(header)
    n = 0
    for row in rows:
        writer.writerow(row)
        n += 1
    text = buf.getvalue()
    if not final_newline:
        text = text.rstrip("\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((("\ufeff" if bom else "") + text).encode(encoding))
    return n


def fmt(x: float, digits: int = 1) -> str:
    """Fixed-decimal formatting (no '-0.0')."""
    s = f"{x:.{digits}f}"
    return s[1:] if s.startswith("-") and float(s) == 0 else s


def fmt_sig(x: float) -> str:
    """Up to 10 significant digits, Fingertips-like (no trailing zeros)."""
    return repr(float(f"{x:.10g}"))


def band_index_life(age: int) -> int:
    """Index into LIFE_BANDS of a single year of age (90 = 90+)."""
    if age == 0:
        return 0
    if age < 5:
        return 1
    return min(age // 5 + 1, 19)


LIFE_INDEX = np.array([band_index_life(a) for a in range(N_AGE)])
ESP_INDEX = np.array([min(a // 5, 18) for a in range(N_AGE)])


def to_bands(single: np.ndarray, index: np.ndarray, n_bands: int) -> np.ndarray:
    """Sum the last axis (single years 0..90+) into bands."""
    out = np.zeros((*single.shape[:-1], n_bands), dtype=single.dtype)
    for b in range(n_bands):
        out[..., b] = single[..., index == b].sum(axis=-1)
    return out


def life_expectancy(deaths: np.ndarray, pop: np.ndarray) -> float:
    """Chiang II abridged life expectancy at birth for LIFE_BANDS (ONS/OHID method)."""
    m = np.where(pop > 0, deaths / np.maximum(pop, 1e-9), 0.0)
    widths = np.array([1, 4, *([5] * 17)], dtype=float)
    ax = np.array([0.1, *([0.5 * w for w in widths[1:]])])
    q = np.clip(widths * m[:19] / (1 + (widths - ax) * m[:19]), 0, 1)
    lx = 100_000.0
    total = 0.0
    for i in range(19):
        d = lx * q[i]
        total += widths[i] * (lx - d) + ax[i] * d
        lx -= d
    total += lx / m[19] if m[19] > 0 else 0.0
    return total / 100_000.0


def wilson(count: float, denom: float, z: float) -> tuple[float, float]:
    """Wilson score interval for a proportion (as proportions)."""
    p = count / denom
    centre = 2 * count + z * z
    spread = z * math.sqrt(z * z + 4 * count * (1 - p))
    den = 2 * (denom + z * z)
    return (centre - spread) / den, (centre + spread) / den


def byar(count: float, z: float) -> tuple[float, float]:
    """Byar's approximation to exact Poisson limits for a count."""
    if count <= 0:
        return 0.0, 0.0
    lo = count * (1 - 1 / (9 * count) - z / (3 * math.sqrt(count))) ** 3
    o = count + 1
    hi = o * (1 - 1 / (9 * o) + z / (3 * math.sqrt(o))) ** 3
    return lo, hi


Z95 = 1.959963984540054
Z998 = 3.090232306167813


def largest_remainder(weights: np.ndarray, total: int) -> np.ndarray:
    """Integers proportional to weights that sum exactly to total."""
    w = np.asarray(weights, dtype=float)
    raw = w / w.sum() * total
    base = np.floor(raw).astype(np.int64)
    short = total - int(base.sum())
    order = np.argsort(-(raw - base), kind="stable")
    base[order[:short]] += 1
    return base


# --- demography model --------------------------------------------------------------------------

# Live births in England and Wales (thousands, rounded, public ONS series) used as cohort sizes.
_BIRTH_ANCHORS = {
    1920: 957, 1925: 710, 1933: 580, 1940: 590, 1944: 751, 1947: 881, 1950: 697, 1955: 668,
    1960: 785, 1964: 876, 1968: 819, 1973: 676, 1977: 569, 1982: 626, 1990: 706, 1995: 648,
    2001: 595, 2006: 670, 2012: 729, 2016: 696, 2020: 614, 2021: 625, 2022: 606, 2024: 595,
}  # fmt: skip

# Base central death rates per 1,000 (England-like, around 2022), LIFE_BANDS order.
_MORT_BASE = {
    "Male": (4.1, 0.14, 0.08, 0.10, 0.30, 0.50, 0.62, 0.80, 1.10, 1.60, 2.40, 3.60, 5.40, 8.40,
             12.8, 20.0, 33.0, 57.0, 102.0, 215.0),
    "Female": (3.4, 0.12, 0.07, 0.08, 0.15, 0.21, 0.30, 0.42, 0.66, 1.00, 1.60, 2.45, 3.60,
               5.40, 8.40, 13.2, 22.5, 41.0, 77.0, 182.0),
}  # fmt: skip
_YEAR_MORT = {2017: 1.01, 2018: 1.01, 2019: 0.97, 2020: 1.13, 2021: 1.07, 2022: 1.03,
              2023: 0.99, 2024: 0.96}  # fmt: skip
# Deprivation log-rate-ratio per unit of deprivation, by life band (strongest in mid-life).
_DEP_BETA = np.array([0.35, 0.3, 0.3, 0.3, 0.45, 0.6, 0.7, 0.8, 0.85, 0.85, 0.85, 0.8, 0.75,
                      0.7, 0.62, 0.55, 0.45, 0.35, 0.25, 0.15])  # fmt: skip
_MALE_DEP_BOOST = 1.25  # the male gradient is steeper than the female one
_DEP_SCALE = 0.68
_MORT_SCALE = np.array([1.0, *([1.2] * 19)])  # calibrates England LE to about 79 (M) / 83 (F)


def cohort_births(birth_year: np.ndarray) -> np.ndarray:
    xs = np.array(sorted(_BIRTH_ANCHORS))
    ys = np.array([_BIRTH_ANCHORS[x] for x in xs], dtype=float)
    return np.interp(birth_year, xs, ys)


def mortality_rates(sex: str, year: int, deprivation: float | np.ndarray) -> np.ndarray:
    """Death rates per person-year by LIFE_BANDS; broadcasts over deprivation."""
    base = np.array(_MORT_BASE[sex]) / 1000.0 * _YEAR_MORT[year] * _MORT_SCALE
    beta = _DEP_BETA * _DEP_SCALE * (_MALE_DEP_BOOST if sex == "Male" else 1.0)
    dep = np.asarray(deprivation, dtype=float)[..., None]
    return base * np.exp(beta * dep)


def survivorship(sex: str, deprivation: float) -> np.ndarray:
    """Proportion surviving to each single year of age (cohort-ish, 2000s rates)."""
    age = np.arange(N_AGE)
    cohort_excess = 1.1 + 0.008 * np.clip(age - 55, 0, 35)  # older cohorts had worse mortality
    m = mortality_rates(sex, 2019, deprivation)[LIFE_INDEX] * cohort_excess
    s = np.exp(-np.concatenate([[0.0], np.cumsum(m[:-1])]))
    s[90] = s[90] / m[90]  # open interval: expected years lived at 90+
    return s


def age_profile(lad: Lad, sex: str, year: int, cohort_noise: np.ndarray) -> np.ndarray:
    """Relative population by single year of age for an area-year (before scaling)."""
    age = np.arange(N_AGE, dtype=float)
    births = cohort_births(year - age)
    births[90] = cohort_births(np.arange(year - 104, year - 89)).mean()
    surv = survivorship(sex, lad.deprivation)
    young = 1 + lad.young * np.exp(-(((age - 22.5) / 5.5) ** 2))
    young *= 1 + 0.25 * lad.young * np.exp(-(((age - 31) / 6) ** 2))
    rural = 1 + lad.retired * (1 / (1 + np.exp(-(age - 52) / 7)) - 0.45)
    rural *= 1 - 0.6 * max(lad.retired, 0) * np.exp(-(((age - 23) / 5) ** 2))
    deprived = np.exp(lad.deprivation * (0.006 * (40 - age).clip(-40, 40)))
    migrants = 1 + 0.08 * np.exp(-(((age - 33) / 9) ** 2))
    return births * surv * young * rural * deprived * migrants * cohort_noise


def make_population(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Integer mid-year populations: area code -> array[year, sex, age]."""
    out: dict[str, np.ndarray] = {}
    for lad in AREAS:
        growth = 0.0065 if lad.code == ENGLAND_CODE else rng.uniform(0.002, 0.011)
        cohort = rng.lognormal(0.0, 0.025, size=(2, 200))  # by sex and birth year offset
        arr = np.zeros((len(YEARS), 2, N_AGE), dtype=np.int64)
        for yi, year in enumerate(YEARS):
            prof = []
            for si, sex in enumerate(SEXES):
                idx = (year - np.arange(N_AGE)) - 1900
                noise = cohort[si, idx] * rng.lognormal(0.0, 0.006, N_AGE)
                sex_ratio = 0.5 if sex == "Female" else 0.512
                prof.append(age_profile(lad, sex, year, noise) * sex_ratio)
            p = np.array(prof)
            target = lad.population * (1 + growth) ** (year - 2024)
            arr[yi] = np.rint(p / p.sum() * target).astype(np.int64)
        out[lad.code] = arr
    return out


# --- geography ---------------------------------------------------------------------------------

_BNG_TO_WGS84 = (
    "+proj=pipeline "
    "+step +inv +proj=tmerc +lat_0=49 +lon_0=-2 +k=0.9996012717 +x_0=400000 +y_0=-100000 "
    "+ellps=airy "
    "+step +proj=push +v_3 +step +proj=cart +ellps=airy "
    "+step +proj=helmert +x=446.448 +y=-125.157 +z=542.06 +rx=0.15 +ry=0.247 +rz=0.842 "
    "+s=-20.489 +convention=position_vector "
    "+step +inv +proj=cart +ellps=WGS84 +step +proj=pop +v_3 "
    "+step +proj=unitconvert +xy_in=rad +xy_out=deg"
)


@dataclass
class Geography:
    lad_polys: dict[str, Polygon]
    lsoa_codes: list[str]
    lsoa_names: list[str]
    lsoa_polys: list[Polygon]
    lsoa_xy: np.ndarray  # centroids, BNG
    lsoa_msoa: list[int]
    lsoa_ward: list[int]
    msoa_codes: list[str]
    msoa_names: list[str]
    ward_codes: list[str]
    ward_names: list[str]
    towns: np.ndarray  # town centres, BNG
    deprivation_latent: np.ndarray  # per LSOA, higher = more deprived
    rurality: np.ndarray  # per LSOA 0 (town) .. 1 (deep rural)


def _blob(rng: np.random.Generator, radius: float = 36_000) -> Polygon:
    theta = np.linspace(0, 2 * np.pi, 721)[:-1]
    ph = rng.uniform(0, 2 * np.pi, 4)
    r = radius * (
        1
        + 0.13 * np.sin(2 * theta + ph[0])
        + 0.07 * np.cos(3 * theta + ph[1])
        + 0.04 * np.sin(5 * theta + ph[2])
        + 0.015 * np.cos(9 * theta + ph[3])
    )
    poly = Polygon(np.c_[420_000 + r * np.cos(theta), 250_000 + r * np.sin(theta)])
    return shapely.set_precision(poly.simplify(60.0), 1.0)


def _voronoi(points: np.ndarray, clip: Polygon) -> list[Polygon]:
    """Voronoi cells of points, clipped, in the order of the points."""
    env = clip.buffer(20_000).envelope
    cells = shapely.voronoi_polygons(MultiPoint(points), extend_to=env)
    out: list[Polygon] = []
    for x, y in points:
        pt = Point(x, y)
        cell = next(c for c in cells.geoms if c.contains(pt))
        piece = shapely.set_precision(cell.intersection(clip), 1.0)
        if piece.geom_type != "Polygon":  # keep the part holding the seed
            piece = max(piece.geoms, key=lambda g: g.area)
        out.append(piece)
    return out


def _sample_in(poly: Polygon, rng: np.random.Generator, n: int, sampler) -> np.ndarray:
    pts: list[tuple[float, float]] = []
    shapely.prepare(poly)
    while len(pts) < n:
        x, y = sampler()
        if not shapely.contains_xy(poly, x, y):
            continue
        if pts and np.min(np.hypot(*(np.array(pts) - (x, y)).T)) < 380:
            continue
        pts.append((x, y))
    return np.array(pts)


def _adjacency(polys: Sequence[Polygon]) -> list[set[int]]:
    """For each polygon, the others it shares more than a metre of boundary with."""
    adjacency: list[set[int]] = [set() for _ in polys]
    tree = shapely.STRtree(polys)
    for i, poly in enumerate(polys):
        for j in tree.query(poly, predicate="intersects"):
            j = int(j)
            if j != i and poly.boundary.intersection(polys[j].boundary).length > 1.0:
                adjacency[i].add(j)
    return adjacency


def _grow_regions(adjacency: list[set[int]], xy: np.ndarray, seeds: Sequence[int]) -> list[int]:
    """Partition nodes into contiguous regions by balanced region growing from seeds."""
    n, k = len(xy), len(seeds)
    region = [-1] * n
    members: list[list[int]] = [[s] for s in seeds]
    for r, s in enumerate(seeds):
        region[s] = r
    while min(region) < 0:
        for r in sorted(range(k), key=lambda r: (len(members[r]), r)):
            frontier = {j for i in members[r] for j in adjacency[i] if region[j] < 0}
            if frontier:
                centre = xy[members[r]].mean(axis=0)
                j = min(frontier, key=lambda j: (float(np.hypot(*(xy[j] - centre))), j))
                region[j] = r
                members[r].append(j)
                break
        else:
            raise RuntimeError("region growing stalled")
    return region


def _balanced_regions(
    rng: np.random.Generator, adjacency: list[set[int]], xy: np.ndarray, k: int, tries: int = 60
) -> list[int]:
    """Best-balanced of several region-growing runs from k-means-like seeds."""
    best: tuple[int, list[int]] | None = None
    for _ in range(tries):
        centres = xy[rng.choice(len(xy), k, replace=False)]
        for _ in range(8):  # a few k-means steps to spread the seeds
            lab = np.argmin(((xy[:, None, :] - centres[None]) ** 2).sum(-1), axis=1)
            centres = np.array(
                [xy[lab == c].mean(axis=0) if (lab == c).any() else centres[c] for c in range(k)]
            )
        seeds = [int(np.argmin(((xy - c) ** 2).sum(-1))) for c in centres]
        if len(set(seeds)) < k:
            continue
        region = _grow_regions(adjacency, xy, seeds)
        sizes = np.bincount(region, minlength=k)
        score = int(sizes.max() - sizes.min()) * 100 + int(((sizes - sizes.mean()) ** 2).sum())
        if best is None or score < best[0]:
            best = (score, region)
    assert best is not None
    return best[1]


def make_geography(rng: np.random.Generator) -> Geography:
    # the bundled ten authorities share a 36 km region; a scaled project's region grows with its
    # number of authorities, so each keeps room for its neighbourhoods
    blob = _blob(rng, 36_000 * max(1.0, math.sqrt(len(LADS) / 10)))
    minx, miny, maxx, maxy = blob.bounds

    def uniform() -> tuple[float, float]:
        return rng.uniform(minx, maxx), rng.uniform(miny, maxy)

    seeds = _sample_in(blob, rng, len(LADS), uniform)
    for _ in range(4):  # Lloyd relaxation for even-looking districts
        cells = _voronoi(seeds, blob)
        seeds = np.array([[c.centroid.x, c.centroid.y] for c in cells])
    cells = _voronoi(seeds, blob)
    centre = np.array([420_000.0, 250_000.0])
    demo = int(np.argmin(np.hypot(*(seeds - centre).T)))
    others = sorted(
        (i for i in range(len(LADS)) if i != demo),
        key=lambda i: math.atan2(seeds[i, 1] - centre[1], seeds[i, 0] - centre[0]),
    )
    lad_polys = {LADS[0].code: cells[demo]}
    for lad, i in zip(LADS[1:], others, strict=True):
        lad_polys[lad.code] = cells[i]

    demo_poly = cells[demo]
    c = np.array([demo_poly.centroid.x, demo_poly.centroid.y])
    offsets = np.array([rng.normal(0, 1500, 2), [5200.0, -4300.0], [-5600.0, 3900.0]])
    towns = c[None, :] + offsets
    town_sd = (1300.0, 800.0, 700.0)
    dminx, dminy, dmaxx, dmaxy = demo_poly.bounds

    def clustered() -> tuple[float, float]:
        u = rng.uniform()
        if u < 0.34:
            return tuple(towns[0] + rng.normal(0, town_sd[0], 2))
        if u < 0.44:
            return tuple(towns[1] + rng.normal(0, town_sd[1], 2))
        if u < 0.52:
            return tuple(towns[2] + rng.normal(0, town_sd[2], 2))
        return rng.uniform(dminx, dmaxx), rng.uniform(dminy, dmaxy)

    pts = _sample_in(demo_poly, rng, N_LSOA, clustered)
    lsoa_polys = _voronoi(pts, demo_poly)
    xy = np.array([[p.centroid.x, p.centroid.y] for p in lsoa_polys])

    adjacency = _adjacency(lsoa_polys)

    msoa_of = _balanced_regions(rng, adjacency, xy, N_MSOA)
    ward_of = _balanced_regions(rng, adjacency, xy, N_WARD)

    # ONS numbering: MSOAs from north to south, LSOA letters north to south within the MSOA.
    msoa_north = [
        xy[[i for i in range(N_LSOA) if msoa_of[i] == m], 1].mean() for m in range(N_MSOA)
    ]
    msoa_rank = {m: r for r, m in enumerate(sorted(range(N_MSOA), key=lambda m: -msoa_north[m]))}
    order = sorted(range(N_LSOA), key=lambda i: (msoa_rank[msoa_of[i]], -xy[i, 1]))
    letters: dict[int, int] = {}
    lsoa_names_by_i: dict[int, str] = {}
    for i in order:
        m = msoa_rank[msoa_of[i]]
        letter = chr(ord("A") + letters.get(m, 0))
        letters[m] = letters.get(m, 0) + 1
        lsoa_names_by_i[i] = f"{DEMO_NAME} {m + 1:03d}{letter}"

    # Ward names: the most central ward (to the main town) gets "Ambridge Central" etc.
    ward_xy = np.array(
        [xy[[i for i in range(N_LSOA) if ward_of[i] == w]].mean(axis=0) for w in range(N_WARD)]
    )
    d_town = np.hypot(*(ward_xy - towns[0]).T)
    named = [int(w) for w in np.argsort(d_town, kind="stable")]
    rest_names = list(WARD_NAMES[2:])
    rng.shuffle(rest_names)
    ward_name_of = {named[0]: WARD_NAMES[0], named[1]: WARD_NAMES[1]}
    for w, nm in zip(named[2:], rest_names, strict=True):
        ward_name_of[w] = nm
    ward_sorted = sorted(range(N_WARD), key=lambda w: ward_name_of[w])
    ward_code_of = {w: f"E05999{k + 1:03d}" for k, w in enumerate(ward_sorted)}

    # Deprivation: town centres more deprived, smooth spatial noise, a little idiosyncrasy.
    d = np.stack([np.hypot(*(xy - t).T) for t in towns])
    town_effect = (
        1.3 * np.exp(-d[0] / 2200) + 0.9 * np.exp(-d[1] / 1500) + 0.6 * np.exp(-d[2] / 1400)
    )
    waves = sum(
        0.18
        * np.sin(xy[:, 0] / rng.uniform(2500, 6000) + rng.uniform(0, 6))
        * np.cos(xy[:, 1] / rng.uniform(2500, 6000) + rng.uniform(0, 6))
        for _ in range(3)
    )
    rurality = np.clip(d.min(axis=0) / 6000, 0, 1)
    latent = town_effect + waves - 0.3 * rurality + rng.normal(0, 0.22, N_LSOA)

    new_index = {i: k for k, i in enumerate(order)}
    inv = order  # new position k -> old index
    msoa_codes = [f"E02999{m + 1:03d}" for m in range(N_MSOA)]
    msoa_names = [f"{DEMO_NAME} {m + 1:03d}" for m in range(N_MSOA)]
    ward_codes = [ward_code_of[w] for w in range(N_WARD)]
    ward_names = [ward_name_of[w] for w in range(N_WARD)]
    del new_index
    return Geography(
        lad_polys=lad_polys,
        lsoa_codes=[f"E01999{k + 1:03d}" for k in range(N_LSOA)],
        lsoa_names=[lsoa_names_by_i[i] for i in inv],
        lsoa_polys=[lsoa_polys[i] for i in inv],
        lsoa_xy=xy[inv],
        lsoa_msoa=[msoa_rank[msoa_of[i]] for i in inv],
        lsoa_ward=[ward_of[i] for i in inv],
        msoa_codes=msoa_codes,
        msoa_names=msoa_names,
        ward_codes=ward_codes,
        ward_names=ward_names,
        towns=towns,
        deprivation_latent=latent[inv],
        rurality=rurality[inv],
    )


def _to_wgs84(geom: Polygon) -> Polygon:
    from pyproj import Transformer

    tr = Transformer.from_pipeline(_BNG_TO_WGS84)

    def conv(coords: np.ndarray) -> np.ndarray:
        lon, lat = tr.transform(coords[:, 0], coords[:, 1])
        return np.round(np.c_[lon, lat], 6)

    out = shapely.transform(geom, conv)
    return shapely.orient_polygons(out, exterior_cw=False)


def write_geojson(path: Path, name: str, features: list[tuple[dict[str, str], Polygon]]) -> int:
    lines = []
    for props, geom in sorted(features, key=lambda f: next(iter(f[0].values()))):
        g = _to_wgs84(geom)
        if not g.is_valid:
            raise ValueError(f"invalid geometry for {props}")
        lines.append(
            json.dumps(
                {"type": "Feature", "properties": props, "geometry": mapping(g)},
                separators=(",", ":"),
            )
        )
    text = (
        '{"type":"FeatureCollection","name":'
        + json.dumps(name)
        + ',"features":[\n'
        + ",\n".join(lines)
        + "\n]}\n"
    )
    path.write_text(text, encoding="utf-8")
    return len(lines)


def write_boundaries(out: Path, geo: Geography) -> dict[str, int]:
    counts = {}
    counts["boundaries_lad.geojson"] = write_geojson(
        out / "boundaries_lad.geojson",
        "boundaries_lad",
        [({"LAD24CD": c, "LAD24NM": LAD_BY_CODE[c].name}, p) for c, p in geo.lad_polys.items()],
    )
    counts["boundaries_lsoa.geojson"] = write_geojson(
        out / "boundaries_lsoa.geojson",
        "boundaries_lsoa",
        [
            ({"LSOA21CD": c, "LSOA21NM": n}, p)
            for c, n, p in zip(geo.lsoa_codes, geo.lsoa_names, geo.lsoa_polys, strict=True)
        ],
    )
    wards = []
    for w in range(N_WARD):
        members = [p for p, k in zip(geo.lsoa_polys, geo.lsoa_ward, strict=True) if k == w]
        u = shapely.set_precision(shapely.union_all(members), 1.0)
        wards.append(({"WD24CD": geo.ward_codes[w], "WD24NM": geo.ward_names[w]}, u))
    counts["boundaries_ward.geojson"] = write_geojson(
        out / "boundaries_ward.geojson", "boundaries_ward", wards
    )
    msoas = []
    for m in range(N_MSOA):
        members = [p for p, k in zip(geo.lsoa_polys, geo.lsoa_msoa, strict=True) if k == m]
        u = shapely.set_precision(shapely.union_all(members), 1.0)
        msoas.append(({"MSOA21CD": geo.msoa_codes[m], "MSOA21NM": geo.msoa_names[m]}, u))
    counts["boundaries_msoa.geojson"] = write_geojson(
        out / "boundaries_msoa.geojson", "boundaries_msoa", msoas
    )
    return counts


def write_lookup(out: Path, geo: Geography, region: tuple[str, str] | None = None) -> int:
    """The demo's LSOAs with their MSOA, ward and authority; with ``region`` (code, name), a
    scaled project's, their region too (the columns ONS's LSOA lookups carry)."""
    rows = [
        (
            geo.lsoa_codes[i],
            geo.lsoa_names[i],
            geo.msoa_codes[geo.lsoa_msoa[i]],
            geo.msoa_names[geo.lsoa_msoa[i]],
            geo.ward_codes[geo.lsoa_ward[i]],
            geo.ward_names[geo.lsoa_ward[i]],
            DEMO_CODE,
            DEMO_NAME,
            *(region or ()),
        )
        for i in range(N_LSOA)
    ]
    header = (
        "LSOA21CD", "LSOA21NM", "MSOA21CD", "MSOA21NM", "WD24CD", "WD24NM", "LAD24CD", "LAD24NM",
        *(("RGN24CD", "RGN24NM") if region else ()),
    )  # fmt: skip
    return write_csv(out / "lookup_lsoa21_ward24_msoa21_lad24.csv", header, rows)


# --- deprivation -------------------------------------------------------------------------------


def make_imd(rng: np.random.Generator, geo: Geography) -> tuple[np.ndarray, np.ndarray]:
    """IMD 2019-style national ranks (1 = most deprived) and deciles for the demo LSOAs."""
    order = np.argsort(-geo.deprivation_latent, kind="stable")  # most deprived first
    pct = np.empty(N_LSOA)
    pct[order] = (np.arange(N_LSOA) + 0.5) / N_LSOA
    pct = np.clip(pct**1.08 + rng.normal(0, 0.012, N_LSOA), 0.0002, 0.9998)
    ranks = np.clip(np.rint(pct * IMD_N_LSOA), 1, IMD_N_LSOA).astype(int)
    seen: set[int] = set()
    for i in np.argsort(ranks, kind="stable"):
        while ranks[i] in seen:
            ranks[i] += 1
        seen.add(int(ranks[i]))
    deciles = np.ceil(ranks / (IMD_N_LSOA / 10)).astype(int)
    return ranks, deciles


def lsoa_deprivation(ranks: np.ndarray) -> np.ndarray:
    """Map national IMD rank to the model's deprivation scale (+1 most deprived)."""
    return 1.0 - 2.0 * (ranks - 0.5) / IMD_N_LSOA


def write_imd(out: Path, geo: Geography, ranks: np.ndarray, deciles: np.ndarray) -> int:
    rows = [
        (geo.lsoa_codes[i], geo.lsoa_names[i], DEMO_CODE, DEMO_NAME, f"{ranks[i]:,}", deciles[i])
        for i in range(N_LSOA)
    ]
    return write_csv(
        out / "imd2019_lsoa.csv",
        (
            "LSOA code (2011)",
            "LSOA name (2011)",
            "Local Authority District code (2019)",
            "Local Authority District name (2019)",
            "Index of Multiple Deprivation (IMD) Rank",
            "Index of Multiple Deprivation (IMD) Decile",
        ),
        rows,
        bom=True,
    )


def write_imd_lad(out: Path, rng: np.random.Generator, demo_dep: float) -> int:
    scores = {}
    for lad in LADS:
        dep = demo_dep if lad.code == DEMO_CODE else lad.deprivation
        scores[lad.code] = 21.7 + 13.5 * dep + rng.normal(0, 0.6)
    # Rank among 317 districts: 1 = most deprived. England-like score distribution.
    rows = []
    for lad in LADS:
        s = scores[lad.code]
        frac = 1 / (1 + math.exp(-(s - 21.0) / 5.2))  # share of districts less deprived
        rank = int(np.clip(round(317 * (1 - frac)), 1, 317))
        rows.append((lad.code, lad.name, fmt(s, 3), rank))
    return write_csv(
        out / "imd_lad_summaries.csv",
        ("lad_code", "lad_name", "imd_average_score", "imd_rank_of_average_score"),
        rows,
    )


# --- population files --------------------------------------------------------------------------


def split_to_lsoas(
    rng: np.random.Generator, geo: Geography, lad_pop_2024: np.ndarray, dep: np.ndarray
) -> np.ndarray:
    """Allocate the demo LAD's 2024 counts to LSOAs: array[lsoa, sex, age], exact sums."""
    age = np.arange(N_AGE, dtype=float)
    size = rng.uniform(1350, 2150, N_LSOA)
    ruralness = geo.rurality[:, None]
    young_town = (1 - ruralness) * 0.7 * np.exp(-(((age - 27) / 7) ** 2))
    old_rural = ruralness * 0.9 * (1 / (1 + np.exp(-(age - 55) / 6)))
    kids = dep[:, None] * 0.35 * np.exp(-(((age - 8) / 9) ** 2))
    old_dep = -dep[:, None] * 0.25 * (1 / (1 + np.exp(-(age - 70) / 6)))
    profile = np.exp(young_town + old_rural + kids + old_dep)
    profile /= profile.mean(axis=1, keepdims=True)
    out = np.zeros((N_LSOA, 2, N_AGE), dtype=np.int64)
    for s in range(2):
        for a in range(N_AGE):
            p = size * profile[:, a]
            out[:, s, a] = rng.multinomial(int(lad_pop_2024[s, a]), p / p.sum())
    return out


def write_population_long(out: Path, pop: dict[str, np.ndarray]) -> int:
    rows = []
    for lad in sorted(AREAS, key=lambda x: x.code):
        arr = pop[lad.code]
        for yi, year in enumerate(YEARS):
            for si, sex in enumerate(SEXES):
                for a, age in enumerate(AGES):
                    rows.append((lad.code, lad.name, year, sex, age, int(arr[yi, si, a])))
    return write_csv(
        out / "population_mye_lad_2020_2024.csv",
        ("area_code", "area_name", "period", "sex", "age", "population"),
        rows,
    )


def write_population_lsoa_wide(out: Path, geo: Geography, lsoa_pop: np.ndarray) -> int:
    header = (
        "period", "area_code", "area_name", "geography", "sex", "all_ages",
        "aged_0_to_15", "aged_16_to_64", "aged_65_and_over", *AGES,
    )  # fmt: skip
    rows = []
    for i in range(N_LSOA):
        f, m = lsoa_pop[i, 0], lsoa_pop[i, 1]
        for label, v in (("Persons", f + m), ("Females", f), ("Males", m)):
            rows.append(
                (
                    "2024-06-30",
                    geo.lsoa_codes[i],
                    geo.lsoa_names[i],
                    "LSOA",
                    label,
                    int(v.sum()),
                    int(v[:16].sum()),
                    int(v[16:65].sum()),
                    int(v[65:].sum()),
                    *(int(x) for x in v),
                )
            )
    return write_csv(out / "population_mye2024_lsoa_wide.csv", header, rows)


def write_population_lsoa_earlier(
    out: Path, geo: Geography, pop: dict[str, np.ndarray], lsoa_pop: np.ndarray
) -> int:
    """LSOA estimates for 2020-2023 (the years before the mid-2024 file), long by single year.

    Each year's demo-LAD count of a sex and age is shared among the LSOAs in proportion to their
    2024 counts (equally where no LSOA has anyone of that age), exactly, by largest remainder: so
    LSOAs add up to the LAD every year, and small areas have five years of denominators.
    """
    rows = []
    for y, year in enumerate(YEARS[:-1]):
        shares = np.zeros((N_LSOA, 2, N_AGE), dtype=np.int64)
        for s in range(2):
            for a in range(N_AGE):
                weights = lsoa_pop[:, s, a].astype(float)
                if weights.sum() == 0:
                    weights = np.ones(N_LSOA)
                shares[:, s, a] = largest_remainder(weights, int(pop[DEMO_CODE][y][s, a]))
        for i in range(N_LSOA):
            for s, sex in enumerate(("Female", "Male")):
                for a in range(N_AGE):
                    rows.append((geo.lsoa_codes[i], year, sex, AGES[a], int(shares[i, s, a])))
    return write_csv(
        out / "population_lsoa_2020_2023.csv",
        ("area_code", "year", "sex", "age", "population"),
        rows,
    )


#: Local Health-style ward indicators: (indicator, measure, kind, base level, deprivation effect)
WARD_INDICATORS = (
    ("Emergency hospital admissions for all causes", "SAR", "ratio", 0.105, 0.30),
    ("Child development at age 5", "Percentage", "proportion", 0.68, -0.45),
    ("Obese children (Year 6)", "Percentage", "proportion", 0.21, 0.50),
)


def write_ward_indicators(out: Path, geo: Geography, lsoa_pop: np.ndarray) -> int:
    """Ward values with 95% limits, plus the demo LAD and England, in the tidy layout of OHID
    Local Health extracts (``area_code, area_name, indicator, period, measure, unit, value``).

    Counts come from each ward's 2024 population and mean LSOA deprivation, with their own
    seeded generator so the other sample files do not change.
    """
    rng = np.random.default_rng(SEED + 14)
    ward_of = np.asarray(geo.lsoa_ward)
    people = lsoa_pop.sum(axis=(1, 2)).astype(float)
    children = lsoa_pop[:, :, 5:12].sum(axis=(1, 2)).astype(float)
    dep = geo.deprivation_latent
    z_dep = (dep - dep.mean()) / dep.std()
    rows = []
    for name, measure, kind, base, effect in WARD_INDICATORS:
        obs_total = exp_total = 0.0
        for w, code in enumerate(geo.ward_codes):
            members = ward_of == w
            ward_dep = float(np.average(z_dep[members], weights=people[members]))
            if kind == "ratio":
                expected = float(people[members].sum()) * base * 5
                observed = float(rng.poisson(expected * math.exp(effect * ward_dep)))
                lo, hi = byar(observed, Z95)
                value, lo, hi = observed / expected * 100, lo / expected * 100, hi / expected * 100
                count, denom = observed, expected
                obs_total, exp_total = obs_total + observed, exp_total + expected
            else:
                denom = float(round(children[members].sum() / 7 * 3))
                p = base * math.exp(effect * 0.25 * ward_dep)
                count = float(rng.binomial(int(denom), min(p, 0.95)))
                lo, hi = wilson(count, denom, Z95)
                value, lo, hi = count / denom * 100, lo * 100, hi * 100
                obs_total, exp_total = obs_total + count, exp_total + denom
            rows.append((code, geo.ward_names[w], name, "2019/20 - 23/24", measure, "Persons",
                         fmt(value), fmt(lo), fmt(hi), int(count), fmt(denom, 0)))  # fmt: skip
        if kind == "ratio":
            lo, hi = byar(obs_total, Z95)
            la = (obs_total / exp_total * 100, lo / exp_total * 100, hi / exp_total * 100)
            england = (100.0, 99.9, 100.1)
        else:
            lo, hi = wilson(obs_total, exp_total, Z95)
            la = (obs_total / exp_total * 100, lo * 100, hi * 100)
            england = (base * 100, base * 100 - 0.1, base * 100 + 0.1)
        for code, label, (value, lo, hi), count, denom in (
            (DEMO_CODE, DEMO_NAME, la, int(obs_total), fmt(exp_total, 0)),
            (ENGLAND_CODE, ENGLAND_NAME, england, "", ""),
        ):
            rows.append((code, label, name, "2019/20 - 23/24", measure, "Persons",
                         fmt(value), fmt(lo), fmt(hi), count, denom))  # fmt: skip
    header = ("area_code", "area_name", "indicator", "period", "measure", "unit", "value",
              "lower_ci_95", "upper_ci_95", "count", "denominator")  # fmt: skip
    return write_csv(out / "local_health_wards.csv", header, rows)


# --- deaths ------------------------------------------------------------------------------------

# Share of deaths by cause for each life band (rows sum to 1 before the sex adjustment).
_CAUSE_SHARE = np.array(
    [
        # Circ  Cancer Resp  Ext   Other
        [0.02, 0.02, 0.04, 0.05, 0.87],  # <1
        [0.04, 0.15, 0.08, 0.22, 0.51],  # 1-4
        [0.04, 0.25, 0.06, 0.25, 0.40],  # 5-9
        [0.05, 0.22, 0.05, 0.35, 0.33],  # 10-14
        [0.05, 0.10, 0.03, 0.60, 0.22],  # 15-19
        [0.06, 0.08, 0.03, 0.63, 0.20],  # 20-24
        [0.08, 0.10, 0.03, 0.57, 0.22],  # 25-29
        [0.10, 0.15, 0.04, 0.48, 0.23],  # 30-34
        [0.13, 0.20, 0.04, 0.38, 0.25],  # 35-39
        [0.16, 0.26, 0.05, 0.28, 0.25],  # 40-44
        [0.19, 0.32, 0.06, 0.18, 0.25],  # 45-49
        [0.21, 0.37, 0.07, 0.11, 0.24],  # 50-54
        [0.22, 0.41, 0.08, 0.07, 0.22],  # 55-59
        [0.22, 0.43, 0.10, 0.04, 0.21],  # 60-64
        [0.22, 0.43, 0.11, 0.03, 0.21],  # 65-69
        [0.23, 0.39, 0.13, 0.02, 0.23],  # 70-74
        [0.24, 0.33, 0.14, 0.02, 0.27],  # 75-79
        [0.25, 0.25, 0.15, 0.02, 0.33],  # 80-84
        [0.26, 0.17, 0.15, 0.02, 0.40],  # 85-89
        [0.26, 0.10, 0.14, 0.02, 0.48],  # 90+
    ]
)
_COVID_EXTRA = {2020: 0.10, 2021: 0.06, 2022: 0.02, 2023: 0.0, 2024: 0.0}


def cause_shares(sex: str, year: int) -> np.ndarray:
    share = _CAUSE_SHARE.copy()
    if sex == "Male":
        share[:, 0] *= 1.15
        share[:, 3] *= 1.25
    share[:, 4] += _COVID_EXTRA[year] * np.linspace(0.2, 1.5, 20)  # COVID-19 sits in "Other"
    return share / share.sum(axis=1, keepdims=True)


def make_deaths(
    rng: np.random.Generator,
    pop: dict[str, np.ndarray],
    lsoa_pop: np.ndarray,
    lsoa_dep: np.ndarray,
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """LAD deaths array[year, sex, band, cause] and demo LSOA deaths array[lsoa, year, sex, band]."""
    lad_deaths: dict[str, np.ndarray] = {}
    lsoa_bands = to_bands(lsoa_pop, LIFE_INDEX, 20).astype(float)  # lsoa, sex, band
    demo_bands = to_bands(pop[DEMO_CODE], LIFE_INDEX, 20)  # year, sex, band
    share24 = lsoa_bands / np.maximum(lsoa_bands.sum(axis=0, keepdims=True), 1)
    lsoa_deaths = np.zeros((N_LSOA, len(YEARS), 2, 20), dtype=np.int64)
    for yi, year in enumerate(YEARS):
        for si, sex in enumerate(SEXES):
            rates = mortality_rates(sex, year, lsoa_dep)  # lsoa, band
            expected = share24[:, si, :] * demo_bands[yi, si][None, :] * rates
            d = rng.poisson(expected)
            cap = np.minimum(lsoa_bands[:, si, :], demo_bands[yi, si][None, :])
            lsoa_deaths[:, yi, si, :] = np.minimum(d, cap.astype(np.int64))
    for lad in AREAS:
        bands = to_bands(pop[lad.code], LIFE_INDEX, 20)
        arr = np.zeros((len(YEARS), 2, 20, len(CAUSES)), dtype=np.int64)
        for yi, year in enumerate(YEARS):
            for si, sex in enumerate(SEXES):
                if lad.code == DEMO_CODE:
                    total = lsoa_deaths[:, yi, si, :].sum(axis=0)
                else:
                    rates = mortality_rates(sex, year, lad.deprivation)
                    total = np.minimum(rng.poisson(bands[yi, si] * rates), bands[yi, si])
                shares = cause_shares(sex, year)
                for b in range(20):
                    arr[yi, si, b] = rng.multinomial(int(total[b]), shares[b])
        lad_deaths[lad.code] = arr
    return lad_deaths, lsoa_deaths


def write_deaths(
    out: Path, geo: Geography, lad_deaths: dict[str, np.ndarray], lsoa_deaths: np.ndarray
) -> dict[str, int]:
    rows = []
    for lad in sorted(AREAS, key=lambda x: x.code):
        arr = lad_deaths[lad.code]
        for yi, year in enumerate(YEARS):
            for si, sex in enumerate(SEXES):
                for b, band in enumerate(LIFE_BANDS):
                    for c, cause in enumerate(CAUSES):
                        rows.append(
                            (lad.code, lad.name, year, sex, band, cause, int(arr[yi, si, b, c]))
                        )
    n1 = write_csv(
        out / "deaths_lad_2020_2024.csv",
        ("area_code", "area_name", "year", "sex", "age_band", "cause", "deaths"),
        rows,
    )
    rows2 = []
    for i in range(N_LSOA):
        for yi, year in enumerate(YEARS):
            for si, sex in enumerate(SEXES):
                for b, band in enumerate(LIFE_BANDS):
                    rows2.append(
                        (geo.lsoa_codes[i], year, sex, band, int(lsoa_deaths[i, yi, si, b]))
                    )
    n2 = write_csv(
        out / "deaths_lsoa_2020_2024.csv", ("area_code", "year", "sex", "age_band", "deaths"), rows2
    )
    return {"deaths_lad_2020_2024.csv": n1, "deaths_lsoa_2020_2024.csv": n2}


# --- Fingertips export -------------------------------------------------------------------------

FINGERTIPS_HEADER = (
    "Indicator ID", "Indicator Name", "Parent Code", "Parent Name", "Area Code", "Area Name",
    "Area Type", "Sex", "Age", "Category Type", "Category", "Time period", "Value",
    "Lower CI 95.0 limit", "Upper CI 95.0 limit", "Lower CI 99.8 limit", "Upper CI 99.8 limit",
    "Count", "Denominator", "Value note", "Recent Trend", "Compared to England value or percentiles",
    "Compared to percentiles", "Time period Sortable", "New data", "Compared to goal",
    "Time period range",
)  # fmt: skip
UA_AREA_TYPE = "Counties & UAs (from Apr 2023)"
DECILE_TYPE = "County & UA deprivation deciles in England (IMD2019, 4/23 geography)"
DECILE_LABELS = (
    "Most deprived decile (IMD2019)", "Second most deprived decile (IMD2019)",
    "Third more deprived decile (IMD2019)", "Fourth more deprived decile (IMD2019)",
    "Fifth more deprived decile (IMD2019)", "Fifth less deprived decile (IMD2019)",
    "Fourth less deprived decile (IMD2019)", "Third less deprived decile (IMD2019)",
    "Second least deprived decile (IMD2019)", "Least deprived decile (IMD2019)",
)  # fmt: skip
SUPPRESSED = "Value suppressed for disclosure control due to small count"


@dataclass(frozen=True)
class Indicator:
    id: int
    name: str
    age: str
    kind: str  # "proportion", "rate", "life expectancy"
    periods: tuple[str, ...]
    england: dict[str, tuple[float, ...]]  # sex -> value per period
    elasticity: float  # log change per unit deprivation
    polarity: str | None  # "low", "high" or None (no judgement)
    with_998: bool = True


def _period_sortable(label: str) -> tuple[int, str]:
    year = int(label[:4])
    rng_label = "3y" if " - " in label else "1y"
    return year * 10000, rng_label


def _compare(value: float, lo: float, hi: float, england: float, polarity: str | None) -> str:
    if lo > england:
        side = "Higher"
    elif hi < england:
        side = "Lower"
    else:
        return "Similar"
    if polarity is None:
        return side
    good = (side == "Higher") == (polarity == "high")
    return "Better" if good else "Worse"


def _trend(p_new: float, n_new: float, p_old: float, n_old: float, polarity: str | None) -> str:
    se = math.sqrt(p_new * (1 - p_new) / n_new + p_old * (1 - p_old) / n_old)
    if abs(p_new - p_old) < 1.96 * se:
        return "No significant change"
    direction = "Increasing" if p_new > p_old else "Decreasing"
    if polarity is None:
        return direction
    good = (direction == "Increasing") == (polarity == "high")
    return f"{direction} and getting {'better' if good else 'worse'}"


INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        92443, "Smoking Prevalence in adults (18+) - current smokers (APS)", "18+ yrs",
        "proportion", tuple(str(y) for y in range(2018, 2024)),
        {"Persons": (14.4, 13.9, 12.1, 13.0, 12.7, 11.9)}, 0.38, "low",
    ),
    Indicator(
        93015, "Percentage of physically inactive adults", "19+ yrs", "proportion",
        ("2017/18", "2018/19", "2019/20", "2020/21", "2021/22", "2022/23"),
        {"Persons": (21.6, 21.4, 22.9, 23.4, 22.3, 22.6)}, 0.22, "low",
    ),
    Indicator(
        93088,
        "Overweight (including obesity) prevalence in adults, "
        "(using adjusted self-reported height and weight)",
        "18+ yrs", "proportion",
        ("2017/18", "2018/19", "2019/20", "2020/21", "2021/22", "2022/23"),
        {"Persons": (62.0, 62.3, 62.8, 63.5, 63.8, 64.0)}, 0.06, "low",
    ),
    Indicator(
        247, "Dementia: QOF prevalence (all ages)", "All ages", "proportion",
        ("2018/19", "2019/20", "2020/21", "2021/22", "2022/23", "2023/24"),
        {"Persons": (0.78, 0.79, 0.72, 0.71, 0.74, 0.76)}, -0.05, None, with_998=False,
    ),
    Indicator(
        20602, "Year 6: Prevalence of overweight (including obesity)", "10-11 yrs", "proportion",
        ("2018/19", "2019/20", "2020/21", "2021/22", "2022/23", "2023/24"),
        {"Persons": (34.3, 35.2, 40.9, 37.8, 36.6, 35.8)}, 0.16, "low",
    ),
    Indicator(
        90366, "Life expectancy at birth", "All ages", "life expectancy",
        ("2017 - 19", "2018 - 20", "2019 - 21", "2020 - 22", "2021 - 23", "2022 - 24"),
        {}, 0.0, "high", with_998=False,
    ),
    Indicator(
        22401, "Emergency hospital admissions due to falls in people aged 65 and over", "65+ yrs",
        "rate", ("2018/19", "2019/20", "2020/21", "2021/22", "2022/23", "2023/24"),
        {"Persons": (2198.0, 2222.0, 1967.0, 2099.0, 1993.0, 1984.0)}, 0.12, "low",
    ),
    Indicator(
        41001, "Suicide rate", "10+ yrs", "rate",
        ("2017 - 19", "2018 - 20", "2019 - 21", "2020 - 22", "2021 - 23", "2022 - 24"),
        {"Persons": (10.1, 10.4, 10.4, 10.3, 10.7, 11.0), "Female": (4.9, 5.0, 5.1, 5.2, 5.4, 5.5)},
        0.18, "low",
    ),
)  # fmt: skip


def _denominator(ind: Indicator, lad: Lad, pop24: np.ndarray, sex: str, rng) -> int:
    total = pop24.sum()
    if ind.id in (92443, 93015, 93088):  # survey respondents
        return round(310_000 if lad.code == ENGLAND_CODE else rng.uniform(420, 1100))
    if ind.id == 247:  # GP registered list
        return round(total * rng.uniform(1.02, 1.06))
    if ind.id == 20602:  # measured Year 6 children
        return round(pop24[:, 10].sum() * rng.uniform(0.93, 0.97))
    if ind.id == 22401:
        return int(pop24[:, 65:].sum())
    ages = pop24[:, 10:].sum(axis=0) if sex == "Persons" else pop24[0, 10:]
    return int(ages.sum()) * 3


def make_fingertips_rows(
    rng: np.random.Generator,
    pop: dict[str, np.ndarray],
    demo_dep: float,
    lsoa_pop: np.ndarray,
    lsoa_dep: np.ndarray,
) -> list[list[object]]:
    rows: list[tuple[tuple, list[object]]] = []
    area_rank = {ENGLAND_CODE: 0} | {lad.code: 20 + k for k, lad in enumerate(LADS)}
    for ind in INDICATORS:
        persistent = {lad.code: rng.normal(0, 0.06) for lad in LADS}
        sexes = ("Male", "Female") if ind.kind == "life expectancy" else tuple(ind.england)
        for sex in sexes:
            prev: dict[str, tuple[float, float]] = {}
            first: dict[str, tuple[float, float]] = {}
            for t, period in enumerate(ind.periods):
                sortable, prange = _period_sortable(period)
                latest = t == len(ind.periods) - 1
                eng_value = None
                for lad in (ENGLAND, *LADS):
                    dep = demo_dep if lad.code == DEMO_CODE else lad.deprivation
                    is_eng = lad.code == ENGLAND_CODE
                    pop24 = pop[lad.code][-1]
                    count: object = ""
                    denom: object = ""
                    note = ""
                    trend = ""
                    lo95 = hi95 = lo998 = hi998 = None
                    if ind.kind == "life expectancy":
                        years = range(int(period[:4]), int(period[:4]) + 3)
                        bands = to_bands(pop24, LIFE_INDEX, 20)[SEXES.index(sex)].astype(float)
                        if lad.code == DEMO_CODE:
                            lb = to_bands(lsoa_pop, LIFE_INDEX, 20)[:, SEXES.index(sex)]
                            deaths = sum(
                                (lb * mortality_rates(sex, y, lsoa_dep)).sum(axis=0) for y in years
                            )
                        else:
                            deaths = sum(bands * mortality_rates(sex, y, dep) for y in years)
                        value = life_expectancy(deaths, bands * 3)
                        value += 0 if is_eng else rng.normal(0, 0.12)
                        se = 10.0 / math.sqrt(deaths.sum())
                        lo95, hi95 = value - Z95 * se, value + Z95 * se
                    elif ind.kind == "proportion":
                        base = ind.england[sex][t] / 100
                        denom = _denominator(ind, lad, pop24, sex, rng)
                        if is_eng:
                            count = round(base * denom)
                        else:
                            p = base * math.exp(ind.elasticity * dep + persistent[lad.code])
                            count = int(rng.binomial(denom, min(p * rng.lognormal(0, 0.02), 0.95)))
                        value = 100 * count / denom
                        lo95, hi95 = (100 * v for v in wilson(count, denom, Z95))
                        if ind.with_998:
                            lo998, hi998 = (100 * v for v in wilson(count, denom, Z998))
                        if t == 0:
                            first[lad.code] = (count / denom, denom)
                        if latest and not is_eng:
                            p0, n0 = first[lad.code]
                            trend = _trend(count / denom, denom, p0, n0, ind.polarity)
                    else:  # directly standardised rate per 100,000 (Dobson/Byar limits)
                        base = ind.england[sex][t]
                        denom = _denominator(ind, lad, pop24, sex, rng)
                        rate = (
                            base
                            if is_eng
                            else base * math.exp(ind.elasticity * dep + persistent[lad.code])
                        )
                        std = 1.0 if is_eng else rng.uniform(0.94, 1.06)  # age-structure factor
                        expected = rate / 100_000 * denom / std
                        count = round(expected) if is_eng else int(rng.poisson(expected))
                        value = count / denom * 100_000 * std
                        lo, hi = byar(count, Z95)
                        lo95, hi95 = value * lo / count, value * hi / count
                        lo, hi = byar(count, Z998)
                        lo998, hi998 = value * lo / count, value * hi / count
                        if ind.id == 41001 and count < 6:  # Fingertips-style small-count rule
                            note = SUPPRESSED
                    if is_eng:
                        eng_value = value
                        compared = "Not compared"
                    elif note:
                        compared = "Not compared"
                    else:
                        assert eng_value is not None and lo95 is not None and hi95 is not None
                        compared = _compare(value, lo95, hi95, eng_value, ind.polarity)
                    parent = ("", "") if is_eng else (ENGLAND_CODE, ENGLAND_NAME)
                    area_type = "England" if is_eng else UA_AREA_TYPE

                    def f(x: float | None) -> str:
                        return "" if x is None else fmt_sig(x)

                    if note:
                        cells = ["", "", "", "", "", "", denom]
                    else:
                        cells = [f(value), f(lo95), f(hi95), f(lo998), f(hi998), count, denom]
                    row = [
                        ind.id, ind.name, *parent, lad.code, lad.name, area_type, sex, ind.age,
                        "", "", period, *cells, note, trend, compared, "Not compared", sortable,
                        "", "", prange,
                    ]  # fmt: skip
                    key = (ind.id, sex, sortable, area_rank[lad.code], 0)
                    rows.append((key, row))
                    prev[lad.code] = (value, 0.0)
    # England rows by deprivation decile for the latest period of smoking and life expectancy.
    smoking = INDICATORS[0]
    for d, label in enumerate(DECILE_LABELS):
        p = (20.3 - 1.45 * d) / 100
        denom = round(rng.uniform(29_000, 33_000))
        count = int(rng.binomial(denom, p))
        lo95, hi95 = wilson(count, denom, Z95)
        lo998, hi998 = wilson(count, denom, Z998)
        row = [
            smoking.id, smoking.name, "", "", ENGLAND_CODE, ENGLAND_NAME, "England", "Persons",
            smoking.age, DECILE_TYPE, label, "2023", fmt_sig(100 * count / denom),
            fmt_sig(100 * lo95), fmt_sig(100 * hi95), fmt_sig(100 * lo998), fmt_sig(100 * hi998),
            count, denom, "", "", "Not compared", "Not compared", 20230000, "", "", "1y",
        ]  # fmt: skip
        rows.append(((smoking.id, "Persons", 20230000, 1, d), row))
    le = INDICATORS[5]
    for sex, top, step in (("Male", 73.6, 1.05), ("Female", 78.5, 0.85)):
        for d, label in enumerate(DECILE_LABELS):
            value = top + step * d - 0.02 * d * d + rng.normal(0, 0.05)
            row = [
                le.id, le.name, "", "", ENGLAND_CODE, ENGLAND_NAME, "England", sex, le.age,
                DECILE_TYPE, label, "2022 - 24", fmt_sig(value), fmt_sig(value - 0.12),
                fmt_sig(value + 0.12), "", "", "", "", "", "", "Not compared", "Not compared",
                20220000, "", "", "3y",
            ]  # fmt: skip
            rows.append(((le.id, sex, 20220000, 1, d), row))
    rows.sort(key=lambda kr: kr[0])
    return [r for _, r in rows]


def write_fingertips(out: Path, rows: list[list[object]]) -> int:
    return write_csv(out / "fingertips_export.csv", FINGERTIPS_HEADER, rows)


# --- population projections -------------------------------------------------------------------

_VARIANTS = ("principal", "high migration", "low migration")
_VARIANT_MIG = {"principal": 1.0, "high migration": 1.6, "low migration": 0.4}


def _net_migration_rate(code: str, age: np.ndarray) -> np.ndarray:
    """Annual net migration as a share of the age group (principal assumption)."""
    if code == ENGLAND_CODE:  # international: young adults
        return 0.020 * np.exp(-(((age - 27) / 7) ** 2)) + 0.003 * np.exp(-(((age - 5) / 6) ** 2))
    # rural district: students leave, families and retirees arrive
    return (
        -0.040 * np.exp(-(((age - 19) / 1.8) ** 2))
        + 0.027 * np.exp(-(((age - 35) / 8) ** 2))
        + 0.014 * np.exp(-(((age - 6) / 5) ** 2))
        + 0.010 * np.exp(-(((age - 62) / 6) ** 2))
    )


def project(
    base: np.ndarray, code: str, start: int, years: int, mig_scale: float, tfr: float, mult: float
) -> np.ndarray:
    """Cohort-component projection of array[sex, age]; returns array[year, sex, age] (floats)."""
    age = np.arange(N_AGE, dtype=float)
    asfr = np.exp(-(((age - 31) / 5.8) ** 2))
    asfr[(age < 15) | (age > 49)] = 0
    asfr *= tfr / asfr.sum()
    mig = _net_migration_rate(code, age) * mig_scale
    # Calibrate the fertility level so the first projected birth cohort matches the base year.
    asfr *= base[:, 0].sum() / max((base[0] * asfr).sum(), 1.0)
    out = np.zeros((years + 1, 2, N_AGE))
    out[0] = base
    for t in range(years):
        cur = out[t]
        improve = 0.99 ** (start + t - 2024)
        nxt = np.zeros_like(cur)
        births = (cur[0] * asfr).sum()
        for si, sex in enumerate(SEXES):
            m = mortality_rates(sex, 2024, 0.0)[LIFE_INDEX] * mult * improve
            surv = np.exp(-m)
            moved = cur[si] * surv
            nxt[si, 1:] = moved[:-1]
            nxt[si, 90] += moved[90]
            share = 0.488 if sex == "Female" else 0.512
            nxt[si, 0] = births * share * math.exp(-m[0] * 0.5)
            nxt[si] *= 1 + mig
        out[t + 1] = nxt
    return out


def write_projections(out: Path, pop: dict[str, np.ndarray]) -> dict[str, int]:
    rows = []
    for code, tfr, mult in ((DEMO_CODE, 1.56, 1.02), (ENGLAND_CODE, 1.45, 1.0)):
        name = LAD_BY_CODE[code].name
        for variant in _VARIANTS:
            proj = project(
                pop[code][-1].astype(float), code, 2024, 20, _VARIANT_MIG[variant], tfr, mult
            )
            for t in range(21):
                for si, sex in enumerate(SEXES):
                    for a, label in enumerate(AGES):
                        rows.append(
                            (code, name, 2024 + t, sex, label, variant, f"{proj[t, si, a]:.3f}")
                        )
    rows.sort(key=lambda r: (r[0], r[2], r[3], _VARIANTS.index(r[5]), AGES.index(r[4])))
    n1 = write_csv(
        out / "population_projections_2024_based.csv",
        ("area_code", "area_name", "period", "sex", "age", "variant", "population"),
        rows,
    )
    # 2022-based SNPP in the ONS layout (higher migration assumption, from the 2022 estimate).
    base = pop[DEMO_CODE][YEARS.index(2022)].astype(float)
    proj = project(base, DEMO_CODE, 2022, 25, 1.25, 1.58, 1.02)
    header = [
        "AREA_CODE",
        "AREA_NAME",
        "COMPONENT",
        "SEX",
        "AGE_GROUP",
        *map(str, range(2022, 2048)),
    ]
    lines = [",".join(f'"{h}"' for h in header)]
    for si, sex in enumerate(SEXES):
        for a, label in enumerate((*AGES[:90], "90 and over")):
            vals = ",".join(f"{v:.3f}" for v in proj[:, si, a])
            lines.append(f"{DEMO_CODE},{DEMO_NAME},Population,{sex.lower()}s,{label},{vals}")
        vals = ",".join(f"{v:.3f}" for v in proj[:, si, :].sum(axis=1))
        lines.append(f"{DEMO_CODE},{DEMO_NAME},Population,{sex.lower()}s,All ages,{vals}")
    (out / "snpp2022_ambridge_vale.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {
        "population_projections_2024_based.csv": n1,
        "snpp2022_ambridge_vale.csv": len(lines) - 1,
    }


# --- hospital activity -------------------------------------------------------------------------

_YEAR_ACTIVITY = {2020: 0.80, 2021: 0.92, 2022: 0.98, 2023: 1.01, 2024: 1.03}
_ESP_MID = np.array([2.5 + 5 * b for b in range(18)] + [92.0])


def activity_rate(measure: str, sex: str, mid: np.ndarray) -> np.ndarray:
    """Events per person-year by age (England-like magnitudes)."""
    male = sex == "Male"
    if measure == "Emergency admissions":
        r = 0.075 + 0.09 * np.exp(-mid / 2.5) + 0.0009 * np.exp(mid / 15.5)
        return r * (1.05 if male else 1.0)
    if measure == "Emergency admissions for falls (65+)":
        r = 0.0045 * np.exp((mid - 67) / 9.5)
        return np.where(mid >= 65, r * (0.8 if male else 1.0), 0.0)
    if measure == "A&E attendances":
        r = 0.33 + 0.25 * np.exp(-mid / 4) + 0.08 * np.exp(-(((mid - 22) / 8) ** 2))
        return r + 0.0012 * np.exp(mid / 17)
    # Elective admissions
    r = 0.03 + 0.22 * np.exp(-(((mid - 72) / 17) ** 2))
    return r * (1.0 if male else 1.05)


ACTIVITY_MEASURES = (
    "A&E attendances", "Elective admissions", "Emergency admissions",
    "Emergency admissions for falls (65+)",
)  # fmt: skip


def write_admissions(
    rng: np.random.Generator, out: Path, pop: dict[str, np.ndarray], demo_dep: float
) -> int:
    rows = []
    for lad in sorted(AREAS, key=lambda x: x.code):
        dep = demo_dep if lad.code == DEMO_CODE else lad.deprivation
        bands = to_bands(pop[lad.code], ESP_INDEX, 19)
        for yi, year in enumerate(YEARS):
            for si, sex in enumerate(SEXES):
                for measure in ACTIVITY_MEASURES:
                    elast = {"Elective admissions": 0.05, "A&E attendances": 0.3}.get(measure, 0.35)
                    rate = activity_rate(measure, sex, _ESP_MID) * _YEAR_ACTIVITY[year]
                    rate = rate * math.exp(elast * dep) * (1 + 0.01 * (year - 2020))
                    counts = rng.poisson(bands[yi, si] * rate)
                    for b, band in enumerate(ESP_BANDS):
                        if measure.endswith("(65+)") and _ESP_MID[b] < 65:
                            continue
                        rows.append((lad.code, lad.name, year, sex, band, measure, int(counts[b])))
    return write_csv(
        out / "admissions_lad_2020_2024.csv",
        ("area_code", "area_name", "year", "sex", "age_band", "measure", "count"),
        rows,
    )


_POD_SPECIALTIES = {
    "A&E attendance": (("Accident & Emergency",), (1.0,)),
    "Emergency admission": (
        ("General Medicine", "Geriatric Medicine", "Paediatrics", "Trauma & Orthopaedics",
         "General Surgery", "Respiratory Medicine", "Cardiology"),
        (0.30, 0.18, 0.10, 0.13, 0.14, 0.08, 0.07),
    ),
    "Elective admission": (
        ("Trauma & Orthopaedics", "General Surgery", "Ophthalmology", "Urology", "Gynaecology",
         "ENT", "Gastroenterology"),
        (0.18, 0.17, 0.16, 0.12, 0.10, 0.07, 0.20),
    ),
    "Outpatient attendance": (
        ("Trauma & Orthopaedics", "Ophthalmology", "Cardiology", "Dermatology", "ENT",
         "Gynaecology", "Paediatrics", "General Medicine"),
        (0.17, 0.16, 0.12, 0.10, 0.09, 0.10, 0.08, 0.18),
    ),
}  # fmt: skip
_POD_VOLUME = {
    "A&E attendance": 10_200, "Emergency admission": 4_800,
    "Elective admission": 4_500, "Outpatient attendance": 10_500,
}  # fmt: skip
_POD_COST = {  # median tariff-like cost (GBP), lognormal spread
    "A&E attendance": (190.0, 0.45), "Emergency admission": (2300.0, 0.7),
    "Elective admission": (2600.0, 0.6), "Outpatient attendance": (145.0, 0.35),
}  # fmt: skip


def write_service_activity(
    rng: np.random.Generator, out: Path, geo: Geography, lsoa_pop: np.ndarray, lsoa_dep: np.ndarray
) -> int:
    """Record-level extract of demo-area activity, 2023-04-01 to 2024-03-31."""
    ages = np.arange(N_AGE, dtype=float)
    start = date(2023, 4, 1)
    days = np.array([(start + timedelta(days=int(d))) for d in range(366)])
    weekday = np.array([d.weekday() for d in days])
    doy = np.arange(366)
    winter = 1 + 0.18 * np.cos(2 * np.pi * (doy - 275) / 366)  # peak around early January
    records = []
    for pod, n in _POD_VOLUME.items():
        measure = {
            "A&E attendance": "A&E attendances", "Emergency admission": "Emergency admissions",
            "Elective admission": "Elective admissions",
            "Outpatient attendance": "Elective admissions",
        }[pod]  # fmt: skip
        weights = np.zeros((N_LSOA, 2, N_AGE))
        for si, sex in enumerate(SEXES):
            rate = activity_rate(measure, sex, ages)
            if pod == "Outpatient attendance":
                rate = rate + 0.02
            elast = 0.05 if pod in ("Elective admission", "Outpatient attendance") else 0.35
            weights[:, si, :] = (
                lsoa_pop[:, si, :] * rate[None, :] * np.exp(elast * lsoa_dep)[:, None]
            )
        flat = rng.multinomial(n, (weights / weights.sum()).ravel())
        cells = np.repeat(np.arange(flat.size), flat)
        li, si, ai = np.unravel_index(cells, weights.shape)
        if pod in ("Elective admission", "Outpatient attendance"):
            dw = np.where(weekday < 5, 1.0, 0.04)
        else:
            dw = winter * np.where(weekday == 0, 1.12, 1.0)
        day_idx = rng.choice(366, size=cells.size, p=dw / dw.sum())
        names, probs = _POD_SPECIALTIES[pod]
        median, spread = _POD_COST[pod]
        for k in range(cells.size):
            age = int(ai[k])
            p = np.array(probs, dtype=float)
            if pod == "Emergency admission":
                p[names.index("Paediatrics")] *= 6.0 if age < 16 else 0.0
                p[names.index("Geriatric Medicine")] *= 2.5 if age >= 75 else 0.0
            if pod == "Outpatient attendance":
                p[names.index("Paediatrics")] *= 6.0 if age < 16 else 0.0
            if pod in ("Elective admission", "Outpatient attendance") and age < 16:
                p[names.index("Gynaecology")] = 0.0
            if SEXES[si[k]] == "Male" and "Gynaecology" in names:
                p[names.index("Gynaecology")] = 0.0
            spec = names[int(rng.choice(len(names), p=p / p.sum()))]
            age_cost = 1 + (0.006 * max(age - 50, 0) if pod.endswith("admission") else 0.0)
            cost = median * age_cost * rng.lognormal(0, spread)
            if spec == "Ophthalmology" and pod == "Elective admission":
                cost *= 0.4
            records.append(
                (days[day_idx[k]].isoformat(), geo.lsoa_codes[li[k]], pod, age, SEXES[si[k]], spec,
                 f"{min(cost, 60_000):.2f}")
            )  # fmt: skip
    records.sort()
    rows = [
        (f"SA{k + 1:06d}", r[3], r[4], r[1], r[0], r[2], r[5], r[6]) for k, r in enumerate(records)
    ]
    return write_csv(
        out / "service_activity_extract.csv",
        ("record_id", "age", "sex", "lsoa_code", "activity_date", "point_of_delivery", "specialty",
         "cost_gbp"),
        rows,
    )  # fmt: skip


# --- prevalence rates --------------------------------------------------------------------------

_SYNTHETIC_SOURCE = "Synthetic; magnitudes similar to published estimates (jsna sample data)"


def write_prevalence(out: Path) -> dict[str, int]:
    old_bands = ("65-69", "70-74", "75-79", "80-84", "85-89", "90+")
    dementia = {"Male": (0.015, 0.030, 0.053, 0.096, 0.170, 0.300),
                "Female": (0.018, 0.034, 0.066, 0.125, 0.220, 0.380)}  # fmt: skip
    base = {"Male": (1100, 900, 650, 400, 180, 60), "Female": (1200, 1000, 760, 520, 280, 120)}
    rows = []
    for sex in ("Female", "Male"):
        for b, band in enumerate(old_bands):
            p = dementia[sex][b]
            lo, hi = wilson(p * base[sex][b], base[sex][b], Z95)
            rows.append(
                ("Dementia", sex, band, fmt(p, 4), fmt(lo, 4), fmt(hi, 4), _SYNTHETIC_SOURCE)
            )
    n1 = write_csv(
        out / "dementia_prevalence_rates.csv",
        ("condition", "sex", "age_band", "prevalence", "lower_ci_95", "upper_ci_95", "source"),
        rows,
    )
    adult = ("18-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75-84", "85+")
    table = {
        "Diabetes (diagnosed)": {
            "Male": (0.004, 0.011, 0.032, 0.075, 0.135, 0.190, 0.210, 0.180),
            "Female": (0.005, 0.012, 0.027, 0.055, 0.095, 0.140, 0.165, 0.145),
        },
        "Falls requiring hospital admission": {
            "Male": (0.002, 0.002, 0.002, 0.003, 0.004, 0.008, 0.022, 0.060),
            "Female": (0.001, 0.001, 0.002, 0.003, 0.005, 0.012, 0.032, 0.082),
        },
        "Learning disability": {
            "Male": (0.031, 0.029, 0.027, 0.025, 0.022, 0.019, 0.016, 0.013),
            "Female": (0.020, 0.019, 0.018, 0.017, 0.015, 0.013, 0.011, 0.009),
        },
    }
    rows = []
    for condition, by_sex in table.items():
        for sex in ("Female", "Male"):
            for b, band in enumerate(adult):
                p = by_sex[sex][b]
                n = 3000
                lo, hi = wilson(p * n, n, Z95)
                rows.append(
                    (condition, sex, band, fmt(p, 4), fmt(lo, 4), fmt(hi, 4), _SYNTHETIC_SOURCE)
                )
    n2 = write_csv(
        out / "prevalence_rates.csv",
        ("condition", "sex", "age_band", "prevalence", "lower_ci_95", "upper_ci_95", "source"),
        rows,
    )
    return {"dementia_prevalence_rates.csv": n1, "prevalence_rates.csv": n2}


# --- personal health budgets -------------------------------------------------------------------

_PHB_TYPES = (
    "Continuing healthcare", "Wheelchair", "Mental health aftercare (section 117)",
    "Personal care (adult social care joint)", "Other",
)  # fmt: skip
_PHB_SHARE = (0.30, 0.16, 0.08, 0.20, 0.26)
_ICBS = (
    ("E54999001", "NHS Borsetshire Integrated Care Board", (
        ("E38999001", "NHS Borsetshire ICB - Ambridge Vale", ("E06999001",)),
        ("E38999002", "NHS Borsetshire ICB - Borchester", ("E06999002",)),
        ("E38999003", "NHS Borsetshire ICB - Penny Hassett and Loxley Barrett",
         ("E06999005", "E06999006")),
    )),
    ("E54999002", "NHS Felpersham and Edgeley Integrated Care Board", (
        ("E38999004", "NHS Felpersham and Edgeley ICB - Felpersham", ("E06999003",)),
        ("E38999005", "NHS Felpersham and Edgeley ICB - Edgeley", ("E06999007",)),
    )),
    ("E54999003", "NHS Hollerton and Darrington Integrated Care Board", (
        ("E38999006", "NHS Hollerton and Darrington ICB - Hollerton", ("E06999004",)),
        ("E38999007", "NHS Hollerton and Darrington ICB - Darrington", ("E06999008",)),
    )),
    ("E54999004", "NHS Lakey Hill and Heydon Berrow Integrated Care Board", (
        ("E38999008", "NHS Lakey Hill and Heydon Berrow ICB", ("E06999009", "E06999010")),
    )),
)  # fmt: skip
_QUARTERS = tuple(f"{y}-{str(y + 1)[2:]} Q{q}" for y in (2022, 2023, 2024) for q in (1, 2, 3, 4))


def write_phb(rng: np.random.Generator, out: Path, pop: dict[str, np.ndarray]) -> dict[str, int]:
    rows = []
    icb_pop = []
    uptake = {"E54999001": 1.0, "E54999002": 1.55, "E54999003": 0.55, "E54999004": 0.85}
    for icb_code, icb_name, subs in _ICBS:
        icb_pop.append(
            (icb_code, icb_name, sum(int(pop[c][-1].sum()) for _, _, cs in subs for c in cs))
        )
        for sub_code, sub_name, lads in subs:
            people = sum(int(pop[c][-1].sum()) for c in lads)
            local = uptake[icb_code] * rng.lognormal(0, 0.15)
            mix = rng.dirichlet(np.array(_PHB_SHARE) * 40)
            for q, quarter in enumerate(_QUARTERS):
                level = 330 / 100_000 * people * local * 1.035**q  # ~15% growth a year
                for t, phb_type in enumerate(_PHB_TYPES):
                    n = int(rng.poisson(level * mix[t]))
                    rows.append((quarter, "E40999001", "Midlands (fictional)", icb_code, icb_name,
                                 sub_code, sub_name, phb_type, n))  # fmt: skip
    n1 = write_csv(
        out / "phb_quarterly_return.csv",
        ("Quarter", "Region code", "Region name", "ICB code", "ICB name", "Sub-ICB code",
         "Sub-ICB name", "PHB type", "Number of people with a PHB in the quarter"),
        rows,
    )  # fmt: skip
    n2 = write_csv(out / "phb_icb_population.csv", ("ICB code", "ICB name", "population"), icb_pop)
    return {"phb_quarterly_return.csv": n1, "phb_icb_population.csv": n2}


def write_phb_local(rng: np.random.Generator, out: Path) -> int:
    median = {"Continuing healthcare": 48_000, "Wheelchair": 3_200,
              "Mental health aftercare (section 117)": 26_000,
              "Personal care (adult social care joint)": 14_000, "Other": 6_500}  # fmt: skip
    rows = []
    types = rng.choice(len(_PHB_TYPES), size=450, p=np.array(_PHB_SHARE))
    for k, t in enumerate(types):
        phb_type = _PHB_TYPES[int(t)]
        budget = float(np.clip(median[phb_type] * rng.lognormal(0, 0.65), 2_000, 150_000))
        conventional = budget * rng.lognormal(0.06, 0.18)
        start = date(2021, 4, 1) + timedelta(days=int(rng.integers(0, 1_300)))
        ended = rng.uniform() < 0.3
        end = start + timedelta(days=int(rng.integers(90, 700))) if ended else None
        if end is not None and end > date(2025, 3, 31):
            end = None
        before = float(np.clip(rng.beta(6, 4), 0.05, 0.98))
        gain = 0.02 + 0.012 * math.log(budget / 2_000)
        if phb_type in ("Continuing healthcare", "Mental health aftercare (section 117)"):
            gain += 0.03
        after = float(np.clip(before + gain + rng.normal(0, 0.07), 0.0, 1.0))
        rows.append(
            (f"PHB{k + 1:04d}", start.isoformat(), "" if end is None else end.isoformat(), phb_type,
             f"{budget:.2f}", f"{conventional:.2f}", "ASCOT SCRQoL (synthetic)", f"{before:.3f}",
             f"{after:.3f}")
        )  # fmt: skip
    return write_csv(
        out / "phb_local_budgets.csv",
        ("person_id", "start_date", "end_date", "phb_type", "annual_budget_gbp",
         "conventional_care_cost_gbp", "outcome_measure", "score_before", "score_after"),
        rows,
    )  # fmt: skip


# --- integrated personal commissioning ---------------------------------------------------------

#: client group by PHB type (shares), and the chance a budget holder says yes to being satisfied
#: with their support and in control of it: higher for mental health and physical disability,
#: lower for older people, as the pilots found (Forder et al. 2012; POET surveys 2013)
_CLIENT_GROUPS = ("Older people", "Physical disability", "Learning disability", "Mental health")
_CLIENT_MIX = {
    "Continuing healthcare": (0.55, 0.30, 0.15, 0.0),
    "Wheelchair": (0.30, 0.60, 0.10, 0.0),
    "Mental health aftercare (section 117)": (0.0, 0.0, 0.05, 0.95),
    "Personal care (adult social care joint)": (0.50, 0.25, 0.20, 0.05),
    "Other": (0.25, 0.25, 0.20, 0.30),
}
_SAYS_YES = {  # (satisfied, in control)
    "Older people": (0.64, 0.58),
    "Physical disability": (0.85, 0.82),
    "Learning disability": (0.78, 0.70),
    "Mental health": (0.86, 0.80),
}


def add_phb_client_groups(out: Path) -> int:
    """Add client group and the yes/no survey answers to the local budgets file, from their own
    seeded stream (so that no other sample changes)."""
    rng = np.random.default_rng(SEED + 15)
    path = out / "phb_local_budgets.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = list(reader)
    kind = header.index("phb_type")
    extended = []
    for row in rows:
        group = _CLIENT_GROUPS[int(rng.choice(4, p=np.array(_CLIENT_MIX[row[kind]])))]
        p_sat, p_ctl = _SAYS_YES[group]
        answered = rng.uniform() < 0.8  # a fifth did not answer the survey
        sat = str(int(rng.uniform() < p_sat)) if answered else ""
        ctl = str(int(rng.uniform() < p_ctl)) if answered else ""
        extended.append((*row, group, sat, ctl))
    return write_csv(path, (*header, "client_group", "satisfied", "in_control"), extended)


def write_ipc_prevalence(out: Path) -> int:
    """Prevalence of the integrated personal commissioning cohorts not in the other tables."""
    table = {
        "Frailty": (
            ("65-69", "70-74", "75-79", "80-84", "85-89", "90+"),
            {"Male": (0.040, 0.060, 0.095, 0.150, 0.230, 0.330),
             "Female": (0.055, 0.080, 0.125, 0.195, 0.290, 0.400)},
        ),
        "Complex needs": (
            ("0-4", "5-10", "11-15", "16-17"),
            {"Male": (0.012, 0.038, 0.042, 0.030), "Female": (0.006, 0.016, 0.019, 0.015)},
        ),
        "Severe mental illness": (
            ("18-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75-84", "85+"),
            {"Male": (0.005, 0.009, 0.012, 0.013, 0.012, 0.009, 0.008, 0.007),
             "Female": (0.004, 0.008, 0.010, 0.011, 0.010, 0.009, 0.009, 0.009)},
        ),
    }  # fmt: skip
    rows = []
    for condition, (bands, by_sex) in table.items():
        for sex in ("Female", "Male"):
            for band, p in zip(bands, by_sex[sex], strict=True):
                lo, hi = wilson(p * 3000, 3000, Z95)
                rows.append(
                    (condition, sex, band, fmt(p, 4), fmt(lo, 4), fmt(hi, 4), _SYNTHETIC_SOURCE)
                )
    return write_csv(
        out / "ipc_prevalence_rates.csv",
        ("condition", "sex", "age_band", "prevalence", "lower_ci_95", "upper_ci_95", "source"),
        rows,
    )


#: the resource allocation sample's truth: the price per point, the ward whose budgets are
#: higher per point (the demo LA's ward with the most LSOAs) and by how much
RAS_PRICE = 250.0
RAS_WARD_FACTOR = 1.30
_RAS_DOMAINS = ("personal_care", "mobility", "daily_living", "relationships", "safety", "carers")
_RAS_GROUPS = {
    "Continuing healthcare": (("Older people", 0.6), ("Physical disability", 0.4)),
    "Wheelchair": (("Physical disability", 0.8), ("Older people", 0.2)),
    "Mental health aftercare (section 117)": (("Mental health", 1.0),),
    "Personal care (adult social care joint)": (("Older people", 0.5), ("Learning disability", 0.5)),
    "Other": (("Learning disability", 0.4), ("Mental health", 0.3), ("Physical disability", 0.3)),
}  # fmt: skip
_RAS_AGES = {"Older people": (65, 98), "Physical disability": (18, 64),
             "Learning disability": (18, 70), "Mental health": (18, 75)}  # fmt: skip


def ras_ward(geo: Geography) -> int:
    """The ward (index) whose budgets the assessments sample sets higher per point."""
    counts = np.bincount(geo.lsoa_ward[:N_LSOA], minlength=len(geo.ward_codes))
    return int(np.argmax(counts))


def write_assessments(out: Path, geo: Geography) -> int:
    """RAS needs assessments for the people of ``phb_local_budgets.csv`` (read back from ``out``).

    Own random stream, so the other files do not change. Each person's points are their budget
    over :data:`RAS_PRICE` (× :data:`RAS_WARD_FACTOR` in :func:`ras_ward`) with mean-one
    lognormal noise, so Σ budget / Σ points recovers the price; one in ten people also has an
    earlier assessment (a reassessment), which the analysis must not count.
    """
    rng = np.random.default_rng(SEED + 15)
    with (out / "phb_local_budgets.csv").open(encoding="utf-8") as f:
        people = list(csv.DictReader(f))
    high = ras_ward(geo)
    rows = []
    for person in people:
        budget = float(person["annual_budget_gbp"])
        lsoa = int(rng.integers(0, N_LSOA))
        factor = RAS_WARD_FACTOR if geo.lsoa_ward[lsoa] == high else 1.0
        noise = rng.lognormal(-0.02, 0.2)  # mean exp(-0.02 + 0.2**2 / 2) = 1
        points = max(1, round(budget / (RAS_PRICE * factor) * noise))
        names, shares = zip(*_RAS_GROUPS[person["phb_type"]], strict=True)
        group = names[int(rng.choice(len(names), p=np.array(shares)))]
        low, top = _RAS_AGES[group]
        age = int(rng.integers(low, top + 1))
        sex = ("Male", "Female")[int(rng.integers(0, 2))]
        start = date.fromisoformat(person["start_date"])
        when = start - timedelta(days=int(rng.integers(14, 90)))
        weights = rng.dirichlet(np.ones(len(_RAS_DOMAINS)) * 2)
        domains = largest_remainder(weights, points)
        code = geo.lsoa_codes[lsoa]
        rows.append((person["person_id"], when.isoformat(), code, group, age, sex, points,
                     *map(int, domains)))  # fmt: skip
        if rng.uniform() < 0.1:
            earlier = when - timedelta(days=int(rng.integers(300, 420)))
            old = max(1, round(points * rng.uniform(0.6, 0.9)))
            rows.append((person["person_id"], earlier.isoformat(), code, group, age - 1, sex, old,
                         *map(int, largest_remainder(weights, old))))  # fmt: skip
    rows.sort(key=lambda r: (r[0], r[1]))
    return write_csv(
        out / "assessments_ras.csv",
        ("person_id", "assessment_date", "area_code", "client_group", "age", "sex", "points",
         *(f"points_{d}" for d in _RAS_DOMAINS)),
        rows,
    )  # fmt: skip


# --- surveys and spend -------------------------------------------------------------------------

_SURVEYS = (
    ("Adult Social Care Survey (fictional)",
     "Overall satisfaction with care and support",
     ("Extremely or very satisfied", "Quite satisfied", "Neither satisfied nor dissatisfied",
      "Quite dissatisfied", "Very or extremely dissatisfied"),
     (64.0, 25.0, 6.5, 2.5, 2.0), 390, 59_000),
    ("Survey of Adult Carers (fictional)",
     "Overall satisfaction with support or services received for you and the person you care for",
     ("Extremely or very satisfied", "Quite satisfied", "Neither satisfied nor dissatisfied",
      "Quite dissatisfied", "Very or extremely dissatisfied"),
     (36.0, 31.0, 20.0, 7.0, 6.0), 280, 49_000),
    ("Ambridge Vale residents' health survey (fictional)",
     "What matters most to you about health services locally?",
     ("Getting a GP appointment", "Waiting times for hospital treatment", "Access to NHS dentistry",
      "Mental health support", "Transport to services", "Services closer to home", "Other"),
     (31.0, 22.0, 12.0, 11.0, 9.0, 10.0, 5.0), 1_240, 21_000),
)  # fmt: skip


def _percentages(weights: np.ndarray) -> list[str]:
    tenths = largest_remainder(weights, 1000)
    return [f"{t / 10:.1f}" for t in tenths]


def write_surveys(rng: np.random.Generator, out: Path) -> int:
    rows = []
    for survey, question, responses, base_pct, local_base, eng_base in _SURVEYS:
        for code, base in ((DEMO_CODE, local_base), (ENGLAND_CODE, eng_base)):
            w = np.array(base_pct) * (
                1 if code == ENGLAND_CODE else rng.lognormal(0, 0.12, len(base_pct))
            )
            if code == DEMO_CODE and survey.startswith("Ambridge"):
                w[responses.index("Transport to services")] *= 1.8  # rural area
            for resp, pct in zip(responses, _percentages(w), strict=True):
                rows.append((survey, question, resp, pct, base, code, "2023/24"))
    return write_csv(
        out / "survey_results.csv",
        ("survey", "question", "response", "percentage", "base", "area_code", "period"),
        rows,
    )


_PROGRAMMES = (
    ("Circulatory", 118.0, "Under 75 mortality rate from circulatory disease (per 100,000)", "Low is good"),
    ("Cancers and tumours", 112.0, "Under 75 mortality rate from cancer (per 100,000)", "Low is good"),
    ("Mental health", 232.0, "Excess under 75 mortality in adults with severe mental illness (%)", "Low is good"),
    ("Respiratory", 71.0, "Under 75 mortality rate from respiratory disease (per 100,000)", "Low is good"),
    ("Neurological", 68.0, "Emergency admissions for epilepsy (per 100,000)", "Low is good"),
    ("Musculoskeletal", 92.0, "Hip replacement EQ-5D index health gain", "High is good"),
)  # fmt: skip


def write_spend(
    rng: np.random.Generator, out: Path, pop: dict[str, np.ndarray],
    lad_deaths: dict[str, np.ndarray], demo_dep: float,
) -> int:  # fmt: skip
    rows = []
    esp = np.array(ESP_WEIGHTS, dtype=float)
    for lad in LADS:
        dep = demo_dep if lad.code == DEMO_CODE else lad.deprivation
        people = int(pop[lad.code][YEARS.index(2023)].sum())
        pop_esp = to_bands(pop[lad.code][YEARS.index(2023)].sum(axis=0), ESP_INDEX, 19).astype(
            float
        )
        deaths = lad_deaths[lad.code][YEARS.index(2023)].sum(axis=0)  # band, cause
        # life bands -> ESP bands (<1 and 1-4 both go to 0-4)
        d_esp = np.zeros((19, len(CAUSES)))
        for b in range(20):
            d_esp[max(b - 1, 0)] += deaths[b]
        for programme, per_head, outcome, polarity in _PROGRAMMES:
            spend = per_head * people * math.exp(0.12 * dep) * rng.lognormal(0, 0.08)
            cause = {"Circulatory": 0, "Cancers and tumours": 1, "Respiratory": 2}.get(programme)
            if cause is not None:
                keep = _ESP_MID < 75
                dsr = (d_esp[keep, cause] / pop_esp[keep] * esp[keep]).sum() / esp[keep].sum() * 1e5
                value = f"{dsr:.1f}"
            elif programme == "Mental health":
                value = f"{390 * math.exp(0.25 * dep) * rng.lognormal(0, 0.1):.1f}"
            elif programme == "Neurological":
                value = f"{85 * math.exp(0.3 * dep) * rng.lognormal(0, 0.12):.1f}"
            else:
                value = f"{0.45 - 0.03 * dep + rng.normal(0, 0.015):.3f}"
            rows.append((lad.code, lad.name, "2023/24", programme, f"{spend:.0f}", people, outcome,
                         value, polarity))  # fmt: skip
    return write_csv(
        out / "spend_by_programme.csv",
        ("area_code", "area_name", "period", "programme", "spend_gbp", "population",
         "outcome_indicator", "outcome_value", "outcome_polarity"),
        rows,
    )  # fmt: skip


# --- narrative ---------------------------------------------------------------------------------

NARRATIVE = {
    "voice.md": """\
# What local people told us

*Ambridge Vale Healthwatch listening tour, autumn 2024 (fictional engagement exercise).*

Between September and November 2024 Healthwatch volunteers visited fourteen venues across
Ambridge Vale, including the village hall in Ambridge, the Hassett Bridge food bank, two
parent-and-toddler groups, the Netherbourne mobile library stop and the Grey Gables day centre.
They spoke with 612 residents and received a further 287 online responses.

Three themes came up again and again. First, getting to services: people in the rural west of
the district described two-hour round trips by bus to reach the hospital in Borchester, and
several older residents said they had stopped going to outpatient appointments because they
could no longer drive. Second, continuity with a named GP: carers in particular valued being
known by the practice and felt that telephone triage had made this harder. Third, support for
mental health and wellbeing among young people, where parents reported long waits and a sense
of being "passed between services".

Residents in the most deprived neighbourhoods around Ambridge Central and Hassett Bridge were
more likely to mention money worries, damp housing and the cost of travel than those in the
villages, and less likely to have used online booking.

People also spoke warmly of local strengths: the community first responders, the Lakey Green
walking group and the volunteer-run hospital car scheme. Many asked that these be protected and
better publicised.

*All names, places and figures in this note are fictional and were written for the jsna sample
data.*
""",
    "public_demands.md": """\
# What residents want from local services

*Ambridge Vale residents' health survey 2023/24 and council budget consultation (fictional).*

When asked what matters most to them about health services locally, the largest share of the
1,240 residents who responded chose getting a GP appointment, followed by waiting times for
hospital treatment. Transport to services was named far more often than in the national
comparison, reflecting the rural character of much of the district.

In the free-text answers residents asked for:

- more appointments outside working hours, including Saturday clinics in Hassett Bridge;
- blood tests, scans and follow-up appointments held closer to home, for example in the
  community hospital or at mobile units;
- a single telephone number for carers who need urgent advice;
- faster access to talking therapies and to support for children's mental health;
- NHS dentistry for adults, which many said they could not find within 20 miles.

The budget consultation (418 responses) showed strong support for keeping the community
transport grant and the falls prevention classes, and mixed views on moving day services to a
personal budget model. Several respondents who already hold a personal health budget described
greater choice and control, but also paperwork that was hard to manage without help.

These demands should be read alongside the service activity and outcome data in this
assessment: the areas asking most loudly for closer services are not always those with the
greatest need.

*Fictional content generated for the jsna sample data; no real survey is described.*
""",
    "context.md": """\
# Ambridge Vale: setting the scene

Ambridge Vale is a largely rural unitary authority in the fictional county of Borsetshire, home
to about 180,000 people. Around a third live in the market town of Ambridge and a further fifth
in the smaller towns of Hassett Bridge and Waterley Cross; the rest live in villages and
farmsteads spread across the Am valley.

The population is older than England's: roughly a quarter of residents are aged 65 or over,
and the number aged 85 and over is projected to rise faster than any other age group over the
next twenty years. Young adults leave the district for university and work, while families and
people approaching retirement move in.

Most neighbourhoods are less deprived than the national average, but pockets of significant
deprivation sit in the town centres, where life expectancy for men is around eight years lower
than in the least deprived villages. Rural deprivation is harder to see in the statistics:
poor access to services, fuel poverty and low-paid seasonal work are common in the outlying
wards.

Health and care services are commissioned through NHS Borsetshire Integrated Care Board, whose
Ambridge Vale sub-ICB location covers the district. Acute care is provided from Borchester and
Felpersham; community services and a small community hospital are based in Ambridge.

This joint strategic needs assessment brings together the latest population, mortality,
deprivation, hospital activity and engagement data to inform the Health and Wellbeing Board's
priorities for 2025 to 2030.

*Every place, organisation and number here is fictional and belongs to the jsna sample data.*
""",
}


def write_narrative(out: Path) -> dict[str, int]:
    counts = {}
    for name, text in NARRATIVE.items():
        path = out / "narrative" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        counts[f"narrative/{name}"] = len(text.split())
    return counts


# --- deliberately broken files -----------------------------------------------------------------

BAD_FILES = {
    "population_negative_count.csv": "population long layout with one negative count and one 'n/a'",
    "population_duplicate_rows.csv": "population long layout where two rows repeat the same key",
    "deaths_exceed_population.csv": "deaths (LAD layout) with a cell larger than its population",
    "deaths_non_numeric.csv": "deaths (LAD layout) with 'five' and '3.5' in the deaths column",
    "fingertips_truncated.csv": "Fingertips export cut off in the middle of a row",
    "empty.csv": "a 0-byte file",
    "header_only.csv": "population long header with no data rows",
    "population_latin1.csv": "population long layout encoded in cp1252 with accented names",
    "unknown_area_codes.csv": "population long layout with malformed codes ('X123', 'E0699900')",
    "imd_bad_decile.csv": "IMD File 1 layout with deciles 11 and 0",
    "boundaries_invalid_polygon.geojson": "LSOA boundaries where one polygon is a bow-tie",
}


def write_bad(out: Path, geo: Geography) -> dict[str, int]:
    bad = out / "bad"
    bad.mkdir(parents=True, exist_ok=True)
    src = out / "population_mye_lad_2020_2024.csv"
    pop_lines = src.read_text(encoding="utf-8").splitlines()[:25]
    header, body = pop_lines[0], pop_lines[1:]

    def put(name: str, lines: list[str], encoding: str = "utf-8") -> None:
        (bad / name).write_bytes(("\n".join(lines) + "\n").encode(encoding))

    neg = list(body)
    neg[3] = neg[3].rsplit(",", 1)[0] + ",-12"
    neg[7] = neg[7].rsplit(",", 1)[0] + ",n/a"
    put("population_negative_count.csv", [header, *neg])
    put("population_duplicate_rows.csv", [header, *body[:10], body[4], *body[10:]])
    put(
        "population_latin1.csv",
        [header]
        + [
            line.replace(
                "Ambridge Vale", "Ambridge Vale (Édgeley Rd)" if k % 2 else "Brémont Séville"
            )
            for k, line in enumerate(body[:12])
        ],
        encoding="cp1252",
    )
    unk = list(body[:12])
    unk[2] = unk[2].replace("E06999001", "X123", 1)
    unk[5] = unk[5].replace("E06999001", "E0699900", 1)
    put("unknown_area_codes.csv", [header, *unk])
    (bad / "empty.csv").write_bytes(b"")
    put("header_only.csv", [header])

    deaths = (out / "deaths_lad_2020_2024.csv").read_text(encoding="utf-8").splitlines()[:41]
    exceed = list(deaths)
    exceed[5] = exceed[5].rsplit(",", 1)[0] + ",99999"
    put("deaths_exceed_population.csv", exceed)
    nonnum = list(deaths)
    nonnum[3] = nonnum[3].rsplit(",", 1)[0] + ",five"
    nonnum[9] = nonnum[9].rsplit(",", 1)[0] + ",3.5"
    put("deaths_non_numeric.csv", nonnum)

    ft = (out / "fingertips_export.csv").read_bytes()
    cut = ft.index(b"\n", 3000) + 120
    (bad / "fingertips_truncated.csv").write_bytes(ft[:cut])

    imd = (out / "imd2019_lsoa.csv").read_text(encoding="utf-8-sig").splitlines()[:11]
    imd[2] = imd[2].rsplit(",", 1)[0] + ",11"
    imd[6] = imd[6].rsplit(",", 1)[0] + ",0"
    (bad / "imd_bad_decile.csv").write_bytes(("\ufeff" + "\n".join(imd) + "\n").encode("utf-8"))

    lsoa = json.loads((out / "boundaries_lsoa.geojson").read_text(encoding="utf-8"))
    features = lsoa["features"][:6]
    ring = features[2]["geometry"]["coordinates"][0]
    (x0, y0), (x1, y1) = ring[0], ring[len(ring) // 2]
    features[2]["geometry"]["coordinates"] = [[[x0, y0], [x1, y1], [x1, y0], [x0, y1], [x0, y0]]]
    lsoa["features"] = features
    lsoa["name"] = "boundaries_invalid_polygon"
    text = json.dumps(lsoa, separators=(",", ":")).replace(
        '},{"type":"Feature"', '},\n{"type":"Feature"'
    )
    (bad / "boundaries_invalid_polygon.geojson").write_text(text + "\n", encoding="utf-8")
    return {f"bad/{name}": 0 for name in BAD_FILES}


# --- README ------------------------------------------------------------------------------------

FILE_NOTES: dict[str, tuple[str, str]] = {
    "boundaries_lad.geojson": (
        "The 10 fictional unitary authorities (`LAD24CD`, `LAD24NM`): a Voronoi tessellation of a "
        "smooth blob around BNG E 420000 N 250000, WGS84 lon/lat, RFC 7946 winding, 6 d.p.",
        "ONS Open Geography Portal LAD boundaries (GeoJSON)",
    ),
    "boundaries_lsoa.geojson": (
        "Ambridge Vale LSOAs (`LSOA21CD`, `LSOA21NM`), Voronoi cells denser in the towns.",
        "ONS LSOA 2021 boundaries",
    ),
    "boundaries_ward.geojson": (
        "Ambridge Vale wards (`WD24CD`, `WD24NM`), unions of adjacent LSOAs.",
        "ONS Ward 2024 boundaries",
    ),
    "boundaries_msoa.geojson": (
        "Ambridge Vale MSOAs (`MSOA21CD`, `MSOA21NM`), unions of adjacent LSOAs, numbered north "
        "to south.",
        "ONS MSOA 2021 boundaries",
    ),
    "lookup_lsoa21_ward24_msoa21_lad24.csv": (
        "LSOA to MSOA, ward and LAD lookup for Ambridge Vale.",
        "ONS best-fit lookup (LSOA21 to WD24 to LAD24)",
    ),
    "gp_registrations_quin_age.csv": (
        "Patients registered at Ambridge Vale's 10 GP practices (codes `Z99001`-`Z99010`) by sex "
        "and 5-year band, January 2025, in NHS Digital's columns (`CODE`, `CCG_CODE`, "
        "`ONS_CCG_CODE`, `SEX`, `AGE` like `0_4` and `95+`, `NUMBER_OF_PATIENTS`).",
        "NHS Digital, Patients registered at a GP practice (5-year age groups)",
    ),
    "fingertips_gp_qof.csv": (
        "Two QOF prevalences (smoking 15+, dementia) for the 10 practices and England, 2023/24, "
        "binomial counts on the registered lists with Wilson limits.",
        "Fingertips GP practice download (QOF prevalence)",
    ),
    "imd2019_score_gp_practice_93553.csv": (
        "The deprivation score (IMD 2019) of the 10 practices and England, Fingertips indicator "
        "93553 (higher with each practice's deprivation; England 21.72): England twice, with and "
        "without a parent, no limits or counts, no final newline, as downloaded.",
        "Fingertips GP practice download (indicator 93553)",
    ),
    "practice_registers.csv": (
        "A diabetes register of the 10 practices by sex and 5-year band (`0-4` ... `90+`), "
        "2023/24: the counts `jsna ingest practice-counts` divides by the registered lists.",
        "Synthetic (a QOF register by age and sex, as a practice system reports it)",
    ),
    "lookup_subicb24_lad24.csv": (
        "The sub-ICB location of the practices -> Ambridge Vale: how the practices are attached.",
        "ONS sub-ICB location to LAD lookup",
    ),
    "epcn_core_partner_details.csv": (
        "The practices' primary care networks (`U99001`-`U99003`) in the columns of NHS "
        'Digital\'s ePCN sheet "PCN Core Partner Details" (`Practice Parent Sub ICB Loc Code` '
        "generation); `Z99007` moved PCN in April 2023, so it has one ended relationship.",
        "NHS Digital, ePCN (practice to PCN relationships)",
    ),
    "gp_registrations_lsoa.csv": (
        "Patients of each practice by LSOA of residence and sex, January 2025, in NHS Digital's "
        "`gp-reg-pat-prac-lsoa-all` columns; 15% of Hassett Bridge's and 38% of Waterley "
        "Cross's patients live in a neighbouring authority's LSOAs (`E01999901`-`E01999905`).",
        "NHS Digital, Patients registered at a GP practice by LSOA",
    ),
    "sen_ehc_plans_la.csv": (
        "Pupils with SEN support and with an education, health and care (EHC) plan by phase of "
        "school, for England, a region and each of the ten authorities, January 2024 and 2025, as "
        "DfE publishes them on Explore Education Statistics (`time_period` 202425, "
        "`geographic_level`, `new_la_code`, filters with a `Total`, `ehc_plan` and other "
        "indicator columns; one authority's independent schools' SEN support suppressed as `c`); "
        "loaded with `jsna ingest ees`.",
        "DfE, Special educational needs in England (sen_phase_type_.csv layout)",
    ),
    "population_mye_lad_2020_2024.csv": (
        "Long single-year population (`area_code,area_name,period,sex,age,population`), 10 UAs "
        "and England, 2020-2024, ages 0-89 and `90+`. Ambridge Vale 2024 equals the LSOA sums.",
        "ONS mid-year population estimates",
    ),
    "population_lsoa_2020_2023.csv": (
        "LSOA estimates for 2020-2023 by sex and single year of age (the demo LAD's counts shared "
        "in proportion to mid-2024), so small areas have five years of denominators.",
        "ONS LSOA mid-year estimates (long CSV)",
    ),
    "local_health_wards.csv": (
        "Three ward indicators (emergency admissions ratio, child development, Year 6 obesity) "
        "with 95% limits, counts and denominators for the 18 wards, the demo LAD and England.",
        "OHID Local Health extracts (tidy long CSV)",
    ),
    "population_mye2024_lsoa_wide.csv": (
        "Wide LSOA estimates for mid-2024, `Persons`/`Females`/`Males` rows per LSOA.",
        "ONS mid-2024 LSOA estimates (wide CSV)",
    ),
    "deaths_lad_2020_2024.csv": (
        "Deaths by LAD, year, sex, 20 life-table bands and 5 cause groups (zeros written). "
        "Ambridge Vale equals the sum of its LSOAs.",
        "ONS deaths registrations / OHID mortality files",
    ),
    "deaths_lsoa_2020_2024.csv": (
        "All-cause deaths for Ambridge Vale LSOAs by year, sex and life-table band.",
        "ONS small-area deaths (bespoke extract)",
    ),
    "imd2019_lsoa.csv": (
        "IMD 2019 ranks and deciles for Ambridge Vale LSOAs (UTF-8 with BOM, quoted ranks with "
        "thousands separators). The columns say 2011 as in the real file, but the codes are the "
        "LSOA21-style sample codes.",
        "MHCLG English Indices of Deprivation 2019, File 1",
    ),
    "imd_lad_summaries.csv": (
        "IMD average score and rank of average score (1 = most deprived of 317) per UA.",
        "MHCLG IoD2019 local authority district summaries",
    ),
    "fingertips_export.csv": (
        "8 indicators x England and 10 UAs x 6 periods, plus England rows by deprivation decile. "
        "Proportions carry count/denominator with exact Wilson 95% and 99.8% limits; rates carry "
        "Byar/Dobson limits. Indicator IDs and names follow Fingertips to the best of our "
        "knowledge (92443, 93015, 93088, 247, 20602, 90366, 22401, 41001): check them before "
        "relying on them. `Compared to England` uses the 95% interval and the indicator's "
        "polarity; dementia prevalence has no polarity, so it reads Higher/Similar/Lower.",
        "OHID Fingertips data download (27 columns)",
    ),
    "population_projections_2024_based.csv": (
        "Cohort-component projections 2024-2044 for Ambridge Vale and England, three variants, "
        "fractional counts to 3 d.p.",
        "ONS subnational population projections (long form)",
    ),
    "snpp2022_ambridge_vale.csv": (
        "2022-based projection for Ambridge Vale, 2022-2047, females and males in one file.",
        "ONS 2022-based SNPP CSV (quoted header)",
    ),
    "admissions_lad_2020_2024.csv": (
        "Hospital activity counts by UA, year, sex and ESP 2013 band: emergency admissions, falls "
        "admissions 65+ (65+ bands only), A&E attendances, elective admissions.",
        "NHS Digital HES aggregates / OHID falls indicator",
    ),
    "service_activity_extract.csv": (
        "Record-level sample extract of Ambridge Vale residents' activity, 2023-04-01 to "
        "2024-03-31 (about 30,000 records, kept small for the repository), with tariff-like "
        "costs.",
        "SUS/HES pseudonymised extract",
    ),
    "dementia_prevalence_rates.csv": (
        "Dementia prevalence by sex and age band 65-69 to 90+ as proportions (synthetic, "
        "CFAS II-like magnitudes).",
        "POPPI / CFAS II reference rates",
    ),
    "prevalence_rates.csv": (
        "Adult prevalence proportions for diabetes (diagnosed), falls requiring admission and "
        "learning disability.",
        "PANSI / POPPI style prevalence tables",
    ),
    "ipc_prevalence_rates.csv": (
        "Prevalence proportions for the integrated personal commissioning cohorts: frailty "
        "(65+), children with complex needs (0-17) and severe mental illness (18+).",
        "eFI frailty, SEN/EHC plan and QOF SMI register style rates",
    ),
    "phb_quarterly_return.csv": (
        "Quarterly personal health budget counts by sub-ICB and PHB type, 2022-23 Q1 to "
        "2024-25 Q4, one Borsetshire ICB plus three neighbours.",
        "NHS England personal health budgets quarterly return",
    ),
    "phb_icb_population.csv": (
        "ICB populations for uptake per 100,000.",
        "ONS population by ICB",
    ),
    "phb_local_budgets.csv": (
        "One row per person: budget, conventional care cost and ASCOT-like quality-of-life "
        "scores before and after (larger gains for bigger budgets, CHC and mental health), "
        "client group, and yes/no (1/0) answers on being satisfied with and in control of "
        "their support (higher for mental health and physical disability than for older "
        "people; a fifth left blank).",
        "Local PHB monitoring data; 2012 national PHB pilot evaluation",
    ),
    "assessments_ras.csv": (
        "RAS needs assessments (points, client group, age, sex, LSOA, six domain scores) for the "
        "people of `phb_local_budgets.csv`; one in ten also has an earlier reassessment. The "
        f"budgets are £{RAS_PRICE:g} a point, and {RAS_WARD_FACTOR - 1:.0%} more per point in the "
        "ward with the most LSOAs.",
        "in Control resource allocation system (RAS 5) questionnaire totals",
    ),
    "survey_results.csv": (
        "Adult social care, carers' and residents' survey results for Ambridge Vale and England, "
        "2023/24, percentages to 1 d.p. summing to 100 per question and area.",
        "NHS England ASCS / SACE; local residents' survey",
    ),
    "spend_by_programme.csv": (
        "Programme budgeting spend for six programmes and one outcome each per UA, 2023/24. "
        "Under-75 mortality outcomes are computed from `deaths_lad_2020_2024.csv` (2023).",
        "NHS programme budgeting / spend and outcome tool",
    ),
    "narrative/voice.md": (
        "Analyst note on a fictional Healthwatch listening tour.",
        "Local engagement write-up",
    ),
    "narrative/public_demands.md": (
        "What residents asked for (fictional survey).",
        "Local engagement write-up",
    ),
    "narrative/context.md": ("Scene-setting narrative for Ambridge Vale.", "JSNA introduction"),
}


def write_readme(out: Path, counts: dict[str, int]) -> None:
    lines = [
        "# Synthetic sample data",
        "",
        "**Every code, name and number in this folder is fictional.** The files are generated by",
        f"`scripts/make_samples.py` with seed {SEED}; run `python scripts/make_samples.py` to",
        "rebuild them byte for byte (`tests/test_samples_generator.py` checks this). `jsna.toml` is",
        "written by hand and is not generated.",
        "",
        "Places are named after Borsetshire from *The Archers*. Codes follow the ONS GSS format in",
        f"unused `999` ranges: UAs `E06999001`-`E06999{len(LADS):03d}` (Ambridge Vale is `E06999001`, the demo",
        f"area), {N_LSOA} LSOAs `E01999001`-, {N_MSOA} MSOAs `E02999001`-, {N_WARD} wards `E05999001`-,",
        "ICBs `E54999001`-, sub-ICB locations `E38999001`-. England (`E92000001`) is the benchmark",
        "and its figures are synthetic too (about 58 million people).",
        "",
        "Layouts copy real publishers' files so that the ingest code meets the same quirks.",
        "",
        "| file | what it is | modelled on | rows |",
        "|---|---|---|---|",
    ]
    notes = dict(FILE_NOTES)
    if REGION_LOOKUP in counts:  # a scaled project's authorities in nine regions
        notes[REGION_LOOKUP] = (
            "each authority's region (nine fictional regions `E12999001`-`E12999009`, sized like "
            "England's)",
            "ONS Local Authority District to Region lookup",
        )
    for name in sorted(notes):
        what, model = notes[name]
        unit = "words" if name.endswith(".md") else "features" if name.endswith(".geojson") else ""
        lines.append(
            f"| `{name}` | {what} | {model} | {counts[name]:,} {unit} |".replace("  |", " |")
        )
    lines += [
        "",
        "## `bad/`: deliberately broken files for tests",
        "",
    ]
    for name, what in BAD_FILES.items():
        lines.append(f"- `bad/{name}`: {what}.")
    lines += [
        "",
        "## How the numbers were made",
        "",
        "- Populations: cohort sizes from the historical births series times survival and area",
        "  migration profiles; cohorts age forward year to year with small noise. LSOA counts are",
        "  a multinomial split of the Ambridge Vale totals, so they add up exactly.",
        "- Deaths: England-like age-specific death rates (England life expectancy about 79 for",
        "  males and 83 for females in 2022-24), a deprivation gradient by age (strongest in mid",
        "  life), excess deaths in 2020-21, Poisson counts capped at the population.",
        "- Deprivation: a spatially smooth latent score (town centres most deprived) mapped to",
        "  national IMD ranks.",
        "- Nothing here is real data and none of it should be quoted as a statistic.",
        "",
    ]
    (out / "README.md").write_text("\n".join(lines), encoding="utf-8")


# --- driver ------------------------------------------------------------------------------------


#: first and second halves of the names of the authorities a scaled project adds
_SCALED_NAMES = (
    ("Bor", "Fel", "Hol", "Lox", "Pen", "Edg", "Dar", "Lak", "Hey", "Amb", "Wat", "Net", "Saw"),
    ("ley", "ton", "bury", "ford", "ham", "well", "field", "cott", "wick", "bridge", "stow"),
)
#: the most authorities a scaled project can hold (the unused GSS range E06999001-E06999999)
MAX_LADS = 999


def scaled_lads(n: int) -> tuple[Lad, ...]:
    """``n`` fictional authorities: the first ``n`` of :data:`LADS`, then more with codes
    ``E06999011`` … and knobs drawn from their own seeded stream (the same for every ``n``)."""
    if not 1 <= n <= MAX_LADS:
        raise ValueError(f"--lads must be between 1 and {MAX_LADS}, got {n}")
    rng = np.random.default_rng(SEED + 1)
    heads, tails = _SCALED_NAMES
    extra = []
    for k in range(len(LADS) + 1, MAX_LADS + 1):
        population = int(rng.integers(60, 600)) * 1000
        deprivation, young, retired = (
            rng.uniform(-0.8, 0.8),
            rng.uniform(-0.3, 0.9),
            rng.uniform(-0.2, 0.6),
        )
        name = f"{heads[k % len(heads)]}{tails[(k // len(heads)) % len(tails)]} {k:03d}"
        extra.append(
            Lad(f"E06999{k:03d}", name, population, round(float(deprivation), 2),
                round(float(young), 2), round(float(retired), 2))
        )  # fmt: skip
    return (*LADS, *extra)[:n]


#: the authorities of the bundled samples (:func:`generate_scaled` swaps :data:`LADS` for more)
BUNDLED_LADS = LADS
#: lower-tier authorities in each of England's nine regions, E12000001 (North East) to E12000009
#: (South West): ONS's LTLA to UTLA lookup (December 2022, 309 authorities) with each
#: authority's region from ONS's LSOA lookups
ENGLAND_REGION_SIZES = (12, 39, 21, 35, 30, 45, 33, 64, 30)
#: a scaled project's regions after the first, the bundled ten's (:data:`SEN_REGION`), in the
#: order of England's whose sizes they take
SCALED_REGIONS = (
    ("E12999002", "Hollerton Moors"),
    ("E12999003", "Loxley Wolds"),
    ("E12999004", "Penny Hassett Downs"),
    ("E12999005", "Edgeley Marches"),
    ("E12999006", "Darrington Fens"),
    ("E12999007", "Lakey Hill Vale"),
    ("E12999008", "Heydon Coast"),
    ("E12999009", "Waterley Forest"),
)
#: a scaled project's authority -> region lookup (ONS's "Local Authority District to Region" layout)
REGION_LOOKUP = "lookup_lad24_rgn24.csv"
#: the seed of a scaled project's regions (their own stream: the other files do not move)
REGION_SEED = SEED + 2


def region_sizes(n: int) -> np.ndarray:
    """Authorities in each region of a scaled project of ``n``: England's shares of its 309
    (England's own counts at 309), and at least two in each once there are 18."""
    sizes = largest_remainder(np.array(ENGLAND_REGION_SIZES), n)
    floor = min(2, n // len(sizes))
    while sizes.min() < floor:
        sizes[int(np.argmax(sizes))] -= 1
        sizes[int(np.argmin(sizes))] += 1
    return sizes


def _connected(nodes: set[int], adjacency: list[set[int]]) -> bool:
    """Whether ``nodes`` form one piece (each reaches every other through ``nodes``)."""
    if not nodes:
        return True
    start = min(nodes)
    seen, todo = {start}, [start]
    while todo:
        for j in adjacency[todo.pop()] & nodes:
            if j not in seen:
                seen.add(j)
                todo.append(j)
    return len(seen) == len(nodes)


def _peel_regions(
    adjacency: list[set[int]],
    xy: np.ndarray,
    edge: Sequence[bool],
    sizes: Sequence[int],
    first: int,
    turn: float,
) -> list[int] | None:
    """Contiguous regions of the given sizes, one after the other, the last being the nodes left.

    The first grows from node ``first``; each next one from the outermost of the next few nodes
    left going round ``first`` from the angle ``turn``. A region grows by the node nearest its
    middle, less twice the share of the node's sides already taken (by a region, or the map's
    ``edge``), so that it fills in along its neighbours rather than leave slivers between
    them; never by one that would split the nodes left in two. None when a region cannot grow.
    """
    region = [-1] * len(xy)
    left = set(range(len(xy)))
    spacing = float(
        np.median([np.hypot(*(xy[i] - xy[j])) for i, js in enumerate(adjacency) for j in js])
    )
    angle = (np.arctan2(xy[:, 1] - xy[first, 1], xy[:, 0] - xy[first, 0]) - turn) % (2 * math.pi)
    outward = np.hypot(*(xy - xy[first]).T)
    round_first = sorted(range(len(xy)), key=lambda i: (float(angle[i]), i))

    def taken(j: int) -> float:
        return (sum(region[k] >= 0 for k in adjacency[j]) + edge[j]) / (len(adjacency[j]) + edge[j])

    for r, size in enumerate(sizes[:-1]):
        members: list[int] = []
        while len(members) < size:
            if members:
                centre = xy[members].mean(axis=0)
                frontier = {j for i in members for j in adjacency[i] if region[j] < 0}
                candidates = sorted(
                    frontier,
                    key=lambda j: (float(np.hypot(*(xy[j] - centre))) / spacing - 2 * taken(j), j),
                )
            elif r == 0:
                candidates = [first]
            else:
                going_round = [i for i in round_first if i in left]
                head = going_round[: max(3, len(going_round) // 20)]
                candidates = [*sorted(head, key=lambda i: (-outward[i], i)), *going_round]
            for j in candidates:
                if _connected(left - {j}, adjacency):
                    break
            else:
                return None
            region[j] = r
            members.append(j)
            left.discard(j)
    for i in left:
        region[i] = len(sizes) - 1
    return region


def lad_regions(geo: Geography) -> dict[str, tuple[str, str]]:
    """Each authority's region (code, name). The bundled ten share :data:`SEN_REGION`; a scaled
    project's authorities fall into nine contiguous regions sized like England's
    (:func:`region_sizes`): the project area's first, round it, then the others going round."""
    if len(LADS) <= len(BUNDLED_LADS):
        return {lad.code: SEN_REGION for lad in LADS}
    codes = list(geo.lad_polys)
    polys = [geo.lad_polys[c] for c in codes]
    xy = np.array([[p.centroid.x, p.centroid.y] for p in polys])
    adjacency = _adjacency(polys)
    outline = shapely.union_all(polys).boundary
    edge = [p.boundary.intersection(outline).length > 1.0 for p in polys]
    sizes = region_sizes(len(codes))
    rng = np.random.default_rng(REGION_SEED)
    for _ in range(50):
        turn = rng.uniform(0, 2 * math.pi)
        region = _peel_regions(adjacency, xy, edge, sizes, codes.index(DEMO_CODE), turn)
        if region is not None:
            named = (SEN_REGION, *SCALED_REGIONS)
            return {code: named[r] for code, r in zip(codes, region, strict=True)}
    raise RuntimeError(f"no contiguous regions of sizes {sizes.tolist()} found")


def write_region_lookup(out: Path, regions: dict[str, tuple[str, str]]) -> int:
    """Every authority of a scaled project with its region."""
    rows = [(code, LAD_BY_CODE[code].name, *regions[code]) for code in sorted(regions)]
    return write_csv(out / REGION_LOOKUP, ("LAD24CD", "LAD24NM", "RGN24CD", "RGN24NM"), rows)


def generate_scaled(out: Path, n: int) -> dict[str, int]:
    """:func:`generate` for the :func:`scaled_lads` ``n`` authorities instead of :data:`LADS`."""
    global LADS, AREAS, LAD_BY_CODE
    saved = LADS, AREAS, LAD_BY_CODE
    LADS = scaled_lads(n)
    AREAS = (*LADS, ENGLAND)
    LAD_BY_CODE = {lad.code: lad for lad in AREAS}
    try:
        return generate(out)
    finally:
        LADS, AREAS, LAD_BY_CODE = saved


def generate(out: Path) -> dict[str, int]:
    """Write every sample file into ``out``; return {relative path: data rows}."""
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    counts: dict[str, int] = {}

    geo = make_geography(rng)
    regions = lad_regions(geo)
    scaled = len(LADS) > len(BUNDLED_LADS)
    counts |= write_boundaries(out, geo)
    counts["lookup_lsoa21_ward24_msoa21_lad24.csv"] = write_lookup(
        out, geo, regions[DEMO_CODE] if scaled else None
    )
    if scaled:
        counts[REGION_LOOKUP] = write_region_lookup(out, regions)

    ranks, deciles = make_imd(rng, geo)
    lsoa_dep = lsoa_deprivation(ranks)
    demo_dep = float(lsoa_dep.mean())
    counts["imd2019_lsoa.csv"] = write_imd(out, geo, ranks, deciles)
    counts["imd_lad_summaries.csv"] = write_imd_lad(out, rng, demo_dep)

    pop = make_population(rng)
    lsoa_pop = split_to_lsoas(rng, geo, pop[DEMO_CODE][-1], lsoa_dep)
    counts["population_mye_lad_2020_2024.csv"] = write_population_long(out, pop)
    counts["population_mye2024_lsoa_wide.csv"] = write_population_lsoa_wide(out, geo, lsoa_pop)
    counts["population_lsoa_2020_2023.csv"] = write_population_lsoa_earlier(out, geo, pop, lsoa_pop)
    counts["local_health_wards.csv"] = write_ward_indicators(out, geo, lsoa_pop)

    lad_deaths, lsoa_deaths = make_deaths(rng, pop, lsoa_pop, lsoa_dep)
    counts |= write_deaths(out, geo, lad_deaths, lsoa_deaths)

    ft_rows = make_fingertips_rows(rng, pop, demo_dep, lsoa_pop, lsoa_dep)
    counts["fingertips_export.csv"] = write_fingertips(out, ft_rows)

    counts |= write_projections(out, pop)
    counts["admissions_lad_2020_2024.csv"] = write_admissions(rng, out, pop, demo_dep)
    counts["service_activity_extract.csv"] = write_service_activity(
        rng, out, geo, lsoa_pop, lsoa_dep
    )
    counts |= write_prevalence(out)
    counts |= write_phb(rng, out, pop)
    counts["phb_local_budgets.csv"] = write_phb_local(rng, out)
    counts["assessments_ras.csv"] = write_assessments(out, geo)
    counts["survey_results.csv"] = write_surveys(rng, out)
    counts["phb_local_budgets.csv"] = add_phb_client_groups(out)
    counts["ipc_prevalence_rates.csv"] = write_ipc_prevalence(out)
    counts["spend_by_programme.csv"] = write_spend(rng, out, pop, lad_deaths, demo_dep)
    counts |= write_practices(out)
    counts["sen_ehc_plans_la.csv"] = write_sen_ehc_plans(out, regions)
    counts |= write_narrative(out)
    counts |= write_bad(out, geo)
    write_readme(out, counts)
    return counts


# --- GP practices: registrations by 5-year band, QOF-style prevalence, sub-ICB lookup ----------
#: the demo authority's sub-ICB location (fictional codes of the NHS Digital and ONS kinds)
SUB_ICB = ("99X", "E38999001", "NHS Borsetshire ICB - 99X Ambridge Vale")
#: (code, name, list size, deprivation shift, smoking prevalence %, dementia prevalence %)
PRACTICES = (
    ("Z99001", "Home Farm Surgery", 14_200, -0.4, 11.5, 0.95),
    ("Z99002", "Lower Loxley Medical Centre", 9_800, -0.2, 12.6, 0.80),
    ("Z99003", "Glebelands Health Centre", 11_400, 0.3, 15.9, 0.62),
    ("Z99004", "Grey Gables Practice", 6_100, -0.6, 10.2, 1.40),
    ("Z99005", "Hassett Bridge Surgery", 7_300, 0.1, 13.8, 0.74),
    ("Z99006", "Netherbourne Group Practice", 16_900, 0.6, 21.4, 0.55),
    ("Z99007", "Sawyers Lane Surgery", 4_200, 0.2, 14.4, 0.71),
    ("Z99008", "St Stephen's Medical Practice", 12_600, 0.4, 16.8, 0.66),
    ("Z99009", "Willow Farm Practice", 8_700, -0.1, 12.9, 0.90),
    ("Z99010", "Waterley Cross Surgery", 5_600, 0.0, 13.3, 0.83),
)  # fmt: skip
PRACTICE_SEED = 1414
#: England's QOF values the demo practices are compared with (indicator id, name, %)
QOF_SERIES = (
    (91547, "Smoking prevalence in adults (15+) - current smokers (QOF)", 13.6),
    (247, "Dementia: QOF prevalence (all ages)", 0.73),
)
QUIN_BANDS = tuple(range(0, 95, 5))


def write_practices(out: Path) -> dict[str, int]:
    """The demo's GP practices, from their own seeded generator (the other files do not move):
    NHS Digital's 5-year-band registrations, a Fingertips GP download of two QOF prevalences
    (with England), the practices' deprivation scores (Fingertips indicator 93553) and the
    sub-ICB -> authority lookup that attaches the practices."""
    rng = np.random.default_rng(PRACTICE_SEED)
    reg_rows: list[list[object]] = []
    ft_rows: list[list[object]] = []
    adults: dict[str, int] = {}
    for code, _name, size, shift, _smoke, _dementia in PRACTICES:
        ages = np.array((*QUIN_BANDS, 95), dtype=float)
        weights = np.exp(-((ages - 40 - 12 * shift) ** 2) / (2 * 28.0**2)) + 0.05
        weights[ages >= 80] *= 0.5
        for sex, share in (("MALE", 0.49), ("FEMALE", 0.51)):
            counts = largest_remainder(
                weights * rng.uniform(0.9, 1.1, len(weights)), round(size * share)
            )
            for age, n in zip(ages.astype(int), counts, strict=True):
                label = "95+" if age == 95 else f"{age}_{age + 4}"
                reg_rows.append(
                    ["GP_PRAC_PAT_LIST", "01JAN2025", "GP", SUB_ICB[0], SUB_ICB[1], code,
                     "AV1 1AA", sex, label, int(n)]
                )  # fmt: skip
                if age >= 15:
                    adults[code] = adults.get(code, 0) + int(n)
    z95, z998 = 1.959963984540054, 3.090232306167813
    for ind_id, ind_name, england in QOF_SERIES:
        eng_den = 48_000_000 if ind_id == 91547 else 62_000_000
        eng_n = round(eng_den * england / 100)
        lo, hi = wilson(eng_n, eng_den, z95)
        lo8, hi8 = wilson(eng_n, eng_den, z998)
        ft_rows.append(
            [ind_id, ind_name, "", "", "E92000001", "England", "England", "Persons",
             "15+ yrs" if ind_id == 91547 else "All ages", "", "", "2023/24",
             fmt_sig(100 * eng_n / eng_den), fmt_sig(100 * lo), fmt_sig(100 * hi),
             fmt_sig(100 * lo8), fmt_sig(100 * hi8), eng_n, eng_den, "", "", "Not compared", "",
             20230000, "", "", "1y"]
        )  # fmt: skip
        for code, name, size, _shift, smoke, dementia in PRACTICES:
            den = adults[code] if ind_id == 91547 else size
            rate = (smoke if ind_id == 91547 else dementia) / 100
            n = int(rng.binomial(den, rate))
            lo, hi = wilson(n, den, z95)
            lo8, hi8 = wilson(n, den, z998)
            eng = england / 100
            compared = "Higher" if lo > eng else "Lower" if hi < eng else "Similar"
            ft_rows.append(
                [ind_id, ind_name, SUB_ICB[1], SUB_ICB[2], code, name, "GPs", "Persons",
                 "15+ yrs" if ind_id == 91547 else "All ages", "", "", "2023/24",
                 fmt_sig(100 * n / den), fmt_sig(100 * lo), fmt_sig(100 * hi), fmt_sig(100 * lo8),
                 fmt_sig(100 * hi8), n, den, "", "", compared, "", 20230000, "", "", "1y"]
            )  # fmt: skip
    reg_header = (
        "PUBLICATION", "EXTRACT_DATE", "TYPE", "CCG_CODE", "ONS_CCG_CODE", "CODE", "POSTCODE",
        "SEX", "AGE", "NUMBER_OF_PATIENTS",
    )  # fmt: skip
    lookup = [[SUB_ICB[1], SUB_ICB[2], DEMO_CODE, "Ambridge Vale"]]
    lists = {}
    for row in reg_rows:
        key = (str(row[5]), str(row[7]))
        lists[key] = lists.get(key, 0) + int(row[9])  # type: ignore[call-overload]
    return {
        "practice_registers.csv": write_practice_registers(out, reg_rows),
        "epcn_core_partner_details.csv": write_pcns(out),
        "gp_registrations_lsoa.csv": write_registrations_lsoa(out, lists),
        "gp_registrations_quin_age.csv": write_csv(
            out / "gp_registrations_quin_age.csv", reg_header, reg_rows
        ),
        "fingertips_gp_qof.csv": write_csv(
            out / "fingertips_gp_qof.csv", FINGERTIPS_HEADER, ft_rows
        ),
        "imd2019_score_gp_practice_93553.csv": write_practice_imd(out),
        "lookup_subicb24_lad24.csv": write_csv(
            out / "lookup_subicb24_lad24.csv",
            ("SICBL24CD", "SICBL24NM", "LAD24CD", "LAD24NM"),
            lookup,
        ),
    }


#: the practices' deprivation score (IMD 2019): England's, plus this x the practice's deprivation
#: shift, plus noise of this spread
PRACTICE_IMD = (21.72, 14.0, 1.5)


def write_practice_imd(out: Path) -> int:
    """The practices' deprivation score (IMD 2019) as Fingertips publishes indicator 93553 for GP
    practices (``imd2019_score_gp_practice_93553.csv`` as downloaded): England twice (with and
    without a parent), then each practice with England as parent, a value and no limits or
    counts, "Cannot be calculated" and "Not compared"; no final newline. A score rises with the
    practice's deprivation shift, from its own seeded stream."""
    rng = np.random.default_rng(PRACTICE_SEED + 3)
    england, slope, spread = PRACTICE_IMD
    name = "Deprivation score (IMD 2019)"
    tail = ["", "", "", "", "", "", "", "Cannot be calculated", "Not compared", "Not compared",
            20190000, "", "", "1y"]  # fmt: skip
    rows: list[list[object]] = [
        [93553, name, parent, parent_name, ENGLAND_CODE, ENGLAND_NAME, "England", "Persons",
         "All ages", "", "", 2019, fmt_sig(england), *tail]
        for parent, parent_name in (("", ""), (ENGLAND_CODE, ENGLAND_NAME))
    ]  # fmt: skip
    for code, practice, _size, shift, _smoke, _dementia in PRACTICES:
        score = england + slope * shift + rng.normal(0.0, spread)
        rows.append(
            [93553, name, ENGLAND_CODE, ENGLAND_NAME, code, practice, "GP", "Persons",
             "All ages", "", "", 2019, fmt_sig(score), *tail]
        )  # fmt: skip
    return write_csv(
        out / "imd2019_score_gp_practice_93553.csv", FINGERTIPS_HEADER, rows, final_newline=False
    )


#: a practice's diabetes register against the age-sex expectation: 1 + this x its deprivation shift
REGISTER_EXCESS = 0.4


def write_practice_registers(out: Path, reg_rows: list[list[object]]) -> int:
    """A diabetes register by practice, sex and 5-year band (``jsna ingest practice-counts``):
    binomial counts on each band's list at a prevalence rising with age, higher for men and
    for the more deprived practices, from its own seeded stream."""
    rng = np.random.default_rng(PRACTICE_SEED + 1)
    shift = {code: s for code, _name, _size, s, _smoke, _dementia in PRACTICES}
    lists: dict[tuple[str, str, int], int] = {}
    for row in reg_rows:
        code, sex, label, n = str(row[5]), str(row[7]), str(row[8]), int(row[9])  # type: ignore[call-overload]
        band = min(int(label.split("_")[0].rstrip("+")), 90)
        key = (code, "Male" if sex == "MALE" else "Female", band)
        lists[key] = lists.get(key, 0) + n
    rows = []
    for (code, sex, band), n in lists.items():
        base = 0.002 + 0.19 / (1 + math.exp(-(band + 2 - 58) / 9.0))
        p = base * (1.2 if sex == "Male" else 0.85) * (1 + REGISTER_EXCESS * shift[code])
        label = "90+" if band == 90 else f"{band}-{band + 4}"
        rows.append([code, "2023/24", sex, label, "Diabetes register", int(rng.binomial(n, p))])
    return write_csv(
        out / "practice_registers.csv",
        ("practice_code", "period", "sex", "age_band", "measure", "count"),
        rows,
    )


#: the demo's primary care networks: (code, name, practices)
PCNS = (
    ("U99001", "Ambridge North PCN", ("Z99001", "Z99002", "Z99004", "Z99009")),
    ("U99002", "Borchester Road PCN", ("Z99003", "Z99006", "Z99008")),
    ("U99003", "Waterley and Hassett PCN", ("Z99005", "Z99007", "Z99010")),
)
#: a practice that moved PCN: (practice, former PCN, start, end) of its ended relationship
PCN_MOVE = ("Z99007", "U99002", "20190701", "20230331")
#: share of each practice's patients living in Ambridge Vale (the rest in a neighbour's LSOAs)
PRACTICE_SHARE_IN_AREA = {"Z99010": 0.62, "Z99005": 0.85}
#: LSOAs of the neighbouring authority (not in the demo's lookup, so in no loaded authority)
NEIGHBOUR_LSOAS = tuple(f"E01999{n}" for n in range(901, 906))


def write_pcns(out: Path) -> int:
    """The practices' PCNs in the columns of NHS Digital's ePCN sheet "PCN Core Partner
    Details" (sub-ICB generation of the headers): one current relationship per practice, and
    one ended relationship of a practice that moved PCN in April 2023."""
    names = {code: name for code, name, *_ in PRACTICES}
    pcn_names = {code: name for code, name, _ in PCNS}
    rows: list[list[object]] = []
    for pcn, pcn_name, members in PCNS:
        for practice in members:
            start = "20230401" if practice == PCN_MOVE[0] else "20190701"
            rows.append([practice, names[practice], SUB_ICB[0], pcn, pcn_name, start, ""])
    practice, former, start, end = PCN_MOVE
    rows.append([practice, names[practice], SUB_ICB[0], former, pcn_names[former], start, end])
    header = (
        "Partner Organisation Code", "Partner Name", "Practice Parent Sub ICB Loc Code",
        "PCN Code", "PCN Name", "Practice to PCN Relationship Start Date",
        "Practice to PCN Relationship End Date",
    )  # fmt: skip
    return write_csv(out / "epcn_core_partner_details.csv", header, sorted(rows))


def write_registrations_lsoa(out: Path, lists: dict[tuple[str, str], int]) -> int:
    """Patients of each practice by LSOA of residence and sex (NHS Digital's
    gp-reg-pat-prac-lsoa-all columns): each practice's list spread over the twelve LSOAs nearest
    an LSOA of its own, and the share of :data:`PRACTICE_SHARE_IN_AREA` in a neighbour's LSOAs."""
    rng = np.random.default_rng(PRACTICE_SEED + 1)
    lsoas = [f"E01999{n:03d}" for n in range(1, N_LSOA + 1)]
    rows: list[list[object]] = []
    for n, (code, name, *_) in enumerate(PRACTICES):
        home = [lsoas[(n * 11 + k) % len(lsoas)] for k in range(12)]
        share = PRACTICE_SHARE_IN_AREA.get(code, 1.0)
        for sex in ("MALE", "FEMALE"):
            total = lists[(code, sex)]
            inside = round(total * share)
            spread = largest_remainder(rng.uniform(0.5, 1.5, len(home)), inside)
            away = largest_remainder(rng.uniform(0.5, 1.5, len(NEIGHBOUR_LSOAS)), total - inside)
            for lsoa, count in (
                *zip(home, spread, strict=True),
                *zip(NEIGHBOUR_LSOAS, away, strict=True),
            ):
                if count:
                    rows.append(
                        ["GP_PRAC_PAT_LSOA", "01JAN2025", code, name.upper(), lsoa, sex, int(count)]
                    )
    header = (
        "PUBLICATION", "EXTRACT_DATE", "PRACTICE_CODE", "PRACTICE_NAME", "LSOA_CODE", "SEX",
        "NUMBER_OF_PATIENTS",
    )  # fmt: skip
    return write_csv(out / "gp_registrations_lsoa.csv", header, rows)


#: seed of the SEN sample (its own generator, so the other files do not move)
SEN_SEED = 2025
#: pupils as a share of residents (England, January 2025: about 16%)
SEN_PUPIL_SHARE = 0.16
#: phase of school -> (share of pupils, share of them with SEN support, with an EHC plan):
#: magnitudes of "Special educational needs in England", January 2025 (about 5% of all pupils
#: have an EHC plan, most of those in special schools)
SEN_PHASES = {
    "State-funded primary": (0.51, 0.140, 0.034),
    "State-funded secondary": (0.41, 0.115, 0.026),
    "State-funded special": (0.02, 0.005, 0.985),
    "Independent school": (0.06, 0.090, 0.050),
}
#: the fictional region of the ten authorities, and the first of their DfE numbers (old_la_code)
SEN_REGION = ("E12999001", "Borsetshire and Felpersham")
SEN_OLD_LA = 980
#: the authority whose independent schools' SEN support count is suppressed ("c")
SEN_SUPPRESSED = "E06999006"


def _sen_phases(rng: np.random.Generator, pupils_total: int) -> list[tuple[str, int, int, int]]:
    """(phase, pupils, SEN support, EHC plan) for each phase of school, then their total."""
    phases = []
    for phase, (share, support, ehc) in SEN_PHASES.items():
        pupils = round(pupils_total * share)
        with_ehc = int(rng.binomial(pupils, ehc))
        phases.append((phase, pupils, int(rng.binomial(pupils - with_ehc, support)), with_ehc))
    pupils, support, ehc = (sum(p[i] for p in phases) for i in (1, 2, 3))
    return [*phases, ("Total", pupils, support, ehc)]


def write_sen_ehc_plans(out: Path, regions: dict[str, tuple[str, str]]) -> int:
    """Pupils with SEN support and with an EHC plan by phase of school, as DfE's "Special
    educational needs in England" publishes them on Explore Education Statistics (the layout of
    ``sen_phase_type_.csv``): each authority, each region (the sum of its authorities; ``regions``
    gives each authority's code and name) and England, January 2024 and 2025."""
    rng = np.random.default_rng(SEN_SEED)
    country = (ENGLAND_CODE, ENGLAND_NAME)
    rows: list[tuple[object, ...]] = []
    for year in (2023, 2024):
        period = f"{year}{(year + 1) % 100:02d}"
        scale = SEN_PUPIL_SHARE * (1 - 0.004 * (2024 - year))
        sums: dict[tuple[str, str], dict[str, np.ndarray]] = {}
        for number, lad in enumerate(LADS):
            region_code, region_name = regions[lad.code]
            region = sums.setdefault((region_code, region_name), {})
            geo = ("Local authority", *country, region_name, region_code, SEN_OLD_LA + number,
                   lad.name, lad.code)  # fmt: skip
            for phase, *figures in _sen_phases(rng, round(lad.population * scale)):
                region[phase] = region.get(phase, np.zeros(3, dtype=int)) + figures
                hidden = lad.code == SEN_SUPPRESSED and phase == "Independent school"
                rows.append((period, geo, phase, *figures, hidden))
        for (region_code, region_name), region in sorted(sums.items()):
            for phase, figures in region.items():
                geo = ("Regional", *country, region_name, region_code, "", "", "")
                rows.append((period, geo, phase, *(int(f) for f in figures), False))
        for phase, *figures in _sen_phases(rng, round(ENGLAND.population * scale)):
            rows.append(
                (period, ("National", *country, "", "", "", "", ""), phase, *figures, False)
            )
    lines = [
        (period, "Academic year", *geo, phase, "Total", "Total", pupils,
         "c" if hidden else support, ehc, "c" if hidden else f"{100 * support / pupils:.1f}",
         f"{100 * ehc / pupils:.1f}")
        for period, geo, phase, pupils, support, ehc, hidden in rows
    ]  # fmt: skip
    header = (
        "time_period", "time_identifier", "geographic_level", "country_code", "country_name",
        "region_name", "region_code", "old_la_code", "la_name", "new_la_code",
        "phase_type_grouping", "type_of_establishment", "hospital_school", "total_pupils",
        "sen_support", "ehc_plan", "sen_support_percent", "ehc_plan_percent",
    )  # fmt: skip
    return write_csv(out / "sen_ehc_plans_la.csv", header, lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory")
    parser.add_argument(
        "--lads", type=int, default=None, help="a scaled project of N authorities (benchmarks)"
    )
    args = parser.parse_args(argv)
    if args.lads is not None and args.out == DEFAULT_OUT:
        parser.error("--lads writes a scaled project: give it its own --out DIR")
    if args.lads is not None:
        try:
            scaled_lads(args.lads)
        except ValueError as error:
            parser.error(str(error))
    counts = generate(args.out) if args.lads is None else generate_scaled(args.out, args.lads)
    for name in sorted(counts):
        print(f"{counts[name]:>8,}  {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
