"""Indicators computed on GP practices' registered lists (``analysis_practice_indicators``).

``jsna compute`` stores :func:`practice_list_indicators` beside ``analysis_practices``; the
report (``jsna/report/practices.py``) only reads it.

Inputs
------
- counts by practice, sex and age band (``jsna ingest practice-counts``: people on a register,
  or events of the practice's patients), one series per ``measure``, latest period of each;
- the practices' registered lists by sex and age (``jsna ingest registrations``, the single-year
  or 5-year-band file), each practice's latest extract.

Both are put in the 19 bands of the 2013 European Standard Population (``0-4`` … ``90+``).

What is stored
--------------
One row per authority, attached practice and measure: the count; the crude value on the list
(Wilson limits for a prevalence, exact/Byar's Poisson limits for a rate); the directly
standardised rate of the persons list (ESP2013, Dobson; not computed under 10 events, or with
an empty band); the expected count and expected prevalence from the list's age-sex profile and
the reference (every practice in the counts file with a list: load England's practices to make
it England); the observed/expected ratio with 95% and 99.8% limits and its significance against
1; the pooled ratio (sum of observed over sum of expected) of the practice's sub-ICB location
and of the authority's practices.

A measure is a prevalence (per cent) when no practice counts more than its list, else a rate
per 1,000 registered patients.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from jsna.indicators.context import ComputeContext

#: the reference of the expected counts, as stored and shown
REFERENCE = "All practices in the counts file"
LEVELS = (0.95, 0.998)
LIMITS = ("lower_ci_95", "upper_ci_95", "lower_ci_99_8", "upper_ci_99_8")

#: the columns of ``analysis_practice_indicators`` (docs/workspace-tables.md)
PRACTICE_INDICATOR_COLUMNS = (
    "report_area",
    "practice_code",
    "practice_name",
    "sub_icb_code",
    "measure",
    "period",
    "list_size",
    "list_period",
    "multiplier",
    "reference",
    "count",
    "crude_value",
    *(f"crude_{c}" for c in LIMITS),
    "dsr_value",
    *(f"dsr_{c}" for c in LIMITS),
    "dsr_note",
    "expected",
    "expected_value",
    "ratio",
    *(f"ratio_{c}" for c in LIMITS),
    "ratio_method",
    "ratio_note",
    "significance",
    "sub_icb_ratio",
    "area_ratio",
)


def _five_year(age_from: pd.Series) -> pd.Series:
    """The ESP2013 band label of each lower age."""
    start = (age_from.astype("int64") // 5 * 5).clip(upper=90)
    return start.map(lambda a: "90+" if a == 90 else f"{a}-{a + 4}")


def banded_lists(registrations: pd.DataFrame) -> pd.DataFrame:
    """Each practice's latest registered list by sex and ESP2013 band: ``practice_code``,
    ``list_period``, ``sex``, ``age_band``, ``population``."""
    reg = registrations[
        registrations["sex"].isin(["Male", "Female"]) & registrations["age_band"].ne("All ages")
    ]
    latest = reg.groupby("practice_code")["period"].transform("max")
    reg = reg[reg["period"].eq(latest)]
    lists = (
        reg.assign(age_band=_five_year(reg["age_from"]))
        .groupby(["practice_code", "period", "sex", "age_band"])["count"]
        .sum()
        .reset_index()
    )
    return lists.rename(columns={"period": "list_period", "count": "population"})


def measure_indicators(counts: pd.DataFrame, lists: pd.DataFrame) -> pd.DataFrame:
    """One measure's indicators for every practice with counts and a banded list: one row per
    practice (the columns of :data:`PRACTICE_INDICATOR_COLUMNS` from ``count`` on)."""
    import pandas as pd

    from jsna.indicators.methods import (
        ESP2013_BANDS,
        crude_rate,
        directly_standardised_rate,
        expected_prevalence,
        proportion,
    )

    observed = (
        counts[counts["sex"].isin(["Male", "Female"])]
        .assign(age_band=lambda f: _five_year(f["age_from"]))
        .groupby(["practice_code", "sex", "age_band"], as_index=False)["count"]
        .sum()
    )
    practices = sorted(set(observed["practice_code"]) & set(lists["practice_code"]))
    if not practices:
        return pd.DataFrame()
    grid = pd.MultiIndex.from_product(
        [practices, ["Female", "Male"], list(ESP2013_BANDS)],
        names=["practice_code", "sex", "age_band"],
    ).to_frame(index=False)
    grid = grid.merge(lists.drop(columns="list_period"), how="left").merge(observed, how="left")
    grid = grid.fillna({"population": 0.0, "count": 0.0})
    totals = grid.groupby("practice_code")[["count", "population"]].sum()
    prevalence = bool((totals["count"] <= totals["population"]).all())
    multiplier = 100.0 if prevalence else 1000.0
    oe = expected_prevalence(
        grid,
        count="count",
        population="population",
        age_band="age_band",
        sex="sex",
        by="practice_code",
        confidence=LEVELS,
        multiplier=multiplier,
    )
    # a prevalence gets Wilson limits, a rate Poisson limits
    method: Callable[..., pd.DataFrame] = proportion if prevalence else crude_rate
    columns: dict[str, Any] = (
        {"numerator": "count", "denominator": "population"}
        if prevalence
        else {"count": "count", "population": "population"}
    )
    crude = method(
        totals.reset_index(),
        **columns,
        by="practice_code",
        confidence=LEVELS,
        multiplier=multiplier,
    )
    persons = grid.groupby(["practice_code", "age_band"], as_index=False)[
        ["count", "population"]
    ].sum()
    dsr = directly_standardised_rate(
        persons,
        count="count",
        population="population",
        age_band="age_band",
        by="practice_code",
        confidence=LEVELS,
        multiplier=multiplier,
        zero_population="missing",
    )
    out = oe.rename(
        columns={
            "value": "ratio",
            "method": "ratio_method",
            "note": "ratio_note",
            **{c: f"ratio_{c}" for c in LIMITS},
        }
    ).drop(columns="denominator")
    out = out.merge(
        crude[["practice_code", *LIMITS]].rename(columns={c: f"crude_{c}" for c in LIMITS}),
        on="practice_code",
    )
    out = out.merge(
        dsr[["practice_code", "value", "note", *LIMITS]].rename(
            columns={"value": "dsr_value", "note": "dsr_note", **{c: f"dsr_{c}" for c in LIMITS}}
        ),
        on="practice_code",
    )
    return out.assign(multiplier=multiplier, reference=REFERENCE)


def practice_list_indicators(ctx: ComputeContext, areas: Sequence[tuple[str, str]]) -> pd.DataFrame:
    """``analysis_practice_indicators`` for every ``(code, name)`` authority in ``areas``: see
    the module notes."""
    import pandas as pd

    from jsna.indicators.practices import attached_practices
    from jsna.vocabulary.periods import latest_period

    empty = pd.DataFrame(columns=list(PRACTICE_INDICATOR_COLUMNS))
    counts = ctx.table_view("practice_events")
    registrations = ctx.table_view("registrations")
    if counts.empty or registrations.empty:
        return empty
    attached = attached_practices(ctx)
    attached = attached[attached["area_code"].isin({code for code, _ in areas})]
    lists = banded_lists(registrations)
    if attached.empty or lists.empty:
        return empty
    names = ctx.area_names()
    pieces = []
    for measure, rows in counts.groupby("measure", sort=True):
        period = latest_period(rows["period"]) or ""
        one = measure_indicators(rows[rows["period"].eq(period)], lists)
        if one.empty:
            continue
        mine = attached.merge(one, on="practice_code", how="inner")
        if mine.empty:
            continue
        pooled_sub = (
            mine.drop_duplicates("practice_code")
            .groupby("sub_icb_code")[["count", "expected"]]
            .sum()
        )
        pooled_area = mine.groupby("area_code")[["count", "expected"]].sum()
        pieces.append(
            mine.assign(
                measure=measure,
                period=period,
                sub_icb_ratio=mine["sub_icb_code"].map(
                    pooled_sub["count"] / pooled_sub["expected"]
                ),
                area_ratio=mine["area_code"].map(pooled_area["count"] / pooled_area["expected"]),
                practice_name=mine["practice_code"].map(lambda c: names.get(c) or c),
            ).rename(columns={"area_code": "report_area"})
        )
    if not pieces:
        return empty
    out = pd.concat(pieces, ignore_index=True)
    return (
        out[list(PRACTICE_INDICATOR_COLUMNS)]
        .sort_values(["report_area", "measure", "practice_code"])
        .reset_index(drop=True)
    )
