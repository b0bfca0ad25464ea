"""Rate limit of the complaint form, in Django's cache like the registry's (certbody/website/throttle.py).

A fixed window of PUBLICSITE_COMPLAINT_WINDOW seconds allows PUBLICSITE_COMPLAINT_LIMIT complaints per client IP
(0 turns it off). Complaints are rare; a burst from one address is a script, not a customer.
"""

from __future__ import annotations

from django.conf import settings

from certbody.website.throttle import fixed_window


def complaint_retry_after(request) -> int | None:
    """None if the submission may go on; else the seconds until the client's window ends."""
    return fixed_window(
        request,
        "public-complaint",
        limit=getattr(settings, "PUBLICSITE_COMPLAINT_LIMIT", 10),
        window=getattr(settings, "PUBLICSITE_COMPLAINT_WINDOW", 3600),
    )
