"""Post-certification surveillance: list, start, decide the outcome."""

from __future__ import annotations

from ninja import Body, Query, Router

from certbody.api.common import Page, PageIn, paginate, user_named
from certbody.api.errors import ERRORS

from .. import services
from ..permissions import surveillances_for
from .lookups import surveillance_visible
from .schemas import (
    NO_ENGINEER,
    EngineerIn,
    SurveillanceCompleteIn,
    SurveillanceDetailOut,
    SurveillanceFilter,
    SurveillanceOut,
)

router = Router(tags=["surveillance"])


@router.get("/surveillances", response={200: Page[SurveillanceOut], **ERRORS}, summary="List surveillances")
def surveillance_list(request, filters: Query[SurveillanceFilter], page: Query[PageIn]):
    qs = surveillances_for(request.auth).select_related("certificate", "engineer", "decided_by")
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.certificate:
        qs = qs.filter(certificate__number=filters.certificate)
    if filters.due_before:
        qs = qs.filter(due_on__lt=filters.due_before)
    return paginate(qs.order_by("due_on", "id"), page)


@router.get(
    "/surveillances/{surveillance_id}",
    response={200: SurveillanceDetailOut, **ERRORS},
    summary="Get a surveillance with its tests and inspections",
)
def surveillance_get(request, surveillance_id: int):
    return surveillance_visible(request.auth, surveillance_id)


@router.post(
    "/surveillances/{surveillance_id}/start",
    response={200: SurveillanceDetailOut, **ERRORS},
    summary="Start the surveillance (engineer; market may assign another engineer)",
)
def surveillance_start(request, surveillance_id: int, payload: Body[EngineerIn] = NO_ENGINEER):
    surveillance = surveillance_visible(request.auth, surveillance_id)
    engineer = user_named(request.auth, payload.engineer, "engineer") if payload.engineer else None
    services.surveillance_start(actor=request.auth, surveillance=surveillance, engineer=engineer)
    return surveillance_visible(request.auth, surveillance_id)


@router.post(
    "/surveillances/{surveillance_id}/complete",
    response={200: SurveillanceDetailOut, **ERRORS},
    summary="Decide the outcome: keep, suspend or withdraw (decider not involved in it)",
)
def surveillance_complete(request, surveillance_id: int, payload: SurveillanceCompleteIn):
    surveillance = surveillance_visible(request.auth, surveillance_id)
    services.surveillance_complete(
        actor=request.auth, surveillance=surveillance, outcome=payload.outcome, reason=payload.reason
    )
    return surveillance_visible(request.auth, surveillance_id)
