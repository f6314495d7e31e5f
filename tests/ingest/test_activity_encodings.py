"""Activity extracts in other encodings load; files that are not CSV text are refused saying what
they are, and a refusal leaves the workspace as it was."""

from __future__ import annotations

import gzip
import io
import zipfile
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from jsna.errors import InvalidDataError
from jsna.ingest import ingest_file
from jsna.workspace import Workspace

HEADER = "record_id,age,sex,lsoa_code,admission_date,point_of_delivery,cost,provider_name"
PROVIDERS = ["Hôpital Sainte-Thérèse", "Clínica Peña", "Müller Straße Clinic", "St Mary’s"]


def _records(n: int = 300) -> list[list[str]]:
    """``n`` records with costs written as Excel writes pounds (``£1,234.50``), and accented
    provider names."""
    rows = []
    for i in range(n):
        pence = 100 + (i * 7919) % 250_000
        cost = f"£{pence // 100:,}.{pence % 100:02d}"
        rows.append(
            [
                f"R{i:05d}",
                str((i * 37) % 100),
                "12"[i % 2],
                f"E0100{i % 13:04d}",
                f"2023-{1 + i % 12:02d}-{1 + i % 28:02d}",
                ["Elective", "Day case", "Outpatient"][i % 3],
                cost,
                PROVIDERS[i % len(PROVIDERS)],
            ]
        )
    return rows


def _text(rows: list[list[str]]) -> str:
    def cell(value: str) -> str:
        return f'"{value}"' if "," in value else value

    return "\r\n".join([HEADER, *(",".join(cell(v) for v in r) for r in rows)]) + "\r\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project whose workspace already holds one extract (of 2022), so that a refusal has
    something to leave unchanged."""
    folder = tmp_path / "project"
    from typer.testing import CliRunner

    from jsna.cli import app

    assert CliRunner().invoke(app, ["init", str(folder)]).exit_code == 0
    first = tmp_path / "first.csv"
    first.write_text(
        HEADER + "\nR1,40,1,E01000001,2022-05-01,Elective,10.00,North\n", encoding="utf-8"
    )
    assert _ingest(folder, first)[0] == 0
    return folder


def _ingest(project: Path, path: Path, *extra: str) -> tuple[int, str]:
    """The real entry point's exit code and what it printed, in-process (``run_main``); the
    program's own exit codes in a subprocess are tested in ``tests/errors``."""
    from tests.conftest import run_main

    code, out, err = run_main("ingest", "activity", str(path), "--project", str(project), *extra)
    return code, out + err


def _refusal(project: Path, path: Path) -> str:
    """What the command line says of a file it cannot read (exit code 3)."""
    code, output = _ingest(project, path)
    assert code == 3, output
    return output


def _state(project: Path) -> tuple[object, ...]:
    with duckdb.connect(str(project / "jsna.duckdb"), read_only=True) as con:
        return (
            con.execute("SELECT * FROM events ORDER BY ALL").fetchall(),
            con.execute("SELECT file_name, sha256, status FROM provenance ORDER BY ALL").fetchall(),
            con.execute("SELECT count(*) FROM quarantine").fetchall(),
        )


def _folder_listing(project: Path) -> list[str]:
    """Every file and folder of the project but the workspace's own files (whose size and
    write-ahead log change as DuckDB likes)."""
    return sorted(
        str(p.relative_to(project))
        for p in project.rglob("*")
        if not p.name.startswith("jsna.duckdb.wal")
    )


def test_a_windows_1252_extract_loads_with_its_counts_and_costs(
    project: Path, tmp_path: Path
) -> None:
    rows = _records()
    path = tmp_path / "apc_cp1252.csv"
    path.write_bytes(_text(rows).encode("cp1252"))
    assert b"\xa3" in path.read_bytes()  # '£' as Windows-1252 writes it: not UTF-8
    listing = _folder_listing(project)
    code, output = _ingest(project, path)
    assert code == 0, output
    # worked out from the records with plain Python: records and pence per area and sex
    counts: Counter[tuple[str, str]] = Counter()
    pence: Counter[tuple[str, str]] = Counter()
    for r in rows:
        key = (r[3], {"1": "Male", "2": "Female"}[r[2]])
        counts[key] += 1
        pence[key] += int(r[6].lstrip("£").replace(",", "").replace(".", ""))
    with duckdb.connect(str(project / "jsna.duckdb"), read_only=True) as con:
        got = con.execute(
            "SELECT area_code, sex, sum(count), sum(cost) FROM events GROUP BY ALL"
        ).fetchall()
    counts[("E01000001", "Male")] += 1  # the project's first extract
    pence[("E01000001", "Male")] += 1000
    assert {(a, s): int(n) for a, s, n, _ in got} == dict(counts)
    assert {(a, s): round(c * 100) for a, s, _, c in got} == dict(pence)
    # the UTF-8 copy was made in the workspace's temporary area and is gone
    assert _folder_listing(project) == listing


def test_a_bad_record_of_a_windows_1252_extract_is_listed_with_its_row(
    project: Path, tmp_path: Path
) -> None:
    rows = _records(20)
    rows[4][2] = "é"  # a sex that is no sex, in Windows-1252
    path = tmp_path / "apc.csv"
    path.write_bytes(_text(rows).encode("cp1252"))
    before = _state(project)
    code, output = _ingest(project, path)
    assert code == 1, output
    assert "row 6, column sex" in output, output
    with Workspace.open(project / "jsna.duckdb") as ws, pytest.raises(InvalidDataError) as refused:
        ingest_file(ws, "activity", path)
    found = [(i.row, i.column, i.value) for i in refused.value.issues]
    assert found == [(6, "sex", "é")]
    assert _state(project) == before


def test_utf16_with_a_byte_order_mark_loads(project: Path, tmp_path: Path) -> None:
    rows = _records(40)
    path = tmp_path / "apc_utf16.csv"
    path.write_bytes(_text(rows).encode("utf-16"))  # with its byte-order mark
    code, output = _ingest(project, path)
    assert code == 0, output
    with duckdb.connect(str(project / "jsna.duckdb"), read_only=True) as con:
        assert con.execute("SELECT sum(count) FROM events").fetchall()[0][0] == len(rows) + 1


def test_utf16_without_a_byte_order_mark_is_named_and_loads_with_encoding(
    project: Path, tmp_path: Path
) -> None:
    rows = _records(40)
    path = tmp_path / "apc.csv"
    path.write_bytes(_text(rows).encode("utf-16-le"))
    before = _state(project)
    output = _refusal(project, path)
    assert "UTF-16" in output and "--encoding utf-16-le" in output, output
    assert _state(project) == before
    code, output = _ingest(project, path, "--encoding", "utf-16-le")
    assert code == 0, output


def _xlsx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


def _cut(raw: bytes, at: bytes, shift: int) -> bytes:
    """``raw`` cut ``shift`` bytes after an ``at`` in its middle, as a broken download is."""
    return raw[: raw.index(at, len(raw) // 2) + shift]


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (lambda text: gzip.compress(text.encode()), "gzip-compressed"),
        (lambda text: _xlsx_bytes(), "Excel workbook (.xlsx)"),
        (lambda text: bytes(range(256)) * 20, "binary file"),
        (lambda text: b"%PDF-1.7\n" + text.encode(), "PDF document"),
        (lambda text: _cut(text.encode(), b",E0100", 4), "looks truncated"),
        (lambda text: _cut(text.encode(), '"£'.encode(), 4), "inside a quoted field"),
    ],
    ids=["gzip", "xlsx", "binary", "pdf", "cut-mid-row", "cut-mid-quote"],
)
def test_a_file_that_is_not_a_csv_extract_says_what_it_is(
    project: Path, tmp_path: Path, content: object, says: str
) -> None:
    path = tmp_path / "apc.csv"
    path.write_bytes(content(_text(_records()).replace("\r\n", "\n")))  # type: ignore[operator]
    before, listing = _state(project), _folder_listing(project)
    output = _refusal(project, path)
    assert says in output, output
    assert "no age column" not in output and "SELECT" not in output, output
    assert _state(project) == before
    assert _folder_listing(project) == listing
