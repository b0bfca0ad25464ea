"""Partner laboratories and test orders: order, sample sent / received, report upload, cancel."""

from __future__ import annotations

from django.http import FileResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Status, UploadedFile

from certbody.api.common import Page, PageIn, paginate, referenced
from certbody.api.errors import ERRORS
from certbody.applications.models import Application, CertificationUnit
from certbody.core.errors import NotFound
from certbody.labs.models import Lab

from .. import services
from ..permissions import test_orders_for
from .lookups import case_visible, test_order_visible
from .schemas import (
    LabOut,
    ReasonIn,
    ReceivedForLabIn,
    ReceivedIn,
    ReportForLabIn,
    ReportIn,
    SentIn,
    TestOrderDetailOut,
    TestOrderFilter,
    TestOrderIn,
    TestOrderOut,
)

router = Router(tags=["test orders"])


@router.get("/labs", response={200: Page[LabOut], **ERRORS}, summary="Active partner laboratories")
def lab_list(request, page: Query[PageIn]):
    return paginate(Lab.objects.filter(is_active=True, is_partner=True).order_by("name"), page)


@router.get("/test-orders", response={200: Page[TestOrderOut], **ERRORS}, summary="List test orders")
def test_order_list(request, filters: Query[TestOrderFilter], page: Query[PageIn]):
    qs = test_orders_for(request.auth).select_related("lab")
    for field in ("status", "lab_id", "application_id", "surveillance_id"):
        value = getattr(filters, field)
        if value is not None:
            qs = qs.filter(**{field: value})
    return paginate(qs.order_by("-ordered_on", "-id"), page)


@router.post(
    "/test-orders",
    response={201: TestOrderDetailOut, **ERRORS},
    summary="Order a test from a partner laboratory (case engineer)",
)
def test_order_create(request, payload: TestOrderIn):
    case = case_visible(request.auth, payload)
    lab = referenced(Lab.objects.all(), "lab_id", _("laboratory"), pk=payload.lab_id)
    unit = None
    if payload.unit_id is not None:
        # Only an application has units; a surveillance samples the certified product as a whole.
        units = case.units.all() if isinstance(case, Application) else CertificationUnit.objects.none()
        unit = referenced(units, "unit_id", _("certification unit"), pk=payload.unit_id)
    order = services.test_order_create(
        actor=request.auth,
        case=case,
        lab=lab,
        purpose=payload.purpose,
        unit=unit,
        sample_description=payload.sample_description,
    )
    return Status(201, test_order_visible(request.auth, order.pk))


@router.get("/test-orders/{order_id}", response={200: TestOrderDetailOut, **ERRORS}, summary="Get a test order")
def test_order_get(request, order_id: int):
    return test_order_visible(request.auth, order_id)


@router.post(
    "/test-orders/{order_id}/send-sample",
    response={200: TestOrderDetailOut, **ERRORS},
    summary="Record the sample as sent (case engineer)",
)
def test_order_send_sample(request, order_id: int, payload: SentIn):
    order = test_order_visible(request.auth, order_id)
    services.test_order_send_sample(actor=request.auth, order=order, sent_on=payload.sent_on)
    return test_order_visible(request.auth, order_id)


@router.post(
    "/test-orders/{order_id}/receive-sample",
    response={200: TestOrderDetailOut, **ERRORS},
    summary="Record the sample as received (laboratory)",
)
def test_order_receive_sample(request, order_id: int, payload: ReceivedIn):
    order = test_order_visible(request.auth, order_id)
    services.test_order_receive_sample(actor=request.auth, order=order, received_on=payload.received_on)
    return test_order_visible(request.auth, order_id)


@router.post(
    "/test-orders/{order_id}/report",
    response={200: TestOrderDetailOut, **ERRORS},
    summary="Issue the test report: multipart form with the PDF in `file` (laboratory)",
)
def test_order_report(request, order_id: int, data: Form[ReportIn], file: File[UploadedFile]):
    order = test_order_visible(request.auth, order_id)
    services.test_order_report(
        actor=request.auth,
        order=order,
        report_number=data.report_number,
        issued_on=data.issued_on,
        result=data.result,
        report_file=file,
    )
    return test_order_visible(request.auth, order_id)


@router.post(
    "/test-orders/{order_id}/receive-sample-for-lab",
    response={200: TestOrderDetailOut, **ERRORS},
    summary="Record the sample as received on the laboratory's behalf: multipart form with the reason and the "
    "laboratory's document in `file` (case engineer)",
)
def test_order_receive_sample_for_lab(request, order_id: int, data: Form[ReceivedForLabIn], file: File[UploadedFile]):
    order = test_order_visible(request.auth, order_id)
    services.test_order_receive_sample_for_lab(
        actor=request.auth, order=order, received_on=data.received_on, reason=data.reason, document=file
    )
    return test_order_visible(request.auth, order_id)


@router.post(
    "/test-orders/{order_id}/report-for-lab",
    response={200: TestOrderDetailOut, **ERRORS},
    summary="Record the laboratory's test report on its behalf: multipart form with the reason and the PDF in "
    "`file` (case engineer)",
)
def test_order_report_for_lab(request, order_id: int, data: Form[ReportForLabIn], file: File[UploadedFile]):
    order = test_order_visible(request.auth, order_id)
    services.test_order_report_for_lab(
        actor=request.auth,
        order=order,
        report_number=data.report_number,
        issued_on=data.issued_on,
        result=data.result,
        report_file=file,
        reason=data.reason,
    )
    return test_order_visible(request.auth, order_id)


@router.get(
    "/test-orders/{order_id}/report-file",
    response={200: None, **ERRORS},
    summary="Download the test report (PDF)",
)
def test_order_report_file(request, order_id: int):
    order = test_order_visible(request.auth, order_id)
    if not order.report_file:
        raise NotFound(_("Test order %(number)s has no report file.") % {"number": order.number})
    return FileResponse(
        order.report_file.open("rb"), as_attachment=True, filename=f"{order.number}.pdf", content_type="application/pdf"
    )


@router.post(
    "/test-orders/{order_id}/cancel",
    response={200: TestOrderDetailOut, **ERRORS},
    summary="Cancel a test order (case engineer)",
)
def test_order_cancel(request, order_id: int, payload: ReasonIn):
    order = test_order_visible(request.auth, order_id)
    services.test_order_cancel(actor=request.auth, order=order, reason=payload.reason)
    return test_order_visible(request.auth, order_id)
