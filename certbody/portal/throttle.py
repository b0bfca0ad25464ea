"""Per-client rate limit of the portal's public sign-ups (registration, invitation acceptance), in Django's cache.

The same fixed window as the public registry's (certbody/website/throttle.py): PORTAL_REGISTER_RATE_WINDOW seconds
allow PORTAL_REGISTER_RATE_LIMIT submissions per client IP, both forms counted together (0 turns it off). A person
registers once; a burst from one address is a script creating accounts or guessing user names.
"""

from __future__ import annotations

from django.conf import settings

from certbody.website.throttle import fixed_window


def signup_retry_after(request) -> int | None:
    """None if the submission may go on; else the seconds until the client's window ends."""
    return fixed_window(
        request,
        "portal-signup",
        limit=getattr(settings, "PORTAL_REGISTER_RATE_LIMIT", 10),
        window=getattr(settings, "PORTAL_REGISTER_RATE_WINDOW", 3600),
    )
