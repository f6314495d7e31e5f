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
    """A copy of ``frame`` ready to be written as CSV: every formula-like text cell (and column
    name) made inert, and a carriage return inside a text cell written as a line feed (pandas
    quotes a cell holding ``\\n`` but not one holding a lone ``\\r``, which spreadsheets read as
    the end of the row).

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
        text = series.map(lambda v: isinstance(v, str)).astype(bool)
        if not text.any():
            continue
        cleaned = series.astype("object").copy()
        cleaned[text] = [_csv_text(v) for v in cleaned[text]]
        out[column] = cleaned
    out.columns = [_csv_text(str(c)) for c in out.columns]
    return out


def _csv_text(value: str) -> str:
    return str(safe_cell(value)).replace("\r\n", "\n").replace("\r", "\n")
