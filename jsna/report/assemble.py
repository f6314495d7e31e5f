"""Assemble the report for one area from the workspace and the results table."""

from __future__ import annotations

import base64
import contextlib
import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jsna import __version__
from jsna.indicators.context import ENGLAND, ESP_BANDS, rebin
from jsna.report import charts, input_blocks, small_areas
from jsna.report.analysis_sections import (
    build_inequalities,
    build_projected_outcomes,
    build_projected_service_use,
    build_value_for_money,
)
from jsna.report.context import ReportContext, SectionBuilder, WorkspaceReads, trend_figure
from jsna.report.disclosure import (
    DisclosurePolicy,
    Hierarchy,
    protect_results,
    results_csv_text,
    rules_of,
)
from jsna.report.model import Cell, Headline, Report, Section, Table
from jsna.report.text import (
    age_phrase,
    fmt,
    fmt_interval,
    index_label,
    indicator_sentence,
    is_missing,
    outcome_key,
    outcome_words,
    unit_label,
)
from jsna.vocabulary.sections import SECTIONS, SectionInfo

if TYPE_CHECKING:
    import pandas as pd

    from jsna.config import Config
    from jsna.indicators.comparators import ComparatorSet
    from jsna.workspace import Workspace


# -- tables ---------------------------------------------------------------------------------
def indicator_table(rc: ReportContext, rows: pd.DataFrame, caption: str, table_id: str) -> Table:
    """One row per indicator series: period, count, value, limits, benchmark, comparison, trend."""
    rows = protect_results(rows, rc.policy, rc.disclosure_rules)
    rows = rows.sort_values(["indicator_name", "sex", "age", "category"], na_position="first")
    body = []
    for _, r in rows.iterrows():
        d = rc.decimals(str(r["indicator_id"]))
        who = []
        if r.get("sex") not in (None, "Persons") and not is_missing(r.get("sex")):
            who.append(str(r["sex"]))
        if age_phrase(r.get("age")):
            who.append(age_phrase(r.get("age")))
        if not is_missing(r.get("category")) and r.get("category"):
            who.append(str(r["category"]))
        name = str(r["indicator_name"]) + (f" ({', '.join(who)})" if who else "")
        unit = unit_label(r.get("unit"), str(r["indicator_name"]))
        value_text = str(r["value_text"]) if not is_missing(r["value_text"]) else fmt(r["value"], d)
        interval = fmt_interval(r.get("lower_ci_95"), r.get("upper_ci_95"), d)
        if r["value_flag"] == "marked":
            value_text += rc.policy.marker
        elif r["value_flag"] == "hidden":
            value_text, interval = rc.policy.symbol, rc.policy.symbol
        body.append(
            [
                Cell(name),
                Cell(str(r["period"])),
                Cell(str(r["count_text"]), numeric=True),
                Cell(value_text, numeric=True),
                Cell(unit),
                Cell(interval, numeric=True),
                Cell(fmt(r.get("benchmark_value"), d), numeric=True),
                Cell(
                    outcome_words(r.get("compared_to_benchmark")),
                    outcome=outcome_key(r.get("compared_to_benchmark")),
                ),
                Cell(_text_or(r.get("trend"), "–")),
            ]
        )
    note = (
        "Comparison uses the 95% confidence interval of the area's value and the benchmark value. "
        + rc.policy.note()
    )
    if rows["value_note"].fillna("").astype(str).str.contains("shown instead of").any():
        note += (
            " Where jsna computes an indicator that OHID also publishes, one value is shown: the one computed "
            "from counts where the inputs allow, else the published one; the methods appendix gives the other."
        )
    note += _published_limits_note(rows)
    return Table(
        caption=caption,
        id=table_id,
        columns=[
            "Indicator",
            "Period",
            "Count",
            "Value",
            "Unit",
            "95% confidence interval",
            rc.benchmark_name,
            f"Compared with {rc.benchmark_name}",
            "Recent trend",
        ],
        rows=body,
        note=note,
    )


def _published_limits_note(rows: pd.DataFrame) -> str:
    """Whether the published limits of imported tables were reproduced from their counts."""
    notes = rows["value_note"].fillna("").astype(str)
    checked = rows[notes.str.contains("published 95% limits")]
    lines = []
    for (name, period), part in checked.groupby(["indicator_name", "period"], sort=True):
        texts = (
            part["value_note"]
            .astype(str)
            .str.extract(r"(published 95% limits [^;]*\))", expand=False)
        )
        for text in texts.dropna().unique():
            lines.append(f" {name}, {period}: {text}.")
    return "".join(lines)


def _text_or(value: Any, default: str) -> str:
    """The value as text, or ``default`` when it is missing (None, NaN, empty)."""
    return default if is_missing(value) or value == "" else str(value)


def _sentences(rc: ReportContext, rows: pd.DataFrame, limit: int = 6) -> list[str]:
    out = []
    # a value hidden for disclosure control has no sentence (its count could be worked out)
    ordered = rows[rows["value"].notna()].sort_values(["indicator_id", "sex"])
    for _, r in ordered.head(limit).iterrows():
        out.append(
            indicator_sentence(
                str(r["indicator_name"]),
                rc.area_name,
                {str(k): v for k, v in r.items()},
                rc.benchmark_name,
                rc.decimals(str(r["indicator_id"])),
            )
        )
    return out


#: above this many comparators an area-comparison bar chart would be unreadable, so it is not drawn
MAX_BARS = 40


def _compare_figure(
    rc: ReportContext,
    indicator_id: str,
    *,
    sex: str = "Persons",
    figure_id: str,
    title: str | None = None,
) -> charts.Figure | None:
    """The area, its comparators, its region and the benchmark as bars (latest period of the area)."""
    res = rc.results
    rows = res[
        res["indicator_id"].eq(indicator_id) & res["sex"].eq(sex) & res["category_type"].isna()
    ]
    if rows.empty:
        return None
    latest_period = rows.loc[rows["area_code"].eq(rc.area_code), "period_sortable"].max()
    if is_missing(latest_period):
        return None
    rows = rows[rows["period_sortable"].eq(latest_period) & rows["value"].notna()]
    mine = rows[rows["area_code"].eq(rc.area_code)]
    if mine.empty:
        return None
    rows = rows[rows["age"].eq(mine["age"].iloc[0])] if "age" in rows else rows
    peers = _comparator_rows(rc, rows)
    if len(peers) < 2 or len(peers) > MAX_BARS:
        return None
    region = _region_rows(rc, rows)
    bench = rows.loc[rows["area_code"].eq(rc.benchmark_code), "value"]
    reference = region.assign(compared_to_benchmark="Reference")
    if len(bench):
        reference = pd_concat(
            [
                reference,
                rows[rows["area_code"].eq(rc.benchmark_code)]
                .iloc[:1]
                .assign(compared_to_benchmark="Reference", area_name=rc.benchmark_name),
            ]
        )
    first = mine.iloc[0]
    name = (
        title
        or f"{first['indicator_name']}{'' if sex == 'Persons' else ', ' + sex.lower() + 's'}, {first['period']}"
    )
    frame = pd_concat([peers, reference]).drop_duplicates("area_code")
    frame = frame.assign(area_name=frame["area_code"].map(lambda c: _short_name(rc, c)))
    assert rc.comparators is not None
    return charts.compare_areas_bar(
        frame,
        title=name,
        unit=unit_label(first.get("unit"), str(first["indicator_name"])),
        highlight=rc.area_code,
        benchmark_value=float(bench.iloc[0]) if len(bench) else None,
        benchmark_name=rc.benchmark_name,
        figure_id=figure_id,
        source=f"Source: {first['method']}. Compared with {rc.comparators.name}, "
        f"{rc.benchmark_name}{' and the region' if len(region) else ''}",
    )


def pd_concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    import pandas as pd

    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _short_name(rc: ReportContext, code: str) -> str:
    from jsna.indicators.comparators import _short_region

    name = rc.names.get(code, code)
    return (
        rc.benchmark_name
        if code == rc.benchmark_code
        else _short_region(name)
        if code.startswith("E12")
        else name
    )


def _comparator_rows(rc: ReportContext, rows: pd.DataFrame) -> pd.DataFrame:
    """Rows of the report area and its comparator set (region and benchmark excluded)."""
    codes = {rc.area_code, *(rc.comparators.codes if rc.comparators else [])}
    return rows[rows["area_code"].isin(codes)]


def _region_rows(rc: ReportContext, rows: pd.DataFrame) -> pd.DataFrame:
    region = rc.comparators.region_code if rc.comparators else None
    return rows[rows["area_code"].eq(region)].iloc[:1] if region else rows.iloc[0:0]


def _peers(rc: ReportContext, rows: pd.DataFrame) -> pd.DataFrame:
    """Rows for areas of the report area's own type (its comparators), benchmark excluded."""
    mine = rows.loc[rows["area_code"].eq(rc.area_code), "area_type"]
    if mine.empty:
        return rows.iloc[0:0]
    return rows[rows["area_type"].eq(mine.iloc[0]) & rows["area_code"].ne(rc.benchmark_code)]


def _series_label(r: Any, width: int = 56) -> str:
    """Indicator name shortened to fit ``width`` characters, keeping the sex and age suffix whole."""
    import textwrap

    suffix = ""
    if r.get("sex") in ("Male", "Female"):
        suffix += f", {str(r['sex']).lower()}s"
    if age_phrase(r.get("age")):
        suffix += f", {age_phrase(r.get('age'))}"
    name = textwrap.shorten(str(r["indicator_name"]), max(width - len(suffix), 12), placeholder="…")
    return name + suffix


def spine_frame(rc: ReportContext, rows: pd.DataFrame) -> pd.DataFrame:
    """One row per indicator series for the spine chart: the area, the benchmark and the spread of peers.

    Worst and best follow polarity (``low_is_good`` puts the highest value at worst); indicators
    with no judgement use lowest/highest. Percentiles are of the peer areas' values (same area type,
    same period), as Fingertips computes them.
    """
    import pandas as pd

    rows = rows[
        rows["category_type"].isna() & rows["value"].notna() & rows["benchmark_value"].notna()
    ]
    protected = protect_results(rows, rc.policy, rc.disclosure_rules)
    res = rc.results
    out = []
    for _, r in protected.sort_values(["section", "indicator_name", "sex"]).iterrows():
        peers = res[
            res["indicator_id"].eq(r["indicator_id"])
            & res["period"].eq(r["period"])
            & res["sex"].eq(r["sex"])
            & res["age"].eq(r["age"])
            & res["category_type"].isna()
        ]
        values = _peers(rc, peers)["value"].dropna()
        if len(values) < 3:
            continue
        low, high = float(values.min()), float(values.max())
        polarity = str(r.get("polarity") or "")
        worst, best = (high, low) if polarity == "low_is_good" else (low, high)
        count_text = str(r["count_text"])
        out.append(
            {
                "indicator_id": r["indicator_id"],
                "label": _series_label(r),
                "period": str(r["period"]),
                "count_text": count_text,
                "value": float(r["value"]),
                "benchmark_value": float(r["benchmark_value"]),
                "worst": worst,
                "q25": float(values.quantile(0.25)),
                "q75": float(values.quantile(0.75)),
                "best": best,
                "outcome": _text_or(r.get("compared_to_benchmark"), "Not compared"),
                "polarity": polarity,
                "decimals": rc.decimals(str(r["indicator_id"])),
            }
        )
    frame = pd.DataFrame(out)
    if len(frame):
        # the same name twice (computed here and imported from Fingertips): say which is which
        repeated = frame["label"].duplicated(keep=False)
        frame.loc[repeated, "label"] += (
            " ("
            + frame.loc[repeated, "indicator_id"].map(
                lambda i: "jsna" if i in rc.indicators else f"published {i}"
            )
            + ")"
        )
    return frame


def _spine_figure(rc: ReportContext, rows: pd.DataFrame) -> charts.Figure | None:
    frame = spine_frame(rc, rows)
    if len(frame) < 2:
        return None
    return charts.spine_chart(
        frame,
        area_name=rc.area_name,
        benchmark_name=rc.benchmark_name,
        figure_id="health-spine",
        title=f"Health summary: {rc.area_name} compared with {rc.benchmark_name}",
        source="Source: indicators computed by jsna and published values imported "
        "(Appendix A names each one's source); comparison at 95% confidence",
    )


#: comparator columns in one "similar areas" chart; a larger set is drawn over several charts
TARTAN_COLUMNS = 12


def _tartan_figures(rc: ReportContext, rows: pd.DataFrame) -> list[charts.Figure]:
    """Latest values of the area's indicators for the benchmark, the region, the area and its comparators.

    The comparators with any value are shown in the set's order, twelve to a chart.
    """
    import numpy as np

    rows = rows[rows["category_type"].isna() & rows["sex"].eq("Persons") & rows["value"].notna()]
    if rows.empty or rc.comparators is None:
        return []
    res = rc.results
    region = rc.comparators.region_code
    wanted = {rc.benchmark_code, rc.area_code, *rc.comparators.codes, *([region] if region else [])}
    keys = ["indicator_id", "period", "age"]
    # each row's series (the area's row, its label and decimals) joined once to the results of
    # the areas shown: every area's first result of the series, series by series in rows' order
    records = rows.to_dict("records")
    series = (
        rows[keys]
        .assign(
            label=[_series_label(r) for r in records],
            decimals=[rc.decimals(str(r["indicator_id"])) for r in records],
            series=np.arange(len(rows)),
        )
        .dropna(subset=keys)
    )
    shown = res[
        res["sex"].eq("Persons") & res["category_type"].isna() & res["area_code"].isin(wanted)
    ]
    frame = (
        series.merge(shown.assign(position=np.arange(len(shown))), on=keys)
        .sort_values(["series", "position"], kind="stable")
        .drop_duplicates(["series", "area_code"])
        .drop(columns=["series", "position"])
        .rename(columns={"compared_to_benchmark": "outcome"})
    )
    with_data = set(frame.loc[frame["value"].notna(), "area_code"])
    others = [c for c in rc.comparators.codes if c in with_data]
    if not others:
        return []
    fixed = [rc.benchmark_code, *([region] if region and region in with_data else []), rc.area_code]
    chunks = [others[i : i + TARTAN_COLUMNS] for i in range(0, len(others), TARTAN_COLUMNS)]
    figures = []
    for n, chunk in enumerate(chunks, start=1):
        codes = [*fixed, *chunk]
        part = f" ({n} of {len(chunks)})" if len(chunks) > 1 else ""
        figures.append(
            charts.tartan_rug(
                frame[frame["area_code"].isin(codes)],
                area_codes=codes,
                area_labels=[_short_name(rc, c) for c in codes],
                title=f"Latest values for {rc.area_name} and its comparators{part}",
                figure_id="health-tartan" + (f"-{n}" if n > 1 else ""),
                benchmark_name=rc.benchmark_name,
                reference_columns=len(fixed) - 1,
                source=f"Source: indicator results. Comparators: {rc.comparators.name}. Colours show comparison with "
                f"{rc.benchmark_name} at 95% confidence",
            )
        )
    return figures


def _funnel_figure(rc: ReportContext, indicator_id: str, *, figure_id: str) -> charts.Figure | None:
    """The funnel plot ``jsna compute`` stored for this area and indicator (``analysis_funnel``)."""
    stored = rc.workspace.analysis_table("analysis_funnel", rc.area_code)
    if stored.empty:
        return None
    rows = stored[stored["indicator_id"].eq(indicator_id)]
    points = rows[rows["row_type"].eq("point")]
    # a point sits at (denominator, value): its position gives its count, so hidden counts go
    points = points[~points["count"].map(rc.policy.suppressed).astype(bool)].reset_index(drop=True)
    limits = rows[rows["row_type"].eq("limit")].reset_index(drop=True)
    if points.empty or limits.empty:
        return None
    r = points.iloc[0]
    return charts.funnel_plot(
        points,
        limits,
        title=f"{r['indicator_name']}, {r['period']}",
        unit=str(r.get("unit") or ""),
        highlight=rc.area_code,
        figure_id=figure_id,
        source=f"Source: {r['method']}; limits: exact Poisson (OHID funnel plot method)",
    )


# -- section builders ---------------------------------------------------------------------------
def build_demography(rc: ReportContext, section: Section) -> None:
    pop = rc.table("population")
    pop = pop[pop["variant"].eq("estimate")]
    area_pop = pop[pop["area_code"].eq(rc.area_code)]
    if area_pop.empty:
        section.missing.append(
            "population estimates by age and sex for this area: "
            "jsna ingest population FILE (ONS mid-year estimates, long or wide)"
        )
        return
    totals = rc.area_results("total-population")
    persons = totals[totals["sex"].eq("Persons")].sort_values("period_sortable")
    latest = persons.iloc[-1] if len(persons) else None
    if latest is not None:
        detail = ""
        if len(persons) > 1:
            first = persons.iloc[0]
            change = (latest["value"] / first["value"] - 1) * 100
            detail = f"{'up' if change >= 0 else 'down'} {abs(change):.1f}% since {first['period']}"
        residents = rc.policy.count(
            latest["value"], small_area=rc.policy.is_small_area(rc.area_type)
        )
        section.headlines.append(
            Headline("Residents", residents, f"{latest['period']}; {detail}".strip("; "))
        )
        section.summary.append(
            f"{rc.area_name} had an estimated {residents} residents in "
            f"{latest['period']}" + (f", {detail}." if detail else ".")
        )
    for ind_id, label in (
        ("percent-aged-65-plus", "Aged 65 and over"),
        ("percent-aged-85-plus", "Aged 85 and over"),
    ):
        rows = rc.latest(rc.area_results(ind_id))
        rows = rows[rows["sex"].eq("Persons")]
        if rows.empty:
            continue
        r = rows.iloc[0]
        section.headlines.append(
            Headline(
                label,
                fmt(r["value"], 1, "%"),
                _benchmark_note(rc, ind_id, r),
                outcome=r.get("compared_to_benchmark"),
            )
        )
        section.summary.append(
            indicator_sentence(
                f"The share of residents {label.lower()}",
                rc.area_name,
                {str(k): v for k, v in r.items()},
                rc.benchmark_name,
                1,
            )
        )
    period = area_pop["period"].max()
    current = rebin(area_pop[area_pop["period"].eq(period)], "esp")
    england = pop[pop["area_code"].eq(rc.benchmark_code) & pop["period"].eq(period)]
    comparator = rebin(england, "esp") if len(england) else None
    section.figures.append(
        charts.population_pyramid(
            current,
            area_name=rc.area_name,
            period=str(period),
            comparator=comparator,
            comparator_name=rc.benchmark_name,
            figure_id="demography-pyramid",
        )
    )
    trend = trend_figure(rc, "total-population", sex="Persons", figure_id="demography-trend")
    if trend:
        section.figures.append(trend)
    section.tables.append(_broad_age_table(rc, current, str(period)))


def _benchmark_note(rc: ReportContext, indicator_id: str, r: Any) -> str:
    """The benchmark's figure for a headline: the same period's, else its latest with the year, else what supplies it."""
    if not is_missing(r.get("benchmark_value")):
        return f"{rc.benchmark_name}: {fmt(r.get('benchmark_value'), 1, '%')}"
    bench = rc.latest(
        rc.results[
            rc.results["indicator_id"].eq(indicator_id)
            & rc.results["area_code"].eq(rc.benchmark_code)
            & rc.results["sex"].eq("Persons")
            & rc.results["category_type"].isna()
        ]
    )
    if len(bench):
        b = bench.iloc[0]
        return f"{rc.benchmark_name} ({b['period']}): {fmt(b['value'], 1, '%')}"
    return (
        f"{rc.benchmark_name}: not loaded (needs population estimates for {rc.benchmark_name} or for all its "
        "local authorities: jsna ingest population FILE)"
    )


def _broad_age_table(rc: ReportContext, banded: pd.DataFrame, period: str) -> Table:
    groups = {
        "0-15": ("0-4", "5-9", "10-14"),
        "15-64": ESP_BANDS[3:13],
        "65-84": ESP_BANDS[13:17],
        "85 and over": ("85-89", "90+"),
    }
    groups = {
        "Under 15": ("0-4", "5-9", "10-14"),
        "15 to 64": ESP_BANDS[3:13],
        "65 to 84": ESP_BANDS[13:17],
        "85 and over": ("85-89", "90+"),
    }
    import pandas as pd

    total = banded["count"].sum()
    cells = []
    for label, bands in {**groups, "All ages": tuple(ESP_BANDS)}.items():
        sub = banded[banded["age_band"].isin(bands)]
        for sex in ("Male", "Female", "Persons"):
            count = (
                sub["count"].sum()
                if sex == "Persons"
                else sub.loc[sub["sex"].eq(sex), "count"].sum()
            )
            cells.append({"group": label, "sex": sex, "count": float(count)})
    long = pd.DataFrame(cells)
    long["_sex"] = long["sex"].where(long["sex"].ne("Persons"), "__total__")
    long["_group"] = long["group"].where(long["group"].ne("All ages"), "__total__")
    long = rc.policy.protect(
        long,
        column="count",
        small_area=rc.policy.is_small_area(rc.area_type),
        hierarchies=[Hierarchy(("group",), "_sex"), Hierarchy(("sex",), "_group")],
    )
    shown = long.set_index(["group", "sex"])
    rows = []
    for label in [*groups, "All ages"]:
        persons = shown.loc[[(label, "Persons")]].iloc[0]
        share = (
            rc.policy.symbol
            if persons["count_hidden"]
            else fmt(persons["count"] / total * 100 if total else None, 1, "%")
        )
        rows.append(
            [Cell(label)]
            + [
                Cell(str(shown.loc[(label, sex), "count_text"]), numeric=True)
                for sex in ("Male", "Female", "Persons")
            ]
            + [Cell(share, numeric=True)]
        )
    return Table(
        caption=f"Residents by broad age group and sex, {rc.area_name}, {period}",
        id="demography-age-table",
        columns=["Age group", "Males", "Females", "Persons", "Share of residents"],
        rows=rows,
        note=rc.policy.note(),
    )


def _area_lsoas(rc: ReportContext) -> pd.DataFrame:
    dep = rc.table("deprivation")
    if dep.empty:
        return dep
    mine = dep[dep["lad_code"].eq(rc.area_code)]
    if mine.empty:
        lk = rc.table("lookups")
        children = set(
            lk.loc[lk["parent_code"].eq(rc.area_code) & lk["child_type"].eq("LSOA"), "child_code"]
        )
        mine = dep[dep["lsoa_code"].isin(children)]
    return mine


def small_area_values(rc: ReportContext, indicator_id: str) -> tuple[pd.DataFrame, str, Any]:
    """Latest persons values of a proportion indicator for the area's wards or MSOAs.

    Uses stored ward/MSOA results when present; otherwise sums LSOA counts and denominators to
    MSOA through the lookups table (valid for crude proportions and rates, which add up).
    """
    import pandas as pd

    res = rc.results
    rows = res[
        res["indicator_id"].eq(indicator_id)
        & res["sex"].eq("Persons")
        & res["category_type"].isna()
    ]
    lk = rc.table("lookups")
    for level in ("Ward", "MSOA"):
        children = set(
            lk.loc[lk["parent_code"].eq(rc.area_code) & lk["child_type"].eq(level), "child_code"]
        )
        direct = rc.latest(rows[rows["area_code"].isin(children)]) if children else rows.iloc[0:0]
        if len(direct) >= 5:
            return direct[["area_code", "value"]], level, direct.iloc[0]
    lsoa_to_msoa = lk[lk["child_type"].eq("LSOA") & lk["parent_type"].eq("MSOA")][
        ["child_code", "parent_code"]
    ]
    msoa_in_area = set(
        lk.loc[lk["parent_code"].eq(rc.area_code) & lk["child_type"].eq("MSOA"), "child_code"]
    )
    lsoas_in_area = set(
        lk.loc[lk["parent_code"].eq(rc.area_code) & lk["child_type"].eq("LSOA"), "child_code"]
    )
    lsoa_rows = rc.latest(rows[rows["area_code"].isin(lsoas_in_area)])
    if lsoa_rows.empty or lsoa_to_msoa.empty:
        return pd.DataFrame(columns=["area_code", "value"]), "", None
    joined = lsoa_rows.merge(lsoa_to_msoa, left_on="area_code", right_on="child_code")
    if msoa_in_area:
        joined = (
            joined[joined["parent_code_y"].isin(msoa_in_area)]
            if "parent_code_y" in joined
            else joined
        )
    key = "parent_code_y" if "parent_code_y" in joined else "parent_code"
    grouped = joined.groupby(key, as_index=False)[["count", "denominator"]].sum()
    multiplier = 100.0 if str(lsoa_rows.iloc[0].get("unit")) == "%" else 100_000.0
    grouped["value"] = grouped["count"] / grouped["denominator"] * multiplier
    return (
        grouped.rename(columns={key: "area_code"})[["area_code", "value"]],
        "MSOA",
        lsoa_rows.iloc[0],
    )


def _small_area_map(rc: ReportContext) -> charts.Figure | None:
    from jsna.report import maps

    values, level, first = small_area_values(rc, "percent-aged-65-plus")
    if first is None or len(values) < 5:
        return None
    return maps.indicator_map(
        rc.workspace,
        values,
        title=f"Residents aged 65 and over by {level}, {first['period']}",
        unit="%",
        area_name=rc.area_name,
        area_code=rc.area_code,
        level=level,
        figure_id="context-older-map",
        source=(
            "Source: population estimates; boundaries: Office for National Statistics, "
            "OGL v3.0, contains OS data © Crown copyright and database right"
        ),
    )


def build_social_context(rc: ReportContext, section: Section) -> None:
    lsoas = _area_lsoas(rc)
    if len(lsoas):
        vintage = index_label(lsoas["vintage"].iloc[0])
        counts = (
            lsoas.groupby("imd_decile")
            .size()
            .reindex(range(1, 11), fill_value=0)
            .rename("lsoas")
            .reset_index()
        )
        most = int(counts.loc[counts["imd_decile"].le(2), "lsoas"].sum())
        share = most / len(lsoas) * 100
        section.headlines.append(
            Headline(
                "Neighbourhoods among England's most deprived 20%",
                f"{most} of {len(lsoas)}",
                f"{share:.0f}% of LSOAs ({vintage})",
            )
        )
        section.summary.append(
            f"{most} of {rc.area_name}'s {len(lsoas)} neighbourhoods (LSOAs) are among the 20% most deprived in "
            f"England on the Index of Multiple Deprivation ({vintage}), against 20% nationally by construction; "
            f"{int(counts.loc[counts['imd_decile'].ge(9), 'lsoas'].sum())} are among the 20% least deprived."
        )
        counts["decile"] = counts["imd_decile"].map(
            lambda d: f"{d}" + (" (most)" if d == 1 else " (least)" if d == 10 else "")
        )
        if rc.config.report.maps:
            from jsna.report import maps

            deprivation = maps.deprivation_map(
                rc.workspace,
                lsoas,
                area_name=rc.area_name,
                area_code=rc.area_code,
                figure_id="context-imd-map",
            )
            if deprivation is not None:
                section.figures.append(deprivation)
            small = _small_area_map(rc)
            if small is not None:
                section.figures.append(small)
        section.figures.append(
            charts.category_bars(
                counts,
                category="decile",
                value="lsoas",
                title=f"Neighbourhoods by national deprivation decile ({vintage})",
                unit="Number of LSOAs",
                figure_id="context-imd-deciles",
                source=f"Source: Index of Multiple Deprivation ({vintage}), by LSOA",
                alt=(
                    f"Bar chart of the number of {rc.area_name} LSOAs in each national IMD decile, from 1 (most deprived) "
                    f"to 10 (least deprived); {most} are in deciles 1 and 2."
                ),
            )
        )
    else:
        section.missing.append(
            "deprivation by neighbourhood: jsna ingest deprivation FILE "
            "(IoD File 1, IMD rank and decile by LSOA)"
        )
    rows = rc.latest(rc.area_results(section="social_context"))
    if len(rows):
        section.tables.append(
            indicator_table(
                rc, rows, f"Wider determinants of health, {rc.area_name}", "context-indicators"
            )
        )
        section.summary.extend(_sentences(rc, rows, 4))
    elif not len(lsoas):
        section.missing.append(
            "wider-determinants indicators: jsna ingest fingertips FILE "
            "(a Fingertips download of the Wider Determinants profile)"
        )
    small_areas.add_small_area_views(rc, section)


def build_health_status(rc: ReportContext, section: Section) -> None:
    _health_status_indicators(rc, section)
    input_blocks.add_health_status_blocks(rc, section)
    small_areas.add_small_area_views(rc, section)


def _health_status_indicators(rc: ReportContext, section: Section) -> None:
    rows = input_blocks.generic(rc.latest(rc.area_results(section="health_status")))
    if rows.empty:
        section.missing.append(
            "deaths by age and sex (jsna ingest deaths FILE) with population estimates, "
            "or a Fingertips download (jsna ingest fingertips FILE)"
        )
        return
    for ind_id, label in (("life-expectancy-at-birth", "Life expectancy at birth"),):
        le = rows[rows["indicator_id"].eq(ind_id)]
        for sex in ("Female", "Male"):
            r = le[le["sex"].eq(sex)]
            if len(r):
                r0 = r.iloc[0]
                section.headlines.append(
                    Headline(
                        f"{label}, {sex.lower()}s",
                        fmt(r0["value"], 1, "years"),
                        f"{r0['period']}; {rc.benchmark_name} {fmt(r0.get('benchmark_value'), 1)}",
                        outcome=r0.get("compared_to_benchmark"),
                    )
                )
    u75 = rows[rows["indicator_id"].eq("mortality-under-75-dsr") & rows["sex"].eq("Persons")]
    if len(u75):
        r0 = u75.iloc[0]
        section.headlines.append(
            Headline(
                "Deaths under 75 per 100,000 (age-standardised)",
                fmt(r0["value"], 1),
                f"{r0['period']}; {rc.benchmark_name} {fmt(r0.get('benchmark_value'), 1)}",
                outcome=r0.get("compared_to_benchmark"),
            )
        )
    key = rows[rows["indicator_id"].isin(["life-expectancy-at-birth", "mortality-under-75-dsr"])]
    section.summary.extend(_sentences(rc, key if len(key) else rows, 5))
    for fig in (
        _spine_figure(rc, rows),
        *_tartan_figures(rc, rows),
        _compare_figure(rc, "life-expectancy-at-birth", sex="Female", figure_id="health-le-female"),
        _compare_figure(rc, "life-expectancy-at-birth", sex="Male", figure_id="health-le-male"),
        _funnel_figure(rc, "mortality-all-causes-crude-rate", figure_id="health-mortality-funnel"),
        trend_figure(rc, "mortality-under-75-dsr", sex="Persons", figure_id="health-u75-trend"),
    ):
        if fig:
            section.figures.append(fig)
    computed = rows[rows["source"].eq("computed")]
    imported = rows[rows["source"].eq("imported")]
    if len(computed):
        section.tables.append(
            indicator_table(
                rc, computed, f"Life expectancy and mortality, {rc.area_name}", "health-computed"
            )
        )
    if len(imported):
        section.tables.append(
            indicator_table(
                rc, imported, f"Published health indicators, {rc.area_name}", "health-imported"
            )
        )
        judged = _sentences(
            rc, imported[imported["compared_to_benchmark"].isin(["Worse", "Better"])], 4
        )
        section.summary.extend(s for s in judged if s not in section.summary)


def build_met_needs(rc: ReportContext, section: Section) -> None:
    from jsna.report import pcns
    from jsna.report.practice_lists import add_list_indicator_blocks
    from jsna.report.practices import add_practice_blocks

    _met_needs_indicators(rc, section)
    input_blocks.add_met_needs_blocks(rc, section)
    add_practice_blocks(rc, section)
    pcns.add_pcn_blocks(rc, section)
    add_list_indicator_blocks(rc, section)

    small_areas.add_small_area_views(rc, section)


def _met_needs_indicators(rc: ReportContext, section: Section) -> None:
    rows = input_blocks.generic(rc.latest(rc.area_results(section="met_needs")))
    if rows.empty:
        section.missing.append(
            "service activity counts by age and sex: jsna ingest events FILE "
            "(admissions, attendances) with population estimates"
        )
        return
    persons = rows[rows["sex"].eq("Persons")]
    for _, r in persons[persons["indicator_id"].eq("service-use-dsr")].head(4).iterrows():
        section.headlines.append(
            Headline(
                f"{r['category']} per 100,000",
                fmt(r["value"], 0),
                f"{r['period']}; {rc.benchmark_name} {fmt(r.get('benchmark_value'), 0)}",
                outcome=r.get("compared_to_benchmark"),
            )
        )
    section.tables.append(
        indicator_table(rc, rows, f"Use of services, {rc.area_name}", "met-needs-indicators")
    )
    section.summary.extend(_sentences(rc, persons, 4))


def build_voice(rc: ReportContext, section: Section) -> None:
    rows = input_blocks.generic(rc.latest(rc.area_results(section="voice")))
    if len(rows):
        section.tables.append(
            indicator_table(
                rc, rows, f"Service-user experience, {rc.area_name}", "voice-indicators"
            )
        )
        section.summary.extend(_sentences(rc, rows, 4))
    input_blocks.add_voice_blocks(rc, section)
    section.narrative_html = rc.narrative("voice")
    if section.empty:
        section.missing.append(
            "what service users say: write narrative/voice.md (Healthwatch reports, "
            "complaints, engagement findings) or ingest survey results"
        )


def build_public_demands(rc: ReportContext, section: Section) -> None:
    section.narrative_html = rc.narrative("public_demands")
    if section.empty:
        section.missing.append(
            "what residents ask for: write narrative/public_demands.md (consultations, "
            "petitions, councillor and MP enquiries, Healthwatch priorities)"
        )


def build_inequalities_and_wards(rc: ReportContext, section: Section) -> None:
    build_inequalities(rc, section)
    input_blocks.add_inequality_blocks(rc, section)
    small_areas.add_small_area_views(rc, section)


BUILDERS: dict[str, SectionBuilder] = {
    "demography": build_demography,
    "social_context": build_social_context,
    "health_status": build_health_status,
    "met_needs": build_met_needs,
    "voice": build_voice,
    "public_demands": build_public_demands,
    "inequalities": build_inequalities_and_wards,
    "projected_service_use": build_projected_service_use,
    "projected_outcomes": build_projected_outcomes,
    "value_for_money": build_value_for_money,
}


def _context_narrative(rc: ReportContext, section: Section) -> None:
    """Sections other than voice/public demands also take narrative/<section id>.md."""
    if not section.narrative_html and section.info.id not in {"voice", "public_demands"}:
        section.narrative_html = rc.narrative(section.info.id)


#: the sections one report builds in a forked child while the process builds the rest and the
#: indicators appendix and results download (about half of the work of the demo's report each;
#: see :func:`render_report`)
SHARED_SECTIONS = frozenset({"health_status", "voice", "inequalities", "projected_service_use"})


@dataclass
class _Prepared:
    """What a report's section builders start from: the context, and which builders and sections."""

    rc: ReportContext
    registry: Any
    alternatives: pd.DataFrame
    builders: dict[str, SectionBuilder]
    infos: list[SectionInfo]
    profile: str
    comparators: ComparatorSet

    def build(self, info: SectionInfo) -> Section:
        """Section ``info`` built, with the analyst's narrative for it."""
        config = self.rc.config
        section = Section(info=info, intro=config.report.section_intros.get(info.id, info.question))
        self.builders[info.id](self.rc, section)
        _context_narrative(self.rc, section)
        return section

    def build_some(self, ids: frozenset[str]) -> dict[str, Section]:
        return {info.id: self.build(info) for info in self.infos if info.id in ids}


def _prepare(
    workspace: Workspace,
    config: Config,
    area_code: str,
    *,
    builders: dict[str, SectionBuilder] | None,
    policy: DisclosurePolicy | None,
    reads: WorkspaceReads | None,
) -> _Prepared:
    from jsna.errors import UsageError
    from jsna.indicators.registry import IndicatorRegistry

    reads = (
        reads if reads is not None and reads.workspace is workspace else WorkspaceReads(workspace)
    )
    registry = IndicatorRegistry.from_entry_points()
    indicators = dict(registry.indicators)
    policy = policy or DisclosurePolicy.from_settings(config.disclosure)
    rules = rules_of(indicators)
    # one value per indicator, area, period and sex: the row set aside for another source goes
    # to the appendix; both after the one disclosure step, so every table, chart and download
    # below reads controlled results
    results, alternatives = reads.controlled_results(policy, rules)
    names = reads.names()
    # the distinct codes (a column's unique values, not every row: a batch asks for each area)
    with_results = set(results["area_code"].dropna().unique())
    population = reads.columns("population", ["area_code"])["area_code"]
    known = with_results | set(population.dropna().unique())
    stored_practices = (
        workspace.analysis_table("analysis_practices") if area_code not in known else None
    )
    if stored_practices is not None and "pcn_code" in stored_practices.columns:
        # a primary care network has no result of its own: its profile reads analysis_practices
        known |= set(stored_practices.loc[stored_practices["row_type"].eq("pcn"), "pcn_code"])
    if area_code not in known:
        sample = ", ".join(f"{c} ({names.get(c, '?')})" for c in sorted(known)[:12])
        raise UsageError(
            f"no data for area {area_code!r}; areas with data include: {sample or 'none (run jsna compute)'}"
        )
    benchmark = config.project.benchmark
    rc = ReportContext(
        area_code=area_code,
        area_name=names.get(area_code, area_code),
        benchmark_code=benchmark,
        benchmark_name=names.get(benchmark, "England" if benchmark == ENGLAND else benchmark),
        results=results,
        workspace=workspace,
        config=config,
        names=names,
        policy=policy,
        area_type=_area_type(workspace, results, area_code),
        indicators=indicators,
        reads=reads,
    )
    from jsna.indicators.comparators import comparator_set

    comparators = comparator_set(config, rc.table, area_code, names, with_results)
    rc.comparators = comparators
    from jsna.report import pcns, practices

    chosen = builders or BUILDERS
    infos = list(SECTIONS)
    profile = ""
    if builders is None and practices.is_practice(rc):
        # a practice profile: the sections a practice list can fill (docs/report.md)
        chosen = practices.profile_builders()
        infos = [i for i in SECTIONS if i.id in practices.PROFILE_SECTIONS]
        profile = "practice"
    elif builders is None and pcns.is_pcn(rc):
        # a primary care network's profile: the same sections, for the sum of its practices
        chosen = pcns.profile_builders()
        infos = [i for i in SECTIONS if i.id in practices.PROFILE_SECTIONS]
        profile = "pcn"
    return _Prepared(rc, registry, alternatives, chosen, infos, profile, comparators)


def _built_in_child(prepared: _Prepared, ids: frozenset[str]) -> dict[str, Section]:
    """In a forked child: sections ``ids`` built on a connection of the child's own."""
    prepared.rc.workspace.reconnect()
    return prepared.build_some(ids)


def assemble_report(
    workspace: Workspace,
    config: Config,
    area_code: str,
    *,
    builders: dict[str, SectionBuilder] | None = None,
    policy: DisclosurePolicy | None = None,
    skipped: list[dict[str, str]] | None = None,
    reads: WorkspaceReads | None = None,
    share: bool = False,
) -> Report:
    """Build the report data model for ``area_code`` from the stored results.

    ``reads`` holds what every area's report reads alike (whole tables, names, the controlled
    results); a batch passes the same one for every area its worker renders. With ``share``,
    the sections of :data:`SHARED_SECTIONS` are built in a forked child while this process
    builds the others, when this machine allows it (:func:`jsna.processes.can_fork`) and
    ``workspace`` is this process's only open connection; the report is the same either way.
    """
    from jsna.processes import ForkedCall, can_fork
    from jsna.workspace import Workspace as _Workspace

    prepared = _prepare(workspace, config, area_code, builders=builders, policy=policy, reads=reads)
    rc, infos, profile = prepared.rc, prepared.infos, prepared.profile
    comparators = prepared.comparators
    shared: frozenset[str] = frozenset()
    child: ForkedCall | None = None
    if share and can_fork() and _Workspace.open_connections == 1:
        shared = SHARED_SECTIONS & {info.id for info in infos}
    with contextlib.ExitStack() as stack:
        if shared:
            # the child forks with no DuckDB connection open (it opens its own), the lock held
            with workspace.disconnected():
                child = stack.enter_context(
                    ForkedCall(functools.partial(_built_in_child, prepared, shared))
                )
        built = prepared.build_some(frozenset(i.id for i in infos) - shared)
        # the appendix of indicators and the results download need no section: made here while
        # the child builds its sections
        registry, alternatives = prepared.registry, prepared.alternatives
        indicators_appendix = (
            _profile_appendix(rc, registry, profile)
            if profile
            else _indicator_appendix(rc, registry, alternatives)
        )
        results_csv = _results_csv(rc)
        from_child = child.result() if child is not None else None
    # whatever the child could not give (it failed or was not started) is built here, so any
    # error is raised as it would be without the child
    if isinstance(from_child, dict):
        built.update({k: v for k, v in from_child.items() if k in shared})
    built.update(prepared.build_some(shared - set(built)))
    sections = [built[info.id] for info in infos]
    # report-section plugins (jsna.sections entry points) add their blocks
    from jsna.report import practices as _practices
    from jsna.report.blocks import add_section_blocks

    skipped = [*(skipped or []), *add_section_blocks(rc, sections)]
    return Report(
        # a practice profile has no section 7-10 to warn about
        warnings=[]
        if infos != list(SECTIONS)
        else stored_analysis_warnings(workspace, config, area_code),
        title=report_title(config, rc.area_name),
        area_code=area_code,
        area_name=rc.area_name,
        benchmark_name=rc.benchmark_name,
        run_date=config.run_date().strftime("%-d %B %Y"),
        organisation=config.organisation.name,
        colour=config.organisation.colour,
        sections=sections,
        executive_summary=_executive_summary(rc, sections, profile),
        worse_than_benchmark=_flagged(rc, "Worse"),
        indicators_appendix=indicators_appendix,
        sources_appendix=_with_practice_inputs(
            input_blocks.sources_appendix(rc, sections), sections, profile
        ),
        skipped=skipped or [],
        results_csv=results_csv,
        logo_data_uri=_logo(config),
        version=__version__,
        subtitle=config.report.subtitle or "",
        accent_colour=config.organisation.accent_colour,
        website=config.organisation.website,
        contact=config.organisation.contact,
        footer=config.report.footer,
        disclosure_note=rc.policy.note(),
        area_type=rc.area_type,
        # a practice or PCN is compared with its sub-ICB location, its authority's practices
        # and England, never with other areas of its "type"
        comparators_name="" if profile else comparators.name,
        comparators_reason="" if profile else comparators.reason,
        comparators_areas=""
        if profile
        else ", ".join(rc.names.get(c, c) for c in comparators.codes),
        comparators_notes=[] if profile else list(comparators.notes),
        profile=profile,
        compared_with=_practices.profile_compared_with(rc, profile) if profile else "",
    )


def report_title(config: Config, area_name: str) -> str:
    """``report.title``, else "<area> Joint Strategic Needs Assessment" when the project name is the
    default (``jsna init`` names nothing; older projects were named after their folder), else
    "<project name>: <area>"."""
    if config.report.title:
        return config.report.title
    generic = "Joint Strategic Needs Assessment"
    name = config.project.name.strip()
    if name in {generic, f"{Path(config.root).resolve().name} {generic}"}:
        return f"{area_name} {generic}"
    return name if area_name.lower() in name.lower() else f"{name}: {area_name}"


def _flagged(rc: ReportContext, outcome: str) -> list[dict[str, str]]:
    rows = rc.latest(rc.area_results())
    rows = rows[rows["compared_to_benchmark"].eq(outcome)].sort_values(
        ["section", "indicator_name"]
    )
    out = []
    for _, r in rows.iterrows():
        d = rc.decimals(str(r["indicator_id"]))
        who = "" if r["sex"] in ("Persons", None) else f" ({str(r['sex']).lower()}s)"
        cat = (
            f" – {r['category']}" if not is_missing(r.get("category")) and r.get("category") else ""
        )
        out.append(
            {
                "indicator": f"{r['indicator_name']}{who}{cat}",
                "period": str(r["period"]),
                "value": fmt(r["value"], d),
                "benchmark": fmt(r.get("benchmark_value"), d),
                "unit": unit_label(r.get("unit"), str(r["indicator_name"])),
                "section": str(r["section"]),
            }
        )
    return out


def _executive_summary(rc: ReportContext, sections: list[Section], profile: str = "") -> list[str]:
    lines = []
    for section in sections:
        if section.summary:
            lines.append(section.summary[0])
    if profile:
        # a practice or PCN: how its own series compare with England (as published, or the
        # network's 95% limits), and the practice's list measures outside their 99.8% limits;
        # no line when nothing was compared
        from jsna.report.practice_lists import profile_list_outliers
        from jsna.report.practices import profile_comparison

        compared = profile_comparison(rc, profile)
        return [
            *lines,
            *([compared] if compared else []),
            *(profile_list_outliers(rc) if profile == "practice" else []),
        ]
    worse, better = _flagged(rc, "Worse"), _flagged(rc, "Better")
    lines.append(
        f"Of the indicators compared with {rc.benchmark_name} for the latest period, {len(worse)} "
        f"{'is' if len(worse) == 1 else 'are'} significantly worse and {len(better)} significantly better; "
        "the rest are similar or not compared."
    )
    return lines


def _alternative_text(rc: ReportContext, alternatives: pd.DataFrame, indicator_id: str) -> str:
    """The area's values of one indicator that another source's figures replaced in the report, with the difference."""
    rows = alternatives[
        alternatives["indicator_id"].eq(indicator_id) & alternatives["area_code"].eq(rc.area_code)
    ]
    if rows.empty:
        return ""
    d = rc.decimals(indicator_id)
    parts = []
    for _, r in rows.sort_values(["period_sortable", "sex"]).iterrows():
        who = "" if r["sex"] in ("Persons", None) else f", {str(r['sex']).lower()}s"
        note = str(r["value_note"]).split(": ", 1)[-1]
        parts.append(f"{r['period']}{who}: {fmt(r['value'], d)} ({note})")
    return (
        " Not shown for this area, because the same figure comes from another source: "
        + "; ".join(parts)
        + "."
    )


def _indicator_appendix(
    rc: ReportContext, registry: Any, alternatives: pd.DataFrame | None = None
) -> list[dict[str, str]]:
    import pandas as pd

    prov = rc.workspace.provenance()
    live = prov[prov["status"].eq("loaded")]
    kind_of_table = {
        "population": ["population"],
        "events": ["deaths", "events"],
        "indicator_values": ["fingertips"],
        "deprivation": ["deprivation"],
        "areas": ["boundaries"],
        "lookups": ["lookup"],
        "registrations": ["registrations"],
    }
    rows = []
    shown_ids = set(rc.results["indicator_id"].unique())
    alternatives = alternatives if alternatives is not None else rc.results.iloc[0:0]
    every = rc.results if alternatives.empty else pd.concat([rc.results, alternatives])
    present = every[
        every["indicator_id"].isin(
            shown_ids
            | set(alternatives.loc[alternatives["area_code"].eq(rc.area_code), "indicator_id"])
        )
    ].drop_duplicates("indicator_id")
    for _, r in present.sort_values(["section", "indicator_id"]).iterrows():
        ind = registry.indicators.get(r["indicator_id"])
        if ind is None:
            vals = rc.table("indicator_values")
            src_ids = set(vals.loc[vals["indicator_id"].eq(r["indicator_id"]), "source_id"])
            files = live[live["source_id"].isin(src_ids)]
            definition = f"Published indicator {r['indicator_id']}, imported as published"
            method = str(r["method"])
        else:
            kinds = [k for t in ind.requires for k in kind_of_table.get(t, [])]
            files = live[live["kind"].isin(kinds)]
            definition, method = ind.definition, ind.method
        method += _alternative_text(rc, alternatives, str(r["indicator_id"]))
        rows.append(
            {
                "id": str(r["indicator_id"]),
                "name": str(r["indicator_name"]),
                "section": str(r["section"]),
                "definition": definition,
                "method": method,
                "unit": str(r.get("unit") or ""),
                "periods": _appendix_periods(
                    every.loc[every["indicator_id"].eq(r["indicator_id"]), "period"]
                ),
                "sources": _appendix_sources(files),
            }
        )
    return rows


def _appendix_sources(files: pd.DataFrame) -> str:
    """An appendix row's source files: each name with the start of its SHA-256."""
    return "; ".join(
        f"{f} (sha256 {s[:12]}…)" for f, s in zip(files["file_name"], files["sha256"], strict=True)
    )


def _appendix_periods(values: Any) -> str:
    """An appendix row's periods: each run of periods that follow one another from its first to
    its last, so that a missing year shows (:func:`jsna.vocabulary.periods.describe_periods`)."""
    from jsna.vocabulary.periods import describe_periods

    return describe_periods(values)


def _profile_appendix(rc: ReportContext, registry: Any, profile: str) -> list[dict[str, str]]:
    """The indicators a practice or PCN profile shows, and no other: the published series of
    the practice (or of the network and its practices), the registered list, and the measures
    on the practice's list; each with the periods and the source files of the rows shown."""
    from jsna.report.practice_lists import NOTE
    from jsna.report.practices import profile_points, section_of

    prov = rc.workspace.provenance()
    live = prov[prov["status"].eq("loaded")]
    points = profile_points(rc, profile)
    practice_codes = set(points["practice_code"].dropna()) | (
        {rc.area_code} if profile == "practice" else set()
    )
    values = rc.table("indicator_values")
    rows = []
    for indicator_id, one in points.groupby("indicator_id", sort=True):
        first = one.iloc[0]
        held = values[values["indicator_id"].eq(indicator_id)]
        held = held[held["area_code"].isin(practice_codes | {rc.area_code})]
        files = live[live["source_id"].isin(set(held["source_id"]))]
        pooled = (
            " The network's value is Fingertips' where published, otherwise its practices' "
            "counts and denominators summed."
            if one["row_type"].eq("pcn_point").any()
            else ""
        )
        rows.append(
            {
                "id": str(indicator_id),
                "name": str(first["indicator_name"]),
                "section": section_of(str(first["indicator_name"])),
                "definition": f"Published indicator {indicator_id} (OHID Fingertips), GP practices",
                "method": "As published"
                + (f", from {', '.join(files['file_name'])}" if len(files) else "")
                + f".{pooled}",
                "unit": str(first.get("unit") or ""),
                "periods": _appendix_periods(one["period"]),
                "sources": _appendix_sources(files),
            }
        )
    lists = rc.results[
        rc.results["indicator_id"].eq("gp-practice-list-size")
        & rc.results["area_code"].isin(practice_codes)
    ]
    ind = registry.indicators.get("gp-practice-list-size")
    if len(lists) and ind is not None:
        rows.append(
            {
                "id": ind.id,
                "name": ind.title,
                "section": "demography",
                "definition": ind.definition,
                "method": ind.method,
                "unit": ind.unit,
                "periods": _appendix_periods(lists["period"]),
                "sources": _appendix_sources(live[live["kind"].eq("registrations")]),
            }
        )
    if profile == "practice":
        measures = rc.workspace.analysis_table("analysis_practice_indicators")
        mine = measures[measures["practice_code"].eq(rc.area_code)]
        for measure, one in mine.groupby("measure", sort=True):
            first = one.iloc[0]
            rows.append(
                {
                    "id": "analysis_practice_indicators",
                    "name": f"{measure}: on the registered list",
                    "section": "health_status",
                    "definition": f"{measure} of the practice's registered patients: crude, "
                    "age-standardised and against the count expected from the list's age and sex.",
                    "method": NOTE.format(reference=str(first["reference"]).lower()),
                    "unit": "",
                    "periods": _appendix_periods(one["period"]),
                    "sources": _appendix_sources(
                        live[live["kind"].isin(["practice-counts", "registrations"])]
                    ),
                }
            )
    return rows


def _with_practice_inputs(
    rows: list[dict[str, str]], sections: list[Section], profile: str
) -> list[dict[str, str]]:
    """Appendix B's rows, with the sections that the practice views draw from each practice
    input (registered lists, practice counts, patients by LSOA, practice -> PCN) added to those
    found from the results, so that such a file is never called unused when a practice table or
    chart rests on it."""
    import re

    from jsna.report.practices import practice_input_sections

    feeds = practice_input_sections(sections, profile)
    out = []
    for row in rows:
        found = feeds.get(row["kind"])
        if found and row["status"] == "loaded":
            before = row["used"]
            had = (
                set()
                if before.startswith("Not used")
                else {int(n) for n in re.findall(r"\d+", before)}
            )
            numbers = sorted(had | found)
            row = {
                **row,
                "used": ("Sections " if len(numbers) > 1 else "Section ")
                + ", ".join(map(str, numbers)),
            }
        out.append(row)
    return out


def _results_csv(rc: ReportContext) -> str:
    """The area's and benchmark's results as CSV (disclosure-controlled counts), base64 for a data URI."""
    rows = rc.results[rc.results["area_code"].isin([rc.area_code, rc.benchmark_code])]
    rows = rows.sort_values(
        ["section", "indicator_id", "area_code", "period_sortable", "sex", "age", "category"],
        na_position="first",
    )
    text = results_csv_text(rows, rc.policy, rc.disclosure_rules)
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def _area_type(workspace: Workspace, results: pd.DataFrame, area_code: str) -> str:
    """The area's type from the results, else the areas table, else its GSS prefix."""
    known = results.loc[results["area_code"].eq(area_code), "area_type"].dropna()
    if len(known):
        return str(known.iloc[0])
    areas = workspace.table("areas", "area_code = ?", [area_code])
    if len(areas) and areas["area_type"].notna().any():
        return str(areas["area_type"].dropna().iloc[0])
    from jsna.vocabulary.areas import area_type_of

    return str(area_type_of(area_code) or "")


def _logo(config: Config) -> str:
    image = config.logo_image()
    if image is None:
        return ""
    mime, data = image
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


__all__ = ["BUILDERS", "ReportContext", "SectionInfo", "assemble_report"]


# -- the report step (jsna report, jsna run) ----------------------------------------------------------
def stored_analysis_warnings(workspace: Workspace, config: Config, area_code: str) -> list[str]:
    """Why the stored analyses (the funnel plot, sections 7-10) may not match jsna.toml or the
    area: settings changed since compute, no stored analyses at all, or none for this area."""
    from jsna.indicators.analyses import changed_settings

    stored = workspace.analysis_settings()
    if not stored:
        if workspace.has_data("results"):
            return [
                "the workspace holds no stored analyses for the funnel plot and sections 7-10 (it was computed by an "
                "older jsna): run jsna compute"
            ]
        return []
    changed = changed_settings(stored, config)
    warnings = []
    if changed:
        warnings.append(
            f"jsna.toml's {', '.join(changed)} changed since jsna compute, so the funnel plot and sections 7-10 show "
            "figures made with the old settings: run jsna compute"
        )
    facts = workspace.analysis_table("analysis_facts", area_code)
    if facts.empty:
        warnings.append(
            f"jsna compute stored no analyses for {area_code} (it is not the project area nor an "
            "area jsna report --all-areas reports), so the funnel plot and sections 7-10 are empty: set project.area "
            "to it and run jsna compute"
        )
    return warnings


@dataclass
class ReportResult:
    outputs: list[Path]
    area_code: str
    seconds: float = 0.0
    #: what the report lists as not included (failed indicators, broken section plugins)
    skipped: list[dict[str, str]] = field(default_factory=list)
    #: why some figures may not match jsna.toml (settings changed since jsna compute)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "area_code": self.area_code,
            "outputs": [str(p) for p in self.outputs],
            "seconds": round(self.seconds, 2),
            "skipped": self.skipped,
            "warnings": self.warnings,
        }


def report_settings(
    config: Config, formats: Sequence[str] | None, output: Path | None
) -> tuple[list[str], Path, Path]:
    """The formats (checked), output folder and user templates folder of a report command."""
    from jsna.errors import UsageError

    chosen = list(formats or config.report.formats)
    bad = [f for f in chosen if f not in {"html", "pdf"}]
    if bad:
        raise UsageError(f"unknown format {bad[0]!r}; use html or pdf")
    out_dir = Path(output) if output else config.output_dir
    templates = (
        config.path(config.report.templates_dir)
        if config.report.templates_dir
        else config.root / "templates"
    )
    return chosen, out_dir, templates


def render_report(
    config: Config,
    *,
    area: str | None = None,
    formats: Sequence[str] | None = None,
    output: Path | None = None,
    skipped: list[dict[str, str]] | None = None,
) -> ReportResult:
    """Render the report for one area as HTML and/or PDF from the workspace (opened read-only)."""
    import time

    from jsna.errors import UsageError
    from jsna.processes import full_collections_held
    from jsna.report.render import write_html, write_pdf
    from jsna.workspace import Workspace

    start = time.perf_counter()
    area_code = area or config.project.area
    if not area_code:
        raise UsageError("no area given: pass --area CODE or set project.area in jsna.toml")
    formats, out_dir, templates = report_settings(config, formats, output)
    outputs = []
    with full_collections_held():
        with Workspace.open(config.workspace_path, read_only=True) as ws:
            model = assemble_report(ws, config, area_code, skipped=skipped, share=True)
        for kind in formats:
            path = out_dir / f"jsna-{area_code}.{kind}"
            writer = write_html if kind == "html" else write_pdf
            outputs.append(writer(model, path, user_templates=templates))
    return ReportResult(
        outputs=outputs,
        area_code=area_code,
        seconds=time.perf_counter() - start,
        skipped=list(model.skipped),
        warnings=list(model.warnings),
    )
