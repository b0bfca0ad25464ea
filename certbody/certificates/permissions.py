"""Who may take each certificate step (7.11): one check per step, `can_<verb>(user, certificate) -> Refusal | None`.

Services run the check first (after locking the row) with `refuse_if`; the detail page's `Action(check=...)` and
the API use the same function (see certbody.core.permissions). Who may *see* a certificate: selectors.certificates_for.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from certbody.core.errors import InvalidInput
from certbody.core.permissions import Refusal, first, role_refusal, transition_refusal
from certbody.core.roles import Role

from .models import CERTIFICATE_FLOW, NONCONFORMITY_FLOW, Certificate, NonconformityCase

# Who decides a certificate's status: suspension, restoration, withdrawal, nonconformity cases.
STATUS_DECIDERS = (Role.DECIDER, Role.QUALITY)
NONCONFORMITY_CONFIRMERS = (Role.DECIDER, Role.QUALITY, Role.ENGINEER)


def can_confirm_nonconformity(user: Any, certificate: Certificate) -> Refusal | None:
    return first(
        role_refusal(user, *NONCONFORMITY_CONFIRMERS),
        None
        if certificate.status == Certificate.Status.VALID
        else Refusal("invalid", _("Only a valid certificate can get a nonconformity case."), kind=InvalidInput.code),
    )


def can_resolve_nonconformity(user: Any, case: NonconformityCase) -> Refusal | None:
    return first(
        role_refusal(user, *STATUS_DECIDERS),
        transition_refusal(NONCONFORMITY_FLOW, case, "resolve"),
    )


def can_resolve_nonconformities(user: Any, certificate: Certificate) -> Refusal | None:
    """The page's inline "resolve" forms: whoever may resolve a case of this certificate."""
    return role_refusal(user, *STATUS_DECIDERS)


def _status_step(user: Any, certificate: Certificate, step: str, *roles: str) -> Refusal | None:
    return first(role_refusal(user, *roles), transition_refusal(CERTIFICATE_FLOW, certificate, step))


def can_suspend(user: Any, certificate: Certificate) -> Refusal | None:
    return _status_step(user, certificate, "suspend", *STATUS_DECIDERS)


def can_restore(user: Any, certificate: Certificate) -> Refusal | None:
    return _status_step(user, certificate, "restore", *STATUS_DECIDERS)


def can_withdraw(user: Any, certificate: Certificate) -> Refusal | None:
    return _status_step(user, certificate, "withdraw", *STATUS_DECIDERS)


def can_cancel(user: Any, certificate: Certificate) -> Refusal | None:
    return _status_step(user, certificate, "cancel", Role.MARKET, *STATUS_DECIDERS)
