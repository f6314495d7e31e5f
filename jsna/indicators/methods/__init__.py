"""Statistical methods of the OHID Public Health Technical Guidance (Fingertips).

Pure, vectorised functions: each takes a DataFrame first, column names as keyword-only
arguments, ``by=`` groups and ``confidence=`` levels, and returns a new DataFrame. They
match the R package PHEindicatormethods, the reference implementation used for
Fingertips. See ``docs`` and each function's docstring for formulas and references.
"""

from .benchmark import compare_to_benchmark
from .esp2013 import ESP2013_BANDS, collapse_standard_population, european_standard_population
from .funnel import funnel_limits, funnel_significance
from .intervals import (
    byars_interval,
    exact_poisson_interval,
    poisson_interval,
    student_t_interval,
    wilson_interval,
)
from .life_expectancy import life_expectancy
from .means import mean
from .proportions import proportion
from .quantiles import assign_quantiles
from .rates import crude_rate
from .standardised import (
    directly_standardised_rate,
    indirectly_standardised_rate,
    indirectly_standardised_ratio,
)
from .trend import trend

__all__ = [
    "ESP2013_BANDS",
    "assign_quantiles",
    "byars_interval",
    "collapse_standard_population",
    "compare_to_benchmark",
    "crude_rate",
    "directly_standardised_rate",
    "european_standard_population",
    "exact_poisson_interval",
    "funnel_limits",
    "funnel_significance",
    "indirectly_standardised_rate",
    "indirectly_standardised_ratio",
    "life_expectancy",
    "mean",
    "poisson_interval",
    "proportion",
    "student_t_interval",
    "trend",
    "wilson_interval",
]
