"""Inspections: plan with the team, findings, close nonconformities, complete, cancel."""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from certbody.api.common import Page, PageIn, paginate, referenced, user_named, visible
from certbody.api.errors import ERRORS
from certbody.clients.models import ProductionSite

from .. import services
from ..permissions import inspections_for
from .lookups import case_organisation_id, case_visible, inspection_visible
from .schemas import (
    FindingCloseIn,
    FindingIn,
    InspectionCompleteIn,
    InspectionDetailOut,
    InspectionFilter,
    InspectionIn,
    InspectionOut,
    ReasonIn,
)

router = Router(tags=["inspections"])


@router.get("/inspections", response={200: Page[InspectionOut], **ERRORS}, summary="List inspections")
def inspection_list(request, filters: Query[InspectionFilter], page: Query[PageIn]):
    qs = inspections_for(request.auth)
    for field in ("status", "application_id", "surveillance_id"):
        value = getattr(filters, field)
        if value is not None:
            qs = qs.filter(**{field: value})
    return paginate(qs.order_by("-planned_on", "-id"), page)


@router.post(
    "/inspections",
    response={201: InspectionDetailOut, **ERRORS},
    summary="Plan an inspection with its team (case engineer)",
)
def inspection_plan(request, payload: InspectionIn):
    case = case_visible(request.auth, payload)
    leader = user_named(request.auth, payload.leader, "leader")
    members = [user_named(request.auth, name, "members") for name in payload.members]
    site = None
    if payload.site_id is not None:
        sites = ProductionSite.objects.filter(manufacturer__organisation_id=case_organisation_id(case))
        site = referenced(sites, "site_id", _("production site"), pk=payload.site_id)
    inspection = services.inspection_plan(
        actor=request.auth, case=case, planned_on=payload.planned_on, leader=leader, members=members, site=site
    )
    return Status(201, inspection_visible(request.auth, inspection.pk))


@router.get(
    "/inspections/{inspection_id}",
    response={200: InspectionDetailOut, **ERRORS},
    summary="Get an inspection with its team and findings",
)
def inspection_get(request, inspection_id: int):
    return inspection_visible(request.auth, inspection_id)


@router.post(
    "/inspections/{inspection_id}/findings",
    response={201: InspectionDetailOut, **ERRORS},
    summary="Record a finding (team member)",
)
def finding_add(request, inspection_id: int, payload: FindingIn):
    inspection = inspection_visible(request.auth, inspection_id)
    services.finding_add(
        actor=request.auth,
        inspection=inspection,
        severity=payload.severity,
        description=payload.description,
        clause=payload.clause,
    )
    return Status(201, inspection_visible(request.auth, inspection_id))


@router.post(
    "/inspections/{inspection_id}/findings/{finding_id}/close",
    response={200: InspectionDetailOut, **ERRORS},
    summary="Close a nonconformity after verifying the corrective action (team leader or case engineer)",
)
def finding_close(request, inspection_id: int, finding_id: int, payload: FindingCloseIn):
    inspection = inspection_visible(request.auth, inspection_id)
    finding = visible(inspection.findings.all(), _("Finding"), pk=finding_id)
    services.finding_close(actor=request.auth, finding=finding, corrective_action=payload.corrective_action)
    return inspection_visible(request.auth, inspection_id)


@router.post(
    "/inspections/{inspection_id}/complete",
    response={200: InspectionDetailOut, **ERRORS},
    summary="Complete the inspection with its conclusion (team leader)",
)
def inspection_complete(request, inspection_id: int, payload: InspectionCompleteIn):
    inspection = inspection_visible(request.auth, inspection_id)
    services.inspection_complete(
        actor=request.auth,
        inspection=inspection,
        conclusion=payload.conclusion,
        completed_on=payload.completed_on,
        summary=payload.summary,
    )
    return inspection_visible(request.auth, inspection_id)


@router.post(
    "/inspections/{inspection_id}/cancel",
    response={200: InspectionDetailOut, **ERRORS},
    summary="Cancel a planned inspection (case engineer)",
)
def inspection_cancel(request, inspection_id: int, payload: ReasonIn):
    inspection = inspection_visible(request.auth, inspection_id)
    services.inspection_cancel(actor=request.auth, inspection=inspection, reason=payload.reason)
    return inspection_visible(request.auth, inspection_id)
