"""The import graph of the code the Lambdas run, read from the source: no cycle anywhere, and
only ``app.py`` (the composition root) reaches ``chalicelib.runtime``, so every channel gets its
dependencies passed in.

Every import counts, including those inside functions (the cold-start-friendly ones that hide a
cycle from Python until the function runs) and those only for the type checker.
"""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("chalicelib", "mcp_handlers")
RUNTIME = "chalicelib.runtime"
#: The channels: each is handed its dependencies by ``app.py``, never fetches them itself.
CHANNELS = ("chalicelib.rest", "chalicelib.connect", "chalicelib.publishing", "mcp_handlers")

Graph = dict[str, set[str]]


def module_name(path: Path, root: Path) -> str:
    """``chalicelib/store/dynamodb.py`` -> ``chalicelib.store.dynamodb`` (a package is its
    ``__init__``)."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_files(root: Path, packages: tuple[str, ...], scripts: tuple[str, ...]) -> list[Path]:
    """Every module of ``packages`` and the top-level ``scripts`` (such as ``app.py``)."""
    files = [path for package in packages for path in sorted((root / package).rglob("*.py"))]
    return files + [root / script for script in scripts]


def _imported(node: ast.AST, module: str, is_package: bool, known: set[str]) -> set[str]:
    """The known modules one import statement names (``from a import b``: ``a.b`` when it is a
    module, else ``a``)."""
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names if alias.name in known}
    if not isinstance(node, ast.ImportFrom):
        return set()
    base = node.module or ""
    if node.level:
        anchor = module.split(".")
        anchor = anchor[: len(anchor) - node.level + (1 if is_package else 0)]
        base = ".".join([*anchor, base] if base else anchor)
    found = {f"{base}.{alias.name}" for alias in node.names} & known
    if len(found) < len(node.names) and base in known:
        found.add(base)
    return found


def import_graph(files: list[Path], root: Path) -> Graph:
    """Each module and the modules of the same tree it imports, wherever the import stands."""
    modules = {module_name(path, root): path for path in files}
    known = set(modules)
    graph: Graph = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        imported: set[str] = set()
        for node in ast.walk(tree):
            imported |= _imported(node, name, is_package, known)
        graph[name] = imported - {name}
    return graph


def cycle_of(graph: Graph) -> list[str] | None:
    """One import cycle, if the graph has any."""
    try:
        tuple(TopologicalSorter(graph).static_order())
    except CycleError as exc:
        cycle: list[str] = exc.args[1]
        return cycle
    return None


def reachable(graph: Graph, start: str) -> set[str]:
    """Every module ``start`` imports, directly or through others."""
    seen: set[str] = set()
    todo = [start]
    while todo:
        for name in graph.get(todo.pop(), set()) - seen:
            seen.add(name)
            todo.append(name)
    return seen


def is_channel(module: str) -> bool:
    return any(module == channel or module.startswith(channel + ".") for channel in CHANNELS)


@pytest.fixture(scope="module")
def graph() -> Graph:
    return import_graph(source_files(ROOT, PACKAGES, ("app.py",)), ROOT)


def test_the_graph_is_read_from_every_module(graph: Graph) -> None:
    assert {"app", RUNTIME, "chalicelib.connect.handler", "mcp_handlers.tools"} <= set(graph)
    assert RUNTIME in graph["app"]
    assert "chalicelib.store.dynamodb" in graph[RUNTIME]
    # a function-level import is an edge too: app.py loads each channel only when it is called
    assert {"mcp_handlers.lambda_adapter", "chalicelib.connect.handler"} <= graph["app"]


def test_no_module_imports_another_that_imports_it_back(graph: Graph) -> None:
    assert cycle_of(graph) is None, " -> ".join(cycle_of(graph) or [])


def test_only_the_composition_root_imports_the_runtime(graph: Graph) -> None:
    importers = {name for name, imported in graph.items() if RUNTIME in imported}
    assert importers == {"app"}


def test_no_channel_reaches_the_runtime_even_through_another_module(graph: Graph) -> None:
    channels = sorted(name for name in graph if is_channel(name))
    assert len(channels) > 10, channels
    assert [name for name in channels if RUNTIME in reachable(graph, name)] == []


def test_a_cycle_hidden_in_a_function_is_found(tmp_path: Path) -> None:
    """The check can fail: two modules that import each other, one of them inside a function
    (as ``connect`` and ``runtime`` once did), form a cycle; ``from . import`` counts too."""
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "runtime.py").write_text("from pkg.channel import handle\n")
    (package / "channel.py").write_text(
        "def handle():\n    from . import runtime\n    return runtime\n"
    )
    (package / "leaf.py").write_text("import pkg.runtime\n")
    graph = import_graph(source_files(tmp_path, ("pkg",), ()), tmp_path)
    assert graph["pkg.channel"] == {"pkg.runtime"}
    assert graph["pkg.leaf"] == {"pkg.runtime"}
    assert set(cycle_of(graph) or []) == {"pkg.runtime", "pkg.channel"}
    assert "pkg.runtime" in reachable(graph, "pkg.leaf")
