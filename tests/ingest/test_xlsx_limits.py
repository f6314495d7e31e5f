"""Workbooks are checked before they are unpacked: one that would unpack to more than
``--xlsx-max-mb`` (default 512 MB) or has a sheet of more than ``--xlsx-max-rows`` rows is refused
at once with a message saying so, and the workspace is left as it was."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from jsna.errors import UnreadableFileError
from jsna.ingest.readers import XLSX_MAX_MB, read_text_table
from tests.conftest import real_file
from tests.ingest.conftest import snapshot

HEADER = ["area_code", "area_name", "period", "sex", "age", "population"]
ROW = (
    b'<row r="2"><c r="A2" t="inlineStr"><is><t>E06999001</t></is></c><c r="F2"><v>10</v></c></row>'
)


def _workbook(rows: list[list[object]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _bomb(path: Path, megabytes: int) -> Path:
    """A workbook a few MB on disk whose sheet unpacks to ``megabytes`` MB of repeated rows."""
    source = zipfile.ZipFile(io.BytesIO(_workbook([HEADER])))
    block = ROW * 10_000
    repeats = megabytes * 1_000_000 // len(block) + 1
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as out:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename != "xl/worksheets/sheet1.xml":
                out.writestr(item, data)
                continue
            head, rest = data.split(b"</sheetData>")
            with out.open(item.filename, "w", force_zip64=True) as stream:
                stream.write(head)
                for _ in range(repeats):
                    stream.write(block)
                stream.write(b"</sheetData>" + rest)
    return path


@pytest.fixture(scope="module")
def bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A few MB on disk, about 560 MB unpacked (the workbook reported in issue 18)."""
    return _bomb(tmp_path_factory.mktemp("bomb") / "bomb.xlsx", XLSX_MAX_MB + 48)


def test_the_bomb_is_small_on_disk(bomb: Path) -> None:
    inflated = sum(m.file_size for m in zipfile.ZipFile(bomb).infolist())
    assert bomb.stat().st_size < 5_000_000 < XLSX_MAX_MB * 1_000_000 < inflated


def test_a_workbook_that_unpacks_too_big_is_refused_unopened(bomb: Path) -> None:
    with pytest.raises(UnreadableFileError) as caught:
        read_text_table(bomb)
    message = str(caught.value)
    assert "bomb.xlsx: the workbook unpacks to 561 MB" in message
    assert f"above the limit of {XLSX_MAX_MB} MB" in message and "--xlsx-max-mb" in message


def test_the_cli_refuses_it_and_leaves_the_workspace(project: Path, bomb: Path, cli) -> None:  # type: ignore[no-untyped-def]
    good = project / "inputs" / "good.xlsx"
    good.write_bytes(_workbook([HEADER, ["E06999001", "A", 2021, "Male", 0, 10]]))
    assert cli("ingest", "population", good, cwd=project)[0] == 0
    before = snapshot(project / "jsna.duckdb")
    code, out, err = cli("ingest", "population", bomb, cwd=project)
    assert code == 3, out + err
    assert "unpacks to 561 MB" in out + err and "Traceback" not in out + err
    assert snapshot(project / "jsna.duckdb") == before


def test_the_size_limit_is_configurable(tmp_path: Path) -> None:
    path = _bomb(tmp_path / "ten.xlsx", 10)
    with pytest.raises(UnreadableFileError, match="above the limit of 5 MB"):
        read_text_table(path, xlsx_max_mb=5)
    with pytest.raises(UnreadableFileError, match=r"more than 1,000 rows"):
        read_text_table(path, xlsx_max_mb=20, xlsx_max_rows=1000)


def test_too_many_rows_is_refused(tmp_path: Path, cli, project: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "rows.xlsx"
    rows: list[list[object]] = [HEADER]
    rows += [["E06999001", "A", 2021, "Male", a % 91, 10] for a in range(60)]
    path.write_bytes(_workbook(rows))
    code, out, err = cli("ingest", "population", path, "--xlsx-max-rows", "50", cwd=project)
    assert code == 3, out + err
    assert "sheet 'Sheet' has more than 50 rows" in out + err and "--xlsx-max-rows" in out + err
    code, out, err = cli("validate", "population", path, "--xlsx-max-rows", "61", cwd=project)
    assert "more than" not in out + err


def test_options_in_jsna_toml(tmp_path: Path) -> None:
    from jsna.config import load_config

    (tmp_path / "jsna.toml").write_text(
        '[[inputs]]\nkind = "population"\npath = "p.xlsx"\nxlsx_max_mb = 64\nxlsx_max_rows = 5000\n',
        encoding="utf-8",
    )
    options = load_config(tmp_path / "jsna.toml").inputs[0].read_options()
    assert options.read_limits() == {"xlsx_max_mb": 64, "xlsx_max_rows": 5000}


def test_a_truncated_workbook_says_so(tmp_path: Path) -> None:
    data = _workbook([HEADER, ["E06999001", "A", 2021, "Male", 0, 10]])
    path = tmp_path / "cut.xlsx"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(UnreadableFileError, match=r"cut\.xlsx: not a readable \.xlsx workbook"):
        read_text_table(path)


def test_real_workbook_reads_within_the_default_limits() -> None:
    path = real_file("dementia_prevalence_cfas2/dementia-reference-rates.xlsx")
    table = read_text_table(path)
    assert len(table.frame) > 0
