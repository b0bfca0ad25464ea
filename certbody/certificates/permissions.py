"""Who may take each certificate step (7.11): one check per step, `can_<verb>(user, certificate) -> Refusal | None`.

Status decisions (suspend, restore, withdraw, cancel, resolve a nonconformity case) are decisions: the people rule
engine's independence rule keeps out anyone who took part in the certificate's current evaluation or surveillance
(`independence_refusal`, code `not_independent`). Services run the check first (after locking the row) with
`refuse_if`; the detail page's `Action(check=...)` and the API use the same function (see
certbody.core.permissions). Who may *see* a certificate: selectors.certificates_for.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from certbody.core.errors import InvalidInput, NotIndependent
from certbody.core.permissions import Refusal, first, role_refusal, transition_refusal
from certbody.core.roles import Role

from .models import CERTIFICATE_FLOW, NONCONFORMITY_FLOW, Certificate, NonconformityCase

# Who decides a certificate's status: suspension, restoration, withdrawal, nonconformity cases.
STATUS_DECIDERS = (Role.DECIDER, Role.QUALITY)
NONCONFORMITY_CONFIRMERS = (Role.DECIDER, Role.QUALITY, Role.ENGINEER)


def current_cases(certificate: Certificate) -> list[Any]:
    """The evaluations a certificate's status now rests on: the application behind its current version, any open
    application on it (change, extension, recertification), its surveillance in progress and its latest completed
    one."""
    from certbody.applications.models import Application
    from certbody.certification.models import Surveillance

    latest = certificate.versions.order_by("-version_no").values_list("decision__application_id", flat=True).first()
    applications = Application.objects.filter(
        Q(pk=latest) | Q(certificate=certificate, status__in=Application.OPEN)
    ).select_related("scheme", "organisation")
    surveillances = certificate.surveillances.filter(status=Surveillance.Status.IN_PROGRESS)
    completed = certificate.surveillances.filter(status=Surveillance.Status.COMPLETED).order_by("-sequence_no")[:1]
    return [*applications, *surveillances, *completed]


def independence_refusal(user: Any, certificate: Certificate) -> Refusal | None:
    """A status decision on a certificate is a decision (ISO/IEC 17065 7.6, 7.11): not by anyone who took part in
    its current evaluation or surveillance. The people rule engine's independence rule decides who took part."""
    from certbody.certification.models import Surveillance
    from certbody.people.engine import R, involvements

    memo = certificate.__dict__.setdefault("_independence", {})
    key = getattr(user, "pk", None)
    if key not in memo:
        memo[key] = None
        for case in current_cases(certificate):
            kwargs = {"surveillance": case} if isinstance(case, Surveillance) else {"application": case}
            parts = involvements([user.pk], role=R.DECISION_MAKER, **kwargs).get(user.pk)
            if parts:
                memo[key] = Refusal(
                    NotIndependent.code,
                    _(
                        "%(user)s took part in the evaluation of %(case)s (%(parts)s) and so may not decide the "
                        "status of certificate %(certificate)s (ISO/IEC 17065 7.6, 7.11)."
                    )
                    % {"user": user, "case": case, "parts": "、".join(parts), "certificate": certificate.number},
                    {"parts": parts, "rules": [{"rule": "independence", "person": str(user)}]},
                    role_ok=True,
                )
                break
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
