"""No two apps depend on each other through their domain modules.

Models, services, selectors, permissions and rules are where the layers are real: if app A's domain code imports
app B and B's imports A, neither can be understood, tested or moved without the other. Every import counts, also
one written inside a function to dodge the import-time cycle: that hides the cycle, it does not remove it.
Faces (views, API, forms, templates), tests, migrations, admin and Celery tasks are not domain modules.
"""

from __future__ import annotations

import ast
import itertools
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the certbody package
DOMAIN_MODULES = {"models", "services", "selectors", "permissions", "engine", "rules", "dossier", "checklist"}
# Known, to be removed, each with its reason. Nothing else may be added here without a reason as good.
NOT_DOMAIN: set[str] = set()
KNOWN_PAIRS: set[frozenset[str]] = set()


def _is_domain(path: Path, app_dir: Path) -> bool:
    parts = path.relative_to(app_dir).with_suffix("").parts
    if parts[0] in ("tests", "migrations", "management"):
        return False
    return parts[0] in DOMAIN_MODULES  # services.py, or any module of a services/ package


def _imported_apps(path: Path, app: str) -> list[tuple[str, int]]:
    """(app, line) for every certbody app this file imports, at module level or inside functions."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = path.relative_to(ROOT.parent).with_suffix("").parts[:-1]  # for relative imports
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            names = [module]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if len(parts) >= 2 and parts[0] == "certbody" and parts[1] != app:
                found.append((parts[1], node.lineno))
    return found


def app_graph() -> dict[str, dict[str, list[str]]]:
    """app -> imported app -> the import sites ("path:line")."""
    graph: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for app_dir in sorted(p for p in ROOT.iterdir() if (p / "apps.py").exists()):
        for path in sorted(app_dir.rglob("*.py")):
            if not _is_domain(path, app_dir) or str(path.relative_to(ROOT.parent)) in NOT_DOMAIN:
                continue
            for other, line in _imported_apps(path, app_dir.name):
                if (ROOT / other / "apps.py").exists() and frozenset({app_dir.name, other}) not in KNOWN_PAIRS:
                    graph[app_dir.name][other].append(f"{path.relative_to(ROOT.parent)}:{line}")
    return graph


def find_cycle(graph: dict[str, dict[str, list[str]]]) -> list[str] | None:
    """One cycle of apps (first app repeated at the end), or None."""
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, {})):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state:
                cycle = visit(nxt)
                if cycle:
                    return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            cycle = visit(node)
            if cycle:
                return cycle
    return None


def describe(graph: dict[str, dict[str, list[str]]], cycle: list[str]) -> str:
    lines = [" -> ".join(cycle)]
    for a, b in itertools.pairwise(cycle):
        lines.append(f"  {a} -> {b}: " + ", ".join(graph[a][b]))
    return "\n".join(lines)


def test_the_cycle_finder_finds_a_cycle_and_names_where_it_is():
    graph = {"a": {"b": ["a.py:1"]}, "b": {"c": ["b.py:2"]}, "c": {"a": ["c.py:3"]}}
    cycle = find_cycle(graph)
    assert cycle == ["a", "b", "c", "a"]
    assert "c -> a: c.py:3" in describe(graph, cycle)
    assert find_cycle({"a": {"b": ["x"]}, "b": {}}) is None


def test_domain_modules_of_the_apps_import_each_other_in_one_direction_only():
    graph = app_graph()
    assert graph, "no domain module found: the scan is broken"
    cycle = find_cycle(graph)
    assert cycle is None, "apps import each other (every import, also inside functions):\n" + describe(graph, cycle)
