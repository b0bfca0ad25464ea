"""The certificate bulk path: raw row writes for the legacy import and the demo load, and the search index kept
up during them.

`Writer` inserts certificate and version rows with the fastest path each database offers (COPY on PostgreSQL,
executemany on SQLite); `Dates` formats dates as the database stores them; `check_columns` refuses to run when the
models' columns no longer match the row layout (`CERT_COLUMNS`, `VERSION_COLUMNS`); `dumps` is the JSON the rows
carry.

The registry's search index during bulk writes: SQLite keeps its FTS5 table by a trigger on each version insert;
for thousands of rows one INSERT ... SELECT is about four times faster than the trigger row by row.
`bulk_indexing` takes the trigger out for the duration of the caller's transaction, indexes the new versions in one
statement, and puts the trigger back — all inside the same write transaction (SQLite's DDL is transactional and its
single writer holds the lock), so no other connection ever sees the table without its trigger, and a rollback
restores everything. PostgreSQL's GIN indexes need nothing here.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from datetime import time as dtime
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.utils import timezone

from .models import Certificate, CertificateVersion
from .services import expiry_for

log = logging.getLogger(__name__)

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


# --- raw row writes ----------------------------------------------------------------------------------------------

CERT_COLUMNS = [
    "id", "number", "status", "organisation_id", "scheme_id", "category_id", "application_id", "holder_name",
    "product_name", "first_issued_on", "issued_on", "expires_on", "version_no", "suspended_on", "suspended_until",
    "status_reason_code", "status_changed_at", "ended_on", "updated_at", "manufacturer_names",
]  # fmt: skip
VERSION_COLUMNS = [
    "id", "certificate_id", "version_no", "reason", "decision_id", "decided_on", "issued_on", "valid_until",
    "holder_name", "holder_name_en", "holder_address", "holder_address_en", "units", "standards", "scheme_code",
    "scheme_name", "rule_document", "rule_version", "mode", "mode_text", "cb_name", "cb_address", "created_at",
    "created_by_id",
]  # fmt: skip


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


class Dates:
    """Per-day strings, computed once per day rather than once per row."""

    def __init__(self, vendor: str) -> None:
        self.vendor = vendor
        self._date: dict[date, str] = {}
        self._dt: dict[tuple[date, int], str] = {}
        self._expiry: dict[tuple[date, int], date] = {}

    def d(self, day: date) -> str:
        text = self._date.get(day)
        if text is None:
            text = self._date[day] = day.isoformat()
        return text

    def dt(self, day: date, hour: int) -> str:
        """A local time of day as the database stores it (UTC)."""
        text = self._dt.get((day, hour))
        if text is None:
            aware = timezone.make_aware(datetime.combine(day, dtime(hour))).astimezone(UTC)
            text = str(aware.replace(tzinfo=None)) if self.vendor == "sqlite" else aware.isoformat(sep=" ")
            self._dt[(day, hour)] = text
        return text

    def now(self) -> str:
        aware = timezone.now().astimezone(UTC)
        return str(aware.replace(tzinfo=None)) if self.vendor == "sqlite" else aware.isoformat(sep=" ")

    def expiry(self, day: date, years: int) -> date:
        value = self._expiry.get((day, years))
        if value is None:
            value = self._expiry[(day, years)] = expiry_for(day, years)
        return value


def check_columns() -> None:
    for model, columns in ((Certificate, CERT_COLUMNS), (CertificateVersion, VERSION_COLUMNS)):
        actual = [f.column for f in model._meta.concrete_fields]
        if actual != columns:
            raise RuntimeError(f"{model.__name__} columns changed: update the bulk loader ({actual})")


class Writer:
    """Inserts batches with the fastest path each database offers: COPY (PostgreSQL), executemany (SQLite).

    Use as a context manager around the load. On PostgreSQL `write` hands the batch to a second thread and returns
    at once (waiting only while an earlier batch is still queued): the server takes this batch while the caller
    builds the next (libpq releases the GIL while it waits), about a fifth faster. SQLite writes inline: its work
    runs in this process and binds every row under the GIL, so a thread only made the two contend (measured 7%
    slower). The caller must not use the connection until the block has ended; the writer's first error is raised
    in the caller (at its next `write`, or when the block ends) and the batches after it are dropped.
    """

    def __init__(self, cursor) -> None:
        self.cursor = cursor
        self.db = connections[DEFAULT_DB_ALIAS]  # the caller's connection (the worker thread would see its own)
        self.vendor = connection.vendor
        q = connection.ops.quote_name
        self.tables = {
            "cert": (q(Certificate._meta.db_table), CERT_COLUMNS),
            "version": (q(CertificateVersion._meta.db_table), VERSION_COLUMNS),
        }
        self._queue: queue.Queue = queue.Queue(maxsize=1)
        self._error: BaseException | None = None
        self._cancelled = False
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Writer:
        if self.vendor == "postgresql":
            self._thread = threading.Thread(target=self._run, name="bulk-writer", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if self._thread is None:
            return
        self._cancelled = exc is not None  # the caller failed: the batches still queued are not written
        self._queue.put(None)
        self._thread.join()  # never leave a statement running under the caller's commit or rollback
        if self._error is not None:
            if exc is None:
                raise self._error
            log.error("bulk writer failed while its caller failed too", exc_info=self._error)

    def write(self, which: str, rows: list[tuple]) -> None:
        if self._thread is None:
            self._write(which, rows)
            return
        if self._error is not None:
            raise self._error
        self._queue.put((which, rows))

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            if self._error is None and not self._cancelled:
                try:
                    self._write(*item)
                except BaseException as exc:  # handed to the caller's thread
                    self._error = exc

    def _write(self, which: str, rows: list[tuple]) -> None:
        table, columns = self.tables[which]
        cols = ", ".join(connection.ops.quote_name(c) for c in columns)
        if self.vendor == "postgresql":
            # Django's exception classes, as the SQLite path (through Django's cursor) raises them.
            with self.db.wrap_database_errors, self.cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            self.cursor.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", rows)
