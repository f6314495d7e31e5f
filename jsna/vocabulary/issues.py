"""Validation problems as data: every bad row is reported, not just the first."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class ValidationIssue:
    """One problem found in an input file.

    ``row`` is the 1-based line number in the file as a spreadsheet shows it (the header
    is row 1), or ``None`` for problems with the file as a whole.
    """

    code: str
    message: str
    file: str
    row: int | None = None
    column: str | None = None
    value: Any = None
    severity: str = ERROR

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        if data["value"] is not None:
            data["value"] = str(data["value"])
        return data

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message}"


@dataclass
class ValidationReport:
    """Everything found while validating one file."""

    file: str
    kind: str
    rows_read: int = 0
    issues: list[ValidationIssue] = field(default_factory=list)

    @property
    def errors(self) -> list[ValidationIssue]:
        return [i for i in self.issues if i.severity == ERROR]

    @property
    def warnings(self) -> list[ValidationIssue]:
        return [i for i in self.issues if i.severity == WARNING]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def bad_rows(self) -> set[int]:
        return {i.row for i in self.errors if i.row is not None}

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "kind": self.kind,
            "rows_read": self.rows_read,
            "ok": self.ok,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "issues": [i.to_dict() for i in self.issues],
        }
