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
    "byars_interval",
    "exact_poisson_interval",
    "poisson_interval",
    "student_t_interval",
    "wilson_interval",
]


def _level(confidence: float) -> float:
    levels = normalise_confidence(confidence)
    if len(levels) != 1:
        raise ValueError(f"confidence must be a single level here, got {confidence!r}")
    return levels[0]


def _counts(count: ArrayLike, name: str = "count") -> np.ndarray:
    x = np.asarray(count, dtype="float64")
    if np.any(x < 0):
        bad = x[x < 0].flat[0]
        raise ValueError(f"{name} must be >= 0, got {bad:g}")
    return x


def byars_interval(count: ArrayLike, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Byar's approximation to the exact Poisson limits of an observed count; one row per input row.

    Parameters
    ----------
    count : array-like
        Observed numbers of events, >= 0.
    confidence : float
        Two-sided confidence level, e.g. ``0.95`` or ``95``.

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
    z = z_for(_level(confidence))
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
        Observed numbers of events, >= 0 (whole numbers for a true Poisson count).
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
    lower[~(x > 0)] = 0.0
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
    count: ArrayLike, confidence: float = 0.95, *, switch: float = 10
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Byar's limits for counts >= ``switch`` and exact limits below; one row per input row.

    Returns ``(lower, upper, is_exact)``.

    Notes
    -----
    This is the OHID rule for crude rates and indirectly standardised ratios.

    References
    ----------
    OHID Public Health Technical Guidance; PHEindicatormethods ``phe_rate``.
    """
    x = _counts(count)
    exact = x < switch
    lower = np.empty(x.shape, dtype="float64")
    upper = np.empty(x.shape, dtype="float64")
    # each rule only on the counts it applies to
    if exact.any():
        lower[exact], upper[exact] = exact_poisson_interval(x[exact], confidence)
    byars = ~exact
    if byars.any():
        lower[byars], upper[byars] = byars_interval(x[byars], confidence)
    return lower, upper, exact


def wilson_interval(
    numerator: ArrayLike, denominator: ArrayLike, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score limits of a proportion; one row per input row.

    Parameters
    ----------
    numerator, denominator : array-like
        Cases and sample sizes, ``0 <= numerator <= denominator``.
    confidence : float
        Two-sided confidence level.

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
    z = z_for(_level(confidence))
    z2 = z * z
    with np.errstate(divide="ignore", invalid="ignore"):
        root = z * np.sqrt(z2 + 4 * x * (1 - x / n))
        lower = (2 * x + z2 - root) / 2 / (n + z2)
        upper = (2 * x + z2 + root) / 2 / (n + z2)
    bad = n == 0
    return np.where(bad, np.nan, lower), np.where(bad, np.nan, upper)


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
