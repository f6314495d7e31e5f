"""Chart data (not pixels): golden values, determinism, and the text's hedging."""

from __future__ import annotations

import pandas as pd
import pytest

from jsna.report import charts, maps
from jsna.report.text import comparison_phrase, indicator_sentence


def _spine_input() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "label": ["Low is good", "High is good"],
            "period": ["2024", "2024"],
            "count_text": ["120", "*"],
            "value": [110.0, 80.0],
            "benchmark_value": [100.0, 79.0],
            # low is good: worst is the highest value; high is good: worst is the lowest
            "worst": [140.0, 75.0],
            "q25": [95.0, 78.0],
            "q75": [115.0, 81.0],
            "best": [80.0, 85.0],
            "outcome": ["Worse", "Similar"],
            "decimals": [1, 1],
        }
    )


def test_spine_positions_are_england_centred() -> None:
    pos = charts.spine_positions(_spine_input())
    # row 1: spread = max(|140-100|, |80-100|) = 40; worst (140) sits at 0, benchmark at 0.5
    assert pos.loc[0, ["worst_pos", "best_pos", "value_pos"]].tolist() == pytest.approx(
        [0.0, 0.75, 0.375]
    )
    assert pos.loc[0, ["q25_pos", "q75_pos"]].tolist() == pytest.approx([0.3125, 0.5625])
    # row 2: spread = max(|75-79|, |85-79|) = 6; worst 75 at 1/6, best 85 at 1
    assert pos.loc[1, ["worst_pos", "best_pos", "value_pos"]].tolist() == pytest.approx(
        [1 / 6, 1.0, 7 / 12]
    )


def test_spine_chart_is_deterministic_and_carries_counts_as_given() -> None:
    a = charts.spine_chart(_spine_input(), area_name="Area", figure_id="s")
    b = charts.spine_chart(_spine_input(), area_name="Area", figure_id="s")
    assert a.svg == b.svg
    assert a.data["count_text"].tolist() == ["120", "*"]
    assert 'role="img"' in a.svg and "<title" in a.svg and "significantly worse" in a.alt


def test_funnel_plot_draws_the_points_and_limits_given() -> None:
    points = pd.DataFrame(
        {
            "area_code": [f"E0600000{i}" for i in range(3)],
            "area_name": list("ABC"),
            "denominator": [1e4, 2e4, 5e3],
            "value": [1000.0, 1500.0, 400.0],
            "target": [1100.0] * 3,
            "lower_ci_95": [900.0, 960.0, 850.0],
            "upper_ci_95": [1300.0, 1250.0, 1400.0],
            "lower_ci_99_8": [800.0, 900.0, 700.0],
            "upper_ci_99_8": [1400.0, 1320.0, 1600.0],
        }
    )
    limits = points.drop(columns=["area_code", "area_name", "value"]).sort_values("denominator")
    fig = charts.funnel_plot(
        points, limits, title="Rate", unit="per 100,000", highlight="E06000001"
    )
    pd.testing.assert_frame_equal(fig.data, points.drop(columns="denominator"), check_like=True)
    assert "3 areas" in fig.alt and "2 areas lie outside the 99.8% limits" in fig.alt
    assert "<svg" in fig.svg


def test_tartan_rug_colours_and_writes_each_cell_row_by_row() -> None:
    """Cells in reading order (indicators down, areas across): the benchmark column grey, each
    other area's value coloured by its comparison, a missing or empty value a white '–' (white
    text on the dark red and blue), a repeated label and area the last row given."""
    import re

    frame = pd.DataFrame(
        {
            "label": ["Deaths"] * 3 + ["Smoking"] * 3 + ["Deaths"],
            "area_code": ["E92000001", "E06000001", "E06000002"] * 2 + ["E06000002"],
            "value": [950.0, 1100.0, 800.0, 11.9, None, 14.31, 812.0],
            "outcome": [
                "Not compared",
                "Worse",
                "Better",
                "Not compared",
                None,
                "Lower",
                "Similar",
            ],
            "decimals": [0, 0, 0, 1, 1, 1, 0],
        }
    )
    fig = charts.tartan_rug(
        frame,
        area_codes=["E92000001", "E06000001", "E06000002"],
        area_labels=["England", "Hartlepool", "Middlesbrough"],
        title="Latest values",
        figure_id="t",
    )
    cells = re.findall(
        r'<path d="[^"]*z\s*"[^>]*style="fill: (#[0-9a-f]{6}); stroke: #ffffff; stroke-width: 1.5; '
        r'stroke-linejoin: miter"',
        fig.svg,
    )
    assert cells == ["#f3f2f1", "#c00000", "#ffc000", "#f3f2f1", "#ffffff", "#5555e6"]
    texts = re.findall(
        r'<text style="font-size: 7px;[^"]*fill: (#[0-9a-f]{6})"[^>]*>([^<]*)<', fig.svg
    )
    assert texts == [
        ("#0b0c0c", "950"),
        ("#ffffff", "1,100"),
        ("#0b0c0c", "812"),
        ("#0b0c0c", "11.9"),
        ("#0b0c0c", "–"),
        ("#ffffff", "14.3"),
    ]


def test_quantile_classes_with_pandas() -> None:
    values = pd.Series([5.0, 1.0, 3.0, 2.0, 4.0, 10.0, 8.0, 6.0, 7.0, 9.0])
    classes, labels = maps.quantile_classes(values, 5)
    assert classes.tolist() == [3, 1, 2, 1, 2, 5, 4, 3, 4, 5]
    assert labels == ["1.0 to 2.0", "3.0 to 4.0", "5.0 to 6.0", "7.0 to 8.0", "9.0 to 10.0"]
    few, few_labels = maps.quantile_classes(pd.Series([1.0, 1.0, 2.0]), 5)
    assert few.tolist() == [1, 1, 2] and few_labels == ["1.0", "2.0"]


def test_equal_values_share_a_class() -> None:
    """Counts with many ties (Trafford's wards: casualties killed or seriously injured): a value
    is never split between two colours, and the legend's ranges do not overlap."""
    counts = [2, 0, 2, 2, 2, 2, 0, 1, 0, 2, 1, 1, 3, 1, 0, 3, 6, 1, 1, 1]
    values = pd.Series([*counts, None], dtype=float)
    classes, labels = maps.quantile_classes(values, 5, decimals=0)
    assert labels == ["0", "1", "2", "3 to 6"]
    by_value = pd.DataFrame({"value": values, "class": classes}).dropna()
    assert (by_value.groupby("value")["class"].nunique() == 1).all()
    assert by_value.groupby("class")["value"].max().is_monotonic_increasing
    assert pd.isna(classes.iloc[-1])
    # no value at all: no classes
    assert maps.quantile_classes(pd.Series([None, None], dtype=float))[1] == []


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [
        ("Similar", "similar to England (79.3 years)"),
        ("Worse", "significantly worse than England (79.3 years)"),
        ("Higher", "significantly higher than England (79.3 years)"),
        ("Not compared", ""),
        (None, ""),
    ],
)
def test_comparison_is_hedged_by_the_statistical_test(outcome: str | None, expected: str) -> None:
    assert comparison_phrase(outcome, "England", 79.3, 1, "years") == expected


def test_sentence_says_similar_when_limits_overlap_even_if_lower() -> None:
    row = {
        "value": 78.9,
        "lower_ci_95": 78.2,
        "upper_ci_95": 79.6,
        "period": "2022-24",
        "unit": "years",
        "benchmark_value": 79.3,
        "compared_to_benchmark": "Similar",
        "sex": "Male",
        "age": "All ages",
    }
    sentence = indicator_sentence("Life expectancy at birth", "Area", row, "England")
    assert "similar to England" in sentence
    assert "lower" not in sentence and "worse" not in sentence
    assert sentence.startswith("Life expectancy at birth (males) in Area was 78.9 years in 2022-24")


def test_demo_spine_frame_golden(demo_assembled) -> None:  # type: ignore[no-untyped-def]
    """The spine's worst/best follow polarity and bracket the 25th-75th percentile band."""
    report, _results, _provenance = demo_assembled
    spine = next(f for s in report.sections for f in s.figures if f.id == "health-spine")
    data = spine.data
    assert len(data) >= 3
    low = data[["worst", "best"]].min(axis=1)
    high = data[["worst", "best"]].max(axis=1)
    assert ((data["q25"] >= low - 1e-9) & (data["q75"] <= high + 1e-9)).all()
    assert data[["worst_pos", "best_pos"]].min(axis=1).ge(-1e-9).all()
    assert data[["worst_pos", "best_pos"]].max(axis=1).le(1 + 1e-9).all()
    assert (data["worst_pos"] <= data["best_pos"]).all()
