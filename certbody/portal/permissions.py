"""Who may see what in the portal. Pages, downloads and services all go through these."""

from __future__ import annotations

from typing import Any

from certbody.applications.models import Application
from certbody.applications.permissions import client_organisation_id
from certbody.applications.permissions import own_applications as own_applications  # the one definition
from certbody.core.permissions import has_role, is_member_of
from certbody.core.roles import Role


def is_client(user: Any) -> bool:
    return client_organisation_id(user) is not None


def is_assigned_staff(user: Any, application: Application) -> bool:
    """Staff working on the case: market (intake, contract), its engineer and reviewer, people on its evaluation."""
    if not getattr(user, "is_authenticated", False):
        return False
    if has_role(user, Role.MARKET):
        return True
    if user.pk in (application.engineer_id, application.reviewer_id) and user.is_cb_staff:
        return True
    return user.is_cb_staff and application.involvements.filter(user=user).exists()


def can_see_files(user: Any, application: Application) -> bool:
    """Application files and the message thread: the organisation's users and the assigned staff, nobody else."""
    return is_member_of(user, application.organisation_id) or is_assigned_staff(user, application)


def case_files_for(user: Any, pk: Any) -> Application | None:
    application = Application.objects.select_related("organisation", "scheme__category").filter(pk=pk).first()
    if application is None or not can_see_files(user, application):
        return None
    return application
