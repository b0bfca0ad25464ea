"""Extract translatable strings without GNU gettext, merge them into the .po files, or check completeness.

    python scripts/messages.py update   # add new msgids to locale/zh_Hans/.../django.po, drop unused ones
    python scripts/messages.py check    # exit 1 listing every msgid without a Chinese translation

Python files are read with `ast` (calls to _, gettext, gettext_lazy, ngettext, pgettext and their lazy forms);
templates through Django's own `templatize`, the function `makemessages` uses.
"""

from __future__ import annotations

import ast
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PO_PATH = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
SOURCE_DIRS = [ROOT / "certbody", ROOT / "config"]
SKIP_PARTS = {"tests", "migrations", "__pycache__", "vendor"}

SINGULAR = {"_", "gettext", "gettext_lazy", "gettext_noop", "_lazy"}
PLURAL = {"ngettext", "ngettext_lazy"}
CONTEXT = {"pgettext", "pgettext_lazy"}
CONTEXT_PLURAL = {"npgettext", "npgettext_lazy"}
ALL = SINGULAR | PLURAL | CONTEXT | CONTEXT_PLURAL

Key = tuple[str | None, str, str | None]  # (context, msgid, msgid_plural)


def _strings(call: ast.Call, count: int) -> list[str] | None:
    args = call.args[:count]
    if len(args) < count or not all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in args):
        return None
    return [a.value for a in args]  # type: ignore[attr-defined]


def _key(name: str, call: ast.Call) -> Key | None:
    if name in SINGULAR and (s := _strings(call, 1)):
        return (None, s[0], None)
    if name in PLURAL and (s := _strings(call, 2)):
        return (None, s[0], s[1])
    if name in CONTEXT and (s := _strings(call, 2)):
        return (s[0], s[1], None)
    if name in CONTEXT_PLURAL and (s := _strings(call, 3)):
        return (s[0], s[1], s[2])
    return None


def _calls(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
            if name in ALL and (key := _key(name, node)):
                yield key, node.lineno


def from_python(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    yield from _calls(tree)


_CALL_START = re.compile(r"\b(n?p?gettext|_)\(")


def from_template(path: Path):
    from django.utils.translation.template import templatize

    text = templatize(path.read_text(encoding="utf-8"), origin=str(path))
    for match in _CALL_START.finditer(text):
        start = match.start()
        end = text.find(")", match.end())
        while end != -1:
            try:
                tree = ast.parse(
                    text[start : end + 1].replace("_(", "gettext(", 1)
                    if match.group(1) == "_"
                    else text[start : end + 1]
                )
            except SyntaxError:
                end = text.find(")", end + 1)
                continue
            for key, _line in _calls(tree):
                yield key, text.count("\n", 0, start) + 1
            break


def extract() -> dict[Key, list[str]]:
    found: dict[Key, list[str]] = {}
    for base in SOURCE_DIRS:
        for path in sorted(base.rglob("*")):
            if SKIP_PARTS.intersection(path.relative_to(ROOT).parts) or not path.is_file():
                continue
            if path.suffix == ".py":
                items = from_python(path)
            elif path.suffix in {".html", ".txt"} and "templates" in path.parts:
                items = from_template(path)
            else:
                continue
            for key, line in items:
                found.setdefault(key, []).append(f"{path.relative_to(ROOT)}:{line}")
    return found


def _setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()


def _load_po():
    import polib

    if PO_PATH.exists():
        return polib.pofile(str(PO_PATH), wrapwidth=0)
    po = polib.POFile(wrapwidth=0)
    po.metadata = {
        "Project-Id-Version": "certbody",
        "Language": "zh_Hans",
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
        "Plural-Forms": "nplurals=1; plural=0;",
    }
    return po


def update() -> int:
    import polib

    found = extract()
    po = _load_po()
    existing = {(e.msgctxt, e.msgid, e.msgid_plural or None): e for e in po if not e.obsolete}
    for key, places in found.items():
        entry = existing.get(key)
        if entry is None:
            ctx, msgid, plural = key
            entry = polib.POEntry(msgctxt=ctx, msgid=msgid, msgid_plural=plural or "")
            if plural:
                entry.msgstr_plural = {0: ""}
            po.append(entry)
        entry.occurrences = [(p.rsplit(":", 1)[0], p.rsplit(":", 1)[1]) for p in places[:3]]
    for key, entry in existing.items():
        if key not in found:
            po.remove(entry)
    po.sort(key=lambda e: (e.occurrences[0] if e.occurrences else ("", ""), e.msgid))
    PO_PATH.parent.mkdir(parents=True, exist_ok=True)
    po.save(str(PO_PATH))
    missing = untranslated(found, po)
    print(f"{len(found)} messages, {len(missing)} without a Chinese translation -> {PO_PATH.relative_to(ROOT)}")
    return 0


def untranslated(found, po) -> list[str]:
    entries = {(e.msgctxt, e.msgid, e.msgid_plural or None): e for e in po if not e.obsolete}
    missing = []
    for key, places in found.items():
        entry = entries.get(key)
        done = (
            entry is not None
            and "fuzzy" not in entry.flags
            and (all(entry.msgstr_plural.values()) if key[2] else bool(entry.msgstr))
        )
        if not done:
            missing.append(f"{places[0]}: {key[1]!r}")
        elif _placeholders(key[1]) != _placeholders(entry.msgstr or entry.msgstr_plural.get(0, "")):
            missing.append(f"{places[0]}: {key[1]!r} (placeholders differ in the translation)")
    return missing


_PLACEHOLDER = re.compile(r"%\((\w+)\)[sdf]|\{(\w*)\}")


def _placeholders(text: str) -> set[str]:
    return {a or b for a, b in _PLACEHOLDER.findall(text)}


def check() -> int:
    missing = untranslated(extract(), _load_po())
    for line in missing:
        print(line)
    print(f"{len(missing)} messages lack a Chinese translation")
    return 1 if missing else 0


if __name__ == "__main__":
    _setup_django()
    sys.exit({"update": update, "check": check}[sys.argv[1] if len(sys.argv) > 1 else "check"]())
