"""Verification counts: buffered per process and written in one batch, off the hot path's critical section.

Each verification adds one to an in-process buffer; the buffer is written (one upsert a certificate,
`count = count + n`, sent as one batch in one transaction) when it holds PUBLIC_VERIFY_FLUSH_HITS hits or is older than
PUBLIC_VERIFY_FLUSH_SECONDS, and at process exit. A count is not a state change of the
certificate, so it takes no audit event. A crash loses at most one unflushed batch of one worker.
"""

from __future__ import annotations

import atexit
import contextlib
import threading
import time
from collections import Counter

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

_lock = threading.Lock()
_pending: Counter[int] = Counter()
_since = time.monotonic()
_hits = 0


def count_verification(certificate_id: int) -> None:
    global _since, _hits
    with _lock:
        if not _pending:
            _since = time.monotonic()
        _pending[certificate_id] += 1
        _hits += 1
        due = _hits >= settings.PUBLIC_VERIFY_FLUSH_HITS or (
            time.monotonic() - _since >= settings.PUBLIC_VERIFY_FLUSH_SECONDS
        )
    if due:
        flush_verifications()


def flush_verifications() -> int:
    """Write the buffered counts; returns how many verifications were written."""
    global _hits
    with _lock:
        batch = dict(_pending)
        _pending.clear()
        _hits = 0
    if not batch:
        return 0
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    upsert = (
        "ON CONFLICT (certificate_id) DO UPDATE SET count = website_verificationcount.count + excluded.count, "
        "last_at = excluded.last_at"
    )
    ids = sorted(batch)
    with transaction.atomic(), connection.cursor() as cursor:
        # Certificates deleted meanwhile are skipped (the join / the WHERE finds no row).
        if connection.vendor == "postgresql":
            # One statement for the whole batch: a flush is a few milliseconds, not one round trip a row.
            cursor.execute(
                "INSERT INTO website_verificationcount (certificate_id, count, last_at) "
                "SELECT c.id, x.n, %s FROM unnest(%s::bigint[], %s::integer[]) AS x(id, n) "
                f"JOIN certificates_certificate c ON c.id = x.id {upsert}",
                [now, ids, [batch[pk] for pk in ids]],
            )
        else:
            cursor.executemany(
                "INSERT INTO website_verificationcount (certificate_id, count, last_at) "
                f"SELECT id, %s, %s FROM certificates_certificate WHERE id = %s {upsert}",
                [(batch[pk], now, pk) for pk in ids],
            )
    return sum(batch.values())


def discard_pending() -> None:
    """Forget unwritten counts (tests: their certificates were rolled back)."""
    global _hits
    with _lock:
        _pending.clear()
        _hits = 0


def _flush_at_exit() -> None:
    with contextlib.suppress(Exception):  # the process is ending; nothing left to report to
        flush_verifications()


atexit.register(_flush_at_exit)
