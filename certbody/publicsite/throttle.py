"""Rate limit of the complaint form, in Django's cache like the registry's (certbody/website/throttle.py).

A fixed window of PUBLICSITE_COMPLAINT_WINDOW seconds allows PUBLICSITE_COMPLAINT_LIMIT complaints per client IP
(0 turns it off). Complaints are rare; a burst from one address is a script, not a customer.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache

from certbody.website.throttle import client_ip


def complaint_retry_after(request) -> int | None:
    """None if the submission may go on; else the seconds until the client's window ends."""
    limit = getattr(settings, "PUBLICSITE_COMPLAINT_LIMIT", 10)
    if not limit:
        return None
    window = getattr(settings, "PUBLICSITE_COMPLAINT_WINDOW", 3600)
    now = time.time()
    slot = int(now // window)
    key = f"public-complaint:{client_ip(request)}:{slot}"
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
