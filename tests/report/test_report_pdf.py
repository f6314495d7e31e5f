"""The PDF: A4 pages, section headings as text, fonts embedded, tagged, charts drawn."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from jsna.vocabulary.sections import SECTIONS


@pytest.fixture(scope="module")
def pdf(demo_pdf: Path) -> Path:
    assert demo_pdf.exists(), "the demo run wrote no PDF"
    return demo_pdf


def test_pages_text_and_fonts(pdf: Path) -> None:
    pypdf = pytest.importorskip("pypdf")
    reader = pypdf.PdfReader(str(pdf))
    # ten sections, the allocation, cohort and GP practice parts, and the methods appendix: a
    # runaway table or a page per row would blow well past this
    assert 10 <= len(reader.pages) <= 150
    width, height = (float(v) for v in reader.pages[0].mediabox.upper_right)
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    text = "\n".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)
    for section in SECTIONS:
        assert section.title in text, section.title
    assert f"Page 2 of {len(reader.pages)}" in text
    fonts = set()
    for page in reader.pages:
        resources = page.get("/Resources") or {}
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            descendant = font.get("/DescendantFonts")
            descriptor = (descendant[0].get_object() if descendant else font).get("/FontDescriptor")
            descriptor = descriptor.get_object()
            embedded = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            fonts.add((str(font.get("/BaseFont")), embedded))
    assert fonts and all(embedded for _, embedded in fonts), fonts
    catalog = reader.trailer["/Root"]
    assert "/StructTreeRoot" in catalog  # tagged PDF (PDF/UA variant)
    assert catalog["/MarkInfo"]["/Marked"]


def test_charts_are_not_blank(pdf: Path, tmp_path: Path) -> None:
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm is not on PATH (apt-get install poppler-utils)")
    import numpy as np
    from PIL import Image

    subprocess.run(["pdftoppm", "-png", "-r", "40", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert pages
    coloured = 0
    for path in pages:
        pixels = np.asarray(Image.open(path).convert("RGB"), dtype=int)
        # chart colours (palette blues/teals, RAG fills) rather than text greys
        saturated = (pixels.max(axis=2) - pixels.min(axis=2)) > 60
        if saturated.mean() > 0.02:
            coloured += 1
    assert coloured >= 4, f"only {coloured} pages show chart colour"


def test_every_table_starts_on_the_page_of_its_caption(pdf: Path, demo_html: str) -> None:
    """No caption is left at the foot of a page with its table on the next, nor alone on a page
    before an appendix row too tall to follow it: the caption's text and its table's first
    heading are on the same page, in that order."""
    import html
    import re

    pypdf = pytest.importorskip("pypdf")
    pages = [" ".join((p.extract_text() or "").split()) for p in pypdf.PdfReader(str(pdf)).pages]
    tables = re.findall(
        r'<caption>(.*?)</caption>\s*<thead><tr><th scope="col"[^>]*>(.*?)</th>', demo_html, re.S
    )
    assert len(tables) > 30
    assert "Indicators in this report" in {t[0] for t in tables}  # the appendices are checked too
    start, apart = 0, []
    for caption, heading in tables:
        caption = " ".join(html.unescape(re.sub(r"<[^>]+>", "", caption)).split())
        first_word = html.unescape(heading).split()[0]
        found = [n for n in range(start, len(pages)) if caption in pages[n]]
        assert found, caption
        start = found[0]
        after = pages[start][pages[start].index(caption) + len(caption) :]
        if first_word not in after:
            apart.append((start + 1, caption))
    assert not apart, apart
