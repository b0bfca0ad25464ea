"""Per-client rate limits of the public faces, in Django's cache (Redis when REDIS_URL is set, else locmem).

One fixed-window counter serves every limit: a window of W seconds allows L requests per client IP (a limit of 0
turns it off). The limits and windows are settings (config/settings/base.py):

- REGISTRY, the public certificate registry (website): PUBLIC_RATE_LIMIT per PUBLIC_RATE_WINDOW;
- SIGNUP, the portal's public sign-ups, registration and invitation acceptance counted together:
  PORTAL_REGISTER_RATE_LIMIT per PORTAL_REGISTER_RATE_WINDOW. A person registers once; a burst from one address
  is a script creating accounts or guessing user names;
- COMPLAINT, the public site's complaint form: PUBLICSITE_COMPLAINT_LIMIT per PUBLICSITE_COMPLAINT_WINDOW.
  Complaints are rare; a burst from one address is a script, not a customer.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache

REGISTRY = "public-rl"
SIGNUP = "portal-signup"
COMPLAINT = "public-complaint"

# Limit name -> (setting holding the limit, setting holding the window in seconds); the name prefixes cache keys.
LIMITS = {
    REGISTRY: ("PUBLIC_RATE_LIMIT", "PUBLIC_RATE_WINDOW"),
    SIGNUP: ("PORTAL_REGISTER_RATE_LIMIT", "PORTAL_REGISTER_RATE_WINDOW"),
    COMPLAINT: ("PUBLICSITE_COMPLAINT_LIMIT", "PUBLICSITE_COMPLAINT_WINDOW"),
}


def client_ip(request) -> str:
    """The client's address, behind trusted proxies too (the same rule as core.middleware.TrustedProxyMiddleware).

    Computed from META here because the registry's WSGI fast path calls this before any middleware has run.
    """
    from certbody.core.middleware import client_address

    return client_address(request.META) or "unknown"


def retry_after(request, name: str = REGISTRY) -> int | None:
    """None if the request may go on under limit `name`; else the seconds until the client's window ends."""
    limit_setting, window_setting = LIMITS[name]
    return fixed_window(request, name, limit=getattr(settings, limit_setting), window=getattr(settings, window_setting))


def fixed_window(request, name: str, *, limit: int, window: int) -> int | None:
    """Count one hit of the client in the current `window`-second slot of `name` (0 = no limit).

    None if it is within `limit`; else the seconds until the slot ends.
    """
    if not limit:
        return None
    now = time.time()
    slot = int(now // window)
    key = f"{name}:{client_ip(request)}:{slot}"
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
