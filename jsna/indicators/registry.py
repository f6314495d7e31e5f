"""Listing indicators, checking what they return, and running them into the results table.

The indicators themselves come from :class:`jsna.plugins.IndicatorRegistry` (the
``jsna.indicators`` entry points, jsna's own included); it is re-exported here.
"""

from __future__ import annotations

import time
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jsna.indicators.spec import REQUIRED_RESULT_COLUMNS, Indicator, MissingInput
from jsna.plugins import IndicatorRegistry, PluginFailure

if TYPE_CHECKING:
    import pandas as pd

    from jsna.indicators.context import ComputeContext

__all__ = [
    "ComputeResult",
    "IndicatorListing",
    "IndicatorRegistry",
    "IndicatorRun",
    "check_result_frame",
    "list_indicators",
    "run_indicators",
    "unknown_indicator_settings",
]


def unknown_indicator_settings(settings: Any, known: Collection[str]) -> list[tuple[str, str]]:
    """The settings of ``[indicators]`` in ``jsna.toml`` (``settings``) that name indicators
    not in ``known``: one ``(setting, message)`` per setting (``disabled``, ``options``), the
    message naming each unknown id, the known id closest to it, and every known id. A typo
    there would otherwise leave an indicator on, or its options unused, without a word."""
    import difflib

    found = []
    for setting, ids in (("disabled", settings.disabled), ("options", settings.options)):
        unknown = [i for i in ids if i not in known]
        if not unknown:
            continue
        names = []
        for ident in unknown:
            close = difflib.get_close_matches(ident, list(known), n=1)
            names.append(f"{ident!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        found.append(
            (
                setting,
                f"indicators.{setting} names unknown indicator(s) {', '.join(names)}; the "
                f"indicators are: {', '.join(sorted(known))} (jsna indicators list)",
            )
        )
    return found


@dataclass
class IndicatorListing:
    """Indicators with their declaration, where they come from and whether their inputs are loaded."""

    indicators: list[dict[str, Any]]
    failures: list[PluginFailure]
    workspace: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "workspace": self.workspace,
            "indicators": self.indicators,
            "failures": [f.to_dict() for f in self.failures],
        }


def table_rows(workspace_path: Path | None) -> dict[str, int] | None:
    """Rows in each canonical table of the workspace (None when there is no workspace yet)."""
    from jsna.indicators.spec import TABLES_AVAILABLE
    from jsna.workspace import Workspace

    if workspace_path is None or not Path(workspace_path).exists():
        return None
    with Workspace.open(Path(workspace_path), read_only=True) as ws:
        names = {
            row[0]
            for row in ws.con.execute("SELECT table_name FROM information_schema.tables").fetchall()
        }
        return {t: (ws.count(t) if t in names else 0) for t in TABLES_AVAILABLE}


def list_indicators(
    workspace_path: Path | None = None,
    *,
    indicator_id: str | None = None,
    registry: IndicatorRegistry | None = None,
) -> IndicatorListing:
    """Every registered indicator (or one), with which of its inputs the workspace holds.

    Each entry has the declaration (:meth:`Indicator.describe`), ``origin`` and ``version``
    (the package that provides it), and ``inputs``: one ``{"table", "rows", "present",
    "hint"}`` per required table. For one indicator (``indicator_id``) with a workspace, its
    ``needs`` check also runs, so ``missing`` lists, in words, every input still missing
    (tables with no rows, then what the loaded rows lack, such as deaths from all causes);
    ``ready`` is true when nothing is missing.
    """
    registry = registry or IndicatorRegistry.from_entry_points()
    chosen = [registry.get(indicator_id)] if indicator_id else list(registry)
    rows = table_rows(workspace_path)
    out = []
    for ind in chosen:
        inputs = []
        for table in ind.requires:
            count = None if rows is None else rows.get(table, 0)
            inputs.append(
                {
                    "table": table,
                    "rows": count,
                    "present": bool(count),
                    "what": INPUT_WORDS.get(table, table),
                    "hint": ""
                    if count
                    else _INGEST_HINT.get(table, f"jsna ingest a file that fills {table}"),
                }
            )
        missing = [f"{i['what']} ({i['hint']})" for i in inputs if not i["present"]]
        if indicator_id and rows is not None and not missing and ind.needs is not None:
            missing = _needs(ind, Path(workspace_path))  # type: ignore[arg-type]
        if rows is None:
            missing = [f"{i['what']} ({i['hint']})" for i in inputs]
        out.append(
            dict(
                ind.describe(),
                origin=registry.origin[ind.id],
                version=registry.versions.get(ind.id),
                inputs=inputs,
                missing=missing,
                ready=not missing,
            )
        )
    return IndicatorListing(
        indicators=out,
        failures=list(registry.failures),
        workspace=str(workspace_path) if rows is not None else None,
    )


def _needs(ind: Indicator, workspace_path: Path) -> list[str]:
    """What the workspace's rows still lack for ``ind``, from its ``needs`` check."""
    from jsna.indicators.context import ComputeContext
    from jsna.indicators.spec import MissingInput
    from jsna.workspace import Workspace

    with Workspace.open(workspace_path, read_only=True) as ws:
        try:
            ind.needs(ComputeContext(ws))  # type: ignore[misc]
        except MissingInput as exc:
            return [str(exc)]
    return []


@dataclass
class IndicatorRun:
    id: str
    status: str  # computed | skipped | failed
    rows: int = 0
    seconds: float = 0.0
    reason: str = ""
    #: the indicator's title, for readers of a report
    title: str = ""
    #: why it is not in the report, in words (no exception text): what is missing, or that it failed
    report_reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "rows": self.rows,
            "seconds": round(self.seconds, 3),
            "reason": self.reason,
        }

    def to_report(self) -> dict[str, str]:
        """``{"id", "reason"}`` as a published report lists it: the title and a reason in words."""
        return {"id": self.title or self.id, "reason": self.report_reason or self.reason}


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


#: each canonical table an indicator may need, in words
INPUT_WORDS = {
    "population": "population estimates by age and sex",
    "events": "counts of deaths or of service activity by age and sex",
    "indicator_values": "published indicator values (a Fingertips download)",
    "areas": "area boundaries",
    "lookups": "a lookup from small areas to wards and local authorities",
    "deprivation": "deprivation by LSOA (Index of Multiple Deprivation)",
}

_INGEST_HINT = {
    "population": "jsna ingest population FILE",
    "events": "jsna ingest deaths FILE (or jsna ingest events FILE)",
    "indicator_values": "jsna ingest fingertips FILE",
    "areas": "jsna ingest boundaries FILE",
    "lookups": "jsna ingest lookup FILE",
    "deprivation": "jsna ingest deprivation FILE",
    "survey": "jsna ingest survey FILE (question, response, percentage, base by area)",
    "registrations": "jsna ingest registrations FILE (NHS Digital patients registered at a GP practice)",
}


#: result columns that must be numbers when a compute function returns them
NUMERIC_RESULT_COLUMNS = (
    "value",
    "lower_ci_95",
    "upper_ci_95",
    "lower_ci_99_8",
    "upper_ci_99_8",
    "count",
    "denominator",
)
#: result columns that must be text when returned
TEXT_RESULT_COLUMNS = (
    "indicator_id",
    "area_code",
    "period",
    "sex",
    "age",
    "category_type",
    "category",
    "value_note",
)
#: the columns that identify one row of an indicator's results
RESULT_KEY = ("indicator_id", "area_code", "period", "sex", "age", "category_type", "category")
_SEXES = ("Male", "Female", "Persons")


def check_result_frame(indicator: Indicator, frame: pd.DataFrame) -> list[str]:
    """Problems with what an indicator returned (empty list when it is usable).

    Checks: a DataFrame; the required columns; numeric columns are numbers (finite, counts
    and denominators >= 0); text columns are text with no missing area codes or periods;
    ``sex`` is Male/Female/Persons; 95% and 99.8% limits bracket the value; one row per
    indicator x area x period x sex x age x category. Columns outside the results schema
    are ignored.
    """
    import numpy as np
    import pandas as pd

    if not isinstance(frame, pd.DataFrame):
        return [f"compute returned {type(frame).__name__}, not a DataFrame"]
    missing = [c for c in REQUIRED_RESULT_COLUMNS if c not in frame.columns]
    if missing:
        return [
            f"result lacks columns {missing}; it must have {', '.join(REQUIRED_RESULT_COLUMNS)}"
        ]
    problems = []
    for col in NUMERIC_RESULT_COLUMNS:
        if col not in frame.columns:
            continue
        series = frame[col]
        if series.isna().all():
            continue
        if not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
            problems.append(f"column {col} is {series.dtype}, not numeric")
            continue
        values = series.to_numpy(dtype="float64", na_value=np.nan)
        if np.isinf(values).any():
            problems.append(f"column {col} has {int(np.isinf(values).sum())} infinite values")
        if col in {"count", "denominator"} and (values < 0).any():
            problems.append(f"column {col} has {int((values < 0).sum())} negative values")
    for col in TEXT_RESULT_COLUMNS:
        if col not in frame.columns:
            continue
        present = frame[col].dropna()
        not_text = present[~present.map(lambda v: isinstance(v, str))]
        if len(not_text):
            first = not_text.iloc[0]
            first = first.item() if hasattr(first, "item") else first
            problems.append(f"column {col} must be text, got {first!r} ({type(first).__name__})")
    for col in ("area_code", "period"):
        blank = frame[col].isna() | frame[col].astype("string").str.strip().eq("")
        if blank.any():
            problems.append(f"{int(blank.sum())} rows have no {col}")
    if "sex" in frame.columns:
        bad_sex = frame["sex"].dropna()
        bad_sex = bad_sex[~bad_sex.isin(_SEXES)]
        if len(bad_sex):
            problems.append(f"sex must be one of {', '.join(_SEXES)}, got {bad_sex.iloc[0]!r}")
    if problems:
        return problems
    for level in ("95", "99_8"):
        lo, hi = f"lower_ci_{level}", f"upper_ci_{level}"
        if lo in frame and hi in frame:
            v, low, up = (
                frame[c].to_numpy(dtype="float64", na_value=np.nan) for c in ("value", lo, hi)
            )
            tol = 1e-9 * np.maximum(1.0, np.abs(v))
            bad = (~np.isnan(low) & ~np.isnan(v) & (low > v + tol)) | (
                ~np.isnan(up) & ~np.isnan(v) & (up < v - tol)
            )
            if bad.any():
                first = int(np.flatnonzero(bad)[0])
                problems.append(
                    f"{int(bad.sum())} rows have {level.replace('_', '.')}% limits that do not bracket "
                    f"the value (first: area {frame['area_code'].iloc[first]}, period "
                    f"{frame['period'].iloc[first]}, value {v[first]!r}, limits {low[first]!r} to {up[first]!r})"
                )
    key = [c for c in RESULT_KEY if c in frame.columns]
    dupes = frame[key].astype("string").fillna("").duplicated()
    if dupes.any():
        first = frame[key].loc[dupes.to_numpy()].iloc[0].to_dict()
        problems.append(
            f"{int(dupes.sum())} duplicate rows for one {' x '.join(key)} (first: {first})"
        )
    return problems


def run_indicators(
    ctx: ComputeContext,
    registry: IndicatorRegistry,
    disabled: tuple[str, ...] = (),
    progress: Any = None,
) -> tuple[pd.DataFrame, ComputeResult]:
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
            words = "; ".join(
                f"{INPUT_WORDS.get(t, t)} ({_INGEST_HINT.get(t, 'jsna ingest')})" for t in missing
            )
            result.runs.append(
                IndicatorRun(
                    ind.id,
                    "skipped",
                    reason=f"needs {words}",
                    title=ind.title,
                    report_reason=f"not computed: needs {words}",
                )
            )
            continue
        start = time.perf_counter()
        try:
            ctx.indicator = ind
            if ind.needs is not None:
                ind.needs(ctx)
            frame = ind.compute(ctx)
        except (
            MissingInput
        ) as exc:  # the inputs cannot give it: skipped, with what is missing in words
            result.runs.append(
                IndicatorRun(
                    ind.id,
                    "skipped",
                    seconds=time.perf_counter() - start,
                    reason=f"needs {exc}",
                    title=ind.title,
                    report_reason=f"not computed: needs {exc}",
                )
            )
            continue
        except Exception as exc:  # a broken indicator is reported by name; the others carry on
            result.runs.append(
                IndicatorRun(
                    ind.id,
                    "failed",
                    seconds=time.perf_counter() - start,
                    reason=f"{type(exc).__name__}: {exc}",
                    title=ind.title,
                    report_reason=_failed_words(ind),
                )
            )
            continue
        if isinstance(frame, pd.DataFrame) and len(frame) == 0:
            words = "; ".join(INPUT_WORDS.get(t, t) for t in ind.requires)
            reason = f"no rows: the loaded {words or 'inputs'} hold no data this indicator can use"
            result.runs.append(
                IndicatorRun(
                    ind.id,
                    "skipped",
                    seconds=time.perf_counter() - start,
                    reason=reason,
                    title=ind.title,
                    report_reason=f"not computed: {reason[9:]}",
                )
            )
            continue
        problems = check_result_frame(ind, frame)
        if problems:
            result.runs.append(
                IndicatorRun(
                    ind.id,
                    "failed",
                    seconds=time.perf_counter() - start,
                    reason="; ".join(problems),
                    title=ind.title,
                    report_reason=_failed_words(ind),
                )
            )
            continue
        frames.append(_with_metadata(frame, ind))
        result.runs.append(
            IndicatorRun(
                ind.id,
                "computed",
                rows=len(frame),
                seconds=time.perf_counter() - start,
                title=ind.title,
            )
        )
    ctx.indicator = None
    combined = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    results = finish_results(combined, ctx, registry)
    result.rows = len(results)
    return results, result


def _failed_words(ind: Indicator) -> str:
    """A failed indicator's reason for a report: what it was computed from, not the error text."""
    words = ", ".join(INPUT_WORDS.get(t, t) for t in ind.requires) or "the loaded inputs"
    return (
        f"not computed: it could not be calculated from the {words} loaded; the compute log "
        "(jsna compute, or run.json) gives the details"
    )


def _with_metadata(frame: pd.DataFrame, ind: Indicator) -> pd.DataFrame:
    frame = frame.copy()
    defaults = {
        "indicator_id": ind.id,
        "indicator_name": ind.title,
        "section": ind.section,
        "unit": ind.unit,
        "polarity": ind.polarity,
        "method": ind.method,
        "source": ind.source,
        "sex": "Persons",
        "age": "All ages",
    }
    for col, val in defaults.items():
        if col not in frame.columns:
            frame[col] = val
        else:
            frame[col] = frame[col].fillna(val)
    return frame
