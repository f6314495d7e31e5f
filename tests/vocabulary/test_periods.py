"""Period labels of every shape sort by the month they end (jsna.vocabulary.periods)."""

from __future__ import annotations

import csv
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jsna.vocabulary.periods import (
    describe_periods,
    latest_period,
    normalise_period,
    parse_period_label,
    period_sortable,
    sort_periods,
)
from tests.conftest import real_file

# label -> (canonical label, first month, last month), worked by hand from the publishers' conventions
LABELS = {
    "2024": ("2024", (2024, 1), (2024, 12)),
    "2024-06-30": ("2024", (2024, 1), (2024, 12)),
    "2023/24": ("2023/24", (2023, 4), (2024, 3)),
    "2015-16": ("2015/16", (2015, 4), (2016, 3)),
    "2018 - 20": ("2018-20", (2018, 1), (2020, 12)),
    "2006 to 2008": ("2006-08", (2006, 1), (2008, 12)),
    "2019 - 20": ("2019-2020", (2019, 1), (2020, 12)),
    "2020/21 - 22/23": ("2020/21 - 22/23", (2020, 4), (2023, 3)),
    "2013/14 to 2017/18": ("2013/14 - 17/18", (2013, 4), (2018, 3)),
    "2015/16 - 19/20": ("2015/16 - 19/20", (2015, 4), (2020, 3)),
    "2024 Q2": ("2024 Q2", (2024, 4), (2024, 6)),
    "2023/24 Q3": ("2023/24 Q3", (2023, 10), (2023, 12)),
    "2023/24 Q4": ("2023/24 Q4", (2024, 1), (2024, 3)),
    "2021/22 Q1 - 2025/26 Q3": ("2021/22 Q1 - 2025/26 Q3", (2021, 4), (2025, 12)),
    "Jan 2021": ("Jan 2021", (2021, 1), (2021, 1)),
    "2021-01": ("Jan 2021", (2021, 1), (2021, 1)),
    "1999-00": ("1999/00", (1999, 4), (2000, 3)),
}


@pytest.mark.parametrize("label", sorted(LABELS))
def test_each_shape_reads_to_its_span_and_canonical_label(label: str) -> None:
    period = parse_period_label(label)
    assert period is not None
    assert (period.label, period.start, period.end) == LABELS[label]
    assert (
        normalise_period(period.label) == period.label
    )  # canonical labels read back to themselves


@pytest.mark.parametrize("label", ["1y", "21", "2020-13", "2024 Q5", "soon", "", "2021/23"])
def test_what_is_not_a_period_is_none(label: str) -> None:
    assert normalise_period(label) is None
    assert period_sortable(label) == 0


def test_the_latest_period_is_the_one_that_ends_last() -> None:
    cumulative = [
        "2021/22 Q1",
        "2021/22 Q1 - 2021/22 Q4",
        "2021/22 Q1 - 2025/26 Q3",
        "2021/22 Q1 - 2024/25 Q4",
    ]
    assert latest_period(cumulative) == "2021/22 Q1 - 2025/26 Q3"
    assert sort_periods(["2023-25", "2024/25", "2022"]) == ["2022", "2024/25", "2023-25"]
    # same end month: the later-starting (shorter) period sorts later
    assert sort_periods(["2025", "2023-25"]) == ["2023-25", "2025"]
    assert period_sortable("2023-25") == 202512202301


years = st.integers(min_value=1990, max_value=2060)


@st.composite
def labels(draw: st.DrawFn) -> str:
    y = draw(years)
    shape = draw(
        st.sampled_from(
            ["year", "fy", "range", "fyrange", "quarter", "fyquarter", "month", "cumulative"]
        )
    )
    n = draw(st.integers(min_value=2, max_value=5))
    q = draw(st.integers(min_value=1, max_value=4))
    if shape == "year":
        return str(y)
    if shape == "fy":
        return f"{y}/{str(y + 1)[-2:]}"
    if shape == "range":
        return f"{y} - {str(y + n)[-2:]}"
    if shape == "fyrange":
        return f"{y}/{str(y + 1)[-2:]} - {str(y + n)[-2:]}/{str(y + n + 1)[-2:]}"
    if shape == "quarter":
        return f"{y} Q{q}"
    if shape == "fyquarter":
        return f"{y}/{str(y + 1)[-2:]} Q{q}"
    if shape == "month":
        return f"{['Jan', 'Apr', 'Jul', 'Dec'][q - 1]} {y}"
    return f"{y}/{str(y + 1)[-2:]} Q1 - {y + n}/{str(y + n + 1)[-2:]} Q{q}"


@given(st.lists(labels(), min_size=1, max_size=12))
def test_order_is_by_end_then_start_and_stable(items: list[str]) -> None:
    spans = {s: parse_period_label(s) for s in items}
    assert all(spans.values())
    ordered = sort_periods(items)
    ends = [(spans[s].end, spans[s].start) for s in ordered]  # type: ignore[union-attr]
    assert ends == sorted(ends)
    assert (
        sort_periods(list(reversed(items))) == ordered
    )  # the order does not depend on the input order
    assert latest_period(items) == ordered[-1]


@given(labels(), labels())
def test_the_key_orders_exactly_as_the_spans(a: str, b: str) -> None:
    pa, pb = parse_period_label(a), parse_period_label(b)
    assert (period_sortable(a) < period_sortable(b)) == ((pa.end, pa.start) < (pb.end, pb.start))  # type: ignore[union-attr]
    assert normalise_period(pa.label) == pa.label  # type: ignore[union-attr]


REAL_PERIOD_FILES = [
    ("fingertips_lad_indicators_trafford_themes/nhs_health_checks.csv", "period"),
    ("fingertips_lad_indicators_trafford_themes/life_expectancy.csv", "period"),
    ("fingertips_lad_indicators_trafford_themes/overweight_adult.csv", "period"),
    ("fingertips_lad_indicators_trafford_themes/mortality_rate.csv", "period"),
    ("fingertips_gp_qof_ae_heec/smok_qof_prev.csv", "Time period"),
    ("trafford_ward_health_fingertips_localhealth/cancer_incidence.csv", "period"),
    ("trafford_ward_health_fingertips_localhealth/female_life_expectancy.csv", "period"),
    ("oflog_asc_outcomes_la/ASC_data.csv", "Financial year"),
    ("trafford_census2021/1981-2021_population_by_sex_and_age_group_la_gm.csv", "period"),
]


@pytest.mark.real
@pytest.mark.parametrize(("relative", "column"), REAL_PERIOD_FILES)
def test_every_period_label_in_the_real_files_is_read(relative: str, column: str) -> None:
    path = real_file(relative)
    with path.open(encoding="utf-8-sig", newline="") as f:
        found = {row[column].strip() for row in csv.DictReader(f) if row[column].strip()}
    unread = sorted(label for label in found if parse_period_label(label) is None)
    assert not unread


def _end_of_label(label: str) -> tuple[int, int]:
    """(financial year it ends in, quarter) of a cumulative Fingertips label, read by hand."""
    last = re.findall(r"(\d{4})/\d{2} Q([1-4])", label)[-1]
    return int(last[0]), int(last[1])


@pytest.mark.real
def test_trafford_nhs_health_checks_latest_is_the_cumulative_figure_to_the_last_quarter(
    tmp_path,
) -> None:
    import pandas as pd

    from jsna import api
    from jsna.ingest.base import ReadOptions

    path = real_file("fingertips_lad_indicators_trafford_themes/nhs_health_checks.csv")
    source = pd.read_csv(path, dtype=str)
    for area in ("E08000009", "E08000025"):  # Trafford, and Birmingham to keep the rule general
        mine = source[source["area_code"].eq(area)]
        expected = mine.loc[mine["period"].map(_end_of_label).idxmax()]
        api.init_project(tmp_path / area)
        config = api.project_config(tmp_path / area)
        api.ingest(config, None, [path], ReadOptions())  # as downloaded: the kind is detected
        assert api.compute(config).ok
        from jsna.workspace import Workspace

        with Workspace.open(config.workspace_path, read_only=True) as ws:
            results = ws.table("results")
        rows = results[
            results["area_code"].eq(area)
            & results["indicator_name"].str.contains("NHS Health Check")
        ]
        top = rows[rows["period_sortable"].eq(rows["period_sortable"].max())]
        assert len(top) == 1  # one latest value per series, not one per start quarter
        assert top["period"].iloc[0] == expected["period"]
        assert top["value"].iloc[0] == pytest.approx(float(expected["value"]))
        if area == "E08000009":
            assert (top["period"].iloc[0], top["value"].iloc[0]) == (
                "2021/22 Q1 - 2025/26 Q3",
                pytest.approx(50.5),
            )


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        # a missing year shows: 2023/24 is not in the file
        (
            [f"{y}/{str(y + 1)[-2:]}" for y in range(2014, 2023)] + ["2024/25"],
            "2014/15 to 2022/23, 2024/25",
        ),
        ([str(y) for y in range(2022, 2048)], "2022 to 2047"),
        # each length on its own, earliest first; a label that is no period comes first
        (
            ["2017-19", "2019", "2015-17", "2017", "2016-18", "2018", "odd"],
            "odd, 2017 to 2019, 2015-17 to 2017-19",
        ),
        (
            ["2021/22 Q1", "2021/22 Q2", "2021/22 Q3", "2021/22 Q4", "2022/23 Q1"],
            "2021/22 Q1 to 2022/23 Q1",
        ),
        (["Jan 2024", "Feb 2024", "Mar 2024", "May 2024"], "Jan 2024 to Mar 2024, May 2024"),
        # cumulative from one start (NHS Health Checks), each ending a quarter later
        (
            [f"2021/22 Q1 - 2021/22 Q{q}" for q in (2, 3, 4)]
            + [f"2021/22 Q1 - 2022/23 Q{q}" for q in (1, 2)],
            "2021/22 Q1 - 2021/22 Q2 to 2021/22 Q1 - 2022/23 Q2",
        ),
        # ... with a quarter missing, and beside single quarters
        (
            ["2021/22 Q1", "2021/22 Q2", "2021/22 Q3"]
            + [f"2021/22 Q1 - 2021/22 Q{q}" for q in (2, 3, 4)]
            + ["2021/22 Q1 - 2022/23 Q2"],
            "2021/22 Q1 to 2021/22 Q3, 2021/22 Q1 - 2021/22 Q2 to 2021/22 Q1 - 2021/22 Q4, "
            "2021/22 Q1 - 2022/23 Q2",
        ),
        # two that follow are listed: "2020 to 2021" says no more than "2020, 2021"
        (["2021", "2020"], "2020, 2021"),
        (["2020", "2022"], "2020, 2022"),
        (["2019/20"], "2019/20"),
        ([], ""),
    ],
)
def test_periods_are_described_as_runs_with_their_gaps(labels: list[str], expected: str) -> None:
    assert describe_periods(labels) == expected


@given(st.sets(st.integers(1990, 2040), max_size=30))
def test_a_description_of_years_names_every_year_and_no_other(years: set[int]) -> None:
    text = describe_periods(str(y) for y in years)
    named: set[int] = set()
    for part in filter(None, text.split(", ")):
        first, _, last = part.partition(" to ")
        named |= set(range(int(first), int(last or first) + 1))
    assert named == years
