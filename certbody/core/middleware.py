"""Content-Security-Policy and related headers: every asset is ours, nothing from a CDN."""

from __future__ import annotations

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith("/api/v1/docs"):
            response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response


class RejectNulMiddleware:
    """A NUL character is never valid input, and PostgreSQL refuses it in text: answer 400, not 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "%00" in query or "\x00" in query:
            from django.http import HttpResponseBadRequest, JsonResponse
            from django.utils.translation import gettext as _

            message = _("The request contains a NUL character, which no field accepts.")
            if request.path.startswith("/api/"):
                return JsonResponse({"code": "invalid", "message": message, "details": {}}, status=400)
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


def client_address(meta) -> str:
    """The client's IP address from a request's META (or a WSGI environ), as trusted proxies reported it.

    With TRUSTED_PROXY_COUNT = N > 0 the application runs behind N reverse proxies, each appending the address it
    received the request from to X-Forwarded-For: the client is the N-th entry from the right. Entries further left
    are whatever the client sent and are ignored. A missing, short or malformed header leaves REMOTE_ADDR.
    With N = 0 (the default) the header is ignored: a client could write anything into it.
    """
    import ipaddress

    from django.conf import settings

    remote = meta.get("REMOTE_ADDR", "") or ""
    count = settings.TRUSTED_PROXY_COUNT or 0
    if count <= 0:
        return remote
    hops = [hop.strip() for hop in (meta.get("HTTP_X_FORWARDED_FOR", "") or "").split(",")]
    if len(hops) < count:
        return remote
    candidate = hops[-count]
    if candidate.startswith("[") and "]" in candidate:  # "[2001:db8::1]:443"
        candidate = candidate[1 : candidate.index("]")]
    elif candidate.count(":") == 1:  # "203.0.113.7:51234"
        candidate = candidate.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


class TrustedProxyMiddleware:
    """Behind TRUSTED_PROXY_COUNT reverse proxies, REMOTE_ADDR becomes the client's address (rate limits, records).

    The proxy's own address is kept in META["certbody.proxy_addr"].
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        address = client_address(request.META)
        if address != request.META.get("REMOTE_ADDR"):
            request.META["certbody.proxy_addr"] = request.META.get("REMOTE_ADDR", "")
            request.META["REMOTE_ADDR"] = address
        return self.get_response(request)
