"""The demo report in a real browser: Playwright driving Debian's Chromium, offline."""

from __future__ import annotations

import os
import shutil
from itertools import pairwise
from pathlib import Path

import pytest

from jsna.vocabulary.sections import SECTIONS

pytestmark = pytest.mark.browser

#: where a full-page screenshot of the demo report is saved, when asked for (it takes seconds)
ARTIFACTS = os.environ.get("JSNA_TEST_ARTIFACTS")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def page_report(demo_project: Path):  # type: ignore[no-untyped-def]
    executable = shutil.which("chromium")
    if executable is None:
        pytest.skip("chromium is not on PATH (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    html = next((demo_project / "output").glob("jsna-*.html"))
    requests: list[str] = []
    errors: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1200, "height": 900})

        def route(r):  # type: ignore[no-untyped-def]
            url = r.request.url
            if url.startswith(("file:", "data:")):
                return r.continue_()
            requests.append(url)
            return r.abort()

        page.route("**/*", route)
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(html.as_uri())
        page.wait_for_load_state("load")
        yield page, requests, errors
        if ARTIFACTS:
            Path(ARTIFACTS).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(ARTIFACTS) / "demo-report.png"), full_page=True)
        browser.close()


def test_ten_sections_in_order(page_report) -> None:  # type: ignore[no-untyped-def]
    page, _, _ = page_report
    headings = page.locator("section.jsna-section > h2").all_inner_texts()
    titles = [" ".join(h.split()) for h in headings]
    assert titles == [f"{s.number} {s.title}" for s in SECTIONS]


def test_contents_links_reach_their_targets(page_report) -> None:  # type: ignore[no-untyped-def]
    page, _, _ = page_report
    hrefs = page.locator("nav.contents a").evaluate_all(
        "els => els.map(e => e.getAttribute('href'))"
    )
    assert len(hrefs) == len(SECTIONS) + 3
    for href in hrefs:
        assert href.startswith("#")
        assert page.locator(href).count() == 1, href
    page.locator("nav.contents a").nth(3).click()
    assert page.evaluate("location.hash") == hrefs[3]
    assert page.evaluate(f"document.querySelector('{hrefs[3]}').getBoundingClientRect().top") < 50


def test_no_request_leaves_the_file_and_no_console_errors(page_report) -> None:  # type: ignore[no-untyped-def]
    page, requests, errors = page_report
    assert page.locator("svg").count() >= 5
    assert requests == []
    assert errors == []


def test_accessibility_basics(page_report) -> None:  # type: ignore[no-untyped-def]
    page, _, _ = page_report
    for landmark in ("header[role=banner]", "nav", "main", "footer[role=contentinfo]"):
        assert page.locator(landmark).count() == 1, landmark
    levels = page.locator("h1, h2, h3, h4, h5, h6").evaluate_all(
        "els => els.map(e => Number(e.tagName[1]))"
    )
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b - a <= 1 for a, b in pairwise(levels)), "a heading level is skipped"
    unlabelled = page.locator("figure svg:not([role=img])").count()
    assert unlabelled == 0
    titles = page.locator("figure svg > title").all_text_contents()
    assert titles and all(len(t) > 20 for t in titles)
    assert page.locator("table thead th[scope=col]").count() > 0
    assert page.locator("img:not([alt])").count() == 0
