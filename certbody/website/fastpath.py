"""A thin WSGI fast path for `GET /api/v1/public/certificates/<number>`, the registry's hot endpoint.

Verification by number is what strangers and scanners call most. The full stack (middleware, URL
resolution, django-ninja's validation and serialisation) costs several times the query itself, so
this wrapper answers that one route before Django's handler, through the same selector
(`public_certificate`), the same rate limit and the same counters, with the same JSON as the ninja
endpoint (which stays the documented operation and serves any request this path declines).
Anything unusual (another method, a redirect to HTTPS due, a host not allowed) goes to Django. The
connection is kept as Django keeps it (CONN_MAX_AGE), without the per-request health-check ping.
"""

from __future__ import annotations

import json
import logging
import time
from urllib.parse import unquote

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.http.request import split_domain_port, validate_host
from django.utils import translation
from django.utils.translation.trans_real import get_supported_language_variant, parse_accept_lang_header

from certbody.api.errors import error_body

PREFIX = "/api/v1/public/certificates/"
logger = logging.getLogger(__name__)


class _Request:
    """What the rate limit reads of a request."""

    def __init__(self, environ):
        self.META = environ


def _language(environ) -> str:
    cookie = environ.get("HTTP_COOKIE", "")
    name = settings.LANGUAGE_COOKIE_NAME + "="
    for part in cookie.split(";"):
        part = part.strip()
        if part.startswith(name):
            try:
                return get_supported_language_variant(part[len(name) :])
            except LookupError:
                break
    for code, _q in parse_accept_lang_header(environ.get("HTTP_ACCEPT_LANGUAGE", "")):
        if code == "*":
            break
        try:
            return get_supported_language_variant(code)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


def _declines(environ) -> bool:
    if environ.get("REQUEST_METHOD") != "GET":
        return True
    if settings.SECURE_SSL_REDIRECT and environ.get("wsgi.url_scheme") != "https":
        forwarded = environ.get("HTTP_X_FORWARDED_PROTO", "")
        if not (settings.SECURE_PROXY_SSL_HEADER and forwarded == "https"):
            return True
    host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
    domain, _port = split_domain_port(host)
    allowed = settings.ALLOWED_HOSTS or (["localhost", "127.0.0.1", "[::1]"] if settings.DEBUG else [])
    return not (domain and validate_host(domain, allowed))


def _release(conn) -> None:
    """End of request for the connection, without Django's per-request health check round trip.

    Django's request signals would make the next request ping the server before its query: a second round
    trip on PostgreSQL for a one-query endpoint. Here the connection is closed when it errored (and is
    unusable) or is past CONN_MAX_AGE, as close_old_connections would; a connection that died in between
    fails one request, which closes it, and the next reconnects.
    """
    if conn.connection is None or conn.in_atomic_block:
        return  # inside a transaction (a test's): closing would break the caller's transaction
    if conn.errors_occurred or (conn.close_at is not None and time.monotonic() >= conn.close_at):
        conn.close_if_unusable_or_obsolete()
    conn.health_check_done = True


def public_fast_path(django_app):
    from certbody.certificates.search import public_certificate
    from certbody.core.throttle import retry_after

    from .services import count_verification

    def respond(start_response, status: str, body: dict, extra=()):
        data = json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False).encode()
        headers = [
            ("Content-Type", "application/json; charset=utf-8"),
            ("Content-Length", str(len(data))),
            ("X-Content-Type-Options", "nosniff"),
            ("Referrer-Policy", "same-origin"),
            ("Vary", "Accept-Language, Cookie"),
            *extra,
        ]
        start_response(status, headers)
        return [data]

    def application(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if not path.startswith(PREFIX):
            return django_app(environ, start_response)
        number = path[len(PREFIX) :]
        if not number or "/" in number or _declines(environ):
            return django_app(environ, start_response)
        number = unquote(number.encode("latin-1").decode("utf-8", "replace")) if "%" in number else number
        try:
            with translation.override(_language(environ)):
                wait = retry_after(_Request(environ))
                if wait is not None:
                    message = translation.gettext(
                        "Too many requests. Please wait %(seconds)d seconds and try again."
                    ) % {"seconds": wait}
                    return respond(
                        start_response,
                        "429 Too Many Requests",
                        error_body("rate_limited", message),
                        [("Retry-After", str(wait))],
                    )
                data = public_certificate(number)
                if data is None:
                    message = translation.gettext(
                        "There is no certificate numbered %(number)s in the registry. Check the number as printed."
                    ) % {"number": number}
                    return respond(start_response, "404 Not Found", error_body("not_found", message))
                count_verification(data.pop("id"))
                return respond(start_response, "200 OK", data)
        except Exception:
            logger.exception("public verification failed for %r", number)
            return respond(
                start_response,
                "500 Internal Server Error",
                error_body(
                    "server_error", translation.gettext("Something went wrong on our side; it has been logged.")
                ),
            )
        finally:
            _release(connection)

    return application
