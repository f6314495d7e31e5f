"""All the statistics of jsna: the methods of the OHID Public Health Technical Guidance
(Fingertips) and the analyses of the report, as pure, vectorised functions.

Each takes a DataFrame first, column names as keyword-only arguments, ``by=`` groups and
``confidence=`` levels, and returns a new DataFrame; none reads the workspace, the
configuration or a file. The Fingertips methods match the R package PHEindicatormethods, the
reference implementation, to 1e-9. One module per family; each module's docstring names its
formulas and references, and each function's ``Notes`` gives the formula in full:

==========================  ==============================================================
module                      what it computes
==========================  ==============================================================
``intervals``               confidence limits: Byar's, exact Poisson, Wilson, Student t
``rates``                   crude rates (Byar's; exact Poisson under 10 events)
``proportions``             proportions (Wilson score limits)
``means``                   means (Student t limits)
``standardised``            directly standardised rates (ESP2013, Dobson), indirectly
                            standardised ratios and rates
``registered_lists``        expected prevalence of a GP practice list from its age-sex
                            profile, observed/expected ratio
``esp2013``                 the 2013 European Standard Population
``life_expectancy``         the Chiang II abridged life table, life expectancy with
                            Silcocks' variance
``benchmark``               comparison with a benchmark (CI overlap, polarity, quintiles)
``trend``                   Fingertips' 5-point trend test (chi-square for trend)
``change``                  change between two periods (z-test from published limits)
``funnel``                  funnel-plot control limits
``quantiles``               quantile assignment
``inequality``              slope and relative index of inequality, the WHO HEAT summary
                            measures, deprivation quantiles
``decomposition``           life-expectancy gap and its Arriaga decomposition by age/cause
``projections``             population, service-use and outcome projections, scenarios
``value_for_money``         spend against outcome, return on investment, tornado
``personal_budgets``        personal health budget uptake, sizes, costs and outcomes;
                            integrated personal commissioning cohorts, envelope and
                            outcomes by client group
==========================  ==============================================================

Every *z* comes from the confidence level through :func:`z_for`. Importing this package
is cheap: scipy is imported inside the functions that need it (``scipy.special`` only).
"""

from ._validate import DEFAULT_SEED, z_for
from .benchmark import compare_to_benchmark
from .change import change_between_periods
from .decomposition import life_expectancy_gap, life_expectancy_gap_decomposition
from .esp2013 import ESP2013_BANDS, collapse_standard_population, european_standard_population
from .funnel import funnel_limits, funnel_significance
from .inequality import (
    HEAT_MEASURES,
    absolute_concentration_index,
    between_group_standard_deviation,
    between_group_variance,
    coefficient_of_variation,
    deprivation_quantiles,
    difference,
    index_of_disparity,
    mean_difference_from_best,
    mean_difference_from_mean,
    mean_difference_from_reference,
    mean_log_deviation,
    population_attributable_fraction,
    population_attributable_risk,
    quantile_label,
    ratio,
    relative_concentration_index,
    slope_index_of_inequality,
    theil_index,
)
from .intervals import (
    byars_interval,
    exact_poisson_interval,
    poisson_interval,
    student_t_interval,
    wilson_interval,
)
from .life_expectancy import LifeTable, abridged_life_table, life_expectancy
from .means import mean
from .personal_budgets import (
    PHB_EVIDENCE,
    budget_distribution,
    budget_envelope,
    cohort_sizes,
    cost_against_conventional,
    outcome_change,
    outcome_proportions,
    phb_evidence,
    uptake_rate,
    uptake_scenarios,
)
from .projections import (
    Scenario,
    aggregate_to_bands,
    financial_year,
    prevalence_rates,
    project_population,
    projected_cases,
    service_use_rates,
)
from .proportions import proportion
from .quantiles import assign_quantiles
from .rates import crude_rate
from .registered_lists import expected_prevalence, ratio_significance
from .standardised import (
    directly_standardised_rate,
    indirectly_standardised_rate,
    indirectly_standardised_ratio,
)
from .trend import trend
from .value_for_money import (
    discount_factor,
    return_on_investment,
    roi_tornado,
    spend_outcome_quadrants,
)

__all__ = [
    "DEFAULT_SEED",
    "ESP2013_BANDS",
    "HEAT_MEASURES",
    "PHB_EVIDENCE",
    "LifeTable",
    "Scenario",
    "abridged_life_table",
    "absolute_concentration_index",
    "aggregate_to_bands",
    "assign_quantiles",
    "between_group_standard_deviation",
    "between_group_variance",
    "budget_distribution",
    "budget_envelope",
    "byars_interval",
    "change_between_periods",
    "coefficient_of_variation",
    "cohort_sizes",
    "collapse_standard_population",
    "compare_to_benchmark",
    "cost_against_conventional",
    "crude_rate",
    "deprivation_quantiles",
    "difference",
    "directly_standardised_rate",
    "discount_factor",
    "european_standard_population",
    "exact_poisson_interval",
    "expected_prevalence",
    "financial_year",
    "funnel_limits",
    "funnel_significance",
    "index_of_disparity",
    "indirectly_standardised_rate",
    "indirectly_standardised_ratio",
    "life_expectancy",
    "life_expectancy_gap",
    "life_expectancy_gap_decomposition",
    "mean",
    "mean_difference_from_best",
    "mean_difference_from_mean",
    "mean_difference_from_reference",
    "mean_log_deviation",
    "outcome_change",
    "outcome_proportions",
    "phb_evidence",
    "poisson_interval",
    "population_attributable_fraction",
    "population_attributable_risk",
    "prevalence_rates",
    "project_population",
    "projected_cases",
    "proportion",
    "quantile_label",
    "ratio",
    "ratio_significance",
    "relative_concentration_index",
    "return_on_investment",
    "roi_tornado",
    "service_use_rates",
    "slope_index_of_inequality",
    "spend_outcome_quadrants",
    "student_t_interval",
    "theil_index",
    "trend",
    "uptake_rate",
    "uptake_scenarios",
    "wilson_interval",
    "z_for",
]
