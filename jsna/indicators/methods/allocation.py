"""Resource allocation: from assessed need (RAS points) to personal budgets, and its equity.

A resource allocation system (RAS) scores each person's assessed need in points and turns points
into an indicative budget at a price per point. These functions calibrate that price, compare
each person's agreed budget with the indicative amount, and ask whether the same need gets the
same money in every group (area, client group, age band, sex, deprivation decile).

Formulas
--------
Price per point (in Control's RAS): envelope / total points, the envelope being the money to be
shared (or, without one, the agreed budgets' total). Calibration: least squares of agreed budget
on points, through the origin (price per point) and with an intercept (a fixed sum plus a price
per point), with Student t limits. £ per point in a group: the ratio estimator
:math:`R_g = \\sum y / \\sum x` with its linearised standard error. Significance against the whole:
funnel limits :math:`R \\pm z\\,\\sigma/\\sqrt{\\sum x}` under the model
:math:`\\operatorname{var}(y_i) = \\sigma^2 x_i`. Equity: the concentration index of budgets with
Kakwani, Wagstaff and van Doorslaer's standard error, and horizontal inequity (the index of
budgets less that of the need-predicted budgets).

References
----------
in Control (2009). *Resource allocation system (RAS 5): how to calculate an indicative personal
budget*. in Control Partnerships, Wythall.
Cochran W G (1977). *Sampling techniques*, 3rd ed., §6.3-6.4 (the ratio estimator). Wiley.
Kakwani N, Wagstaff A, van Doorslaer E (1997). Socioeconomic inequalities in health: measurement,
computation and statistical inference. *Journal of Econometrics* 77: 87-103.
Wagstaff A, van Doorslaer E (2000). Measuring and testing for inequity in the delivery of health
care. *Journal of Human Resources* 35: 716-733.
White H (1980). A heteroskedasticity-consistent covariance matrix estimator and a direct test
for heteroskedasticity. *Econometrica* 48: 817-838.
Spiegelhalter D J (2005). Funnel plots for comparing institutional performance. *Statistics in
Medicine* 24: 1185-1202.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from ._validate import check_columns, normalise_by, z_for

if TYPE_CHECKING:
    import pandas as pd

MODELS = ("Through the origin", "With an intercept")


def _t(confidence: float, df: np.ndarray) -> np.ndarray:
    from scipy.special import stdtrit

    with np.errstate(invalid="ignore"):
        return np.asarray(
            stdtrit(np.where(df >= 1, df, np.nan), 0.5 + confidence / 2), dtype="float64"
        )


def _checked(
    data: pd.DataFrame, columns: Sequence[str], by: list[str], *, negative: bool = False
) -> pd.DataFrame:
    """The columns as floats, with a clear error for a missing column or a bad value (a
    negative one too, unless ``negative``)."""
    check_columns(data, **{c: c for c in columns})
    check_columns(data, **{c: c for c in by})
    out = data[[*by, *columns]].copy()
    for c in columns:
        values = out[c].astype("float64")
        bad = ~np.isfinite(values.to_numpy()) | (~negative & (values.to_numpy() < 0))
        if bad.any():
            raise ValueError(
                f"{c} must be a number{'' if negative else ' >= 0'}, got {data[c].iloc[int(np.argmax(bad))]!r} "
                f"(row {data.index[int(np.argmax(bad))]})"
            )
        out[c] = values
    return out


def _grouped(frame: pd.DataFrame, by: list[str]):  # type: ignore[no-untyped-def]
    if by:
        return frame.groupby(by, sort=True, dropna=False, observed=True)
    return frame.assign(_all=0).groupby("_all")


def _keys(sums: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    return sums.reset_index()[by] if by else sums.reset_index(drop=True).iloc[:, :0]


def price_per_point(
    data: pd.DataFrame,
    *,
    points: str,
    budget: str | None = None,
    envelope: float | None = None,
    by: str | Sequence[str] | None = None,
) -> pd.DataFrame:
    """The price of one point: the envelope shared over the total points; one row per group.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per person: their RAS points (and agreed budget).
    points, budget : str
        Columns of points and of agreed annual budget (£).
    envelope : float, optional
        The money to share (£ a year). Without it, the agreed budgets' total is the envelope.
        With ``by``, each group shares the envelope in proportion to its points (one price).

    Returns
    -------
    pandas.DataFrame
        ``by`` columns, ``people``, ``total_points``, ``envelope``, ``price_per_point``,
        ``envelope_source`` ("configured" or "agreed budgets").

    Notes
    -----
    in Control's RAS sets the price per point as envelope / :math:`\\sum` points, so that
    indicative budgets of price × points add up to the envelope.
    """
    import pandas as pd

    keys = normalise_by(by)
    if envelope is None and budget is None:
        raise ValueError("give the budget column or an envelope in £")
    if envelope is not None and not envelope > 0:
        raise ValueError(f"the envelope must be a sum in £ above 0, got {envelope!r}")
    cols = [points] + ([budget] if budget else [])
    frame = _checked(data, cols, keys)
    sums = _grouped(frame, keys).agg(
        people=(points, "size"),
        total_points=(points, "sum"),
        **({"agreed": (budget, "sum")} if budget else {}),
    )
    out = pd.concat([_keys(sums, keys), sums.reset_index(drop=True)], axis=1)
    whole_points = float(frame[points].sum())
    if envelope is not None:
        out["envelope"] = envelope * out["total_points"] / whole_points
        out["envelope_source"] = "configured"
    else:
        out["envelope"] = out["agreed"]
        out["envelope_source"] = "agreed budgets"
    with np.errstate(divide="ignore", invalid="ignore"):
        out["price_per_point"] = out["envelope"] / out["total_points"].where(
            out["total_points"] > 0
        )
    return out.drop(columns="agreed", errors="ignore")


def calibrate_allocation(
    data: pd.DataFrame,
    *,
    points: str,
    budget: str,
    by: str | Sequence[str] | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Least-squares fit of agreed budget on points, with and without an intercept; two rows
    (one per model) per group.

    Returns
    -------
    pandas.DataFrame
        ``by`` columns, ``model`` (:data:`MODELS`), ``n``, ``slope`` (£ per point) with
        ``slope_lower_ci_95``/``slope_upper_ci_95``, ``intercept`` (0 through the origin) with its
        limits, ``r_squared``, ``residual_sd`` (£), ``note``.

    Notes
    -----
    Through the origin: :math:`b = \\sum xy / \\sum x^2`, :math:`s^2 = \\sum (y - bx)^2 / (n-1)`,
    :math:`se(b) = s / \\sqrt{\\sum x^2}`. With an intercept: :math:`b = S_{xy}/S_{xx}`,
    :math:`a = \\bar y - b \\bar x`, :math:`s^2 = SSE/(n-2)`, :math:`se(b) = s/\\sqrt{S_{xx}}`,
    :math:`se(a) = s \\sqrt{1/n + \\bar x^2/S_{xx}}`. The limits use heteroscedasticity-robust
    (HC1, White 1980) standard errors instead, :math:`(X'X)^{-1} X' \\mathrm{diag}(e^2) X
    (X'X)^{-1} \\times n/(n-k)`, because budgets spread more as points grow, with Student's t
    on the residual degrees of freedom (*k* = 1 or 2 coefficients). :math:`R^2 = 1 - SSE/S_{yy}` for both models (the centred form, so the two
    compare; through the origin it can be below 0 when a fixed sum fits much better). Groups
    with fewer than 3 people, or whose points do not vary, get no fit and say why in ``note``.
    """
    import pandas as pd

    keys = normalise_by(by)
    frame = _checked(data, [points, budget], keys)
    x, y = frame[points], frame[budget]
    frame = frame.assign(_xx=x * x, _xy=x * y, _yy=y * y)
    g = _grouped(frame, keys)
    s = g.agg(
        n=(points, "size"),
        sx=(points, "sum"),
        sy=(budget, "sum"),
        sxx=("_xx", "sum"),
        sxy=("_xy", "sum"),
        syy=("_yy", "sum"),
    )
    key_frame = _keys(s, keys)
    s = s.reset_index(drop=True)
    n = s["n"].to_numpy(dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        xbar, ybar = s["sx"] / n, s["sy"] / n
        cxx = (s["sxx"] - n * xbar * xbar).clip(lower=0).to_numpy()
        cxy = (s["sxy"] - n * xbar * ybar).to_numpy()
        cyy = (s["syy"] - n * ybar * ybar).clip(lower=0).to_numpy()
        sxx, sxy, syy = (s[c].to_numpy(dtype="float64") for c in ("sxx", "sxy", "syy"))
        # through the origin
        b0 = sxy / sxx
        sse0 = np.clip(syy - sxy * sxy / sxx, 0, None)
        s0 = np.sqrt(sse0 / (n - 1))
        t0 = _t(confidence, n - 1)
        # with an intercept
        b1 = cxy / cxx
        a1 = ybar.to_numpy() - b1 * xbar.to_numpy()
        sse1 = np.clip(cyy - cxy * cxy / cxx, 0, None)
        s1 = np.sqrt(sse1 / (n - 2))
        t1 = _t(confidence, n - 2)
        r2_0 = 1 - sse0 / cyy
        r2_1 = 1 - sse1 / cyy
        # heteroscedasticity-robust (HC1) standard errors from each person's residual
        codes = g.ngroup().to_numpy()
        xv, yv = x.to_numpy(), y.to_numpy()
        e0 = yv - b0[codes] * xv
        e1 = yv - a1[codes] - b1[codes] * xv
        meat = (
            pd.DataFrame(
                {
                    "g": codes,
                    "xxe0": xv * xv * e0 * e0,
                    "e1": e1 * e1,
                    "xe1": xv * e1 * e1,
                    "xxe1": xv * xv * e1 * e1,
                }
            )
            .groupby("g")
            .sum()
            .reindex(range(len(n)))
        )
        se_b0 = np.sqrt(n / (n - 1) * meat["xxe0"].to_numpy()) / sxx
        # (X'X)^-1 M (X'X)^-1 with X = [1, x]; (X'X)^-1 = [[sxx, -sx], [-sx, n]] / (n sxx - sx^2)
        sx = s["sx"].to_numpy(dtype="float64")
        det = n * sxx - sx * sx
        m00, m01, m11 = (meat[c].to_numpy() for c in ("e1", "xe1", "xxe1"))
        var_a = (sxx * sxx * m00 - 2 * sxx * sx * m01 + sx * sx * m11) / det**2
        var_b = (sx * sx * m00 - 2 * sx * n * m01 + n * n * m11) / det**2
        se_a1 = np.sqrt(n / (n - 2) * var_a)
        se_b1 = np.sqrt(n / (n - 2) * var_b)
    fit = (n >= 3) & (cxx > 0)
    note = np.where(
        n < 3, "fewer than 3 people: no fit", np.where(cxx > 0, "", "points do not vary: no fit")
    )
    low, high = "lower_ci_95", "upper_ci_95"
    if confidence != 0.95:
        tag = f"{confidence * 100:g}".replace(".", "_")
        low, high = f"lower_ci_{tag}", f"upper_ci_{tag}"

    def model(name: str, b, se_b, a, se_a, t, r2, sd) -> pd.DataFrame:  # type: ignore[no-untyped-def]
        def keep(v):  # type: ignore[no-untyped-def]
            return np.where(fit, v, np.nan)

        return pd.concat(
            [
                key_frame,
                pd.DataFrame(
                    {
                        "model": name,
                        "n": n.astype("int64"),
                        "slope": keep(b),
                        f"slope_{low}": keep(b - t * se_b),
                        f"slope_{high}": keep(b + t * se_b),
                        "intercept": keep(a),
                        f"intercept_{low}": keep(a - t * se_a),
                        f"intercept_{high}": keep(a + t * se_a),
                        "r_squared": keep(r2),
                        "residual_sd": keep(sd),
                        "note": note,
                    }
                ),
            ],
            axis=1,
        )

    zero = np.zeros_like(n)
    out = pd.concat(
        [
            model(MODELS[0], b0, se_b0, zero, zero, t0, r2_0, s0),
            model(MODELS[1], b1, se_b1, a1, se_a1, t1, r2_1, s1),
        ],
        ignore_index=True,
    )
    return out.sort_values([*keys, "model"], kind="stable").reset_index(drop=True)


def indicative_budgets(
    data: pd.DataFrame,
    *,
    points: str,
    budget: str,
    price_per_point: float,
    intercept: float = 0.0,
    tolerance: float = 0.10,
    far: float = 0.998,
) -> pd.DataFrame:
    """Each person's indicative budget and how far their agreed budget is from it; one row per
    input row.

    Returns
    -------
    pandas.DataFrame
        The input's columns and ``indicative`` (intercept + price × points), ``difference``
        (agreed − indicative), ``ratio`` (agreed / indicative), ``within_tolerance`` (agreed
        within ±``tolerance`` of indicative), ``standardised_residual`` (difference over the
        residual standard deviation), ``far_from_indicative`` (outside the two-sided ``far``
        normal range of that residual, 3.09 at 99.8%).
    """
    if not price_per_point > 0:
        raise ValueError(f"the price per point must be above 0, got {price_per_point!r}")
    if not 0 < tolerance < 1:
        raise ValueError(f"the tolerance must be a proportion between 0 and 1, got {tolerance!r}")
    frame = _checked(data, [points, budget], [])
    out = data.copy()
    indicative = intercept + price_per_point * frame[points]
    diff = frame[budget] - indicative
    n = len(out)
    sd = float(np.sqrt((diff**2).sum() / (n - 1))) if n > 1 else float("nan")
    out["indicative"] = indicative
    out["difference"] = diff
    with np.errstate(divide="ignore", invalid="ignore"):
        out["ratio"] = frame[budget] / indicative.where(indicative > 0)
        out["standardised_residual"] = diff / sd if sd > 0 else np.nan
    out["within_tolerance"] = (diff.abs() <= tolerance * indicative).to_numpy()
    out["far_from_indicative"] = (out["standardised_residual"].abs() > z_for(far)).to_numpy()
    return out


def indicative_summary(
    rows: pd.DataFrame,
    *,
    budget: str,
    by: str | Sequence[str] | None = None,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Agreed against indicative budgets; one row per group (of :func:`indicative_budgets` rows).

    Returns ``people``, ``agreed_total``, ``indicative_total``, ``within_tolerance`` (people),
    ``share_within`` with Wilson limits ``share_lower_ci_95``/``share_upper_ci_95``, and
    ``far_from_indicative`` (people).
    """
    import pandas as pd

    from .intervals import wilson_interval

    keys = normalise_by(by)
    check_columns(rows, budget=budget, indicative="indicative")
    g = _grouped(rows, keys)
    s = g.agg(
        people=(budget, "size"),
        agreed_total=(budget, "sum"),
        indicative_total=("indicative", "sum"),
        within_tolerance=("within_tolerance", "sum"),
        far_from_indicative=("far_from_indicative", "sum"),
    )
    out = pd.concat([_keys(s, keys), s.reset_index(drop=True)], axis=1)
    out["share_within"] = out["within_tolerance"] / out["people"]
    lo, hi = wilson_interval(out["within_tolerance"], out["people"], confidence)
    out["share_lower_ci_95"], out["share_upper_ci_95"] = lo, hi
    return out


def allocation_per_point(
    data: pd.DataFrame,
    *,
    points: str,
    budget: str,
    by: str | Sequence[str],
    confidence: float = 0.95,
) -> pd.DataFrame:
    """£ per point in each group, its limits, and whether it differs from the whole; one row per
    group.

    Returns
    -------
    pandas.DataFrame
        ``by`` columns, ``people``, ``total_points``, ``total_budget``, ``value`` (£ per point),
        ``lower_ci_95``/``upper_ci_95``, ``whole`` (£ per point of everyone), funnel limits at
        the group's points ``funnel_lower_95``/``funnel_upper_95``/``funnel_lower_99_8``/
        ``funnel_upper_99_8``, ``z`` (the group's distance from the whole in funnel standard
        errors), ``compared_to_whole`` (Higher / Lower / Similar at 95%),
        ``compared_to_whole_99_8``, and ``ratio_to_rest`` (the group's £ per point over everyone
        else's) with ``ratio_lower_ci_95``/``ratio_upper_ci_95``.

    Notes
    -----
    :math:`R_g = \\sum_g y / \\sum_g x`, with the ratio estimator's linearised standard error
    :math:`se(R_g) = \\sqrt{n/(n-1)\\,\\sum_g (y - R_g x)^2} / \\sum_g x` and Student t limits on
    n − 1 degrees of freedom. Funnel: under "same need, same money" every group has the whole's
    price :math:`R`, and with :math:`\\operatorname{var}(y_i) = \\sigma^2 x_i`,
    :math:`\\hat\\sigma^2 = \\sum (y - R x)^2 / x / (N - 1)` (people with 0 points left out), so
    :math:`R_g` lies within :math:`R \\pm z \\hat\\sigma / \\sqrt{\\sum_g x}`. The ratio to the
    rest has limits :math:`\\exp(\\log(R_g/R_{rest}) \\pm z\\,\\sqrt{(se_g/R_g)^2 +
    (se_{rest}/R_{rest})^2})`.
    """
    from ._validate import group_codes, group_sums

    keys = normalise_by(by)
    if not keys:
        raise ValueError("allocation_per_point needs by= (the groups to compare)")
    frame = _checked(data, [points, budget], keys)
    x, y = frame[points].to_numpy(), frame[budget].to_numpy()
    total_x, total_y, big_n = x.sum(), y.sum(), len(frame)
    if not total_x > 0:
        raise ValueError(f"the {points} column adds up to 0: no price per point")
    whole = total_y / total_x
    pos = x > 0
    sigma2 = float(((y[pos] - whole * x[pos]) ** 2 / x[pos]).sum() / max(pos.sum() - 1, 1))
    codes, out = group_codes(frame, keys)
    k = len(out)
    n, sx, sy, sxx, sxy, syy = group_sums(codes, k, np.ones_like(x), x, y, x * x, x * y, y * y)
    out = out.assign(people=n.astype("int64"), total_points=sx, total_budget=sy)
    zc = z_for(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        rg = sy / sx
        # Σ (y − R x)² = Σy² − 2 R Σxy + R² Σx² within the group, and likewise for the rest
        ss = np.clip(syy - 2 * rg * sxy + rg**2 * sxx, 0, None)
        se = np.sqrt(n / (n - 1) * ss) / sx
        t = _t(confidence, n - 1)
        out["value"] = rg
        out["lower_ci_95"] = rg - t * se
        out["upper_ci_95"] = rg + t * se
        out["whole"] = whole
        fse = np.sqrt(sigma2 / sx)
        for level, tag in ((0.95, "95"), (0.998, "99_8")):
            out[f"funnel_lower_{tag}"] = whole - z_for(level) * fse
            out[f"funnel_upper_{tag}"] = whole + z_for(level) * fse
        z = (rg - whole) / fse
        out["z"] = z
        for level, col in ((0.95, "compared_to_whole"), (0.998, "compared_to_whole_99_8")):
            zz = z_for(level)
            out[col] = np.where(z > zz, "Higher", np.where(z < -zz, "Lower", "Similar"))
        rest_x, rest_y, rest_n = total_x - sx, total_y - sy, big_n - n
        r_rest = rest_y / rest_x
        rxx, rxy, ryy = (x * x).sum() - sxx, (x * y).sum() - sxy, (y * y).sum() - syy
        ss_rest = np.clip(ryy - 2 * r_rest * rxy + r_rest**2 * rxx, 0, None)
        se_rest = np.sqrt(rest_n / (rest_n - 1) * ss_rest) / rest_x
        ratio = rg / r_rest
        se_log = np.sqrt((se / rg) ** 2 + (se_rest / r_rest) ** 2)
        out["ratio_to_rest"] = ratio
        out["ratio_lower_ci_95"] = ratio * np.exp(-zc * se_log)
        out["ratio_upper_ci_95"] = ratio * np.exp(zc * se_log)
    return out.sort_values(keys, kind="stable").reset_index(drop=True)


def funnel_limits_per_point(
    data: pd.DataFrame,
    *,
    points: str,
    budget: str,
    people: Sequence[float],
) -> pd.DataFrame:
    """The funnel of £ per point against people assessed; one row per value of ``people``.

    Returns ``people``, ``target`` (the whole's £ per point) and ``lower_ci_95``,
    ``upper_ci_95``, ``lower_ci_99_8``, ``upper_ci_99_8``.

    Notes
    -----
    As :func:`allocation_per_point`, with a group of *m* people holding *m* × the mean points
    per person: :math:`R \\pm z \\hat\\sigma / \\sqrt{m \\bar x}`.
    """
    import pandas as pd

    frame = _checked(data, [points, budget], [])
    x, y = frame[points].to_numpy(), frame[budget].to_numpy()
    if not x.sum() > 0:
        raise ValueError(f"the {points} column adds up to 0: no price per point")
    whole = y.sum() / x.sum()
    pos = x > 0
    sigma = np.sqrt(((y[pos] - whole * x[pos]) ** 2 / x[pos]).sum() / max(pos.sum() - 1, 1))
    m = np.asarray(people, dtype="float64")
    se = sigma / np.sqrt(m * x.mean())
    out = pd.DataFrame({"people": m, "target": whole})
    for level, tag in ((0.95, "95"), (0.998, "99_8")):
        out[f"lower_ci_{tag}"] = whole - z_for(level) * se
        out[f"upper_ci_{tag}"] = whole + z_for(level) * se
    return out


def concentration_index(
    data: pd.DataFrame,
    *,
    value: str,
    rank_by: str,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """The concentration index of ``value`` across people ranked by ``rank_by``; one row.

    Returns ``n``, ``value`` (the index, −1 to 1; above 0 means ``value`` is concentrated
    among people ranked high) and ``lower_ci_95``/``upper_ci_95``.

    Notes
    -----
    People are ranked by ``rank_by`` (ties share their mean fractional rank).
    :math:`C = 2\\,\\operatorname{cov}(y, R) / \\mu`; standard error (Kakwani, Wagstaff and van
    Doorslaer 1997): :math:`\\operatorname{var}(C) = \\frac{1}{n}\\left[\\frac{1}{n}\\sum a_i^2 -
    (1 + C)^2\\right]`, :math:`a_i = \\frac{y_i}{\\mu}(2R_i - 1 - C) + 2 - q_{i-1} - q_i`, with
    :math:`q_i` the cumulative share of *y* up to person *i* in rank order.
    """
    import pandas as pd

    frame = _checked(data, [value], [], negative=True)
    check_columns(data, rank_by=rank_by)
    order = np.argsort(data[rank_by].to_numpy(), kind="stable")
    y = frame[value].to_numpy()[order]
    key = data[rank_by].to_numpy()[order]
    n = len(y)
    if n < 2 or not y.sum() > 0:
        raise ValueError(
            f"a concentration index needs 2 or more people and a total {value} above 0"
        )
    r = (np.arange(1, n + 1) - 0.5) / n
    r = pd.Series(r).groupby(pd.Series(key).to_numpy()).transform("mean").to_numpy()
    mu = y.mean()
    c = float(2 * np.cov(y, r, bias=True)[0, 1] / mu)
    q = np.cumsum(y) / y.sum()
    q_prev = np.concatenate([[0.0], q[:-1]])
    a = y / mu * (2 * r - 1 - c) + 2 - q_prev - q
    var = max(((a**2).mean() - (1 + c) ** 2) / n, 0.0)
    half = z_for(confidence) * np.sqrt(var)
    return pd.DataFrame(
        {"n": [n], "value": [c], "lower_ci_95": [c - half], "upper_ci_95": [c + half]}
    )


def horizontal_inequity(
    data: pd.DataFrame,
    *,
    budget: str,
    need: str,
    rank_by: str,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Horizontal inequity: the concentration index of budgets less that of the need-predicted
    budgets, across people ranked by ``rank_by`` (e.g. deprivation); one row.

    ``need`` is the need-predicted budget (the indicative budget). 0 means the same need gets
    the same money whatever the rank; above 0, people ranked high get more than their need
    predicts. Returns ``n``, ``value``, ``lower_ci_95``, ``upper_ci_95``.

    Notes
    -----
    :math:`HI = C_y - C_{\\hat y}` (Wagstaff and van Doorslaer 2000). With the need-predicted
    budgets rescaled to the budgets' total, :math:`HI` is the concentration index of
    :math:`y - \\hat y + \\bar y`, whose limits follow from :func:`concentration_index`.
    """
    frame = _checked(data, [budget, need], [])
    if not frame[need].sum() > 0:
        raise ValueError(f"{need} adds up to 0: no need-predicted budgets")
    scaled = frame[need] * frame[budget].sum() / frame[need].sum()
    shifted = data[[rank_by]].assign(_z=frame[budget] - scaled + frame[budget].mean())
    return concentration_index(shifted, value="_z", rank_by=rank_by, confidence=confidence)


def coefficient_of_variation_between(
    groups: pd.DataFrame, *, value: str = "value", weight: str = "total_points"
) -> float:
    """The coefficient of variation of £ per point between groups (rows of
    :func:`allocation_per_point`), weighted by points: 0 when every group gets the same.

    WHO HEAT's weighted coefficient of variation
    (:func:`jsna.indicators.methods.inequality.coefficient_of_variation`) with points as the
    weights and the points-weighted mean as the average, as a fraction rather than a percentage.
    """
    from jsna.indicators.methods.inequality import coefficient_of_variation

    check_columns(groups, value=value, weight=weight)
    ok = groups[value].notna()
    if not ok.any():
        return float("nan")
    cov = coefficient_of_variation(
        groups.loc[ok, [value, weight]], value=value, population=weight, weighted=True
    )
    return float(cov["value"].iloc[0]) / 100.0
