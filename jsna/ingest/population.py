"""Population estimates and projections: long, ONS wide single-year, and years-as-columns.

Layouts recognised
------------------
``long``
    one row per area × period × sex × age (``area_code, period, sex, age, population``;
    ONS MYE files such as ``ladcode21, ladname21, sex, age, population_2021`` too).
``ons-wide``
    one row per area × sex with single-year columns ``0`` … ``89``, ``90+`` (ONS/Nomis
    mid-year estimates), or ``F0`` … ``F90``/``M0`` … ``M90`` columns (one row per area).
``years-as-columns``
    one row per area × sex × age with a column per year (ONS subnational projections,
    ``AGE_GROUP`` with ``90 and over`` and an ``All ages`` total).

Totals found in the file (``all_ages``, ``Persons`` rows, ``All ages`` rows) are checked
against the detail and not stored; a mismatch is reported as a warning.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from jsna.ingest.base import Columns, Parsed, ReadOptions, Source, read_table
from jsna.ingest.fields import (
    check_area_codes,
    check_sex_codes,
    duplicate_keys,
    overlapping_bands,
    parse_age,
    parse_number,
    parse_period,
    parse_sex,
    warn,
)
from jsna.ingest.readers import TableText, normalise_name
from jsna.vocabulary.issues import ValidationIssue, ValidationReport

if TYPE_CHECKING:
    from collections.abc import Callable

    import pandas as pd

AREA_ALIASES = (
    "area_code",
    "code",
    "geography_code",
    "ladcode21",
    "ladcode",
    "lad_code",
    "lad21cd",
    "lad22cd",
    "lad23cd",
    "lad24cd",
    "lsoa21cd",
    "lsoa11cd",
    "lsoa_code",
    "msoa21cd",
    "utla_code",
    "ctyua_code",
    "mnemonic",
    "geography code",
)
NAME_ALIASES = (
    "area_name",
    "name",
    "geography",
    "ladname21",
    "ladname",
    "lad_name",
    "lad21nm",
    "lad24nm",
    "lsoa21nm",
    "lsoa_name",
    "msoa21nm",
)
SEX_ALIASES = ("sex", "gender", "c_sex", "sex_name")
AGE_ALIASES = ("age", "age_band", "age_group", "ageband", "age_years", "c_age_name", "age_name")
#: IoD2019 File 6 denominators: column words -> (age band, from, to); the total is checked
_DENOMINATORS = {
    "dependent_children_aged_0_15": ("0-15", 0, 15),
    "population_aged_16_59": ("16-59", 16, 59),
    "older_population_aged_60_and_over": ("60+", 60, None),
}
PERIOD_ALIASES = ("period", "year", "time_period", "date", "mid_year", "date_name")
COUNT_ALIASES = ("population", "count", "value", "obs_value", "persons", "people", "pop")
VARIANT_ALIASES = ("variant", "projection_variant", "scenario")
TOTAL_AGE_LABELS = {"all ages", "all_ages", "total", "all", "all persons"}

#: a wide file's single-year header, after "age"/"aged" and underscores are taken off: ``7``,
#: ``90+``, ``90 plus``, ``90 and over``, ``90 years and over``
_HEADER_AGE = re.compile(
    r"^(\d{1,3})(?:\s*years?)?\s*(\+|plus|and over|and older|years and over)?$"
)
#: a sex-and-age header: ``F0``, ``M_90``, ``Male 45``, ``females_aged_90+``
_SEX_AGE = re.compile(r"^(females?|males?|[fm])\s*(?:aged?\s*)?(\d{1,3}.*)$")
_AGE_PREFIX = re.compile(r"^(?:aged?|ages)\s*")
_YEAR_COLUMN = re.compile(r"^(?:population_)?((?:19|20)\d{2})$")


def _words(column: str) -> str:
    return re.sub(r"[_\s]+", " ", column.strip().lower())


def header_age(column: str) -> str | None:
    """The single year of age a wide file's column holds (``"7"``, ``"90+"``), or None.

    ``0``, ``Age 0``, ``aged_0``, ``Aged 90+``, ``90 and over`` and ``90plus`` are all read;
    broad summary columns (``aged_0_to_15``) and totals are not single years and give None.
    """
    m = _HEADER_AGE.match(_AGE_PREFIX.sub("", _words(column)))
    if not m or int(m.group(1)) > 120:
        return None
    return f"{int(m.group(1))}+" if m.group(2) else str(int(m.group(1)))


def header_sex_age(column: str) -> tuple[str, str] | None:
    """(sex, age) of a sex-and-age column (``F0``, ``M90``, ``Male_45``, ``females aged 90+``)."""
    m = _SEX_AGE.match(_words(column))
    if not m:
        return None
    age = header_age(m.group(2))
    if age is None:
        return None
    return ("Female" if m.group(1).startswith("f") else "Male", age)


def _single_years(columns: list[str], age_of: Callable[[str], str | None]) -> list[str]:
    """The columns of single years of age and the one open band that tops them.

    An open band is the top band only where it starts one year above the oldest single year
    (``90+`` after ``89``); another (``aged_65_and_over``) is a summary that overlaps the
    single years, and is not read.
    """
    ages = {c: a for c in columns if (a := age_of(c)) is not None}
    singles = [int(a) for a in ages.values() if not a.endswith("+")]
    top = max(singles, default=-1) + 1
    return [c for c, a in ages.items() if not a.endswith("+") or int(a[:-1]) == top]


def _age_columns(columns: list[str]) -> list[str]:
    return _single_years(columns, header_age)


def _sex_age_columns(columns: list[str]) -> list[str]:
    parsed = {c: header_sex_age(c) for c in columns}
    chosen: set[str] = set()
    for sex in ("Female", "Male"):
        ages = {c: p[1] for c, p in parsed.items() if p is not None and p[0] == sex}
        chosen.update(_single_years(list(ages), ages.get))
    return [c for c in columns if c in chosen]


class PopulationSource(Source):
    kind = "population"
    title = "Population estimates and projections by area, sex and age"
    tables = ("population",)
    expected_columns = (
        "long: area_code, period, sex, age, population (or ONS ladcode21, sex, age, population_2021); "
        "wide: area_code, sex, 0 … 89, 90+ (or F0 … F90, M0 … M90); "
        "projections: AREA_CODE, SEX, AGE_GROUP and one column per year"
    )

    def detect(self, columns: list[str]) -> str | None:
        norm = [normalise_name(c) for c in columns]
        if {"indicator_id", "indicatorid", "indicator"} & set(norm):
            return (
                None  # Fingertips downloads and indicator tables (Census tables: see detect_table)
            )
        if _denominator_columns(columns) and any("lsoa" in n for n in norm):
            return "iod-denominators"
        if len(_age_columns(columns)) >= 20:
            return "ons-wide"
        if len(_sex_age_columns(columns)) >= 20:
            return "ons-wide"
        has_age = any(n in {normalise_name(a) for a in AGE_ALIASES} for n in norm)
        year_cols = [c for c in columns if _YEAR_COLUMN.match(normalise_name(c))]
        if has_age and len(year_cols) >= 2 and any(n == "sex" for n in norm):
            return "years-as-columns"
        has_count = (
            any(n in {normalise_name(a) for a in COUNT_ALIASES} for n in norm)
            or len(year_cols) == 1
        )
        has_sex = any(n in {normalise_name(a) for a in SEX_ALIASES} for n in norm)
        if (
            has_age
            and has_count
            and has_sex
            and not any(n in {"deaths", "measure", "cause"} for n in norm)
        ):
            return "long"
        return None

    def detect_table(self, table: TableText) -> str | None:
        from jsna.ingest.indicator_long import _indicator_is_age, _is_population_count

        norm = {normalise_name(c) for c in table.frame.columns}
        if "indicator" in norm and "value" in norm:
            if _is_population_count(table):
                return "census-long"
            if _indicator_is_age(table):
                return "census-age-bands"
        return self.detect(list(table.frame.columns))

    def parse(self, path: Path, options: ReadOptions) -> Parsed:
        table, cols = read_table(path, options)
        layout = self.detect_table(table) or "long"
        issues: list[ValidationIssue] = []
        if layout == "census-age-bands":
            frame = _parse_long(
                table,
                cols,
                options,
                issues,
                age_col=cols.require("age", "indicator"),
                sex="Persons",
            )
        elif layout == "iod-denominators":
            frame = _parse_denominators(table, cols, options, issues)
        elif layout == "ons-wide":
            frame = _parse_wide(table, cols, options, issues)
        elif layout == "years-as-columns":
            frame = _parse_years_as_columns(table, cols, options, issues)
        else:
            frame = _parse_long(table, cols, options, issues)
        frame = _finish(frame, table, issues)
        sex_col = cols.find(*SEX_ALIASES)
        if sex_col is not None and layout != "census-age-bands" and "sex" in frame.columns:
            check_sex_codes(
                frame,
                table.frame[sex_col],
                table=table,
                column=sex_col,
                issues=issues,
                stated=bool(options.sex_codes),
            )
        report = ValidationReport(
            file=table.label, kind=self.kind, rows_read=len(table.frame), issues=issues
        )
        return Parsed(frames={"population": frame}, report=report, layout=layout, table=table)


def _common(table: TableText, cols: Columns, options: ReadOptions, issues: list[ValidationIssue]):  # type: ignore[no-untyped-def]
    import pandas as pd

    raw = table.frame
    code_col = cols.require("area code", *AREA_ALIASES)
    name_col = cols.find(*NAME_ALIASES)
    out = pd.DataFrame(index=raw.index)
    out["area_code"] = check_area_codes(raw[code_col], table=table, column=code_col, issues=issues)
    out["area_name"] = raw[name_col].str.strip() if name_col else None
    variant_col = cols.find(*VARIANT_ALIASES)
    out["variant"] = (
        raw[variant_col].str.strip() if variant_col else (options.variant or "estimate")
    )
    return out


def _period_series(
    table: TableText,
    cols: Columns,
    options: ReadOptions,
    issues: list[ValidationIssue],
    count_col: str | None = None,
) -> pd.Series | str:
    if options.period:
        return options.period
    period_col = cols.find(*PERIOD_ALIASES)
    if period_col:
        return parse_period(table.frame[period_col], table=table, column=period_col, issues=issues)
    if count_col and (m := re.search(r"((?:19|20)\d{2})", count_col)):
        return m.group(1)
    m = re.search(r"(?:mid|mye|year)[-_ ]?((?:19|20)\d{2})", table.path.name.lower())
    if m:
        return m.group(1)
    issues.append(
        ValidationIssue(
            code="no-period",
            file=table.label,
            message="no period column (period, year, date) and none given; pass --period 2024",
        )
    )
    return ""


def _parse_long(
    table: TableText,
    cols: Columns,
    options: ReadOptions,
    issues: list[ValidationIssue],
    age_col: str | None = None,
    sex: str | None = None,
) -> pd.DataFrame:
    raw = table.frame
    out = _common(table, cols, options, issues)
    count_col = cols.find(*COUNT_ALIASES)
    if count_col is None:
        year_cols = [c for c in raw.columns if _YEAR_COLUMN.match(normalise_name(c))]
        count_col = (
            year_cols[0]
            if len(year_cols) == 1
            else cols.require("population count", *COUNT_ALIASES)
        )
    age_col = age_col or cols.require("age", *AGE_ALIASES)
    out["period"] = _period_series(table, cols, options, issues, count_col)
    if sex is not None:
        out["sex"] = sex
    else:
        sex_col = cols.require("sex", *SEX_ALIASES)
        out["sex"] = parse_sex(
            raw[sex_col], table=table, column=sex_col, issues=issues, codes=options.sex_code_map()
        )
    age_text = raw[age_col].str.strip()
    is_total = age_text.str.lower().isin(TOTAL_AGE_LABELS)
    out["_is_total"] = is_total.to_numpy()
    label, lo, hi = parse_age(
        age_text.where(~is_total, "0"), table=table, column=age_col, issues=issues
    )
    out["age_band"], out["age_from"], out["age_to"] = label, lo, hi
    whole = out["variant"].eq("estimate").all()
    out["count"] = parse_number(
        raw[count_col],
        table=table,
        column=count_col,
        issues=issues,
        whole=bool(whole),
        minimum=0,
        what="population",
        counts=True,
    )
    return out


def _denominator_columns(columns: list[str]) -> dict[str, str]:
    found = {}
    for col in columns:
        n = normalise_name(col)
        for key in _DENOMINATORS:
            if n.startswith(key):
                found[key] = col
    return found if len(found) == len(_DENOMINATORS) else {}


def _parse_denominators(
    table: TableText, cols: Columns, options: ReadOptions, issues: list[ValidationIssue]
) -> pd.DataFrame:
    """IoD2019 File 6: mid-2015 LSOA population (excluding prisoners) in three broad age bands.

    The total column is checked against the bands (it is not stored: it is their sum); the
    working-age column (18-59 for women, 18-64 for men) overlaps the bands and is reported as
    not stored.
    """
    import pandas as pd

    raw = table.frame
    code_col = (
        cols.find("lsoa_code_2011", "lsoa_code")
        or cols.matching(lambda n: "lsoa" in n and "code" in n)[0]
    )
    name_cols = cols.matching(lambda n: "lsoa" in n and "name" in n)
    base = pd.DataFrame(index=raw.index)
    base["area_code"] = check_area_codes(raw[code_col], table=table, column=code_col, issues=issues)
    base["area_name"] = raw[name_cols[0]].str.strip() if name_cols else None
    base["variant"] = options.variant or "IoD2019 denominator (excluding prisoners)"
    year = re.search(r"mid[_ ]?((?:19|20)\d{2})", " ".join(raw.columns).lower())
    base["period"] = options.period or (year.group(1) if year else "2015")
    base["sex"] = "Persons"
    base["_is_total"] = False
    pieces = []
    for key, col in _denominator_columns(list(raw.columns)).items():
        label, lo, hi = _DENOMINATORS[key]
        piece = base.copy()
        piece["age_band"], piece["age_from"], piece["age_to"] = label, lo, hi
        piece["count"] = parse_number(
            raw[col],
            table=table,
            column=col,
            issues=issues,
            whole=True,
            minimum=0,
            what="population",
        )
        pieces.append(piece)
    long = pd.concat(pieces)
    total_col = next(
        (c for c in raw.columns if normalise_name(c).startswith("total_population")), None
    )
    if total_col:
        totals = pd.to_numeric(raw[total_col].str.replace(",", ""), errors="coerce")
        sums = long.groupby(level=0)["count"].sum(min_count=1)
        for idx in sums.index[((totals - sums).abs() > 0.5).to_numpy()]:
            issues.append(
                warn(
                    table,
                    idx,
                    total_col,
                    raw.at[idx, total_col],
                    "total-mismatch",
                    f"{total_col} is {raw.at[idx, total_col]!s} but the age bands sum to {sums[idx]:g}",
                )
            )
    for col in raw.columns:
        if normalise_name(col).startswith("working_age"):
            issues.append(
                warn(
                    table,
                    None,
                    col,
                    None,
                    "column-not-stored",
                    f"{col!r} overlaps the age bands (its range differs by sex) and is not stored",
                )
            )
    return long


def _parse_wide(
    table: TableText, cols: Columns, options: ReadOptions, issues: list[ValidationIssue]
) -> pd.DataFrame:
    import pandas as pd

    raw = table.frame
    base = _common(table, cols, options, issues)
    base["period"] = _period_series(table, cols, options, issues)
    age_cols = _age_columns(list(raw.columns))
    pieces = []
    if age_cols:
        sex_col = cols.find(*SEX_ALIASES)
        if sex_col is None:  # a persons-only file: no sex column, one row per area
            base["sex"] = "Persons"
        else:
            base["sex"] = parse_sex(
                raw[sex_col],
                table=table,
                column=sex_col,
                issues=issues,
                codes=options.sex_code_map(),
            )
        columns: list[tuple[str, str | None, str]] = [
            (col, None, str(header_age(col))) for col in age_cols
        ]
    else:
        columns = [
            (col, *header_sex_age(col))  # type: ignore[misc]
            for col in _sex_age_columns(list(raw.columns))
        ]
    for col, sex, age in _open_top(columns):
        piece = base.copy()
        if sex is not None:
            piece["sex"] = sex
        piece["_age_text"] = age
        piece["count"] = parse_number(
            raw[col],
            table=table,
            column=col,
            issues=issues,
            whole=True,
            minimum=0,
            what="population",
        )
        pieces.append(piece)
    long = pd.concat(pieces)  # index repeats: the original file row
    ages = {a: _age_tuple(a) for a in long["_age_text"].unique()}
    long["age_band"] = long["_age_text"].map(lambda a: ages[a][0])
    long["age_from"] = long["_age_text"].map(lambda a: ages[a][1]).astype("Int64")
    long["age_to"] = long["_age_text"].map(lambda a: ages[a][2]).astype("Int64")
    long["_is_total"] = False
    _check_wide_totals(raw, long, table, cols, issues)
    return long.drop(columns=["_age_text"])


def _open_top(
    columns: list[tuple[str, str | None, str]],
) -> list[tuple[str, str | None, str]]:
    """Read the oldest column as the open band where the file has none and it is 90 or over.

    ONS single-year estimates stop at "90 and over", which some files head ``90`` (or
    ``F90``/``M90``): an age of 90 or more with no open band above it is that open band.
    """
    out = list(columns)
    for sex in {s for _, s, _ in columns}:
        ages = [a for _, s, a in columns if s == sex]
        if any(a.endswith("+") for a in ages):
            continue
        oldest = max(int(a) for a in ages)
        if oldest >= 90:
            out = [(c, s, f"{a}+" if s == sex and a == str(oldest) else a) for c, s, a in out]
    return out


def _age_tuple(text: str) -> tuple[str, int, int | None]:
    t = text.strip().lower().replace("_", " ")
    if t.endswith("+") or "over" in t:
        lo = int(re.match(r"(\d+)", t).group(1))  # type: ignore[union-attr]
        return (f"{lo}+", lo, None)
    age = int(t)
    return (str(age), age, age)


def _check_wide_totals(
    raw: pd.DataFrame,
    long: pd.DataFrame,
    table: TableText,
    cols: Columns,
    issues: list[ValidationIssue],
) -> None:
    import pandas as pd

    total_col = cols.find("all_ages", "all ages", "total", "persons_all_ages")
    if total_col is None:
        return
    totals = pd.to_numeric(raw[total_col].str.replace(",", ""), errors="coerce")
    sums = long.groupby(level=0)["count"].sum(min_count=1)
    diff = (totals - sums).abs() > 0.5
    for idx in diff[diff].index:
        issues.append(
            warn(
                table,
                idx,
                total_col,
                raw.at[idx, total_col],
                "total-mismatch",
                f"{total_col} is {raw.at[idx, total_col]!s} but the single-year columns sum to {sums[idx]:g}",
            )
        )


def _parse_years_as_columns(
    table: TableText, cols: Columns, options: ReadOptions, issues: list[ValidationIssue]
) -> pd.DataFrame:
    import pandas as pd

    raw = table.frame
    base = _common(table, cols, options, issues)
    variant_col = cols.find(*VARIANT_ALIASES)
    if not variant_col and not options.variant:
        base["variant"] = "principal"
    sex_col = cols.require("sex", *SEX_ALIASES)
    age_col = cols.require("age", *AGE_ALIASES)
    base["sex"] = parse_sex(
        raw[sex_col], table=table, column=sex_col, issues=issues, codes=options.sex_code_map()
    )
    age_text = raw[age_col].str.strip()
    is_total = age_text.str.lower().isin(TOTAL_AGE_LABELS)
    label, lo, hi = parse_age(
        age_text.where(~is_total, "0"), table=table, column=age_col, issues=issues
    )
    base["age_band"], base["age_from"], base["age_to"] = label, lo, hi
    base["_is_total"] = is_total.to_numpy()
    component_col = cols.find("component")
    if component_col:
        keep = raw[component_col].str.strip().str.lower().isin({"population", ""})
        base = base[keep.to_numpy()]
    pieces = []
    for col in raw.columns:
        m = _YEAR_COLUMN.match(normalise_name(col))
        if not m:
            continue
        piece = base.copy()
        piece["period"] = m.group(1)
        piece["count"] = parse_number(
            raw.loc[base.index, col],
            table=table,
            column=col,
            issues=issues,
            whole=False,
            minimum=0,
            what="population",
            counts=True,
        )
        pieces.append(piece)
    return pd.concat(pieces)


def _finish(frame: pd.DataFrame, table: TableText, issues: list[ValidationIssue]) -> pd.DataFrame:
    """Check totals, drop derivable totals (Persons, All ages), check duplicates, add _row."""

    frame = frame.copy()
    frame["_row"] = frame.index.to_numpy() + table.header_line + 1
    frame = frame.reset_index(drop=True)
    totals = frame[frame["_is_total"]]
    detail = frame[~frame["_is_total"]]
    keys = ["area_code", "period", "variant"]
    if len(totals):
        sums = detail.groupby([*keys, "sex"], dropna=False)["count"].sum().rename("detail")
        merged = totals.merge(sums.reset_index(), on=[*keys, "sex"], how="left")
        bad = (merged["count"] - merged["detail"]).abs() > 0.5 + 1e-6 * merged["count"].abs()
        for _, row in merged[bad].iterrows():
            issues.append(
                warn(
                    table,
                    int(row["_row"]) - table.header_line - 1,
                    "age",
                    "All ages",
                    "total-mismatch",
                    f"the 'All ages' total {row['count']:g} differs from the sum of ages {row['detail']:g}",
                )
            )
    frame = detail.drop(columns=["_is_total"])
    # Census 'Aged under 1 year' is single year 0, labelled as the MYE labels it
    frame.loc[frame["age_band"].eq("<1"), "age_band"] = "0"
    # Persons rows are kept only where the file has no Male/Female detail for that area
    has_detail = frame[frame["sex"].isin(["Male", "Female"])][keys].drop_duplicates()
    has_detail["_has_mf"] = True
    frame = frame.merge(has_detail, on=keys, how="left")
    persons = frame["sex"].eq("Persons") & frame["_has_mf"].eq(True)
    if persons.any():
        p = frame[persons]
        mf = (
            frame[frame["sex"].isin(["Male", "Female"])].groupby([*keys, "age_band"])["count"].sum()
        )
        check = p.set_index([*keys, "age_band"])["count"]
        both = check.index.intersection(mf.index)
        diff = (check.loc[both] - mf.loc[both]).abs() > 0.5
        if bool(diff.any()):
            first = diff[diff].index[0]
            issues.append(
                warn(
                    table,
                    None,
                    "sex",
                    "Persons",
                    "persons-mismatch",
                    f"{int(diff.sum())} Persons counts differ from Male + Female (first: {first})",
                )
            )
    frame = frame[~persons].drop(columns=["_has_mf"])
    duplicate_keys(frame, [*keys, "sex", "age_band"], table=_RowTable(table, frame), issues=issues)
    overlapping_bands(frame, [*keys, "sex"], table=table, issues=issues)
    return frame.reset_index(drop=True).astype({"age_from": "Int64", "age_to": "Int64"})


class _RowTable(TableText):
    """Maps a long frame's index to the ``_row`` it came from, for duplicate reporting."""

    def __init__(self, table: TableText, frame: pd.DataFrame) -> None:
        super().__init__(
            frame=table.frame,
            path=table.path,
            encoding=table.encoding,
            header_line=table.header_line,
            sheet=table.sheet,
        )
        # by index label: the frame has lost rows (Persons, totals), so labels are not positions
        self._rows = dict(zip(frame.index, frame["_row"].to_numpy(), strict=True))

    def file_row(self, index: int) -> int:
        return int(self._rows[index])
