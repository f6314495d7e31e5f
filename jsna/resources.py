"""Where the bundled templates and sample data are, installed or in a source checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _bundled(name: str, checkout: Path) -> Path:
    installed = _PACKAGE / "_bundled" / name
    if installed.is_dir():
        return installed
    return checkout


def templates_dir() -> Path:
    """The report templates (``templates/`` in a checkout, ``jsna/_bundled/templates`` in a wheel)."""
    return _bundled("templates", _PACKAGE.parent / "templates")


def samples_dir() -> Path:
    """The synthetic sample inputs (``data/samples/`` in a checkout)."""
    return _bundled("samples", _PACKAGE.parent / "data" / "samples")
