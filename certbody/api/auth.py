"""Who calls: a bearer token (scripts, client systems) or the signed-in browser session (the console)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from certbody.accounts.middleware import two_factor_state
from certbody.accounts.services import api_token_authenticate, login_failure_record, login_keys, login_locked_for
from certbody.core.middleware import client_address


class BearerToken(HttpBearer):
    """`Authorization: Bearer <key>`; only the key's SHA-256 is stored (accounts.ApiToken).

    A wrong key counts as a failed sign-in of the calling address (a key names no account); past the threshold the
    address gets 429 with Retry-After for every wrong key. A valid key still works from a locked address: a
    256-bit key is not guessed, and a client's office behind one NAT address keeps working while a broken script
    there fails (and a valid call costs no extra query).
    """

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        token = token.strip()
        user = api_token_authenticate(token) if token and len(token) <= 200 else None
        if user is not None:
            return user
        ip = client_address(request.META)
        wait = login_locked_for(login_keys(username=None, ip=ip))
        if not wait:
            wait = login_failure_record(username=None, ip=ip, kind="api_token")
        if wait:
            raise TooManyAttempts(wait)
        return None


class TooManyAttempts(HttpError):
    def __init__(self, wait: int) -> None:
        from certbody.accounts.forms import lockout_message

        super().__init__(429, lockout_message(wait))
        self.retry_after = wait


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
        if two_factor_state(request) != "ok":
            return None  # signed in with the password only: the second factor is still owed
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise HttpError(403, "CSRF check failed")
        return getattr(user, "_wrapped", user)  # the User itself, not the lazy wrapper

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:  # pragma: no cover - __call__ decides
        return None


AUTH = [BearerToken(), Session()]
