"""Independence (17065 7.5, 7.6) and who may act on evaluation records."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from certbody.core.permissions import has_role
from certbody.core.roles import Role

from .models import Inspection, Involvement, Surveillance, TestOrder


def involvements_of(user: Any, *, application=None, surveillance=None) -> QuerySet[Involvement]:
    qs = Involvement.objects.filter(user=user)
    if application is not None:
        return qs.filter(application=application)
    return qs.filter(surveillance=surveillance)


def is_independent(user: Any, *, application=None, surveillance=None) -> bool:
    return not involvements_of(user, application=application, surveillance=surveillance).exists()


def can_manage_case(user: Any, case) -> bool:
    """The case's engineer plans and runs its evaluation."""
    return has_role(user, Role.ENGINEER) and case.engineer_id == user.pk


def can_act_for_lab(user: Any, order: TestOrder) -> bool:
    return (has_role(user, Role.LAB) and user.lab_id == order.lab_id) or can_manage_case(user, order.case)


def is_team_member(user: Any, inspection: Inspection, *, leader: bool = False) -> bool:
    qs = inspection.members.filter(user=user)
    if leader:
        qs = qs.filter(role="leader")
    return has_role(user, Role.INSPECTOR) and qs.exists()


def test_orders_for(user: Any) -> QuerySet[TestOrder]:
    qs = TestOrder.objects.all()
    if has_role(
        user, Role.ENGINEER, Role.REVIEWER, Role.DECIDER, Role.QUALITY, Role.MANAGEMENT, Role.ADMIN, Role.MARKET
    ):
        return qs
    if has_role(user, Role.LAB) and user.lab_id:
        return qs.filter(lab_id=user.lab_id)
    if has_role(user, Role.CLIENT) and user.organisation_id:
        return qs.filter(
            Q(application__organisation_id=user.organisation_id)
            | Q(surveillance__certificate__organisation_id=user.organisation_id)
        )
    return qs.none()


def inspections_for(user: Any) -> QuerySet[Inspection]:
    qs = Inspection.objects.all()
    if has_role(
        user, Role.ENGINEER, Role.REVIEWER, Role.DECIDER, Role.QUALITY, Role.MANAGEMENT, Role.ADMIN, Role.MARKET
    ):
        return qs
    cond = Q(pk__in=[])
    if has_role(user, Role.INSPECTOR):
        cond |= Q(members__user=user)
    if has_role(user, Role.CLIENT) and user.organisation_id:
        cond |= Q(application__organisation_id=user.organisation_id) | Q(
            surveillance__certificate__organisation_id=user.organisation_id
        )
    return qs.filter(cond).distinct()


def surveillances_for(user: Any) -> QuerySet[Surveillance]:
    qs = Surveillance.objects.all()
    if has_role(
        user, Role.ENGINEER, Role.REVIEWER, Role.DECIDER, Role.QUALITY, Role.MANAGEMENT, Role.ADMIN, Role.MARKET
    ):
        return qs
    cond = Q(pk__in=[])
    if has_role(user, Role.INSPECTOR):
        cond |= Q(involvements__user=user)
    if has_role(user, Role.CLIENT) and user.organisation_id:
        cond |= Q(certificate__organisation_id=user.organisation_id)
    return qs.filter(cond).distinct()
