"""Draw every workflow's state diagram into docs/architecture.md, straight from the transition tables.

    python scripts/diagrams.py write   # regenerate the section between the markers in docs/architecture.md
    python scripts/diagrams.py check   # exit 1 when that section differs from what the tables give

Workflows are found, not listed: every module of every installed certbody app is imported (tests and migrations
aside) and each `Workflow` instance bound at module level is drawn, so a new workflow appears on the next `write`
and `check` (run by the tests, certbody/core/tests/test_docs_diagrams.py) fails until it is written.
"""

from __future__ import annotations

import difflib
import importlib
import os
import pkgutil
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "architecture.md"
BEGIN = "<!-- BEGIN GENERATED: workflow diagrams (scripts/diagrams.py write; do not edit by hand) -->"
END = "<!-- END GENERATED: workflow diagrams -->"
SKIP_PARTS = {"tests", "migrations", "conftest"}


@dataclass(frozen=True)
class Found:
    workflow: object
    module: str
    name: str


def _setup_django() -> None:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django
    from django.apps import apps

    if not apps.ready:
        django.setup()


def _app_modules() -> list[str]:
    """Every importable module of the project's installed apps, in INSTALLED_APPS order."""
    from django.apps import apps

    names: list[str] = []
    for config in apps.get_app_configs():
        if not config.name.startswith("certbody."):
            continue
        package = importlib.import_module(config.name)
        names.append(config.name)
        for info in pkgutil.walk_packages(package.__path__, prefix=config.name + ".", onerror=lambda name: None):
            if SKIP_PARTS & set(info.name.split(".")):
                continue
            names.append(info.name)
    return names


def _definition_line(module_name: str, name: str) -> int | None:
    """The line where `module_name` builds the workflow it binds to `name`; None when it only imports it."""
    path = getattr(importlib.import_module(module_name), "__file__", None)
    if not path:
        return None
    text = Path(path).read_text("utf-8")
    match = re.search(rf"^{re.escape(name)}\s*(:[^=]+)?=\s*Workflow\(", text, re.M)
    return text.count("\n", 0, match.start()) + 1 if match else None


def discover() -> list[Found]:
    """Each Workflow once, with the module and name that define it, in INSTALLED_APPS and then source order."""
    _setup_django()
    from certbody.core.workflow import Workflow

    modules = _app_modules()
    seen: dict[int, Found] = {}
    for module_name in modules:
        for name, value in vars(importlib.import_module(module_name)).items():
            if not isinstance(value, Workflow):
                continue
            known = seen.get(id(value))
            if known is None or (
                _definition_line(known.module, known.name) is None and _definition_line(module_name, name) is not None
            ):
                seen[id(value)] = Found(value, module_name, name)

    def position(found: Found) -> tuple[int, int]:
        return modules.index(found.module), _definition_line(found.module, found.name) or 0

    return sorted(seen.values(), key=position)


def _state_id(value: str) -> str:
    return re.sub(r"\W", "_", value)


def _initial_states(workflow) -> list[str]:
    """The state a new row starts in: the default of the model field that holds this workflow's status."""
    from django.apps import apps
    from django.db.models import NOT_PROVIDED

    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            holds_it = field.name == "status" and set(dict(field.choices or ())) == set(workflow.status_choices)
            if holds_it and field.default is not NOT_PROVIDED and not callable(field.default):
                return [str(field.default)]
    targets = {t.target for t in workflow.transitions.values()}
    return [s.value for s in workflow.status_choices if s.value not in targets]


def render_one(found: Found) -> str:
    from django.utils import translation

    workflow = found.workflow
    choices = workflow.status_choices
    with translation.override("en"):
        entity = str(workflow.entity)
        labels = {c.value: str(c.label) for c in choices}
    lines = [
        f"### {entity[:1].upper() + entity[1:]}",
        "",
        f"`{found.module}.{found.name}` — statuses `{choices.__module__}.{choices.__qualname__}`",
        "",
        "```mermaid",
        "stateDiagram-v2",
    ]
    for value, label in labels.items():
        lines.append(f'    state "{label}" as {_state_id(value)}')
    for state in _initial_states(workflow):
        lines.append(f"    [*] --> {_state_id(state)}")
    edges = []
    for transition in workflow.transitions.values():
        for source in transition.sources:
            edges.append((list(labels).index(source), source, transition.target, transition.name))
    for _, source, target, name in sorted(edges, key=lambda e: (e[0], list(labels).index(e[2]), e[3])):
        lines.append(f"    {_state_id(source)} --> {_state_id(target)}: {name}")
    sources = {s for t in workflow.transitions.values() for s in t.sources}
    for value in labels:
        if value not in sources:
            lines.append(f"    {_state_id(value)} --> [*]")
    lines.append("```")
    return "\n".join(lines)


def render() -> str:
    """The generated section, markers included."""
    found = discover()
    body = "\n\n".join(render_one(f) for f in found)
    intro = (
        f"{len(found)} workflows. Edges are named by the transition (`Workflow.apply(obj, name)`); `[*] -->` is the "
        "status a new row starts in, `--> [*]` a status no transition leaves."
    )
    return f"{BEGIN}\n\n{intro}\n\n{body}\n\n{END}"


def _split(text: str) -> tuple[str, str, str]:
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        raise SystemExit(f"{DOC.relative_to(ROOT)}: the generated-section markers are missing")
    return text[:start], text[start : end + len(END)], text[end + len(END) :]


def expected_document() -> tuple[str, str]:
    """(current text of the doc, the text it should have)."""
    current = DOC.read_text("utf-8")
    before, _, after = _split(current)
    return current, before + render() + after


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[1] not in {"write", "check"}:
        print(__doc__)
        return 2
    current, expected = expected_document()
    if argv[1] == "write":
        if current != expected:
            DOC.write_text(expected, "utf-8")
        print(f"{DOC.relative_to(ROOT)}: workflow diagrams written")
        return 0
    if current == expected:
        return 0
    name = str(DOC.relative_to(ROOT))
    diff = difflib.unified_diff(current.splitlines(), expected.splitlines(), name, "generated", lineterm="")
    print("\n".join(diff))
    print("\nThe workflow diagrams are out of date: run `python scripts/diagrams.py write`.")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
