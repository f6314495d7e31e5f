"""Area codes that no longer exist: the local-government reorganisations of 2019-2023.

The table ``data/code_changes.csv`` lists every English local-authority code abolished by
the structural-change orders of 2019-2023, with its successor and the order that made the
change (source: the statutory instruments named in its ``source`` column and the ONS Code
History Database). It lets ingest say *why* a code is unknown ("abolished in 2023, now
E06000063") instead of only that it is.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

_TABLE = Path(__file__).with_name("data") / "code_changes.csv"


@dataclass(frozen=True)
class CodeChange:
    """One abolished code and what replaced it."""

    old_code: str
    old_name: str
    new_code: str
    new_name: str
    changed: str  # ISO date the change took effect
    reason: str
    source: str

    @property
    def year(self) -> int:
        return int(self.changed[:4])

    def describe(self) -> str:
        return (
            f"{self.old_code} ({self.old_name}) was abolished on {self.changed} "
            f"({self.reason}; now {self.new_code} {self.new_name})"
        )


@cache
def code_changes() -> dict[str, CodeChange]:
    """Abolished code -> :class:`CodeChange`, read once from the packaged table."""
    with _TABLE.open(encoding="utf-8", newline="") as handle:
        return {row["old_code"]: CodeChange(**row) for row in csv.DictReader(handle)}


def abolished(code: str) -> CodeChange | None:
    """The change that abolished ``code``, or None when the code was not abolished 2019-2023."""
    return code_changes().get(str(code).strip())


def vintage_of(code: str, known: dict[str, set[str]]) -> str | None:
    """The lookup vintages (e.g. '2011, 2017') that know ``code``, or None.

    ``known`` maps each vintage to the set of codes it contains.
    """
    hits = sorted(v for v, codes in known.items() if code in codes)
    return ", ".join(hits) if hits else None
