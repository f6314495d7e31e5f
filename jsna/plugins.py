"""Loading plugins from Python entry points: one registry mechanism for every kind.

Indicators, ingest sources and report sections are all held by :class:`PluginRegistry`,
parametrised by a :class:`PluginKind` (the entry-point group, how an object is named, and
how it is checked). jsna's own objects come in through the same entry points as a third
party's (see ``pyproject.toml``); there is no second path. Every registry loads afresh
when it is made: nothing is cached for the process.

Discovery of third-party plugins can be switched off, for tests and for a run that must
not depend on what happens to be installed: ``discover=False``, or the environment variable
``JSNA_PLUGINS=builtin-only``. Then only the entry points of the ``jsna`` distribution
itself are read.

A plugin that fails to import, or hands over something invalid, is recorded in
``failures`` by name and never takes the others down; two packages claiming one
identifier is a :class:`PluginConflictError` (exit code 3).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, PackageNotFoundError, distribution, entry_points
from typing import Any, ClassVar, Generic, Self, TypeVar

from jsna.errors import PluginConflictError as PluginConflictError
from jsna.errors import PluginError, UsageError
from jsna.hookspecs import (
    INDICATOR_GROUP,
    SECTION_GROUP,
    SOURCE_GROUP,
    Indicator,
    SectionPlugin,
    Source,
)

#: the environment variable that switches discovery of third-party plugins off
DISCOVERY_ENV = "JSNA_PLUGINS"
_DISCOVERY_VALUES = {"all": True, "builtin-only": False}
#: the distribution whose entry points are the built-ins
BUILTIN_DISTRIBUTION = "jsna"

T = TypeVar("T")


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


def discovery_enabled(discover: bool | None = None) -> bool:
    """Whether third-party plugins are discovered: ``discover`` when given, else ``JSNA_PLUGINS``."""
    if discover is not None:
        return discover
    setting = os.environ.get(DISCOVERY_ENV, "all").strip().lower() or "all"
    if setting not in _DISCOVERY_VALUES:
        raise UsageError(
            f"environment variable {DISCOVERY_ENV} must be one of "
            f"{', '.join(_DISCOVERY_VALUES)}, got {setting!r}"
        )
    return _DISCOVERY_VALUES[setting]


def builtin_entry_points(group: str) -> list[EntryPoint]:
    """The entry points jsna itself declares for ``group`` (its own ``pyproject.toml``)."""
    try:
        dist = distribution(BUILTIN_DISTRIBUTION)
    except PackageNotFoundError as exc:
        raise PluginError(
            "jsna is not installed, so its built-in indicators, sources and sections (registered "
            "through entry points) cannot be found: install it, e.g. pip install -e ."
        ) from exc
    return [ep for ep in dist.entry_points if ep.group == group]


def group_entry_points(group: str, *, discover: bool | None = None) -> list[EntryPoint]:
    """Every entry point of ``group``: all installed packages', or only jsna's own."""
    found = (
        entry_points(group=group) if discovery_enabled(discover) else builtin_entry_points(group)
    )
    return sorted(found, key=lambda e: (e.name, e.value))


def _dist(ep: EntryPoint) -> tuple[str | None, str | None]:
    dist = getattr(ep, "dist", None)
    if dist is None:
        return None, None
    return dist.metadata["Name"], dist.version


def _objects(target: Any) -> list[Any]:
    """An entry point's target as a list: an object, a list of them, or a function returning either."""
    if (
        callable(target)
        and not isinstance(target, type)
        and not hasattr(target, "kind")
        and not hasattr(target, "compute")
        and not hasattr(target, "render")
    ):
        target = target()
    return list(target) if isinstance(target, list | tuple) else [target]


def load_group(
    group: str, *, discover: bool | None = None
) -> tuple[list[LoadedEntryPoint], list[PluginFailure]]:
    """Load every entry point of ``group``; a broken one becomes a failure, never an exception."""
    loaded: list[LoadedEntryPoint] = []
    failures: list[PluginFailure] = []
    seen: set[tuple[str, str]] = set()
    for ep in group_entry_points(group, discover=discover):
        if (ep.name, ep.value) in seen:  # the same distribution found twice on sys.path
            continue
        seen.add((ep.name, ep.value))
        dist_name, version = _dist(ep)
        try:
            objects = _objects(ep.load())
        except Exception as exc:  # a broken plugin must not stop the others
            failures.append(
                PluginFailure(group, ep.name, ep.value, f"{type(exc).__name__}: {exc}", dist_name)
            )
            continue
        loaded.append(LoadedEntryPoint(ep.name, ep.value, dist_name, version, objects))
    return loaded, failures


@dataclass(frozen=True)
class PluginKind(Generic[T]):
    """One kind of plugin: its entry-point group, its contract type and how it is checked."""

    group: str
    #: the contract class every object must be an instance of
    contract: type[T]
    #: what an object is called in messages, e.g. "indicator"
    noun: str
    #: the identifier of an object (its id, or an ingest kind)
    key: Callable[[T], str]
    #: how an identifier is named in the collision message, e.g. "indicator id"
    key_name: str
    #: the verb of the collision message ("declared" for ids, "provided" for ingest kinds)
    claimed: str = "declared"
    #: everything wrong with an object of the right type (empty when it is valid)
    problems: Callable[[T], list[str]] = field(default=lambda obj: [])

    def check(self, obj: object, origin: str) -> T:
        """``obj`` when it fulfils the contract; otherwise :class:`PluginError` naming ``origin``."""
        if not isinstance(obj, self.contract):
            raise PluginError(f"{origin}: {obj!r} is not a jsna {self.contract.__name__}")
        problems = self.problems(obj)
        if problems:
            raise PluginError(
                f"{origin}: {self.noun} {self.key(obj)!r} is invalid: {'; '.join(problems)}"
            )
        return obj


def _source_problems(source: Source) -> list[str]:
    return [] if source.kind else ["kind is empty"]


INDICATORS: PluginKind[Indicator] = PluginKind(
    INDICATOR_GROUP,
    Indicator,
    "indicator",
    key=lambda ind: ind.id,
    key_name="indicator id",
    problems=Indicator.problems,
)
SOURCES: PluginKind[Source] = PluginKind(
    SOURCE_GROUP,
    Source,
    "ingest source",
    key=lambda source: source.kind,
    key_name="ingest kind",
    claimed="provided",
    problems=_source_problems,
)
SECTIONS: PluginKind[SectionPlugin] = PluginKind(
    SECTION_GROUP,
    SectionPlugin,
    "section plugin",
    key=lambda plugin: plugin.id,
    key_name="section plugin id",
    problems=SectionPlugin.problems,
)


class PluginRegistry(Generic[T]):
    """Plugins of one kind by identifier, with the package each came from and the failures.

    ``PluginRegistry(kind)`` is empty (tests register what they need);
    ``PluginRegistry(kind).load()`` or ``from_entry_points()`` reads the entry points.
    """

    #: the kind a subclass holds when none is given
    default_kind: ClassVar[PluginKind[Any] | None] = None

    def __init__(self, kind: PluginKind[T] | None = None) -> None:
        chosen = kind or self.default_kind
        if chosen is None:
            raise TypeError("PluginRegistry needs a PluginKind")
        self.kind: PluginKind[T] = chosen
        self.entries: dict[str, T] = {}
        self.origin: dict[str, str] = {}
        self.versions: dict[str, str | None] = {}
        self.failures: list[PluginFailure] = []

    @property
    def key_name(self) -> str:
        return self.kind.key_name

    def register(self, obj: T, origin: str = "jsna", version: str | None = None) -> None:
        """Add one object; an invalid one raises :class:`PluginError`, a clashing identifier
        :class:`PluginConflictError` (both exit code 3)."""
        checked: T = self.kind.check(obj, origin)
        key = self.kind.key(checked)
        if key in self.entries:
            raise PluginConflictError(
                f"{self.kind.key_name} {key!r} is {self.kind.claimed} by both "
                f"{self.origin[key]} and {origin}"
            )
        self.entries[key] = checked
        self.origin[key] = origin
        self.versions[key] = version

    def load(self, *, discover: bool | None = None) -> None:
        """Register every object of the kind's entry points (jsna's own and, unless discovery
        is off, every installed package's). Invalid objects become failures; collisions raise."""
        group = self.kind.group
        loaded, failures = load_group(group, discover=discover)
        self.failures.extend(failures)
        for ep in loaded:
            for obj in ep.objects:
                try:
                    self.register(obj, origin=ep.distribution or ep.name, version=ep.version)
                except PluginConflictError:
                    raise
                except PluginError as exc:
                    self.failures.append(
                        PluginFailure(group, ep.name, ep.value, str(exc), ep.distribution)
                    )

    @classmethod
    def from_entry_points(cls, *, discover: bool | None = None) -> Self:
        """A registry of the subclass's kind loaded from the entry points (see :meth:`load`)."""
        registry = cls()
        registry.load(discover=discover)
        return registry

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, key: object) -> bool:
        return key in self.entries


class IndicatorRegistry(PluginRegistry[Indicator]):
    """Indicators by id, from the ``jsna.indicators`` entry points."""

    default_kind = INDICATORS

    @property
    def indicators(self) -> dict[str, Indicator]:
        return self.entries

    def get(self, indicator_id: str) -> Indicator:
        if indicator_id not in self.entries:
            raise UsageError(f"no indicator {indicator_id!r}; see jsna indicators list")
        return self.entries[indicator_id]

    def __iter__(self) -> Iterator[Indicator]:
        return iter(sorted(self.entries.values(), key=lambda i: (i.section, i.id)))


class SourceRegistry(PluginRegistry[Source]):
    """Ingest sources by kind, from the ``jsna.sources`` entry points."""

    default_kind = SOURCES

    @property
    def sources(self) -> dict[str, Source]:
        return self.entries

    def get(self, kind: str) -> Source:
        if kind not in self.entries:
            raise UsageError(f"unknown kind {kind!r}; kinds are: {', '.join(sorted(self.entries))}")
        return self.entries[kind]


class SectionRegistry(PluginRegistry[SectionPlugin]):
    """Section plugins (blocks added to report sections) by id, from ``jsna.sections``."""

    default_kind = SECTIONS

    @property
    def plugins(self) -> dict[str, SectionPlugin]:
        return self.entries

    def for_section(self, section_id: str) -> list[SectionPlugin]:
        found = [p for p in self.entries.values() if p.section == section_id]
        return sorted(found, key=lambda p: (p.order, p.id))


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


def list_plugins(*, discover: bool | None = None) -> PluginListing:
    """Every installed package that provides indicators, ingest kinds or report blocks.

    Raises :class:`PluginConflictError` (exit 3) when two packages claim one id.
    """
    registries: list[tuple[str, PluginRegistry[Any]]] = [
        ("indicators", IndicatorRegistry.from_entry_points(discover=discover)),
        ("sources", SourceRegistry.from_entry_points(discover=discover)),
        ("sections", SectionRegistry.from_entry_points(discover=discover)),
    ]
    by_name: dict[str, PluginInfo] = {}
    for attribute, registry in registries:
        for key, origin in registry.origin.items():
            info = by_name.setdefault(origin, PluginInfo(origin, registry.versions.get(key)))
            getattr(info, attribute).append(key)
    for item in by_name.values():
        item.version = item.version or _version_of(item.name)
        item.indicators.sort()
        item.sources.sort()
        item.sections.sort()
    failures = [f for _, registry in registries for f in registry.failures]
    plugins = sorted(by_name.values(), key=lambda p: (p.name != BUILTIN_DISTRIBUTION, p.name))
    return PluginListing(plugins=plugins, failures=failures)


def _version_of(distribution_name: str) -> str | None:
    from importlib.metadata import version

    if distribution_name == BUILTIN_DISTRIBUTION:
        from jsna import __version__

        return __version__
    try:
        return version(distribution_name)
    except PackageNotFoundError:
        return None
