"""The import graph of ``jsna/``: no cycle, and data flows one way.

Every module under ``jsna/`` is parsed with :mod:`ast` (nothing is imported), and every import of
a jsna module is an edge, whether at module level or inside a function; only the imports under
``if TYPE_CHECKING:`` are left out, since they never run. The rules (docs/architecture.md):

- no import cycle, however it is held together;
- ``jsna.report`` never imports ``jsna.ingest`` (the report only reads the workspace);
- data flows ingest -> workspace -> compute (``jsna.indicators``) -> report, and no part imports
  one after it: the workspace imports none of ingest, indicators or report; ingest none of
  indicators or report; indicators none of ingest or report;
- nothing in those parts imports the front doors (``jsna.api``, ``jsna.cli``, ``jsna.runner``);
- ``jsna.vocabulary`` imports nothing of jsna outside itself (everyone imports it);
- ``jsna.indicators.methods`` imports only methods, ``jsna.vocabulary`` and ``jsna.errors``
  (the statistics are pure).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "jsna"


@dataclass(frozen=True)
class Edge:
    """``source`` imports ``target`` at ``line`` of the source's file."""

    source: str
    target: str
    line: int


def module_files(package: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every ``.py`` file under ``package``."""
    modules = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(package.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def _type_checking_only(tree: ast.AST) -> set[int]:
    """Ids of the nodes that sit in the body of an ``if TYPE_CHECKING:`` block."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for statement in node.body:
                skipped.update(id(inner) for inner in ast.walk(statement))
    return skipped


def _named_modules(module: str, is_package: bool, node: ast.AST) -> Iterable[str]:
    """The dotted names an import statement asks for (a name imported from a package may be
    its submodule: both readings are offered, the caller keeps the one that exists)."""
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
    elif isinstance(node, ast.ImportFrom):
        if node.level:
            base = module.split(".") if is_package else module.split(".")[:-1]
            base = base[: len(base) - (node.level - 1)]
            target = ".".join([*base, *([node.module] if node.module else [])])
        else:
            target = node.module or ""
        for alias in node.names:
            yield f"{target}.{alias.name}"
            yield target


def _existing(name: str, modules: dict[str, Path]) -> str | None:
    """The longest prefix of ``name`` that is a jsna module, or None for other packages."""
    while name not in modules and "." in name:
        name = name.rsplit(".", 1)[0]
    return name if name in modules else None


def import_edges(package: Path) -> list[Edge]:
    """Every import of one jsna module by another, outside ``if TYPE_CHECKING:`` blocks."""
    modules = module_files(package)
    edges: set[Edge] = set()
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        skipped = _type_checking_only(tree)
        for node in ast.walk(tree):
            if id(node) in skipped or not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            named = list(_named_modules(module, path.name == "__init__.py", node))
            if isinstance(node, ast.ImportFrom):
                # "from a.b import c": a.b.c when c is a module, else a.b
                pairs = zip(named[::2], named[1::2], strict=True)
                targets = [
                    full if full in modules else _existing(base, modules) for full, base in pairs
                ]
            else:
                targets = [_existing(name, modules) for name in named]
            for target in targets:
                if target is not None and target != module:
                    edges.add(Edge(module, target, node.lineno))
    return sorted(edges, key=lambda e: (e.source, e.target, e.line))


def _graph(edges: Iterable[Edge]) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for edge in edges:
        graph.setdefault(edge.source, set()).add(edge.target)
        graph.setdefault(edge.target, set())
    return graph


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's components of more than one module (each holds at least one cycle); iterative."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            child = next(successors, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def one_cycle(graph: dict[str, set[str]], component: list[str]) -> list[str]:
    """A shortest cycle through the component's first module, as a path that ends where it starts."""
    members = set(component)
    start = component[0]
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for child in sorted(graph[node] & members):
                if child == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return [*reversed(path), start]
                if child not in previous:
                    previous[child] = node
                    following.append(child)
        frontier = following
    raise AssertionError(f"no cycle through {start} in {component}")


def describe_cycles(edges: list[Edge]) -> list[str]:
    """One line per cycle: the modules in order, each arrow with the line of its import."""
    graph = _graph(edges)
    lines = {(e.source, e.target): e.line for e in reversed(edges)}
    out = []
    for component in strongly_connected(graph):
        path = one_cycle(graph, component)
        arrows = " -> ".join(f"{a} (line {lines[(a, b)]})" for a, b in pairwise(path))
        out.append(f"{arrows} -> {path[-1]}  [component: {', '.join(component)}]")
    return out


def _inside(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def forbidden(edges: list[Edge]) -> list[str]:
    """The edges that break the direction rules, one line each."""
    problems = []
    for e in edges:
        where = f"{e.source} imports {e.target} (line {e.line})"
        if _inside(e.source, "jsna.report") and _inside(e.target, "jsna.ingest"):
            problems.append(f"{where}: the report reads the workspace, never ingest")
        if _inside(e.source, "jsna.vocabulary") and not _inside(e.target, "jsna.vocabulary"):
            problems.append(f"{where}: the vocabulary imports nothing of jsna outside itself")
        allowed = ("jsna.indicators.methods", "jsna.vocabulary", "jsna.errors")
        if _inside(e.source, "jsna.indicators.methods") and not any(
            _inside(e.target, a) for a in allowed
        ):
            problems.append(f"{where}: methods import only methods, vocabulary and errors")
        for part, others in _NOT_IMPORTED.items():
            hit = next((x for x in others if _inside(e.target, x)), None)
            if _inside(e.source, part) and hit:
                problems.append(
                    f"{where}: data flows ingest -> workspace -> indicators -> report, and "
                    f"{part} never imports {hit}"
                )
        if any(_inside(e.source, p) for p in _PARTS) and any(
            _inside(e.target, d) for d in _FRONT_DOORS
        ):
            problems.append(f"{where}: only the front doors import the front doors")
    return problems


#: each part of the flow and the parts it must not import
_NOT_IMPORTED = {
    "jsna.workspace": ("jsna.ingest", "jsna.indicators", "jsna.report"),
    "jsna.ingest": ("jsna.indicators", "jsna.report"),
    "jsna.indicators": ("jsna.ingest", "jsna.report"),
}
_PARTS = (
    "jsna.vocabulary",
    "jsna.workspace",
    "jsna.ingest",
    "jsna.indicators",
    "jsna.report",
)
_FRONT_DOORS = ("jsna.api", "jsna.cli", "jsna.runner")


@pytest.fixture(scope="module")
def edges() -> list[Edge]:
    return import_edges(PACKAGE)


def test_the_graph_sees_imports_at_module_level_and_inside_functions(edges: list[Edge]) -> None:
    pairs = {(e.source, e.target) for e in edges}
    assert ("jsna.cli", "jsna.errors") in pairs
    # the CLI imports the library inside its commands, so that `jsna --help` stays fast
    assert any(e.source == "jsna.cli" and e.target == "jsna.api" for e in edges)


def test_no_import_cycle(edges: list[Edge]) -> None:
    cycles = describe_cycles(edges)
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_imports_follow_the_direction_of_the_data(edges: list[Edge]) -> None:
    problems = forbidden(edges)
    assert not problems, "\n".join(problems)


# -- the checker itself, on a package made for the purpose ------------------------------------
def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root / "jsna"


def test_a_cycle_through_a_function_level_import_is_named(tmp_path: Path) -> None:
    package = _write(
        tmp_path,
        {
            "jsna/__init__.py": "",
            "jsna/a.py": "from jsna import b\n",
            "jsna/b.py": "def f():\n    from jsna.c import thing\n    return thing\n",
            "jsna/c.py": "import json\n\ndef thing():\n    from . import a\n",
            "jsna/d.py": (
                "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from jsna import a\n"
            ),
        },
    )
    edges = import_edges(package)
    cycles = describe_cycles(edges)
    assert len(cycles) == 1
    assert cycles[0].startswith("jsna.a (line 1) -> jsna.b (line 2) -> jsna.c (line 4) -> jsna.a")
    assert not any(e.source == "jsna.d" for e in edges)  # TYPE_CHECKING imports never run


def test_forbidden_directions_are_named(tmp_path: Path) -> None:
    package = _write(
        tmp_path,
        {
            "jsna/__init__.py": "",
            "jsna/errors.py": "",
            "jsna/workspace.py": "def f():\n    from jsna.ingest import readers\n",
            "jsna/ingest/__init__.py": "",
            "jsna/ingest/readers.py": "",
            "jsna/report/__init__.py": "",
            "jsna/report/render.py": "def f():\n    import jsna.ingest.readers\n",
            "jsna/vocabulary/__init__.py": "from jsna.vocabulary import tables\n",
            "jsna/vocabulary/tables.py": "from jsna.errors import JsnaError\n",
            "jsna/indicators/__init__.py": "",
            "jsna/indicators/methods/__init__.py": "from . import rates\n",
            "jsna/indicators/methods/rates.py": (
                "from jsna.errors import JsnaError\nfrom jsna.vocabulary import tables\n"
                "from jsna.workspace import Workspace\n"
            ),
        },
    )
    problems = forbidden(import_edges(package))
    assert problems == [
        "jsna.indicators.methods.rates imports jsna.workspace (line 3): methods import only "
        "methods, vocabulary and errors",
        "jsna.report.render imports jsna.ingest.readers (line 2): the report reads the "
        "workspace, never ingest",
        "jsna.vocabulary.tables imports jsna.errors (line 1): the vocabulary imports nothing of "
        "jsna outside itself",
        "jsna.workspace imports jsna.ingest.readers (line 2): data flows ingest -> workspace -> "
        "indicators -> report, and jsna.workspace never imports jsna.ingest",
    ]
