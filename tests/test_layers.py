"""Imports flow one way: each part of the package imports only from the layers below it, never from
its own layer's other parts or from above, and no two modules import each other, directly or round a
circle. Imports inside functions count as much as those at the top of a file.

A new module goes into LAYERS where docs/architecture.md says it belongs.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path
from typing import NamedTuple

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "leder_audit"

# Bottom first. A part is a top-level module or a subpackage of leder_audit ("" is leder_audit/__init__.py).
LAYERS: list[set[str]] = [
    {"_moved", "_private", "errors", "resources", "progress", "prose", "themes", "regexsafety", "terminal"},
    {"records", "duplicates", "paths"},
    {"findings", "yamlfile", "jsontext", "record_structs"},
    {"language", "text"},  # the rule language never reads clinical text itself: text comes in as Concepts
    {"intake", "suppressions", "redact", "rulefiles", "finding_table", "baseline"},
    {"engine"},
    {"rulebook"},
    {"origins", "parallel", "ruletests", "history"},
    {"readers", "cohort", "spark", "rulesdocs", "generate", "diff"},
    {"writers"},  # the HTML report draws the cohort charts
    {"dataframes"},  # pandas rows read as CSV columns are (readers.fieldpaths)
    {""},  # the public API
    {"service"},
    {"cli"},
    {"__main__"},
]

# Upward imports made for type checking only (under `if TYPE_CHECKING:`), each with its reason.
TYPE_ONLY: dict[tuple[str, str], str] = {}


class Edge(NamedTuple):
    importer: str  # module, dotted, without the leading "leder_audit."
    imported: str
    line: int
    type_only: bool


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _targets(node: ast.ImportFrom | ast.Import, module: str, is_package: bool, known: set[str]) -> list[str]:
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
        return [n.removeprefix("leder_audit").lstrip(".") for n in names if n.split(".")[0] == "leder_audit"]
    if node.level == 0:
        if (node.module or "").split(".")[0] != "leder_audit":
            return []
        base = node.module.removeprefix("leder_audit").lstrip(".")  # type: ignore[union-attr]
    else:
        package = module.split(".") if is_package else module.split(".")[:-1]
        package = [p for p in package if p]
        package = package[: len(package) - (node.level - 1)]
        base = ".".join(package + ([node.module] if node.module else []))
    out = []
    for alias in node.names:
        submodule = f"{base}.{alias.name}" if base else alias.name
        out.append(submodule if submodule in known else base)
    return out


def _under_type_checking(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return True
    return False


def edges() -> list[Edge]:
    modules = _modules()
    known = set(modules)
    found = []
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        parents = {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for target in _targets(node, module, path.name == "__init__.py", known):
                    if target != module:
                        found.append(Edge(module, target, node.lineno, _under_type_checking(node, parents)))
    return found


def part_of(module: str) -> str:
    return module.split(".")[0]


def layer_of(part: str) -> int | None:
    return next((n for n, layer in enumerate(LAYERS) if part in layer), None)


def test_every_part_of_the_package_has_a_layer():
    missing = sorted({part_of(m) for m in _modules()} - set().union(*LAYERS))
    assert not missing, f"add {missing} to LAYERS in {Path(__file__).name} (see docs/architecture.md)"


def test_imports_go_only_to_lower_layers():
    wrong = []
    for edge in edges():
        mine, theirs = part_of(edge.importer), part_of(edge.imported)
        if mine == theirs:
            continue  # inside one part, only circles are refused
        if edge.type_only and (mine, theirs) in TYPE_ONLY:
            continue
        low, high = layer_of(theirs), layer_of(mine)
        if low is None or high is None or low >= high:
            wrong.append(f"leder_audit/{edge.importer.replace('.', '/') or '__init__'}.py:{edge.line} imports "
                         f"leder_audit.{edge.imported}".rstrip("."))
    assert not wrong, "imports that go sideways or up a layer:\n" + "\n".join(wrong)


def _circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                circle = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    circle.append(member)
                    if member == node:
                        break
                if len(circle) > 1:
                    circles.append(sorted(circle))
    return circles


def test_no_modules_import_each_other_round_a_circle():
    graph: dict[str, set[str]] = defaultdict(set)
    for edge in edges():
        if not edge.type_only:
            graph[edge.importer].add(edge.imported)
    circles = _circles(graph)
    assert not circles, "import circles: " + "; ".join(" <-> ".join(c) for c in circles)


@pytest.mark.parametrize("graph, expected", [
    ({"a": {"b"}, "b": {"a"}}, [["a", "b"]]),
    ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
    ({"a": {"b"}, "b": {"c"}, "c": set()}, []),
])
def test_the_circle_finder_finds_circles_and_only_circles(graph, expected):
    assert _circles(graph) == expected


def test_the_import_reader_sees_imports_inside_functions_and_relative_ones():
    found = {(e.importer, e.imported) for e in edges()}
    assert ("cli.main", "cli.check") in found  # `from . import check as commands` inside _dispatch
    assert ("cohort.run", "cohort.spec") in found
    assert ("rulebook", "engine") in found
