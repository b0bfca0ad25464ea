"""Evaluation steps of an application: start, complete, reviewer, review, reopen, decision."""

from __future__ import annotations

from ninja import Body, Router

from certbody.api.common import user_named
from certbody.api.errors import ERRORS
from certbody.applications.api import ApplicationDetailOut, application_visible
from certbody.applications.models import Application
from certbody.certificates.models import Certificate

from .. import services
from ..models import Decision
from .schemas import NO_ENGINEER, DecideIn, DecisionResultOut, EngineerIn, EvaluationOut, ReasonIn, ReviewerIn, ReviewIn

router = Router(tags=["applications"])


@router.get(
    "/applications/{application_id}/evaluation",
    response={200: EvaluationOut, **ERRORS},
    summary="Evaluation file: gaps, blockers, tests, inspections, reviews, decision",
)
def evaluation_get(request, application_id: int):
    application = application_visible(request.auth, application_id)
    evaluating = application.status == Application.Status.EVALUATION
    return {
        "application_id": application.pk,
        "status": application.status,
        "gaps": services.evaluation_gaps(application) if evaluating else [],
        "blockers": services.grant_blockers(application),
        "test_orders": list(application.test_orders.select_related("lab")),
        "inspections": list(application.inspections.all()),
        "reviews": list(application.reviews.select_related("reviewer")),
        "decision": Decision.objects.select_related("decider").filter(application=application).first(),
    }


def _application_step(request, application_id: int, step, **kwargs):
    application = application_visible(request.auth, application_id)
    step(actor=request.auth, application=application, **kwargs)
    return application_visible(request.auth, application_id)


@router.post(
    "/applications/{application_id}/start-evaluation",
    response={200: ApplicationDetailOut, **ERRORS},
    summary="Start the evaluation (engineer; market may assign another engineer)",
)
def evaluation_start(request, application_id: int, payload: Body[EngineerIn] = NO_ENGINEER):
    engineer = user_named(request.auth, payload.engineer, "engineer") if payload.engineer else None
    return _application_step(request, application_id, services.evaluation_start, engineer=engineer)


@router.post(
    "/applications/{application_id}/complete-evaluation",
    response={200: ApplicationDetailOut, **ERRORS},
    summary="Complete the evaluation (case engineer)",
)
def evaluation_complete(request, application_id: int):
    return _application_step(request, application_id, services.evaluation_complete)


@router.post(
    "/applications/{application_id}/assign-reviewer",
    response={200: ApplicationDetailOut, **ERRORS},
    summary="Assign the technical reviewer (must not have taken part in the evaluation)",
)
def reviewer_assign(request, application_id: int, payload: ReviewerIn):
    reviewer = user_named(request.auth, payload.reviewer, "reviewer")
    return _application_step(request, application_id, services.reviewer_assign, reviewer=reviewer)


@router.post(
    "/applications/{application_id}/review",
    response={200: ApplicationDetailOut, **ERRORS},
    summary="Complete the technical review (reviewer)",
)
def review_complete(request, application_id: int, payload: ReviewIn):
    return _application_step(
        request,
        application_id,
        services.review_complete,
        recommendation=payload.recommendation,
        comments=payload.comments,
    )


@router.post(
    "/applications/{application_id}/reopen",
    response={200: ApplicationDetailOut, **ERRORS},
    summary="Send back to evaluation (reviewer or decider)",
)
def evaluation_reopen(request, application_id: int, payload: ReasonIn):
    return _application_step(request, application_id, services.evaluation_reopen, reason=payload.reason)


@router.post(
    "/applications/{application_id}/decide",
    response={200: DecisionResultOut, **ERRORS},
    summary="Decide: grant (issues the certificate or its new version) or refuse",
)
def decision_make(request, application_id: int, payload: DecideIn):
    application = application_visible(request.auth, application_id)
    decision = services.decision_make(
        actor=request.auth,
        application=application,
        outcome=payload.outcome,
        reason=payload.reason,
        issued_on=payload.issued_on,
    )
    application = application_visible(request.auth, application_id)
    certificate = None
    if decision.outcome == Decision.Outcome.GRANT:
        if application.kind == Application.Kind.INITIAL:
            certificate = Certificate.objects.filter(application=application).values_list("number", flat=True).first()
        else:
            certificate = application.certificate.number
    return {"decision": decision, "certificate": certificate, "application": application}
