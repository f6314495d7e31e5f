"""The analyst's narrative files: which one applies to an area, and starter text that is never published.

``jsna init`` writes starter files that say what to write. Until the analyst replaces that text,
the file is treated as absent, so the report shows its "not yet supplied" note rather than the
instructions. A file counts as starter text when it carries the starter marker, or when its text,
with Markdown comments removed and whitespace normalised, is one that ``jsna init`` has written.
"""

from __future__ import annotations

import re
from pathlib import Path

#: first line of every starter file; the file is published only once this line is removed
STARTER_MARKER = "<!-- jsna starter text: replace it with your own; until then the report says this is not yet supplied -->"

#: the starter files ``jsna init`` writes, by file name
STARTER_FILES = {
    "voice.md": "# What service users tell us\n\nSummarise Healthwatch reports, complaints and compliments, "
    "and engagement findings here.\n",
    "public_demands.md": "# What residents ask for\n\nSummarise consultations, petitions, councillor and MP "
    "enquiries here.\n",
}

#: every starter text jsna has shipped (earlier versions included), so older projects are recognised too
_SHIPPED = (
    *STARTER_FILES.values(),
    "# What service users tell us\n\nSummarise Healthwatch reports, complaints and compliments, "
    "and engagement findings here. This text appears in section 5 of the report.\n",
    "# What residents ask for\n\nSummarise consultations, petitions, councillor and MP "
    "enquiries here. This text appears in section 6 of the report.\n",
)

_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def starter_file(name: str) -> str:
    """The text ``jsna init`` writes for narrative file ``name``: the marker line, then the prompt."""
    return f"{STARTER_MARKER}\n{STARTER_FILES[name]}"


def _normal(text: str) -> str:
    return " ".join(_COMMENT.sub(" ", text).split())


_SHIPPED_NORMAL = frozenset(_normal(t) for t in _SHIPPED)


def is_starter(text: str) -> bool:
    """True when ``text`` is starter text (marked, or as shipped) or empty once comments are removed."""
    if STARTER_MARKER in text:
        return True
    normal = _normal(text)
    return not normal or normal in _SHIPPED_NORMAL


def narrative_text(narrative_dir: Path, section: str, area_code: str | None) -> str:
    """The Markdown to publish for ``section`` and ``area_code`` (comments removed), or '' for none.

    An area's own file wins; a starter-only area file falls back to the shared file.
    """
    candidates = [narrative_dir / area_code / f"{section}.md"] if area_code else []
    candidates.append(narrative_dir / f"{section}.md")
    for path in candidates:
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            if not is_starter(text):
                return _COMMENT.sub("", text).strip() + "\n"
    return ""


#: the only images kept as images: embedded in the Markdown itself, so nothing is fetched
_EMBEDDED_IMAGE = re.compile(r"data:image/(png|jpeg|gif|webp);", re.IGNORECASE)


def narrative_html(text: str) -> str:
    """The narrative Markdown as HTML (CommonMark and tables; raw HTML is not passed through).

    The report is one self-contained file that never fetches anything, so an image is kept only
    when it is embedded in the Markdown (a ``data:image/...`` URI); any other image
    (``![chart](https://...)`` or a file path) becomes a link to its address, named by its alt text.
    Narrative headings are moved two levels down, to sit below the section's ``h2``.
    """
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False}).enable("table")

    def image(renderer, tokens, idx, options, env):  # type: ignore[no-untyped-def]
        token = tokens[idx]
        src = str(token.attrGet("src") or "")
        if _EMBEDDED_IMAGE.match(src):
            token.attrSet("alt", renderer.renderInlineAsText(token.children or [], options, env))
            return renderer.renderToken(tokens, idx, options, env)
        from html import escape

        alt = renderer.renderInlineAsText(token.children or [], options, env).strip()
        label = escape(alt or src)
        return (
            f'<a class="narrative-image-link" href="{escape(src)}">{label}</a>'
            " <small>(image not embedded: the report fetches nothing)</small>"
        )

    md.add_render_rule("image", image)
    html = md.render(text)
    for level in (4, 3, 2, 1):
        html = html.replace(f"<h{level}>", f"<h{min(level + 2, 6)}>").replace(
            f"</h{level}>", f"</h{min(level + 2, 6)}>"
        )
    return html
