"""Settings have one source: config/settings/base.py reads the environment, the code reads `settings.X`.

- nothing in the certbody package (tests aside) reads the environment or gives a setting its own default;
- every setting the code reads is declared in base.py (prod.py and test.py only override values);
- every environment variable base.py and prod.py read is in the README's configuration table.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PACKAGE = ROOT / "certbody"
SETTINGS = ROOT / "config" / "settings"
ENV_HELPERS = {"env_bool", "env_list", "env_int", "env_float"}


def _code_files() -> list[Path]:
    """The package's own code: tests and pytest's conftest files are where overriding the environment is fine."""
    return sorted(
        path
        for path in PACKAGE.rglob("*.py")
        if "tests" not in path.relative_to(PACKAGE).parts and path.name != "conftest.py"
    )


def _parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _where(path: Path, node: ast.AST) -> str:
    shown = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    return f"{shown}:{node.lineno}"


def _is_settings(node: ast.AST) -> bool:
    """`settings` or `django.conf.settings` / `conf.settings`."""
    return (isinstance(node, ast.Name) and node.id == "settings") or (
        isinstance(node, ast.Attribute) and node.attr == "settings"
    )


def _is_os(node: ast.AST, *names: str) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr in names
        and isinstance(node.value, ast.Name)
        and (node.value.id == "os")
    )


def environment_and_defaulted_reads(path: Path) -> list[str]:
    """`os.environ`, `os.getenv`, `from os import environ/getenv` and `getattr(settings, name, default)` in a file."""
    found = []
    for node in ast.walk(_parse(path)):
        if _is_os(node, "environ", "getenv", "environb", "putenv"):
            found.append(f"{_where(path, node)} reads the environment (os.{node.attr}): read it in config/settings")
        elif isinstance(node, ast.ImportFrom) and node.module == "os":
            names = {alias.name for alias in node.names} & {"environ", "getenv", "environb"}
            if names:
                found.append(f"{_where(path, node)} imports {', '.join(sorted(names))} from os")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "getattr"
            and node.args
            and _is_settings(node.args[0])
            and len(node.args) + len(node.keywords) > 2
        ):
            found.append(f"{_where(path, node)} gives a setting a default of its own: declare it in base.py")
    return found


def settings_read(path: Path) -> dict[str, str]:
    """The settings a file reads, `settings.X` or `getattr(settings, "X")`, with where each is first read."""
    found: dict[str, str] = {}
    for node in ast.walk(_parse(path)):
        name = None
        if isinstance(node, ast.Attribute) and _is_settings(node.value) and node.attr.isupper():
            name = node.attr
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("getattr", "hasattr")
            and len(node.args) >= 2
            and _is_settings(node.args[0])
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
        ):
            name = node.args[1].value
        if name and name not in found:
            found[name] = _where(path, node)
    return found


def declared(path: Path) -> set[str]:
    """Upper-case names a settings module assigns at its top level (inside top-level if/else too)."""
    names: set[str] = set()

    def visit(body: list[ast.stmt]) -> None:
        for stmt in body:
            targets: list[ast.expr] = []
            if isinstance(stmt, ast.Assign):
                targets = stmt.targets
            elif isinstance(stmt, ast.AnnAssign):
                targets = [stmt.target]
            elif isinstance(stmt, (ast.If, ast.Try)):
                visit(stmt.body)
                visit(stmt.orelse)
            for target in targets:
                if isinstance(target, ast.Name) and target.id.isupper():
                    names.add(target.id)

    visit(_parse(path).body)
    return names


def environment_variables(path: Path) -> dict[str, str]:
    """Variables a settings module reads: os.environ.get("X"), os.environ["X"], os.getenv("X"), env_*("X")."""
    found: dict[str, str] = {}
    for node in ast.walk(_parse(path)):
        name_node = None
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            if (
                (isinstance(func, ast.Attribute) and func.attr == "get" and _is_os(func.value, "environ"))
                or _is_os(func, "getenv")
                or (isinstance(func, ast.Name) and func.id in ENV_HELPERS)
            ):
                name_node = node.args[0]
        elif isinstance(node, ast.Subscript) and _is_os(node.value, "environ"):
            name_node = node.slice
        if isinstance(name_node, ast.Constant) and isinstance(name_node.value, str):
            found.setdefault(name_node.value, _where(path, node))
    return found


def readme_variables() -> set[str]:
    """The variables named in the first column of the README's "Configuration (environment)" table."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Configuration (environment)", 1)[1].split("\n## ", 1)[0]
    names: set[str] = set()
    for line in section.splitlines():
        if line.startswith("|"):
            first = line.strip("|").split("|", 1)[0]
            names.update(re.findall(r"`([A-Z][A-Z0-9_]*)`", first))
    return names


def test_nothing_outside_config_reads_the_environment_or_defaults_a_setting():
    found = [hit for path in _code_files() for hit in environment_and_defaulted_reads(path)]
    assert not found, "\n".join(found)


def test_every_setting_the_code_reads_is_declared_in_base_py():
    base = declared(SETTINGS / "base.py")
    read: dict[str, str] = {}
    for path in _code_files():
        for name, where in settings_read(path).items():
            read.setdefault(name, where)
    assert "CERTBODY_MAX_UPLOAD_BYTES" in read  # the scan sees the code's reads at all
    missing = sorted(f"{where}: settings.{name}" for name, where in read.items() if name not in base)
    assert not missing, "not declared in config/settings/base.py:\n" + "\n".join(missing)


def test_prod_and_test_settings_only_override_what_base_py_declares():
    base = declared(SETTINGS / "base.py")
    # Django's own settings that only production or tests change, and Django reads (not our code).
    django_only = {"PASSWORD_HASHERS", "STORAGES", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS"}
    django_only |= {"SECURE_HSTS_PRELOAD", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE"}
    extra = {
        f"{name} in {module}.py"
        for module in ("prod", "test")
        for name in declared(SETTINGS / f"{module}.py") - base - django_only
    }
    assert not extra, sorted(extra)


def test_every_environment_variable_the_settings_read_is_in_the_readme_table():
    table = readme_variables()
    assert "DATABASE_URL" in table  # the table was found
    read: dict[str, str] = {}
    for module in ("base.py", "prod.py"):
        read.update(environment_variables(SETTINGS / module))
    missing = sorted(f"{where}: {name}" for name, where in read.items() if name not in table)
    assert not missing, "not in README's configuration table:\n" + "\n".join(missing)
    stale = sorted(table - set(read))
    assert not stale, f"README's configuration table names variables no settings module reads: {stale}"


def test_the_scans_find_what_they_look_for(tmp_path):
    """The scans themselves: each kind of read is caught, with its line."""
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import os\n"
        "from os import getenv\n"
        "from django.conf import settings\n"
        "a = os.environ.get('X')\n"
        "b = os.getenv('Y')\n"
        "c = getattr(settings, 'Z', 3)\n"
        "d = settings.SOME_LIMIT\n"
        "e = getattr(settings, 'OTHER')\n"
        "f = env_int('W', 1)\n"
        "g = os.environ['V']\n",
        encoding="utf-8",
    )
    hits = sorted(environment_and_defaulted_reads(sample), key=lambda hit: int(hit.split(" ")[0].rsplit(":")[-1]))
    assert [hit.split(" ", 1)[0] for hit in hits] == [f"{sample}:{n}" for n in (2, 4, 5, 6, 10)]
    assert set(settings_read(sample)) == {"Z", "SOME_LIMIT", "OTHER"}
    assert set(environment_variables(sample)) == {"X", "Y", "W", "V"}
