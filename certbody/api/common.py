"""Shared pieces of the API: input types that refuse what the database would choke on, pages, lookups.

Every endpoint only parses, finds the object in the caller's visible set, calls a service and
returns a schema; the helpers here keep that to a few lines per endpoint.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, ClassVar, Generic, Literal, NoReturn, TypeVar

from django.contrib.auth import get_user_model
from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _
from ninja import Field, Schema
from pydantic import AfterValidator, SerializationInfo, StringConstraints, model_serializer

from certbody.core.errors import InvalidInput, NotFound
from certbody.core.keyset import FIRST_DAY, LAST_DAY, MAX_ID, decode_cursor, encode_cursor, walk
from certbody.core.permissions import require, sees_client_view
from certbody.core.workflow import Workflow, status_history

MAX_LIMIT = 200
DEFAULT_LIMIT = 50
MAX_OFFSET = 1_000_000


def _clean_text(value: str) -> str:
    """NUL and lone surrogates cannot be stored (PostgreSQL refuses NUL; UTF-8 refuses surrogates)."""
    if "\x00" in value:
        raise ValueError(_("Text may not contain NUL characters."))
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(_("Text must be valid Unicode."))
    return value


def Text(max_length: int, min_length: int = 0) -> Any:  # noqa: N802 - reads as a type in schemas
    """A string no longer than its database column, free of characters the database refuses."""
    return Annotated[str, StringConstraints(max_length=max_length, min_length=min_length), AfterValidator(_clean_text)]


def choice(choices: Any) -> Any:
    """One of the values of a TextChoices (shown as an enum in the OpenAPI document)."""
    return Literal[tuple(choices.values)]


Day = Annotated[date, Field(ge=FIRST_DAY, le=LAST_DAY)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
LONG_TEXT = 10_000


# --- pages ---------------------------------------------------------------------------------------

T = TypeVar("T")


class PageIn(Schema):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Items per page (at most 200).")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="Items to skip.")


class Page(Schema, Generic[T]):
    count: int
    limit: int
    offset: int
    items: list[T]


def paginate(items: QuerySet | list, page: PageIn) -> dict[str, Any]:
    """A limit/offset page with the total. Only for lists that stay small (not certificates)."""
    count = items.count() if isinstance(items, QuerySet) else len(items)
    return {
        "count": count,
        "limit": page.limit,
        "offset": page.offset,
        "items": list(items[page.offset : page.offset + page.limit]),
    }


class CursorIn(Schema):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Items per page (at most 200).")
    cursor: Text(200) | None = Field(None, description="`next_cursor` of the previous page.")


class CursorPage(Schema, Generic[T]):
    limit: int
    next_cursor: str | None
    items: list[T]


def cursor_page(qs: QuerySet, page: CursorIn, *, date_field: str) -> dict[str, Any]:
    """The API's face of core.keyset.walk on (date_field DESC, id DESC), with an opaque `next_cursor`."""
    after = list(decode_cursor(page.cursor)) if page.cursor else None
    result = walk(qs, keys=[date_field, "id"], after=after, per_page=page.limit)
    next_cursor = encode_cursor(*result.next_key) if result.next_key else None
    return {"limit": page.limit, "next_cursor": next_cursor, "items": result.items}


# --- lookups -------------------------------------------------------------------------------------

M = TypeVar("M", bound=Model)


def visible(qs: QuerySet[M], what: Any, **lookup: Any) -> M:
    """The object if it is in the caller's visible set; otherwise 404, as if it did not exist."""
    for value in lookup.values():
        if isinstance(value, int) and not 1 <= value <= MAX_ID:
            raise NotFound(_("%(what)s not found.") % {"what": what})
        if isinstance(value, str) and ("\x00" in value or len(value) > 200):
            raise NotFound(_("%(what)s not found.") % {"what": what})
    obj = qs.filter(**lookup).first()
    if obj is None:
        raise NotFound(_("%(what)s not found.") % {"what": what})
    return obj


def referenced(qs: QuerySet[M], field: str, what: Any, **lookup: Any) -> M:
    """An object named in the request body: unknown (or not visible) is invalid input of that field."""
    try:
        return visible(qs, what, **lookup)
    except NotFound:
        raise InvalidInput(
            _("Unknown %(what)s.") % {"what": what}, details={"field": field, "fields": {field: _("Unknown.")}}
        )


def invalid_field(field: str, message: Any) -> NoReturn:
    """Refuse the request naming the field, in the same shape as the services' InvalidInput."""
    raise InvalidInput(message, details={"field": field, "fields": {field: str(message)}})


def user_named(asker: Any, username: str, field: str) -> Any:
    """A person named by username in the request body (an engineer, a reviewer, an inspector).

    Only the body's own staff name people; anyone else is refused before the lookup, so the
    answer never tells a client or a lab which staff usernames exist.
    """
    require(getattr(asker, "is_cb_staff", False), _("Only the certification body's staff may assign people."))
    User = get_user_model()  # noqa: N806
    return referenced(User.objects.filter(is_active=True), field, _("user"), username=username)


# --- what a client sees ---------------------------------------------------------------------------


def for_client(context: Any) -> bool:
    """The answer goes to a client's user: it gets the client view of every schema (see ClientView)."""
    request = (context or {}).get("request") if isinstance(context, dict) else None
    if request is None:
        return False
    user = getattr(request, "auth", None) or getattr(request, "user", None)
    return sees_client_view(user)


class ClientView(Schema):
    """A response schema with an explicit allowlist of what a client's user may see: `CLIENT_FIELDS`.

    Every other field (reviewer and staff identities, review comments, internal reasons and notes, deadlines,
    evaluation gaps, the status history of internal records) is left out of the answer to a client; staff get every
    field. The documented schema marks those fields as not required, since a client's answer has none of them.
    """

    CLIENT_FIELDS: ClassVar[frozenset[str]] = frozenset()

    @model_serializer(mode="wrap")
    def _client_view(self, handler: Any, info: SerializationInfo):  # no return type: the schema stays the fields
        data = handler(self)
        if isinstance(data, dict) and for_client(info.context):
            allowed = type(self).client_keys()
            data = {key: value for key, value in data.items() if key in allowed}
        return data

    @classmethod
    def client_keys(cls) -> frozenset[str]:
        names = set(cls.CLIENT_FIELDS)
        names |= {f.alias for name, f in cls.model_fields.items() if name in cls.CLIENT_FIELDS and f.alias}
        return frozenset(names)

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> dict[str, Any]:
        schema = handler(core_schema)
        target = handler.resolve_ref_schema(schema)
        staff_only = {
            key for name, f in cls.model_fields.items() if name not in cls.CLIENT_FIELDS for key in (name, f.alias)
        }
        if "required" in target:
            target["required"] = [key for key in target["required"] if key not in staff_only]
        if staff_only - {None}:
            note = "Not sent to client users: " + ", ".join(sorted(k for k in cls.model_fields if k in staff_only))
            target["description"] = f"{target.get('description', '')}\n\n{note}.".strip()
        return schema


# --- shared outputs ------------------------------------------------------------------------------


class StatusChangeOut(ClientView):
    """A status change. To a client: no person, and only the reasons the client is told (the portal's rule)."""

    CLIENT_FIELDS = frozenset({"from_status", "to_status", "transition", "at", "reason_code", "reason"})

    from_status: str
    to_status: str
    transition: str
    actor: str | None
    at: datetime
    reason_code: str
    reason: str

    @staticmethod
    def resolve_actor(obj) -> str | None:
        return obj.actor.username if obj.actor_id else None

    @staticmethod
    def resolve_reason(obj, context) -> str:
        if not for_client(context):
            return obj.reason
        from certbody.applications.timeline import public_reason

        return public_reason(obj.audit_event.action, obj.reason)


def history(obj: Model) -> list:
    return list(status_history(obj))


def transitions(flow: Workflow, status: str) -> list[str]:
    """The steps the state machine allows next (the caller's roles are checked when one is taken)."""
    return [t.name for t in flow.allowed(status)]


def username(user: Any) -> str | None:
    return user.username if user is not None else None


class Ok(Schema):
    ok: bool = True
