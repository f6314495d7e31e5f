r"""Value for money: spend per head against outcomes (programme budgeting), and return on investment.

* :func:`spend_outcome_quadrants` - spend per head :math:`S/P` against an outcome, each area
  placed in a quadrant relative to the reference (the layout of the Spend and Outcome Tool).
* :func:`return_on_investment` - discounted outcomes :math:`O = N e \sum_{t=0}^{H-1}
  (1+r)^{-t}`, benefit :math:`B = O V`, :math:`ROI = (B - C)/C`, with limits simulated from
  the inputs' ranges (:math:`sd = (high - low) / 2z`); :func:`discount_factor`.
* :func:`roi_tornado` - one-way sensitivity of the ROI to each input.

References: Public Health England, Spend and Outcome Tool (SPOT): guidance; 2019. HM
Treasury, The Green Book; 2022 (discount rate 3.5%). NICE, Return on investment tools:
methods guide; 2013. Briggs A, Sculpher M, Claxton K. Decision modelling for health economic
evaluation. Oxford: OUP; 2006.

Pure functions over DataFrames and plain inputs; simulated intervals use a seeded generator.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from jsna.indicators.methods import _validate as v
from jsna.indicators.methods._validate import DEFAULT_SEED

__all__ = [
    "DEFAULT_SEED",
    "discount_factor",
    "return_on_investment",
    "roi_tornado",
    "spend_outcome_quadrants",
]

QUADRANTS = {
    (False, True): "Lower spend, better outcome",
    (True, True): "Higher spend, better outcome",
    (False, False): "Lower spend, worse outcome",
    (True, False): "Higher spend, worse outcome",
}


def spend_outcome_quadrants(
    data: pd.DataFrame,
    *,
    spend: str = "spend",
    population: str = "population",
    outcome: str = "outcome_value",
    polarity: str = "outcome_polarity",
    area: str = "area_code",
    by: str | Sequence[str] | None = ("programme", "period"),
    reference: str | None = None,
) -> pd.DataFrame:
    """Spend per head and outcome against comparators, programme-budget style; one row per input row.

    Parameters
    ----------
    data : pandas.DataFrame
        The workspace ``spend`` table: one row per area, period and programme with total
        ``spend`` (£), ``population``, the programme's outcome value and its polarity
        (``high_is_good``/``low_is_good``).
    reference : str, optional
        Area code whose values split the quadrants (e.g. England); default the median of the
        areas in each group.

    Returns
    -------
    pandas.DataFrame
        The input columns plus ``spend_per_head``, ``spend_reference``, ``outcome_reference``,
        ``spend_z``, ``outcome_z`` (standardised across the group's areas, outcome signed so
        that positive is better) and ``quadrant`` ("Lower spend, better outcome", …).

    Notes
    -----
    Spend per head :math:`= S / P`. An area is "higher spend" above the reference spend per
    head and has a "better outcome" when its outcome is on the good side of the reference for
    the polarity. This is the layout of the NHS England/PHE Spend and Outcome Tool (SPOT).

    References
    ----------
    Public Health England. Spend and Outcome Tool (SPOT): guidance; 2019. NHS England.
    Programme budgeting: technical guidance.
    """
    by_ = v.normalise_by(by)
    v.check_columns(
        data, spend=spend, population=population, outcome=outcome, polarity=polarity, area=area
    )
    v.check_by(data, by_)
    s = v.numeric(data, spend, "spend")
    v.check_non_negative(data, s, spend, "spend")
    p = v.numeric(data, population, "population")
    v.check_positive(data, p, population, "population")
    out = data.copy()
    out["spend_per_head"] = s / p
    pol = out[polarity].fillna("high_is_good").astype(str)
    bad = ~pol.isin(["high_is_good", "low_is_good"])
    if bad.any():
        raise ValueError(
            f"outcome polarity must be 'high_is_good' or 'low_is_good', got {pol[bad].iloc[0]!r} "
            f"(column {polarity!r}, row {out.index[bad.to_numpy()][0]})"
        )
    sign = np.where(pol.eq("low_is_good"), -1.0, 1.0)
    keys = by_ or None
    grouped = out.groupby(keys, dropna=False) if keys else None
    if reference is not None:
        ref = out[out[area].eq(reference)]
        if ref.empty:
            raise ValueError(f"reference area {reference!r} is not in the spend data")
        cols = [*by_, "spend_per_head", outcome]
        ref = ref[cols].rename(
            columns={"spend_per_head": "spend_reference", outcome: "outcome_reference"}
        )
        out = (
            out.merge(ref, on=by_, how="left")
            if by_
            else out.assign(
                spend_reference=ref["spend_reference"].iloc[0],
                outcome_reference=ref["outcome_reference"].iloc[0],
            )
        )
    else:
        out["spend_reference"] = (
            grouped["spend_per_head"].transform("median")
            if grouped is not None
            else out["spend_per_head"].median()
        )
        out["outcome_reference"] = (
            grouped[outcome].transform("median") if grouped is not None else out[outcome].median()
        )
    grouped = out.groupby(keys, dropna=False) if keys else None

    def z(col: str) -> pd.Series:
        if grouped is None:
            return (out[col] - out[col].mean()) / out[col].std(ddof=0)
        return (out[col] - grouped[col].transform("mean")) / grouped[col].transform(
            lambda x: x.std(ddof=0)
        )

    out["spend_z"] = z("spend_per_head")
    out["outcome_z"] = z(outcome) * sign
    higher = (out["spend_per_head"] > out["spend_reference"]).to_numpy()
    better = ((out[outcome] - out["outcome_reference"]).to_numpy() * sign) > 0
    out["quadrant"] = [QUADRANTS[(bool(h), bool(b))] for h, b in zip(higher, better, strict=True)]
    out.loc[out[outcome].isna(), "quadrant"] = "No outcome value"
    return out


def discount_factor(years: int, rate: float) -> float:
    """Sum of :math:`(1+r)^{-t}` for :math:`t = 0 … years-1` (benefits at the start of each year)."""
    t = np.arange(int(years))
    return float(np.sum((1 + rate) ** -t))


_UNCERTAIN = (
    ("cost", "Cost"),
    ("reached", "People reached"),
    ("effect", "Effect per person a year"),
    ("value_per_outcome", "Value per outcome"),
)
_LOW_HIGH = {
    "cost": ("cost_low", "cost_high"),
    "reached": ("reached_low", "reached_high"),
    "effect": ("effect_low", "effect_high"),
    "value_per_outcome": ("value_low", "value_high"),
}


def _roi_point(cost: Any, reached: Any, effect: Any, value: Any, factor: float) -> dict[str, Any]:
    outcomes = np.asarray(reached) * np.asarray(effect) * factor
    benefit = outcomes * np.asarray(value)
    with np.errstate(divide="ignore", invalid="ignore"):
        return {
            "outcomes": outcomes,
            "benefit": benefit,
            "net_cost": np.asarray(cost) - benefit,
            "roi": (benefit - np.asarray(cost)) / np.asarray(cost),
            "return_per_pound": benefit / np.asarray(cost),
            "cost_per_outcome": np.asarray(cost) / outcomes,
        }


def return_on_investment(
    interventions: Sequence[Mapping[str, Any]],
    *,
    confidence: v.Confidence = 0.95,
    repetitions: int = 10_000,
    seed: int | None = None,
) -> pd.DataFrame:
    """Return on investment of interventions with Monte Carlo intervals; one row per intervention.

    Parameters
    ----------
    interventions : sequence of mappings
        Each with ``name``, ``cost`` (£), ``reached`` (people), ``effect`` (outcomes avoided
        per person a year), ``value_per_outcome`` (£), ``horizon_years``, ``discount_rate``
        and optional ``*_low``/``*_high`` 95% ranges for cost, reached, effect and value
        (``value_low``/``value_high``) — as the ``[[roi]]`` tables of jsna.toml.

    Returns
    -------
    pandas.DataFrame
        ``name``, ``outcomes`` (discounted outcomes avoided over the horizon), ``benefit``
        (present value, £), ``net_cost`` (cost − benefit), ``cost_per_outcome``, ``roi``
        ((benefit − cost)/cost) and ``return_per_pound`` (benefit/cost), each with
        ``*_lower_ci_95``/``*_upper_ci_95``; ``probability_saves`` (share of simulations
        where benefit exceeds cost) and ``method``.

    Notes
    -----
    Discounted outcomes :math:`O = N e \\sum_{t=0}^{H-1}(1+r)^{-t}`; benefit :math:`B = O V`;
    ROI :math:`= (B - C)/C`. Each uncertain input with a range is drawn from a normal
    distribution with mean the central value and :math:`sd = (high - low) / (2 \\times 1.96)`
    (cost, reach and value truncated at 0); the limits are simulation percentiles.

    References
    ----------
    HM Treasury. The Green Book: central government guidance on appraisal and evaluation;
    2022 (discount rate 3.5%). NICE. Return on investment tools: methods guide; 2013.
    Public Health England. Health economics: evidence resource (ROI); 2018.
    """
    levels = v.normalise_confidence(confidence)
    rng = np.random.Generator(np.random.PCG64(DEFAULT_SEED if seed is None else seed))
    rows = []
    for spec in interventions:
        missing = [
            k
            for k in ("name", "cost", "reached", "effect", "value_per_outcome")
            if spec.get(k) is None
        ]
        if missing:
            raise ValueError(f"intervention {spec.get('name', '?')!r} lacks {', '.join(missing)}")
        factor = discount_factor(
            int(spec.get("horizon_years") or 5), float(spec.get("discount_rate", 0.035))
        )
        draws = {}
        for key, _label in _UNCERTAIN:
            centre = float(spec[key])
            lo_key, hi_key = _LOW_HIGH[key]
            lo, hi = spec.get(lo_key), spec.get(hi_key)
            if lo is None or hi is None:
                draws[key] = np.full(repetitions, centre)
                continue
            if float(lo) > float(hi):
                raise ValueError(
                    f"intervention {spec['name']!r}: {lo_key} ({lo}) is above {hi_key} ({hi})"
                )
            sd = (float(hi) - float(lo)) / (2 * v.z_for(0.95))
            x = centre + sd * rng.standard_normal(repetitions)
            draws[key] = np.maximum(x, 0) if key != "effect" else x
        point = _roi_point(
            float(spec["cost"]),
            float(spec["reached"]),
            float(spec["effect"]),
            float(spec["value_per_outcome"]),
            factor,
        )
        sims = _roi_point(
            draws["cost"], draws["reached"], draws["effect"], draws["value_per_outcome"], factor
        )
        row: dict[str, Any] = {"name": str(spec["name"])}
        for key, val in point.items():
            row[key] = float(val)
            for level in levels:
                label = v.level_label(level)
                q = (1 - level) / 2
                finite = sims[key][np.isfinite(sims[key])]
                row[f"{key}_lower_ci_{label}"] = (
                    float(np.quantile(finite, q)) if finite.size else np.nan
                )
                row[f"{key}_upper_ci_{label}"] = (
                    float(np.quantile(finite, 1 - q)) if finite.size else np.nan
                )
        row["probability_saves"] = float(
            np.mean(
                sims["benefit"] > sims["cost"]
                if "cost" in sims
                else sims["benefit"] > draws["cost"]
            )
        )
        row["horizon_years"] = int(spec.get("horizon_years") or 5)
        row["discount_rate"] = float(spec.get("discount_rate", 0.035))
        row["cost"] = float(spec["cost"])
        row["method"] = (
            f"Monte Carlo ({repetitions:,} simulations); discounted at {row['discount_rate']:.1%} a year"
        )
        rows.append(row)
    return pd.DataFrame(rows)


def roi_tornado(intervention: Mapping[str, Any]) -> pd.DataFrame:
    """One-way sensitivity of the ROI to each input; one row per input with a range.

    Returns ``input``, ``label``, ``low_value``, ``high_value``, ``roi_at_low``, ``roi_at_high``,
    ``swing`` (|difference|) and ``roi`` (central), sorted by swing (largest first), plus rows
    for the horizon (±2 years) and discount rate (0% and 6%), as a tornado chart shows them.

    References
    ----------
    Briggs A, Sculpher M, Claxton K. Decision modelling for health economic evaluation.
    Oxford: OUP; 2006 (one-way sensitivity analysis).
    """
    base = {k: float(intervention[k]) for k, _ in _UNCERTAIN}
    years = int(intervention.get("horizon_years") or 5)
    rate = float(intervention.get("discount_rate", 0.035))

    def roi(values: Mapping[str, float], h: int = years, r: float = rate) -> float:
        return float(
            _roi_point(
                values["cost"],
                values["reached"],
                values["effect"],
                values["value_per_outcome"],
                discount_factor(h, r),
            )["roi"]
        )

    central = roi(base)
    rows = []
    for key, label in _UNCERTAIN:
        lo_key, hi_key = _LOW_HIGH[key]
        if intervention.get(lo_key) is None or intervention.get(hi_key) is None:
            continue
        lo, hi = float(intervention[lo_key]), float(intervention[hi_key])
        rows.append(
            {
                "input": key,
                "label": label,
                "low_value": lo,
                "high_value": hi,
                "roi_at_low": roi({**base, key: lo}),
                "roi_at_high": roi({**base, key: hi}),
            }
        )
    rows.append(
        {
            "input": "horizon_years",
            "label": "Time horizon (years)",
            "low_value": max(1, years - 2),
            "high_value": years + 2,
            "roi_at_low": roi(base, h=max(1, years - 2)),
            "roi_at_high": roi(base, h=years + 2),
        }
    )
    rows.append(
        {
            "input": "discount_rate",
            "label": "Discount rate",
            "low_value": 0.0,
            "high_value": 0.06,
            "roi_at_low": roi(base, r=0.0),
            "roi_at_high": roi(base, r=0.06),
        }
    )
    out = pd.DataFrame(rows)
    out["swing"] = (out["roi_at_high"] - out["roi_at_low"]).abs()
    out["roi"] = central
    return out.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)
