"""Every exception jsna raises on purpose, and the exit codes they map to.

Exit codes (see DESIGN.md and the README): 0 success; 1 ran, but found invalid data or failed
checks; 2 usage error; 3 could not run (unreadable file, bad config, plugin conflict). Anything
that is not a :class:`JsnaError` reaching the command line is a bug in jsna (exit code 3, with
an "internal error, please report it" line; the traceback only with ``--debug``).

The statistical methods (``jsna.indicators.methods``) raise plain ``ValueError`` when the data
or settings cannot give a figure; the public functions of :mod:`jsna.api` turn those into an
:class:`AnalysisError` with :func:`analysis_errors`, so a user's mistake never reaches the
command line as a traceback.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, ParamSpec, Protocol, TypeVar

if TYPE_CHECKING:
    from jsna.vocabulary.issues import ValidationIssue

_P = ParamSpec("_P")
_R = TypeVar("_R")

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


class EngineError(JsnaError):
    """The engine asked for cannot run here (pyspark or Java missing, Spark unreachable)."""

    exit_code = EXIT_CANNOT_RUN


class ConfigError(JsnaError):
    """jsna.toml is missing, malformed or names something that does not exist."""

    exit_code = EXIT_CANNOT_RUN


class TemplateError(ConfigError):
    """A report template (a user's override or the bundled one) could not be loaded or rendered:
    a syntax error, an unknown name, a template that extends itself, a path outside the template
    folders, or something the sandbox forbids. The message names the template and line."""


class WorkspaceError(JsnaError):
    """The workspace database is missing, locked or from an incompatible version."""

    exit_code = EXIT_CANNOT_RUN


class WorkspaceBusyError(WorkspaceError):
    """Another command held the workspace for longer than this one was told to wait
    (``--wait SECONDS``); the message names the holder when it is known."""


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


class AnalysisError(JsnaError):
    """An analysis or indicator could not be computed from the data or settings given.

    Raised at the library boundary in place of a method's ``ValueError``; the message names
    what was being computed and what to change.
    """

    exit_code = EXIT_INVALID


class PluginConflictError(PluginError):
    """Two plugins claim one identifier: an error at load time (exit code 3)."""


class _Table(Protocol):
    """What :class:`MissingColumnError` needs of a table read from a file."""

    @property
    def label(self) -> str: ...

    @property
    def frame(self) -> Any: ...


class MissingColumnError(InvalidDataError):
    """A file lacks a column its kind needs; the message lists the columns found (exit code 1)."""

    def __init__(self, table: _Table, what: str, aliases: tuple[str, ...]) -> None:
        self.table = table
        found = ", ".join(repr(c) for c in table.frame.columns)
        names = ", ".join(repr(a) for a in aliases[:6])
        super().__init__(
            f"{table.label}: no {what} column; expected one named {names}; found {found}. "
            f"Use --map SOURCE=CANONICAL to name it."
        )


@contextmanager
def analysis_errors(what: str) -> Iterator[None]:
    """Turn a ``ValueError`` raised inside the block into an :class:`AnalysisError`.

    ``what`` says what was being computed (``"projections for E08000009"``); the message is
    ``"<what>: <the method's message>"`` followed by what to change. A :class:`JsnaError`
    passes through unchanged.
    """
    try:
        yield
    except JsnaError:
        raise
    except ValueError as exc:
        raise AnalysisError(
            f"{what}: {exc}. Check the loaded inputs and the settings in jsna.toml "
            "(jsna inputs lists the files; jsna run --check validates the config)"
        ) from exc


def user_errors(what: str) -> Callable[[Callable[_P, _R]], Callable[_P, _R]]:
    """Decorator form of :func:`analysis_errors` for a public API function."""

    def decorate(func: Callable[_P, _R]) -> Callable[_P, _R]:
        @functools.wraps(func)
        def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
            with analysis_errors(what):
                return func(*args, **kwargs)

        return wrapper

    return decorate
