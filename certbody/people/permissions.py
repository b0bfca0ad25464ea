"""Who may keep people and impartiality records, and who sees them (ISO/IEC 17065 4.2, 6.1).

One check per step, `can_<verb>(user, obj) -> Refusal | None` (see certbody.core.permissions): the service runs it
first (after locking the row, where there is one) with `refuse_if`; the person page's `Action(check=...)`, the list
pages' forms and the API call the same function. HR and quality keep the records; management reads them; the
assigning roles ask for overrides of refused assignments and a second person (quality, management) decides them;
everyone with a personnel record signs his own declaration. Who *sees* what: `people_for`, `overrides_for`.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from certbody.core.errors import InvalidInput
from certbody.core.permissions import (
    Refusal,
    first,
    forbidden,
    has_role,
    not_yours,
    transition_refusal,
)
from certbody.core.roles import Role

from .models import AUTHORISATION_FLOW, AssignmentOverride, Authorisation, Person

MANAGERS = (Role.HR, Role.QUALITY)
READERS = (Role.HR, Role.QUALITY, Role.MANAGEMENT)
OVERRIDE_APPROVERS = (Role.QUALITY, Role.MANAGEMENT)
OVERRIDE_REQUESTERS = (Role.ENGINEER, Role.MARKET, Role.QUALITY, Role.MANAGEMENT)
OVERRIDE_READERS = tuple(dict.fromkeys(OVERRIDE_REQUESTERS + OVERRIDE_APPROVERS))


def can_manage(user: Any) -> bool:
    return has_role(user, *MANAGERS)


def can_read(user: Any) -> bool:
    return has_role(user, *READERS)


# --- visibility: pages, API and admin list through these -------------------------------------------------------------


def people_for(user: Any) -> QuerySet[Person]:
    """The personnel records `user` may see: HR, quality and management see all of them, nobody else any."""
    return Person.objects.all() if can_read(user) else Person.objects.none()


def overrides_for(user: Any) -> QuerySet[AssignmentOverride]:
    """The assignment overrides `user` may see: the roles that ask for or decide them."""
    qs = AssignmentOverride.objects.all()
    return qs if has_role(user, *OVERRIDE_READERS) else qs.none()


# --- records: HR and quality ------------------------------------------------------------------------------------------


def _manager(user: Any) -> Refusal | None:
    # user None: system set-up (data loading, scenarios), as elsewhere in the project.
    if user is None or can_manage(user):
        return None
    return forbidden(_("Only HR and quality staff may change personnel and impartiality records."))


def can_create_person(user: Any, obj: Any = None) -> Refusal | None:
    return _manager(user)


def can_add_registration(user: Any, person: Person) -> Refusal | None:
    return _manager(user)


def can_record_training(user: Any, person: Person) -> Refusal | None:
    return _manager(user)


def can_record_evaluation(user: Any, person: Person) -> Refusal | None:
    return _manager(user)


def can_grant_authorisation(user: Any, person: Person) -> Refusal | None:
    return _manager(user)


def can_change_authorisation(user: Any, authorisation: Authorisation, step: str) -> Refusal | None:
    """Suspend, reinstate or revoke one authorisation: the step must be one its state allows."""
    if step not in AUTHORISATION_FLOW.transitions:
        return Refusal(InvalidInput.code, _("Unknown step."))
    return first(_manager(user), lambda: transition_refusal(AUTHORISATION_FLOW, authorisation, step))


def can_suspend_authorisation(user: Any, authorisation: Authorisation) -> Refusal | None:
    return can_change_authorisation(user, authorisation, "suspend")


def can_reinstate_authorisation(user: Any, authorisation: Authorisation) -> Refusal | None:
    return can_change_authorisation(user, authorisation, "reinstate")


def can_revoke_authorisation(user: Any, authorisation: Authorisation) -> Refusal | None:
    return can_change_authorisation(user, authorisation, "revoke")


def can_change_authorisations(user: Any, person: Person) -> Refusal | None:
    """The person page's "suspend, reinstate or revoke" form: a manager, and the person has an authorisation."""
    return first(
        _manager(user),
        lambda: (
            None
            if person.authorisations.exists()
            else Refusal(InvalidInput.code, _("No authorisation to change."), kind=InvalidInput.code)
        ),
    )


def can_record_conflict(user: Any, obj: Any = None) -> Refusal | None:
    return _manager(user)


def can_record_consultancy(user: Any, obj: Any = None) -> Refusal | None:
    return _manager(user)


def can_create_risk(user: Any, obj: Any = None) -> Refusal | None:
    return _manager(user)


def can_check_risk(user: Any, risk: Any = None) -> Refusal | None:
    return _manager(user)


def can_add_committee_member(user: Any, obj: Any = None) -> Refusal | None:
    return _manager(user)


def can_record_committee_meeting(user: Any, obj: Any = None) -> Refusal | None:
    return _manager(user)


# --- one's own declaration --------------------------------------------------------------------------------------------


def can_sign_declaration(user: Any, obj: Any = None) -> Refusal | None:
    """Everyone with a personnel record signs his own declaration (nobody signs for another)."""
    if Person.objects.filter(user_id=getattr(user, "pk", None)).exists():
        return None
    return forbidden(_("Only people with a personnel record sign declarations."))


# --- overrides of refused assignments ---------------------------------------------------------------------------------


def can_request_override(user: Any, obj: Any = None) -> Refusal | None:
    if has_role(user, *OVERRIDE_REQUESTERS):
        return None
    return forbidden(_("Only engineers, market, quality or management staff may ask for an override."))


def can_decide_override(user: Any, override: AssignmentOverride) -> Refusal | None:
    """Approve or reject: a second person (quality or management), not the requester nor the person assigned."""
    if not has_role(user, *OVERRIDE_APPROVERS):
        return forbidden(_("Only quality or management staff may decide an override."))
    if user.pk in (override.requested_by_id, override.user_id):
        return not_yours(_("An override needs a second person: not the one who asked for it, nor the one assigned."))
    if override.status != AssignmentOverride.Status.REQUESTED:
        return Refusal("illegal_transition", _("This override has already been decided."), kind=InvalidInput.code)
    return None
