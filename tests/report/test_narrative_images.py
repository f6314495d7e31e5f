"""The narrative cannot make the report fetch anything: an image that is not embedded in the
Markdown becomes a link to its address; only ``data:image/...`` images stay images."""

from __future__ import annotations

import re

import pytest

from jsna.report.narrative import narrative_html


@pytest.mark.parametrize(
    "source",
    [
        "https://evil.example/pixel.png",
        "http://evil.example/track.gif?who=analyst",
        "//evil.example/x.png",
        "file:///etc/passwd",
        "images/local-chart.png",
    ],
)
def test_an_image_by_address_becomes_a_link(source: str) -> None:
    html = narrative_html(f"Before.\n\n![Ward map]({source})\n")
    assert "<img" not in html
    assert not re.search(r"\bsrc=", html)
    if source.startswith("file:"):  # the Markdown renderer refuses it: left as plain text
        assert "href=" not in html and "![Ward map](file:///etc/passwd)" in html
    else:
        assert f'href="{source.replace("&", "&amp;")}"' in html
        assert ">Ward map</a>" in html and "image not embedded" in html


def test_an_embedded_image_stays_an_image() -> None:
    uri = "data:image/png;base64,iVBORw0KGgo="
    html = narrative_html(f"![A small chart]({uri})")
    assert f'<img src="{uri}" alt="A small chart"' in html


def test_raw_html_images_are_not_passed_through() -> None:
    html = narrative_html('<img src="https://evil.example/x.png">\n\n<p>text</p>')
    assert "<img" not in html


def test_the_rendered_demo_report_has_no_remote_address_to_fetch(demo_html: str) -> None:
    fetched = re.findall(r'(?:src|srcset|poster|data)="(?!data:)([^"]+)"', demo_html)
    assert fetched == []
    assert not re.search(r"url\((?!\s*['\"]?(data:|#))", demo_html)
