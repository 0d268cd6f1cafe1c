"""The import graph of our own modules: no cycles, and the layers storage <- crawler <- jobs.

Every import counts, also those inside functions (a lazy import still ties two modules
together); imports under ``if TYPE_CHECKING:`` do not run, so they count for the layers but
not for cycles. A package's ``__init__`` that imports its own modules is not a cycle: an edge
goes to the module a statement names (``from jobs.web import data`` -> ``jobs.web.data``), not to
the packages Python initialises on the way.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("storage", "crawler", "jobs")
#: What each layer may not import (DESIGN.md: storage is the floor, jobs the top).
FORBIDDEN = {"storage": ("crawler", "jobs"), "crawler": ("jobs",)}

Graph = dict[str, dict[str, bool]]  # module -> imported module -> only under TYPE_CHECKING


def module_names(root: Path, packages: tuple[str, ...]) -> dict[str, Path]:
    names = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            names[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return names


def import_graph(root: Path, packages: tuple[str, ...] = PACKAGES) -> Graph:
    """Our modules and the modules of ours each imports, anywhere in its code."""
    modules = module_names(root, packages)
    graph: Graph = {}
    for name, path in modules.items():
        is_package = path.name == "__init__.py"
        edges = graph.setdefault(name, {})
        for node, typing_only in _imports(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            for target in _targets(node, name, is_package, modules):
                if target != name:
                    edges[target] = edges.get(target, True) and typing_only
    return graph


def _imports(tree: ast.AST, typing_only: bool = False):
    """Every import statement under ``tree`` and whether it sits under ``if TYPE_CHECKING:``."""
    for child in ast.iter_child_nodes(tree):
        if isinstance(child, (ast.Import, ast.ImportFrom)):
            yield child, typing_only
        elif isinstance(child, ast.If) and _is_type_checking(child.test):
            for statement in child.body:
                yield from _imports(ast.Module(body=[statement], type_ignores=[]), True)
            for statement in child.orelse:
                yield from _imports(ast.Module(body=[statement], type_ignores=[]), typing_only)
        else:
            yield from _imports(child, typing_only)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _targets(node: ast.Import | ast.ImportFrom, importer: str, is_package: bool, modules: dict[str, Path]):
    if isinstance(node, ast.Import):
        for alias in node.names:
            known = _longest_known(alias.name, modules)
            if known:
                yield known
        return
    base = node.module or ""
    if node.level:
        package = importer.split(".") if is_package else importer.split(".")[:-1]
        package = package[: len(package) - (node.level - 1)]
        base = ".".join([*package, *([base] if base else [])])
    for alias in node.names:
        if f"{base}.{alias.name}" in modules:
            yield f"{base}.{alias.name}"
        else:
            known = _longest_known(base, modules)
            if known:
                yield known


def _longest_known(dotted: str, modules: dict[str, Path]) -> str | None:
    parts = dotted.split(".")
    for end in range(len(parts), 0, -1):
        if ".".join(parts[:end]) in modules:
            return ".".join(parts[:end])
    return None


def cycles(graph: Graph) -> list[list[str]]:
    """The groups of modules that import each other (strongly connected, TYPE_CHECKING aside)."""
    runtime = {name: sorted(t for t, typing_only in edges.items() if not typing_only) for name, edges in graph.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(name: str) -> None:  # Tarjan's strongly connected components
        index[name] = low[name] = len(index)
        stack.append(name)
        for target in runtime.get(name, []):
            if target not in index:
                visit(target)
                low[name] = min(low[name], low[target])
            elif target in stack:
                low[name] = min(low[name], index[target])
        if low[name] == index[name]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == name:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for name in sorted(runtime):
        if name not in index:
            visit(name)
    return found


def reachable(graph: Graph, start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for target in graph.get(todo.pop(), {}):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


@pytest.fixture(scope="module")
def graph() -> Graph:
    return import_graph(ROOT)


def test_the_graph_sees_every_kind_of_import(graph):
    assert len(graph) > 100
    assert "jobs.archive_access" in graph["jobs.demo"]  # top-level import
    assert "jobs.daemon" in graph["jobs.cli.crawling"]  # inside a function
    assert "crawler.relevance.vocabulary" in graph["jobs.filters"]
    assert "jobs.examplesites.server" in graph["jobs.examplesites"]  # relative import in a package


def test_no_module_of_ours_imports_itself_through_others(graph):
    assert cycles(graph) == []


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_lower_layers_do_not_import_higher_ones(graph, layer):
    wrong = sorted(
        f"{name} -> {target}"
        for name, edges in graph.items()
        if name.split(".")[0] == layer
        for target in edges
        if target.split(".")[0] in FORBIDDEN[layer]
    )
    assert wrong == []


def test_the_product_does_not_import_the_tests():
    """What only tests need lives in tests/ (tests/support/), which ``pip install .`` leaves out."""
    made = import_graph(ROOT, (*PACKAGES, "tests"))
    assert any(t.startswith("tests.support.") for t in made["tests.test_examplesites"])  # tests are in the graph
    wrong = sorted(
        f"{name} -> {target}"
        for name, edges in made.items()
        if name.split(".")[0] in PACKAGES
        for target in edges
        if target.split(".")[0] == "tests"
    )
    assert wrong == []


def test_the_web_does_not_import_the_cli(graph):
    for name in (n for n in graph if n == "jobs.web" or n.startswith("jobs.web.")):
        assert not {t for t in reachable(graph, name) if t == "jobs.cli" or t.startswith("jobs.cli.")}, name


def test_a_cycle_through_a_function_level_import_is_found(tmp_path):
    (tmp_path / "jobs" / "cli").mkdir(parents=True)
    for name, text in {
        "jobs/__init__.py": "",
        "jobs/cli/__init__.py": "from jobs.cli import parser\nfrom . import commands\n",
        "jobs/cli/parser.py": "import argparse\n",
        "jobs/cli/commands.py": "from .parser import ArgumentParser\ndef run():\n    from jobs.demo import go\n",
        "jobs/demo.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from jobs import lock\n"
        "def go():\n    import jobs.cli.commands\n",
        "jobs/lock.py": "from jobs.demo import go\n",
    }.items():
        (tmp_path / name).write_text(text)
    made = import_graph(tmp_path, ("jobs",))
    assert made["jobs.cli"] == {"jobs.cli.parser": False, "jobs.cli.commands": False}
    assert made["jobs.demo"] == {"jobs.lock": True, "jobs.cli.commands": False}
    assert cycles(made) == [["jobs.cli.commands", "jobs.demo"]]  # jobs.demo <-> jobs.lock is typing only
