"""Text cells that spreadsheet programs would run as formulas, made inert (CSV/formula injection).

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is taken by
Excel, LibreOffice and Google Sheets as the start of a formula when a CSV file is opened, so an
area name or a free-text cell from an input file could run a formula (``=HYPERLINK(...)``,
``=cmd|...``) on the machine of whoever opens a published download. Following the OWASP advice on
CSV injection, such text is written with a leading single quote, which every spreadsheet shows as
text. Only text is touched: numbers, negative numbers included (also when written as text, such as
``-3.5``), are written as they are.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

#: first characters that make a spreadsheet read a cell as a formula
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

#: a plain number written as text (``-3.5``, ``+2``, ``-1e-05``): a value, never a formula
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def is_formula_like(value: object) -> bool:
    """True when ``value`` is text a spreadsheet would take for a formula."""
    return (
        isinstance(value, str)
        and value.startswith(FORMULA_STARTS)
        and _NUMBER.fullmatch(value) is None
    )


def safe_cell(value: Any) -> Any:
    """``value`` with a leading ``'`` when it is formula-like text; anything else unchanged."""
    return "'" + value if is_formula_like(value) else value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every formula-like text cell (and column name) made inert.

    Only text columns are looked at; numeric columns (negative values included) pass unchanged.
    """
    import pandas as pd

    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if not (
            pd.api.types.is_object_dtype(series.dtype) or pd.api.types.is_string_dtype(series.dtype)
        ):
            continue
        risky = series.map(is_formula_like).astype(bool)
        if risky.any():
            series = series.astype("object")
            series[risky] = "'" + series[risky].astype(str)
            out[column] = series
    out.columns = [safe_cell(str(c)) for c in out.columns]
    return out
