"""Per-client rate limit of the public registry, in Django's cache (Redis when REDIS_URL is set, else locmem).

A fixed window of PUBLIC_RATE_WINDOW seconds allows PUBLIC_RATE_LIMIT requests per client IP (0 turns it off).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache


def client_ip(request) -> str:
    """The client's address, behind trusted proxies too (the same rule as core.middleware.TrustedProxyMiddleware).

    Computed from META here because the WSGI fast path calls this before any middleware has run.
    """
    from certbody.core.middleware import client_address

    return client_address(request.META) or "unknown"


def retry_after(request) -> int | None:
    """None if the request may go on; else the seconds until the client's window ends."""
    return fixed_window(
        request,
        "public-rl",
        limit=getattr(settings, "PUBLIC_RATE_LIMIT", 300),
        window=getattr(settings, "PUBLIC_RATE_WINDOW", 60),
    )


def fixed_window(request, name: str, *, limit: int, window: int) -> int | None:
    """Count one hit of the client in the current `window`-second slot of `name` (0 = no limit).

    None if it is within `limit`; else the seconds until the slot ends. Shared by every public form's limit.
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
