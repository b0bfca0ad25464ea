"""The registry's search index during bulk writes (legacy import, demo load).

SQLite keeps its FTS5 table by a trigger on each version insert; for thousands of rows one INSERT ... SELECT is
about four times faster than the trigger row by row. `bulk_indexing` takes the trigger out for the duration of
the caller's transaction, indexes the new versions in one statement, and puts the trigger back — all inside the
same write transaction (SQLite's DDL is transactional and its single writer holds the lock), so no other
connection ever sees the table without its trigger, and a rollback restores everything. PostgreSQL's GIN indexes
need nothing here.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

TRIGGER = "website_certver_fts_ai"
GIN_INDEXES = ("website_cert_holder_trgm", "website_cert_product_trgm", "website_cert_manufacturer_trgm")


class _Range:
    first_version_id: int | None = None


@contextmanager
def bulk_indexing(cursor) -> Iterator[_Range]:
    """Inside a transaction: yields an object whose `first_version_id` the caller sets to its first new version id.

    On exit, every version with that id or higher is indexed (its certificate's current row replaced).
    """
    span = _Range()
    if connection.vendor == "postgresql":
        yield span
        merge_pending(cursor)
        return
    if connection.vendor != "sqlite":
        yield span
        return
    if not connection.in_atomic_block:
        raise RuntimeError("bulk_indexing() must run inside the transaction that writes the rows")
    cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = %s", [TRIGGER])
    found = cursor.fetchone()
    if found is None:  # no search index in this database (e.g. migrations not applied): nothing to keep up
        yield span
        return
    cursor.execute(f"DROP TRIGGER {TRIGGER}")
    try:
        yield span
    except BaseException:
        cursor.execute(found[0])  # the rollback restores it too; this keeps a caught error from leaving it out
        raise
    if span.first_version_id is not None:
        cursor.execute(
            """INSERT OR REPLACE INTO website_certificate_fts(rowid, holder, product, manufacturer)
            SELECT c.id, c.holder_name, c.product_name, COALESCE((
                SELECT group_concat(json_extract(u.value, '$.manufacturer'), ' ') FROM json_each(v.units) u), '')
            FROM certificates_certificateversion v JOIN certificates_certificate c ON c.id = v.certificate_id
            WHERE v.id >= %s ORDER BY v.id""",
            [span.first_version_id],
        )
    cursor.execute(found[0])


def merge_pending(cursor) -> None:
    """PostgreSQL: merge the trigram indexes' pending lists into the indexes (searches then skip the list scan)."""
    cursor.execute(
        "SELECT gin_clean_pending_list(c.oid) FROM pg_class c WHERE c.relkind = 'i' AND c.relname = ANY(%s)",
        [list(GIN_INDEXES)],
    )
