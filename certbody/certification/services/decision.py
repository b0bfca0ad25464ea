"""Review (7.5) and decision (7.6), by people not involved in the evaluation."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from certbody.applications.models import APPLICATION_FLOW, Application
from certbody.certificates.models import Certificate
from certbody.certificates.services import certificate_issue_for_decision
from certbody.core.audit import audit_record
from certbody.core.config import get_setting
from certbody.core.dates import check_date_window
from certbody.core.errors import InvalidInput
from certbody.core.permissions import refuse_if
from certbody.core.roles import Role
from certbody.core.workflow import lock

from ..models import (
    Decision,
    TechnicalReview,
)
from ..permissions import can_assign_reviewer, can_decide, can_reopen_evaluation, can_review
from ._common import assign
from .evaluation import grant_blockers
from .surveillance import surveillance_cancel_open, surveillance_plan_next


@transaction.atomic
def reviewer_assign(*, actor: Any, application: Application, reviewer: Any) -> Application:
    application = lock(Application, application.pk)
    refuse_if(can_assign_reviewer(actor, application))
    if not reviewer.has_role(Role.REVIEWER):
        raise InvalidInput(
            _("%(user)s is not a technical reviewer.") % {"user": reviewer}, details={"field": "reviewer"}
        )
    assign(reviewer, "reviewer", case=application, actor=actor)
    before = getattr(application.reviewer, "username", None)
    application.reviewer = reviewer
    application.save(update_fields=["reviewer", "updated_at"])
    audit_record(
        actor=actor,
        action="application.assign_reviewer",
        obj=application,
        before={"reviewer": before},
        after={"reviewer": reviewer.username},
    )
    return application


@transaction.atomic
def review_complete(
    *, actor: Any, application: Application, recommendation: str, comments: str = ""
) -> TechnicalReview:
    application = lock(Application, application.pk)
    refuse_if(can_review(actor, application))
    assign(actor, "reviewer", case=application, actor=actor)  # uses up an approved override, if one applies
    if recommendation not in TechnicalReview.Recommendation.values:
        raise InvalidInput(_("Choose a recommendation."), details={"field": "recommendation"})
    if recommendation == TechnicalReview.Recommendation.REFUSE and not (comments or "").strip():
        raise InvalidInput(_("Explain a recommendation to refuse."), details={"field": "comments"})
    review = TechnicalReview.objects.create(
        application=application,
        reviewer=actor,
        recommendation=recommendation,
        comments=(comments or "").strip(),
        completed_at=timezone.now(),
    )
    application.reviewer = actor
    application.stage_due = timezone.localdate() + timedelta(days=int(get_setting("decision_days")))
    APPLICATION_FLOW.apply(
        application,
        "review",
        actor=actor,
        reason=review.comments,
        after={"recommendation": recommendation},
        update_fields=["reviewer", "stage_due"],
    )
    return review


@transaction.atomic
def evaluation_reopen(*, actor: Any, application: Application, reason: str) -> Application:
    """Review or decision finds the file incomplete: back to the engineer."""
    application = lock(Application, application.pk)
    refuse_if(can_reopen_evaluation(actor, application))
    if application.status == Application.Status.REVIEW:
        assign(actor, "reviewer", case=application, actor=actor)
    else:
        assign(actor, "decision_maker", case=application, actor=actor)
    if not (reason or "").strip():
        raise InvalidInput(_("Say what the evaluation must still do."), details={"field": "reason"})
    application.stage_due = timezone.localdate() + timedelta(days=int(get_setting("evaluation_days")))
    return APPLICATION_FLOW.apply(
        application, "reopen_evaluation", actor=actor, reason=reason.strip(), update_fields=["stage_due"]
    )


@transaction.atomic
def decision_make(
    *, actor: Any, application: Application, outcome: str, reason: str = "", issued_on: date | None = None
) -> Decision:
    """Grant or refuse. A grant issues the certificate (or its new version) and plans its surveillance in the same
    transaction."""
    application = lock(Application, application.pk)
    refuse_if(can_decide(actor, application))
    assign(actor, "decision_maker", case=application, actor=actor)
    # A grant may be dated ahead (a recertification takes effect when the old certificate expires), not for ever.
    check_date_window(issued_on, field="issued_on", label=_("Grant date"), kind="planned")
    if outcome not in Decision.Outcome.values:
        raise InvalidInput(_("Choose the decision: grant or refuse."), details={"field": "outcome"})
    reason = (reason or "").strip()
    latest_review = application.reviews.order_by("-completed_at").first()
    if latest_review is None:
        raise InvalidInput(_("The application has not been reviewed."))
    if outcome == Decision.Outcome.REFUSE and not reason:
        raise InvalidInput(_("Give the reason for refusing."), details={"field": "reason"})
    if outcome == Decision.Outcome.GRANT:
        blockers = grant_blockers(application)
        if blockers:
            raise InvalidInput(" ".join(blockers), code="grant_blocked", details={"blockers": blockers})
        if latest_review.recommendation != outcome and not reason:
            raise InvalidInput(
                _("The decision differs from the reviewer's recommendation: give the reason."),
                details={"field": "reason"},
            )
    decided_at = timezone.now()
    decision = Decision.objects.create(
        application=application, decider=actor, outcome=outcome, reason=reason, decided_at=decided_at
    )
    application.stage_due = None
    APPLICATION_FLOW.apply(
        application,
        "grant" if outcome == Decision.Outcome.GRANT else "refuse",
        actor=actor,
        reason=reason,
        after={"decision": decision.pk},
        update_fields=["stage_due"],
    )
    if outcome == Decision.Outcome.GRANT:
        _issue_and_plan_surveillance(
            actor=actor, decision=decision, issued_on=issued_on or timezone.localdate(decided_at)
        )
    return decision


def _issue_and_plan_surveillance(*, actor: Any, decision: Decision, issued_on: date) -> None:
    """The certificate (or its new version) is issued; surveillance follows: after an initial certification one
    interval after the issue, after a recertification the old cycle's surveillance gives way to the new cycle's."""
    application = decision.application
    old_expiry = None
    if application.kind == Application.Kind.RECERTIFICATION:
        old_expiry = lock(Certificate, application.certificate_id).expires_on
    certificate = certificate_issue_for_decision(actor=actor, decision=decision, issued_on=issued_on)
    if application.kind == Application.Kind.INITIAL:
        surveillance_plan_next(actor=actor, certificate=certificate, after=issued_on)
    elif application.kind == Application.Kind.RECERTIFICATION:
        surveillance_cancel_open(
            actor=actor, certificate=certificate, reason=_("Replaced by the recertification cycle")
        )
        surveillance_plan_next(actor=actor, certificate=certificate, after=old_expiry)
