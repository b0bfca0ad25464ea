"""Helpers the people services share."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from certbody.core.dates import check_date_window
from certbody.core.errors import InvalidInput


def _text(value: Any, field: str, label: Any, *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput(_("Enter the %(what)s.") % {"what": label}, details={"field": field})
    return value


def _period(valid_from: date | None, valid_until: date | None) -> None:
    if valid_from is None or valid_until is None:
        raise InvalidInput(_("Enter the period (from and until)."), details={"field": "valid_from"})
    check_date_window(valid_from, field="valid_from", label=_("Valid from"), kind="planned")
    check_date_window(valid_until, field="valid_until", label=_("Valid until"), kind="planned")
    if valid_until < valid_from:
        raise InvalidInput(_("The period ends before it starts."), details={"field": "valid_until"})
