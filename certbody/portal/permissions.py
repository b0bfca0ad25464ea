"""Who the portal serves: a client's users and their applications. Who may see an application's files is a rule of
the applications (certbody.applications.permissions.can_see_files)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from certbody.applications.models import Application
from certbody.core.permissions import has_role
from certbody.core.roles import Role


def is_client(user: Any) -> bool:
    return has_role(user, Role.CLIENT) and bool(getattr(user, "organisation_id", None))


def own_applications(user: Any) -> QuerySet[Application]:
    """The applications of the user's organisation (clients only)."""
    if not is_client(user):
        return Application.objects.none()
    return Application.objects.filter(organisation_id=user.organisation_id)
