"""Every built-in indicator of ``jsna/indicators/builtin.py`` against figures worked in this file.

A tiny workspace is made by hand (three areas, three years, both sexes, the twenty life-table age
bands), run once through the indicator registry, and each indicator's value and 95% and 99.8%
limits are checked to 1e-9 against the formula of the OHID technical guide, written out below
with numpy (never through jsna's own methods):

- proportions: Wilson score limits;
- crude rates: Byar's limits, exact Poisson (chi-square) below 10 events;
- directly standardised rates: ESP2013 weights, Dobson limits;
- life expectancy: Chiang II abridged life table, Silcocks variance for the open final band.
"""

from __future__ import annotations

from pathlib import Path
from statistics import NormalDist

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2

A, B, SMALL = "E06000001", "E06000002", "E06000003"
YEARS = ("2021", "2022", "2023")
SEXES = ("Male", "Female")
#: (label, first age, last age) of the abridged life table; the last band is open
BANDS = [("<1", 0, 0), ("1-4", 1, 4)] + [(f"{a}-{a + 4}", a, a + 4) for a in range(5, 90, 5)]
BANDS.append(("90+", 90, None))
#: the 2013 European Standard Population, 0-4 … 85-89, 90+ (Eurostat 2013, table 4.1)
ESP2013 = np.array(
    (
        *(5000, 5500, 5500, 5500, 6000, 6000, 6500, 7000, 7000, 7000),
        *(7000, 6500, 6000, 5500, 5000, 4000, 2500, 1500, 1000),
    ),
    dtype=float,
)
ESP_LABELS = ["0-4"] + [label for label, *_ in BANDS[2:]]
LEVELS = {"95": 0.95, "99_8": 0.998}
ADMISSIONS = "Emergency admissions"
ADMISSION_BANDS = ESP_LABELS[13:]  # 65-69 … 90+
ADMISSION_YEAR, ADMISSION_PERIOD = "2022", "2022/23"


def z(level: float) -> float:
    return NormalDist().inv_cdf(1 - (1 - level) / 2)


# -- the hand-made inputs -------------------------------------------------------------------------
def _inputs() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Population and deaths by life-table band, admissions by ESP band, one published value."""
    rng = np.random.default_rng(2013)
    # deaths per head rise with age (a Gompertz-like schedule), a little higher for men
    mortality = np.r_[0.004, 0.0002, np.exp(np.linspace(np.log(0.0001), np.log(0.2), 18))]
    pop_rows, death_rows, admission_rows = [], [], []
    for area, size in ((A, 1.0), (B, 1.6)):
        for year in YEARS:
            for sex, excess in (("Male", 1.15), ("Female", 0.9)):
                people = np.round(size * rng.uniform(2000, 4000, len(BANDS)))
                people[0], people[1] = people[0] / 5, people[1] * 0.8  # one and four years
                people[-4:] = np.round(people[-4:] * [0.8, 0.6, 0.35, 0.2])
                deaths = rng.poisson(people * mortality * excess).astype(float)
                deaths[-1] = max(deaths[-1], 1.0)  # the open band needs a death
                for (label, lo, hi), n, d in zip(BANDS, people, deaths, strict=True):
                    key = {"area_code": area, "period": year, "sex": sex, "age_band": label}
                    band = {"age_from": lo, "age_to": hi}
                    pop_rows.append({**key, **band, "count": n, "variant": "estimate"})
                    death_rows.append(
                        {**key, **band, "count": d, "measure": "deaths", "cause": "All causes"}
                    )
    # a small area for one year: everyone banded, three deaths (exact Poisson, DSR not published)
    for sex in SEXES:
        for i, (label, lo, hi) in enumerate(BANDS):
            key = {"area_code": SMALL, "period": "2023", "sex": sex, "age_band": label}
            band = {"age_from": lo, "age_to": hi}
            pop_rows.append({**key, **band, "count": 20.0 + i, "variant": "estimate"})
            deaths = 1.0 if (sex == "Male" and label in ("80-84", "90+")) else 0.0
            deaths = 1.0 if (sex == "Female" and label == "85-89") else deaths
            death_rows.append(
                {**key, **band, "count": deaths, "measure": "deaths", "cause": "All causes"}
            )
    # admissions of residents aged 65 and over in the financial year 2022/23
    for area in (A, B):
        for sex in SEXES:
            for label in ADMISSION_BANDS:
                lo = int(label[:2])
                admission_rows.append(
                    {
                        "area_code": area,
                        "period": ADMISSION_PERIOD,
                        "sex": sex,
                        "age_band": label,
                        "age_from": lo,
                        "age_to": None if label == "90+" else lo + 4,
                        "measure": ADMISSIONS,
                        "cause": None,
                        "count": float(rng.integers(40, 400)),
                    }
                )
    population = pd.DataFrame(pop_rows).assign(area_name=lambda d: d["area_code"])
    events = pd.DataFrame(death_rows + admission_rows).assign(area_name=lambda d: d["area_code"])
    published = pd.DataFrame(
        {
            "indicator_id": ["92443", "92443"],
            "indicator_name": [
                "Smoking prevalence in adults (18+)",
                "Smoking prevalence in adults (18+)",
            ],
            "area_code": [A, B],
            "area_name": ["A", "B"],
            "sex": ["Persons", "Persons"],
            "age": ["18+ yrs", "18+ yrs"],
            "period": ["2023", "2023"],
            "value": [12.345, 15.5],
            "lower_ci_95": [10.1, 13.25],
            "upper_ci_95": [14.9, 17.75],
            "count": [120.0, 150.0],
            "denominator": [972.0, 968.0],
            "unit": ["%", "%"],
        }
    )
    return population, events, published


@pytest.fixture(scope="module")
def inputs() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    return _inputs()


@pytest.fixture(scope="module")
def computed(
    inputs: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame],
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[pd.DataFrame, dict[str, str]]:
    """The results of one run of every registered indicator over the hand-made workspace, and
    what happened to each indicator."""
    from jsna.indicators.builtin import INDICATORS
    from jsna.indicators.context import ComputeContext
    from jsna.indicators.registry import IndicatorRegistry, run_indicators
    from jsna.workspace import Workspace

    population, events, published = inputs
    path = Path(tmp_path_factory.mktemp("builtin-values")) / "jsna.duckdb"
    with Workspace.open(path) as ws:
        for n, (kind, layout, frames) in enumerate(
            (
                ("population", "tidy", {"population": population}),
                ("deaths", "tidy", {"events": events}),
                ("fingertips", "fingertips-download", {"indicator_values": published}),
            )
        ):
            ws.load(
                provenance={
                    "file_name": f"{kind}.csv",
                    "sha256": f"{n:064d}",
                    "kind": kind,
                    "layout": layout,
                },
                frames=frames,
            )
        registry = IndicatorRegistry()  # the built-ins alone, whatever else is installed
        for indicator in INDICATORS:
            registry.register(indicator)
        results, outcome = run_indicators(ComputeContext(ws), registry)
    return results, {run.id: run.status for run in outcome.runs}


def _rows(results: pd.DataFrame, indicator: str, **where: str) -> pd.DataFrame:
    rows = results[results["indicator_id"].eq(indicator)]
    for column, value in where.items():
        rows = rows[rows[column].eq(value)]
    return rows.set_index(["area_code", "period", "sex"]).sort_index()


def _with_persons(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Male + Female as a third sex, Persons, summed in plain pandas."""
    persons = frame.groupby([k for k in keys if k != "sex"], as_index=False)["count"].sum()
    return pd.concat([frame, persons.assign(sex="Persons")], ignore_index=True)


def _check(got: pd.DataFrame, expected: pd.DataFrame, columns: list[str]) -> None:
    """Same groups, and every column to 1e-9 (relative), missing where expected is missing."""
    assert sorted(got.index) == sorted(expected.index)
    for column in columns:
        np.testing.assert_allclose(
            got.loc[expected.index, column].astype(float).to_numpy(),
            expected[column].astype(float).to_numpy(),
            rtol=1e-9,
            atol=0,
            err_msg=column,
        )


def _limit_columns() -> list[str]:
    return [f"{side}_ci_{name}" for name in LEVELS for side in ("lower", "upper")]


def test_every_builtin_indicator_computes(computed: tuple[pd.DataFrame, dict[str, str]]) -> None:
    from jsna.indicators.builtin import INDICATORS

    _, status = computed
    assert {i.id: status.get(i.id) for i in INDICATORS} == {i.id: "computed" for i in INDICATORS}


# -- demography ------------------------------------------------------------------------------
def _totals(population: pd.DataFrame) -> pd.DataFrame:
    keys = ["area_code", "period", "sex"]
    return _with_persons(population.groupby(keys, as_index=False)["count"].sum(), keys)


def test_total_population_is_the_sum_of_the_estimates(inputs, computed) -> None:  # type: ignore[no-untyped-def]
    expected = _totals(inputs[0]).set_index(["area_code", "period", "sex"])
    expected["value"] = expected["count"]
    got = _rows(computed[0], "total-population")
    _check(got, expected, ["value", "count"])
    assert got[_limit_columns()].isna().all().all()


@pytest.mark.parametrize(
    ("indicator", "min_age"), [("percent-aged-65-plus", 65), ("percent-aged-85-plus", 85)]
)
def test_percent_aged_is_a_proportion_with_wilson_limits(
    inputs, computed, indicator, min_age
) -> None:  # type: ignore[no-untyped-def]
    population = inputs[0]
    keys = ["area_code", "period", "sex"]
    older = _with_persons(
        population[population["age_from"] >= min_age].groupby(keys, as_index=False)["count"].sum(),
        keys,
    ).set_index(keys)["count"]
    expected = _totals(population).set_index(keys).rename(columns={"count": "denominator"})
    r, n = older.loc[expected.index].to_numpy(), expected["denominator"].to_numpy()
    p = r / n
    expected["count"] = r
    expected["value"] = 100 * p
    # Wilson: (2r + z² ± z √(z² + 4r(1 − p))) / (2(n + z²))
    for name, level in LEVELS.items():
        zz = z(level)
        root = zz * np.sqrt(zz**2 + 4 * r * (1 - p))
        expected[f"lower_ci_{name}"] = 100 * (2 * r + zz**2 - root) / (2 * (n + zz**2))
        expected[f"upper_ci_{name}"] = 100 * (2 * r + zz**2 + root) / (2 * (n + zz**2))
    _check(
        _rows(computed[0], indicator),
        expected,
        ["value", "count", "denominator", *_limit_columns()],
    )


# -- mortality -------------------------------------------------------------------------------
def _byars(o: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Byar's approximation to the Poisson limits of a count o."""
    zz = z(level)
    lower = o * (1 - 1 / (9 * o) - zz / (3 * np.sqrt(o))) ** 3
    upper = (o + 1) * (1 - 1 / (9 * (o + 1)) + zz / (3 * np.sqrt(o + 1))) ** 3
    return lower, upper


def _exact(o: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Garwood) Poisson limits of a count o, from the chi-square distribution."""
    alpha = 1 - level
    lower = np.where(o > 0, chi2.ppf(alpha / 2, 2 * np.maximum(o, 1e-300)) / 2, 0.0)
    return lower, chi2.ppf(1 - alpha / 2, 2 * o + 2) / 2


def _deaths(events: pd.DataFrame) -> pd.DataFrame:
    return events[events["measure"].eq("deaths")]


def test_crude_mortality_rate_with_byars_and_exact_limits(inputs, computed) -> None:  # type: ignore[no-untyped-def]
    population, events, _ = inputs
    keys = ["area_code", "period", "sex"]
    deaths = _with_persons(_deaths(events).groupby(keys, as_index=False)["count"].sum(), keys)
    expected = deaths.merge(_totals(population), on=keys, suffixes=("", "_pop")).set_index(keys)
    o, n = expected["count"].to_numpy(), expected["count_pop"].to_numpy()
    expected["value"] = 1e5 * o / n
    expected["denominator"] = n
    assert (o < 10).any() and (o >= 10).any()  # both rules are exercised
    for name, level in LEVELS.items():
        lower, upper = np.where(o < 10, _exact(o, level), _byars(o, level))
        expected[f"lower_ci_{name}"] = 1e5 * lower / n
        expected[f"upper_ci_{name}"] = 1e5 * upper / n
    got = _rows(computed[0], "mortality-all-causes-crude-rate")
    _check(got, expected, ["value", "count", "denominator", *_limit_columns()])


def _esp_bands(frame: pd.DataFrame) -> pd.DataFrame:
    """Life-table bands folded into ESP2013 bands: <1 and 1-4 make 0-4."""
    return frame.assign(age_band=frame["age_band"].replace({"<1": "0-4", "1-4": "0-4"}))


def _dsr_expected(
    events: pd.DataFrame, population: pd.DataFrame, labels: list[str], keys: list[str]
) -> pd.DataFrame:
    """Directly standardised rate per 100,000 with Dobson limits, one row per group of ``keys``.

    DSR = Σ wᵢ·dᵢ/pᵢ / Σ wᵢ × 100,000 over the bands ``labels`` (ESP2013 weights wᵢ);
    var = Σ wᵢ²·dᵢ/pᵢ² / (Σ wᵢ)²; with O = Σ dᵢ and Byar's limits O_L, O_U of O (Dobson):
    limit = DSR + √(var/O)·(O_L − O) × 100,000 (likewise O_U). Not published when O < 10.
    """
    weights = pd.Series(ESP2013, index=ESP_LABELS)[labels]
    d = _with_persons(
        _esp_bands(events).groupby([*keys, "age_band"], as_index=False)["count"].sum(),
        [*keys, "age_band"],
    )
    p = _with_persons(
        _esp_bands(population).groupby([*keys, "age_band"], as_index=False)["count"].sum(),
        [*keys, "age_band"],
    )
    joined = p.merge(d, on=[*keys, "age_band"], suffixes=("_pop", "")).query("age_band in @labels")
    w = joined["age_band"].map(weights)
    joined["term"] = w * joined["count"] / joined["count_pop"]
    joined["var"] = w**2 * joined["count"] / joined["count_pop"] ** 2
    out = joined.groupby(keys).agg(
        term=("term", "sum"),
        var=("var", "sum"),
        count=("count", "sum"),
        denominator=("count_pop", "sum"),
    )
    total = weights.sum()
    o = out["count"].to_numpy()
    rate = out["term"].to_numpy() / total
    var = out["var"].to_numpy() / total**2
    published = o >= 10
    out["value"] = np.where(published, 1e5 * rate, np.nan)
    for name, level in LEVELS.items():
        lower, upper = _byars(np.maximum(o, 1), level)
        for side, limit in (("lower", lower), ("upper", upper)):
            value = 1e5 * (rate + np.sqrt(var / np.maximum(o, 1)) * (limit - o))
            out[f"{side}_ci_{name}"] = np.where(published, value, np.nan)
    return out


@pytest.mark.parametrize(
    ("indicator", "labels"),
    [("mortality-all-causes-dsr", ESP_LABELS), ("mortality-under-75-dsr", ESP_LABELS[:15])],
)
def test_mortality_dsr_is_esp2013_standardised_with_dobson_limits(
    inputs, computed, indicator, labels
) -> None:  # type: ignore[no-untyped-def]
    population, events, _ = inputs
    keys = ["area_code", "period", "sex"]
    expected = _dsr_expected(_deaths(events), population, labels, keys)
    got = _rows(computed[0], indicator)
    _check(got, expected, ["value", "count", *_limit_columns()])
    small = got.loc[(SMALL, "2023", "Persons")]
    assert np.isnan(small["value"]) and "count < 10" in small["value_note"]
    if indicator == "mortality-under-75-dsr":
        assert set(got["age"]) == {"<75 yrs"}


def test_service_use_dsr_over_the_ages_the_activity_covers(inputs, computed) -> None:  # type: ignore[no-untyped-def]
    population, events, _ = inputs
    keys = ["area_code", "period", "sex"]
    admissions = events[events["measure"].eq(ADMISSIONS)]
    # a financial year's residents are the mid-year estimate of the year it starts in
    residents = population[population["period"].eq(ADMISSION_YEAR)].assign(period=ADMISSION_PERIOD)
    residents = residents[residents["area_code"].isin(admissions["area_code"])]
    expected = _dsr_expected(admissions, residents, ADMISSION_BANDS, keys)
    got = _rows(computed[0], "service-use-dsr", category=ADMISSIONS)
    _check(got, expected, ["value", "count", *_limit_columns()])
    assert set(got["age"]) == {"65+ yrs"} and set(got["category_type"]) == {"Activity"}


# -- life expectancy -------------------------------------------------------------------------
def _pooled(frame: pd.DataFrame, area: str, sex: str) -> np.ndarray:
    """Counts of the three years summed by band, in life-table order."""
    chosen = frame[frame["area_code"].eq(area) & frame["sex"].eq(sex) & frame["period"].isin(YEARS)]
    order = [label for label, *_ in BANDS]
    return chosen.groupby("age_band")["count"].sum()[order].to_numpy(dtype=float)


def _chiang_silcocks(deaths: np.ndarray, people: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Life expectancy at the start of each band, and its standard error (Chiang II, Silcocks).

    Widths nᵢ = 1, 4, 5 … 5; aᵢ = 0.1 for <1, else 0.5; Mᵢ = Dᵢ/Pᵢ;
    qᵢ = nᵢMᵢ / (1 + nᵢ(1 − aᵢ)Mᵢ), q = 1 in the open band; l₀ = 100,000, lᵢ₊₁ = lᵢ(1 − qᵢ);
    Lᵢ = nᵢ(lᵢ₊₁ + aᵢ(lᵢ − lᵢ₊₁)), L_last = l_last / M_last; eᵢ = Σⱼ≥ᵢ Lⱼ / lᵢ.
    Variance: S²ᵢ = qᵢ²(1 − qᵢ)/Dᵢ, S²_last = 4 / (D_last·M_last²);
    var(eᵢ) = [Σⱼ≥ᵢ, j<last lⱼ²((1 − aⱼ)nⱼ + eⱼ₊₁)² S²ⱼ + (l_last/2)² S²_last] / lᵢ².
    """
    k = len(deaths)
    widths = [1, 4] + [5] * (k - 3)
    a = [0.1] + [0.5] * (k - 2)
    m = deaths / people
    survivors = [100_000.0]
    lived = []
    q = []
    for i in range(k - 1):
        qi = widths[i] * m[i] / (1 + widths[i] * (1 - a[i]) * m[i])
        q.append(qi)
        survivors.append(survivors[i] * (1 - qi))
        lived.append(widths[i] * (survivors[i + 1] + a[i] * (survivors[i] - survivors[i + 1])))
    lived.append(survivors[-1] / m[-1])
    e = [sum(lived[i:]) / survivors[i] for i in range(k)]
    terms = [
        survivors[i] ** 2
        * ((1 - a[i]) * widths[i] + e[i + 1]) ** 2
        * (q[i] ** 2 * (1 - q[i]) / deaths[i] if deaths[i] else 0.0)
        for i in range(k - 1)
    ]
    terms.append((survivors[-1] / 2) ** 2 * 4 / (deaths[-1] * m[-1] ** 2))
    se = [np.sqrt(sum(terms[i:]) / survivors[i] ** 2) for i in range(k)]
    return np.array(e), np.array(se)


@pytest.mark.parametrize(
    ("indicator", "band", "age"),
    [
        ("life-expectancy-at-birth", 0, "All ages"),
        ("life-expectancy-at-65", BANDS.index(("65-69", 65, 69)), "65 yrs"),
    ],
)
def test_life_expectancy_is_chiang_ii_over_three_pooled_years(
    inputs, computed, indicator, band, age
) -> None:  # type: ignore[no-untyped-def]
    population, events, _ = inputs
    deaths, rows = _deaths(events), []
    for area in (A, B):
        for sex in SEXES:
            e, se = _chiang_silcocks(_pooled(deaths, area, sex), _pooled(population, area, sex))
            row = {"area_code": area, "period": "2021-23", "sex": sex, "value": e[band]}
            for name, level in LEVELS.items():
                row[f"lower_ci_{name}"] = e[band] - z(level) * se[band]
                row[f"upper_ci_{name}"] = e[band] + z(level) * se[band]
            rows.append(row)
    expected = pd.DataFrame(rows).set_index(["area_code", "period", "sex"])
    got = _rows(computed[0], indicator)
    _check(got, expected, ["value", *_limit_columns()])
    assert set(got["age"]) == {age}


# -- published values ------------------------------------------------------------------------
def test_imported_values_pass_through_unchanged(inputs, computed) -> None:  # type: ignore[no-untyped-def]
    published = inputs[2].set_index(["area_code", "period", "sex"])
    got = _rows(computed[0], "92443")
    _check(got, published, ["value", "lower_ci_95", "upper_ci_95", "count", "denominator"])
    assert set(got["section"]) == {"health_status"}
