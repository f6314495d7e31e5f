"""Time periods: one vocabulary for the labels every source uses, and the order they sort in.

A period label names a span of months. jsna reads the shapes published by ONS, OHID
(Fingertips, Local Health), NHS England and councils' own extracts, and stores each in one
canonical spelling:

==========================  ====================================  ==========================
read as                     canonical label                       span
==========================  ====================================  ==========================
``2024``, ``2024-06-30``    ``2024``                              Jan-Dec 2024
``2023/24``, ``2023-24``    ``2023/24``                           Apr 2023 - Mar 2024
``2018 - 20``, ``2018 to    ``2018-20``                           Jan 2018 - Dec 2020
2020``
``2015/16 - 19/20``,        ``2015/16 - 19/20``                   Apr 2015 - Mar 2020
``2013/14 to 2017/18``
``2024 Q2``                 ``2024 Q2``                           Apr-Jun 2024
``2023/24 Q3``              ``2023/24 Q3``                        Oct-Dec 2023
``2021/22 Q1 - 2025/26 Q3`` ``2021/22 Q1 - 2025/26 Q3``           Apr 2021 - Dec 2025
``Jan 2021``, ``2021-01``,  ``Jan 2021``                          Jan 2021
``January 2021``
==========================  ====================================  ==========================

A date (``2024-06-30``, the reference date of a mid-year estimate or a census) names the
year it falls in. Financial years and their quarters run April to March (quarter 1 is
April-June).

Order
-----
The *latest* period is the one that **ends** last, whatever its shape: ``2021/22 Q1 - 2025/26
Q3`` (to December 2025) is later than ``2021/22 Q1 - 2021/22 Q4`` (to March 2022), and
``2023-25`` is later than ``2024/25``. :func:`period_sortable` turns a label into one integer
``YYYYMM`` (end month) followed by ``YYYYMM`` (start month), so integers sort by end, and periods
that end in the same month sort by start: the period that starts later (the shorter, more
recent one) sorts later. ``2023-25`` gives ``202512202301``; ``2025`` gives ``202512202501``.
Fingertips' own "Time period Sortable" column orders by the *start* of a period, so jsna never
uses it to decide which period is latest.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "Period",
    "latest_period",
    "normalise_period",
    "parse_period_label",
    "period_end_year",
    "period_sortable",
    "sort_periods",
]

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH_NAMES = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)


@dataclass(frozen=True)
class Period:
    """A span of whole months, from ``start`` to ``end`` inclusive, each ``(year, month)``; and its label."""

    label: str
    start: tuple[int, int]
    end: tuple[int, int]

    @property
    def sortable(self) -> int:
        """``YYYYMM`` of the end month, then ``YYYYMM`` of the start month, as one integer."""
        (sy, sm), (ey, em) = self.start, self.end
        return (ey * 100 + em) * 1_000_000 + sy * 100 + sm

    @property
    def months(self) -> int:
        (sy, sm), (ey, em) = self.start, self.end
        return (ey - sy) * 12 + em - sm + 1


_Y = r"(\d{4})"
_YEAR = re.compile(rf"^{_Y}$")
_DATE = re.compile(rf"^{_Y}-(\d{{2}})-(\d{{2}})$")
_SPLIT = re.compile(r"^(.+?)\s*(?:\s-\s|\s+to\s+)\s*(.+)$", re.IGNORECASE)
_FIN = re.compile(rf"^{_Y}\s*/\s*(\d{{2}}|\d{{4}})$")
_YEARS = re.compile(rf"^{_Y}-{_Y}$")
_FIN_SHORT = re.compile(r"^(\d{2})\s*/\s*(\d{2})$")
_QUARTER = re.compile(rf"^{_Y}(?:\s*/\s*(\d{{2}}|\d{{4}}))?\s*Q([1-4])$", re.IGNORECASE)
_MONTH_FIRST = re.compile(rf"^([A-Za-z]{{3,9}})\.?\s+{_Y}$")
_YEAR_MONTH = re.compile(rf"^{_Y}\s+([A-Za-z]{{3,9}})$")
_ISO_MONTH = re.compile(rf"^{_Y}-(\d{{2}})$")


def _month_number(text: str) -> int | None:
    t = text.lower()
    if t in MONTHS:
        return MONTHS.index(t) + 1
    if t in _MONTH_NAMES:
        return _MONTH_NAMES.index(t) + 1
    if t == "sept":
        return 9
    return None


def _follows(start: int, end_text: str) -> int | None:
    """The full year an end written as ``'21'`` or ``'2021'`` stands for, after ``start`` (None if before)."""
    if len(end_text) == 4:
        end = int(end_text)
    else:
        end = start // 100 * 100 + int(end_text)
        if end < start:
            end += 100
    return end if end >= start else None


def _single(text: str) -> Period | None:
    """A period that is not a range: a year, date, financial year, quarter or month."""
    s = " ".join(text.split())
    if m := _YEAR.match(s):
        y = int(m.group(1))
        return Period(s, (y, 1), (y, 12))
    if m := _DATE.match(s):
        y, mo = int(m.group(1)), int(m.group(2))
        if 1 <= mo <= 12:
            return Period(str(y), (y, 1), (y, 12))
        return None
    if m := _QUARTER.match(s):
        y, q = int(m.group(1)), int(m.group(3))
        if m.group(2) is not None:  # a financial-year quarter: Q1 is April-June of the first year
            if _follows(y, m.group(2)) != y + 1:
                return None
            first = 4 + (q - 1) * 3
            year = y if first <= 12 else y + 1
            first = first if first <= 12 else first - 12
            label = f"{y}/{str(y + 1)[-2:]} Q{q}"
        else:
            year, first, label = y, 1 + (q - 1) * 3, f"{y} Q{q}"
        return Period(label, (year, first), (year, first + 2))
    if m := _ISO_MONTH.match(s):
        y, tail = int(m.group(1)), m.group(2)
        end = _follows(y, tail)  # "2021-01" would end in 2101: a month, not a range
        if end == y + 1:  # "2023-24", "1999-00": a financial year
            return Period(f"{y}/{tail}", (y, 4), (y + 1, 3))
        if end is not None and y + 1 < end <= y + 20:  # "2019-21": three calendar years
            return Period(f"{y}-{tail}", (y, 1), (end, 12))
        mo = int(tail)
        if 1 <= mo <= 12:  # "2021-01": a month (its end cannot be a year before the start)
            return Period(f"{MONTHS[mo - 1].title()} {y}", (y, mo), (y, mo))
        return None
    if m := _YEARS.match(s):  # "2019-2021": calendar years written in full
        y, end = int(m.group(1)), int(m.group(2))
        if end <= y:
            return None
        label = f"{y}-{end}" if end == y + 1 else f"{y}-{str(end)[-2:]}"
        return Period(label, (y, 1), (end, 12))
    if m := _FIN.match(s):
        y = int(m.group(1))
        end = _follows(y, m.group(2))
        if end == y + 1:
            return Period(f"{y}/{str(end)[-2:]}", (y, 4), (end, 3))
        return None
    if (m := _MONTH_FIRST.match(s)) and (month := _month_number(m.group(1))):
        y = int(m.group(2))
        return Period(f"{MONTHS[month - 1].title()} {y}", (y, month), (y, month))
    if (m := _YEAR_MONTH.match(s)) and (month := _month_number(m.group(2))):
        y = int(m.group(1))
        return Period(f"{MONTHS[month - 1].title()} {y}", (y, month), (y, month))
    return None


def _range_end(first: Period, text: str) -> Period | None:
    """The second half of a range, which may be abbreviated: ``20`` after ``2018``, ``22/23`` after ``2020/21``."""
    s = " ".join(text.split())
    if full := _single(s):
        return full
    sy = first.start[0]
    if re.fullmatch(r"\d{2}", s):
        y = _follows(sy, s)
        return Period(str(y), (y, 1), (y, 12)) if y is not None else None
    if m := _FIN_SHORT.match(s):
        y = _follows(sy, m.group(1))
        if y is not None and _follows(y, m.group(2)) == y + 1:
            return Period(f"{y}/{m.group(2)}", (y, 4), (y + 1, 3))
    return None


def parse_period_label(value: object) -> Period | None:
    """The :class:`Period` a label names, with its canonical label; None when it is not a period."""
    if value is None:
        return None
    s = " ".join(str(value).split())
    if not s or s.lower() in {"nan", "none", "<na>"}:
        return None
    if single := _single(s):
        return single
    m = _SPLIT.match(s)
    if not m:
        return None
    first = _single(m.group(1))
    if first is None:
        return None
    last = _range_end(first, m.group(2))
    if last is None or last.end < first.start or last.end <= first.end:
        return None
    if first.months == 12 and last.months == 12 and first.start[1] == 1 and last.start[1] == 1:
        y, end = first.start[0], last.end[0]  # calendar years: 2018-20 (two years: 2019-2020)
        label = f"{y}-{end}" if end == y + 1 else f"{y}-{str(end)[-2:]}"
    elif first.months == 12 and last.months == 12 and first.start[1] == 4 and last.start[1] == 4:
        label = f"{first.label} - {last.label[2:]}"  # financial years: 2015/16 - 19/20
    else:
        label = f"{first.label} - {last.label}"  # quarters, months, mixed: 2021/22 Q1 - 2025/26 Q3
    return Period(label, first.start, last.end)


def normalise_period(value: object) -> str | None:
    """Canonical label of a period (``'2019 - 21'`` -> ``'2019-21'``, ``'2015-16'`` -> ``'2015/16'``), or None."""
    period = parse_period_label(value)
    return period.label if period else None


def period_sortable(value: object) -> int:
    """One integer that sorts periods by the month they end, then the month they start (see module notes).

    A label that names no period sorts first (0).
    """
    period = parse_period_label(value)
    return period.sortable if period else 0


def period_end_year(value: object) -> int | None:
    """The calendar year in which a period ends (``'2023/24'`` -> 2024), or None."""
    period = parse_period_label(value)
    return period.end[0] if period else None


def sort_periods(labels: Iterable[object]) -> list[str]:
    """Distinct labels, earliest end first (ties by start; unreadable labels first, alphabetically)."""
    # a column's distinct values first: a results column holds each label many times
    unique = getattr(labels, "unique", None)
    distinct = {str(label) for label in (unique() if callable(unique) else labels)}
    return sorted(distinct, key=lambda s: (period_sortable(s), s))


def latest_period(labels: Iterable[object]) -> str | None:
    """The label that ends last, or None when there are none."""
    ordered = sort_periods(labels)
    return ordered[-1] if ordered else None


def _month_index(year_month: tuple[int, int]) -> int:
    year, month = year_month
    return year * 12 + month - 1


def _step(earlier: Period, later: Period) -> tuple[int, int] | None:
    """How ``later`` follows ``earlier`` as the next of a series, as (months its start moves,
    months its end moves); None when it is not the next of a series. A series is of periods of
    one length, each starting a year later (or where the last ended, for periods shorter than a
    year: quarters, months), or of periods from one start, each ending a month, a quarter or a
    year later (cumulative: "2021/22 Q1 - 2021/22 Q2", "2021/22 Q1 - 2021/22 Q3", ...)."""
    moved = _month_index(later.start) - _month_index(earlier.start)
    ended = _month_index(later.end) - _month_index(earlier.end)
    if later.months == earlier.months and moved == ended == min(earlier.months, 12):
        return (moved, ended)
    if moved == 0 and ended in (1, 3, 12):
        return (0, ended)
    return None


def describe_periods(labels: Iterable[object], *, run: int = 3) -> str:
    """The periods as a reader scans them: a run of ``run`` or more periods that follow one
    another (:func:`_step`) is written from its first to its last, the rest one by one.

    ``2014/15`` ... ``2022/23``, ``2024/25`` gives ``"2014/15 to 2022/23, 2024/25"`` (a gap
    shows as a gap); rolling three-year periods ``2015-17``, ``2016-18``, ``2017-19`` give
    ``"2015-17 to 2017-19"``. Periods of one length are listed together (years, then three-year
    periods), each length earliest first, then periods of one start by their end; labels that
    name no period come first, as they are.
    """
    parsed = [(label, parse_period_label(label)) for label in sort_periods(labels)]
    parsed.sort(key=lambda lp: (0, 0, 0) if lp[1] is None else (1, lp[1].months, lp[1].sortable))
    groups: list[tuple[list[str], tuple[int, int] | None]] = []
    previous: Period | None = None
    for label, period in parsed:
        step = _step(previous, period) if period is not None and previous is not None else None
        if step is not None and groups[-1][1] in (None, step):
            groups[-1][0].append(label)
            groups[-1] = (groups[-1][0], step)
        elif step is not None and len(groups[-1][0]) > 1:
            # the last period of a run of another step starts this one
            last = groups[-1][0].pop()
            groups.append(([last, label], step))
        else:
            groups.append(([label], None))
        previous = period
    parts: list[str] = []
    for members, _ in groups:
        if len(members) >= run:
            parts.append(f"{members[0]} to {members[-1]}")
        else:
            parts.extend(members)
    return ", ".join(parts)
