"""Exceptions raised by jsna and the exit codes they map to.

Exit codes (see DESIGN.md): 0 success; 1 ran, but found invalid data or failed checks;
2 usage error; 3 could not run (unreadable file, bad config, plugin conflict).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jsna.vocabulary.issues import ValidationIssue

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_CANNOT_RUN = 3


class JsnaError(Exception):
    """Base class of every error jsna raises on purpose."""

    exit_code = EXIT_CANNOT_RUN

    def to_dict(self) -> dict[str, Any]:
        return {"error": type(self).__name__, "message": str(self), "exit_code": self.exit_code}


class UsageError(JsnaError):
    """The command was called wrongly (unknown kind, missing option, bad area code)."""

    exit_code = EXIT_USAGE


class UnreadableFileError(JsnaError):
    """A file could not be opened or parsed at all (missing, empty, wrong encoding, truncated)."""

    exit_code = EXIT_CANNOT_RUN


class ConfigError(JsnaError):
    """jsna.toml is missing, malformed or names something that does not exist."""

    exit_code = EXIT_CANNOT_RUN


class WorkspaceError(JsnaError):
    """The workspace database is missing, locked or from an incompatible version."""

    exit_code = EXIT_CANNOT_RUN


class PluginError(JsnaError):
    """A plugin could not be loaded, or two plugins claim the same identifier."""

    exit_code = EXIT_CANNOT_RUN


class InvalidDataError(JsnaError):
    """A file was read but some of its rows break the schema; nothing was loaded."""

    exit_code = EXIT_INVALID

    def __init__(self, message: str, issues: list[ValidationIssue] | None = None) -> None:
        super().__init__(message)
        self.issues = list(issues or [])

    def to_dict(self) -> dict[str, Any]:
        data = super().to_dict()
        data["issues"] = [issue.to_dict() for issue in self.issues]
        return data


class ChecksFailedError(JsnaError):
    """The run completed but something failed (an indicator, a check) and was reported."""

    exit_code = EXIT_INVALID


class MissingInput(JsnaError):
    """Raised by a compute function when the loaded inputs cannot give the indicator.

    The message says, in words a reader of the report understands, which input is needed and
    how to load it (``"deaths by LSOA: jsna ingest deaths FILE with LSOA codes"``). The
    indicator is then *skipped* with that reason, never *failed*: a scheduled run with partial
    inputs still exits 0.
    """

    exit_code = EXIT_INVALID
