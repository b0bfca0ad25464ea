"""Shared permission helpers: services call these so every caller gets the same policy."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from .errors import NotAllowed
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


def is_member_of(actor: Any, organisation_id: int | None) -> bool:
    return has_role(actor, Role.CLIENT) and organisation_id is not None and actor.organisation_id == organisation_id
