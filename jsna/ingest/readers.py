"""Read the files analysts have into string-typed DataFrames, whatever their encoding.

Everything is read as text first so that nothing is coerced before validation: the
source modules decide what a number is, and report what is not.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jsna.errors import UnreadableFileError

if TYPE_CHECKING:
    import pandas as pd

#: markers publishers use for a value that is missing, suppressed or not applicable
MISSING_MARKERS = frozenset(
    {"", "-", "..", ":", "*", "x", "X", "~", "NA", "N/A", "n/a", "na", "null", "NULL", "#N/A"}
)

CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm"}

#: default limits on a workbook, checked before it is unpacked (``--xlsx-max-mb``, ``--xlsx-max-rows``)
XLSX_MAX_MB = 512
XLSX_MAX_ROWS = 1_048_576  # Excel's own limit


@dataclass
class TableText:
    """A table read as text, with what is needed to point at a row in the file."""

    frame: pd.DataFrame
    path: Path
    encoding: str
    header_line: int = 1  # 1-based line (or spreadsheet row) of the header
    sheet: str | None = None
    notes: list[str] = field(default_factory=list)

    def file_row(self, index: int) -> int:
        """1-based row in the file (as a spreadsheet numbers it) of the frame's row ``index``."""
        return self.header_line + 1 + int(index)

    @property
    def label(self) -> str:
        return f"{self.path.name}[{self.sheet}]" if self.sheet else self.path.name


def detect_encoding(raw: bytes) -> str:
    """Best guess at the text encoding of ``raw``: UTF-8 (with or without BOM), then cp1252."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    try:
        raw.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(raw[:200_000]).best()
    single_byte = best is not None and codecs.lookup(best.encoding).name.startswith(
        ("cp125", "iso8859", "latin", "mac-")
    )
    if single_byte and _decodes(raw, "cp1252"):
        # a short sample of an English extract ('£' and a few accents) fits several Western
        # code pages equally; the one English files are written in is Windows-1252
        return "cp1252"
    if best is not None and best.encoding.lower() not in {"utf_8", "utf-8"}:
        # cp1252 is a superset of latin-1 for printable characters and what Excel writes
        return (
            "cp1252"
            if best.encoding.lower() in {"latin_1", "iso8859_1", "cp1252", "windows-1252"}
            else best.encoding
        )
    return "cp1252"


def _decodes(raw: bytes, encoding: str) -> bool:
    try:
        raw.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def read_text_table(
    path: Path,
    *,
    sheet: str | int | None = None,
    skip_rows: int | None = None,
    encoding: str | None = None,
    max_bytes: int | None = None,
    xlsx_max_mb: int | None = None,
    xlsx_max_rows: int | None = None,
) -> TableText:
    """Read a CSV or XLSX file with every cell as a string (missing cells as '').

    ``max_bytes`` reads only the start of a CSV (whole lines), for recognising its kind
    without reading a file of millions of rows. A workbook is refused, before it is unpacked,
    when it would unpack to more than ``xlsx_max_mb`` MB or a sheet has more than
    ``xlsx_max_rows`` rows (defaults :data:`XLSX_MAX_MB`, :data:`XLSX_MAX_ROWS`).
    """
    import pandas as pd

    path = Path(path)
    if not path.exists():
        raise UnreadableFileError(f"{path}: file not found")
    if path.is_dir():
        raise UnreadableFileError(f"{path}: is a folder, expected a file")
    if path.stat().st_size == 0:
        raise UnreadableFileError(f"{path.name}: the file is empty (0 bytes)")
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        return _read_excel(
            path,
            sheet=sheet,
            skip_rows=skip_rows,
            max_mb=xlsx_max_mb or XLSX_MAX_MB,
            max_rows=xlsx_max_rows or XLSX_MAX_ROWS,
        )
    if suffix == ".xls":
        raise UnreadableFileError(
            f"{path.name}: legacy .xls workbooks are not supported; save it as .xlsx or CSV"
        )
    if max_bytes is not None:
        with path.open("rb") as handle:
            raw = handle.read(max_bytes)
        if len(raw) == max_bytes and b"\n" in raw:
            raw = raw[: raw.rindex(b"\n") + 1]
    else:
        raw = path.read_bytes()
    if encoding is None:
        _check_text(raw, path)
    enc = encoding or detect_encoding(raw)
    try:
        text = raw.decode(enc)
    except (UnicodeDecodeError, LookupError) as exc:
        what = "" if encoding else f" (not a text file? {_what_it_is(path)})"
        raise UnreadableFileError(f"{path.name}: cannot decode as {enc}: {exc}{what}") from exc
    if text.lstrip("\ufeff").strip() == "":
        raise UnreadableFileError(f"{path.name}: the file has no content")
    if max_bytes is None:
        _check_truncated(text, path)
    sep = "\t" if suffix == ".tsv" else _sniff_separator(text)
    skip = skip_rows if skip_rows is not None else 0
    import warnings
    from io import StringIO

    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", pd.errors.ParserWarning)
            # index_col=False: a data row with one field more than the header (a delimiter at
            # the end of every row) must not turn the first column into the index
            frame = pd.read_csv(
                StringIO(text),
                sep=sep,
                dtype=str,
                keep_default_na=False,
                skiprows=skip,
                skipinitialspace=False,
                index_col=False,
                engine="c",
            )
        if any(issubclass(w.category, pd.errors.ParserWarning) for w in caught):
            _check_extra_fields(text, sep, skip, path)
    except pd.errors.ParserError as exc:
        raise UnreadableFileError(f"{path.name}: not a well-formed CSV file: {exc}") from exc
    except pd.errors.EmptyDataError as exc:
        raise UnreadableFileError(f"{path.name}: no header row found") from exc
    frame.columns = [str(c).strip().lstrip("\ufeff") for c in frame.columns]

    return TableText(frame=frame, path=path, encoding=enc, header_line=skip + 1)


def _check_extra_fields(text: str, sep: str, skip: int, path: Path) -> None:
    """Rows with more fields than the header are accepted only when every extra field is empty
    (a delimiter at the end of each row); a filled field beyond the header would be lost."""
    import csv
    from io import StringIO

    reader = csv.reader(StringIO(text.lstrip("\ufeff")), delimiter=sep)
    header: list[str] | None = None
    for number, fields in enumerate(reader, start=1):
        if number <= skip:
            continue
        if header is None:
            header = fields
            continue
        extra = [f for f in fields[len(header) :] if f.strip()]
        if extra:
            raise UnreadableFileError(
                f"{path.name}: line {reader.line_num} has {len(fields)} fields but the header "
                f"(line {skip + 1}) names {len(header)} columns; the extra value {extra[0]!r} "
                "has no column name (add a header for it, or remove it)"
            )


def _sniff_separator(text: str) -> str:
    head = text.lstrip("\ufeff").splitlines()[0] if text else ""
    counts = {sep: head.count(sep) for sep in (",", ";", "\t", "|")}
    best = max(counts, key=lambda s: counts[s])
    return best if counts[best] > 0 else ","


def _check_truncated(text: str, path: Path) -> None:
    """A file cut off mid-row ends without a newline inside an open quote or short row."""
    if text.count('"') % 2 == 1:
        raise UnreadableFileError(
            f"{path.name}: the file ends inside a quoted field; it looks truncated"
        )
    if text.endswith(("\n", "\r")):
        return
    lines = text.lstrip("\ufeff").splitlines()
    if len(lines) < 2:
        return
    sep = _sniff_separator(text)
    import csv

    header, last = (next(csv.reader([line], delimiter=sep)) for line in (lines[0], lines[-1]))
    if len(last) < len(header):
        raise UnreadableFileError(
            f"{path.name}: the last line (line {len(lines)}) has {len(last)} of {len(header)} fields and no line "
            "end; the file looks truncated (download it again)"
        )


@dataclass
class _SheetScan:
    """What a pass over one worksheet's XML found: its rows, and a formula with no saved value."""

    rows: int = 0
    uncached_formula: str | None = None  # first such cell, e.g. 'F2'


#: a formula cell with no cached value: ``<c r="F2"><f>…</f></c>`` (no ``<v>`` after the formula)
_UNCACHED = re.compile(
    rb'<c [^>]*?r="([A-Z]+[0-9]+)"[^>/]*>(?:<f[^>]*/>|<f[^>]*>[^<]*</f>)(?:<v\s*/>|<v>\s*</v>)?</c>'
)


def _scan_workbook(path: Path, *, max_mb: int, max_rows: int) -> dict[str, _SheetScan]:
    """Check a workbook's size and rows before it is unpacked, sheet by sheet (by sheet name).

    The sizes come from the zip directory (Python never inflates a member beyond its declared
    size); the rows and formulas from one streamed pass over each worksheet, so a workbook that
    would unpack to gigabytes is refused in a second rather than after minutes.
    """
    import zipfile
    import zlib

    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise UnreadableFileError(
            f"{path.name}: not a readable .xlsx workbook (not a zip archive: {exc}); "
            f"{_what_it_is(path)}"
        ) from exc
    with archive:
        members = archive.infolist()
        inflated = sum(m.file_size for m in members)
        if inflated > max_mb * 1_000_000:
            raise UnreadableFileError(
                f"{path.name}: the workbook unpacks to {inflated / 1e6:,.0f} MB "
                f"({path.stat().st_size / 1e6:,.1f} MB on disk), above the limit of {max_mb:,} MB; "
                "it was not opened (if it is genuine, raise the limit with --xlsx-max-mb, "
                "or save the sheet as CSV)"
            )
        sheets = _sheet_members(archive)
        scans: dict[str, _SheetScan] = {}
        for name, member in sheets.items():
            scan = _SheetScan()
            tail = b""
            try:
                with archive.open(member) as stream:
                    while chunk := stream.read(1 << 20):
                        block = tail + chunk
                        scan.rows += chunk.count(b"<row ") + chunk.count(b"<row>")
                        if scan.uncached_formula is None and b"<f" in block:
                            found = _UNCACHED.search(block)
                            if found:
                                scan.uncached_formula = found.group(1).decode("ascii")
                        if scan.rows > max_rows:
                            raise UnreadableFileError(
                                f"{path.name}: sheet {name!r} has more than {max_rows:,} rows, "
                                "above the limit; it was not read (if it is genuine, raise the "
                                "limit with --xlsx-max-rows, or save the sheet as CSV)"
                            )
                        tail = block[-512:]
            except (zipfile.BadZipFile, zlib.error, EOFError, KeyError) as exc:
                raise UnreadableFileError(
                    f"{path.name}: sheet {name!r} is damaged ({exc}); the workbook looks "
                    "truncated or corrupt (download it again)"
                ) from exc
            scans[name] = scan
        return scans


def _sheet_members(archive: object) -> dict[str, str]:
    """Sheet name -> worksheet XML member of an xlsx zip (from xl/workbook.xml and its rels)."""
    import posixpath
    import xml.etree.ElementTree as ET

    zf: Any = archive
    ns_main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    ns_rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    try:
        book = ET.fromstring(zf.read("xl/workbook.xml"))
        rels = ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ET.ParseError):
        return {}
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    out = {}
    for sheet in book.iter(f"{ns_main}sheet"):
        target = targets.get(sheet.get(f"{ns_rel}id"), "")
        member = (
            target.lstrip("/")
            if target.startswith("/")
            else posixpath.normpath(posixpath.join("xl", target))
        )
        if member in zf.namelist():
            out[str(sheet.get("name"))] = member
    return out


def binary_kind(head: bytes) -> str | None:
    """What the first bytes of a file say it is, when they say it is not plain text: a clause
    for a message (``"it is gzip-compressed: unpack it first"``), else None."""
    if head.startswith(b"\x1f\x8b"):
        return "it is gzip-compressed: unpack it first"
    if head.startswith(b"PK\x03\x04"):
        if b"xl/" in head or b"[Content_Types].xml" in head:
            return (
                "it is an Excel workbook (.xlsx), a zip archive, not CSV text: name it .xlsx, "
                "or save the sheet as CSV"
            )
        return "it is a zip archive, not CSV text: unzip it first"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "it is a legacy .xls (or other OLE) file: save it as .xlsx or CSV"
    if head.startswith(b"%PDF"):
        return "it is a PDF document"
    if head.startswith(b"PAR1"):
        return "it is a Parquet file: name it .parquet"
    return None


def _check_text(raw: bytes, path: Path) -> None:
    """Refuse bytes that are not a text table before they are parsed: UTF-16 without a
    byte-order mark (every other byte NUL), and files with NUL bytes (binary data: a workbook,
    an archive or a PDF named .csv), saying what the file looks like."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return
    head = raw[:8192]
    if b"\x00" not in head:
        return
    even, odd = head[0::2], head[1::2]
    for zeros, order in ((odd, "little"), (even, "big")):
        if (
            zeros
            and zeros.count(0) >= 0.4 * len(zeros)
            and (even if zeros is odd else odd).count(0) < 0.1 * len(zeros)
        ):
            raise UnreadableFileError(
                f"{path.name}: the file is UTF-16 ({order}-endian) text without a byte-order "
                "mark; save it as UTF-8 (Excel: CSV UTF-8), or pass --encoding utf-16-le (or -be)"
            )
    what = _what_it_is(path)
    if what.startswith("it may be"):
        what = "check that this is the file you meant to load"
    raise UnreadableFileError(
        f"{path.name}: not a text (CSV) file: it holds NUL bytes (binary data); {what}"
    )


def _what_it_is(path: Path) -> str:
    """What the first bytes of a file say it is, for messages about a file that is not what
    its name says."""
    with path.open("rb") as handle:
        head = handle.read(4096)
    kind = binary_kind(head)
    if kind is not None:
        return kind
    if head.lstrip(b"\xef\xbb\xbf").startswith((b"<", b"{")):
        return "it is text (HTML, XML or JSON), perhaps a web page saved in its place"
    return "it may be a CSV or text file with the wrong name: rename it .csv"


def _read_excel(
    path: Path, *, sheet: str | int | None, skip_rows: int | None, max_mb: int, max_rows: int
) -> TableText:
    import pandas as pd

    scans = _scan_workbook(path, max_mb=max_mb, max_rows=max_rows)
    try:
        book = pd.ExcelFile(path, engine="openpyxl")
    except Exception as exc:  # openpyxl raises several unrelated types for broken files
        raise UnreadableFileError(f"{path.name}: not a readable .xlsx workbook: {exc}") from exc
    names = [str(n) for n in book.sheet_names]
    if sheet is None:
        chosen = _pick_data_sheet(book, names)
    elif isinstance(sheet, int) or (
        isinstance(sheet, str) and sheet.isdigit() and sheet not in names
    ):
        idx = int(sheet)
        if idx >= len(names):
            raise UnreadableFileError(f"{path.name}: no sheet number {idx}; sheets are {names}")
        chosen = names[idx]
    else:
        if sheet not in names:
            raise UnreadableFileError(f"{path.name}: no sheet named {sheet!r}; sheets are {names}")
        chosen = sheet
    scan = scans.get(chosen)
    if scan is not None and scan.uncached_formula is not None:
        raise UnreadableFileError(
            f"{path.name}: sheet {chosen!r}, cell {scan.uncached_formula}: a formula with no saved "
            "value (the workbook was written by a program that does not calculate formulas); "
            "open it in Excel or LibreOffice and save it again, or save the sheet as CSV"
        )
    grid = pd.read_excel(book, sheet_name=chosen, header=None, dtype=str).fillna("")
    header_row = skip_rows if skip_rows is not None else _find_header_row(grid)
    if header_row >= len(grid):
        raise UnreadableFileError(
            f"{path.name}: --skip-rows {header_row} skips past the end of sheet {chosen!r}, "
            f"which has {len(grid)} row(s); the header row would be row {header_row + 1}"
        )
    header = _merge_header_cells(grid.iloc[header_row].tolist())
    frame = grid.iloc[header_row + 1 :].reset_index(drop=True)
    frame.columns = header
    frame = frame.loc[:, [c != "" for c in frame.columns]]
    # drop trailing completely empty rows (footnotes are kept for validation)
    nonempty = frame.apply(lambda col: col.str.strip() != "").any(axis=1)
    if nonempty.any():
        last = nonempty[nonempty].index.max()
        frame = frame.loc[:last]
    frame = frame.map(lambda v: _clean_excel_text(v))
    return TableText(
        frame=frame, path=path, encoding="xlsx", header_line=header_row + 1, sheet=chosen
    )


def _clean_excel_text(value: object) -> str:
    text = str(value)
    return text[:-2] if re.fullmatch(r"-?\d+\.0", text) else text


def _pick_data_sheet(book: object, names: list[str]) -> str:
    """The first sheet that looks like a table (several filled columns on many rows)."""
    import pandas as pd

    best, best_score = names[0], -1
    for name in names:
        grid = pd.read_excel(book, sheet_name=name, header=None, dtype=str, nrows=60).fillna("")
        filled = (grid.apply(lambda col: col.str.strip() != "")).sum(axis=1)
        score = int((filled >= 3).sum())
        if score > best_score:
            best, best_score = name, score
    return best


def _find_header_row(grid: pd.DataFrame) -> int:
    """Index of the first row that has as many filled cells as the widest row nearby."""
    filled = (grid.head(60).apply(lambda col: col.str.strip() != "")).sum(axis=1)
    if filled.empty:
        return 0
    widest = int(filled.max())
    for idx, n in filled.items():
        if n >= max(2, widest - 1):
            return int(idx)  # type: ignore[arg-type]
    return 0


def _merge_header_cells(cells: list[object]) -> list[str]:
    """Fill blanks left by merged header cells with the cell to their left plus a suffix."""
    out: list[str] = []
    last = ""
    seen: dict[str, int] = {}
    for cell in cells:
        text = str(cell).strip()
        if not text and last:
            seen[last] = seen.get(last, 1) + 1
            text = f"{last} ({seen[last]})"
        elif text:
            last = text
        out.append(text)
    return out


def normalise_name(column: str) -> str:
    """Lower-case, alphanumerics and single underscores: 'Area Code ' -> 'area_code'."""
    return re.sub(r"[^0-9a-z]+", "_", column.strip().lower()).strip("_")
