"""Who the portal serves, and who may take each portal step: one check per step,
`can_<verb>(user, obj) -> Refusal | None` (see certbody.core.permissions).

The service runs the check first (after locking the row) with `refuse_if`; the portal pages decide with the same
function whether to offer the form, and the API calls the same service. Who may see an application's files and
thread is a rule of the applications (certbody.applications.permissions.can_see_files).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from certbody.applications.models import Application, Contract
from certbody.applications.permissions import can_see_files
from certbody.applications.permissions import own_applications as own_applications  # the one definition
from certbody.clients.models import Organisation
from certbody.core.errors import InvalidInput
from certbody.core.permissions import (
    Refusal,
    client_organisation_id,
    first,
    forbidden,
    is_member_of,
    not_yours,
    role_refusal,
)
from certbody.core.roles import Role

from .models import Invitation, OrganisationRejection

# Who approves or rejects a client's self-registration.
REGISTRATION_ROLES = (Role.MARKET, Role.ADMIN)


def is_client(user: Any) -> bool:
    return client_organisation_id(user) is not None


def _invalid(message: Any, code: str = InvalidInput.code) -> Refusal:
    """The object's state does not allow the step (HTTP 422), with the step's own code."""
    return Refusal(code, str(message), kind=InvalidInput.code)


# --- visibility ------------------------------------------------------------------------------------------------------


def invitations_for(user: Any) -> QuerySet[Invitation]:
    """The invitations `user` may see and revoke: those of his own organisation; none for anyone else."""
    organisation_id = client_organisation_id(user)
    if organisation_id is None:
        return Invitation.objects.none()
    return Invitation.objects.filter(organisation_id=organisation_id)


def open_invitations_for(user: Any) -> QuerySet[Invitation]:
    """The invitations of his organisation still waiting for an answer (the colleagues page lists them)."""
    return invitations_for(user).filter(
        accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gte=timezone.now()
    )


# --- registrations: market staff --------------------------------------------------------------------------------------


def can_approve_registration(user: Any, organisation: Organisation) -> Refusal | None:
    return first(
        role_refusal(user, *REGISTRATION_ROLES),
        None
        if not organisation.is_approved
        else _invalid(_("%(name)s is already approved.") % {"name": organisation.name}, "already"),
    )


def can_reject_registration(user: Any, organisation: Organisation) -> Refusal | None:
    return first(
        role_refusal(user, *REGISTRATION_ROLES),
        None
        if not organisation.is_approved
        else _invalid(_("%(name)s is approved; it can no longer be rejected.") % {"name": organisation.name}),
        lambda: (
            None
            if not OrganisationRejection.objects.filter(organisation=organisation).exists()
            else _invalid(_("%(name)s was already rejected.") % {"name": organisation.name}, "already")
        ),
    )


# --- invitations: the client's own users -----------------------------------------------------------------------------


def can_invite(user: Any, obj: Any = None) -> Refusal | None:
    if not is_client(user):
        return forbidden(_("Only a client's users invite colleagues."))
    if not user.organisation.is_approved:
        return not_yours(_("Colleagues can be invited once the certification body has approved your organisation."))
    return None


def can_revoke_invitation(user: Any, invitation: Invitation) -> Refusal | None:
    if client_organisation_id(user) is None or user.organisation_id != invitation.organisation_id:
        return forbidden(_("Only the organisation's own users revoke its invitations."))
    if invitation.accepted_at or invitation.revoked_at:
        return _invalid(_("This invitation was already accepted or revoked."), "already")
    return None


# --- the contract and the thread -------------------------------------------------------------------------------------


def can_accept_contract(user: Any, application: Application) -> Refusal | None:
    """The client accepts the quote and contract online: one of its users, once, while the application is open."""
    if not is_member_of(user, application.organisation_id):
        return forbidden(_("Only the client's own users may do this."))
    contract = Contract.objects.filter(application=application).first()
    if contract is None:
        return _invalid(_("There is no contract to accept yet."), "no_contract")
    if contract.client_accepted_at is not None:
        return _invalid(_("The contract was already accepted."), "already")
    if not application.is_open:
        return _invalid(
            _("The application is %(status)s; its contract can no longer be accepted.")
            % {"status": application.get_status_display()},
            "closed",
        )
    return None


def can_post_message(user: Any, application: Application) -> Refusal | None:
    if can_see_files(user, application):
        return None
    return forbidden(_("Only the client's users and the assigned staff write here."))
