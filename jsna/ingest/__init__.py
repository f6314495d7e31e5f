"""Ingest: read, validate and load the files analysts have into the workspace.

The names below are imported on first use, so that importing one reader module (or the
plugin contract, which re-exports :class:`jsna.ingest.base.Source`) does not load the
whole pipeline and the plugin machinery behind it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jsna.ingest.pipeline import (
        IngestOutcome,
        SourceRegistry,
        detect_kind,
        ingest_file,
        validate_file,
    )

__all__ = ["IngestOutcome", "SourceRegistry", "detect_kind", "ingest_file", "validate_file"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from jsna.ingest import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module 'jsna.ingest' has no attribute {name!r}")
