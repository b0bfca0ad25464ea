"""Assigning people: the rule engine checks; an approved override (asked for, then decided by a second person)
lets a refused assignment through once."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from certbody.core.errors import DomainError, InvalidInput
from certbody.core.permissions import refuse_if
from certbody.core.workflow import lock, record_creation

from .. import engine
from .. import permissions as perms
from ..engine import Refusal, case_context
from ..models import (
    OVERRIDE_FLOW,
    AssignmentOverride,
    AssignmentRole,
)
from ._common import _text


def _case_fields(case: Any) -> dict[str, Any]:
    application, surveillance, _scheme, _organisation = case_context(case)
    return {"application": application, "surveillance": surveillance}


@transaction.atomic
def override_request(*, actor: Any, subject: Any, role: str, case: Any, reason: str) -> AssignmentOverride:
    """Ask that a refused assignment be let through. Only rules the policy lets be overridden may be."""
    refuse_if(perms.can_request_override(actor))
    if role not in AssignmentRole.values:
        raise InvalidInput(_("Choose the role."), details={"field": "role"})
    reason = _text(reason, "reason", _("reason"))
    refusals = engine.check(subject, role, case=case)
    if not refusals:
        raise InvalidInput(_("The assignment is allowed; no override is needed."), code="override_not_needed")
    fixed = [r for r in refusals if not r.overridable]
    if fixed:
        raise DomainError(
            _("These rules cannot be overridden: %(rules)s") % {"rules": " ".join(r.message for r in fixed)},
            code="override_not_allowed",
            details={"rules": [r.as_dict() for r in fixed]},
        )
    override = AssignmentOverride.objects.create(
        role=role,
        user=None if role == AssignmentRole.LAB else subject,
        lab=subject if role == AssignmentRole.LAB else None,
        rules=sorted({r.rule for r in refusals}),
        reason=reason,
        requested_by=actor,
        requested_at=timezone.now(),
        **_case_fields(case),
    )
    record_creation(
        override,
        actor=actor,
        transition="override_request",
        after={"role": role, "person": str(subject), "rules": override.rules},
        reason=reason,
        subject=case,
    )
    return override


@transaction.atomic
def override_decide(*, actor: Any, override: AssignmentOverride, approve: bool, reason: str) -> AssignmentOverride:
    """A second person (quality or management, not the requester nor the person assigned) approves or rejects."""
    override = lock(AssignmentOverride, override.pk)
    refuse_if(perms.can_decide_override(actor, override))
    reason = _text(reason, "reason", _("reason"))
    override.decided_by = actor
    override.decided_at = timezone.now()
    override.decision_reason = reason
    return OVERRIDE_FLOW.apply(
        override,
        "override_approve" if approve else "override_reject",
        actor=actor,
        after={"rules": override.rules, "requested_by": override.requested_by.username},
        reason=reason,
        update_fields=["decided_by", "decided_at", "decision_reason"],
        subject=override.application or override.surveillance,
    )


def override_use(*, override: AssignmentOverride, actor: Any, refusals: list[Any]) -> None:
    """The assignment an override was approved for happens: once. Runs in the assigning transaction."""
    override = lock(AssignmentOverride, override.pk)
    override.used_at = timezone.now()
    OVERRIDE_FLOW.apply(
        override,
        "override_used",
        actor=actor,
        after={
            "rules": sorted({r.rule for r in refusals}),
            "approved_by": override.decided_by.username if override.decided_by else None,
        },
        reason=override.reason,
        update_fields=["used_at"],
        subject=override.application or override.surveillance,
    )


# --- assigning: the engine checks, an approved override lets a refused assignment through once -------------


def _approved_override(subject, role: str, case, refusals: list[Refusal]) -> AssignmentOverride | None:
    application, surveillance, _scheme, _organisation = case_context(case)
    if not all(r.overridable for r in refusals):
        return None
    qs = AssignmentOverride.objects.select_for_update().filter(
        role=role, status=AssignmentOverride.Status.APPROVED, application=application, surveillance=surveillance
    )
    qs = qs.filter(lab=subject) if role == AssignmentRole.LAB else qs.filter(user=subject)
    wanted = {r.rule for r in refusals}
    for override in qs.order_by("decided_at"):
        if wanted <= set(override.rules):
            return override
    return None


def ensure_assignable(subject: Any, role: str, *, case: Any = None, actor: Any = None, **kwargs: Any) -> None:
    """Raise AssignmentRefused naming every failed rule, unless an approved override covers exactly those."""
    ensure_all([(subject, role)], case=case, actor=actor, **kwargs)


def ensure_all(assignments: list[tuple[Any, str]], *, case: Any = None, actor: Any = None, **kwargs: Any) -> None:
    """Check a whole team at once: one refusal lists every person and every rule. Runs in the assigning
    transaction; the overrides it relies on are marked used there."""
    failures: list[tuple[Any, str, list[Refusal]]] = []
    to_use: list[tuple[AssignmentOverride, list[Refusal]]] = []
    for subject, role in assignments:
        refusals = engine.check(subject, role, case=case, **kwargs)
        if not refusals:
            continue
        override = _approved_override(subject, role, case, refusals)
        if override is not None:
            to_use.append((override, refusals))
        else:
            failures.append((subject, role, refusals))
    if failures:
        raise engine.refused_all(failures)
    for override, refusals in to_use:
        override_use(override=override, actor=actor, refusals=refusals)
