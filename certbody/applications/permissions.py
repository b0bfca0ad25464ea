"""Who may see and act on applications (7.2, 7.3). Pages, API, portal, admin and services all use these.

One check per workflow step, `can_<verb>(user, application) -> Refusal | None` (see certbody.core.permissions):
the service runs it first (after locking the row) with `refuse_if`, the page's `Action(check=...)` and the API's
allowed transitions call the same function. The evaluation, review and decision steps of an application are
certification's: their checks live in certbody.certification.permissions.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from certbody.core.errors import InvalidInput
from certbody.core.permissions import (
    Refusal,
    client_organisation_id,
    first,
    forbidden,
    has_role,
    is_member_of,
    role_refusal,
    transition_refusal,
)
from certbody.core.roles import Role

from .models import APPLICATION_FLOW, Application

# Roles that see every application: they run the process or oversee it.
ALL_APPLICATIONS = (Role.MARKET, Role.ENGINEER, Role.REVIEWER, Role.DECIDER, Role.QUALITY, Role.MANAGEMENT, Role.ADMIN)


def applications_for(user: Any) -> QuerySet[Application]:
    """Every application `user` may see: pages, API, portal and admin list through this."""
    qs = Application.objects.all()
    if has_role(user, *ALL_APPLICATIONS):
        return qs
    conditions = Q(pk__in=[])
    organisation_id = client_organisation_id(user)
    if organisation_id:
        conditions |= Q(organisation_id=organisation_id)
    if has_role(user, Role.INSPECTOR):
        conditions |= Q(involvements__user=user)
        return qs.filter(conditions).distinct()
    return qs.filter(conditions)


def own_applications(user: Any) -> QuerySet[Application]:
    """The applications of a client user's own organisation (the portal's lists); none for anyone else."""
    organisation_id = client_organisation_id(user)
    if organisation_id is None:
        return Application.objects.none()
    return Application.objects.filter(organisation_id=organisation_id)


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


# --- the steps ----------------------------------------------------------------------------------


def can_act_for_client(user: Any, organisation_id: int | None) -> Refusal | None:
    """The client's own users, or market staff on the client's word."""
    if is_member_of(user, organisation_id) or has_role(user, Role.MARKET):
        return None
    return forbidden(_("Only the client's own users or market staff may do this."))


def editable_refusal(application: Application) -> Refusal | None:
    if application.status in (Application.Status.DRAFT, Application.Status.RETURNED):
        return None
    return Refusal(
        "not_editable",
        _("The application can only be changed while it is a draft or returned for completion."),
        kind=InvalidInput.code,
    )


def can_change_units(user: Any, application: Application) -> Refusal | None:
    """Add or remove certification units (and register manufacturers and sites for them)."""
    return first(can_act_for_client(user, application.organisation_id), editable_refusal(application))


def can_submit(user: Any, application: Application) -> Refusal | None:
    return first(
        can_act_for_client(user, application.organisation_id),
        transition_refusal(APPLICATION_FLOW, application, "submit"),
    )


def _market_step(user: Any, application: Application, step: str) -> Refusal | None:
    return first(role_refusal(user, Role.MARKET), transition_refusal(APPLICATION_FLOW, application, step))


def can_accept(user: Any, application: Application) -> Refusal | None:
    return _market_step(user, application, "accept")


def can_return(user: Any, application: Application) -> Refusal | None:
    return _market_step(user, application, "return")


def can_reject(user: Any, application: Application) -> Refusal | None:
    return _market_step(user, application, "reject")


def can_withdraw(user: Any, application: Application) -> Refusal | None:
    return first(
        can_act_for_client(user, application.organisation_id),
        transition_refusal(APPLICATION_FLOW, application, "withdraw"),
    )


STEP_CHECKS = {
    "submit": can_submit,
    "return": can_return,
    "reject": can_reject,
    "accept": can_accept,
    "withdraw": can_withdraw,
}
