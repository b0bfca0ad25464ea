"""Who keeps which part of the public website: one check per step, `can_<verb>(user, obj) -> Refusal | None`.

Controlled documents (rules, forms, templates, CSR reports) are the quality function's; the fee schedule is
market's (it quotes and contracts); complaints received online go to quality, who run complaint handling.
Management and the administrator may do all of it. Services run the check first (after locking the row) with
`refuse_if`; the staff pages' `Action(check=...)` and buttons call the same function (see certbody.core.permissions).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from certbody.core.errors import IllegalTransition
from certbody.core.permissions import Refusal, first, has_role, role_refusal
from certbody.core.roles import Role

from .models import COMPLAINT_INTAKE_FLOW, DOCUMENT_FLOW, ComplaintIntake, FeeItem, PublishedDocument

LIBRARY_ROLES = (Role.QUALITY, Role.MANAGEMENT, Role.ADMIN)
FEE_ROLES = (Role.MARKET, Role.MANAGEMENT, Role.ADMIN)
COMPLAINT_ROLES = (Role.QUALITY, Role.MANAGEMENT, Role.ADMIN)
STAFF_ROLES = tuple(dict.fromkeys(LIBRARY_ROLES + FEE_ROLES + COMPLAINT_ROLES))


def can_manage_library(user: Any) -> bool:
    """Which staff pages to link to (the steps themselves are the checks below)."""
    return has_role(user, *LIBRARY_ROLES)


def can_manage_fees(user: Any) -> bool:
    return has_role(user, *FEE_ROLES)


def can_handle_complaints(user: Any) -> bool:
    return has_role(user, *COMPLAINT_ROLES)


def _state(flow: Any, obj: Any, step: str, message: Any) -> Refusal | None:
    """The object's state does not allow the step: said in the step's own words."""
    if flow.can(obj, step):
        return None
    return Refusal(IllegalTransition.code, str(message), {"status": obj.status, "transition": step})


# --- documents -------------------------------------------------------------------------------------------------------


def can_create_document(user: Any, obj: Any = None) -> Refusal | None:
    return role_refusal(user, *LIBRARY_ROLES)


def can_publish_version(user: Any, document: PublishedDocument) -> Refusal | None:
    return role_refusal(user, *LIBRARY_ROLES)


def can_withdraw_document(user: Any, document: PublishedDocument) -> Refusal | None:
    return first(
        role_refusal(user, *LIBRARY_ROLES),
        _state(DOCUMENT_FLOW, document, "withdraw", _("The document is already withdrawn.")),
    )


def can_restore_document(user: Any, document: PublishedDocument) -> Refusal | None:
    return first(
        role_refusal(user, *LIBRARY_ROLES),
        _state(DOCUMENT_FLOW, document, "restore", _("Only a withdrawn document can be published again.")),
    )


# --- fees ------------------------------------------------------------------------------------------------------------


def can_add_fee(user: Any, obj: Any = None) -> Refusal | None:
    return role_refusal(user, *FEE_ROLES)


def can_set_fee_shown(user: Any, fee: FeeItem) -> Refusal | None:
    return role_refusal(user, *FEE_ROLES)


# --- complaints received online --------------------------------------------------------------------------------------


def _complaint_step(user: Any, complaint: ComplaintIntake, step: str) -> Refusal | None:
    return first(
        role_refusal(user, *COMPLAINT_ROLES),
        _state(COMPLAINT_INTAKE_FLOW, complaint, step, _("This complaint has already been handled.")),
    )


def can_forward_complaint(user: Any, complaint: ComplaintIntake) -> Refusal | None:
    return _complaint_step(user, complaint, "forward")


def can_close_complaint(user: Any, complaint: ComplaintIntake) -> Refusal | None:
    return _complaint_step(user, complaint, "close")
