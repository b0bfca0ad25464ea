"""Hostile GET parameters on every page: no answer is a server error.

Each page of the permission matrix is requested, as a role that may see it, with each parameter it reads (the names
of its GET forms' fields and the `request.GET` keys of its view) set to hostile values: huge and negative numbers,
impossible and out-of-range dates, 10k characters, NUL bytes, full-width digits, paths, SQL and HTML. One world build,
a few hundred requests; deterministic (no random values).
"""

from __future__ import annotations

import inspect
import re
from urllib.parse import urlencode, urlsplit

import pytest
from django.test import Client
from django.urls import resolve

from certbody.core.tests.test_permission_matrix import OK, PAGE_URLS, PAGES, drain, rolled_back, world  # noqa: F401

HOSTILE = (
    "1" + "0" * 30,
    "-1",
    "9999-99-99",
    "0000-01-01",
    "10000-01-01",
    "x" * 10_000,
    "a\x00b",
    "%00",
    "１２",
    "../..",
    "' OR 1=1 --<script>alert(1)</script>\\",
)
REPEATED = ("1", "abc")  # the same parameter twice
SHARPEST = ("1" + "0" * 30, "9999-99-99", "x" * 10_000, "a\x00b", REPEATED)
# Read by shared helpers (pagination, keyset pages) rather than by the view itself.
COMMON = ("page", "after", "before", "q", "status", "next")
# Order of preference for the role that requests a page: one that sees most of it.
ROLES = ("admin", "quality", "management", "engineer", "hr", "market", "client", "lab", "regulator", "anonymous")

_GET_KEY = re.compile(r"""request\.GET(?:\.get(?:list)?\(\s*|\[\s*)["'](\w+)["']""")
_FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)
_NAME = re.compile(r"""<(?:input|select|textarea)\b[^>]*\bname=["']([^"']+)["']""", re.I)
_SKIP_NAMES = {"csrfmiddlewaretoken", "language"}


def view_keys(path: str) -> set[str]:
    func = inspect.unwrap(resolve(path).func)
    func = getattr(func, "view_class", func)
    try:
        return set(_GET_KEY.findall(inspect.getsource(func)))
    except (OSError, TypeError):
        return set()


def form_keys(html: str) -> set[str]:
    keys: set[str] = set()
    for attributes, body in _FORM.findall(html):
        if "post" in attributes.lower():
            continue
        keys |= {n for n in _NAME.findall(body) if n not in _SKIP_NAMES}
    return keys


def role_for(name: str) -> str:
    row = PAGES[name]
    return next((r for r in ROLES if row.get(r) == OK), "")


@pytest.mark.django_db
def test_hostile_get_parameters_never_cause_a_server_error(world):  # noqa: F811
    browsers: dict[str, Client] = {}
    failures: list[str] = []
    requests = 0
    for name in sorted(PAGES):
        role = role_for(name)
        if not role:
            continue  # no one gets this page by GET (POST-only steps)
        if role not in browsers:
            browsers[role] = Client(raise_request_exception=False)
            if world.users[role] is not None:
                browsers[role].force_login(world.users[role])
        browser = browsers[role]
        url = PAGE_URLS[name](world)
        path, query = urlsplit(url).path, urlsplit(url).query
        with rolled_back():
            first = browser.get(url)
            html = first.content.decode(errors="replace") if not first.streaming else ""
            drain(first)
        keys = sorted(form_keys(html) | view_keys(path))
        # Every parameter the page reads gets each hostile value at once (a bad one must not hide a worse one:
        # forms judge each field); a page that reads none gets the helpers' parameters and the sharpest values.
        values = (*HOSTILE, REPEATED) if keys else SHARPEST
        for value in values:
            query_values = {key: value for key in (keys or COMMON)}
            separator = "&" if query else ""
            target = f"{path}?{query}{separator}{urlencode(query_values, doseq=True)}"
            requests += 1
            with rolled_back():
                response = browser.get(target)
                body = b"" if response.streaming else response.content
                drain(response)
            if response.status_code >= 500 or b"Traceback" in body:
                failures.append(f"{name} as {role}: {keys or COMMON}={str(value)[:40]!r} -> {response.status_code}")
    assert requests > 300
    assert not failures, f"{len(failures)} of {requests} requests failed:\n  " + "\n  ".join(failures)
