"""The kernel (certbody.core) imports no other certbody app: every app may build on it, it builds on none.

Every import counts, also one inside a function, a relative one that climbs out of the package, and a module named
in a string to `import_module` / `__import__`. Tests and migrations are left out: a test may set up a world from
other apps. Its templates load no tag library of another app either.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import certbody.core

CORE = Path(certbody.core.__file__).resolve().parent
ALLOWED = ("certbody.core",)


def _modules() -> list[Path]:
    skipped = {"tests", "migrations"}
    return sorted(p for p in CORE.rglob("*.py") if not skipped & set(p.relative_to(CORE).parts[:-1]))


def _package_of(path: Path) -> list[str]:
    """The package a module's relative imports start from (for an __init__.py: its own package, the same list)."""
    return ["certbody", "core", *path.relative_to(CORE).parts[:-1]]


def _imported(tree: ast.AST, path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                package = _package_of(path)
                base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
                module = ".".join([*base, node.module] if node.module else base)
                if not node.module:  # `from .. import x`: x may itself be a module of the package
                    found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
                    continue
            else:
                module = node.module or ""
            found.append((node.lineno, module))
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in ("import_module", "__import__", "import_string") and isinstance(node.args[0].value, str):
                found.append((node.lineno, node.args[0].value))
    return found


def _violations() -> list[str]:
    bad = []
    for path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for line, module in _imported(tree, path):
            if module.split(".")[0] != "certbody":
                continue
            if module == "certbody" or any(module == a or module.startswith(a + ".") for a in ALLOWED):
                continue
            bad.append(f"{path.relative_to(CORE.parent.parent)}:{line} imports {module}")
    return bad


def test_the_kernel_imports_no_other_certbody_app():
    bad = _violations()
    assert not bad, "certbody.core must not import other certbody apps:\n" + "\n".join(bad)


def test_the_kernel_templates_load_only_django_tag_libraries():
    """A template of the kernel that loaded an app's tags (e.g. the console's) would need that app installed."""
    django_libraries = {"i18n", "l10n", "static", "tz", "cache"}
    bad = []
    for path in sorted((CORE / "templates").rglob("*.html")):
        for names in re.findall(r"{%\s*load\s+([^%]*?)\s*%}", path.read_text(encoding="utf-8")):
            words = names.split()
            if "from" in words:  # {% load tag from library %}
                words = words[words.index("from") + 1 :]
            bad += [f"{path.relative_to(CORE)} loads {w}" for w in words if w not in django_libraries]
    assert not bad, bad


def test_the_check_sees_imports_inside_functions_relative_ones_and_strings():
    source = (
        "import os\n"
        "from certbody.core import audit\n"
        "def f():\n"
        "    from certbody.people.selectors import people_tasks\n"
        "    from ..accounts import models\n"
        "    __import__('certbody.publicsite.demo')\n"
    )
    path = CORE / "views.py"  # only its place in the package matters for relative imports
    found = [m for _, m in _imported(ast.parse(source), path)]
    assert "certbody.people.selectors" in found
    assert "certbody.accounts" in found
    assert "certbody.publicsite.demo" in found
    assert "certbody.core" in found
