"""Who may take each certificate step (7.11): one check per step, `can_<verb>(user, certificate) -> Refusal | None`.

Status decisions (suspend, restore, withdraw, cancel, resolve a nonconformity case) are decisions: the people rule
engine's independence rule keeps out anyone who took part in the certificate's current evaluation or surveillance
(`independence_refusal`, code `not_independent`). Services run the check first (after locking the row) with
`refuse_if`; the detail page's `Action(check=...)` and the API use the same function (see
certbody.core.permissions). Who may *see* a certificate: selectors.certificates_for.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from certbody.core.errors import InvalidInput
from certbody.core.permissions import Refusal, first, role_refusal, transition_refusal
from certbody.core.roles import Role

from .models import CERTIFICATE_FLOW, NONCONFORMITY_FLOW, Certificate, NonconformityCase

# Who decides a certificate's status: suspension, restoration, withdrawal, nonconformity cases.
STATUS_DECIDERS = (Role.DECIDER, Role.QUALITY)
NONCONFORMITY_CONFIRMERS = (Role.DECIDER, Role.QUALITY, Role.ENGINEER)


# Who took part in a certificate's current evaluation or surveillance is known to the lifecycle and the people rules,
# which sit above certificates in the layers (docs/architecture.md). The lifecycle registers that check at start-up
# (certification.apps); the certificate steps below call it through here, so service, page and API share it.
_independence_check: Callable[[Any, Certificate], Refusal | None] | None = None


def register_independence_check(check: Callable[[Any, Certificate], Refusal | None]) -> None:
    global _independence_check
    _independence_check = check


def independence_refusal(user: Any, certificate: Certificate) -> Refusal | None:
    """A status decision on a certificate is a decision (ISO/IEC 17065 7.6, 7.11): not by anyone who took part in
    its current evaluation or surveillance. Asked once per user and certificate within a request."""
    if _independence_check is None:
        raise ImproperlyConfigured("No independence check is registered for certificate decisions.")
    memo = certificate.__dict__.setdefault("_independence", {})
    key = getattr(user, "pk", None)
    if key not in memo:
        memo[key] = _independence_check(user, certificate)
    return memo[key]


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
        lambda: independence_refusal(user, case.certificate),
    )


def can_resolve_nonconformities(user: Any, certificate: Certificate) -> Refusal | None:
    """The page's inline "resolve" forms: whoever may resolve a case of this certificate."""
    return first(role_refusal(user, *STATUS_DECIDERS), lambda: independence_refusal(user, certificate))


def _status_step(user: Any, certificate: Certificate, step: str, *roles: str) -> Refusal | None:
    return first(
        role_refusal(user, *roles),
        transition_refusal(CERTIFICATE_FLOW, certificate, step),
        lambda: independence_refusal(user, certificate),
    )


def can_suspend(user: Any, certificate: Certificate) -> Refusal | None:
    return _status_step(user, certificate, "suspend", *STATUS_DECIDERS)


def can_restore(user: Any, certificate: Certificate) -> Refusal | None:
    return _status_step(user, certificate, "restore", *STATUS_DECIDERS)


def can_withdraw(user: Any, certificate: Certificate) -> Refusal | None:
    return _status_step(user, certificate, "withdraw", *STATUS_DECIDERS)


def can_cancel(user: Any, certificate: Certificate) -> Refusal | None:
    return _status_step(user, certificate, "cancel", Role.MARKET, *STATUS_DECIDERS)
