"""Loading plugins from Python entry points, one group at a time.

A plugin that fails to import is reported by name and never takes the others down.
Built-in indicators, sources and sections are registered through the same entry points.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from typing import Any

INDICATOR_GROUP = "jsna.indicators"
SOURCE_GROUP = "jsna.sources"
SECTION_GROUP = "jsna.sections"


@dataclass
class PluginFailure:
    """An entry point that could not be loaded or returned something unusable."""

    group: str
    name: str
    value: str
    reason: str
    distribution: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"group": self.group, "name": self.name, "value": self.value, "reason": self.reason,
                "distribution": self.distribution}


@dataclass
class LoadedEntryPoint:
    name: str
    value: str
    distribution: str | None
    version: str | None
    objects: list[Any] = field(default_factory=list)


def _dist(ep: EntryPoint) -> tuple[str | None, str | None]:
    dist = getattr(ep, "dist", None)
    if dist is None:
        return None, None
    return dist.metadata["Name"], dist.version


def load_group(group: str) -> tuple[list[LoadedEntryPoint], list[PluginFailure]]:
    """Load every entry point of ``group``; each may name an object, a list, or a callable returning either."""
    loaded: list[LoadedEntryPoint] = []
    failures: list[PluginFailure] = []
    seen: set[tuple[str, str]] = set()
    for ep in sorted(entry_points(group=group), key=lambda e: (e.name, e.value)):
        if (ep.name, ep.value) in seen:  # the same distribution found twice on sys.path
            continue
        seen.add((ep.name, ep.value))
        dist_name, version = _dist(ep)
        try:
            target = ep.load()
            if callable(target) and not isinstance(target, type) and not hasattr(target, "kind") \
                    and not hasattr(target, "compute") and not hasattr(target, "render"):
                target = target()
            objects = list(target) if isinstance(target, list | tuple) else [target]
        except Exception as exc:  # a broken plugin must not stop the others
            failures.append(PluginFailure(group, ep.name, ep.value, f"{type(exc).__name__}: {exc}", dist_name))
            continue
        loaded.append(LoadedEntryPoint(ep.name, ep.value, dist_name, version, objects))
    return loaded, failures
