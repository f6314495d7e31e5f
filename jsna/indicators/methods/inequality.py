"""Measures of health inequality between the subgroups of a population.

* **Slope and relative index of inequality** (:func:`slope_index_of_inequality`): a weighted
  least-squares line through the values of ordered quantiles (deprivation deciles) placed at
  the mid-points of their cumulative population share; SII is the slope, RII the ratio of the
  fitted ends, with limits simulated from each quantile's standard error. OHID Public Health
  Technical Guidance, "Slope index of inequality"; PHEindicatormethods ``phe_sii``; Low A, Low
  A. Measuring the gap. J Public Health 2004;26:388-395.
* **The WHO HEAT summary measures** (:data:`HEAT_MEASURES`): difference, ratio, population
  attributable risk and fraction, between-group variance and standard deviation, the
  coefficient of variation, index of disparity, mean differences from the best subgroup, from
  a reference subgroup and from the mean, Theil index, mean log deviation, and
  the absolute and relative concentration indices, each with its limits (analytic where HEAT
  gives a formula, simulated otherwise), oriented so that "positive = more inequality". World
  Health Organization. Health Equity Assessment Toolkit (HEAT): technical notes; 2021.
* **Deprivation quantiles** (:func:`deprivation_quantiles`, :func:`quantile_label`): each
  LSOA's IMD quintile or decile, national or within the area. MHCLG, English indices of
  deprivation 2019: technical report.

The decomposition of a life-expectancy gap by age and cause (Arriaga) is in
:mod:`jsna.indicators.methods.decomposition`.

References: the three bullets above, and each function's ``References``; HEAT's measure
definitions follow Hosseinpoor AR et al. Int J Equity Health 2016;15:112.

Pure, vectorised functions in the style of :mod:`jsna.indicators.methods`: ``data`` first,
column names as keyword-only arguments, ``by=`` groups, then options. Simulated intervals draw
every group's repetitions at once as matrices (no Python loop over groups) from a seeded
generator, so the same input always gives the same output. A standard error read from 95%
limits is :math:`(U - L) / (2 z)` with *z* from :func:`~jsna.indicators.methods.z_for`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal, cast

import numpy as np
import pandas as pd

from jsna.indicators.methods import _validate as v
from jsna.indicators.methods._validate import DEFAULT_SEED
from jsna.indicators.methods.quantiles import assign_quantiles

__all__ = [
    "DEFAULT_SEED",
    "HEAT_MEASURES",
    "absolute_concentration_index",
    "between_group_standard_deviation",
    "between_group_variance",
    "coefficient_of_variation",
    "deprivation_quantiles",
    "difference",
    "index_of_disparity",
    "mean_difference_from_best",
    "mean_difference_from_mean",
    "mean_difference_from_reference",
    "mean_log_deviation",
    "population_attributable_fraction",
    "population_attributable_risk",
    "quantile_label",
    "ratio",
    "relative_concentration_index",
    "slope_index_of_inequality",
    "theil_index",
]

ValueType = Literal["normal", "rate", "proportion"]


# -- shared machinery ---------------------------------------------------------------------------
class _Groups:
    """Rows sorted by group (then by ``order``), with the positions each group starts at."""

    def __init__(self, data: pd.DataFrame, by: list[str], order: np.ndarray | None = None) -> None:
        codes, keys = v.group_codes(data, by)
        sort_keys = (codes,) if order is None else (order, codes)
        self.order = np.lexsort(sort_keys)
        self.codes = codes[self.order]
        self.keys = keys
        self.n = len(keys)
        boundary = (
            np.r_[True, self.codes[1:] != self.codes[:-1]]
            if len(self.codes)
            else np.array([], bool)
        )
        self.starts = np.flatnonzero(boundary)
        self.sizes = np.diff(np.r_[self.starts, len(self.codes)])
        self.group_of_start = self.codes[self.starts]  # group code of each run
        self.row_group = np.repeat(np.arange(len(self.starts)), self.sizes)

    def take(self, values: np.ndarray) -> np.ndarray:
        return values[self.order]

    def sum(self, x: np.ndarray) -> np.ndarray:
        """Sum within groups along axis 0 (rows sorted); one row per run of the group."""
        return np.add.reduceat(x, self.starts, axis=0)

    def spread(self, per_group: np.ndarray) -> np.ndarray:
        """A per-group array repeated onto the group's rows."""
        return per_group[self.row_group]

    def finish(self, by: list[str], columns: dict[str, np.ndarray]) -> pd.DataFrame:
        """Output frame in group-key order (columns are indexed by run, i.e. sorted codes)."""
        keys = self.keys.iloc[self.group_of_start].reset_index(drop=True) if by else None
        out = pd.DataFrame(index=pd.RangeIndex(len(self.starts))) if keys is None else keys.copy()
        for name, value in columns.items():
            out[name] = value
        if by and len(out) > 1:
            out = out.sort_values(by, kind="stable", na_position="last").reset_index(drop=True)
        return out


def _standard_error(
    data: pd.DataFrame,
    value: np.ndarray,
    *,
    se: str | None,
    lower_ci: str | None,
    upper_ci: str | None,
    transform: Callable[[np.ndarray], np.ndarray] | None = None,
    ci_confidence: float = 0.95,
) -> np.ndarray:
    """Standard error from a column, or from 95% limits as (U - L) / (2 z) on the transformed scale."""
    if se is not None:
        s = v.numeric(data, se, "se")
        v.check_non_negative(data, s, se, "se")
        return s
    if lower_ci is None or upper_ci is None:
        raise ValueError(
            "give se=, or both lower_ci= and upper_ci= (the value's 95% confidence limits)"
        )
    lo = v.numeric(data, lower_ci, "lower_ci")
    up = v.numeric(data, upper_ci, "upper_ci")
    v.check_not_greater(data, lo, up, lower_ci, upper_ci, "lower_ci", "upper_ci")
    f = transform or (lambda x: x)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (f(up) - f(lo)) / (2 * v.z_for(ci_confidence))


def _check_range(
    data: pd.DataFrame, values: np.ndarray, column: str, role: str, value_type: str
) -> None:
    if value_type == "rate":
        v.check_positive(data, values, column, role)
    elif value_type == "proportion":
        bad = (values <= 0) | (values >= 1)
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            raise ValueError(
                f"{role} must be a proportion strictly between 0 and 1 for value_type "
                f"'proportion', got {values[pos]!r} (column {column!r}, row {data.index[pos]})"
            )


def _link(
    value_type: str,
) -> tuple[Callable[[np.ndarray], np.ndarray], Callable[[np.ndarray], np.ndarray]]:
    """(transform, inverse) for a value type: identity, log/exp or logit/expit."""
    if value_type == "rate":
        return np.log, np.exp
    if value_type == "proportion":
        from scipy.special import expit, logit

        return logit, expit
    return (lambda x: x), (lambda x: x)


def _positions(repetitions: int, level: float) -> tuple[int, int]:
    """0-based order statistics taken as limits: round(R(1 - c)) and round(R c), c = level + (1-level)/2."""
    upper_p = level + (1 - level) / 2
    lo = int(np.round(repetitions * (1 - upper_p)))
    hi = int(np.round(repetitions * upper_p))
    return max(lo - 1, 0), min(max(hi - 1, 0), repetitions - 1)


def _order_statistics(
    sims: np.ndarray, levels: tuple[float, ...]
) -> dict[float, tuple[np.ndarray, np.ndarray]]:
    reps = sims.shape[1]
    wanted = sorted({p for level in levels for p in _positions(reps, level)})
    part = np.partition(sims, wanted, axis=1)
    return {
        level: (part[:, _positions(reps, level)[0]], part[:, _positions(reps, level)[1]])
        for level in levels
    }


def _blocks(groups: _Groups, max_rows: int = 2_000) -> list[slice]:
    """Consecutive runs of whole groups with at most ``max_rows`` rows each (at least one group)."""
    ends = (
        np.r_[groups.starts[1:], groups.starts[-1] + groups.sizes[-1]]
        if len(groups.starts)
        else np.array([])
    )
    blocks, g0, n_groups = [], 0, len(groups.starts)
    while g0 < n_groups:
        g1 = int(np.searchsorted(ends, groups.starts[g0] + max_rows, side="right"))
        g1 = max(g1, g0 + 1)
        blocks.append(slice(g0, g1))
        g0 = g1
    return blocks


def _row_draws(
    groups: _Groups, mean: np.ndarray, se: np.ndarray
) -> Callable[[np.random.Generator, slice, int], np.ndarray]:
    """A draw function giving each row of a block ``n`` values from N(mean, se) (float32, rows x n)."""
    m32, s32 = mean.astype(np.float32), se.astype(np.float32)

    def draw(rng: np.random.Generator, block: slice, n: int) -> np.ndarray:
        r0 = groups.starts[block.start]
        r1 = r0 + int(groups.sizes[block].sum())
        out = rng.standard_normal((r1 - r0, n), dtype=np.float32)
        out *= s32[r0:r1, None]
        out += m32[r0:r1, None]
        return out

    return draw


def _simulate(
    groups: _Groups,
    draw: Callable[[np.random.Generator, slice, int], np.ndarray],
    statistic: Callable[[np.ndarray, slice], list[np.ndarray]],
    repetitions: int,
    seed: int | np.random.Generator | None,
    levels: tuple[float, ...],
    *,
    n_out: int = 1,
    rows_per_draw: int = 1,
    budget: int = 2_000_000,
) -> list[dict[float, tuple[np.ndarray, np.ndarray]]]:
    """Simulated limits of per-group statistics.

    ``draw(rng, block, n)`` gives ``n`` random draws for a block of whole groups and
    ``statistic(draws, block)`` reduces them to ``n_out`` arrays (groups-in-block x n). Blocks of
    groups run on all cores, each from its own stream spawned from ``seed`` (the split into
    blocks depends only on the data, so the result is reproducible); each block's draws are
    made in chunks, so memory stays near ``budget`` numbers per thread however many groups and
    repetitions there are. Only the order statistics are kept (see :func:`_order_statistics`).
    """
    import os
    from concurrent.futures import ThreadPoolExecutor

    n_groups = len(groups.starts)
    limits = [
        {level: (np.empty(n_groups), np.empty(n_groups)) for level in levels} for _ in range(n_out)
    ]
    blocks = _blocks(groups, max_rows=max(1, 20_000_000 // (repetitions * 8)))
    if isinstance(seed, np.random.Generator):
        seed = int(seed.integers(2**63))
    streams = np.random.SeedSequence(DEFAULT_SEED if seed is None else seed).spawn(len(blocks))

    def run(i: int) -> None:
        block = blocks[i]
        rng = np.random.Generator(np.random.PCG64(streams[i]))
        rows = (
            int(groups.sizes[block].sum())
            if rows_per_draw == 1
            else (block.stop - block.start) * rows_per_draw
        )
        chunk = max(1, min(repetitions, budget // max(rows, 1)))
        sims = [
            np.empty((block.stop - block.start, repetitions), dtype=np.float32)
            for _ in range(n_out)
        ]
        for c0 in range(0, repetitions, chunk):
            c1 = min(repetitions, c0 + chunk)
            for sim, res in zip(sims, statistic(draw(rng, block, c1 - c0), block), strict=True):
                sim[:, c0:c1] = res
        for lim, sim in zip(limits, sims, strict=True):
            for level, (lo, hi) in _order_statistics(sim, levels).items():
                lim[level][0][block], lim[level][1][block] = lo, hi

    workers = min(len(blocks), os.cpu_count() or 1)
    if workers <= 1:
        for i in range(len(blocks)):
            run(i)
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(run, range(len(blocks))))
    return limits


def _block_sum(x: np.ndarray, groups: _Groups, block: slice) -> np.ndarray:
    starts = groups.starts[block] - groups.starts[block.start]
    return np.add.reduceat(x, starts, axis=0)


def _weighted_block_sums(
    y: np.ndarray, w1: np.ndarray, w2: np.ndarray, groups: _Groups, block: slice
) -> tuple[np.ndarray, np.ndarray]:
    """Within-group sums of ``w1 * y`` and ``w2 * y`` (rows x draws) for a block of groups.

    When every group of the block has the same number of rows, the sums run over the
    row positions in order, adding the same products in the same order as
    :func:`numpy.add.reduceat` (so the same float32 values) without the product arrays.
    """
    sizes = groups.sizes[block]
    if sizes.size == 0 or (sizes != sizes[0]).any():
        return (
            _block_sum(w1[:, None] * y, groups, block),
            _block_sum(w2[:, None] * y, groups, block),
        )
    k = int(sizes[0])
    yg = y.reshape(sizes.size, k, y.shape[1])
    a1, a2 = w1.reshape(sizes.size, k), w2.reshape(sizes.size, k)
    s1 = a1[:, 0, None] * yg[:, 0]
    s2 = a2[:, 0, None] * yg[:, 0]
    tmp = np.empty_like(s1)
    for j in range(1, k):
        np.multiply(a1[:, j, None], yg[:, j], out=tmp)
        s1 += tmp
        np.multiply(a2[:, j, None], yg[:, j], out=tmp)
        s2 += tmp
    return s1, s2


def _limit_names(prefix: str, level: float) -> tuple[str, str]:
    label = v.level_label(level)
    return f"{prefix}lower_ci_{label}", f"{prefix}upper_ci_{label}"


# -- slope and relative index of inequality ------------------------------------------------------
def slope_index_of_inequality(
    data: pd.DataFrame,
    *,
    value: str,
    population: str,
    quantile: str,
    by: str | Sequence[str] | None = None,
    lower_ci: str | None = None,
    upper_ci: str | None = None,
    se: str | None = None,
    value_type: ValueType = "normal",
    confidence: v.Confidence = 0.95,
    repetitions: int = 100_000,
    transform: bool = False,
    rii: bool = True,
    intercept: bool = False,
    multiplier: float = 1,
    seed: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """Slope (and relative) index of inequality across ordered quantiles; one row per group.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per group and quantile (e.g. area × deprivation decile).
    value, population, quantile : str
        Indicator value, population of the quantile, and quantile number. Quantiles are
        ordered by number; by the OHID convention 1 is the most deprived.
    by : str or list of str, optional
        Grouping columns; every group must have every quantile found in ``data``.
    lower_ci, upper_ci : str, optional
        95% confidence limits of ``value``; the standard error is
        :math:`(g(U) - g(L)) / (2 \\times 1.96)` on the transformed scale *g* (identity for
        ``normal``, log for ``rate``, logit for ``proportion``).
    se : str, optional
        Standard error, used as given (on the transformed scale for rates and proportions).
    value_type : {"normal", "rate", "proportion"}
        Distribution the quantile values are drawn from in the simulation.
    confidence : float or tuple of float
        Levels of the simulated limits (default 95%).
    repetitions : int
        Simulation size, at least 1,000 (default 100,000 as the reference).
    transform : bool
        Fit the regression on the log (rates) or logit (proportions) scale and back-transform:
        SII is then :math:`g^{-1}(\\alpha + \\beta) - g^{-1}(\\alpha)`.
    rii, intercept : bool
        Also return the RII (with limits) and the intercept.
    multiplier : float
        Scales the SII and its limits (e.g. 100 for percentages). A negative multiplier
        reverses the sign convention: the SII changes sign, the RII is inverted and the
        intercept becomes the fitted value at the other end of the scale.
    seed : int or numpy.random.Generator, optional
        Simulation seed (default :data:`DEFAULT_SEED`).

    Returns
    -------
    pandas.DataFrame
        ``by`` columns, ``sii``, ``sii_lower_ci_95``, ``sii_upper_ci_95`` (one pair per level),
        ``rii`` and its limits (when ``rii``), ``intercept`` (when ``intercept``),
        ``quantiles``, ``method`` and ``note``.

    Notes
    -----
    With :math:`a_j` the share of the group's population in quantile *j* and
    :math:`b_j = \\sum_{k<j} a_k + a_j/2` its mid-point rank, the model
    :math:`y_j\\sqrt{a_j} = \\alpha\\sqrt{a_j} + \\beta\\, b_j\\sqrt{a_j}` is fitted by least
    squares (Low & Low), i.e. weighted least squares with weights :math:`a_j`:

    .. math::

        \\beta = \\frac{\\sum_j a_j (b_j - \\bar b)(y_j - \\bar y)}{\\sum_j a_j (b_j - \\bar b)^2},
        \\qquad \\alpha = \\bar y - \\beta \\bar b,

    with :math:`\\bar b = \\sum a_j b_j`, :math:`\\bar y = \\sum a_j y_j`. SII :math:`= \\beta`
    (the fitted difference between ranks 1 and 0), RII :math:`= (\\alpha + \\beta)/\\alpha`.
    Limits: each quantile's value is drawn ``repetitions`` times from
    :math:`N(g(y_j), se_j)` and back-transformed (unless ``transform``), the regression is
    re-solved for every draw (the estimate is linear in *y*, so all draws of all groups are
    solved at once as matrix sums), and the order statistics at
    :math:`\\mathrm{round}(R(1-c))` and :math:`\\mathrm{round}(Rc)` with
    :math:`c = \\text{level} + (1-\\text{level})/2` are the limits, as in the reference.

    A group lacking a quantile, or with a missing value or limit, gets missing results and a
    ``note``; it is never dropped.

    References
    ----------
    Low A, Low A. Measuring the gap: quantifying and comparing local health inequalities.
    J Public Health 2004;26:388-395. OHID Public Health Technical Guidance, "Slope index of
    inequality". PHEindicatormethods ``phe_sii`` (R/SII_function.R, R/utils.R
    ``SimulationFunc``, ``FindXValues``).
    """
    by_ = v.normalise_by(by)
    levels = v.normalise_confidence(confidence)
    v.check_columns(
        data,
        value=value,
        population=population,
        quantile=quantile,
        lower_ci=lower_ci,
        upper_ci=upper_ci,
        se=se,
    )
    v.check_by(data, by_)
    if value_type not in ("normal", "rate", "proportion"):
        raise ValueError(f"value_type must be 'normal', 'rate' or 'proportion', got {value_type!r}")
    if transform and value_type == "normal":
        raise ValueError(
            "transform=True applies to value_type 'rate' (log) or 'proportion' (logit), "
            "not 'normal'"
        )
    if (
        isinstance(repetitions, bool)
        or not isinstance(repetitions, int | np.integer)
        or repetitions < 1000
    ):
        raise ValueError(f"repetitions must be a whole number >= 1000, got {repetitions!r}")
    if not np.isfinite(multiplier) or multiplier == 0:
        raise ValueError(f"multiplier must be a non-zero number, got {multiplier!r}")

    y = v.numeric(data, value, "value", allow_missing=True)
    pop = v.numeric(data, population, "population")
    v.check_positive(data, pop, population, "population")
    q = v.numeric(data, quantile, "quantile")
    ok_values = ~np.isnan(y)
    if ok_values.any():
        _check_range(data[ok_values], y[ok_values], value, "value", value_type)
    g_fun, g_inv = _link(value_type)
    if se is None and lower_ci is not None and upper_ci is not None:
        for col in (lower_ci, upper_ci):
            lim = v.numeric(data, col, col, allow_missing=True)
            fine = ~np.isnan(lim)
            if fine.any():
                _check_range(data[fine], lim[fine], col, col, value_type)
    sd = (
        _standard_error(data, y, se=se, lower_ci=lower_ci, upper_ci=upper_ci, transform=g_fun)
        if se is not None
        else _limits_se(data, lower_ci, upper_ci, g_fun)
    )

    groups = _Groups(data, by_, order=q)
    y_s, p_s, q_s, sd_s = (groups.take(x) for x in (y, pop, q, sd))
    n_quantiles = np.unique(q).size
    if not 2 <= n_quantiles <= 100:
        raise ValueError(
            f"the number of quantiles must be between 2 and 100, got {n_quantiles} "
            f"(column {quantile!r})"
        )
    dup = np.r_[False, (q_s[1:] == q_s[:-1]) & (groups.codes[1:] == groups.codes[:-1])]
    if dup.any():
        pos = groups.order[int(np.flatnonzero(dup)[0])]
        raise ValueError(
            f"quantile {q[pos]!r} appears twice in one group (column {quantile!r}, "
            f"row {data.index[pos]})"
        )

    # weights, mid-point ranks and the closed-form regression coefficients per row
    total = groups.sum(p_s)
    a = p_s / groups.spread(total)
    cum_before = np.cumsum(a) - a - groups.spread(np.cumsum(groups.sum(a)) - groups.sum(a))
    b = cum_before + a / 2
    b_bar = groups.sum(a * b)
    s_bb = groups.sum(a * (b - groups.spread(b_bar)) ** 2)
    c = a * (b - groups.spread(b_bar)) / groups.spread(s_bb)  # beta = sum(c * y)
    d = a - c * groups.spread(b_bar)  # alpha = sum(d * y)

    notes = np.full(len(groups.starts), None, dtype=object)
    notes[groups.sizes < n_quantiles] = f"fewer than the {n_quantiles} quantiles in the data"
    bad_row = np.isnan(y_s) | np.isnan(sd_s)
    bad = groups.sum(bad_row.astype(float)) > 0
    notes[bad & (groups.sizes >= n_quantiles)] = "missing value or confidence limits in a quantile"
    invalid = np.array([n is not None for n in notes], dtype=bool)

    y_fit = g_fun(y_s) if transform else y_s
    with np.errstate(invalid="ignore"):
        alpha = groups.sum(d * np.nan_to_num(y_fit))
        beta = groups.sum(c * np.nan_to_num(y_fit))
    sii_v, rii_v, icpt = _sii_outputs(alpha, beta, transform, g_inv, multiplier)

    mean_t = np.where(bad_row, 0.0, g_fun(np.where(bad_row, 0.5, y_s)))
    sd_use = np.where(bad_row, 0.0, sd_s)
    levels_all = levels
    n_out = 2 if rii else 1  # the RII's draws are only ordered when it is asked for
    if value_type == "normal":
        # alpha and beta are linear in the draws: exactly bivariate normal, so draw them directly
        var_b = groups.sum(c * c * sd_use**2)
        var_a = groups.sum(d * d * sd_use**2)
        cov = groups.sum(c * d * sd_use**2)
        sb = np.sqrt(var_b)
        with np.errstate(divide="ignore", invalid="ignore"):
            k = np.where(sb > 0, cov / sb, 0.0)
        sa = np.sqrt(np.maximum(var_a - k * k, 0.0))

        def draw(rng: np.random.Generator, block: slice, n: int) -> np.ndarray:
            return rng.standard_normal((2, block.stop - block.start, n))

        def statistic(z: np.ndarray, block: slice) -> list[np.ndarray]:
            be = beta[block, None] + sb[block, None] * z[0]
            al = alpha[block, None] + k[block, None] * z[0] + sa[block, None] * z[1]
            s_, r_, _ = _sii_outputs(al, be, False, g_inv, multiplier)
            return [s_, r_] if rii else [s_]

        sims = _simulate(
            groups,
            draw,
            statistic,
            int(repetitions),
            seed,
            levels_all,
            n_out=n_out,
            rows_per_draw=2,
        )
    else:
        d32, c32 = d.astype(np.float32), c.astype(np.float32)

        def statistic(z: np.ndarray, block: slice) -> list[np.ndarray]:
            r0 = groups.starts[block.start]
            rows = slice(r0, r0 + int(groups.sizes[block].sum()))
            if not transform:
                # the draws are this call's own: back-transform in place (exp or expit, ufuncs)
                cast(np.ufunc, g_inv)(z, out=z)
            al, be = _weighted_block_sums(z, d32[rows], c32[rows], groups, block)
            s_, r_, _ = _sii_outputs(al, be, transform, g_inv, multiplier)
            return [s_, r_] if rii else [s_]

        sims = _simulate(
            groups,
            _row_draws(groups, mean_t, sd_use),
            statistic,
            int(repetitions),
            seed,
            levels_all,
            n_out=n_out,
        )
    columns: dict[str, np.ndarray] = {"sii": np.where(invalid, np.nan, sii_v)}
    limits_sii, limits_rii = sims[0], sims[-1]
    for level in levels:
        lo, up = _limit_names("sii_", level)
        columns[lo] = np.where(invalid, np.nan, limits_sii[level][0])
        columns[up] = np.where(invalid, np.nan, limits_sii[level][1])
    if rii:
        columns["rii"] = np.where(invalid, np.nan, rii_v)
        for level in levels:
            lo, up = _limit_names("rii_", level)
            columns[lo] = np.where(invalid, np.nan, limits_rii[level][0])
            columns[up] = np.where(invalid, np.nan, limits_rii[level][1])
    if intercept:
        columns["intercept"] = np.where(invalid, np.nan, icpt)
    columns["quantiles"] = groups.sizes.astype("int64")
    scale = {
        "normal": "",
        "rate": ", log scale" if transform else "",
        "proportion": ", logit scale" if transform else "",
    }
    columns["method"] = np.full(
        len(groups.starts),
        f"Low & Low weighted regression{scale[value_type]}; "
        f"simulated limits ({int(repetitions):,} repetitions)",
        dtype=object,
    )
    columns["note"] = notes
    out = groups.finish(by_, columns)
    out["method"] = out["method"].astype("str")
    out["note"] = v.as_note_series(out["note"].to_numpy())
    return out


def _limits_se(
    data: pd.DataFrame,
    lower_ci: str | None,
    upper_ci: str | None,
    g_fun: Callable[[np.ndarray], np.ndarray],
) -> np.ndarray:
    if lower_ci is None or upper_ci is None:
        raise ValueError(
            "give se=, or both lower_ci= and upper_ci= (the value's 95% confidence limits)"
        )
    lo = v.numeric(data, lower_ci, "lower_ci", allow_missing=True)
    up = v.numeric(data, upper_ci, "upper_ci", allow_missing=True)
    both = ~np.isnan(lo) & ~np.isnan(up)
    if both.any():
        v.check_not_greater(
            data[both], lo[both], up[both], lower_ci, upper_ci, "lower_ci", "upper_ci"
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        return (g_fun(up) - g_fun(lo)) / (2 * v.z_for(0.95))


def _sii_outputs(
    alpha: np.ndarray,
    beta: np.ndarray,
    transform: bool,
    g_inv: Callable[[np.ndarray], np.ndarray],
    multiplier: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(SII, RII, intercept) from the fitted coefficients, with the multiplier's sign convention."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if transform:
            at0, at1 = g_inv(alpha), g_inv(alpha + beta)
        else:
            at0, at1 = alpha, alpha + beta
        sii = multiplier * (at1 - at0)
        rii = at1 / at0
        if multiplier < 0:
            rii = 1 / rii
            icpt = abs(multiplier) * at1
        else:
            icpt = multiplier * at0
    return sii, rii, icpt


# -- WHO HEAT summary measures ----------------------------------------------------------------------
class _Heat:
    """Prepared inputs shared by the HEAT measures."""

    def __init__(
        self,
        data: pd.DataFrame,
        *,
        value: str,
        by: str | Sequence[str] | None,
        population: str | None,
        order: str | None,
        se: str | None,
        lower_ci: str | None,
        upper_ci: str | None,
        setting_average: str | None,
        need_population: bool,
        need_order: bool,
        need_se: bool,
    ) -> None:
        self.by = v.normalise_by(by)
        v.check_columns(
            data,
            value=value,
            population=population,
            order=order,
            se=se,
            lower_ci=lower_ci,
            upper_ci=upper_ci,
            setting_average=setting_average,
        )
        v.check_by(data, self.by)
        if need_population and population is None:
            raise ValueError("this measure weights subgroups by their population: give population=")
        if need_order and order is None:
            raise ValueError(
                "this measure needs ordered subgroups: give order= (1 = most disadvantaged)"
            )
        y = v.numeric(data, value, "value")
        o = v.numeric(data, order, "order") if order is not None else None
        self.groups = _Groups(data, self.by, order=o)
        g = self.groups
        self.y = g.take(y)
        self.ordered = o is not None
        if o is not None:
            o_s = g.take(o)
            dup = np.r_[False, (o_s[1:] == o_s[:-1]) & (g.codes[1:] == g.codes[:-1])]
            if dup.any():
                pos = g.order[int(np.flatnonzero(dup)[0])]
                raise ValueError(
                    f"order {o[pos]!r} appears twice in one group (column {order!r}, row {data.index[pos]})"
                )
        if population is not None:
            p = v.numeric(data, population, "population")
            v.check_non_negative(data, p, population, "population")
            p_s = g.take(p)
            total = g.sum(p_s)
            if (total <= 0).any():
                raise ValueError(f"a group has a total population of 0 (column {population!r})")
            self.p = p_s / g.spread(total)
        else:
            self.p = 1 / g.spread(g.sizes.astype(float))
        self.n = g.sizes.astype(float)
        if setting_average is not None:
            mu = v.numeric(data, setting_average, "setting_average")
            mu_s = g.take(mu)
            first = mu_s[g.starts]
            if np.any(np.abs(mu_s - g.spread(first)) > 1e-9 * np.maximum(1, np.abs(first)).max()):
                raise ValueError(
                    f"setting_average must be the same on every row of a group (column {setting_average!r})"
                )
            self.mu_fixed: np.ndarray | None = first
        else:
            self.mu_fixed = None
        if need_se or se is not None or lower_ci is not None:
            if se is None and (lower_ci is None or upper_ci is None):
                raise ValueError(
                    "intervals need the subgroups' standard errors: give se=, or lower_ci= and upper_ci="
                )
            self.se: np.ndarray | None = g.take(
                _standard_error(data, y, se=se, lower_ci=lower_ci, upper_ci=upper_ci)
            )
        else:
            self.se = None
        if (g.sizes < 2).any():
            raise ValueError("every group needs at least two subgroups")

    def mean(
        self, yy: np.ndarray, groups_slice: slice | None = None, rows: slice | None = None
    ) -> np.ndarray:
        if self.mu_fixed is not None:
            mu = self.mu_fixed if groups_slice is None else self.mu_fixed[groups_slice]
            return mu[:, None] * np.ones((1, yy.shape[1]))
        p = self.p if rows is None else self.p[rows]
        if groups_slice is None:
            return self.groups.sum(p[:, None] * yy)
        return _block_sum(p[:, None] * yy, self.groups, groups_slice)


def _run_heat(
    h: _Heat,
    stat: Callable[..., np.ndarray],
    *,
    confidence: v.Confidence,
    repetitions: int,
    seed: int | np.random.Generator | None,
    measure: str,
    scale: float = 1.0,
    analytic_se: np.ndarray | None = None,
    log_scale: bool = False,
    flip: np.ndarray | None = None,
    weights: np.ndarray | None = None,
    row_data: np.ndarray | None = None,
) -> pd.DataFrame:
    """Point estimate and limits (analytic when ``analytic_se`` is given, else simulated).

    ``stat(yy, p, w, mu, rg, st)`` maps draws ``yy`` (rows x k) of a block of whole groups to
    (groups x k); ``p`` are population shares and ``w`` the measure's weights of those rows
    (columns), ``mu`` the groups' averages, ``rg`` each row's group and ``st`` the groups' starts
    within the block. With ``row_data`` (one value per sorted row), ``stat`` also gets that
    block's rows of it as a seventh argument (rows x 1).
    """
    levels = v.normalise_confidence(confidence)
    g = h.groups
    rows_all = slice(0, len(h.y))

    def apply(yy: np.ndarray, block: slice, rows: slice) -> np.ndarray:
        starts = g.starts[block] - g.starts[block.start]
        sizes = g.sizes[block]
        row_group = np.repeat(np.arange(len(starts)), sizes)
        mu = h.mean(yy, block, rows)
        w = h.p if weights is None else weights
        extra = () if row_data is None else (row_data[rows][:, None],)
        return stat(yy, h.p[rows][:, None], w[rows][:, None], mu, row_group, starts, *extra) * scale

    estimate = apply(h.y[:, None], slice(0, len(g.starts)), rows_all)[:, 0]
    columns: dict[str, np.ndarray] = {"value": estimate}
    if analytic_se is not None:
        for level in levels:
            z = v.z_for(level)
            lo, up = v.limit_columns(level)
            if log_scale:
                columns[lo], columns[up] = (
                    estimate * np.exp(-z * analytic_se),
                    estimate * np.exp(z * analytic_se),
                )
            else:
                columns[lo], columns[up] = (
                    estimate - z * analytic_se * scale,
                    estimate + z * analytic_se * scale,
                )
        columns["se"] = analytic_se * (1 if log_scale else scale)
        method = "analytic"
    elif h.se is not None:
        if (
            isinstance(repetitions, bool)
            or not isinstance(repetitions, int | np.integer)
            or repetitions < 100
        ):
            raise ValueError(f"repetitions must be a whole number >= 100, got {repetitions!r}")

        def statistic(draws: np.ndarray, block: slice) -> list[np.ndarray]:
            r0 = g.starts[block.start]
            rows = slice(r0, r0 + int(g.sizes[block].sum()))
            return [apply(draws, block, rows)]

        limits = _simulate(g, _row_draws(g, h.y, h.se), statistic, int(repetitions), seed, levels)[
            0
        ]
        for level in levels:
            lo, up = v.limit_columns(level)
            columns[lo], columns[up] = limits[level]
        method = f"simulation ({int(repetitions):,} repetitions)"
    else:
        method = "no interval (no standard errors given)"
    if flip is not None:
        sign = np.where(flip, -1.0, 1.0)
        columns["value"] = columns["value"] * sign
        for level in levels:
            lo, up = v.limit_columns(level)
            if lo in columns:
                a_, b_ = columns[lo] * sign, columns[up] * sign
                columns[lo], columns[up] = np.minimum(a_, b_), np.maximum(a_, b_)
    columns["subgroups"] = g.sizes.astype("int64")
    columns["measure"] = np.full(len(g.starts), measure, dtype=object)
    columns["method"] = np.full(len(g.starts), method, dtype=object)
    out = g.finish(h.by, columns)
    for col in ("measure", "method"):
        out[col] = out[col].astype("str")
    return out


def _extreme_rows(h: _Heat, favourable: bool) -> tuple[np.ndarray, np.ndarray]:
    """Row positions (in sorted order) of the advantaged/best and disadvantaged/worst subgroup per group."""
    g = h.groups
    last = g.starts + g.sizes - 1
    if h.ordered:
        return (
            last,
            g.starts.copy(),
        )  # most advantaged (highest order), most disadvantaged (order 1)
    hi = np.array(
        [s + int(np.argmax(h.y[s : s + n])) for s, n in zip(g.starts, g.sizes, strict=True)]
    )
    lo = np.array(
        [s + int(np.argmin(h.y[s : s + n])) for s, n in zip(g.starts, g.sizes, strict=True)]
    )
    return hi, lo


def difference(
    data: pd.DataFrame,
    *,
    value: str,
    by: str | Sequence[str] | None = None,
    order: str | None = None,
    se: str | None = None,
    lower_ci: str | None = None,
    upper_ci: str | None = None,
    favourable: bool = True,
    confidence: v.Confidence = 0.95,
    positive_is_more_inequality: bool = False,
) -> pd.DataFrame:
    """Difference between two subgroups (HEAT "D"); one row per group.

    Notes
    -----
    Ordered dimensions (``order`` given, 1 = most disadvantaged): :math:`D = y_{adv} - y_{dis}`,
    most advantaged minus most disadvantaged. Non-ordered: highest minus lowest estimate.
    :math:`SE = \\sqrt{se_1^2 + se_2^2}`, limits :math:`D \\pm z\\,SE` (analytic, as HEAT).
    With ``positive_is_more_inequality`` an ordered adverse indicator (``favourable=False``)
    has its sign reversed, so that a positive value always means the disadvantaged fare worse.

    References
    ----------
    World Health Organization. Health Equity Assessment Toolkit (HEAT): technical notes.
    Geneva: WHO; 2021 ("Difference"). Hosseinpoor AR et al. Int J Equity Health 2016;15:112.
    """
    h = _Heat(
        data,
        value=value,
        by=by,
        population=None,
        order=order,
        se=se,
        lower_ci=lower_ci,
        upper_ci=upper_ci,
        setting_average=None,
        need_population=False,
        need_order=False,
        need_se=False,
    )
    hi, lo = _extreme_rows(h, favourable)
    analytic = np.sqrt(h.se[hi] ** 2 + h.se[lo] ** 2) if h.se is not None else None

    def stat(
        yy: np.ndarray, p: np.ndarray, w: np.ndarray, mu: np.ndarray, rg: np.ndarray, st: np.ndarray
    ) -> np.ndarray:
        return yy[hi] - yy[lo]

    flip = np.full(len(hi), positive_is_more_inequality and h.ordered and not favourable)
    return _run_heat(
        h,
        stat,
        confidence=confidence,
        repetitions=0,
        seed=None,
        measure="Difference",
        analytic_se=analytic if analytic is not None else np.full(len(hi), np.nan),
        flip=flip,
    )


def ratio(
    data: pd.DataFrame,
    *,
    value: str,
    by: str | Sequence[str] | None = None,
    order: str | None = None,
    se: str | None = None,
    lower_ci: str | None = None,
    upper_ci: str | None = None,
    favourable: bool = True,
    confidence: v.Confidence = 0.95,
    positive_is_more_inequality: bool = False,
) -> pd.DataFrame:
    """Ratio of two subgroups (HEAT "R"); one row per group.

    Notes
    -----
    :math:`R = y_{adv} / y_{dis}` for ordered dimensions, highest over lowest otherwise.
    :math:`SE(\\ln R) = \\sqrt{(se_1/y_1)^2 + (se_2/y_2)^2}`, limits
    :math:`R\\,e^{\\pm z\\,SE}` (analytic). With ``positive_is_more_inequality`` an ordered
    adverse indicator's ratio is inverted, so that a ratio above 1 always means inequality.

    References
    ----------
    WHO. HEAT technical notes; 2021 ("Ratio").
    """
    h = _Heat(
        data,
        value=value,
        by=by,
        population=None,
        order=order,
        se=se,
        lower_ci=lower_ci,
        upper_ci=upper_ci,
        setting_average=None,
        need_population=False,
        need_order=False,
        need_se=False,
    )
    hi, lo = _extreme_rows(h, favourable)
    if (h.y[lo] == 0).any():
        raise ValueError("ratio: the denominator subgroup has a value of 0")
    inv = positive_is_more_inequality and h.ordered and not favourable
    num, den = (lo, hi) if inv else (hi, lo)
    analytic = (
        np.sqrt((h.se[num] / h.y[num]) ** 2 + (h.se[den] / h.y[den]) ** 2)
        if h.se is not None
        else np.full(len(hi), np.nan)
    )

    def stat(
        yy: np.ndarray, p: np.ndarray, w: np.ndarray, mu: np.ndarray, rg: np.ndarray, st: np.ndarray
    ) -> np.ndarray:
        return yy[num] / yy[den]

    return _run_heat(
        h,
        stat,
        confidence=confidence,
        repetitions=0,
        seed=None,
        measure="Ratio",
        analytic_se=analytic,
        log_scale=True,
    )


def _reference_draw(
    h: _Heat, yy: np.ndarray, rg: np.ndarray, st: np.ndarray, favourable: bool
) -> np.ndarray:
    """Value of the reference subgroup per group and draw: most advantaged (ordered) or best."""
    if h.ordered:
        ends = np.r_[st[1:], yy.shape[0]] - 1
        return yy[ends]
    return (
        np.maximum.reduceat(yy, st, axis=0) if favourable else np.minimum.reduceat(yy, st, axis=0)
    )


def _attributable_risk(
    h: _Heat, yy: np.ndarray, mu: np.ndarray, rg: np.ndarray, st: np.ndarray, favourable: bool
) -> np.ndarray:
    """PAR of each draw: the reference group's value less the average, and 0 where the reference
    does no better than the average (HEAT's rule; shared by PAR and PAF)."""
    par = _reference_draw(h, yy, rg, st, favourable) - mu
    return np.maximum(par, 0) if favourable else np.minimum(par, 0)


def population_attributable_risk(
    data: pd.DataFrame,
    *,
    value: str,
    population: str,
    by: str | Sequence[str] | None = None,
    order: str | None = None,
    se: str | None = None,
    lower_ci: str | None = None,
    upper_ci: str | None = None,
    setting_average: str | None = None,
    favourable: bool = True,
    confidence: v.Confidence = 0.95,
    repetitions: int = 10_000,
    seed: int | np.random.Generator | None = None,
    positive_is_more_inequality: bool = False,
) -> pd.DataFrame:
    """Population attributable risk (HEAT "PAR"); one row per group.

    Notes
    -----
    :math:`PAR = y_{ref} - \\mu`, where :math:`y_{ref}` is the most advantaged subgroup
    (ordered dimensions) or the best-performing one (highest for a favourable indicator,
    lowest for an adverse one) and :math:`\\mu` the setting average (``setting_average``, else
    :math:`\\sum p_j y_j`). As in HEAT, PAR is 0 when the reference does no better than the
    average (it is >= 0 for favourable and <= 0 for adverse indicators). Limits by simulation;
    ``positive_is_more_inequality`` returns :math:`|PAR|`.

    References
    ----------
    WHO. HEAT technical notes; 2021 ("Population attributable risk").
    """
    h = _Heat(
        data,
        value=value,
        by=by,
        population=population,
        order=order,
        se=se,
        lower_ci=lower_ci,
        upper_ci=upper_ci,
        setting_average=setting_average,
        need_population=True,
        need_order=False,
        need_se=False,
    )

    def stat(
        yy: np.ndarray, p: np.ndarray, w: np.ndarray, mu: np.ndarray, rg: np.ndarray, st: np.ndarray
    ) -> np.ndarray:
        return _attributable_risk(h, yy, mu, rg, st, favourable)

    flip = np.full(len(h.groups.starts), positive_is_more_inequality and not favourable)
    return _run_heat(
        h,
        stat,
        confidence=confidence,
        repetitions=repetitions,
        seed=seed,
        measure="Population attributable risk",
        flip=flip,
    )


def population_attributable_fraction(
    data: pd.DataFrame,
    *,
    value: str,
    population: str,
    by: str | Sequence[str] | None = None,
    order: str | None = None,
    se: str | None = None,
    lower_ci: str | None = None,
    upper_ci: str | None = None,
    setting_average: str | None = None,
    favourable: bool = True,
    confidence: v.Confidence = 0.95,
    repetitions: int = 10_000,
    seed: int | np.random.Generator | None = None,
    positive_is_more_inequality: bool = False,
) -> pd.DataFrame:
    """Population attributable fraction, % (HEAT "PAF"); one row per group.

    Notes
    -----
    :math:`PAF = 100 \\times PAR / \\mu` (see :func:`population_attributable_risk`); limits by
    simulation.

    References
    ----------
    WHO. HEAT technical notes; 2021 ("Population attributable fraction").
    """
    h = _Heat(
        data,
        value=value,
        by=by,
        population=population,
        order=order,
        se=se,
        lower_ci=lower_ci,
        upper_ci=upper_ci,
        setting_average=setting_average,
        need_population=True,
        need_order=False,
        need_se=False,
    )

    def stat(
        yy: np.ndarray, p: np.ndarray, w: np.ndarray, mu: np.ndarray, rg: np.ndarray, st: np.ndarray
    ) -> np.ndarray:
        return _attributable_risk(h, yy, mu, rg, st, favourable) / mu

    flip = np.full(len(h.groups.starts), positive_is_more_inequality and not favourable)
    return _run_heat(
        h,
        stat,
        confidence=confidence,
        repetitions=repetitions,
        seed=seed,
        scale=100.0,
        measure="Population attributable fraction",
        flip=flip,
    )


def between_group_variance(
    data: pd.DataFrame,
    *,
    value: str,
    population: str,
    by: str | Sequence[str] | None = None,
    se: str | None = None,
    lower_ci: str | None = None,
    upper_ci: str | None = None,
    setting_average: str | None = None,
    confidence: v.Confidence = 0.95,
) -> pd.DataFrame:
    """Between-group variance (HEAT "BGV"); one row per group.

    Notes
    -----
    :math:`BGV = \\sum_j p_j (y_j - \\mu)^2`. Treating :math:`\\mu` as fixed and
    :math:`y_j \\sim N(y_j, se_j^2)` independent,
    :math:`\\operatorname{Var}(BGV) = \\sum_j p_j^2 \\left[4 (y_j - \\mu)^2 se_j^2 + 2 se_j^4\\right]`
    (exact for normal subgroup estimates); limits :math:`BGV \\pm z\\,SE`.

    References
    ----------
    WHO. HEAT technical notes; 2021 ("Between-group variance").
    """
    h = _Heat(
        data,
        value=value,
        by=by,
        population=population,
        order=None,
        se=se,
        lower_ci=lower_ci,
        upper_ci=upper_ci,
        setting_average=setting_average,
        need_population=True,
        need_order=False,
        need_se=False,
    )
    g = h.groups
    mu = h.mean(h.y[:, None])[:, 0]
    analytic = None
    if h.se is not None:
        dev = h.y - g.spread(mu)
        analytic = np.sqrt(g.sum(h.p**2 * (4 * dev**2 * h.se**2 + 2 * h.se**4)))

    def stat(
        yy: np.ndarray,
        p: np.ndarray,
        w: np.ndarray,
        mu_: np.ndarray,
        rg: np.ndarray,
        st: np.ndarray,
    ) -> np.ndarray:
        return np.add.reduceat(p * (yy - mu_[rg]) ** 2, st, axis=0)

    return _run_heat(
        h,
        stat,
        confidence=confidence,
        repetitions=0,
        seed=None,
        measure="Between-group variance",
        analytic_se=analytic if analytic is not None else np.full(len(g.starts), np.nan),
    )


def _simulated_measure(
    name: str,
    kernel: Callable[..., np.ndarray],
    *,
    needs_population: bool,
    needs_order: bool,
    scale: float,
    doc: str,
) -> Callable[..., pd.DataFrame]:
    """Build a HEAT measure whose limits are simulated (shared signature, one docstring each)."""

    def measure(
        data: pd.DataFrame,
        *,
        value: str,
        population: str | None = None,
        by: str | Sequence[str] | None = None,
        order: str | None = None,
        se: str | None = None,
        lower_ci: str | None = None,
        upper_ci: str | None = None,
        setting_average: str | None = None,
        weighted: bool = True,
        favourable: bool = True,
        confidence: v.Confidence = 0.95,
        repetitions: int = 10_000,
        seed: int | np.random.Generator | None = None,
        positive_is_more_inequality: bool = False,
    ) -> pd.DataFrame:
        need_pop = needs_population or weighted
        h = _Heat(
            data,
            value=value,
            by=by,
            population=population,
            order=order,
            se=se,
            lower_ci=lower_ci,
            upper_ci=upper_ci,
            setting_average=setting_average,
            need_population=need_pop,
            need_order=needs_order,
            need_se=False,
        )
        w = h.p if weighted else 1 / h.groups.spread(h.n)

        def stat(
            yy: np.ndarray,
            p: np.ndarray,
            w_: np.ndarray,
            mu: np.ndarray,
            rg: np.ndarray,
            st: np.ndarray,
        ) -> np.ndarray:
            return kernel(yy=yy, p=p, w=w_, mu=mu, rg=rg, st=st, favourable=favourable)

        flip = None
        if (
            positive_is_more_inequality
            and not favourable
            and name in {"Absolute concentration index", "Relative concentration index"}
        ):
            flip = np.full(len(h.groups.starts), True)
        label = (
            name
            if needs_population or name in {"Theil index", "Mean log deviation"}
            else f"{name} ({'weighted' if weighted else 'unweighted'})"
        )
        return _run_heat(
            h,
            stat,
            confidence=confidence,
            repetitions=repetitions,
            seed=seed,
            scale=scale,
            measure=label,
            flip=flip,
            weights=w,
        )

    measure.__doc__ = doc
    measure.__name__ = name.lower().replace(" ", "_")
    return measure


def _k_idis(
    *,
    yy: np.ndarray,
    p: np.ndarray,
    w: np.ndarray,
    mu: np.ndarray,
    rg: np.ndarray,
    st: np.ndarray,
    favourable: bool,
) -> np.ndarray:
    return np.add.reduceat(w * np.abs(yy - mu[rg]), st, axis=0) / mu


def _k_mdm(
    *,
    yy: np.ndarray,
    p: np.ndarray,
    w: np.ndarray,
    mu: np.ndarray,
    rg: np.ndarray,
    st: np.ndarray,
    favourable: bool,
) -> np.ndarray:
    return np.add.reduceat(w * np.abs(yy - mu[rg]), st, axis=0)


def _k_mdb(
    *,
    yy: np.ndarray,
    p: np.ndarray,
    w: np.ndarray,
    mu: np.ndarray,
    rg: np.ndarray,
    st: np.ndarray,
    favourable: bool,
) -> np.ndarray:
    best = (
        np.maximum.reduceat(yy, st, axis=0) if favourable else np.minimum.reduceat(yy, st, axis=0)
    )
    return np.add.reduceat(w * np.abs(yy - best[rg]), st, axis=0)


def _k_theil(
    *,
    yy: np.ndarray,
    p: np.ndarray,
    w: np.ndarray,
    mu: np.ndarray,
    rg: np.ndarray,
    st: np.ndarray,
    favourable: bool,
) -> np.ndarray:
    r = yy / mu[rg]
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(r > 0, r * np.log(np.where(r > 0, r, 1)), 0.0)
    return np.add.reduceat(p * term, st, axis=0)


def _k_mld(
    *,
    yy: np.ndarray,
    p: np.ndarray,
    w: np.ndarray,
    mu: np.ndarray,
    rg: np.ndarray,
    st: np.ndarray,
    favourable: bool,
) -> np.ndarray:
    r = yy / mu[rg]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.add.reduceat(p * -np.log(r), st, axis=0)


def _rank_midpoints(p: np.ndarray, st: np.ndarray) -> np.ndarray:
    """Mid-point cumulative population share of each row within its group (rows x 1)."""
    cum = np.cumsum(p, axis=0)
    before = np.r_[np.zeros((1, p.shape[1])), cum[st[1:] - 1]]
    return cum - np.repeat(before, np.diff(np.r_[st, p.shape[0]]), axis=0) - p / 2


def _k_aci(
    *,
    yy: np.ndarray,
    p: np.ndarray,
    w: np.ndarray,
    mu: np.ndarray,
    rg: np.ndarray,
    st: np.ndarray,
    favourable: bool,
) -> np.ndarray:
    x = _rank_midpoints(p, st)
    return np.add.reduceat(p * (2 * x - 1) * yy, st, axis=0)


def _k_rci(
    *,
    yy: np.ndarray,
    p: np.ndarray,
    w: np.ndarray,
    mu: np.ndarray,
    rg: np.ndarray,
    st: np.ndarray,
    favourable: bool,
) -> np.ndarray:
    return _k_aci(yy=yy, p=p, w=w, mu=mu, rg=rg, st=st, favourable=favourable) / mu


def _k_bgsd(
    *,
    yy: np.ndarray,
    p: np.ndarray,
    w: np.ndarray,
    mu: np.ndarray,
    rg: np.ndarray,
    st: np.ndarray,
    favourable: bool,
) -> np.ndarray:
    return np.sqrt(np.add.reduceat(w * (yy - mu[rg]) ** 2, st, axis=0))


def _k_cov(
    *,
    yy: np.ndarray,
    p: np.ndarray,
    w: np.ndarray,
    mu: np.ndarray,
    rg: np.ndarray,
    st: np.ndarray,
    favourable: bool,
) -> np.ndarray:
    return _k_bgsd(yy=yy, p=p, w=w, mu=mu, rg=rg, st=st, favourable=favourable) / mu


_COMMON_DOC = """
    Parameters
    ----------
    data : pandas.DataFrame
        One row per group and subgroup.
    value : str
        Subgroup estimate.
    population : str, optional
        Subgroup population (weights :math:`p_j`); required where the measure is weighted.
    by : str or list of str, optional
        Grouping columns (setting, period, indicator, dimension, ...).
    order : str, optional
        Subgroup order for ordered dimensions, 1 = most disadvantaged.
    se, lower_ci, upper_ci : str, optional
        Standard error, or 95% limits from which :math:`se = (U - L) / 3.92`; needed for limits.
    setting_average : str, optional
        The setting's average :math:`\\mu` (constant within a group); default
        :math:`\\sum_j p_j y_j`.
    weighted : bool
        Weight subgroups by population (HEAT's weighted variant) or equally (unweighted).
    favourable : bool
        Whether a higher value is better (coverage) rather than worse (mortality).
    confidence, repetitions, seed
        Levels of the limits, simulation size and seed (default :data:`DEFAULT_SEED`).
    positive_is_more_inequality : bool
        Orient signed measures so that a positive value always means more inequality.

    Returns
    -------
    pandas.DataFrame
        One row per group: ``by`` columns, ``value``, limit columns, ``subgroups``,
        ``measure`` and ``method``.
"""

index_of_disparity = _simulated_measure(
    "Index of disparity",
    _k_idis,
    needs_population=False,
    needs_order=False,
    scale=100.0,
    doc="""Index of disparity, % (HEAT "IDISU"/"IDISW"); one row per group.
"""
    + _COMMON_DOC
    + """
    Notes
    -----
    Unweighted :math:`100 \\cdot \\frac1n \\sum_j |y_j - \\mu| / \\mu`; weighted
    :math:`100 \\sum_j p_j |y_j - \\mu| / \\mu`. Limits by simulation (draws of each subgroup
    from :math:`N(y_j, se_j)`).

    References
    ----------
    WHO. HEAT technical notes; 2021 ("Index of disparity"). Pearcy JN, Keppel KG. A summary
    measure of health disparity. Public Health Rep 2002;117:273-280.
""",
)

mean_difference_from_best = _simulated_measure(
    "Mean difference from best performing subgroup",
    _k_mdb,
    needs_population=False,
    needs_order=False,
    scale=1.0,
    doc="""Mean difference from the best-performing subgroup (HEAT "MDBU"/"MDBW"); one row per group.
"""
    + _COMMON_DOC
    + """
    Notes
    -----
    :math:`\\frac1n \\sum_j |y_j - y_{best}|` or :math:`\\sum_j p_j |y_j - y_{best}|`, with
    :math:`y_{best}` the highest (favourable) or lowest (adverse) estimate; simulated limits.

    References
    ----------
    WHO. HEAT technical notes; 2021 ("Mean difference from best performing subgroup").
""",
)

mean_difference_from_mean = _simulated_measure(
    "Mean difference from mean",
    _k_mdm,
    needs_population=False,
    needs_order=False,
    scale=1.0,
    doc="""Mean difference from the setting average (HEAT "MDMU"/"MDMW"); one row per group.
"""
    + _COMMON_DOC
    + """
    Notes
    -----
    :math:`\\frac1n \\sum_j |y_j - \\mu|` or :math:`\\sum_j p_j |y_j - \\mu|`; simulated limits.

    References
    ----------
    WHO. HEAT technical notes; 2021 ("Mean difference from mean").
""",
)

theil_index = _simulated_measure(
    "Theil index",
    _k_theil,
    needs_population=True,
    needs_order=False,
    scale=1000.0,
    doc="""Theil index, ×1000 as HEAT reports it ("TI"); one row per group.
"""
    + _COMMON_DOC
    + """
    Notes
    -----
    :math:`TI = 1000 \\sum_j p_j r_j \\ln r_j`, :math:`r_j = y_j/\\mu`; 0 means no inequality.
    Simulated limits.

    References
    ----------
    WHO. HEAT technical notes; 2021 ("Theil index"). Theil H. Economics and information
    theory. Amsterdam: North-Holland; 1967.
""",
)

mean_log_deviation = _simulated_measure(
    "Mean log deviation",
    _k_mld,
    needs_population=True,
    needs_order=False,
    scale=1000.0,
    doc="""Mean log deviation, ×1000 as HEAT reports it ("MLD"); one row per group.
"""
    + _COMMON_DOC
    + """
    Notes
    -----
    :math:`MLD = 1000 \\sum_j p_j (-\\ln r_j)`, :math:`r_j = y_j/\\mu`. Simulated limits.

    References
    ----------
    WHO. HEAT technical notes; 2021 ("Mean log deviation").
""",
)

absolute_concentration_index = _simulated_measure(
    "Absolute concentration index",
    _k_aci,
    needs_population=True,
    needs_order=True,
    scale=1.0,
    doc="""Absolute concentration index (HEAT "ACI"); one row per group.
"""
    + _COMMON_DOC
    + """
    Notes
    -----
    :math:`ACI = \\sum_j p_j (2X_j - 1) y_j`, :math:`X_j = \\sum_{k<j} p_k + p_j/2` the
    mid-point rank with subgroups ordered from most disadvantaged; positive when the
    indicator is concentrated among the advantaged. Simulated limits.

    References
    ----------
    WHO. HEAT technical notes; 2021 ("Absolute concentration index"). Kakwani N, Wagstaff A,
    van Doorslaer E. Socioeconomic inequalities in health. J Econometrics 1997;77:87-103.
""",
)

relative_concentration_index = _simulated_measure(
    "Relative concentration index",
    _k_rci,
    needs_population=True,
    needs_order=True,
    scale=100.0,
    doc="""Relative concentration index, ×100 as HEAT reports it ("RCI"); one row per group.
"""
    + _COMMON_DOC
    + """
    Notes
    -----
    :math:`RCI = 100 \\cdot ACI / \\mu`, between -100 and 100. Simulated limits.

    References
    ----------
    WHO. HEAT technical notes; 2021 ("Relative concentration index").
""",
)


between_group_standard_deviation = _simulated_measure(
    "Between-group standard deviation",
    _k_bgsd,
    needs_population=False,
    needs_order=False,
    scale=1.0,
    doc="""Between-group standard deviation (HEAT "BGSD"); one row per group.
"""
    + _COMMON_DOC
    + """
    Notes
    -----
    Weighted (HEAT's definition) :math:`BGSD = \\sqrt{\\sum_j p_j (y_j - \\mu)^2}`, the square
    root of :func:`between_group_variance`; unweighted
    :math:`\\sqrt{\\frac1n \\sum_j (y_j - \\mu)^2}`. Same unit as the indicator; 0 means no
    inequality. Limits by simulation, as HEAT: each subgroup drawn from
    :math:`N(y_j, se_j)`, the measure recomputed, and the limits read from the percentiles of
    the draws.

    References
    ----------
    WHO. HEAT technical notes; 2021 ("Between-group standard deviation"). Schlotheuber A,
    Hosseinpoor AR. Summary measures of health inequality: a review of existing measures and
    their application. Int J Environ Res Public Health 2022;19:3697. WHO healthequal R package
    (``bgsd``), 2024.
""",
)

coefficient_of_variation = _simulated_measure(
    "Coefficient of variation",
    _k_cov,
    needs_population=False,
    needs_order=False,
    scale=100.0,
    doc="""Coefficient of variation, % (HEAT "COV"); one row per group.
"""
    + _COMMON_DOC
    + """
    Notes
    -----
    :math:`COV = 100 \\cdot BGSD / \\mu`, with the weighted (HEAT's definition) or unweighted
    :func:`between_group_standard_deviation`; 0 means no inequality. Limits by simulation.

    References
    ----------
    WHO. HEAT technical notes; 2021 ("Coefficient of variation"). Schlotheuber A, Hosseinpoor
    AR. Int J Environ Res Public Health 2022;19:3697. WHO healthequal R package (``covar``),
    2024.
""",
)


_TRUE = {"1", "1.0", "true", "yes", "y"}
_FALSE = {"0", "0.0", "false", "no", "n", ""}


def _true_or_false(x: object) -> bool | None:
    """A reference marker read as True/False (1/0, true/false, yes/no); None if neither."""
    if isinstance(x, bool | np.bool_):
        return bool(x)
    if x is None or (isinstance(x, float) and np.isnan(x)):
        return False
    text = str(x).strip().lower()
    return True if text in _TRUE else False if text in _FALSE else None


def mean_difference_from_reference(
    data: pd.DataFrame,
    *,
    value: str,
    reference: str,
    population: str | None = None,
    by: str | Sequence[str] | None = None,
    se: str | None = None,
    lower_ci: str | None = None,
    upper_ci: str | None = None,
    weighted: bool = True,
    confidence: v.Confidence = 0.95,
    repetitions: int = 10_000,
    seed: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """Mean difference from a reference subgroup (HEAT "MDRU"/"MDRW"); one row per group.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per group and subgroup.
    value : str
        Subgroup estimate.
    reference : str
        Marks the reference subgroup (the capital, the region, the whole area's own value):
        true or 1 on exactly one row of each group, false or 0 on the others.
    population : str, optional
        Subgroup population; required for the weighted measure.
    by, se, lower_ci, upper_ci, confidence, repetitions, seed
        As for :func:`mean_difference_from_best`.
    weighted : bool
        Weight subgroups by population share (MDRW) or equally (MDRU).

    Returns
    -------
    pandas.DataFrame
        One row per group: ``by`` columns, ``value``, limit columns, ``subgroups``,
        ``measure`` and ``method``.

    Notes
    -----
    Unweighted :math:`MDRU = \\frac1n \\sum_j |y_j - y_{ref}|`; weighted
    :math:`MDRW = \\sum_j p_j |y_j - y_{ref}|`, :math:`p_j` the population share. The
    reference subgroup contributes 0. Same unit as the indicator; 0 means no inequality.
    Limits by simulation (each subgroup, the reference included, drawn from
    :math:`N(y_j, se_j)`).

    References
    ----------
    WHO. HEAT technical notes; 2021 ("Mean difference from a reference point"). Schlotheuber A,
    Hosseinpoor AR. Int J Environ Res Public Health 2022;19:3697. WHO healthequal R package
    (``mdru``, ``mdrw``), 2024.
    """
    h = _Heat(
        data,
        value=value,
        by=by,
        population=population,
        order=None,
        se=se,
        lower_ci=lower_ci,
        upper_ci=upper_ci,
        setting_average=None,
        need_population=weighted,
        need_order=False,
        need_se=False,
    )
    v.check_columns(data, reference=reference)
    raw = data[reference]
    flag = raw.map(_true_or_false)
    if flag.isna().any():
        pos = int(np.flatnonzero(flag.isna().to_numpy())[0])
        raise ValueError(
            f"reference must be true/false or 1/0, got {raw.iloc[pos]!r} "
            f"(column {reference!r}, row {data.index[pos]})"
        )
    g = h.groups
    is_ref = g.take(flag.to_numpy(dtype=bool)).astype(float)
    per_group = g.sum(is_ref)
    if (per_group != 1).any():
        bad = int(np.flatnonzero(per_group != 1)[0])
        raise ValueError(
            f"each group needs exactly one reference subgroup (column {reference!r}); "
            f"a group has {int(per_group[bad])}"
        )
    w = h.p if weighted else 1 / g.spread(h.n)

    def stat(
        yy: np.ndarray,
        p: np.ndarray,
        w_: np.ndarray,
        mu: np.ndarray,
        rg: np.ndarray,
        st: np.ndarray,
        ref: np.ndarray,
    ) -> np.ndarray:
        ref_value = np.add.reduceat(ref * yy, st, axis=0)
        return np.add.reduceat(w_ * np.abs(yy - ref_value[rg]), st, axis=0)

    return _run_heat(
        h,
        stat,
        confidence=confidence,
        repetitions=repetitions,
        seed=seed,
        measure=f"Mean difference from reference subgroup ({'weighted' if weighted else 'unweighted'})",
        weights=w,
        row_data=is_ref,
    )


# -- deprivation breakdowns -------------------------------------------------------------------------
def deprivation_quantiles(
    deprivation: pd.DataFrame,
    *,
    n: int = 5,
    within: str | None = "lad_code",
    lsoa: str = "lsoa_code",
) -> pd.DataFrame:
    """Deprivation quantile (1 = most deprived) of each LSOA, nationally or within its area; one row per input row.

    Parameters
    ----------
    deprivation : pandas.DataFrame
        The workspace ``deprivation`` table (``lsoa_code``, ``lad_code``, ``imd_rank``,
        ``imd_decile``, ``imd_score``, ``vintage``).
    n : int
        5 for quintiles, 10 for deciles.
    within : str or None
        Rank within this column's areas (local quintiles, as Fingertips' "within area"
        breakdowns), or ``None`` to use the national deciles (``n`` must then be 5 or 10).

    Returns
    -------
    pandas.DataFrame
        ``lsoa_code``, ``quantile`` (Int64) and ``category_type`` (e.g. "IMD2019 quintile within area").

    Notes
    -----
    Within an area LSOAs are ranked by IMD score (or, when no score is given, by national
    rank, 1 = most deprived) with :func:`jsna.indicators.methods.assign_quantiles`. National
    quintiles pair the published deciles (1-2 -> 1, ..., 9-10 -> 5).

    References
    ----------
    Ministry of Housing, Communities and Local Government. English indices of deprivation
    2019: technical report. OHID Public Health Technical Guidance, "Deprivation quintiles".
    """
    if n not in (5, 10) and within is None:
        raise ValueError(
            f"national quantiles come from the published deciles: n must be 5 or 10, got {n}"
        )
    vintage = (
        str(deprivation["vintage"].dropna().iloc[0])
        if deprivation["vintage"].notna().any()
        else "IMD"
    )
    word = {5: "quintile", 10: "decile"}.get(n, f"{n}-quantile")
    if within is None:
        dec = deprivation["imd_decile"].astype("Int64")
        q = dec if n == 10 else (dec + 1) // 2
        return pd.DataFrame(
            {
                "lsoa_code": deprivation[lsoa].to_numpy(),
                "quantile": q.to_numpy(),
                "category_type": f"{vintage} {word} (national)",
            }
        )
    score = deprivation["imd_score"].astype("float64")
    key = -deprivation["imd_rank"].astype("float64") if score.isna().all() else score
    frame = pd.DataFrame(
        {
            "lsoa_code": deprivation[lsoa].to_numpy(),
            "_key": key.to_numpy(),
            "_area": deprivation[within].to_numpy(),
        }
    )
    ranked = assign_quantiles(frame, value="_key", n=n, by="_area", first="highest")
    return pd.DataFrame(
        {
            "lsoa_code": ranked["lsoa_code"].to_numpy(),
            "quantile": ranked["quantile"].to_numpy(),
            "category_type": f"{vintage} {word} within area",
        }
    )


def quantile_label(q: int, n: int) -> str:
    """'1 (most deprived)', '2', …, '5 (least deprived)'."""
    if q == 1:
        return "1 (most deprived)"
    if q == n:
        return f"{n} (least deprived)"
    return str(int(q))


#: HEAT measure functions by short name, for the CLI and the report
HEAT_MEASURES: dict[str, Callable[..., pd.DataFrame]] = {
    "difference": difference,
    "ratio": ratio,
    "par": population_attributable_risk,
    "paf": population_attributable_fraction,
    "bgv": between_group_variance,
    "idis": index_of_disparity,
    "mdb": mean_difference_from_best,
    "mdm": mean_difference_from_mean,
    "mdr": mean_difference_from_reference,
    "bgsd": between_group_standard_deviation,
    "cov": coefficient_of_variation,
    "theil": theil_index,
    "mld": mean_log_deviation,
    "aci": absolute_concentration_index,
    "rci": relative_concentration_index,
}
