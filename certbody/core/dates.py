"""Dates people enter are held to a sane window, in the services: a grant dated 9999-12-31 would be printed on a
signed certificate, one dated 1900 would sort before every record the body ever kept."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Literal

from django.utils import timezone
from django.utils.translation import gettext as _

from .config import get_setting
from .errors import InvalidInput

# A record (a decision, a contract, a training attended) happened: at most a day ahead, for time zones and clocks.
RECORD_TOLERANCE_DAYS = 1
# A plan (an inspection, a surveillance, a suspension deadline, a validity end) lies ahead, but not for ever.
PLAN_HORIZON_YEARS = 10

Kind = Literal["record", "planned"]


def earliest_record_date() -> date:
    """The first day any record may carry: the configurable fact `earliest_record_date` (before the body existed
    nothing happened)."""
    value = get_setting("earliest_record_date")
    try:
        return value if isinstance(value, date) else date.fromisoformat(str(value))
    except ValueError:
        return date(2000, 1, 1)


def date_window(kind: Kind = "record") -> tuple[date, date]:
    today = timezone.localdate()
    if kind == "planned":
        try:
            latest = today.replace(year=today.year + PLAN_HORIZON_YEARS)
        except ValueError:  # 29 February
            latest = today.replace(year=today.year + PLAN_HORIZON_YEARS, day=28)
    else:
        latest = today + timedelta(days=RECORD_TOLERANCE_DAYS)
    return earliest_record_date(), latest


def date_window_error(value: date | None, *, label: Any, kind: Kind = "record") -> str | None:
    """The message naming the field when `value` lies outside its window; None when it fits (or is empty: whether a
    date is required is the caller's rule)."""
    if value is None:
        return None
    earliest, latest = date_window(kind)
    if earliest <= value <= latest:
        return None
    return _("%(what)s must lie between %(earliest)s and %(latest)s.") % {
        "what": label,
        "earliest": earliest.isoformat(),
        "latest": latest.isoformat(),
    }


def check_date_window(value: date | None, *, field: str, label: Any, kind: Kind = "record") -> date | None:
    """Refuse a date outside its window, the message next to the field (details["fields"])."""
    message = date_window_error(value, label=label, kind=kind)
    if message:
        raise InvalidInput(message, code="date_out_of_range", details={"field": field, "fields": {field: message}})
    return value
