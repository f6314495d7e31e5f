"""The common last step of a compute run: names, types, benchmark comparison and trend."""

from __future__ import annotations

from typing import TYPE_CHECKING

from jsna.ingest.fields import area_type_of, period_sortable
from jsna.ingest.schemas import RESULT_COLUMNS

if TYPE_CHECKING:
    import pandas as pd

    from jsna.indicators.context import ComputeContext
    from jsna.indicators.registry import IndicatorRegistry

#: the keys that identify one series of an indicator in one area
SERIES_KEYS = ["indicator_id", "area_code", "sex", "age", "category_type", "category"]
#: the keys an area row and its benchmark row share
MATCH_KEYS = ["indicator_id", "period", "sex", "age"]


def finish_results(frame: pd.DataFrame, ctx: ComputeContext, registry: IndicatorRegistry) -> pd.DataFrame:
    """Fill metadata, compare each row with its benchmark and mark recent trends."""
    import pandas as pd

    if frame.empty:
        return pd.DataFrame(columns=list(RESULT_COLUMNS))
    out = frame.reindex(columns=list(RESULT_COLUMNS)).copy()
    for col in ("area_name", "area_type", "parent_code", "category_type", "category", "value_note",
                "compared_to_benchmark", "compared_to_benchmark_99_8", "trend", "benchmark_code"):
        out[col] = out[col].astype(object)
    names = ctx.area_names()
    out["area_name"] = out["area_name"].fillna(out["area_code"].map(names))
    out["area_type"] = out["area_type"].fillna(out["area_code"].map(area_type_of))
    out["period_sortable"] = out["period_sortable"].fillna(out["period"].map(period_sortable)).astype("Int64")
    benchmark = {ind.id: ind.benchmark for ind in registry.indicators.values()}
    out = _compare(out, ctx.benchmark_code, benchmark, _parents(ctx))
    out = _trend(out)
    keys = ["section", "indicator_id", "area_code", "sex", "age", "category_type", "category", "period_sortable", "period"]
    out = out.sort_values(keys, na_position="first", kind="stable").reset_index(drop=True)
    return out


def _parents(ctx: ComputeContext) -> dict[str, str]:
    """Each small area's local authority (or each child's nearest parent) from the lookups."""
    lookups = ctx.table_view("lookups")
    if lookups.empty:
        return {}
    rank = {"Local authority district": 0, "Lower-tier local authority": 0, "County or unitary authority": 1,
            "Upper-tier local authority": 1, "MSOA": 2, "Ward": 3}
    ordered = lookups.assign(_rank=lookups["parent_type"].map(rank).fillna(9)).sort_values(["child_code", "_rank"])
    first = ordered.drop_duplicates("child_code")
    return dict(zip(first["child_code"], first["parent_code"], strict=True))


def _compare(out: pd.DataFrame, benchmark_code: str, benchmark: dict[str, str],
             parents: dict[str, str] | None = None) -> pd.DataFrame:
    import numpy as np

    from jsna.indicators import methods

    kind = out["indicator_id"].map(benchmark).fillna("england")
    judged = kind.ne("none")
    out["parent_code"] = out["parent_code"].fillna(out["area_code"].map(parents or {}))
    # "england" indicators compare with the project benchmark, "parent" ones with each area's parent
    target = out["parent_code"].where(kind.eq("parent") & out["parent_code"].notna(), benchmark_code)
    # a category row (e.g. one activity) is compared with the benchmark's row for the same
    # category; a category the benchmark does not have (a local deprivation quintile) with the
    # benchmark's overall value, as Fingertips does
    cat_keys = ["category_type", "category"]
    keyed = out.assign(**{k: out[k].fillna("") for k in cat_keys}, _target=target)
    values = keyed.drop(columns=["_target"]).rename(columns={"area_code": "_target"})
    same = values[["_target", *MATCH_KEYS, *cat_keys, "value"]].drop_duplicates(["_target", *MATCH_KEYS, *cat_keys])
    overall = values[values["category_type"].eq("")][["_target", *MATCH_KEYS, "value"]].drop_duplicates(
        ["_target", *MATCH_KEYS])
    merged = keyed.merge(same.rename(columns={"value": "_same"}), on=["_target", *MATCH_KEYS, *cat_keys], how="left")
    merged = merged.merge(overall.rename(columns={"value": "_overall"}), on=["_target", *MATCH_KEYS], how="left")
    merged.index = out.index
    merged["_bench"] = merged["_same"].fillna(merged["_overall"])
    compare = judged & merged["_bench"].notna() & out["area_code"].ne(target)
    out.loc[compare, "benchmark_code"] = target[compare]
    out.loc[compare, "benchmark_value"] = merged.loc[compare, "_bench"]
    rows = out[compare]
    if len(rows):
        work = rows[["value", "lower_ci_95", "upper_ci_95", "lower_ci_99_8", "upper_ci_99_8",
                     "benchmark_value", "polarity"]].copy()
        work["polarity"] = work["polarity"].where(work["polarity"].isin(methods.benchmark.POLARITIES), "no_judgement")
        c95 = methods.compare_to_benchmark(work, polarity="polarity", confidence=0.95)["compared_to_benchmark"]
        c998 = methods.compare_to_benchmark(work, polarity="polarity", confidence=0.998)["compared_to_benchmark"]
        keep = out.loc[compare, "compared_to_benchmark"]
        out.loc[compare, "compared_to_benchmark"] = np.where(keep.notna() & out.loc[compare, "source"].eq("imported")
                                                             & c95.eq("Not compared").to_numpy(), keep, c95)
        out.loc[compare, "compared_to_benchmark_99_8"] = c998.to_numpy()
    out.loc[out["area_code"].eq(benchmark_code), "compared_to_benchmark"] = "Benchmark"
    return out


def _trend(out: pd.DataFrame) -> pd.DataFrame:
    from jsna.indicators import methods

    filled = out.assign(**{c: out[c].fillna("") for c in ("category_type", "category", "sex", "age")})
    has_limits = filled["lower_ci_95"].notna() & filled["upper_ci_95"].notna()
    series_len = filled.groupby(SERIES_KEYS)["period"].transform("nunique")
    eligible = has_limits & series_len.ge(5) & filled["polarity"].notna()
    if not eligible.any():
        return out
    work = filled[eligible].copy()
    work["_t"] = work["period_sortable"].astype("float64")
    work = work.drop_duplicates([*SERIES_KEYS, "_t"])
    result = methods.trend(work, period="_t", kind="other", by=SERIES_KEYS, polarity="polarity")
    latest = result[[*SERIES_KEYS, "trend"]].rename(columns={"trend": "_trend"})
    merged = filled.merge(latest, on=SERIES_KEYS, how="left")
    merged.index = out.index
    is_latest = filled["period_sortable"].eq(filled.groupby(SERIES_KEYS)["period_sortable"].transform("max"))
    fill = merged["_trend"].notna() & is_latest & out["trend"].isna()
    out.loc[fill, "trend"] = merged.loc[fill, "_trend"]
    return out
