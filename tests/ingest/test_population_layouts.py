"""Every published wide population layout gives the same stored rows, with today's checks."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.conftest import real_file

#: two areas, ages 0..89 and 90+, counts that differ by area, sex and age
AREAS = ("E08000009", "E08000010")
AGES = [*range(90), "90+"]


def _count(area: str, sex: str, age: int | str) -> int:
    a = 90 if age == "90+" else int(age)
    return 100 + a + (7 if sex == "Female" else 0) + (1000 if area == AREAS[1] else 0)


def _write(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _one_row_per_sex(path: Path, age_header, sex_word=lambda s: s, extra=()) -> Path:  # type: ignore[no-untyped-def]
    header = ["area_code", *[e[0] for e in extra], "sex", *[age_header(a) for a in AGES]]
    rows = [
        [area, *[e[1] for e in extra], sex_word(sex), *[_count(area, sex, a) for a in AGES]]
        for area in AREAS
        for sex in ("Male", "Female")
    ]
    return _write(path, header, rows)


def _parse(path: Path, **options: object):  # type: ignore[no-untyped-def]
    from jsna.ingest.population import PopulationSource
    from jsna.options import ReadOptions

    parsed = PopulationSource().parse(path, ReadOptions(period="2024", **options))  # type: ignore[arg-type]
    return parsed


def _rows(parsed):  # type: ignore[no-untyped-def]
    frame = parsed.frames["population"]
    cols = ["area_code", "period", "sex", "age_band", "age_from", "age_to", "count"]
    return (
        frame[cols]
        .sort_values(["area_code", "sex", "age_from"])
        .reset_index(drop=True)
        .astype({"age_from": "int64", "count": "int64"})
    )


def _expected(sexes=("Female", "Male")):  # type: ignore[no-untyped-def]
    import pandas as pd

    rows = []
    for area in AREAS:
        for sex in sexes:
            for age in AGES:
                lo = 90 if age == "90+" else int(age)
                count = (
                    _count(area, "Male", age) + _count(area, "Female", age)
                    if sex == "Persons"
                    else _count(area, sex, age)
                )
                rows.append((area, "2024", sex, f"{lo}+" if age == "90+" else str(lo), lo, count))
    frame = pd.DataFrame(
        rows, columns=["area_code", "period", "sex", "age_band", "age_from", "count"]
    )
    frame["age_to"] = frame["age_from"].where(frame["age_band"] != "90+").astype("Int64")
    return (
        frame[["area_code", "period", "sex", "age_band", "age_from", "age_to", "count"]]
        .sort_values(["area_code", "sex", "age_from"])
        .reset_index(drop=True)
    )


LAYOUTS = {
    "numbers": lambda p: _one_row_per_sex(p, str),
    "age-words": lambda p: _one_row_per_sex(p, lambda a: "Aged 90+" if a == "90+" else f"Age {a}"),
    "underscored": lambda p: _one_row_per_sex(
        p, lambda a: "aged_90_and_over" if a == "90+" else f"age_{a}"
    ),
    "and-over": lambda p: _one_row_per_sex(p, lambda a: "90 and over" if a == "90+" else str(a)),
    "plural-sex-and-extras": lambda p: _one_row_per_sex(
        p,
        str,
        sex_word=lambda s: s + "s",
        extra=(("area_name", "Somewhere"), ("year", "2024"), ("geography", "Local authority")),
    ),
}


def _sex_columns(path: Path, spell) -> Path:  # type: ignore[no-untyped-def]
    header = ["area_code"] + [spell(s, a) for s in ("Female", "Male") for a in AGES]
    rows = [
        [area] + [_count(area, s, a) for s in ("Female", "Male") for a in AGES] for area in AREAS
    ]
    return _write(path, header, rows)


LAYOUTS["f0-m90"] = lambda p: _sex_columns(p, lambda s, a: f"{s[0]}{90 if a == '90+' else a}")
LAYOUTS["female-age-words"] = lambda p: _sex_columns(p, lambda s, a: f"{s}s aged {a}")


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_every_wide_layout_stores_the_same_rows(tmp_path: Path, layout: str) -> None:
    import pandas as pd

    from jsna.ingest.population import PopulationSource

    path = LAYOUTS[layout](tmp_path / f"{layout}.csv")
    header = next(csv.reader(path.open()))
    assert PopulationSource().detect(header) == "ons-wide"
    parsed = _parse(path)
    assert not [i for i in parsed.report.issues if i.severity == "error"], parsed.report.issues
    pd.testing.assert_frame_equal(_rows(parsed), _expected(), check_dtype=False)


def test_persons_only_file_loads_as_persons(tmp_path: Path) -> None:
    import pandas as pd

    header = ["area_code", "area_name", *[str(a) for a in AGES]]
    rows = [
        [area, "Somewhere", *[_count(area, "Male", a) + _count(area, "Female", a) for a in AGES]]
        for area in AREAS
    ]
    parsed = _parse(_write(tmp_path / "persons.csv", header, rows))
    assert not parsed.report.issues
    pd.testing.assert_frame_equal(_rows(parsed), _expected(("Persons",)), check_dtype=False)


def test_summary_open_band_is_not_read_as_the_top_age(tmp_path: Path) -> None:
    """``aged_65_and_over`` overlaps the single years; only ``90+`` tops them."""
    path = _one_row_per_sex(tmp_path / "summary.csv", lambda a: "90+" if a == "90+" else str(a))
    text = path.read_text().splitlines()
    text[0] = text[0].replace("sex,", "sex,aged_65_and_over,")
    text[1:] = [
        line.replace("Male,", "Male,999,").replace("Female,", "Female,999,") for line in text[1:]
    ]
    path.write_text("\n".join(text) + "\n")
    parsed = _parse(path)
    assert sorted(parsed.frames["population"]["age_band"].unique())[-1] == "90+"
    assert len(parsed.frames["population"]) == len(AREAS) * 2 * len(AGES)


@pytest.mark.parametrize("marker", ["-", ":", "..", "x", "c"])
def test_missing_markers_are_reported_as_missing_not_as_text(tmp_path: Path, marker: str) -> None:
    path = _one_row_per_sex(tmp_path / "gap.csv", str)
    lines = path.read_text().splitlines()
    cells = lines[2].split(",")
    cells[2 + 45] = marker  # area, sex, then age 45
    lines[2] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")
    issues = _parse(path).report.issues
    assert [(i.code, i.row, i.column, i.value) for i in issues] == [
        ("missing-value", 3, "45", marker)
    ]
    assert f"got the missing-value marker {marker!r}" in issues[0].message


REAL_WIDE = [
    "trafford_mye2024/mid-year_2024_population_estimates_local_authority.csv",
    "trafford_mye2024/mid-year_2024_population_estimates_ward.csv",
    "trafford_mye2024/mid-year_2024_population_estimates_lsoa.csv",
    "trafford_mye2020/mid-year_2020_population_estimates_msoa.csv",
    "trafford_mye2020/mid-year_2020_population_estimates_ward.csv",
    "ons_snpp2022_trafford/2022_SNPP_population_females_trafford.csv",
    "ons_snpp2022_trafford/2022_SNPP_population_males_trafford.csv",
]


@pytest.mark.parametrize("relative", REAL_WIDE)
def test_real_wide_files_keep_their_totals(relative: str) -> None:
    """Stored totals per area, sex and period equal plain pandas sums of the source file."""
    import pandas as pd

    from jsna.ingest.population import PopulationSource
    from jsna.options import ReadOptions

    path = real_file(relative)
    parsed = PopulationSource().parse(path, ReadOptions())
    assert not [i for i in parsed.report.issues if i.severity == "error"]
    stored = parsed.frames["population"].groupby(["area_code", "sex", "period"])["count"].sum()
    raw = pd.read_csv(path)
    raw.columns = [c.strip() for c in raw.columns]
    if "AGE_GROUP" in raw.columns:  # SNPP: one row per age, a column per year, an All ages row
        detail = raw[raw["AGE_GROUP"] != "All ages"]
        sex = {"females": "Female", "males": "Male"}[detail["SEX"].iloc[0]]
        for year in [c for c in raw.columns if c.isdigit()]:
            expected = detail[year].sum()
            assert stored[("E08000009", sex, year)] == pytest.approx(expected, abs=1e-6)
        return
    sex_col = "sex" if "sex" in raw.columns else "gender"
    ages = [str(a) for a in range(90)] + ["90+" if "90+" in raw.columns else "90"]
    raw["_sum"] = raw[ages].sum(axis=1)
    assert (raw["_sum"] == raw["all_ages"]).all()  # the file's own total agrees too
    by_sex = raw[raw[sex_col] != "Persons"]
    period = str(raw["period"].iloc[0])[:4]
    expected = {
        (code, {"Females": "Female", "Males": "Male"}[s], period): total
        for code, s, total in zip(by_sex["area_code"], by_sex[sex_col], by_sex["_sum"], strict=True)
    }
    assert {k: stored[k] for k in expected} == expected
    assert len(stored) == len(expected)  # Persons rows are checked, not stored


def test_life_expectancy_says_a_persons_only_population_has_no_sex(
    tmp_path: Path, project: Path
) -> None:
    """A persons-only file loads; the method that needs sex names the file and says why."""
    from jsna import api
    from jsna.options import ReadOptions

    header = ["area_code", *[str(a) for a in AGES]]
    for year in (2021, 2022, 2023):
        _write(
            tmp_path / f"persons_mid{year}.csv",
            header,
            [[AREAS[0], *[1000 for _ in AGES]]],
        )
    bands = ["<1", "1-4", *[f"{a}-{a + 4}" for a in range(5, 90, 5)], "90+"]
    deaths = [
        [AREAS[0], year, sex, band, 5, "All causes"]
        for year in (2021, 2022, 2023)
        for sex in ("Male", "Female")
        for band in bands
    ]
    _write(
        tmp_path / "deaths.csv",
        ["area_code", "period", "sex", "age_band", "deaths", "cause"],
        deaths,
    )
    config = api.project_config(project)
    files = sorted(tmp_path.glob("persons_mid*.csv"))
    api.ingest(config, "population", files, ReadOptions())
    api.ingest(config, "deaths", [tmp_path / "deaths.csv"], ReadOptions())
    result = api.compute(config)
    (run,) = [r for r in result.runs if r.id == "life-expectancy-at-birth"]
    assert run.status == "skipped"
    assert "is for Persons only" in run.reason
    assert "persons_mid2021.csv" in run.reason
