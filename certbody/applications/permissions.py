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
