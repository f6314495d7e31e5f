"""Published indicator tables: detected from their headers, --map otherwise, limits checked."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest

from tests.conftest import real_file

Z95 = 1.959963984540054  # the 97.5% normal quantile


def _wilson(count: float, n: float, multiplier: float) -> tuple[float, float]:
    """Wilson score limits, worked from the formula (Newcombe 1998)."""
    p = count / n
    centre = 2 * count + Z95**2
    spread = Z95 * math.sqrt(Z95**2 + 4 * count * (1 - p))
    denom = 2 * (n + Z95**2)
    return ((centre - spread) / denom * multiplier, (centre + spread) / denom * multiplier)


def _write(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _dashboard(path: Path, break_row: bool = False) -> Path:
    """A local dashboard's table: percentages with Wilson limits to 2 decimals."""
    rows = []
    for i, (code, count, n) in enumerate(
        [("E08000009", 120, 1000), ("E08000010", 45, 600), ("E08000011", 7, 90)]
    ):
        lo, up = _wilson(count, n, 100)
        if break_row and i == 1:
            up += 0.5  # published with a different method than any jsna knows
        rows.append(
            [
                code,
                f"Area {i}",
                "2022/23",
                count,
                n,
                round(100 * count / n, 2),
                round(lo, 2),
                round(up, 2),
            ]
        )
    header = [
        "Area Code",
        "Area Name",
        "Period",
        "Numerator",
        "Denominator",
        "Value",
        "Lower CI",
        "Upper CI",
    ]
    return _write(path, header, rows)


HEADERS = {
    "dashboard": ["Area Code", "Area Name", "Value", "Lower CI", "Upper CI", "Count", "Denominator"],
    "ons-life-expectancy": ["Ward code", "Ward name", "Sex", "Period", "Life expectancy", "Lower 95% CI", "Upper 95% CI"],
    "nhs-digital": ["ORG_CODE", "ORG_NAME", "NUMERATOR", "DENOMINATOR", "VALUE", "LCI", "UCI"],
    "fingertips-style": ["areacode", "areaname", "timeperiod", "value", "lowerci95.0limit", "upperci95.0limit", "count", "denominator"],
}  # fmt: skip


@pytest.mark.parametrize("layout", sorted(HEADERS))
def test_recognisable_headers_are_detected_as_a_published_table(
    tmp_path: Path, layout: str
) -> None:
    from jsna.ingest.pipeline import detect_kind

    row = ["E05000819", "Altrincham", "1", "2", "3", "4", "5", "6"][: len(HEADERS[layout])]
    path = _write(tmp_path / f"{layout}.csv", HEADERS[layout], [row])
    assert detect_kind(path) == ("published", "published-table")


@pytest.mark.parametrize(
    "header",
    [
        ["area_code", "period", "indicator", "value", "lower_ci_95", "upper_ci_95"],  # indicator
        ["area_code", "value", "lower_age", "upper_age"],  # not limits
        ["area_code", "Result", "Lower CI", "Upper CI"],  # no value column
    ],
)
def test_other_tables_are_not_taken_for_a_published_table(header: list[str]) -> None:
    from jsna.ingest.published import PublishedSource

    assert PublishedSource().detect(header) is None


def test_a_value_column_named_with_map(tmp_path: Path) -> None:
    from jsna.ingest.published import PublishedSource
    from jsna.options import ReadOptions

    path = _write(
        tmp_path / "smoking_at_delivery_2023.csv",
        ["area_code", "Result", "Lower CI", "Upper CI"],
        [["E08000009", "6.1", "5.2", "7.0"]],
    )
    parsed = PublishedSource().parse(path, ReadOptions(column_map={"Result": "value"}))
    assert not parsed.report.issues
    row = parsed.frames["indicator_values"].iloc[0]
    assert (row["indicator_name"], row["period"], row["sex"]) == (
        "Smoking at delivery 2023",
        "2023",
        "Persons",
    )
    assert (row["value"], row["lower_ci_95"], row["upper_ci_95"]) == (6.1, 5.2, 7.0)


def test_limits_agreement_names_the_method_or_says_none_fits(tmp_path: Path) -> None:
    import pandas as pd

    from jsna.indicators.published import agreement_summary, limits_agreement
    from jsna.ingest.published import PublishedSource
    from jsna.options import ReadOptions

    frame = PublishedSource().parse(_dashboard(tmp_path / "d.csv", True), ReadOptions()).frames
    notes = limits_agreement(frame["indicator_values"])
    assert (
        notes[0]
        == notes[2]
        == ("published 95% limits reproduced from the count and denominator (Wilson score)")
    )
    assert notes[1].startswith("published 95% limits not reproduced")
    assert "the count is a multiple of 5" in notes[1]
    assert agreement_summary(notes) == (
        "published 95% limits checked on 3 row(s) with counts: 2 reproduced "
        "(2 by Wilson score), 1 not reproduced by any method tried"
    )
    # no count, or a value that is not count / denominator: nothing to check
    other = pd.DataFrame(
        {"count": [None, 10], "denominator": [100, 1000], "value": [5.0, 3.3],
         "lower_ci_95": [1.0, 1.0], "upper_ci_95": [9.0, 6.0]}
    )  # fmt: skip
    assert limits_agreement(other).isna().all()


def test_ingest_reports_agreement_and_the_report_notes_it(tmp_path: Path, project: Path) -> None:
    from jsna import api
    from jsna.options import ReadOptions
    from jsna.workspace import Workspace

    config = api.project_config(project)
    path = _dashboard(tmp_path / "vaccination_uptake.csv")
    summary = api.ingest(config, None, [path], ReadOptions())
    (outcome,) = summary.outcomes
    assert (outcome.kind, outcome.layout, outcome.status) == (
        "published",
        "published-table",
        "loaded",
    )
    assert outcome.note == (
        "published 95% limits checked on 3 row(s) with counts: 3 reproduced (3 by Wilson score)"
    )
    assert outcome.to_dict()["note"] == outcome.note
    with Workspace.open(config.workspace_path, read_only=True) as ws:
        stored = ws.table("indicator_values").sort_values("area_code")
    assert stored["value"].tolist() == [12.0, 7.5, 7.78]
    assert stored["indicator_name"].unique().tolist() == ["Vaccination uptake"]


def test_real_ward_life_expectancy_ingests_as_published_values(tmp_path: Path) -> None:
    """OHID Local Health ward life expectancy (Trafford), loaded as published, keeps its
    values and sex exactly as the file gives them."""
    import pandas as pd

    from jsna.ingest.published import PublishedSource
    from jsna.options import ReadOptions

    path = real_file("trafford_ward_health_fingertips_localhealth/male_life_expectancy.csv")
    parsed = PublishedSource().parse(path, ReadOptions())
    assert not [i for i in parsed.report.issues if i.severity == "error"]
    got = parsed.frames["indicator_values"].set_index("area_code")
    source = pd.read_csv(path).set_index("area_code")
    assert got["value"].to_dict() == source["value"].to_dict()
    assert set(got["sex"]) == {"Male"}
    assert set(got["period"]) == {"2015-19"}
    assert set(got["indicator_name"]) == {"Male life expectancy at birth"}


def test_real_published_limits_with_counts_are_checked() -> None:
    """A real table with counts and limits (OHID extract for London): rows whose limits a
    plain Wilson formula reproduces from the count are reported as reproduced by Wilson."""
    import pandas as pd

    from jsna.indicators.published import limits_agreement
    from jsna.ingest.published import PublishedSource
    from jsna.options import ReadOptions

    path = real_file("fingertips_london_family_hubs/fingertips_data_london.csv")
    frame = PublishedSource().parse(path, ReadOptions()).frames["indicator_values"]
    notes = limits_agreement(frame)
    source = pd.read_csv(path)
    low_income = source["indicatorname"].str.startswith("Children in absolute low income")
    rows = source[low_income & source["count"].notna()]
    assert len(rows) == 32
    for idx, r in rows.iterrows():
        lo, up = _wilson(r["count"], r["denominator"], 100)
        assert lo == pytest.approx(r["lowerci95.0limit"], abs=1e-6)  # the source's own figure
        assert up == pytest.approx(r["upperci95.0limit"], abs=1e-6)
        assert notes[idx].endswith("(Wilson score)")


def test_report_table_note_gives_each_published_verdict() -> None:
    import pandas as pd

    from jsna.report.assemble import _published_limits_note

    rows = pd.DataFrame(
        {
            "indicator_name": ["Smoking at delivery", "Smoking at delivery", "Other"],
            "period": ["2023/24", "2023/24", "2023"],
            "value_note": [
                "published 95% limits reproduced from the count and denominator (Wilson score)",
                "Value for Hackney and City of London combined; published 95% limits reproduced "
                "from the count and denominator (Wilson score)",
                None,
            ],
        }
    )
    assert _published_limits_note(rows) == (
        " Smoking at delivery, 2023/24: published 95% limits reproduced from the count and "
        "denominator (Wilson score)."
    )
