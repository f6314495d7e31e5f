r"""Confidence-interval primitives: Byar's, exact Poisson, Wilson score, Student's t.

Each takes array-likes and one confidence level (a proportion, or a percentage such as 95)
and returns ``(lower, upper)`` numpy arrays, one element per input; *z* is
:math:`\Phi^{-1}(1 - \alpha/2)` from :func:`~jsna.indicators.methods.z_for`.

* Byar's approximation to Poisson limits of a count *O*:
  :math:`O_L = O(1 - 1/(9O) - z/(3\sqrt O))^3`,
  :math:`O_U = (O+1)(1 - 1/(9(O+1)) + z/(3\sqrt{O+1}))^3`.
* Exact Poisson limits: :math:`\chi^2_{\alpha/2}(2O)/2` and :math:`\chi^2_{1-\alpha/2}(2O+2)/2`;
  OHID uses them below 10 events (:func:`poisson_interval`).
* Wilson score limits of a proportion :math:`(2O + z^2 \mp z\sqrt{z^2 + 4O(1 - O/n)}) /
  2(n + z^2)`.
* Student's t limits of a mean :math:`\bar x \pm t_{1-\alpha/2, n-1}\, s/\sqrt n`.

References: Breslow NE, Day NE. Statistical methods in cancer research, vol. II. Lyon: IARC;
1987. Garwood F. Biometrika 1936;28:437-442. Wilson EB. J Am Stat Assoc 1927;22:209-212.
Newcombe RG, Altman DG, in Statistics with confidence, 2nd ed. BMJ Books; 2000. OHID Public
Health Technical Guidance, "Confidence intervals"; PHEindicatormethods.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ._validate import normalise_confidence, z_for

__all__ = [
    "POISSON_CI_METHODS",
    "PROPORTION_CI_METHODS",
    "byars_interval",
    "clopper_pearson_interval",
    "exact_poisson_interval",
    "poisson_interval",
    "proportion_interval",
    "student_t_interval",
    "wilson_interval",
]

#: how Poisson limits are chosen: ``"phe"`` (exact under 10 events, Byar's from 10: OHID's rule
#: and the reference's), ``"exact"`` (exact for every count), ``"byars"`` (Byar's for every count)
POISSON_CI_METHODS = ("phe", "exact", "byars")
#: how limits of a proportion are chosen: ``"wilson"`` (score; OHID's rule) or ``"exact"``
#: (Clopper-Pearson)
PROPORTION_CI_METHODS = ("wilson", "exact")


def _level(confidence: float) -> float:
    levels = normalise_confidence(confidence)
    if len(levels) != 1:
        raise ValueError(f"confidence must be a single level here, got {confidence!r}")
    return levels[0]


def _z(confidence: float, z: float | None) -> float:
    """The z of a level: ``z`` when given (a published convention such as 1.96), else z_for."""
    if z is None:
        return z_for(_level(confidence))
    if isinstance(z, bool) or not isinstance(z, int | float | np.integer | np.floating):
        raise ValueError(f"z must be a number > 0, got {z!r}")
    if not np.isfinite(z) or z <= 0:
        raise ValueError(f"z must be a number > 0, got {z!r}")
    return float(z)


def _counts(count: ArrayLike, name: str = "count") -> np.ndarray:
    x = np.asarray(count, dtype="float64")
    if np.any(x < 0):
        bad = x[x < 0].flat[0]
        raise ValueError(f"{name} must be >= 0, got {bad:g}")
    return x


def byars_interval(
    count: ArrayLike, confidence: float = 0.95, *, z: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Byar's approximation to the exact Poisson limits of an observed count; one row per input row.

    Parameters
    ----------
    count : array-like
        Observed numbers of events, >= 0; a missing count gives missing limits.
    confidence : float
        Two-sided confidence level, e.g. ``0.95`` or ``95``.
    z : float, optional
        Use this *z* instead of the quantile of ``confidence`` (Fingertips has published
        limits with ``z = 1.96`` exactly rather than 1.959964).

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Lower and upper limits for the expected count.

    Notes
    -----
    With :math:`z = \\Phi^{-1}(1 - \\alpha/2)`:

    .. math::

        O_L = O\\left(1 - \\frac{1}{9O} - \\frac{z}{3\\sqrt{O}}\\right)^3,\\qquad
        O_U = (O+1)\\left(1 - \\frac{1}{9(O+1)} + \\frac{z}{3\\sqrt{O+1}}\\right)^3

    As in the reference implementation, a lower limit that would be negative (very small
    counts, or ``O = 0``) is returned as NaN: use :func:`exact_poisson_interval` there.
    OHID switches to exact limits below 10 events (see :func:`poisson_interval`).

    References
    ----------
    Breslow NE, Day NE. Statistical methods in cancer research, volume II: the design and
    analysis of cohort studies. Lyon: IARC; 1987. PHEindicatormethods ``byars_lower`` /
    ``byars_upper``.
    """
    x = _counts(count)
    z = _z(confidence, z)
    with np.errstate(divide="ignore", invalid="ignore"):
        lower = x * (1 - 1 / (9 * x) - z / (3 * np.sqrt(x))) ** 3
        x1 = x + 1
        upper = x1 * (1 - 1 / (9 * x1) + z / (3 * np.sqrt(x1))) ** 3
    lower = np.where((lower < 0) | (x == 0), np.nan, lower)
    return lower, upper


def exact_poisson_interval(
    count: ArrayLike, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Garwood) Poisson limits of an observed count via the chi-square distribution; one row per input row.

    Parameters
    ----------
    count : array-like
        Observed numbers of events, >= 0 (whole numbers for a true Poisson count); a missing
        count gives missing limits.
    confidence : float
        Two-sided confidence level.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Lower and upper limits for the expected count.

    Notes
    -----
    .. math::

        O_L = \\tfrac12\\,\\chi^2_{\\alpha/2}(2O),\\qquad
        O_U = \\tfrac12\\,\\chi^2_{1-\\alpha/2}(2O + 2)

    with :math:`O_L = 0` when :math:`O = 0`.

    References
    ----------
    Garwood F. Fiducial limits for the Poisson distribution. Biometrika 1936;28:437-442.
    OHID Public Health Technical Guidance, "Confidence intervals" (crude rates). PHEindicatormethods
    ``phe_rate`` for counts below 10.
    """
    x = _counts(count)
    alpha = 1 - _level(confidence)
    lower = _gammaincinv_of_counts(x, alpha / 2, shift=0.0)
    lower[x == 0] = 0.0
    upper = _gammaincinv_of_counts(x, 1 - alpha / 2, shift=1.0)
    return lower, upper


#: whole-number counts below this are looked up in a table of gammaincinv values
_TABLE_SIZE = 1024


def _gammaincinv_of_counts(x: np.ndarray, q: float, *, shift: float) -> np.ndarray:
    """``gammaincinv(x + shift, q)`` elementwise (``x + shift = 0`` taken as 1).

    Counts are mostly small whole numbers, so those are computed once each in a table and
    looked up (the same function of the same arguments, so the same values); anything else
    (fractions, large or missing counts) is computed directly.
    """
    from scipy.special import gammaincinv

    # chi2.ppf(q, 2k) / 2 == gammaincinv(k, q): same quantity, one call fewer.
    out = np.empty(x.shape, dtype="float64")
    whole = (x < _TABLE_SIZE) & (x == np.floor(x))
    if whole.any():
        idx = x[whole].astype(np.intp)
        k = np.arange(int(idx.max()) + 1, dtype="float64") + shift
        table = gammaincinv(np.where(k > 0, k, 1.0), q)
        out[whole] = table[idx]
    rest = ~whole
    if rest.any():
        k = x[rest] + shift
        with np.errstate(invalid="ignore"):
            out[rest] = gammaincinv(np.where(k > 0, k, 1.0) if shift == 0 else k, q)
    return out


def poisson_interval(
    count: ArrayLike,
    confidence: float = 0.95,
    *,
    switch: float = 10,
    ci_method: str = "phe",
    z: float | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Byar's limits for counts >= ``switch`` and exact limits below; one row per input row.

    Returns ``(lower, upper, is_exact)``.

    Parameters
    ----------
    count : array-like
        Observed counts, >= 0; a missing count gives missing limits (and ``is_exact`` False).
    confidence : float
        Two-sided confidence level.
    switch : float
        The count from which Byar's limits are used under ``ci_method="phe"``.
    ci_method : {"phe", "exact", "byars"}
        ``"phe"`` (default): exact below ``switch``, Byar's from it. ``"exact"``: exact
        limits for every count. ``"byars"``: Byar's for every count (a count of 0 then has a
        missing lower limit, as :func:`byars_interval`).
    z : float, optional
        *z* for Byar's limits instead of the quantile of ``confidence`` (exact limits have
        no *z*).

    Notes
    -----
    This is the OHID rule for crude rates and indirectly standardised ratios. Fingertips has
    not always used it: some published series use exact limits throughout, others Byar's
    with :math:`z = 1.96` exactly; ``ci_method`` and ``z`` reproduce those.

    References
    ----------
    OHID Public Health Technical Guidance; PHEindicatormethods ``phe_rate``.
    """
    if ci_method not in POISSON_CI_METHODS:
        raise ValueError(
            f"ci_method must be one of {', '.join(POISSON_CI_METHODS)}, got {ci_method!r}"
        )
    x = _counts(count)
    if ci_method == "exact":
        exact = ~np.isnan(x)
    elif ci_method == "byars":
        exact = np.zeros(x.shape, dtype=bool)
    else:
        exact = x < switch
    lower = np.empty(x.shape, dtype="float64")
    upper = np.empty(x.shape, dtype="float64")
    # each rule only on the counts it applies to
    if exact.any():
        lower[exact], upper[exact] = exact_poisson_interval(x[exact], confidence)
    byars = ~exact
    if byars.any():
        lower[byars], upper[byars] = byars_interval(x[byars], confidence, z=z)
    return lower, upper, exact


def wilson_interval(
    numerator: ArrayLike,
    denominator: ArrayLike,
    confidence: float = 0.95,
    *,
    z: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score limits of a proportion; one row per input row.

    Parameters
    ----------
    numerator, denominator : array-like
        Cases and sample sizes, ``0 <= numerator <= denominator``; a missing value gives
        missing limits.
    confidence : float
        Two-sided confidence level.
    z : float, optional
        *z* to use instead of the quantile of ``confidence``.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Limits as proportions (0 to 1); NaN where the denominator is 0.

    Notes
    -----
    .. math::

        \\frac{2O + z^2 \\mp z\\sqrt{z^2 + 4O(1 - O/n)}}{2(n + z^2)}

    References
    ----------
    Wilson EB. Probable inference, the law of succession, and statistical inference.
    J Am Stat Assoc 1927;22:209-212. Newcombe RG, Altman DG. Proportions and their
    differences. In: Altman DG et al. (eds). Statistics with confidence, 2nd edn. BMJ
    Books; 2000:46-48. PHEindicatormethods ``wilson_lower`` / ``wilson_upper``.
    """
    x = _counts(numerator, "numerator")
    n = _counts(denominator, "denominator")
    if np.any(x > n):
        i = np.flatnonzero(x > n)[0]
        raise ValueError(f"numerator must be <= denominator, got {x.flat[i]:g} > {n.flat[i]:g}")
    z = _z(confidence, z)
    z2 = z * z
    with np.errstate(divide="ignore", invalid="ignore"):
        root = z * np.sqrt(z2 + 4 * x * (1 - x / n))
        lower = (2 * x + z2 - root) / 2 / (n + z2)
        upper = (2 * x + z2 + root) / 2 / (n + z2)
    bad = n == 0
    return np.where(bad, np.nan, lower), np.where(bad, np.nan, upper)


def clopper_pearson_interval(
    numerator: ArrayLike, denominator: ArrayLike, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Clopper-Pearson) limits of a proportion; one row per input row.

    Parameters
    ----------
    numerator, denominator : array-like
        Cases and sample sizes, ``0 <= numerator <= denominator``; a missing value gives
        missing limits.
    confidence : float
        Two-sided confidence level.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        Limits as proportions (0 to 1); NaN where the denominator is 0.

    Notes
    -----
    With :math:`\\alpha = 1 - confidence`, the lower limit is the
    :math:`\\alpha/2` quantile of :math:`\\mathrm{Beta}(O, n - O + 1)` (0 when :math:`O = 0`)
    and the upper the :math:`1 - \\alpha/2` quantile of :math:`\\mathrm{Beta}(O + 1, n - O)`
    (1 when :math:`O = n`).

    References
    ----------
    Clopper CJ, Pearson ES. The use of confidence or fiducial limits illustrated in the case
    of the binomial. Biometrika 1934;26:404-413.
    """
    from scipy.special import betaincinv

    x = _counts(numerator, "numerator")
    n = _counts(denominator, "denominator")
    if np.any(x > n):
        i = np.flatnonzero(x > n)[0]
        raise ValueError(f"numerator must be <= denominator, got {x.flat[i]:g} > {n.flat[i]:g}")
    alpha = 1 - _level(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        lower = betaincinv(np.where(x > 0, x, 1.0), n - x + 1, alpha / 2)
        upper = betaincinv(x + 1, np.where(n > x, n - x, 1.0), 1 - alpha / 2)
    lower = np.where(x == 0, 0.0, lower)
    upper = np.where(x == n, 1.0, upper)
    bad = n == 0
    return np.where(bad, np.nan, lower), np.where(bad, np.nan, upper)


def proportion_interval(
    numerator: ArrayLike,
    denominator: ArrayLike,
    confidence: float = 0.95,
    *,
    ci_method: str = "wilson",
    z: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Limits of a proportion by the chosen method; one row per input row.

    ``ci_method="wilson"`` (default, OHID's) gives :func:`wilson_interval` (with ``z`` when
    given); ``"exact"`` gives :func:`clopper_pearson_interval` (which has no *z*).
    """
    if ci_method not in PROPORTION_CI_METHODS:
        raise ValueError(
            f"ci_method must be one of {', '.join(PROPORTION_CI_METHODS)}, got {ci_method!r}"
        )
    if ci_method == "exact":
        return clopper_pearson_interval(numerator, denominator, confidence)
    return wilson_interval(numerator, denominator, confidence, z=z)


def student_t_interval(
    mean: ArrayLike, standard_deviation: ArrayLike, n: ArrayLike, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Student's t limits of a mean; one row per input row.

    Notes
    -----
    :math:`\\bar x \\pm t_{1-\\alpha/2,\\,n-1}\\, s/\\sqrt n` with *s* the sample standard
    deviation; NaN when ``n < 2``.

    References
    ----------
    OHID Public Health Technical Guidance, "Confidence intervals" (means).
    PHEindicatormethods ``phe_mean``.
    """
    from scipy.special import stdtrit

    m = np.asarray(mean, dtype="float64")
    s = np.asarray(standard_deviation, dtype="float64")
    k = np.asarray(n, dtype="float64")
    level = _level(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = stdtrit(np.where(k >= 2, k - 1, np.nan), level + (1 - level) / 2)
        half = t * s / np.sqrt(k)
    return m - half, m + half
