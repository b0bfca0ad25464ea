"""Small request helpers shared by the console, the portal and the public site."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date

from django.http import Http404

log = logging.getLogger(__name__)

ID_MAX = 2**63 - 1  # the largest primary key the databases store
# A date a filter may name: wide enough for any record and plan, narrow enough for every database and date sum.
QUERY_DATE_MIN = date(1900, 1, 1)
QUERY_DATE_MAX = date(2999, 12, 31)


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


def query_int(value: str | None, *, minimum: int = 1, maximum: int = ID_MAX, default: int | None = None) -> int | None:
    """A whole number from a query parameter (list filters, page numbers), or `default` when the value is not plain
    ASCII digits within [minimum, maximum]: a bad filter is ignored, never a server error."""
    raw = (value or "").strip()
    sign = raw[:1] == "-"
    digits = raw[1:] if sign else raw
    if not digits.isascii() or not digits.isdigit() or len(digits) > 19:
        return default
    number = -int(digits) if sign else int(digits)
    return number if minimum <= number <= maximum else default


def query_date(value: str | None, *, default: date | None = None) -> date | None:
    """A YYYY-MM-DD date from a query parameter within QUERY_DATE_MIN..QUERY_DATE_MAX, or `default`."""
    raw = (value or "").strip()
    if len(raw) != 10 or not raw.isascii():
        return default
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        return default
    return day if QUERY_DATE_MIN <= day <= QUERY_DATE_MAX else default


def query_choice(value: str | None, choices: Iterable[str], *, default: str = "") -> str:
    """One of `choices` (e.g. a TextChoices' values), or `default`."""
    raw = (value or "").strip()
    return raw if raw in set(choices) else default


def open_stored(field):
    """The stored file of a FileField, open for reading, or None when it is missing in storage (logged: someone
    must restore it from the backup)."""
    try:
        return field.open("rb")
    except (FileNotFoundError, ValueError):
        log.error("stored file missing: %s", field.name)
        return None
