"""Every error leaves the API as {"code", "message", "details"}: domain errors with their own status,
validation errors as 422 with a sentence a person can read, never a Python list or a 500 page."""

from __future__ import annotations

import json
import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser

from certbody.core.errors import DomainError

logger = logging.getLogger("certbody.api")


class ErrorOut(Schema):
    code: str
    message: str
    details: dict[str, Any] = {}


# Documented on every operation; the handlers below produce them.
ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


# Pydantic error type -> (sentence, the context key it quotes); translated when used.
_LENGTH_MESSAGES: dict[str, tuple[str, str]] = {
    "string_too_long": (gettext_noop("Enter at most %(n)s characters."), "max_length"),
    "string_too_short": (gettext_noop("Enter at least %(n)s characters."), "min_length"),
    "too_long": (gettext_noop("Enter at most %(n)s items."), "max_length"),
    "too_short": (gettext_noop("Enter at least %(n)s items."), "min_length"),
}
_BOUND_MESSAGES: dict[str, tuple[str, str]] = {
    "less_than_equal": (gettext_noop("Enter a value no greater than %(limit)s."), "le"),
    "greater_than_equal": (gettext_noop("Enter a value no less than %(limit)s."), "ge"),
    "less_than": (gettext_noop("Enter a value less than %(limit)s."), "lt"),
    "greater_than": (gettext_noop("Enter a value greater than %(limit)s."), "gt"),
}


def error_body(code: str, message: Any, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"code": code, "message": str(message), "details": details or {}}


def _type_message(kind: str, ctx: dict[str, Any]) -> str | None:
    """A translated sentence for the pydantic error types a client can trigger."""
    return _kind_message(kind) or _limit_message(kind, ctx)


def _kind_message(kind: str) -> str | None:
    """Errors about the kind of value sent (no limit to quote)."""
    if kind == "missing":
        return _("This field is required.")
    if kind == "json_invalid":
        return _("The request body is not valid JSON.")
    if kind == "string_type":
        return _("Enter text.")
    if kind.startswith("int_"):
        return _("Enter a whole number.")
    if kind.startswith("float_") or kind in ("decimal_parsing", "decimal_type"):
        return _("Enter a number.")
    if kind.startswith("bool_"):
        return _("Enter true or false.")
    if kind.startswith("date") or kind.startswith("datetime"):
        return _("Enter a date as YYYY-MM-DD.")
    if kind == "list_type":
        return _("Enter a list.")
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return _("Enter an object.")
    return None


def _limit_message(kind: str, ctx: dict[str, Any]) -> str | None:
    """Errors that quote a limit or the allowed choices from the error's context."""
    if kind in ("decimal_max_digits", "decimal_whole_digits"):
        return _("Enter a number with at most %(digits)s digits.") % {
            "digits": ctx.get("max_digits", ctx.get("whole_digits", ""))
        }
    if kind == "decimal_max_places":
        return _("Enter at most %(places)s decimal places.") % {"places": ctx.get("decimal_places", "")}
    if kind in _LENGTH_MESSAGES:
        message, key = _LENGTH_MESSAGES[kind]
        return _(message) % {"n": ctx.get(key)}
    if kind in _BOUND_MESSAGES:
        message, key = _BOUND_MESSAGES[kind]
        return _(message) % {"limit": ctx.get(key)}
    if kind in ("literal_error", "enum"):
        return _("Choose one of: %(choices)s.") % {"choices": ctx.get("expected", "")}
    if kind == "value_error" and ctx.get("error"):
        return str(ctx["error"])
    return None


def _field_name(loc: list[Any], body_params: set[str]) -> str:
    """('body', 'payload', 'title') → 'title'; ('query', 'limit') → 'limit'; ('body', 'payload') → 'body'."""
    parts = [str(p) for p in loc]
    if not parts:
        return "body"
    source, rest = parts[0], parts[1:]
    if source in ("body", "form") and rest and rest[0] in body_params:
        rest = rest[1:]
    if not rest:
        return "body" if source in ("body", "form") else source
    return ".".join(rest)


def validation_details(errors: list[dict[str, Any]], body_params: set[str]) -> tuple[str, dict[str, Any]]:
    fields: dict[str, str] = {}
    items = []
    for error in errors:
        kind = str(error.get("type", ""))
        ctx = error.get("ctx") or {}
        text = _type_message(kind, ctx) or str(error.get("msg", ""))
        name = _field_name(list(error.get("loc", [])), body_params)
        fields.setdefault(name, text)
        items.append({"field": name, "type": kind, "message": text})
    summary = "; ".join(f"{name}: {text}" for name, text in fields.items())
    message = _("The request is not valid. %(problems)s") % {"problems": summary}
    return message, {"fields": fields, "errors": items}


# Endpoints name their body parameter `payload` and their form parameter `data`; ninja puts the
# parameter name into the error location, which means nothing to the caller.
BODY_PARAMS = {"payload", "data"}


class TooManyFields(Exception):
    """A JSON body with more values than a form may have fields (DATA_UPLOAD_MAX_NUMBER_FIELDS)."""


def _count_values(node: Any, limit: int) -> int:
    """Keys and list items of a parsed JSON body, counted until `limit` is passed (iteratively: no recursion)."""
    count, stack = 0, [node]
    while stack and count <= limit:
        item = stack.pop()
        if isinstance(item, dict):
            count += len(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            count += len(item)
            stack.extend(item)
    return count


class LimitedParser(Parser):
    """JSON bodies are held to the limits Django sets for forms: the size (DATA_UPLOAD_MAX_MEMORY_SIZE, checked when
    the body is read) and the number of fields (keys and list items, DATA_UPLOAD_MAX_NUMBER_FIELDS)."""

    def parse_body(self, request: HttpRequest) -> Any:
        body = request.body  # RequestDataTooBig past the size limit: answered 413 below
        try:
            data = json.loads(body)
        except RecursionError:
            raise ValueError("nested too deep") from None  # ninja answers 400 for a body it cannot parse
        limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
        if limit is not None and _count_values(data, limit) > limit:
            raise TooManyFields
        return data


def _install_body_limits(api: NinjaAPI):
    """Bodies over the limits answer 413 in the API's error shape; returns the too-many handler for reuse."""

    @api.exception_handler(RequestDataTooBig)
    def too_big(request: HttpRequest, exc: Exception) -> HttpResponse:
        limit = round(settings.DATA_UPLOAD_MAX_MEMORY_SIZE / 1048576, 2)
        message = _("The request body is larger than %(limit)s MB.") % {"limit": limit}
        return api.create_response(request, error_body("body_too_large", message), status=413)

    @api.exception_handler(TooManyFieldsSent)
    @api.exception_handler(TooManyFilesSent)
    @api.exception_handler(TooManyFields)
    def too_many(request: HttpRequest, exc: Exception) -> HttpResponse:
        message = _("The request has more than %(limit)s fields or files.") % {
            "limit": settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
        }
        return api.create_response(request, error_body("too_many_fields", message), status=413)

    return too_many


def install(api: NinjaAPI) -> None:
    too_many = _install_body_limits(api)

    @api.exception_handler(DomainError)
    def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        return api.create_response(request, error_body(exc.code, exc.message, exc.details), status=exc.http_status)

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        message, details = validation_details(list(exc.errors), BODY_PARAMS)
        return api.create_response(request, error_body("validation_error", message, details), status=422)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = api.create_response(
            request,
            error_body(
                "unauthenticated",
                _("Authentication required: send 'Authorization: Bearer <token>' or sign in."),
            ),
            status=401,
        )
        response["WWW-Authenticate"] = 'Bearer realm="certbody"'
        return response

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if isinstance(exc.__cause__, TooManyFields):  # ninja wraps whatever the parser raises in a 400
            return too_many(request, exc.__cause__)
        codes = {400: "bad_request", 403: "forbidden", 404: "not_found", 405: "method_not_allowed", 429: "throttled"}
        message = exc.message
        if exc.status_code == 400:
            # ninja's parser: the body is not JSON (or not the multipart form the endpoint takes).
            message = _("The request body could not be read: send valid JSON, or the form the endpoint describes.")
        if exc.status_code == 403 and "CSRF" in exc.message:
            return api.create_response(
                request,
                error_body("csrf_failed", _("The CSRF check failed: send the X-CSRFToken header with the session.")),
                status=403,
            )
        response = api.create_response(
            request, error_body(codes.get(exc.status_code, "error"), message), status=exc.status_code
        )
        if getattr(exc, "retry_after", None):
            response["Retry-After"] = str(exc.retry_after)
        return response

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return api.create_response(request, error_body("not_found", _("Not found.")), status=404)

    @api.exception_handler(Exception)
    def server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        # A bug, not a refusal: log it with the traceback, answer in the same shape.
        logger.exception("API error on %s %s", request.method, request.path)
        return api.create_response(
            request, error_body("server_error", _("Something went wrong on our side; it has been logged.")), status=500
        )


def json_not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    """Unknown paths under /api/v1/ answer in the API's shape, not with an HTML page."""
    return JsonResponse(error_body("not_found", _("There is no such API endpoint.")), status=404)


def json_method_not_allowed(request: HttpRequest, response: HttpResponse) -> JsonResponse:
    allowed = response.get("Allow", "")
    json_response = JsonResponse(
        error_body(
            "method_not_allowed",
            _("This endpoint does not take %(method)s; it takes %(allowed)s.")
            % {"method": request.method, "allowed": allowed},
        ),
        status=405,
    )
    json_response["Allow"] = allowed
    return json_response
