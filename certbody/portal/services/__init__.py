"""Portal writes: registration, invitations, approval, messages, contract acceptance, the wizard's unit step.
The application file itself is certbody.applications.dossier.

`registration` holds sign-up, confirmation, approval and invitations; `exchange` what a member does afterwards.
Both are re-exported here, so `from certbody.portal import services` keeps every name.
"""

from .exchange import (
    MAX_FILES_PER_REQUEST,
    check_batch,
    contract_accept_online,
    message_post,
    notifications_mark_read,
    wizard_unit_add,
)
from .registration import (
    CONFIRM_MAX_AGE,
    CONFIRM_SALT,
    INVITATION_DAYS,
    REJECTION_REASON_MAX,
    already_taken,
    confirmation_token,
    email_confirm,
    has_control_chars,
    invitation_accept,
    invitation_by_token,
    invitation_create,
    invitation_quota_take,
    invitation_revoke,
    organisation_approve,
    organisation_register,
    organisation_reject,
)

__all__ = [
    "CONFIRM_MAX_AGE",
    "CONFIRM_SALT",
    "INVITATION_DAYS",
    "MAX_FILES_PER_REQUEST",
    "REJECTION_REASON_MAX",
    "already_taken",
    "check_batch",
    "confirmation_token",
    "contract_accept_online",
    "email_confirm",
    "has_control_chars",
    "invitation_accept",
    "invitation_by_token",
    "invitation_create",
    "invitation_quota_take",
    "invitation_revoke",
    "message_post",
    "notifications_mark_read",
    "organisation_approve",
    "organisation_register",
    "organisation_reject",
    "wizard_unit_add",
]
