"""docs/architecture.md draws every workflow from its transition table: the drawing cannot drift from the code."""

import importlib.util
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _diagrams():
    spec = importlib.util.spec_from_file_location("certbody_docs_diagrams", ROOT / "scripts" / "diagrams.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_architecture_doc_shows_the_workflow_tables_as_they_are():
    current, expected = _diagrams().expected_document()
    assert current == expected, "docs/architecture.md is out of date: run `python scripts/diagrams.py write`"


def test_every_workflow_in_the_code_is_drawn():
    """A Workflow built anywhere but at module level (in a function, a class) would be missed: name it here."""
    built = set()
    for path in (ROOT / "certbody").rglob("*.py"):
        if {"tests", "migrations"} & set(path.parts):
            continue
        for match in re.finditer(r"^(\w+)\s*(?::[^=\n]+)?=\s*Workflow\(|Workflow\(", path.read_text("utf-8"), re.M):
            if path.name == "workflow.py" and path.parent.name == "core":
                continue  # the class itself
            module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            built.add(f"{module}.{match.group(1)}")
    drawn = {f"{found.module}.{found.name}" for found in _diagrams().discover()}
    assert built == drawn
