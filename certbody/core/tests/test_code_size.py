"""Size bounds from the house rules: a module over 500 lines becomes a package, a function over 60 lines is split.

The complexity bound (ruff C901, max-complexity 15) is enforced by ``ruff check`` in CI; this test covers the two
bounds ruff cannot check. Tests and migrations are exempt.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the certbody package
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 60


def _sources() -> list[Path]:
    return sorted(
        path
        for path in ROOT.rglob("*.py")
        if not {"tests", "migrations"} & set(path.relative_to(ROOT).parts[:-1]) and not path.name.startswith("test_")
    )


def _body_lines(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Lines from the first statement after the docstring to the end of the function."""
    body = node.body
    if (
        len(body) > 1
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    ):
        body = body[1:]
    return node.end_lineno - body[0].lineno + 1


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT.parent))


def test_modules_stay_under_the_bound() -> None:
    offenders = []
    for path in _sources():
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_MODULE_LINES:
            offenders.append(f"{_name(path)}:1: {lines} lines")
    assert not offenders, f"modules over {MAX_MODULE_LINES} lines (make them packages):\n" + "\n".join(offenders)


def test_functions_stay_under_the_bound() -> None:
    offenders = []
    for path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = _body_lines(node)
                if lines > MAX_FUNCTION_LINES:
                    offenders.append(f"{_name(path)}:{node.lineno}:{node.name} {lines} lines")
    assert not offenders, f"functions over {MAX_FUNCTION_LINES} lines (split them):\n" + "\n".join(offenders)
