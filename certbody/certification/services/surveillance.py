"""Post-certification surveillance (7.9), planned from the scheme interval."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from certbody.certificates.models import SuspensionReason, WithdrawalReason
from certbody.certificates.services import certificate_suspend, certificate_withdraw
from certbody.core.audit import audit_record
from certbody.core.errors import InvalidInput
from certbody.core.permissions import refuse_if
from certbody.core.workflow import lock

from ..models import (
    SURVEILLANCE_FLOW,
    Involvement,
    Surveillance,
)
from ..permissions import can_assign_engineer, can_complete_surveillance, can_start_surveillance
from ._common import _involve, assign
from .evaluation import evaluation_cancel_open, evaluation_gaps, grant_blockers


def surveillance_plan_next(*, actor: Any, certificate: Any, after: date) -> Surveillance | None:
    """Plan the surveillance one scheme interval after `after`; none at or past the expiry.

    Called inside the transaction that issues a certificate or closes a surveillance.
    """
    due_on = after + relativedelta(months=certificate.scheme.surveillance_interval_months)
    if due_on >= certificate.expires_on:
        return None
    last_no = certificate.surveillances.order_by("-sequence_no").values_list("sequence_no", flat=True).first()
    surveillance = Surveillance.objects.create(
        certificate=certificate,
        sequence_no=(last_no or 0) + 1,
        due_on=due_on,
        methods=list(certificate.scheme.surveillance_methods),
    )
    audit_record(
        actor=actor,
        action="surveillance.plan",
        obj=surveillance,
        after={"status": surveillance.status, "due_on": due_on, "methods": surveillance.methods},
        subject=certificate,
    )
    return surveillance


@transaction.atomic
def surveillance_start(*, actor: Any, surveillance: Surveillance, engineer: Any = None) -> Surveillance:
    surveillance = lock(Surveillance, surveillance.pk)
    refuse_if(can_start_surveillance(actor, surveillance))
    engineer = engineer or actor
    refuse_if(can_assign_engineer(actor, surveillance, engineer))
    assign(engineer, "engineer", case=surveillance, actor=actor)
    surveillance.engineer = engineer
    surveillance.started_on = timezone.localdate()
    SURVEILLANCE_FLOW.apply(
        surveillance,
        "start",
        actor=actor,
        after={"engineer": engineer.username},
        update_fields=["engineer", "started_on"],
        subject=surveillance.certificate,
    )
    _involve(surveillance, engineer, Involvement.Part.ENGINEER)
    return surveillance


@transaction.atomic
def surveillance_complete(*, actor: Any, surveillance: Surveillance, outcome: str, reason: str = "") -> Surveillance:
    """Decide the outcome: maintain, suspend or withdraw. Decided by someone not involved."""
    surveillance = lock(Surveillance, surveillance.pk)
    refuse_if(can_complete_surveillance(actor, surveillance))
    assign(actor, "decision_maker", case=surveillance, actor=actor)
    if outcome not in Surveillance.Outcome.values:
        raise InvalidInput(_("Choose the outcome."), details={"field": "outcome"})
    gaps = evaluation_gaps(surveillance)
    if gaps:
        raise InvalidInput(" ".join(gaps), code="evaluation_incomplete", details={"gaps": gaps})
    if not surveillance.test_orders.exists() and not surveillance.inspections.exists():
        raise InvalidInput(_("The surveillance has no inspection or sampling test yet."), code="evaluation_incomplete")
    reason = (reason or "").strip()
    if outcome == Surveillance.Outcome.KEEP:
        blockers = grant_blockers(surveillance)
        if blockers:
            raise InvalidInput(" ".join(blockers), code="keep_blocked", details={"blockers": blockers})
    elif not reason:
        raise InvalidInput(_("Give the reason."), details={"field": "reason"})
    surveillance.outcome = outcome
    surveillance.outcome_reason = reason
    surveillance.decided_by = actor
    surveillance.completed_at = timezone.now()
    SURVEILLANCE_FLOW.apply(
        surveillance,
        "complete",
        actor=actor,
        reason=reason,
        after={"outcome": outcome},
        update_fields=["outcome", "outcome_reason", "decided_by", "completed_at"],
        subject=surveillance.certificate,
    )
    certificate = surveillance.certificate
    if outcome == Surveillance.Outcome.SUSPEND:
        certificate_suspend(
            actor=actor,
            certificate=certificate,
            reason_code=SuspensionReason.SURVEILLANCE_FAILED,
            reason=reason,
            until=timezone.localdate() + timedelta(days=certificate.scheme.max_suspension_days),
        )
    elif outcome == Surveillance.Outcome.WITHDRAW:
        certificate_withdraw(
            actor=actor, certificate=certificate, reason_code=WithdrawalReason.SURVEILLANCE_FAILED, reason=reason
        )
    certificate.refresh_from_db()
    if outcome != Surveillance.Outcome.WITHDRAW:
        surveillance_plan_next(actor=actor, certificate=certificate, after=surveillance.due_on)
    return surveillance


def surveillance_cancel_open(*, actor: Any, certificate: Any, reason: str) -> None:
    """A certificate that ends needs no more surveillance. Runs in the ending transaction."""
    for surveillance in certificate.surveillances.select_for_update().filter(
        status__in=[Surveillance.Status.PLANNED, Surveillance.Status.IN_PROGRESS]
    ):
        SURVEILLANCE_FLOW.apply(surveillance, "cancel", actor=actor, reason=reason, subject=certificate)
        evaluation_cancel_open(actor=actor, case=surveillance, reason=reason)


def cancel_when_certificate_ended(sender: Any, *, certificate: Any, actor: Any, reason: str, **kwargs: Any) -> None:
    """Receiver of certificates' `certificate_ended` (connected in CertificationConfig.ready)."""
    surveillance_cancel_open(actor=actor, certificate=certificate, reason=reason)
