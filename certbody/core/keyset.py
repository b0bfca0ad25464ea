"""Keyset pagination, the one way every list is walked: by an indexed key, no COUNT, no OFFSET, fast at any depth.

`walk()` is the engine. Two faces wrap it: the console's pages (`core.views.keyset_page`: `?after=` / `?before=`
cursors in the URL, both directions) and the API (`api.common.cursor_page`: an opaque `next_cursor`, forward only).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext as _

from .errors import InvalidInput

MAX_ID = 2**63 - 1  # a bigint: larger ids cannot exist, and SQLite overflows on them
FIRST_DAY = date(1990, 1, 1)
LAST_DAY = date(2199, 12, 31)


@dataclass
class KeysetPage:
    """A page of a list walked by an indexed key: no COUNT, no OFFSET, fast at any depth."""

    items: list
    next_cursor: str | None
    prev_cursor: str | None
    next_key: tuple | None = None  # the keys of the last row, when there is a next page

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None

    @property
    def has_prev(self) -> bool:
        return self.prev_cursor is not None

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_prev


def beyond(keys: Sequence[str], values: Sequence[Any], descending: bool) -> Q:
    """Rows strictly after `values` in the ordering by `keys` (lexicographic).

    Written as a range on the first key less the rows of its boundary value already shown
    (`k0 <= v0 AND NOT (k0 = v0 AND k1 >= v1)` for two keys, descending), so an index on the keys
    serves it as one range scan on either database.
    """
    strict, inclusive = ("lt", "lte") if descending else ("gt", "gte")
    if len(keys) == 1:
        return Q(**{f"{keys[0]}__{strict}": values[0]})
    rest = beyond(keys[1:], values[1:], descending)
    return Q(**{f"{keys[0]}__{inclusive}": values[0]}) & ~(Q(**{keys[0]: values[0]}) & ~rest)


def encode_key(values: Sequence[Any]) -> str:
    return "_".join(v.isoformat() if isinstance(v, date) else str(v) for v in values)


def walk(
    qs: QuerySet,
    *,
    keys: Sequence[str],
    after: Sequence[Any] | None = None,
    before: Sequence[Any] | None = None,
    descending: bool = True,
    per_page: int = 25,
    sort_matches: bool = False,
) -> KeysetPage:
    """One page after `after` (or before `before`); LIMIT n+1 tells whether there is more.

    `sort_matches=True` says the filter already picks few rows through another index: the ordering is then
    written so that no index can serve it (NULLS placement unlike the index), and the planner sorts the
    matches instead of walking the ordering index past every non-matching row.
    """
    if sort_matches:
        # The keys are never NULL, so this changes no result, only which plans can produce it.
        down = [F(k).desc(nulls_last=True) for k in keys]
        up = [F(k).asc(nulls_first=True) for k in keys]
        forward, backward = (down, up) if descending else (up, down)
    else:
        forward = [f"-{k}" if descending else k for k in keys]
        backward = [k if descending else f"-{k}" for k in keys]
    if before is not None and after is None:
        rows = list(qs.filter(beyond(keys, before, not descending)).order_by(*backward)[: per_page + 1])
        has_prev = len(rows) > per_page
        rows = list(reversed(rows[:per_page]))
        has_next = True
    else:
        if after is not None:
            qs = qs.filter(beyond(keys, after, descending))
        rows = list(qs.order_by(*forward)[: per_page + 1])
        has_next = len(rows) > per_page
        rows = rows[:per_page]
        has_prev = after is not None
    if not rows:
        return KeysetPage(items=[], next_cursor=None, prev_cursor=None)

    def key(row) -> tuple:
        return tuple(getattr(row, k) for k in keys)

    return KeysetPage(
        items=rows,
        next_cursor=encode_key(key(rows[-1])) if has_next else None,
        prev_cursor=encode_key(key(rows[0])) if has_prev else None,
        next_key=key(rows[-1]) if has_next else None,
    )


# --- the API's opaque cursor: (day, id) of the last row shown ---------------------------------------------------


def encode_cursor(day: date, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{day.isoformat()}|{pk}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[date, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        day_text, pk_text = raw.split("|")
        day, pk = date.fromisoformat(day_text), int(pk_text)
        if not (FIRST_DAY <= day <= LAST_DAY and 1 <= pk <= MAX_ID):
            raise ValueError
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise InvalidInput(
            _("The cursor is not valid: use the next_cursor of a previous page."),
            code="invalid_cursor",
            details={"field": "cursor"},
        )
    return day, pk
