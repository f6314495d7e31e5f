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
