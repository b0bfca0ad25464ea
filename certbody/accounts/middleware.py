"""Session rules after sign-in: the second factor, idle and absolute timeouts, and no caching of private pages."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse

from certbody.core.middleware import client_address

from .services import has_totp_device, logout_record, two_factor_required

OTP_SESSION_KEY = "cb_2fa_verified_at"
AUTH_AT_KEY = "cb_auth_at"
SEEN_AT_KEY = "cb_seen_at"
NO_DEVICE_KEY = "cb_2fa_none_at"  # when this session last found the user without a device (re-checked every 5 min)


def session_started(sender, request, user, **kwargs) -> None:
    """On every sign-in (user_logged_in; connected in apps.py): the session's clocks start, and whether the user has
    a device is noted, so that the requests after it cost no extra query or session write."""
    now = int(time.time())
    request.session[AUTH_AT_KEY] = now
    request.session[SEEN_AT_KEY] = now
    if not has_totp_device(user):
        request.session[NO_DEVICE_KEY] = now


def is_two_factor_verified(request) -> bool:
    return bool(request.session.get(OTP_SESSION_KEY))


def mark_two_factor_verified(request) -> None:
    request.session.cycle_key()
    request.session[OTP_SESSION_KEY] = int(time.time())


def two_factor_state(request) -> str:
    """ "ok", "verify" (a device, code not given in this session) or "enrol" (a device is required, none yet)."""
    user = request.user
    if is_two_factor_verified(request):
        return "ok"
    if two_factor_required(user):
        return "verify" if has_totp_device(user) else "enrol"
    now = int(time.time())
    if now - request.session.get(NO_DEVICE_KEY, 0) < 300:
        return "ok"
    if has_totp_device(user):
        return "verify"
    request.session[NO_DEVICE_KEY] = now
    return "ok"


def _is_staff(user) -> bool:
    return user.is_staff or user.is_superuser or user.is_cb_staff


class SessionSecurityMiddleware:
    """After AuthenticationMiddleware. For a signed-in user:

    - the session ends after CERTBODY_SESSION_MAX_HOURS, and a staff session after CERTBODY_SESSION_IDLE_MINUTES
      without a request (recorded as a logout);
    - until the second factor is given (or, for the enforced roles, a device enrolled) only the two-factor pages,
      sign-out and static files answer; the API's session authentication refuses such a session (api/auth.py);
    - the answer carries Cache-Control: no-store, as does every API answer (a shared cache or the browser's back
      button must not keep private data).
    """

    OPEN_PREFIXES = ("/static/", "/i18n/", "/jsi18n/", "/api/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self._check(request)
        if response is None:
            response = self.get_response(request)
        user = getattr(request, "user", None)
        if request.path.startswith("/api/") or (user is not None and user.is_authenticated):
            response["Cache-Control"] = "no-store"
        return response

    def _check(self, request):
        user = request.user
        if not user.is_authenticated:
            return None
        now = int(time.time())
        session = request.session
        auth_at = session.setdefault(AUTH_AT_KEY, now)
        seen_at = session.get(SEEN_AT_KEY, now)
        idle = settings.CERTBODY_SESSION_IDLE_MINUTES * 60
        expired = ""
        if now - auth_at > settings.CERTBODY_SESSION_MAX_HOURS * 3600:
            expired = "session lifetime reached"
        elif idle and _is_staff(user) and now - seen_at > idle:
            expired = "idle timeout"
        if expired:
            logout_record(user=user, ip=client_address(request.META), reason=expired)
            logout(request)
            if request.path.startswith("/api/"):
                return None  # answered as not signed in
            return redirect(f"{reverse('accounts:login')}?next={request.get_full_path()}")
        if now - seen_at >= 60 or SEEN_AT_KEY not in session:
            session[SEEN_AT_KEY] = now  # at most one session write a minute
        if request.path.startswith(self.OPEN_PREFIXES):
            return None
        state = two_factor_state(request)
        if state == "ok":
            return None
        allowed = {reverse("accounts:two_factor"), reverse("accounts:verify"), reverse("accounts:logout")}
        if request.path in allowed:
            return None
        target = "accounts:verify" if state == "verify" else "accounts:two_factor"
        return redirect(f"{reverse(target)}?next={request.get_full_path()}")
