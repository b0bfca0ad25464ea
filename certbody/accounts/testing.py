"""Test helper: a session signed in with force_login that also counts as having passed the second factor."""

from __future__ import annotations

import time

from .middleware import OTP_SESSION_KEY


def verify_two_factor(client) -> None:
    session = client.session
    session[OTP_SESSION_KEY] = int(time.time())
    session.save()
