"""Shared permission helpers: services call these so every caller gets the same policy."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from .errors import DomainError, IllegalTransition, InvalidInput, NotAllowed, NotIndependent
from .roles import Role


def require(condition: bool, message: Any) -> None:
    if not condition:
        raise NotAllowed(message)


def has_role(actor: Any, *roles: str) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False) and actor.has_role(*roles)


def require_role(actor: Any, *roles: str) -> None:
    if not has_role(actor, *roles):
        names = "、".join(str(Role(r).label) for r in roles)
        raise NotAllowed(_("This step needs one of these roles: %(roles)s.") % {"roles": names})


def client_organisation_id(user: Any) -> int | None:
    """The organisation a client user acts for; None for anyone else. The one place client scoping starts from."""
    if has_role(user, Role.CLIENT) and getattr(user, "organisation_id", None):
        return user.organisation_id
    return None


def sees_client_view(user: Any) -> bool:
    """A client's user (not also the body's staff): gets the portal's public view of its records everywhere, never
    the console's staff view (internal timeline, reviews, assignments, test-order internals)."""
    return client_organisation_id(user) is not None and not getattr(user, "is_cb_staff", False)


def is_member_of(actor: Any, organisation_id: int | None) -> bool:
    return has_role(actor, Role.CLIENT) and organisation_id is not None and actor.organisation_id == organisation_id


# --- one check per workflow step -----------------------------------------------------------------
#
# Each workflow step has ONE domain check `can_<verb>(user, obj, ...) -> Refusal | None` in its app's
# `permissions.py`: workflow state, role, object relation (assigned engineer, team, lab, client) and, where the
# step assigns a person, the people rule engine. The service runs it first (after locking the row) with
# `refuse_if(...)`; the page's `Action(check=...)` and the API's "allowed actions" call the same function.


@dataclass(frozen=True)
class Refusal:
    """Why a user may not take a step now: a stable `code`, a translated `message`, machine-readable `details`.

    `role_ok` says the user's role could take the step (the refusal is about the object or the person's
    independence), so a page shows the reason to such users only and stays quiet for everybody else.
    `kind` is the code of the DomainError family to raise when `code` is a more specific one (e.g. "invalid"
    for code "not_editable").
    """

    code: str
    message: str
    details: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    role_ok: bool = False
    kind: str = ""

    def error(self) -> DomainError:
        cls = _ERRORS.get(self.kind or self.code, DomainError)
        return cls(self.message, code=self.code, details=dict(self.details))


_ERRORS: dict[str, type[DomainError]] = {
    NotAllowed.code: NotAllowed,
    NotIndependent.code: NotIndependent,
    IllegalTransition.code: IllegalTransition,
    InvalidInput.code: InvalidInput,
}


def register_error(kind: str, cls: type[DomainError]) -> None:
    """A domain app's own DomainError subclass for refusals of `kind` (the kernel imports no domain app)."""
    _ERRORS[kind] = cls


def refuse_if(refusal: Refusal | None) -> None:
    """Raise the DomainError matching the refusal (NotAllowed, NotIndependent, IllegalTransition…); None passes."""
    if refusal is not None:
        raise refusal.error()


def forbidden(message: Any, **details: Any) -> Refusal:
    """The role or the object relation is missing (HTTP 403)."""
    return Refusal(NotAllowed.code, str(message), details)


def not_yours(message: Any, **details: Any) -> Refusal:
    """The user's role could take the step, but not on this object (someone else's case, another lab…)."""
    return Refusal(NotAllowed.code, str(message), details, role_ok=True)


def role_refusal(actor: Any, *roles: str) -> Refusal | None:
    """`require_role` as a check."""
    if has_role(actor, *roles):
        return None
    names = "、".join(str(Role(r).label) for r in roles)
    return forbidden(_("This step needs one of these roles: %(roles)s.") % {"roles": names})


def transition_refusal(flow: Any, obj: Any, name: str) -> Refusal | None:
    """`Workflow.check` as a check: the object's state does not allow the step."""
    if flow.can(obj, name):
        return None
    try:
        flow.check(obj, name)
    except IllegalTransition as exc:
        return Refusal(exc.code, exc.message, exc.details)
    return None  # pragma: no cover - can() and check() agree


def first(*checks: Any) -> Refusal | None:
    """The first refusal of several checks, each a Refusal | None or a zero-argument callable returning one.

    Pass callables for checks that query, so that a cheap refusal (state, role) spares the expensive ones."""
    for item in checks:
        refusal = item() if callable(item) else item
        if refusal is not None:
            return refusal
    return None
