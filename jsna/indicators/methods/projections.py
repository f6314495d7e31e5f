r"""Projections: population (supplied ONS variants, or Hamilton-Perry when none), service use and
outcomes (rate × projected population), each with an interval and user scenarios.

* :func:`project_population` - Hamilton-Perry cohort-change ratios
  :math:`P_{a+1,T+1} = CCR_a P_{a,T}` with births by the child-woman ratio, when ONS
  projections are not given.
* :func:`service_use_rates`, :func:`prevalence_rates`, :func:`projected_cases` -
  :math:`\hat C_y = \sum_{s,a} r_{s,a} P_{s,a,y}`, with limits simulated from the rates'
  sampling uncertainty (Jeffreys :math:`\Gamma(E + \tfrac12)/P` for rates from counts) and
  the spread of population variants; scenarios multiply the rates of the years they cover.
* :func:`financial_year` - :math:`V_{t/t+1} = \tfrac34 V_t + \tfrac14 V_{t+1}` from mid-year
  values.

References: Hamilton CH, Perry J. Social Forces 1962;41:163-170. Swanson DA, Schlottmann A,
Schmidt B. Popul Res Policy Rev 2010;29:47-63. Institute of Public Care, POPPI and PANSI
methodology. ONS, Subnational population projections for England: methodology.

Pure, vectorised functions: no I/O, no Python loop over areas. Simulated intervals use a seeded
generator, so a report is identical run to run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from jsna.indicators.methods import _validate as v
from jsna.indicators.methods._validate import DEFAULT_SEED

__all__ = [
    "DEFAULT_SEED",
    "Scenario",
    "aggregate_to_bands",
    "financial_year",
    "prevalence_rates",
    "project_population",
    "projected_cases",
    "service_use_rates",
]

ESTIMATE = "estimate"
BASELINE = "Baseline"
YearType = Literal["calendar", "financial"]


@dataclass(frozen=True)
class Scenario:
    """A user scenario: rates change by ``annual_change`` a year and/or ``step_change`` once, from ``start``.

    ``applies_to`` names the series (activity measures or conditions) it changes; empty means all.
    ``annual_change=-0.01`` is "falls 1% a year" (compounding); ``step_change=-0.10`` is
    "a 10% cut in the use rate".
    """

    name: str
    annual_change: float = 0.0
    step_change: float = 0.0
    start: int | None = None
    applies_to: tuple[str, ...] = ()

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> Scenario:
        return cls(
            name=str(data["name"]),
            annual_change=float(data.get("annual_change") or 0.0),
            step_change=float(data.get("step_change") or 0.0),
            start=int(data["start"]) if data.get("start") is not None else None,
            applies_to=tuple(str(x) for x in (data.get("applies_to") or ())),
        )

    def multiplier(self, years: np.ndarray, first_year: int) -> np.ndarray:
        """Rate multiplier for each projected year."""
        start = self.start if self.start is not None else first_year
        since = np.asarray(years) - start + 1
        on = since >= 1
        return np.where(
            on, (1 + self.annual_change) ** np.maximum(since, 0) * (1 + self.step_change), 1.0
        )

    def applies(self, series: str) -> bool:
        return not self.applies_to or series in self.applies_to


# -- helpers ---------------------------------------------------------------------------------------
def financial_year(
    data: pd.DataFrame,
    *,
    value: str | Sequence[str],
    year: str = "year",
    by: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """Calendar-year (mid-year) values converted to financial years; one row per group and financial year.

    Notes
    -----
    Mid-year values describe 30 June; financial year *t*/*t*+1 runs from April *t* to March
    *t*+1, so :math:`V_{t/t+1} = \\tfrac34 V_t + \\tfrac14 V_{t+1}`. A year without its successor
    gives no row. ``period`` is labelled ``"2025/26"``; ``year`` keeps the starting year.

    References
    ----------
    ONS. Subnational population projections for England: methodology (mid-year reference
    date). Projecting Older People Population Information (POPPI), notes on financial years.
    """
    by_ = v.normalise_by(by)
    values = [value] if isinstance(value, str) else list(value)
    v.check_columns(data, year=year, **{f"value{i}": c for i, c in enumerate(values)})
    v.check_by(data, by_)
    nxt = data[[*by_, year, *values]].copy()
    nxt[year] = nxt[year].astype("int64") - 1
    merged = data.assign(**{year: data[year].astype("int64")}).merge(
        nxt, on=[*by_, year], suffixes=("", "__next")
    )
    for col in values:
        merged[col] = 0.75 * merged[col] + 0.25 * merged[f"{col}__next"]
    merged = merged.drop(columns=[f"{c}__next" for c in values])
    merged["period"] = merged[year].map(lambda y: f"{y}/{str(y + 1)[-2:]}")
    return merged.sort_values([*by_, year], kind="stable").reset_index(drop=True)


def _target_bands(bands: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The distinct ``bands``' lower and upper ages (open = inf), sorted by lower age."""
    lo = bands["age_from"].to_numpy(dtype="float64")
    hi = bands["age_to"].to_numpy(dtype="float64", na_value=np.nan)
    if len(lo) and np.isfinite(lo).all() and not np.isinf(hi).any():
        pairs = dict.fromkeys(zip(lo.tolist(), np.nan_to_num(hi, nan=np.inf).tolist(), strict=True))
        distinct = np.array(list(pairs))
        if len(np.unique(distinct[:, 0])) == len(distinct):  # one order, whatever the sort
            distinct = distinct[np.argsort(distinct[:, 0], kind="stable")]
            return distinct[:, 0], distinct[:, 1]
    bands = (
        bands[["age_from", "age_to"]]
        .drop_duplicates()
        .sort_values("age_from")
        .reset_index(drop=True)
    )
    return (
        bands["age_from"].to_numpy(dtype="float64"),
        bands["age_to"].to_numpy(dtype="float64", na_value=np.inf),
    )


def _ages(population: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Each row's first and last age (open = inf)."""
    a_from = population["age_from"].to_numpy(dtype="float64")
    a_to = population["age_to"].to_numpy(dtype="float64", na_value=np.inf)
    return a_from, a_to


def _place(
    lo: np.ndarray, hi: np.ndarray, a_from: np.ndarray, a_to: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(idx, inside, fits)`` of rows aged ``a_from``-``a_to`` among the sorted bands ``lo``-``hi``
    (:func:`_band_placement`)."""
    idx = np.searchsorted(lo, a_from, side="right") - 1
    top = hi[np.clip(idx, 0, None)]
    inside = (idx >= 0) & (a_from <= top)
    return idx, inside, inside & (a_to <= top)


def _band_placement(
    population: pd.DataFrame, bands: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Where each population row falls among the target ``bands``: ``(lo, hi, idx, inside,
    fits)``, the bands' sorted lower and upper ages (open = inf), each row's band index, whether
    the row starts inside a band, and whether it also ends inside it."""
    lo, hi = _target_bands(bands)
    return lo, hi, *_place(lo, hi, *_ages(population))


def fitted_rows(
    lo: np.ndarray,
    hi: np.ndarray,
    a_from: np.ndarray,
    a_to: np.ndarray,
    *,
    population: pd.DataFrame,
    bands: pd.DataFrame,
) -> tuple[np.ndarray, np.ndarray]:
    """``(idx, fits)``: each row's band among the sorted bands ``lo``-``hi`` and whether the row,
    aged ``a_from``-``a_to``, lies wholly inside it (ages outside every band lie in none). A row
    that starts in a band and ends past its top is a ValueError, worded by
    :func:`straddling_band` from ``population`` (those rows) and ``bands``."""
    idx, inside, fits = _place(lo, hi, a_from, a_to)
    if (inside & ~fits).any():
        raise ValueError(straddling_band(population, bands))
    return idx, fits


def straddling_band(population: pd.DataFrame, bands: pd.DataFrame) -> str | None:
    """Why ``population`` cannot be summed into ``bands`` (a band of it straddles one of them: a
    census's 85+ against rates for 85-89 and 90+), or None when it can
    (:func:`aggregate_to_bands` raises this as its ValueError)."""
    lo, _, idx, inside, fits = _band_placement(population, bands)
    straddle = inside & ~fits
    if not straddle.any():
        return None
    first = int(np.flatnonzero(straddle)[0])
    row = population.iloc[first]
    band = row.get("age_band")
    if band is None or pd.isna(band):  # named by its ages, as a census names it
        top = row["age_to"]
        band = f"{int(row['age_from'])}" + ("+" if pd.isna(top) else f"-{int(top)}")
    return (
        f"population band {str(band)!r} straddles the rate band "
        f"starting at {int(lo[idx[first]])}: give population in single years "
        "or in the rates' bands"
    )


def aggregate_to_bands(
    population: pd.DataFrame, bands: pd.DataFrame, *, keys: Sequence[str], count: str = "count"
) -> pd.DataFrame:
    """Sum single-year (or finer) population into the target ``bands`` (``age_from``, ``age_to``; NaN = open).

    Rows that straddle a target band are an error (never silently split or dropped); ages
    outside every band are ignored (a band set may cover only 65+).
    """
    lo, hi = _target_bands(bands)
    idx, fits = fitted_rows(lo, hi, *_ages(population), population=population, bands=bands)
    kept = population[fits].assign(age_from=lo[idx[fits]], age_to=hi[idx[fits]])
    out = kept.groupby([*keys, "age_from", "age_to"], as_index=False, dropna=False)[[count]].sum()
    out["age_to"] = out["age_to"].replace(np.inf, np.nan)
    return out


# -- population ------------------------------------------------------------------------------------
def project_population(
    population: pd.DataFrame,
    *,
    horizon: int = 25,
    base_period: int | None = None,
    history: int = 5,
    area: str = "area_code",
    count: str = "count",
) -> pd.DataFrame:
    """Trend projection of a population by single year of age and sex; one row per area, sex, age and year.

    Used when no official projection is supplied. ``population`` holds mid-year estimates
    (``area_code``, ``period`` (a year), ``sex`` Male/Female, ``age_from``, ``age_to``,
    ``count``) in single years with an open top age.

    Returns
    -------
    pandas.DataFrame
        ``area_code``, ``period`` (year as text), ``year``, ``sex``, ``age_from``, ``age_to``,
        ``age_band``, ``count``, ``variant`` ("trend (Hamilton-Perry)" or "no change") and
        ``method``.

    Notes
    -----
    Hamilton-Perry cohort-change-ratio method (a cohort-component projection with
    mortality and migration folded into one ratio). From the last ``history`` + 1 years,
    :math:`CCR_a = \\overline{P_{a+1,t} / P_{a,t-1}}` for each sex and age, and for the open
    age ω, :math:`CCR_ω = \\overline{P_{ω,t} / (P_{ω-1,t-1} + P_{ω,t-1})}`. Then
    :math:`P_{a+1,T+1} = CCR_a P_{a,T}`, :math:`P_{ω,T+1} = CCR_ω (P_{ω-1,T} + P_{ω,T})`,
    and births by the child-woman ratio: :math:`P_{0,T+1} = \\overline{P_{0,t}/W_t}\\,W_{T+1}`
    with *W* the women aged 15-44. With a single year of estimates the population is held
    constant ("no change").

    References
    ----------
    Hamilton CH, Perry J. A short method for projecting population by age from one decennial
    census to another. Social Forces 1962;41:163-170. Swanson DA, Schlottmann A, Schmidt B.
    Forecasting the population of census tracts by age and sex: an example of the
    Hamilton-Perry method in action. Popul Res Policy Rev 2010;29:47-63.
    """
    need = {area, "period", "sex", "age_from", count}
    missing = need - set(population.columns)
    if missing:
        raise ValueError(f"population lacks columns {sorted(missing)}")
    pop = population[population["sex"].isin(["Male", "Female"])]
    year = pd.to_numeric(pop["period"].astype(str).str[:4], errors="coerce")
    if year.isna().any():
        raise ValueError(
            f"population period must be a year, got {pop.loc[year.isna(), 'period'].iloc[0]!r}"
        )
    base = int(base_period or year.max())
    years = np.arange(base - history, base + 1)
    within = year.isin(years).to_numpy()
    pop = pop[within]
    year_of = year.to_numpy()[within]
    ages, ends = _age_bands(pop)
    areas = np.sort(pop[area].unique())
    present = np.unique(year_of).astype(int)
    banded = bool(np.any(ends[:-1] > ages[:-1]))
    A, S, Y = len(ages), 2, len(present)
    arr = np.zeros((len(areas), S, Y, A))
    ai = np.searchsorted(areas, pop[area].to_numpy())
    si = (pop["sex"] == "Female").to_numpy().astype(int)
    yi = np.searchsorted(present, year_of)
    np.add.at(
        arr,
        (ai, si, yi, np.searchsorted(ages, pop["age_from"].astype("int64").to_numpy())),
        pop[count].to_numpy(dtype="float64"),
    )
    consecutive = np.flatnonzero(np.diff(present) == 1)
    trend = len(consecutive) > 0 and present[-1] == base
    if trend and banded:
        raise ValueError(
            "project_population needs single years of age (e.g. 0 … 89, 90+) to follow cohorts "
            f"from year to year; got age bands ({int(ages[1])} ages in the first): give single "
            "years, or one year of estimates to hold constant"
        )
    women = slice(15, 45)
    out_years = np.arange(base + 1, base + horizon + 1)
    proj = np.empty((len(areas), S, len(out_years), A))
    current = arr[:, :, -1, :]
    if trend:
        prev, nxt = arr[:, :, consecutive, :], arr[:, :, consecutive + 1, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            ccr = np.where(prev[..., :-1] > 0, nxt[..., 1:] / prev[..., :-1], 1.0).mean(axis=2)
            open_ccr = np.where(
                prev[..., -2] + prev[..., -1] > 0,
                nxt[..., -1] / (prev[..., -2] + prev[..., -1]),
                1.0,
            ).mean(axis=2)
            w = arr[:, 1:2, :, women].sum(axis=3)  # (areas, 1, years)
            cwr = np.where(w > 0, arr[:, :, :, 0] / w, 0.0)[:, :, np.r_[consecutive + 1]].mean(
                axis=2
            )
        for k in range(len(out_years)):
            new = np.empty_like(current)
            new[..., 1:] = ccr * current[..., :-1]
            new[..., -1] = open_ccr * (current[..., -2] + current[..., -1])
            new[..., 0] = cwr * new[:, 1:2, women].sum(axis=2)
            proj[:, :, k, :] = new
            current = new
        variant, method = (
            "trend (Hamilton-Perry)",
            f"Hamilton-Perry cohort change ratios from {present[0]}-{base}",
        )
    else:
        proj[:] = current[:, :, None, :]
        variant, method = (
            "no change",
            f"held at the {base} estimate (one year of estimates: no trend)",
        )
    n_cells = len(areas) * S * len(out_years) * A
    idx = np.arange(n_cells)
    g_age = idx % A
    g_year = (idx // A) % len(out_years)
    g_sex = (idx // (A * len(out_years))) % S
    g_area = idx // (A * len(out_years) * S)
    top = int(ages[-1])
    labels = np.array(
        [str(a) if b == a else f"{a}-{b}" for a, b in zip(ages[:-1], ends[:-1], strict=True)]
        + [f"{top}+"],
        dtype=object,
    )
    year_text = np.array([str(y) for y in out_years], dtype=object)
    open_top = g_age == A - 1
    return pd.DataFrame(
        {
            area: pd.Categorical.from_codes(g_area, categories=pd.Index(areas)),
            "year": out_years[g_year],
            "sex": pd.Categorical.from_codes(g_sex, categories=pd.Index(["Male", "Female"])),
            "age_from": ages[g_age],
            "count": proj.ravel(),
            "period": pd.Categorical.from_codes(g_year, categories=pd.Index(year_text)),
            "age_to": pd.arrays.IntegerArray(
                np.where(open_top, 0, ends[g_age]).astype("int64"), open_top
            ),
            "age_band": pd.Categorical.from_codes(g_age, categories=pd.Index(labels)),
            "variant": variant,
            "method": method,
        }
    )


def _age_bands(pop: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(first ages, last ages) of the age bands of ``pop``, in order: single years from 0 with
    an open top (the last age is the top's first), or bands that tile the ages from 0 to an open
    top band (a census's 0-4 … 85+, say). Anything else is a ValueError."""
    starts = pop["age_from"].astype("int64").to_numpy()
    stops = pop["age_to"].to_numpy(dtype="float64", na_value=np.nan)
    ages, at = np.unique(starts, return_inverse=True)
    last = np.full(len(ages), np.nan)  # each first age's highest last age (NaN: open)
    np.fmax.at(last, at, stops)
    ends = np.where(np.isnan(last), ages, last).astype("int64")
    single = len(ages) >= 20 and np.array_equal(ages, np.arange(ages[0], ages[-1] + 1))
    tiled = (
        len(ages) >= 2
        and bool(np.isnan(last[-1]))
        and bool(np.all(ends[:-1] + 1 == ages[1:]))
        and bool(np.all(_same(stops, stops[np.unique(at, return_index=True)[1]][at])))
    )
    if not len(ages) or ages[0] != 0 or not (single or tiled):
        raise ValueError(
            "project_population needs single years of age from 0 (e.g. 0 … 89, 90+), or age "
            "bands from 0 to an open top band (0-4 … 85+); "
            f"got {len(ages)} distinct ages starting at {ages[0] if len(ages) else '–'}"
        )
    if single:
        ends = ages.copy()
    return ages, ends


def _same(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a == b`` element by element, NaN equal to NaN."""
    return (a == b) | (np.isnan(a) & np.isnan(b))


# -- rates -----------------------------------------------------------------------------------------
def service_use_rates(
    events: pd.DataFrame,
    population: pd.DataFrame,
    *,
    base_years: int = 3,
    series: str = "measure",
    area: str = "area_code",
    anchor: Literal["latest", "pooled"] = "latest",
) -> pd.DataFrame:
    """Age/sex-specific use rates of the latest recorded year (or pooled); one row per area, series, sex and band.

    ``events`` and ``population`` are the workspace tables (single years or bands; the
    population is summed into each event band). Returns ``area_code``, the ``series``
    column, ``sex``, ``age_from``, ``age_to``, ``count`` and ``population`` (pooled over the
    latest ``base_years`` years), ``rate`` (per head), ``rate_period`` (the year or years the
    rate is of), ``base_period`` (the pooled years) and ``kind`` ("count").

    Notes
    -----
    With ``anchor="latest"`` (the default) :math:`r = E_L / P_L`, the latest recorded year's
    rate, so a projection starts where the record ends: the first projected year is the latest
    year's rates times that year's projected population. With ``anchor="pooled"``
    :math:`r = \\sum_t E_t / \\sum_t P_t` over the base years. Either way the sampling
    uncertainty is that of the pooled count, centred on :math:`r` (see :func:`projected_cases`).
    """
    ev = events[events["sex"].isin(["Male", "Female"])].copy()
    ev["_year"] = pd.to_numeric(ev["period"].astype(str).str[:4], errors="coerce")
    last = int(ev["_year"].max())
    ev = ev[ev["_year"].between(last - base_years + 1, last)]
    first = int(ev["_year"].min())
    ev = ev.groupby(
        [area, series, "sex", "age_from", "age_to", "_year"], as_index=False, dropna=False
    )[["count"]].sum()
    pop = population[population["sex"].isin(["Male", "Female"])].copy()
    pop["_year"] = pd.to_numeric(pop["period"].astype(str).str[:4], errors="coerce")
    pop = pop[pop["_year"].between(first, last)]
    pieces = []
    by_bands: dict[tuple[bytes, bytes], pd.DataFrame] = {}  # by set of bands, which series share
    for name, bands in ev.groupby(series)[["age_from", "age_to"]]:
        lo, hi = _target_bands(bands)
        if (lo.tobytes(), hi.tobytes()) not in by_bands:
            by_bands[(lo.tobytes(), hi.tobytes())] = aggregate_to_bands(
                pop, bands, keys=[area, "sex", "_year"]
            )
        banded = by_bands[(lo.tobytes(), hi.tobytes())]
        e = ev[ev[series] == name].merge(
            banded.rename(columns={"count": "population"}),
            on=[area, "sex", "_year", "age_from", "age_to"],
            how="inner",
        )
        pieces.append(e)
    joined = pd.concat(pieces, ignore_index=True) if pieces else ev.assign(population=[])
    cells = [area, series, "sex", "age_from", "age_to"]
    rates = joined.groupby(cells, as_index=False, dropna=False)[["count", "population"]].sum()
    pooled = f"{first}-{str(last)[-2:]}" if first != last else str(last)
    if anchor == "latest":
        # the latest year that has both counts and a population to divide them by
        last = int(joined["_year"].max()) if len(joined) else last
        latest = (
            joined[joined["_year"].eq(last)]
            .groupby(cells, as_index=False, dropna=False)[["count", "population"]]
            .sum()
            .rename(columns={"count": "_e", "population": "_p"})
        )
        rates = rates.merge(latest, on=cells, how="left")
        rates["rate"] = (rates["_e"] / rates["_p"]).fillna(0.0)
        rates["rate_period"] = str(last)
        rates = rates.drop(columns=["_e", "_p"])
    elif anchor == "pooled":
        rates["rate"] = rates["count"] / rates["population"]
        rates["rate_period"] = pooled
    else:
        raise ValueError(f"anchor must be 'latest' or 'pooled', got {anchor!r}")
    rates["base_period"] = pooled
    rates["kind"] = "count"
    return rates


def prevalence_rates(prevalence: pd.DataFrame, *, series: str = "condition") -> pd.DataFrame:
    """Prevalence (proportions) by condition, sex and band as rates for :func:`projected_cases`.

    ``Persons`` rows are used for both sexes when a condition has no sex-specific rates.
    Returns the ``series`` column, ``sex``, ``age_from``, ``age_to``, ``rate``, ``se_logit``
    (from the 95% limits; NaN when none) and ``kind`` ("proportion").
    """
    from scipy.special import logit

    prev = prevalence.copy()
    persons = prev[prev["sex"].eq("Persons")]
    specific = set(prev.loc[prev["sex"].isin(["Male", "Female"]), series])
    extra = persons[~persons[series].isin(specific)]
    prev = pd.concat(
        [
            prev[prev["sex"].isin(["Male", "Female"])],
            extra.assign(sex="Male"),
            extra.assign(sex="Female"),
        ],
        ignore_index=True,
    )
    p = prev["prevalence"].to_numpy(dtype="float64")
    bad = (p < 0) | (p > 1) | np.isnan(p)
    if bad.any():
        raise ValueError(
            f"prevalence must be a proportion between 0 and 1, got {p[bad][0]!r} "
            f"({prev[series].iloc[int(np.flatnonzero(bad)[0])]})"
        )
    lo = (
        prev["lower_ci_95"].to_numpy(dtype="float64")
        if "lower_ci_95" in prev
        else np.full(len(prev), np.nan)
    )
    hi = (
        prev["upper_ci_95"].to_numpy(dtype="float64")
        if "upper_ci_95" in prev
        else np.full(len(prev), np.nan)
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        se = (logit(np.clip(hi, 1e-12, 1 - 1e-12)) - logit(np.clip(lo, 1e-12, 1 - 1e-12))) / (
            2 * v.z_for(0.95)
        )
    out = prev[[series, "sex", "age_from", "age_to"]].copy()
    out["rate"] = p
    out["se_logit"] = se
    out["kind"] = "proportion"
    return out.reset_index(drop=True)


# -- projected cases -----------------------------------------------------------------------------------
def projected_cases(
    rates: pd.DataFrame,
    projection: pd.DataFrame,
    *,
    series: str,
    area: str = "area_code",
    years: Iterable[int] | None = None,
    year_type: YearType = "calendar",
    scenarios: Sequence[Scenario] = (),
    principal: str | None = None,
    confidence: v.Confidence = 0.95,
    repetitions: int = 2_000,
    seed: int | None = None,
) -> pd.DataFrame:
    """Rates × projected population, with intervals and scenarios; one row per area, series, scenario and year.

    Parameters
    ----------
    rates : pandas.DataFrame
        From :func:`service_use_rates` (``count``, ``population``, ``rate``; rates may be
        area-specific, with an ``area_code`` column) or :func:`prevalence_rates` (``rate``,
        ``se_logit``; the same rates for every area). Columns ``series``, ``sex``,
        ``age_from``, ``age_to``.
    projection : pandas.DataFrame
        Projected population: ``area_code``, ``year`` (or ``period``), ``sex``, ``age_from``,
        ``age_to``, ``count`` and ``variant`` (one projection per variant).
    series : str
        Column naming what is projected (activity measure or condition).
    years : iterable of int, optional
        Calendar years to report (default every projected year).
    year_type : {"calendar", "financial"}
        Financial years combine ¾ of year *t* and ¼ of year *t*+1 (see :func:`financial_year`).
    scenarios : sequence of Scenario
        Shown beside the baseline; each changes the rates of the series it applies to.
    principal : str, optional
        The central variant (default one named like "principal", else the first).
    confidence, repetitions, seed
        Interval levels, simulation size, seed (default :data:`DEFAULT_SEED`).

    Returns
    -------
    pandas.DataFrame
        ``area_code``, ``series`` column, ``scenario``, ``period``, ``year``, ``value``
        (central projection), limit columns, ``population`` (projected, ages covered),
        ``variants`` (number combined), ``variant_low`` and ``variant_high`` (central rates on
        the lowest and highest variant), ``method``.

    Notes
    -----
    :math:`\\hat C_{y} = \\sum_{s,a} r_{s,a} P_{s,a,y}` on the principal variant. The interval
    combines the sampling uncertainty of the rates with the spread between population
    variants by simulation: each repetition draws every rate — from the Jeffreys posterior
    :math:`\\Gamma(E + \\tfrac12)/P` for rates from counts, or
    :math:`\\operatorname{expit}(N(\\operatorname{logit} p, se))` for prevalences with limits — and
    a population variant with equal probability, and the limits are the percentiles of the
    simulated totals. A scenario multiplies the rates of the years it covers.

    References
    ----------
    Institute of Public Care, Oxford Brookes University. Projecting Older People Population
    Information System (POPPI) and Projecting Adult Needs and Service Information (PANSI):
    methodology. ONS. Subnational population projections for England, variant projections.
    """
    levels = v.normalise_confidence(confidence)
    if year_type not in ("calendar", "financial"):
        raise ValueError(f"year_type must be 'calendar' or 'financial', got {year_type!r}")
    year = (
        projection["year"]
        if "year" in projection
        else pd.to_numeric(projection["period"].astype(str).str[:4], errors="raise")
    ).astype("int64")
    sexed = projection["sex"].isin(["Male", "Female"]).to_numpy()
    proj = projection[sexed]
    variants = sorted(proj["variant"].unique())
    if not variants:
        raise ValueError("projection is empty")
    if principal is not None and principal not in variants:
        raise ValueError(
            f"principal variant {principal!r} is not in the projection (variants: {variants})"
        )
    central = principal or next((x for x in variants if "principal" in str(x).lower()), None)
    if central is None and len(variants) == 1 and pd.notna(variants[0]):
        central = str(variants[0])
    elif central is None:  # no principal: the variant with the median total population
        totals = proj.groupby("variant")["count"].sum().sort_values()
        central = str(totals.index[(len(totals) - 1) // 2])
    proj_years = year.to_numpy()[sexed]
    all_years = np.unique(proj_years)
    wanted = np.array(sorted(set(years)), dtype="int64") if years is not None else all_years
    calc_years = np.union1d(wanted, wanted + 1) if year_type == "financial" else wanted
    calc_years = calc_years[np.isin(calc_years, all_years)]
    kept = np.flatnonzero(np.isin(proj_years, calc_years))
    proj = proj.iloc[kept]
    rows = _Rows.of(proj, proj_years[kept], area=area)
    rng = np.random.Generator(np.random.PCG64(DEFAULT_SEED if seed is None else seed))
    per_area = area in rates.columns
    pieces = []
    in_bands: dict[tuple[bytes, bytes], pd.Series] = {}  # by set of bands, which series share
    for name, r in rates.groupby(series, sort=True):
        lo, hi = _target_bands(r)
        bands = (lo.tobytes(), hi.tobytes())
        if bands not in in_bands:
            idx, fits = fitted_rows(lo, hi, rows.age_from, rows.age_to, population=proj, bands=r)
            in_bands[bands] = rows.in_bands(lo, hi, np.where(fits, idx, -1))
        pieces.append(
            _project_one(
                str(name),
                r,
                rows,
                (lo, hi, in_bands[bands]),
                series=series,
                area=area,
                per_area=per_area,
                variants=variants,
                central=central,
                years=calc_years,
                scenarios=scenarios,
                levels=levels,
                repetitions=repetitions,
                rng=rng,
            )
        )
    if not pieces:
        return pd.DataFrame(columns=[area, series, "scenario", "period", "year", "value"])
    out = pd.concat(pieces, ignore_index=True)
    value_cols = [
        "value",
        "population",
        "variant_low",
        "variant_high",
        *[c for level in levels for c in v.limit_columns(level)],
    ]
    if year_type == "financial":
        out = financial_year(out, value=value_cols, year="year", by=[area, series, "scenario"])
        out = out[out["year"].isin(wanted)]
        out["method"] = out["method"] + "; financial years (¾ of year t + ¼ of year t+1)"
    else:
        out["period"] = out["year"].astype(str)
        wanted_rows = np.isin(out["year"].to_numpy(), wanted)
        if not wanted_rows.all():
            out = out[wanted_rows]
    # by area, series, scenario (the baseline, then in the order given) and year
    order = {BASELINE: 0, **{s.name: i + 1 for i, s in enumerate(scenarios)}}
    scenario, names = pd.factorize(out["scenario"])
    rank = np.array([order.get(n, np.nan) for n in names.tolist()])[scenario]
    by = [out["year"].to_numpy(), rank, _sort_codes(out[series]), _sort_codes(out[area])]
    sorted_rows = np.lexsort(by)
    if not np.array_equal(sorted_rows, np.arange(len(out))):
        out = out.iloc[sorted_rows]
    return out.reset_index(drop=True)


def _sort_codes(column: pd.Series) -> np.ndarray:
    """The order of ``column``'s values as ``sort_values`` sorts them (missing last)."""
    values = pd.Categorical(column, ordered=True)
    return np.where(values.codes < 0, len(values.categories), values.codes)


@dataclass(frozen=True)
class _Rows:
    """A projection's rows as arrays, for :func:`_project_one`. Each row's area, variant, year
    and sex is its rank among the distinct values of its column, ranked as a pandas groupby
    sorts them (``areas``, ``variants``, ``years`` and ``sexes`` hold the values in that order);
    ``age_from`` and ``age_to`` are its first and last age (open = inf)."""

    areas: np.ndarray
    area: np.ndarray
    variants: np.ndarray
    variant: np.ndarray
    years: np.ndarray
    year: np.ndarray
    sexes: np.ndarray
    sex: np.ndarray
    age_from: np.ndarray
    age_to: np.ndarray
    count: pd.Series

    @classmethod
    def of(cls, proj: pd.DataFrame, year: np.ndarray, *, area: str) -> _Rows:
        """The rows of ``proj``, whose years are ``year``."""
        area_rank, areas = pd.factorize(proj[area], sort=True, use_na_sentinel=False)
        variant_rank, variants = pd.factorize(proj["variant"], sort=True, use_na_sentinel=False)
        year_rank, years = pd.factorize(year, sort=True)
        sex_rank, sexes = pd.factorize(proj["sex"], sort=True, use_na_sentinel=False)
        a_from, a_to = _ages(proj)
        return cls(
            areas=np.asarray(areas),
            area=area_rank,
            variants=np.asarray(variants),
            variant=variant_rank,
            years=np.asarray(years),
            year=year_rank,
            sexes=np.asarray(sexes),
            sex=sex_rank,
            age_from=a_from,
            age_to=a_to,
            count=proj["count"],
        )

    def in_bands(self, lo: np.ndarray, hi: np.ndarray, band: np.ndarray) -> pd.Series:
        """The counts summed by area, variant, year, sex and band (``band``: each row's band
        among ``lo``-``hi``, -1 for a row in none), indexed by the group's ranks combined into
        one number, as :func:`aggregate_to_bands` groups and sums them."""
        band_rank = np.empty(len(lo), dtype=np.intp)
        band_rank[np.lexsort((hi, lo))] = np.arange(len(lo))
        placed = np.flatnonzero(band >= 0)
        key = self.area[placed]
        for rank, values in (
            (self.variant, self.variants),
            (self.year, self.years),
            (self.sex, self.sexes),
            (band_rank[band], lo),
        ):
            key = key * len(values) + rank[placed]
        return self.count.iloc[placed].groupby(key).sum()


def _project_one(
    name: str,
    r: pd.DataFrame,
    rows: _Rows,
    bands: tuple[np.ndarray, np.ndarray, pd.Series],
    *,
    series: str,
    area: str,
    per_area: bool,
    variants: list[str],
    central: str,
    years: np.ndarray,
    scenarios: Sequence[Scenario],
    levels: tuple[float, ...],
    repetitions: int,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """One series: all areas, variants and years at once as arrays.

    ``bands`` are the series' bands (sorted lower and upper ages) and the projection summed into
    them (:meth:`_Rows.in_bands`), which give the population of each age-sex cell of the rates
    ``r`` by area, variant and year."""
    from scipy.special import expit, logit

    lo, hi, summed = bands
    # the summed groups' area, variant, year, sex and band, from their combined ranks
    group = summed.index.to_numpy()
    parts = []
    for values in (lo, rows.sexes, rows.years, rows.variants):
        parts.append(group % len(values))
        group = group // len(values)
    band_of, sex_of, year_of, variant_of = parts
    band_of = np.lexsort((hi, lo))[band_of]
    areas = np.sort(rows.areas[np.unique(group)])
    if per_area:
        areas = np.intersect1d(areas, r[area].unique())
    # the rates' cells (sex and band), in order of appearance, and each rate row's cell
    r_from, r_to = _ages(r)
    cells: dict[tuple[Any, float, float], int] = {}
    r_cell = np.array(
        [
            cells.setdefault(key, len(cells))
            for key in zip(r["sex"].tolist(), r_from.tolist(), r_to.tolist(), strict=True)
        ],
        dtype=np.intp,
    )
    nA, nC, nV, nY = len(areas), len(cells), len(variants), len(years)
    # each group's area (-1: not projected) and cell (-1: none of the rates' cells)
    area_of = np.where(np.isin(rows.areas, areas), np.searchsorted(areas, rows.areas), -1)[group]
    band_at = {ages: b for b, ages in enumerate(zip(lo.tolist(), hi.tolist(), strict=True))}
    sex_at = {s: k for k, s in enumerate(rows.sexes.tolist())}
    cell_at = np.full((len(rows.sexes), len(lo)), -1, dtype=np.intp)
    for (sex, a_from, a_to), c in cells.items():
        if sex in sex_at:
            cell_at[sex_at[sex], band_at[(a_from, a_to)]] = c
    cell_of = cell_at[sex_of, band_of]
    variant_at = np.array([variants.index(x) for x in rows.variants.tolist()], dtype=np.intp)
    chosen = (area_of >= 0) & (cell_of >= 0)
    a, c = area_of[chosen], cell_of[chosen]
    vv = variant_at[variant_of[chosen]]
    yy = np.searchsorted(years, rows.years[year_of[chosen]])
    P = np.zeros((nA, nC, nV, nY))
    np.add.at(P, (a, c, vv, yy), summed.to_numpy(dtype="float64")[chosen])
    have = np.zeros((nA, nV, nY), dtype=bool)
    have[a, vv, yy] = True
    # rates (areas x cells) and their draws (areas x cells x reps)
    R = np.zeros((nA, nC))
    if per_area:
        keep = r[area].isin(areas).to_numpy()
        ai = np.searchsorted(areas, r[area].to_numpy()[keep])
    else:
        keep = np.ones(len(r), dtype=bool)
        ai = None
    rc = r_cell[keep]
    kind = str(r["kind"].to_numpy()[keep][0]) if keep.any() else "count"
    if kind == "count":
        E = np.zeros((nA, nC))
        N = np.ones((nA, nC))
        if ai is not None:
            E[ai, rc] = r["count"].to_numpy(dtype="float64")[keep]
            N[ai, rc] = r["population"].to_numpy(dtype="float64")[keep]
        else:
            E[:, rc] = r["count"].to_numpy(dtype="float64")[keep]
            N[:, rc] = r["population"].to_numpy(dtype="float64")[keep]
        R = E / N
        if (
            "rate" in r
        ):  # the rates' own centre (the latest year's), with the pooled counts' uncertainty
            R = np.zeros((nA, nC))
            if ai is not None:
                R[ai, rc] = r["rate"].to_numpy(dtype="float64")[keep]
            else:
                R[:, rc] = r["rate"].to_numpy(dtype="float64")[keep]
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.where(E > 0, R * N / np.where(E > 0, E, 1.0), 1.0)
        draws = (
            rng.gamma(E[..., None] + 0.5, 1.0, size=(nA, nC, repetitions))
            / N[..., None]
            * scale[..., None]
        )
        periods = (
            r[["rate_period", "base_period"]][keep].drop_duplicates()
            if {"rate_period", "base_period"} <= set(r)
            else None
        )
        only: list[Any] = (
            periods.iloc[0].tolist() if periods is not None and len(periods) == 1 else []
        )
        if only and only[0] != only[1]:
            basis = (
                f"{only[0]} rates by age and sex (interval from the Poisson uncertainty of the "
                f"{only[1]} counts)"
            )
        else:
            basis = "rates from counts (Poisson uncertainty)"
    else:
        rate = r["rate"].to_numpy(dtype="float64")[keep]
        se = r["se_logit"].to_numpy(dtype="float64")[keep]
        R[:, rc] = rate
        z = rng.standard_normal((nC, repetitions))
        S = np.zeros(nC)
        S[rc] = np.nan_to_num(se)
        L = np.full(nC, 0.0)
        L[rc] = logit(np.clip(rate, 1e-12, 1 - 1e-12))
        d = np.where(S[:, None] > 0, expit(L[:, None] + S[:, None] * z), R[0][:, None])
        draws = np.broadcast_to(d[None], (nA, nC, repetitions))
        basis = "prevalence rates" + (
            " with their confidence limits" if np.any(S > 0) else " (no limits given)"
        )
    pick = rng.integers(0, nV, size=repetitions)
    vi = variants.index(central)
    missing = ~have[:, vi, :].ravel()
    method = (
        f"{basis} × projected population ({central}"
        + (f"; interval also spans {nV} variants" if nV > 1 else "")
        + f"; {repetitions:,} simulations)"
    )
    frames = []
    for scen in (Scenario(BASELINE), *[sc for sc in scenarios if sc.applies(name)]):
        mult = scen.multiplier(years, int(years[0])) if scen.name != BASELINE else np.ones(nY)
        central_val = np.einsum("ac,acy->ay", R, P[:, :, vi, :]) * mult
        per_variant = np.einsum("ac,acvy->avy", R, P) * mult
        sims = np.einsum("acr,acry->ary", draws, P[:, :, pick, :]) * mult  # (areas, reps, years)
        popn = P[:, :, vi, :].sum(axis=1)
        figures = {"value": central_val.ravel(), "population": popn.ravel()}
        for level in levels:
            lo_q, hi_q = (1 - level) / 2, 1 - (1 - level) / 2
            lower, upper = v.limit_columns(level)
            figures[lower] = np.quantile(sims, lo_q, axis=1).ravel()
            figures[upper] = np.quantile(sims, hi_q, axis=1).ravel()
        figures["variant_low"] = per_variant.min(axis=1).ravel()
        figures["variant_high"] = per_variant.max(axis=1).ravel()
        if missing.any():  # no central projection for the area and year
            figures = {k: np.where(missing, np.nan, x) for k, x in figures.items()}
        frames.append(
            pd.DataFrame(
                {
                    area: np.repeat(areas, nY),
                    series: name,
                    "scenario": scen.name,
                    "year": np.tile(years, nA),
                    **figures,
                    "variants": nV,
                    "method": method,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)
