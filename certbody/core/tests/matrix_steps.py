"""The steps the pages declare, found without a hand-written list (certbody/core/tests/test_permission_matrix.py).

A step is one kind of POST a page takes: `"<page> <discriminator>"`, the discriminator being the `action` (or, for
pages with several plain forms, the `form`) field the POST carries, or nothing for a page with a single form.
They are collected three ways, so that neither a new `Action` nor a new plain form nor a new POST-only view can
appear without a matrix row:

- every view that handles POST, found in its code: a class-based view with `post`, or a function that (itself or
  a project function it calls, followed by name) reads `request.POST`, compares with "POST" or is `require_POST`;
- every `Action` a page runs: `run_actions()` is watched while the page is shown (whatever `check=` or
  `available=` says, every Action of the list passes through it);
- every POST form a page shows, by its target and its `action`/`form` field, and every value of those fields a
  plain view compares the POST with.

Views are found by resolving the URL patterns, not by file names: a module split into a package changes nothing.
"""

from __future__ import annotations

import dis
import inspect
import re
import sys
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from typing import Any
from unittest import mock
from urllib.parse import urljoin, urlsplit

from django.urls import Resolver404, URLResolver, get_resolver, resolve

from certbody.core import views as core_views

POST_MARKERS = ("request.POST", "require_POST", '"POST"', "'POST'")
DISCRIMINATORS = ("action", "form")


def step_key(page: str, data: dict[str, Any]) -> str:
    """A matrix row's step: the page and the `action` (or `form`) field it posts."""
    which = next((str(data[d]) for d in DISCRIMINATORS if data.get(d)), "")
    return f"{page} {which}".rstrip()


def url_views(skipped: tuple[str, ...]) -> dict[str, Callable]:
    """Every named URL pattern (namespaced) and its view, but those under `skipped` prefixes."""
    found: dict[str, Callable] = {}

    def walk(resolver, prefix: str, namespace: str) -> None:
        for pattern in resolver.url_patterns:
            route = prefix + str(pattern.pattern)
            if route.startswith(skipped):
                continue
            if isinstance(pattern, URLResolver):
                walk(pattern, route, ":".join(filter(None, [namespace, pattern.namespace])))
            else:
                name = pattern.name or f"<unnamed {route}>"
                found[f"{namespace}:{name}" if namespace else name] = pattern.callback

    walk(get_resolver(), "", "")
    return found


def _project_functions(fn: Any, seen: set[types.FunctionType]) -> None:
    """`fn` and every project function it names (nested functions and lambdas included), transitively."""
    fn = inspect.unwrap(fn)
    if not isinstance(fn, types.FunctionType) or fn in seen or not fn.__module__.startswith("certbody."):
        return
    seen.add(fn)
    codes, names = [fn.__code__], set()
    while codes:
        code = codes.pop()
        # Names read as globals only: co_names also holds attribute names (`app.units` is not the view `units`).
        names.update(i.argval for i in dis.get_instructions(code) if i.opname in ("LOAD_GLOBAL", "LOAD_NAME"))
        codes.extend(c for c in code.co_consts if isinstance(c, types.CodeType))
    for name in names:
        _project_functions(fn.__globals__.get(name), seen)


def _sources(view: Callable) -> list[str]:
    view_class = getattr(view, "view_class", None)
    reached: set[types.FunctionType] = set()
    for fn in [getattr(view_class, "post", None)] if view_class is not None else [view]:
        _project_functions(fn, reached)
    return [inspect.getsource(f) for f in reached]


def handles_post(view: Callable) -> bool:
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        return callable(getattr(view_class, "post", None))
    return any(marker in source for source in _sources(view) for marker in POST_MARKERS)


_FIELD = r"""request\.POST\.get\(\s*["'](?:action|form)["'][^)]*\)"""
_COMPARED = re.compile(_FIELD + r"""\s*==\s*["'](\w+)["']""")
_NAMED = re.compile(r"(\w+)\s*=\s*" + _FIELD)
_LITERAL = re.compile(r"""["'](\w+)["']""")


def posted_names(view: Callable) -> set[str]:
    """The `action`/`form` values a plain view compares the POST with (a step whose form the page may not be
    showing in the world's state, e.g. a list that is empty there)."""
    names: set[str] = set()
    for source in _sources(view):
        names.update(_COMPARED.findall(source))
        for var in set(_NAMED.findall(source)):
            for match in re.finditer(rf"\b{var}\s*(?:==\s*(\S+)|in\s*\(([^)]*)\))", source):
                names.update(_LITERAL.findall(match.group(1) or match.group(2) or ""))
    return names


class _PostForms(HTMLParser):
    """The POST forms of a page: (target as written, the values of its `action`/`form` fields)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, set[str]]] = []
        self._open = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            self._open = (a.get("method") or "get").lower() == "post"
            if self._open:
                self.forms.append((a.get("action") or "", set()))
        elif tag in ("input", "button") and self._open and a.get("name") in DISCRIMINATORS and a.get("value"):
            self.forms[-1][1].add(str(a["value"]))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._open = False


def forms_on(url: str, html: str) -> Iterator[tuple[str, set[str]]]:
    """(page the form posts to, its discriminators) for each POST form of a page shown at `url`."""
    parser = _PostForms()
    parser.feed(html)
    for target, which in parser.forms:
        path = urlsplit(urljoin(url, target)).path
        try:
            match = resolve(path)
        except Resolver404:
            continue
        yield match.view_name, which


@contextmanager
def actions_run() -> Iterator[list[str]]:
    """The names of the Actions handed to `run_actions()` while inside (every module that imported it is watched)."""
    seen: list[str] = []
    original = core_views.run_actions

    def watched(request, obj, actions, *args, **kwargs):
        seen.extend(a.name for a in actions)
        return original(request, obj, actions, *args, **kwargs)

    modules = [
        m
        for name, m in list(sys.modules.items())
        if name.startswith("certbody") and getattr(m, "run_actions", None) is original
    ]
    patches = [mock.patch.object(m, "run_actions", watched) for m in modules]
    for p in patches:
        p.start()
    try:
        yield seen
    finally:
        for p in reversed(patches):
            p.stop()
