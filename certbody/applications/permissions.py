"""Who may see and act on applications. Pages, API and services all use these."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from certbody.core.permissions import has_role, is_member_of
from certbody.core.roles import Role

from .models import Application

# Roles that see every application: they run the process or oversee it.
ALL_APPLICATIONS = (Role.MARKET, Role.ENGINEER, Role.REVIEWER, Role.DECIDER, Role.QUALITY, Role.MANAGEMENT, Role.ADMIN)


def applications_for(user: Any) -> QuerySet[Application]:
    qs = Application.objects.all()
    if has_role(user, *ALL_APPLICATIONS):
        return qs
    conditions = Q(pk__in=[])
    if has_role(user, Role.CLIENT) and user.organisation_id:
        conditions |= Q(organisation_id=user.organisation_id)
    if has_role(user, Role.INSPECTOR):
        conditions |= Q(involvements__user=user)
    return qs.filter(conditions).distinct()


def can_edit_application(user: Any, application: Application) -> bool:
    return has_role(user, Role.MARKET) or is_member_of(user, application.organisation_id)


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
