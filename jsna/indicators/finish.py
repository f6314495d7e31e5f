"""The common last step of a compute run: names, types, benchmark comparison and trend."""

from __future__ import annotations

from typing import TYPE_CHECKING

from jsna.indicators.context import CANONICAL_NAMES
from jsna.vocabulary.areas import area_type_of
from jsna.vocabulary.periods import period_sortable
from jsna.vocabulary.tables import RESULT_COLUMNS

if TYPE_CHECKING:
    import pandas as pd

    from jsna.indicators.context import ComputeContext
    from jsna.indicators.registry import IndicatorRegistry

#: the keys that identify one series of an indicator in one area
SERIES_KEYS = ["indicator_id", "area_code", "sex", "age", "category_type", "category"]
#: the keys an area row and its benchmark row share
MATCH_KEYS = ["indicator_id", "period", "sex", "age"]


def finish_results(
    frame: pd.DataFrame, ctx: ComputeContext, registry: IndicatorRegistry
) -> pd.DataFrame:
    """Fill metadata, compare each row with its benchmark and mark recent trends."""
    import pandas as pd

    if frame.empty:
        return pd.DataFrame(columns=list(RESULT_COLUMNS))
    out = frame.reindex(columns=list(RESULT_COLUMNS)).copy()
    for col in (
        "area_name",
        "area_type",
        "parent_code",
        "category_type",
        "category",
        "value_note",
        "compared_to_benchmark",
        "compared_to_benchmark_99_8",
        "trend",
        "benchmark_code",
    ):
        out[col] = out[col].astype(object)
    names = ctx.area_names()
    # one name per area: countries and regions by their proper names, others as the inputs name them
    out["area_name"] = (
        out["area_code"]
        .map(CANONICAL_NAMES)
        .fillna(out["area_name"])
        .fillna(out["area_code"].map(names))
    )
    out["area_type"] = out["area_type"].fillna(out["area_code"].map(area_type_of))
    # the latest period is the one that ends last: the key always comes from the label (jsna.vocabulary.periods),
    # never from a file's own sortable column (Fingertips' orders by start)
    out["period_sortable"] = out["period"].map(period_sortable).astype("Int64")
    out = _distinct_imported_ids(out, registry)
    benchmark = {ind.id: ind.benchmark for ind in registry.indicators.values()}
    out = _compare(
        out, ctx.benchmark_code, benchmark, _parents(ctx), rag_levels(ctx.config, registry)
    )
    out = _trend(out)
    out = choose_sources(out, registry)
    out = latest_published_series(out)
    keys = [
        "section",
        "indicator_id",
        "area_code",
        "sex",
        "age",
        "category_type",
        "category",
        "period_sortable",
        "period",
    ]
    out = out.sort_values(keys, na_position="first", kind="stable").reset_index(drop=True)
    return out


#: ``value_note`` of a row the report does not show because another source gives the same figure
NOT_SHOWN = "Not shown"


def _distinct_imported_ids(out: pd.DataFrame, registry: IndicatorRegistry) -> pd.DataFrame:
    """Published rows whose id is a computed indicator's id (a tidy file's name slug such as
    ``life-expectancy-at-birth``) take the id ``published-<id>``, so the two never mix."""
    computed = {i for i, ind in registry.indicators.items() if ind.source != "imported"}
    clash = out["source"].eq("imported") & out["indicator_id"].isin(computed)
    out.loc[clash, "indicator_id"] = "published-" + out.loc[clash, "indicator_id"].astype(str)
    return out


def shown(results: pd.DataFrame) -> pd.Series:
    """True for the rows a report shows: every row except those :func:`choose_sources` set aside."""
    return ~results["value_note"].fillna("").astype(str).str.startswith(NOT_SHOWN)


def choose_sources(out: pd.DataFrame, registry: IndicatorRegistry) -> pd.DataFrame:
    """One value per indicator, area, period and sex where a computed and a published indicator agree to measure it.

    A built-in indicator declares the published indicators that measure the same thing
    (:attr:`Indicator.equivalents`). Where jsna computes the indicator for an area and sex from
    counts, that series is shown and the published series of the same area and sex is set
    aside, every period of it, so its latest value never gives a second verdict; a period that
    could not be computed (too few deaths) shows the published value instead. Areas jsna does
    not compute keep the published values. Both rows stay in the results; the one set aside
    gets ``value_note`` ``"Not shown: …"`` naming the value shown and the difference, and the
    one shown a note naming the other source's value.
    """
    import numpy as np

    specs = [ind for ind in registry.indicators.values() if ind.equivalents]
    if not specs or out.empty:
        return out
    keys = ["area_code", "period", "sex"]
    overall = out["category_type"].isna()
    imported = overall & out["source"].eq("imported") & out["value"].notna()
    ident = out.loc[imported, ["indicator_id", "indicator_name", "age"]].astype(str)
    ident = ident.assign(
        indicator_id=ident["indicator_id"].str.strip().str.lower(),
        indicator_name=ident["indicator_name"].str.strip().str.lower(),
    )
    for ind in specs:
        hit = np.zeros(len(ident), dtype=bool)
        for name, age in ind.equivalents:
            same = ident["indicator_id"].eq(name.strip().lower()) | ident["indicator_name"].eq(
                name.strip().lower()
            )
            hit |= (same & (ident["age"].eq(age) if age is not None else True)).to_numpy()
        published = out.loc[ident.index[hit]]
        computed = out[overall & out["indicator_id"].eq(ind.id)]
        if published.empty or computed.empty:
            continue
        d, unit = ind.decimals, (f" {ind.unit}" if ind.unit else "")
        what_c = f"{ind.title.lower()} computed by jsna from counts"
        # the series (area and sex) jsna computes: the published series of that area and sex is set aside
        series = computed.loc[computed["value"].notna(), ["area_code", "sex"]].drop_duplicates()
        pub = published[keys].reset_index().merge(series, on=["area_code", "sex"])
        pairs = pub.merge(
            computed[[*keys, "value"]].reset_index(), on=keys, how="left", suffixes=("_p", "_c")
        )
        values = out["value"].astype("float64")  # the loop below changes notes, not values
        for _, m in pairs.iterrows():
            pi, p = m["index_p"], out.loc[m["index_p"]]
            published_value = float(values.loc[pi])
            what_p = (
                f"value published by OHID (Fingertips {p['indicator_id']}, {p['indicator_name']})"
            )
            if m["index_c"] == m["index_c"] and m["value"] != m["value"]:
                # this period could not be computed (too few deaths, a missing age band): the published value
                ci = int(m["index_c"])
                out.at[ci, "value_note"] = _set_aside(
                    out.at[ci, "value_note"],
                    "no value could be computed from "
                    f"counts for this period; the report shows the {what_p}",
                    None,
                    d,
                )
                continue
            if m["index_c"] == m["index_c"]:
                ci = int(m["index_c"])
                computed_value = float(values.loc[ci])
                note = f"the report shows the {what_c}, {computed_value:.{d}f}{unit}"
                diff = published_value - computed_value
                out.at[ci, "value_note"] = _join(
                    out.at[ci, "value_note"],
                    f"shown instead of the {what_p}, {published_value:.{d}f}{unit}",
                )
            else:
                note, diff = (
                    f"jsna computes the {ind.title.lower()} for this area from counts, and the report shows that",
                    None,
                )
            out.at[pi, "value_note"] = _set_aside(out.at[pi, "value_note"], note, diff, d)
    return out


def latest_published_series(out: pd.DataFrame) -> pd.DataFrame:
    """One published series per indicator name, area and sex when several files publish it.

    Two files can carry the same published indicator under different ids (a Fingertips data
    download with its numeric id, a tidy extract with a name): the report would show two
    latest values of one indicator, one of them years old. Where the names agree (ignoring
    case and spacing) and the ages do not contradict each other (equal, or stated in only one
    file), the series whose latest period ends last is shown; the other is set aside with a
    ``"Not shown: …"`` note naming the one shown. Computed indicators are never touched.
    """
    if out.empty:
        return out
    pub = out[
        out["source"].eq("imported")
        & out["category_type"].isna()
        & shown(out)
        & out["value"].notna()
    ]
    if pub.empty:
        return out
    name = (
        pub["indicator_name"]
        .astype(str)
        .str.lower()
        .str.replace(r"\s+", " ", regex=True)
        .str.strip(" .")
    )
    work = pub.assign(
        _name=name,
        _age=pub["age"].astype("object").where(pub["age"].notna(), None),
        sex=pub["sex"].astype("object").fillna(""),  # a missing sex is one group, merged as text
    )
    work["_age"] = work["_age"].replace({"All ages": None, "Not applicable": None})
    several = work.groupby("_name")["indicator_id"].transform("nunique") > 1
    work = work[several]
    if work.empty:
        return out
    group = ["_name", "area_code", "sex"]
    # each id's last period per name, area and sex; groups whose stated ages disagree are left alone
    ends = work.groupby([*group, "indicator_id"], dropna=False, as_index=False)[
        "period_sortable"
    ].max()
    ages = work.groupby(group, dropna=False)["_age"].nunique().rename("_ages").reset_index()
    ends = ends.merge(ages, on=group, how="left")
    ends = ends[
        ends["_ages"].le(1)
        & ends.groupby(group, dropna=False)["indicator_id"].transform("size").gt(1)
    ]
    if ends.empty:
        return out
    # the series that ends last is kept (ties: the first id), with the label of its last period
    ends = ends.sort_values(
        [*group, "period_sortable", "indicator_id"], ascending=[True, True, True, False, True]
    )
    kept = ends.groupby(group, dropna=False, as_index=False).head(1)
    labels = work[
        ["indicator_id", "area_code", "sex", "period_sortable", "period"]
    ].drop_duplicates(["indicator_id", "area_code", "sex", "period_sortable"])
    kept = kept.merge(
        labels, on=["indicator_id", "area_code", "sex", "period_sortable"], how="left"
    )
    kept = kept[[*group, "indicator_id", "period"]].rename(
        columns={"indicator_id": "_keep", "period": "_latest"}
    )
    others = ends.merge(kept, on=group)
    others = others.loc[
        others["indicator_id"].ne(others["_keep"]),
        ["indicator_id", "area_code", "sex", "_keep", "_latest"],
    ]
    hit = (
        out[["indicator_id", "area_code", "sex"]]
        .astype("object")
        .fillna({"sex": ""})
        .reset_index()
        .merge(others, on=["indicator_id", "area_code", "sex"])
    )
    if hit.empty:
        return out
    out.loc[hit["index"], "value_note"] = [
        _set_aside(
            v,
            f"the same indicator is also published as {keep}, to a later period ({latest}); "
            "the report shows that series",
            None,
            0,
        )
        for v, keep, latest in zip(
            out.loc[hit["index"], "value_note"], hit["_keep"], hit["_latest"], strict=True
        )
    ]
    return out


def _set_aside(existing: object, note: str, difference: float | None, decimals: int) -> str:
    """The note of a row the report does not show: :data:`NOT_SHOWN` first, so :func:`shown` finds it."""
    text = f"{NOT_SHOWN}: {note}"
    if difference is not None:
        text += f" (this value minus the one shown: {difference:+.{decimals}f})"
    return _join(text, str(existing)) if _join("", existing) else text


def _join(existing: object, note: object) -> str:
    def text(v: object) -> str:
        return "" if v is None or (isinstance(v, float) and v != v) else str(v)

    return "; ".join(t for t in (text(existing), text(note)) if t)


def _parents(ctx: ComputeContext) -> dict[str, str]:
    """Each small area's local authority (or each child's nearest parent) from the lookups."""
    lookups = ctx.table_view("lookups")
    if lookups.empty:
        return {}
    rank = {
        "Local authority district": 0,
        "Lower-tier local authority": 0,
        "County or unitary authority": 1,
        "Upper-tier local authority": 1,
        "MSOA": 2,
        "Ward": 3,
    }
    ordered = lookups.assign(_rank=lookups["parent_type"].map(rank).fillna(9)).sort_values(
        ["child_code", "_rank"]
    )
    first = ordered.drop_duplicates("child_code")
    return dict(zip(first["child_code"], first["parent_code"], strict=True))


def rag_levels(config: dict, registry: IndicatorRegistry) -> dict[str, float]:
    """The RAG level of each indicator: ``[indicators.options.<id>] rag_confidence``, else the
    indicator's own ``rag_confidence``, else the project's ``[indicators] rag_confidence``
    (95% by default). Fingertips offers 95% and 99.8%."""
    settings = config.get("indicators") or {}
    default = float(settings.get("rag_confidence") or 0.95)
    options = settings.get("options") or {}
    out = {}
    for ind in registry.indicators.values():
        level = (options.get(ind.id) or {}).get("rag_confidence") or ind.rag_confidence
        out[ind.id] = float(level or default)
    for ind_id, opts in options.items():  # imported indicators are not in the registry by id
        if ind_id not in out:
            out[ind_id] = float((opts or {}).get("rag_confidence") or default)
    out[""] = default
    return out


def _compare(
    out: pd.DataFrame,
    benchmark_code: str,
    benchmark: dict[str, str],
    parents: dict[str, str] | None = None,
    rag: dict[str, float] | None = None,
) -> pd.DataFrame:
    """Compare each row with its benchmark at 95% and 99.8%; ``compared_to_benchmark`` (the
    RAG rating) takes the level ``rag`` gives the indicator (key ``""``: the default, 95%)."""
    import numpy as np

    from jsna.indicators import methods

    kind = out["indicator_id"].map(benchmark).fillna("england")
    judged = kind.ne("none")
    out["parent_code"] = out["parent_code"].fillna(out["area_code"].map(parents or {}))
    # "england" indicators compare with the project benchmark, "parent" ones with each area's parent
    target = out["parent_code"].where(
        kind.eq("parent") & out["parent_code"].notna(), benchmark_code
    )
    # a category row (e.g. one activity) is compared with the benchmark's row for the same
    # category; a category the benchmark does not have (a local deprivation quintile) with the
    # benchmark's overall value, as Fingertips does
    cat_keys = ["category_type", "category"]
    keyed = out.assign(**{k: out[k].fillna("") for k in cat_keys}, _target=target)
    values = keyed.drop(columns=["_target"]).rename(columns={"area_code": "_target"})
    same = values[["_target", *MATCH_KEYS, *cat_keys, "value"]].drop_duplicates(
        ["_target", *MATCH_KEYS, *cat_keys]
    )
    overall = values[values["category_type"].eq("")][
        ["_target", *MATCH_KEYS, "value"]
    ].drop_duplicates(["_target", *MATCH_KEYS])
    merged = keyed.merge(
        same.rename(columns={"value": "_same"}), on=["_target", *MATCH_KEYS, *cat_keys], how="left"
    )
    merged = merged.merge(
        overall.rename(columns={"value": "_overall"}), on=["_target", *MATCH_KEYS], how="left"
    )
    merged.index = out.index
    merged["_bench"] = merged["_same"].fillna(merged["_overall"])
    compare = judged & merged["_bench"].notna() & out["area_code"].ne(target)
    out.loc[compare, "benchmark_code"] = target[compare]
    out.loc[compare, "benchmark_value"] = merged.loc[compare, "_bench"]
    rows = out[compare]
    if len(rows):
        work = rows[
            [
                "value",
                "lower_ci_95",
                "upper_ci_95",
                "lower_ci_99_8",
                "upper_ci_99_8",
                "benchmark_value",
                "polarity",
            ]
        ].copy()
        work["polarity"] = work["polarity"].where(
            work["polarity"].isin(methods.benchmark.POLARITIES), "no_judgement"
        )
        c95 = methods.compare_to_benchmark(work, polarity="polarity", confidence=0.95)[
            "compared_to_benchmark"
        ]
        c998 = methods.compare_to_benchmark(work, polarity="polarity", confidence=0.998)[
            "compared_to_benchmark"
        ]
        levels = rag or {}
        level = rows["indicator_id"].map(levels).fillna(levels.get("", 0.95))
        chosen = np.where(level.eq(0.998).to_numpy(), c998.to_numpy(), c95.to_numpy())
        keep = out.loc[compare, "compared_to_benchmark"]
        out.loc[compare, "compared_to_benchmark"] = np.where(
            keep.notna() & out.loc[compare, "source"].eq("imported") & (chosen == "Not compared"),
            keep,
            chosen,
        )
        out.loc[compare, "compared_to_benchmark_99_8"] = c998.to_numpy()
    out.loc[out["area_code"].eq(benchmark_code), "compared_to_benchmark"] = "Benchmark"
    return out


def _trend(out: pd.DataFrame) -> pd.DataFrame:
    from jsna.indicators import methods

    filled = out.assign(
        **{c: out[c].fillna("") for c in ("category_type", "category", "sex", "age")}
    )
    has_limits = filled["lower_ci_95"].notna() & filled["upper_ci_95"].notna()
    series_len = filled.groupby(SERIES_KEYS)["period"].transform("nunique")
    eligible = has_limits & series_len.ge(5) & filled["polarity"].notna()
    if not eligible.any():
        return out
    work = filled[eligible].copy()
    work = work.drop_duplicates([*SERIES_KEYS, "period_sortable"])
    # the trend test wants equally spaced time points: each series' periods numbered 1, 2, ... in order
    work["_t"] = work.groupby(SERIES_KEYS)["period_sortable"].rank(method="dense").astype("float64")
    result = methods.trend(work, period="_t", kind="other", by=SERIES_KEYS, polarity="polarity")
    latest = result[[*SERIES_KEYS, "trend"]].rename(columns={"trend": "_trend"})
    merged = filled.merge(latest, on=SERIES_KEYS, how="left")
    merged.index = out.index
    is_latest = filled["period_sortable"].eq(
        filled.groupby(SERIES_KEYS)["period_sortable"].transform("max")
    )
    fill = merged["_trend"].notna() & is_latest & out["trend"].isna()
    out.loc[fill, "trend"] = merged.loc[fill, "_trend"]
    return out
