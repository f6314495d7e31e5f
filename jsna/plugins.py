"""Loading plugins from Python entry points, one group at a time.

A plugin that fails to import is reported by name and never takes the others down.
Built-in indicators, sources and sections are registered through the same entry points.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from jsna.errors import PluginConflictError as PluginConflictError
from jsna.errors import PluginError

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

    @property
    def label(self) -> str:
        """``package:entry-point`` (or just the entry point when the package is unknown)."""
        return f"{self.distribution}:{self.name}" if self.distribution else self.name

    def to_dict(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "name": self.name,
            "value": self.value,
            "reason": self.reason,
            "distribution": self.distribution,
            "label": self.label,
        }


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
            if (
                callable(target)
                and not isinstance(target, type)
                and not hasattr(target, "kind")
                and not hasattr(target, "compute")
                and not hasattr(target, "render")
            ):
                target = target()
            objects = list(target) if isinstance(target, list | tuple) else [target]
        except Exception as exc:  # a broken plugin must not stop the others
            failures.append(
                PluginFailure(group, ep.name, ep.value, f"{type(exc).__name__}: {exc}", dist_name)
            )
            continue
        loaded.append(LoadedEntryPoint(ep.name, ep.value, dist_name, version, objects))
    return loaded, failures


class PluginRegistry:
    """Plugins of one kind by identifier, with the package each came from and the failures.

    Subclasses check a candidate in :meth:`register` and then call :meth:`_store`, which makes
    two packages claiming one identifier a :class:`PluginConflictError` (exit code 3).
    """

    #: how an identifier is named in the collision message, e.g. "indicator id"
    key_name = "plugin id"
    #: the verb of the collision message ("declared" for ids, "provided" for ingest kinds)
    claimed = "declared"

    def __init__(self) -> None:
        self.entries: dict[str, Any] = {}
        self.origin: dict[str, str] = {}
        self.versions: dict[str, str | None] = {}
        self.failures: list[PluginFailure] = []

    def _store(self, key: str, plugin: Any, origin: str, version: str | None) -> None:
        if key in self.entries:
            raise PluginConflictError(
                f"{self.key_name} {key!r} is {self.claimed} by both {self.origin[key]} and {origin}"
            )
        self.entries[key] = plugin
        self.origin[key] = origin
        self.versions[key] = version


# -- report sections -----------------------------------------------------------------------------
class SectionRegistry(PluginRegistry):
    """Section plugins (blocks added to report sections) by id."""

    key_name = "section plugin id"

    @property
    def plugins(self) -> dict[str, Any]:
        return self.entries

    def register(self, plugin: Any, origin: str = "jsna", version: str | None = None) -> None:
        """Add a section plugin; an invalid declaration or a clashing id raises :class:`PluginError`."""
        from jsna.hookspecs import SectionPlugin

        if not isinstance(plugin, SectionPlugin):
            raise PluginError(f"{origin}: {plugin!r} is not a jsna SectionPlugin")
        problems = plugin.problems()
        if problems:
            raise PluginError(
                f"{origin}: section plugin {plugin.id!r} is invalid: {'; '.join(problems)}"
            )
        self._store(plugin.id, plugin, origin, version)

    @classmethod
    def from_entry_points(cls) -> SectionRegistry:
        """Every section plugin of the ``jsna.sections`` entry points; broken ones go to ``failures``."""
        registry = cls()
        register_loaded(registry, SECTION_GROUP)
        return registry

    def for_section(self, section_id: str) -> list[Any]:
        found = [p for p in self.plugins.values() if p.section == section_id]
        return sorted(found, key=lambda p: (p.order, p.id))


def register_loaded(registry: Any, group: str) -> None:
    """Load ``group`` into ``registry``: invalid objects become failures, collisions raise."""
    loaded, failures = load_group(group)
    registry.failures.extend(failures)
    for ep in loaded:
        for obj in ep.objects:
            try:
                registry.register(obj, origin=ep.distribution or ep.name, version=ep.version)
            except PluginConflictError:
                raise
            except PluginError as exc:
                registry.failures.append(
                    PluginFailure(group, ep.name, ep.value, str(exc), ep.distribution)
                )


def add_section_blocks(
    context: Any, sections: list[Any], registry: SectionRegistry | None = None
) -> list[dict[str, str]]:
    """Run every section plugin for one area's report, appending blocks to ``sections``.

    ``context`` is the report's assembly context (it carries the area, results, config,
    policy and workspace). Returns one ``{"id", "reason", "kind"}`` per plugin that failed
    to load or render, for the report's "Not included" list; the others carry on.
    """
    from jsna.hookspecs import BlockContext, ReportBlock

    registry = registry or SectionRegistry.from_entry_points()
    skipped = [{"id": f.label, "reason": f.reason, "kind": "section"} for f in registry.failures]
    block_context = BlockContext(
        area_code=context.area_code,
        area_name=context.area_name,
        benchmark_code=context.benchmark_code,
        benchmark_name=context.benchmark_name,
        results=context.results,
        config=context.config,
        policy=context.policy,
        table=context.workspace.table,
        indicators=dict(getattr(context, "indicators", {})),
    )
    for section in sections:
        for plugin in registry.for_section(section.info.id):
            try:
                made = plugin.render(block_context)
                blocks = (
                    [] if made is None else [made] if isinstance(made, ReportBlock) else list(made)
                )
                bad = [b for b in blocks if not isinstance(b, ReportBlock)]
                if bad:
                    raise TypeError(f"render returned {type(bad[0]).__name__}, not a ReportBlock")
            except Exception as exc:  # a broken plugin is reported by name; the report carries on
                skipped.append(
                    {"id": plugin.id, "reason": f"{type(exc).__name__}: {exc}", "kind": "section"}
                )
                continue
            section.blocks.extend(
                {"title": b.title, "html": b.html, "plugin": plugin.id} for b in blocks
            )
    return skipped


# -- what is installed -------------------------------------------------------------------------
@dataclass
class PluginInfo:
    """One distribution (package) that provides something to jsna."""

    name: str
    version: str | None
    indicators: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "indicators": self.indicators,
            "sources": self.sources,
            "sections": self.sections,
        }


@dataclass
class PluginListing:
    plugins: list[PluginInfo]
    failures: list[PluginFailure]

    @property
    def ok(self) -> bool:
        return not self.failures

    def to_dict(self) -> dict[str, Any]:
        return {
            "plugins": [p.to_dict() for p in self.plugins],
            "failures": [f.to_dict() for f in self.failures],
        }


def list_plugins() -> PluginListing:
    """Every installed package that provides indicators, ingest kinds or report blocks.

    Raises :class:`PluginConflictError` (exit 3) when two packages claim one id.
    """
    from jsna.indicators.registry import IndicatorRegistry
    from jsna.ingest.pipeline import SourceRegistry

    indicators = IndicatorRegistry.from_entry_points()
    sources = SourceRegistry.from_entry_points()
    sections = SectionRegistry.from_entry_points()
    by_name: dict[str, PluginInfo] = {}

    def info(origin: str, version: str | None) -> PluginInfo:
        return by_name.setdefault(origin, PluginInfo(origin, version))

    for ind_id, origin in indicators.origin.items():
        info(origin, indicators.versions.get(ind_id)).indicators.append(ind_id)
    for kind, origin in sources.origin.items():
        info(
            origin, getattr(sources, "versions", {}).get(kind) or _version_of(origin)
        ).sources.append(kind)
    for sec_id, origin in sections.origin.items():
        info(origin, sections.versions.get(sec_id)).sections.append(sec_id)
    for item in by_name.values():
        item.version = item.version or _version_of(item.name)
        item.indicators.sort()
        item.sources.sort()
        item.sections.sort()
    failures = [*indicators.failures, *sources.failures, *sections.failures]
    plugins = sorted(by_name.values(), key=lambda p: (p.name != "jsna", p.name))
    return PluginListing(plugins=plugins, failures=failures)


def _version_of(distribution: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    if distribution == "jsna":
        from jsna import __version__

        return __version__
    try:
        return version(distribution)
    except PackageNotFoundError:
        return None
