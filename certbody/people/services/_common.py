"""Helpers the people services share."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from certbody.core.errors import InvalidInput


def _text(value: Any, field: str, label: Any, *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput(_("Enter the %(what)s.") % {"what": label}, details={"field": field})
    return value


def _period(valid_from: date | None, valid_until: date | None) -> None:
    if valid_from is None or valid_until is None:
        raise InvalidInput(_("Enter the period (from and until)."), details={"field": "valid_from"})
    if valid_until < valid_from:
        raise InvalidInput(_("The period ends before it starts."), details={"field": "valid_until"})
