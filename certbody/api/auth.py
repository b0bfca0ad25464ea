"""Who calls: a bearer token (scripts, client systems) or the signed-in browser session (the console)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from certbody.accounts.services import api_token_authenticate


class BearerToken(HttpBearer):
    """`Authorization: Bearer <key>`; only the key's SHA-256 is stored (accounts.ApiToken)."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        token = token.strip()
        if not token or len(token) > 200:
            return None
        return api_token_authenticate(token)


class Session(APIKeyCookie):
    """The Django session, with Django's CSRF check on unsafe methods.

    Not signed in gives None (so the answer is 401); signed in without a valid CSRF token is a 403.
    """

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        super().__init__(csrf=True)

    def __call__(self, request: HttpRequest) -> Any:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise HttpError(403, "CSRF check failed")
        return getattr(user, "_wrapped", user)  # the User itself, not the lazy wrapper

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:  # pragma: no cover - __call__ decides
        return None


AUTH = [BearerToken(), Session()]
