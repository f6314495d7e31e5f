"""Statistical disclosure control applied when rendering (never to stored results)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jsna.report.text import fmt, is_missing


@dataclass(frozen=True)
class DisclosurePolicy:
    """Counts from ``low`` to ``high`` are shown as ``symbol``; other counts rounded to ``base``."""

    low: int = 1
    high: int = 7
    symbol: str = "*"
    rounding_base: int = 5
    round_small_area_counts: bool = True

    def count(self, value: Any, *, small_area: bool = False) -> str:
        if is_missing(value):
            return "–"
        number = float(value)
        if self.low <= number <= self.high:
            return self.symbol
        if small_area and self.round_small_area_counts and self.rounding_base > 1:
            number = self.rounding_base * round(number / self.rounding_base)
        return fmt(number, 0)

    def suppressed(self, value: Any) -> bool:
        return not is_missing(value) and self.low <= float(value) <= self.high


DEFAULT_POLICY = DisclosurePolicy()
