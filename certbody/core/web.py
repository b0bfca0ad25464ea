"""Small request helpers shared by the console, the portal and the public site."""

from __future__ import annotations

import logging

from django.http import Http404

log = logging.getLogger(__name__)

ID_MAX = 2**63 - 1  # the largest primary key the databases store


def parse_id(value: str | None) -> int:
    """An id a client sent (form field, query parameter): anything but a positive number in range is not found
    (404), never a server error — full-width digits, signs, decimals and huge numbers included."""
    raw = (value or "").strip()
    if not raw.isascii() or not raw.isdigit() or len(raw) > 19:
        raise Http404
    number = int(raw)
    if not 0 < number <= ID_MAX:
        raise Http404
    return number


def open_stored(field):
    """The stored file of a FileField, open for reading, or None when it is missing in storage (logged: someone
    must restore it from the backup)."""
    try:
        return field.open("rb")
    except (FileNotFoundError, ValueError):
        log.error("stored file missing: %s", field.name)
        return None
