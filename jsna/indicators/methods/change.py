r"""Change over time: is the difference between two periods' values significant?

:func:`change_between_periods` tests, row by row, whether a value differs from an earlier value
of the same series more than chance would explain, using only what a published table holds:
the two values and their confidence limits. The standard error of each value is read back
from its limits, :math:`se = (U - L) / (2 z)` with *z* the normal quantile of the limits'
level (:func:`~jsna.indicators.methods.z_for`; 1.959964 for 95% limits), and the difference is
tested with

.. math::

    z = \frac{v_1 - v_0}{\sqrt{se_1^2 + se_0^2}},

significant when :math:`|z|` exceeds the two-sided normal quantile of the test's confidence
level. The test assumes the two periods are independent (pooled periods that overlap share
data, and should not be tested this way) and is approximate where the limits are asymmetric
(Byar's, Wilson, Dobson at small counts). It is less conservative than asking that the two
confidence intervals do not overlap, which misses real differences.

References: Schenker N, Gentleman JF. On judging the significance of differences by
examining the overlap between confidence intervals. The American Statistician
2001;55:182-186. OHID Public Health Technical Guidance, "Confidence intervals".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import _validate as v

__all__ = ["change_between_periods"]


def _standard_errors(data: pd.DataFrame, lower: str, upper: str, z: float, role: str) -> np.ndarray:
    """:math:`(U - L) / (2z)`; missing where either limit is."""
    lo = v.numeric(data, lower, f"{role}lower limit", allow_missing=True)
    up = v.numeric(data, upper, f"{role}upper limit", allow_missing=True)
    return (up - lo) / (2 * z)


def change_between_periods(
    data: pd.DataFrame,
    *,
    value: str,
    lower_ci: str,
    upper_ci: str,
    previous_value: str,
    previous_lower_ci: str,
    previous_upper_ci: str,
    confidence: float = 0.95,
    limits_confidence: float = 0.95,
) -> pd.DataFrame:
    r"""Difference between a value and an earlier one, with a z-test of it; one row per input row.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per series: the value now and before, each with its confidence limits.
        Missing values or limits are allowed (the row is then not tested).
    value, lower_ci, upper_ci : str
        The current value and its limits.
    previous_value, previous_lower_ci, previous_upper_ci : str
        The earlier value and its limits.
    confidence : float
        Level of the test (``0.95``: significant when :math:`|z| > 1.96`).
    limits_confidence : float
        Level of the limits given (``0.95`` for Fingertips' ``lower_ci_95``/``upper_ci_95``).

    Returns
    -------
    pandas.DataFrame
        Same index as ``data``; ``difference`` (:math:`v_1 - v_0`), ``se`` (of the
        difference), ``z``, ``significant`` (bool; ``False`` where ``z`` is missing) and
        ``direction`` (+1 an increase, -1 a decrease, 0 none or unknown).

    Notes
    -----
    :math:`se_i = (U_i - L_i) / (2 z_{lim})`,
    :math:`z = (v_1 - v_0) / \sqrt{se_1^2 + se_0^2}`; ``z`` is missing where either value or
    any limit is missing or both standard errors are 0. Significant when
    :math:`|z| > \Phi^{-1}(1 - \alpha/2)`, :math:`\alpha = 1 - confidence`.

    References
    ----------
    Schenker N, Gentleman JF. The American Statistician 2001;55:182-186.
    """
    v.check_columns(
        data,
        value=value,
        lower_ci=lower_ci,
        upper_ci=upper_ci,
        previous_value=previous_value,
        previous_lower_ci=previous_lower_ci,
        previous_upper_ci=previous_upper_ci,
    )
    z_limits = v.z_for(limits_confidence)
    critical = v.z_for(confidence)
    v1 = v.numeric(data, value, "value", allow_missing=True)
    v0 = v.numeric(data, previous_value, "previous value", allow_missing=True)
    se1 = _standard_errors(data, lower_ci, upper_ci, z_limits, "")
    se0 = _standard_errors(data, previous_lower_ci, previous_upper_ci, z_limits, "previous ")
    se = np.sqrt(se1**2 + se0**2)
    difference = v1 - v0
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se > 0, difference / se, np.nan)
    significant = np.abs(np.nan_to_num(z, nan=0.0)) > critical
    direction = np.sign(np.nan_to_num(difference, nan=0.0)).astype("int64")
    return pd.DataFrame(
        {
            "difference": difference,
            "se": se,
            "z": z,
            "significant": significant,
            "direction": direction,
        },
        index=data.index,
    )
