"""Per-client rate limit of the portal's public sign-ups (registration, invitation acceptance), in Django's cache.

The same fixed window as the public registry's (certbody/website/throttle.py): PORTAL_REGISTER_RATE_WINDOW seconds
allow PORTAL_REGISTER_RATE_LIMIT submissions per client IP, both forms counted together (0 turns it off). A person
registers once; a burst from one address is a script creating accounts or guessing user names.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache

from certbody.website.throttle import client_ip


def signup_retry_after(request) -> int | None:
    """None if the submission may go on; else the seconds until the client's window ends."""
    limit = getattr(settings, "PORTAL_REGISTER_RATE_LIMIT", 10)
    if not limit:
        return None
    window = getattr(settings, "PORTAL_REGISTER_RATE_WINDOW", 3600)
    now = time.time()
    slot = int(now // window)
    key = f"portal-signup:{client_ip(request)}:{slot}"
    if cache.add(key, 1, window + 1):
        return None
    try:
        hits = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, window + 1)
        return None
    if hits <= limit:
        return None
    return max(1, int((slot + 1) * window - now) + 1)
