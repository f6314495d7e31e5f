"""Vectorised parsing of the fields every source shares, reporting each bad cell as an issue.

Each parser takes a string Series (as read by :mod:`jsna.ingest.readers`), returns the
parsed Series, and appends a :class:`ValidationIssue` per bad cell to ``issues``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING

from jsna.ingest.readers import MISSING_MARKERS, TableText
from jsna.options import parse_sex_codes as parse_sex_codes  # re-exported
from jsna.vocabulary import periods as _periods
from jsna.vocabulary.areas import (  # noqa: F401  (re-exported for the ingest modules)
    AREA_TYPES,
    FINGERTIPS_PSEUDO_PATTERN,
    GSS_PATTERN,
    ODS_PATTERN,
    area_type_of,
)
from jsna.vocabulary.issues import WARNING, ValidationIssue
from jsna.vocabulary.tables import SEX_SPELLINGS

if TYPE_CHECKING:
    import pandas as pd


def _issue(
    table: TableText,
    index: int,
    column: str,
    value: object,
    code: str,
    message: str,
    severity: str = "error",
) -> ValidationIssue:
    return ValidationIssue(
        code=code,
        message=message,
        file=table.label,
        row=table.file_row(index),
        column=column,
        value=value,
        severity=severity,
    )


#: markers of a missing number: the shared markers, and ONS's ``c`` (confidential, suppressed)
NUMBER_MISSING_MARKERS = MISSING_MARKERS | {"c", "C"}


def strip(series: pd.Series) -> pd.Series:
    return series.astype(str).str.strip()


def is_missing(series: pd.Series) -> pd.Series:
    return strip(series).isin(MISSING_MARKERS)


#: the largest count or population one row may hold: more people than live in England (about
#: 5.7 x 10^7) is a unit or column mix-up, never a real figure
MAX_COUNT = 1e8

#: the decimal mark of the file being parsed (``--decimal``): None when the user did not say
_DECIMAL_MARK: ContextVar[str | None] = ContextVar("jsna_decimal_mark", default=None)

_COMMA_GROUPED = r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?"
_DOT_GROUPED = r"[+-]?[1-9]\d{0,2}(?:\.\d{3})+"


#: numbers only a decimal point (or comma thousands) can write: 1234.5, 12.5, 0.125, 3.14159, 1,234
_DOT_DECIMAL = re.compile(
    r"[+-]?(?:\d{4,}\.\d+|\d+\.\d{1,2}|\d+\.\d{4,}|0\.\d+|" + _COMMA_GROUPED + ")"
)


def _dot_is_decimal(table: TableText) -> bool:
    """Whether some number in the file can only be read with '.' as the decimal mark (then
    ``1.000`` in it is one, not a thousand). Worked out once per file."""
    known = table.__dict__.get("_dot_is_decimal")
    if known is None:
        import pandas as pd

        cells = pd.Series(table.frame.to_numpy().ravel()).astype(str).str.strip()
        known = bool(cells.str.fullmatch(_DOT_DECIMAL.pattern).any())
        table.__dict__["_dot_is_decimal"] = known
    return bool(known)


@contextmanager
def decimal_mark(mark: str | None) -> Iterator[None]:
    """Parse the numbers read inside the block with ``mark`` ('.' or ',') as the decimal mark."""
    token = _DECIMAL_MARK.set(mark)
    try:
        yield
    finally:
        _DECIMAL_MARK.reset(token)


def parse_number(
    series: pd.Series,
    *,
    table: TableText,
    column: str,
    issues: list[ValidationIssue],
    whole: bool = False,
    minimum: float | None = None,
    allow_missing: bool = False,
    what: str = "value",
    counts: bool | None = None,
    maximum: float | None = None,
    markers: frozenset[str] = NUMBER_MISSING_MARKERS,
) -> pd.Series:
    """Parse numbers written as analysts write them ('1,234', ' 56 ', '7.0').

    Missing markers (``markers``; by default ``-``, ``..``, ``:``, ``*``, ``x``, ``c``, blank)
    become NaN and are an error unless ``allow_missing``; they are never read as zero. A source
    whose format documents fewer markers passes its own, and any other text is an error. ``inf``, ``nan`` and other
    text are errors. A number that reads two ways is refused unless the file's decimal mark is
    given (``--decimal``): a comma that is not a thousands separator (``1000,5``: 1000.5 or
    10005?) anywhere, and, in a column of ``counts`` (people or events, by default the
    ``whole`` number columns), dots that group thousands (``1.000``: 1 or 1000?). Counts above
    ``maximum`` (default :data:`MAX_COUNT` for counts) are refused.
    """
    import numpy as np
    import pandas as pd

    counts = whole if counts is None else counts
    if maximum is None and counts:
        maximum = MAX_COUNT
    mark = _DECIMAL_MARK.get()
    text = strip(series)
    missing = text.isin(markers)
    body = text.str.replace("£", "", regex=False)
    ambiguous = pd.Series(False, index=text.index)
    if mark == ",":
        cleaned = body.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    else:
        has_comma = body.str.contains(",", regex=False)
        # a comma that does not group thousands: a decimal comma, or a misplaced separator
        stray = has_comma.copy()
        if has_comma.any():
            stray[has_comma] = ~body[has_comma].str.fullmatch(_COMMA_GROUPED)
        if mark is None:
            ambiguous = stray.copy()
            if counts:
                dotted = body.str.contains(".", regex=False)
                if dotted.any():
                    dotted[dotted] = body[dotted].str.fullmatch(_DOT_GROUPED)
                if dotted.any() and not _dot_is_decimal(table):
                    ambiguous |= dotted
            ambiguous &= ~missing
        cleaned = body.where(~stray, "?").str.replace(",", "", regex=False)
    numbers = pd.to_numeric(cleaned.where(~missing & ~ambiguous), errors="coerce").astype("float64")
    infinite = numbers.notna() & ~np.isfinite(numbers)
    numbers = numbers.where(~infinite)
    bad_text = numbers.isna() & ~missing & ~ambiguous
    expectation = f"{what} must be a {'whole number' if whole else 'number'}"
    if minimum is not None:
        expectation += f" >= {minimum:g}"
    if maximum is not None:
        expectation += f" and <= {maximum:,.0f}"
    if allow_missing and markers != NUMBER_MISSING_MARKERS:
        spelt = " or ".join(repr(m) if m else "blank" for m in sorted(markers))
        expectation += f", or {spelt} when missing"
    for idx in text.index[ambiguous.to_numpy()]:
        raw = text[idx]
        issues.append(
            _issue(
                table,
                idx,
                column,
                raw,
                "ambiguous-number",
                f"{what} {raw!r} reads two ways: as {_as_decimal(raw, ',')} with a decimal comma or "
                f"as {_as_decimal(raw, '.')} with a decimal point; say which mark the file uses with "
                "--decimal , or --decimal .",
            )
        )
    for idx in text.index[bad_text.to_numpy()]:
        issues.append(
            _issue(
                table, idx, column, text[idx], "not-a-number", f"{expectation}, got {text[idx]!r}"
            )
        )
    if maximum is not None:
        high = numbers.notna() & (numbers > maximum)
        for idx in numbers.index[high.to_numpy()]:
            issues.append(
                _issue(
                    table,
                    idx,
                    column,
                    text[idx],
                    "implausible-number",
                    f"{expectation}, got {text[idx]!r}: no area holds that many (a unit or "
                    "column mix-up?)",
                )
            )
    if not allow_missing:
        for idx in text.index[missing.to_numpy()]:
            issues.append(
                _issue(
                    table,
                    idx,
                    column,
                    text[idx],
                    "missing-value",
                    f"{expectation}, got the missing-value marker {text[idx]!r}",
                )
            )
    if whole:
        frac = numbers.notna() & (np.abs(numbers - np.round(numbers)) > 1e-9)
        for idx in numbers.index[frac.to_numpy()]:
            issues.append(
                _issue(
                    table, idx, column, text[idx], "not-whole", f"{expectation}, got {text[idx]!r}"
                )
            )
    if minimum is not None:
        low = numbers.notna() & (numbers < minimum)
        for idx in numbers.index[low.to_numpy()]:
            issues.append(
                _issue(
                    table,
                    idx,
                    column,
                    text[idx],
                    "below-minimum",
                    f"{expectation}, got {text[idx]!r}",
                )
            )
    return numbers


#: the number columns an indicator-values file may hold beside its value
LIMIT_COLUMNS = ("lower_ci_95", "upper_ci_95", "lower_ci_99_8", "upper_ci_99_8")
COUNT_COLUMNS = ("count", "denominator")


def parse_optional_numbers(
    out: pd.DataFrame,
    raw: pd.DataFrame,
    columns: dict[str, str | None],
    *,
    table: TableText,
    issues: list[ValidationIssue],
    markers: frozenset[str] = NUMBER_MISSING_MARKERS,
) -> None:
    """Parse the optional number columns of an indicator-values file into ``out``.

    ``columns`` maps each target (:data:`LIMIT_COLUMNS`, :data:`COUNT_COLUMNS`) to the file's
    column, or None when the file has none: that target is NaN. A missing marker is allowed in
    every one (a value without limits, a suppressed count); counts and denominators must be
    >= 0. Each bad cell is an issue (:func:`parse_number`).
    """
    for target, col in columns.items():
        out[target] = (
            parse_number(
                raw[col],
                table=table,
                column=col,
                issues=issues,
                allow_missing=True,
                minimum=0 if target in COUNT_COLUMNS else None,
                what=target.replace("_", " "),
                markers=markers,
            )
            if col
            else float("nan")
        )


def _as_decimal(raw: str, mark: str) -> str:
    """``raw`` read with ``mark`` as the decimal mark (the other mark grouping thousands)."""
    other = "." if mark == "," else ","
    value = raw.replace("£", "").replace(other, "").replace(mark, ".")
    try:
        return f"{float(value):.10g}"
    except ValueError:
        return "not a number"


def parse_sex(
    series: pd.Series,
    *,
    table: TableText,
    column: str,
    issues: list[ValidationIssue],
    codes: dict[str, str] | None = None,
) -> pd.Series:
    """Map the many spellings of sex (1/2, M/F, Males, Persons, All) to Male/Female/Persons.

    Numeric codes follow ONS (1 = male, 2 = female) unless ``codes`` (``--sex-codes``) says
    otherwise.
    """
    text = strip(series)
    mapped = text.str.lower().map({**SEX_SPELLINGS, **(codes or {})})
    for idx in text.index[mapped.isna().to_numpy()]:
        issues.append(
            _issue(
                table,
                idx,
                column,
                text[idx],
                "bad-sex",
                f"sex must be one of Male/Female/Persons (or 1/2, M/F), got {text[idx]!r}",
            )
        )
    return mapped


_BAND = re.compile(r"^(?:aged?\s*)?(\d{1,3})\s*(?:-|–|to|_)\s*(\d{1,3})(?:\s*(?:years?|yrs?))?$")
_OPEN = re.compile(
    r"^(?:aged?\s*)?(\d{1,3})\s*(?:\+|and over|plus|years and over|years? plus|and older|\+\s*yrs?)$"
)
_UNDER = re.compile(r"^(?:aged?\s*)?(?:<\s*|under\s*)(\d{1,3})(?:\s*years?)?$")
_AND_UNDER = re.compile(r"^(?:aged?\s*)?(\d{1,3})\s*years?\s*and\s*under$")
_SINGLE = re.compile(r"^(?:aged?\s*)?(\d{1,3})(?:\s*(?:years?|yrs?))?$")
#: labels meaning "every age": a total, not a band
ALL_AGES_LABELS = frozenset(
    {"all ages", "all_ages", "all", "total", "all persons", "all_ages_total"}
)


def parse_age(
    series: pd.Series, *, table: TableText, column: str, issues: list[ValidationIssue]
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Parse age labels into (label, age_from, age_to); open bands have age_to missing.

    Accepts single years (``7``), bands (``5-9``, ``5 to 9``), open bands (``90+``,
    ``90 and over``) and ``<1``/``under 1``. Labels are normalised to ``5-9``/``90+``/``<1``.
    """
    import pandas as pd

    text = strip(series)
    uniques = text.unique()
    lookup: dict[str, tuple[str, int, int | None] | None] = {}
    for raw in uniques:
        lookup[raw] = _parse_age_label(raw)
    parsed = text.map(lookup)
    bad = parsed.isna()
    for idx in text.index[bad.to_numpy()]:
        issues.append(
            _issue(
                table,
                idx,
                column,
                text[idx],
                "bad-age",
                f"age must be a year of age (0-120), a band like '5-9', '<1' or an open band like '90+', got {text[idx]!r}",
            )
        )
    label = parsed.map(lambda t: t[0] if t else None)
    age_from = parsed.map(lambda t: t[1] if t else None).astype("Int64")
    age_to = parsed.map(lambda t: t[2] if t else None).astype("Int64")
    return (
        label.astype(object),
        age_from,
        age_to.astype("Int64") if len(age_to) else pd.Series(dtype="Int64"),
    )


def _parse_age_label(raw: str) -> tuple[str, int, int | None] | None:
    s = raw.strip().lower()
    if m := _BAND.match(s):
        lo, hi = int(m.group(1)), int(m.group(2))
        return (f"{lo}-{hi}", lo, hi) if lo <= hi <= 120 else None
    if m := _OPEN.match(s):
        lo = int(m.group(1))
        return (f"{lo}+", lo, None)
    if m := _UNDER.match(s):
        hi = int(m.group(1))
        return ("<1", 0, 0) if hi == 1 else (f"0-{hi - 1}", 0, hi - 1)
    if m := _AND_UNDER.match(s):  # Census 2021: 'Aged 4 years and under'
        hi = int(m.group(1))
        return (f"0-{hi}", 0, hi)
    if m := _SINGLE.match(s):
        age = int(m.group(1))
        return (str(age), age, age) if age <= 120 else None
    return None


#: Fingertips pseudo-areas: ONS area classification groups (Cl_L2_1a) and areas re-based on a
#: newer geography, which Fingertips prefixes with 'n' (nE38000006)


def check_area_codes(
    series: pd.Series,
    *,
    table: TableText,
    column: str,
    issues: list[ValidationIssue],
    allow_ods: bool = False,
    allow_fingertips: bool = False,
) -> pd.Series:
    """Check codes look like ONS GSS codes (or NHS ODS codes where ``allow_ods``).

    ``allow_fingertips`` also accepts Fingertips' pseudo-area codes (classification groups
    such as ``Cl_L2_1a`` and 'n'-prefixed re-based codes such as ``nE38000006``).
    """
    text = strip(series)
    ok = text.str.fullmatch(GSS_PATTERN.pattern)
    if allow_ods:
        ok = ok | text.str.fullmatch(ODS_PATTERN.pattern)
    if allow_fingertips:
        ok = ok | text.str.fullmatch(FINGERTIPS_PSEUDO_PATTERN.pattern)
    expected = "an ONS GSS code like E06000001 (a letter and 8 digits)"
    if allow_ods:
        expected += " or an NHS organisation code like A81001"
    for idx in text.index[(~ok).to_numpy()]:
        issues.append(
            _issue(
                table,
                idx,
                column,
                text[idx],
                "bad-area-code",
                f"area code must be {expected}, got {text[idx]!r}",
            )
        )
    return text


# the period vocabulary lives in jsna.vocabulary.periods; these names stay importable from here
normalise_period = _periods.normalise_period
period_sortable = _periods.period_sortable


#: the years a period may start in: census-era series to the end of national projections
PLAUSIBLE_YEARS = (1900, 2150)


def parse_period(
    series: pd.Series, *, table: TableText, column: str, issues: list[ValidationIssue]
) -> pd.Series:
    """Normalise periods (:func:`normalise_period`); a period of another form, or whose year is
    outside :data:`PLAUSIBLE_YEARS` (a typo such as 2999, or 1850 for 1950), is an issue."""
    import pandas as pd

    text = strip(series)
    uniques = {raw: normalise_period(raw) for raw in text.unique()}
    parsed = text.map(uniques)
    for idx in text.index[parsed.isna().to_numpy()]:
        issues.append(
            _issue(
                table,
                idx,
                column,
                text[idx],
                "bad-period",
                f"period must look like 2024, 2022-24, 2023/24, 2024 Q2 or Jan 2024, got {text[idx]!r}",
            )
        )
    first, last = PLAUSIBLE_YEARS
    years = pd.to_numeric(parsed.str.extract(r"(\d{4})", expand=False), errors="coerce")
    for idx in text.index[(years.notna() & ~years.between(first, last)).to_numpy()]:
        issues.append(
            _issue(
                table,
                idx,
                column,
                text[idx],
                "implausible-period",
                f"period must be a year from {first} to {last}, got {text[idx]!r}",
            )
        )
    return parsed


def duplicate_keys(
    frame: pd.DataFrame,
    keys: list[str],
    *,
    table: TableText,
    issues: list[ValidationIssue],
    index: pd.Index | None = None,
) -> None:
    """Report every row whose key repeats an earlier row's."""
    dup = frame.duplicated(subset=keys, keep="first")
    first_rows = {}
    if dup.any():
        firsts = frame[~frame.duplicated(subset=keys, keep=False) | ~dup]
        key_tuples = firsts[keys].map(str).agg("|".join, axis=1)  # as the key below: str(value)
        first_rows = dict(zip(key_tuples, firsts.index, strict=False))
    for idx in frame.index[dup.to_numpy()]:
        key = "|".join(str(frame.at[idx, k]) for k in keys)
        first = first_rows.get(key)
        where = f" (first seen on row {table.file_row(first)})" if first is not None else ""
        issues.append(
            _issue(
                table,
                idx,
                ", ".join(keys),
                key.replace("|", ", "),
                "duplicate-key",
                f"each {' × '.join(keys)} must appear once, but this repeats an earlier row{where}",
            )
        )


def overlapping_bands(
    frame: pd.DataFrame,
    keys: list[str],
    *,
    table: TableText,
    issues: list[ValidationIssue],
) -> None:
    """An error for each age band that overlaps another band of the same ``keys`` group.

    ``85+`` beside single years ``85`` … ``90+`` counts the same people twice; so does ``0-4``
    beside ``0``. (Rows with the same band are :func:`duplicate_keys`' to report.) Rows of
    ``frame`` point at the file through its ``_row`` column when it has one.
    """
    import numpy as np

    if frame.empty or "age_from" not in frame:
        return
    data = frame[[*keys, "age_band", "age_from", "age_to"]].copy()
    data["_file_row"] = (
        frame["_row"].to_numpy() if "_row" in frame else [table.file_row(i) for i in frame.index]
    )
    data = data[data["age_from"].notna()]
    data = data.drop_duplicates([*keys, "age_band"])
    if data.empty:
        return
    data["_end"] = data["age_to"].astype("Float64").fillna(np.inf).astype(float)
    data["_start"] = data["age_from"].astype(float)
    data = data.sort_values([*keys, "_start", "_end"], ascending=[True] * len(keys) + [True, False])
    group = data.groupby(keys, dropna=False, sort=False)
    running = group["_end"].cummax()
    # the band that reaches furthest so far, and its row: the one a later band overlaps
    leader = data["_end"].eq(running)
    data["_lead_band"] = data["age_band"].where(leader)
    data["_lead_row"] = data["_file_row"].where(leader)
    data[["_lead_band", "_lead_row"]] = group[["_lead_band", "_lead_row"]].ffill()
    data["_running"] = running
    group = data.groupby(keys, dropna=False, sort=False)
    previous = group[["_lead_band", "_lead_row"]].shift(1)
    # the furthest any earlier band of the group reaches
    reach = group["_running"].shift(1).fillna(-np.inf)
    clash = data["_start"].le(reach)
    for idx in data.index[clash.to_numpy()]:
        band = str(data.at[idx, "age_band"])
        other = str(previous.at[idx, "_lead_band"])
        other_row = int(float(str(previous.at[idx, "_lead_row"])))
        where = ", ".join(f"{k} {data.at[idx, k]!s}" for k in keys)
        issues.append(
            ValidationIssue(
                code="overlapping-age-bands",
                message=f"age band {band!r} overlaps band {other!r} (row {other_row}) of the same "
                f"{where}: the same people would be counted twice; keep one set of bands",
                file=table.label,
                row=int(float(str(data.at[idx, "_file_row"]))),
                column="age",
                value=band,
            )
        )


def error(
    table: TableText, index: int, column: str, value: object, code: str, message: str
) -> ValidationIssue:
    """An error (the file is refused) at ``index`` of ``table``."""
    return _issue(table, index, column, value, code, message)


def warn(
    table: TableText, index: int | None, column: str | None, value: object, code: str, message: str
) -> ValidationIssue:
    return ValidationIssue(
        code=code,
        message=message,
        file=table.label,
        row=table.file_row(index) if index is not None else None,
        column=column,
        value=value,
        severity=WARNING,
    )


def check_sex_codes(
    frame: pd.DataFrame,
    raw_sex: pd.Series,
    *,
    table: TableText,
    column: str,
    issues: list[ValidationIssue],
    stated: bool,
) -> None:
    """Refuse a population file whose numeric sex codes are the wrong way round.

    Women outnumber men among people aged 85 and over in every real population of any size (by
    about 1.6 to 1 in England). When a file codes sex as numbers and, read the ONS way
    (1 = male, 2 = female), shows more men than women aged 85+ in nine areas out of ten (at
    least five areas with 50 or more people of that age, or one with 500 or more), its codes
    are reversed, and every figure by sex would be published the wrong way round. The user
    says which way the file codes sex with ``--sex-codes``; nothing is guessed.
    """
    if stated or frame.empty or not strip(raw_sex).isin(["1", "2", "0", "3"]).all():
        return
    old = frame[frame["age_from"].ge(85) & frame["sex"].isin(["Male", "Female"])]
    if old.empty:
        return
    by = old.pivot_table(
        index=["area_code", "period"], columns="sex", values="count", aggfunc="sum", fill_value=0
    )
    if not {"Male", "Female"} <= set(by.columns):
        return
    total = by["Male"] + by["Female"]
    big = by[total.ge(50)]
    if big.empty:
        return
    men_more = int((big["Male"] > big["Female"]).sum())
    enough = len(big) >= 5 or total.max() >= 500
    if enough and men_more >= 0.9 * len(big):
        issues.append(
            ValidationIssue(
                code="sex-codes-reversed",
                file=table.label,
                column=column,
                value="1/2",
                message=f"the sex codes look reversed: read as ONS codes (1 = male, 2 = female), more men than women "
                f"are aged 85 and over in {men_more} of {len(big)} areas, the opposite of every real population. "
                f"If the file codes 1 = female, load it with --sex-codes 1=Female,2=Male; if it really is "
                f"1 = male, say so with --sex-codes 1=Male,2=Female",
            )
        )
