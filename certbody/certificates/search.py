"""Public registry reads: one certificate by number, and search (Chinese substrings of any length).

A text search first tests the newest PROBE_ROWS certificates (after the other filters) row by row: a common
term fills its page there at once. Otherwise a term of 3+ characters goes through an index: SQLite's FTS5
`trigram` table (`website_certificate_fts`, kept by triggers) or PostgreSQL's pg_trgm GIN indexes on the
holder, product and manufacturer columns. When it matches few certificates, their ids are fetched and sorted;
when it matches many, walking the date index with a per-row substring test finds a page. Terms under 3
characters have no trigram to look up (FTS5 returns no rows for them): they always take the per-row test
(LIKE), which is correct for 1- and 2-character Chinese terms.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from certbody.core.errors import InvalidInput
from certbody.core.keyset import decode_cursor, encode_cursor

from .models import Certificate

# A term matching more certificates than this is common: a page is found faster by walking the date index.
FEW_MATCHES = 3000
# Rows tested one by one, newest first, before any index is asked (see _probe).
PROBE_ROWS = 300
MAX_TERM = 100
PAGE_SIZE = 20
MAX_PAGE_SIZE = 100

TEXT_FIELDS = ("holder", "product", "manufacturer")


@dataclass
class SearchParams:
    q: str = ""
    number: str = ""
    holder: str = ""
    product: str = ""
    manufacturer: str = ""
    category: str = ""
    status: str = ""
    issued_from: date | None = None
    issued_to: date | None = None
    cursor: str = ""
    limit: int = PAGE_SIZE

    def is_empty(self) -> bool:
        return not any(
            [self.q, self.number, self.holder, self.product, self.manufacturer, self.category, self.status]
        ) and not (self.issued_from or self.issued_to)


# --- one certificate ------------------------------------------------------------------------------------------------


_PUBLIC_SQL = """
SELECT c.id, c.number, c.status, c.holder_name, c.product_name, c.first_issued_on, c.issued_on, c.expires_on,
       c.version_no, c.suspended_until, c.ended_on, s.code, s.name_zh, s.name_en, k.code, k.name_zh, k.name_en,
       v.units, v.standards, v.scheme_name, v.rule_document, v.rule_version, v.holder_name_en, v.cb_name,
       ({history})
FROM certificates_certificate c
JOIN schemes_scheme s ON s.id = c.scheme_id
JOIN schemes_productcategory k ON k.id = c.category_id
LEFT JOIN certificates_certificateversion v ON v.certificate_id = c.id AND v.version_no = c.version_no
WHERE c.number = %s
"""
# The status history (dates and statuses only) as a JSON array in the same row: one round trip a verification.
_HISTORY = {
    "postgresql": (
        "SELECT json_agg(json_build_array(h.at, h.to_status) ORDER BY h.at, h.id) FROM core_statuschange h "
        "WHERE h.content_type_id = %s AND h.object_id = c.id::text"
    ),
    "sqlite": (
        "SELECT json_group_array(json_array(h.at, h.to_status)) FROM (SELECT at, to_status FROM core_statuschange "
        "WHERE content_type_id = %s AND object_id = CAST(c.id AS TEXT) ORDER BY at, id) h"
    ),
}


def public_certificate(number: str) -> dict[str, Any] | None:
    """What the public may see of a certificate, or None. No people, no reasons, nothing confidential.

    The registry's hot path: one indexed query on the cursor (the certificate with its scheme, category,
    current version and status history), no model instances.
    """
    number = (number or "").strip()
    # No number holds control characters; PostgreSQL would refuse a NUL outright.
    if not number or len(number) > 60 or not number.isprintable():
        return None
    sql = _public_sql(connection.vendor)
    row = _fetch_one(sql, [_certificate_type_id(), number])
    if row is None:
        return None
    (pk, number, status, holder, product, first_issued, issued, expires, version_no, suspended_until, ended_on,
     scheme_code, scheme_zh, scheme_en, cat_code, cat_zh, cat_en, units, standards, scheme_name, rule_document,
     rule_version, holder_en, cb_name, changes) = row  # fmt: skip
    history = [
        {"date": _local_day(at), "status": to_status, "status_display": _status_label(to_status)}
        for at, to_status in (_json(changes) or [])
    ]
    units = _json(units) or []
    return {
        "id": pk,
        "number": number,
        "status": status,
        "status_display": _status_label(status),
        "cnca_code": Certificate.CNCA_CODES.get(status, ""),
        "holder": holder,
        "holder_en": holder_en or "",
        "product": product,
        "products": [
            {
                "product": u.get("product_name", ""),
                "models": list(u.get("models") or []),
                "version": u.get("version", ""),
                "manufacturer": u.get("manufacturer", ""),
            }
            for u in units
        ],
        "models": [m for u in units for m in (u.get("models") or [])],
        "category": cat_code,
        "category_name": _localised(cat_zh, cat_en),
        "scheme": scheme_code,
        "scheme_name": scheme_name or _localised(scheme_zh, scheme_en),
        "rule_document": rule_document or "",
        "rule_version": rule_version or "",
        "standards": [
            {
                "code": s.get("code", ""),
                "version": s.get("version", ""),
                "title": _localised(s.get("title_zh", ""), s.get("title_en", "")),
            }
            for s in (_json(standards) or [])
        ],
        "certification_body": cb_name or "",
        "version_no": version_no,
        "first_issued_on": _day(first_issued),
        "issued_on": _day(issued),
        "expires_on": _day(expires),
        "suspended_until": _day(suspended_until) if status == Certificate.Status.SUSPENDED else None,
        "ended_on": _day(ended_on),
        "history": history,
    }


def _fetch_one(sql: str, params: list[Any]) -> tuple | None:
    """One row. On PostgreSQL through a server-binding cursor with a prepared statement: the plan is made
    once per connection instead of for every verification (planning cost more than executing here)."""
    if connection.vendor == "sqlite":
        # The DB-API cursor directly: Django's wrapper rewrites %s to ? with a regex on every call.
        connection.ensure_connection()
        with connection.wrap_database_errors:
            cursor = connection.connection.cursor()
            try:
                return cursor.execute(_qmark(sql), params).fetchone()
            finally:
                cursor.close()
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()
    import psycopg

    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:
        # Django turns automatic preparation off (None also refuses prepare=True). A threshold nothing reaches
        # keeps Django's own queries unprepared and lets this one be prepared on request.
        raw.prepare_threshold = 2**31 - 1
    with connection.wrap_database_errors, psycopg.Cursor(raw) as cursor:
        cursor.execute(sql, params, prepare=True)
        return cursor.fetchone()


@functools.lru_cache(maxsize=4)
def _public_sql(vendor: str) -> str:
    return _PUBLIC_SQL.format(history=_HISTORY.get(vendor, _HISTORY["sqlite"]))


@functools.lru_cache(maxsize=8)
def _qmark(sql: str) -> str:
    return sql.replace("%s", "?")


def _certificate_type_id() -> int:
    return ContentType.objects.get_for_model(Certificate).pk  # cached by Django after the first call


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def _day(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _local_day(value: Any) -> date:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)
    return timezone.localtime(value).date()


def _status_label(value: str) -> str:
    try:
        return str(Certificate.Status(value).label)
    except ValueError:
        return value


def _localised(zh: str, en: str) -> str:
    from django.utils.translation import get_language

    if (get_language() or "").startswith("en") and en:
        return en
    return zh


# --- search ---------------------------------------------------------------------------------------------------------


def _clean(value: str, field: str) -> str:
    value = (value or "").strip()
    if len(value) > MAX_TERM:
        raise InvalidInput(
            _("The search term is too long (at most %(max)d characters).") % {"max": MAX_TERM},
            details={"field": field},
        )
    return value


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


COLUMNS = {"holder": "holder_name", "product": "product_name", "manufacturer": "manufacturer_names"}


@dataclass
class _Text:
    """One text condition: a substring of `fields`; for `q` also a number prefix."""

    term: str
    fields: tuple[str, ...]
    number_prefix: bool = False

    def row_test(self, table: str = "certificates_certificate") -> tuple[str, list[str]]:
        """SQL true when a row of `table` matches, and its parameters."""
        tests = [f"{table}.{COLUMNS[f]} LIKE %s ESCAPE '\\'" for f in self.fields]
        params = [_like(self.term)] * len(self.fields)
        if self.number_prefix:
            tests.insert(0, f"{table}.number LIKE %s ESCAPE '\\'")
            params.insert(0, _like(self.term.upper())[1:])
        return "(" + " OR ".join(tests) + ")", params

    def indexed_ids(self) -> list[int] | None:
        """The matching ids through the indexes, or None when the term is too short or matches too many."""
        if len(self.term) < 3:
            return None
        ids = _indexed_ids(self.term, self.fields, FEW_MATCHES)
        if ids is None or not self.number_prefix:
            return ids
        number_ids = _number_prefix_ids(self.term.upper(), FEW_MATCHES)
        return None if number_ids is None else sorted(set(ids) | set(number_ids))

    def apply(self, qs: QuerySet[Certificate]) -> QuerySet[Certificate]:
        ids = self.indexed_ids()
        if ids is not None:
            return qs.filter(pk__in=ids)
        sql, params = self.row_test()
        return qs.extra(where=[sql], params=params)


def _probe(qs: QuerySet[Certificate], texts: list[_Text], want: int) -> list[int] | None:
    """The ids of the first `want` matches when they lie among the newest PROBE_ROWS rows of `qs`, else None.

    A common term fills a page within the newest few hundred rows: testing them row by row answers at once,
    whatever the index statistics guess. The newest rows are a prefix of the result order, so the matches found
    there are exactly the first ones of the whole result.
    """
    inner = qs.order_by("-issued_on", "-id").values_list(
        "id", "issued_on", "number", "holder_name", "product_name", "manufacturer_names"
    )[:PROBE_ROWS]
    inner_sql, inner_params = inner.query.sql_with_params()
    tests, params = [], list(inner_params)
    for text in texts:
        sql, text_params = text.row_test("p")
        tests.append(sql)
        params += text_params
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT p.id FROM ({inner_sql}) p WHERE {' AND '.join(tests)} "
            "ORDER BY p.issued_on DESC, p.id DESC LIMIT %s",
            [*params, want],
        )
        ids = [row[0] for row in cursor.fetchall()]
    return ids if len(ids) == want else None


def _indexed_ids(term: str, fields: tuple[str, ...], cap: int) -> list[int] | None:
    """Ids of certificates whose `fields` contain `term` (3+ characters) through the index; None if more than cap."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            columns = " ".join(fields)
            phrase = '"' + term.replace('"', '""') + '"'
            cursor.execute(
                "SELECT rowid FROM website_certificate_fts WHERE website_certificate_fts MATCH %s LIMIT %s",
                [f"{{{columns}}} : {phrase}", cap + 1],
            )
        else:
            pattern = _like(term)
            sql = "SELECT id FROM certificates_certificate WHERE " + " OR ".join(
                f"{COLUMNS[f]} LIKE %s ESCAPE '\\'" for f in fields
            )
            params = [pattern] * len(fields)
            # Collecting the ids of a common term costs more than walking the date index for a page: ask the
            # planner (trigram statistics) first and fetch only when it expects a few.
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
            plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            if plan[0]["Plan"]["Plan Rows"] > 2 * cap:
                return None
            cursor.execute(sql + " LIMIT %s", [*params, cap + 1])
        ids = [row[0] for row in cursor.fetchall()]
    return ids if len(ids) <= cap else None


def _number_prefix(prefix: str) -> Q:
    """Numbers starting with `prefix`, through the unique index: SQLite's LIKE ignores case and so cannot use it,
    a range can; PostgreSQL has a pattern index for LIKE 'x%'."""
    if connection.vendor == "sqlite":
        return Q(number__gte=prefix, number__lt=prefix + "\U0010ffff")
    return Q(number__startswith=prefix)


def _number_prefix_ids(prefix: str, cap: int) -> list[int] | None:
    ids = list(Certificate.objects.filter(_number_prefix(prefix)).order_by().values_list("pk", flat=True)[: cap + 1])
    return ids if len(ids) <= cap else None


def search_certificates(params: SearchParams) -> dict[str, Any]:
    """A page of matching certificates, newest first: {items, next_cursor, limit}. Keyset-paginated, no COUNT."""
    q = _clean(params.q, "q")
    number = _clean(params.number, "number").upper()
    holder = _clean(params.holder, "holder")
    product = _clean(params.product, "product")
    manufacturer = _clean(params.manufacturer, "manufacturer")
    limit = max(1, min(params.limit or PAGE_SIZE, MAX_PAGE_SIZE))

    qs = Certificate.objects.all()
    if params.status:
        if params.status not in Certificate.Status.values:
            raise InvalidInput(_("Unknown status."), details={"field": "status"})
        qs = qs.filter(status=params.status)
    if params.category:
        qs = qs.filter(category__code=params.category)
    if params.issued_from:
        qs = qs.filter(issued_on__gte=params.issued_from)
    if params.issued_to:
        qs = qs.filter(issued_on__lte=params.issued_to)
    if number:
        qs = qs.filter(_number_prefix(number))
    if params.cursor:
        day, pk = decode_cursor(params.cursor)
        qs = qs.filter(issued_on__lte=day).exclude(issued_on=day, id__gte=pk)
    texts = [
        _Text(term, (field,))
        for term, field in ((holder, "holder"), (product, "product"), (manufacturer, "manufacturer"))
        if term
    ]
    if q:
        texts.append(_Text(q, TEXT_FIELDS, number_prefix=q.isascii() and q.replace("-", "").isalnum()))
    ids = _probe(qs, texts, limit + 1) if texts else None
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    else:
        for text in texts:
            qs = text.apply(qs)
    rows = list(
        qs.order_by("-issued_on", "-id").values(
            "id", "number", "status", "holder_name", "product_name", "issued_on", "expires_on", "category__code"
        )[: limit + 1]
    )
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = encode_cursor(rows[-1]["issued_on"], rows[-1]["id"])
    items = [
        {
            "number": r["number"],
            "status": r["status"],
            "status_display": _status_label(r["status"]),
            "cnca_code": Certificate.CNCA_CODES[r["status"]],
            "holder": r["holder_name"],
            "product": r["product_name"],
            "category": r["category__code"],
            "issued_on": r["issued_on"],
            "expires_on": r["expires_on"],
        }
        for r in rows
    ]
    return {"limit": limit, "next_cursor": next_cursor, "items": items}
