"""Helpers for page tests: sign in as someone and press a form's button the way a browser does."""

from __future__ import annotations

import html
import re
from typing import Any

from django.http import HttpResponse

_ERRORS = re.compile(r'<(?:div class="form-error"[^>]*|ul class="errorlist"[^>]*)>(.*?)</(?:div|ul)>', re.S)
_TAGS = re.compile(r"<[^>]+>")


def form_errors(response: HttpResponse) -> str:
    """The error texts a person would read on the page."""
    text = response.content.decode()
    found = [html.unescape(_TAGS.sub(" ", m)).strip() for m in _ERRORS.findall(text)]
    return " | ".join(" ".join(f.split()) for f in found if f.strip())


class Pages:
    """A browser session: English pages, one user at a time."""

    def __init__(self, client):
        self.client = client
        self._english()

    def _english(self) -> None:
        # The console defaults to zh-hans; tests read the English source strings.
        self.client.cookies["django_language"] = "en"

    def login(self, user: Any) -> None:
        self.client.logout()
        self.client.force_login(user)
        self._english()

    def get(self, url: str, **kwargs) -> HttpResponse:
        return self.client.get(url, **kwargs)

    def act(self, url: str, action: str, **data: Any) -> HttpResponse:
        """POST one action form; it must succeed (redirect), or the test fails with the page's message."""
        response = self.client.post(url, {"action": action, **data})
        if response.status_code != 302:
            raise AssertionError(
                f"{action} on {url} answered {response.status_code}: {form_errors(response) or 'no message'}"
            )
        return response

    def refused(self, url: str, action: str, *, headers: dict | None = None, **data: Any) -> HttpResponse:
        """POST one action form that the service must refuse: the page comes back with the message."""
        response = self.client.post(url, {"action": action, **data}, headers=headers or {})
        assert response.status_code in (200, 422), (response.status_code, action)
        return response
