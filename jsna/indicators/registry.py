"""Finding indicators (entry points), checking them, and running them into the results table."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from jsna.errors import PluginError
from jsna.indicators.spec import REQUIRED_RESULT_COLUMNS, Indicator
from jsna.plugins import INDICATOR_GROUP, PluginFailure, load_group

if TYPE_CHECKING:
    import pandas as pd

    from jsna.indicators.context import ComputeContext


class IndicatorRegistry:
    """Indicators by id. Build with :meth:`from_entry_points`, or empty for tests."""

    def __init__(self) -> None:
        self.indicators: dict[str, Indicator] = {}
        self.origin: dict[str, str] = {}
        self.versions: dict[str, str | None] = {}
        self.failures: list[PluginFailure] = []

    def register(self, indicator: Indicator, origin: str = "jsna", version: str | None = None) -> None:
        """Add an indicator; an invalid declaration or a clashing id raises :class:`PluginError`."""
        if not isinstance(indicator, Indicator):
            raise PluginError(f"{origin}: {indicator!r} is not a jsna Indicator")
        problems = indicator.problems()
        if problems:
            raise PluginError(f"{origin}: indicator {indicator.id!r} is invalid: {'; '.join(problems)}")
        if indicator.id in self.indicators:
            raise PluginError(
                f"indicator id {indicator.id!r} is declared by both {self.origin[indicator.id]} and {origin}")
        self.indicators[indicator.id] = indicator
        self.origin[indicator.id] = origin
        self.versions[indicator.id] = version

    @classmethod
    def from_entry_points(cls) -> IndicatorRegistry:
        """Every indicator from the ``jsna.indicators`` entry points.

        A plugin that fails to import or declares an invalid indicator is recorded in
        ``failures`` and skipped; two plugins claiming one id is a :class:`PluginError`.
        """
        registry = cls()
        loaded, failures = load_group(INDICATOR_GROUP)
        registry.failures.extend(failures)
        for ep in loaded:
            for obj in ep.objects:
                try:
                    registry.register(obj, origin=ep.distribution or ep.name, version=ep.version)
                except PluginError as exc:
                    if "declared by both" in str(exc):
                        raise
                    registry.failures.append(PluginFailure(INDICATOR_GROUP, ep.name, ep.value, str(exc),
                                                           ep.distribution))
        if not registry.indicators and not failures:  # a source tree that was never installed
            from jsna.indicators.builtin import INDICATORS

            for ind in INDICATORS:
                registry.register(ind)
        return registry

    def get(self, indicator_id: str) -> Indicator:
        from jsna.errors import UsageError

        if indicator_id not in self.indicators:
            raise UsageError(f"no indicator {indicator_id!r}; see jsna indicators list")
        return self.indicators[indicator_id]

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(sorted(self.indicators.values(), key=lambda i: (i.section, i.id)))


@dataclass
class IndicatorRun:
    id: str
    status: str  # computed | skipped | failed
    rows: int = 0
    seconds: float = 0.0
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "status": self.status, "rows": self.rows,
                "seconds": round(self.seconds, 3), "reason": self.reason}


@dataclass
class ComputeResult:
    runs: list[IndicatorRun] = field(default_factory=list)
    plugin_failures: list[PluginFailure] = field(default_factory=list)
    rows: int = 0

    @property
    def failed(self) -> list[IndicatorRun]:
        return [r for r in self.runs if r.status == "failed"]

    @property
    def ok(self) -> bool:
        return not self.failed and not self.plugin_failures

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "computed": [r.to_dict() for r in self.runs if r.status == "computed"],
            "skipped": [r.to_dict() for r in self.runs if r.status == "skipped"],
            "failed": [r.to_dict() for r in self.failed],
            "plugin_failures": [f.to_dict() for f in self.plugin_failures],
        }


_INGEST_HINT = {
    "population": "jsna ingest population FILE",
    "events": "jsna ingest deaths FILE (or jsna ingest events FILE)",
    "indicator_values": "jsna ingest fingertips FILE",
    "areas": "jsna ingest boundaries FILE",
    "lookups": "jsna ingest lookup FILE",
    "deprivation": "jsna ingest deprivation FILE",
}


def check_result_frame(indicator: Indicator, frame: pd.DataFrame) -> list[str]:
    """Problems with what an indicator returned (empty list when it is usable)."""
    import numpy as np
    import pandas as pd

    problems = []
    if not isinstance(frame, pd.DataFrame):
        return [f"compute returned {type(frame).__name__}, not a DataFrame"]
    missing = [c for c in REQUIRED_RESULT_COLUMNS if c not in frame.columns]
    if missing:
        problems.append(f"result lacks columns {missing}")
        return problems
    if not pd.api.types.is_numeric_dtype(frame["value"]):
        problems.append(f"value column is {frame['value'].dtype}, not numeric")
        return problems
    for level in ("95", "99_8"):
        lo, hi = f"lower_ci_{level}", f"upper_ci_{level}"
        if lo in frame and hi in frame:
            v, low, up = (frame[c].to_numpy(dtype="float64") for c in ("value", lo, hi))
            tol = 1e-9 * np.maximum(1.0, np.abs(v))
            bad = (~np.isnan(low) & ~np.isnan(v) & (low > v + tol)) | (~np.isnan(up) & ~np.isnan(v) & (up < v - tol))
            if bad.any():
                problems.append(f"{int(bad.sum())} rows have {level.replace('_', '.')}% limits that do not bracket the value")
    return problems


def run_indicators(ctx: ComputeContext, registry: IndicatorRegistry,
                   disabled: tuple[str, ...] = (), progress: Any = None) -> tuple[pd.DataFrame, ComputeResult]:
    """Run every enabled indicator; returns the results frame and what happened to each."""
    import pandas as pd

    from jsna.indicators.finish import finish_results

    result = ComputeResult(plugin_failures=list(registry.failures))
    frames = []
    indicators = [i for i in registry if i.id not in disabled]
    for ind in indicators:
        if progress:
            progress(ind.id)
        missing = [t for t in ind.requires if not ctx.has(t)]
        if missing:
            hints = "; ".join(_INGEST_HINT.get(t, t) for t in missing)
            result.runs.append(IndicatorRun(ind.id, "skipped", reason=f"needs {', '.join(missing)}: {hints}"))
            continue
        start = time.perf_counter()
        try:
            frame = ind.compute(ctx)
        except Exception as exc:  # a broken indicator is reported by name; the others carry on
            result.runs.append(IndicatorRun(ind.id, "failed", seconds=time.perf_counter() - start,
                                            reason=f"{type(exc).__name__}: {exc}"))
            continue
        problems = check_result_frame(ind, frame)
        if problems:
            result.runs.append(IndicatorRun(ind.id, "failed", seconds=time.perf_counter() - start,
                                            reason="; ".join(problems)))
            continue
        if len(frame) == 0:
            result.runs.append(IndicatorRun(ind.id, "skipped", seconds=time.perf_counter() - start,
                                            reason="no rows: the inputs it needs hold no matching data"))
            continue
        frames.append(_with_metadata(frame, ind))
        result.runs.append(IndicatorRun(ind.id, "computed", rows=len(frame), seconds=time.perf_counter() - start))
    combined = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    results = finish_results(combined, ctx, registry)
    result.rows = len(results)
    return results, result


def _with_metadata(frame: pd.DataFrame, ind: Indicator) -> pd.DataFrame:
    frame = frame.copy()
    defaults = {
        "indicator_id": ind.id, "indicator_name": ind.title, "section": ind.section, "unit": ind.unit,
        "polarity": ind.polarity, "method": ind.method, "source": ind.source, "sex": "Persons",
        "age": "All ages",
    }
    for col, val in defaults.items():
        if col not in frame.columns:
            frame[col] = val
        else:
            frame[col] = frame[col].fillna(val) if col not in {"method"} else frame[col].fillna(val)
    return frame
