"""Gap-free numbers: one counter row per key, incremented under a lock in the caller's transaction."""

from __future__ import annotations

import re
from datetime import date

from django.db import connection
from django.utils.translation import gettext as _

from .errors import InvalidInput
from .models import NumberSequence

_SEQ = re.compile(r"\{seq(?::0?(\d+)d)?\}")
_ALLOWED = {"year", "scheme", "category", "seq", "prefix"}
_PLACEHOLDER = re.compile(r"\{(\w+)(?::[^}]*)?\}")


def next_value(key: str) -> int:
    if not connection.in_atomic_block:
        raise RuntimeError("next_value() must run inside the issuing transaction")
    NumberSequence.objects.bulk_create([NumberSequence(key=key)], ignore_conflicts=True)
    seq = NumberSequence.objects.select_for_update().get(key=key)
    seq.last_value += 1
    seq.save(update_fields=["last_value"])
    return seq.last_value


def validate_template(template: str) -> None:
    names = set(_PLACEHOLDER.findall(template))
    unknown = names - _ALLOWED
    if unknown or "seq" not in names or len(_SEQ.findall(template)) != 1:
        raise InvalidInput(
            _("A number template needs exactly one {seq} and may use {year}, {scheme}, {category}, {prefix}.")
        )


def render_number(template: str, *, on: date, scheme: str = "", category: str = "", prefix: str = "") -> str:
    """Render a template such as 'NFCC{year}{scheme}{seq:06d}'; the counter key is the rendered prefix."""
    validate_template(template)
    values = {"year": f"{on.year:04d}", "scheme": scheme, "category": category, "prefix": prefix}
    key = _SEQ.sub("#", template).format(**values)
    value = next_value(key)
    return _SEQ.sub(lambda m: str(value).zfill(int(m.group(1) or 0)), template).format(**values)
