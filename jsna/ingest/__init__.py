"""Ingest: read, validate and load the files analysts have into the workspace."""

from jsna.ingest.pipeline import (
    IngestOutcome,
    SourceRegistry,
    detect_kind,
    ingest_file,
    validate_file,
)

__all__ = ["IngestOutcome", "SourceRegistry", "detect_kind", "ingest_file", "validate_file"]
