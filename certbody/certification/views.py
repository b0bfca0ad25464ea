"""Evaluation pages: test orders, inspections and surveillances."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from certbody.applications.models import Application
from certbody.applications.permissions import applications_for
from certbody.certificates.selectors import certificates_for
from certbody.core.models import AuditEvent
from certbody.core.permissions import Refusal, has_role, sees_client_view
from certbody.core.roles import Role
from certbody.core.views import Action, ReasonForm, client_view, keyset_page, render_list, run_actions
from certbody.core.web import open_stored
from certbody.schemes.models import SurveillanceMethod

from . import services as svc
from .forms import (
    FindingAddForm,
    FindingCloseForm,
    InspectionCompleteForm,
    InspectionFilterForm,
    InspectionPlanForm,
    ReportForLabForm,
    ReportForm,
    SampleReceivedForLabForm,
    SampleReceivedForm,
    SampleSentForm,
    SurveillanceFilterForm,
    SurveillanceOutcomeForm,
    SurveillanceStartForm,
    TestOrderCreateForm,
    TestOrderFilterForm,
)
from .models import (
    Finding,
    Inspection,
    Surveillance,
)
from .permissions import (
    can_add_finding,
    can_cancel_inspection,
    can_cancel_test_order,
    can_close_findings,
    can_complete_inspection,
    can_complete_surveillance,
    can_order_test,
    can_plan_inspection,
    can_receive_sample,
    can_receive_sample_for_lab,
    can_report_test,
    can_report_test_for_lab,
    can_send_sample,
    can_start_surveillance,
    inspections_for,
    surveillances_for,
    test_orders_for,
)

PER_PAGE = 25


def _object_events(*pairs: tuple[str, list[Any]]):
    """Audit events about the given objects, oldest first."""
    condition = Q(pk__in=[])
    for object_type, ids in pairs:
        if ids:
            condition |= Q(object_type=object_type, object_id__in=[str(i) for i in ids])
    return AuditEvent.objects.filter(condition).order_by("seq")


def _portal_url(case: Any) -> str:
    """The portal's view of a case for its client: the application's tracker, or the organisation's certificates
    (the portal shows no test order, inspection or surveillance internals)."""
    if isinstance(case, Application):
        return reverse("portal:application", args=[case.pk])
    return reverse("portal:certificates")


def _case_link(user: Any, case: Any) -> str:
    """Where the case of a test order or inspection lives, if the user may see it."""
    if isinstance(case, Application):
        if applications_for(user).filter(pk=case.pk).exists():
            return reverse("applications:detail", args=[case.pk])
    elif surveillances_for(user).filter(pk=case.pk).exists():
        return reverse("certification:surveillance_detail", args=[case.pk])
    return ""


# --- test orders ----------------------------------------------------------------------------------


@login_required
@require_GET
def test_order_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    lab_only = has_role(user, Role.LAB) and not has_role(
        user, Role.ENGINEER, Role.REVIEWER, Role.DECIDER, Role.QUALITY, Role.MANAGEMENT, Role.ADMIN, Role.MARKET
    )
    form = TestOrderFilterForm(request.GET or None, show_lab=not lab_only)
    qs = test_orders_for(user).select_related("lab", "unit", "application", "surveillance__certificate")
    if form.is_valid():
        data = form.cleaned_data
        if data["status"]:
            qs = qs.filter(status=data["status"])
        if data["purpose"]:
            qs = qs.filter(purpose=data["purpose"])
        if data.get("lab"):
            qs = qs.filter(lab=data["lab"])
        if data["q"]:
            qs = qs.filter(number__startswith=data["q"].strip().upper())
    page = keyset_page(request, qs, keys=["ordered_on", "id"], parsers=[date.fromisoformat, int], per_page=PER_PAGE)
    context = {"form": form, "page": page}
    return render_list(request, "certification/test_order_list.html", "certification/_test_order_results.html", context)


TEST_ORDER_ACTIONS = [
    Action(
        "send_sample",
        gettext_lazy("Record the sample as sent"),
        form_class=SampleSentForm,
        run=lambda r, o, d: svc.test_order_send_sample(actor=r.user, order=o, sent_on=d["sent_on"]),
        check=can_send_sample,
        success=gettext_lazy("The sample is recorded as sent."),
    ),
    Action(
        "receive_sample",
        gettext_lazy("Record the sample as received"),
        form_class=SampleReceivedForm,
        run=lambda r, o, d: svc.test_order_receive_sample(actor=r.user, order=o, received_on=d["received_on"]),
        check=can_receive_sample,
        success=gettext_lazy("The sample is recorded as received."),
    ),
    Action(
        "report",
        gettext_lazy("Upload the test report"),
        form_class=ReportForm,
        run=lambda r, o, d: svc.test_order_report(
            actor=r.user,
            order=o,
            report_number=d["report_number"],
            issued_on=d["issued_on"],
            result=d["result"],
            report_file=d["report_file"],
        ),
        check=can_report_test,
        success=gettext_lazy("The test report is recorded."),
    ),
    Action(
        "receive_sample_for_lab",
        gettext_lazy("Record the receipt on the laboratory's behalf"),
        form_class=SampleReceivedForLabForm,
        run=lambda r, o, d: svc.test_order_receive_sample_for_lab(
            actor=r.user, order=o, received_on=d["received_on"], reason=d["reason"], document=d["document"]
        ),
        check=can_receive_sample_for_lab,
        style="secondary",
        success=gettext_lazy("The sample is recorded as received, on the laboratory's behalf."),
    ),
    Action(
        "report_for_lab",
        gettext_lazy("Record the test report on the laboratory's behalf"),
        form_class=ReportForLabForm,
        run=lambda r, o, d: svc.test_order_report_for_lab(
            actor=r.user,
            order=o,
            report_number=d["report_number"],
            issued_on=d["issued_on"],
            result=d["result"],
            report_file=d["report_file"],
            reason=d["reason"],
        ),
        check=can_report_test_for_lab,
        style="secondary",
        success=gettext_lazy("The test report is recorded, on the laboratory's behalf."),
    ),
    Action(
        "cancel",
        gettext_lazy("Cancel the test order"),
        form_class=ReasonForm,
        run=lambda r, o, d: svc.test_order_cancel(actor=r.user, order=o, reason=d["reason"]),
        check=can_cancel_test_order,
        style="danger",
        confirm=gettext_lazy("Cancel this test order?"),
        success=gettext_lazy("The test order was cancelled."),
    ),
]


@login_required
@require_http_methods(["GET", "POST"])
def test_order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    qs = test_orders_for(request.user).select_related(
        "lab", "unit", "application__organisation", "surveillance__certificate", "created_by"
    )
    order = get_object_or_404(qs, pk=pk)
    state = run_actions(request, order, TEST_ORDER_ACTIONS)
    if isinstance(state, HttpResponse):
        return state
    if sees_client_view(request.user):
        return client_view(request, state, _portal_url(order.case))
    context = {
        "order": order,
        "case": order.case,
        "case_url": _case_link(request.user, order.case),
        "events": _object_events(("certification.testorder", [order.pk])),
        "subject_type": "certification.testorder",
        "actions": state,
    }
    return render(request, "certification/test_order_detail.html", context, status=state.status)


@login_required
@require_GET
def test_order_report(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_object_or_404(test_orders_for(request.user), pk=pk)
    if not order.report_file:
        raise Http404
    handle = open_stored(order.report_file)
    if handle is None:
        raise Http404
    response = FileResponse(handle, content_type="application/pdf", filename=f"{order.number}.pdf")
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- inspections ----------------------------------------------------------------------------------


@login_required
@require_GET
def inspection_list(request: HttpRequest) -> HttpResponse:
    form = InspectionFilterForm(request.GET or None)
    qs = (
        inspections_for(request.user)
        .select_related("application__organisation", "surveillance__certificate", "site")
        .prefetch_related("members__user")
    )
    if form.is_valid():
        data = form.cleaned_data
        if data["status"]:
            qs = qs.filter(status=data["status"])
        if data["kind"]:
            qs = qs.filter(kind=data["kind"])
        if data["mine"]:
            qs = qs.filter(members__user=request.user).distinct()
    page = keyset_page(request, qs, keys=["planned_on", "id"], parsers=[date.fromisoformat, int], per_page=PER_PAGE)
    context = {"form": form, "page": page, "today": timezone.localdate()}
    return render_list(request, "certification/inspection_list.html", "certification/_inspection_results.html", context)


NO_OPEN_FINDING = Refusal("no_open_finding", "")  # nothing to close: not a refusal to explain


def _can_close_a_finding(user: Any, inspection: Inspection) -> Refusal | None:
    """The inline "close" form of each open nonconformity (the service checks the one chosen: can_close_finding)."""
    refusal = can_close_findings(user, inspection)
    if refusal is None and not any(f.status == Finding.Status.OPEN for f in inspection.findings.all()):
        return NO_OPEN_FINDING
    return refusal


INSPECTION_ACTIONS = [
    Action(
        "finding_add",
        gettext_lazy("Record a finding"),
        form_class=FindingAddForm,
        run=lambda r, i, d: svc.finding_add(
            actor=r.user, inspection=i, severity=d["severity"], description=d["description"], clause=d["clause"]
        ),
        check=can_add_finding,
        style="secondary",
        success=gettext_lazy("The finding is recorded."),
    ),
    Action(
        "finding_close",
        gettext_lazy("Close a nonconformity"),
        form_class=FindingCloseForm,
        run=lambda r, i, d: svc.finding_close(
            actor=r.user, finding=d["finding"], corrective_action=d["corrective_action"]
        ),
        check=_can_close_a_finding,
        inline=True,
        success=gettext_lazy("The nonconformity is closed."),
    ),
    Action(
        "complete",
        gettext_lazy("Complete the inspection"),
        form_class=InspectionCompleteForm,
        run=lambda r, i, d: svc.inspection_complete(
            actor=r.user, inspection=i, conclusion=d["conclusion"], completed_on=d["completed_on"], summary=d["summary"]
        ),
        check=can_complete_inspection,
        success=gettext_lazy("The inspection is completed."),
    ),
    Action(
        "cancel",
        gettext_lazy("Cancel the inspection"),
        form_class=ReasonForm,
        run=lambda r, i, d: svc.inspection_cancel(actor=r.user, inspection=i, reason=d["reason"]),
        check=can_cancel_inspection,
        style="danger",
        confirm=gettext_lazy("Cancel this inspection?"),
        success=gettext_lazy("The inspection was cancelled."),
    ),
]


@login_required
@require_http_methods(["GET", "POST"])
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    qs = (
        inspections_for(request.user)
        .select_related("application__organisation", "surveillance__certificate", "site__manufacturer", "created_by")
        .prefetch_related("members__user", "findings__created_by", "findings__closed_by")
    )
    inspection = get_object_or_404(qs, pk=pk)
    state = run_actions(request, inspection, INSPECTION_ACTIONS)
    if isinstance(state, HttpResponse):
        return state
    if sees_client_view(request.user):
        return client_view(request, state, _portal_url(inspection.case))
    findings = list(inspection.findings.all())
    context = {
        "inspection": inspection,
        "case": inspection.case,
        "case_url": _case_link(request.user, inspection.case),
        "findings": findings,
        "members": sorted(inspection.members.all(), key=lambda m: (m.role != "leader", str(m.user))),
        "events": _object_events(
            ("certification.inspection", [inspection.pk]), ("certification.finding", [f.pk for f in findings])
        ),
        "subject_type": "certification.inspection",
        "actions": state,
    }
    return render(request, "certification/inspection_detail.html", context, status=state.status)


# --- surveillance -----------------------------------------------------------------------------------


@login_required
@require_GET
def surveillance_list(request: HttpRequest) -> HttpResponse:
    form = SurveillanceFilterForm(request.GET or None)
    qs = surveillances_for(request.user).select_related("certificate", "engineer")
    today = timezone.localdate()
    open_states = [Surveillance.Status.PLANNED, Surveillance.Status.IN_PROGRESS]
    status = ""
    if form.is_valid():
        data = form.cleaned_data
        status = data["status"]
        if data["due_before"]:
            qs = qs.filter(due_on__lt=data["due_before"])
        if data["overdue"]:
            qs = qs.filter(due_on__lt=today, status__in=open_states)
        if data["q"]:
            qs = qs.filter(certificate__number__startswith=data["q"].strip().upper())
    if not status:
        qs = qs.filter(status__in=open_states)
    elif status != SurveillanceFilterForm.ALL:
        qs = qs.filter(status=status)
    page = keyset_page(
        request, qs, keys=["due_on", "id"], parsers=[date.fromisoformat, int], descending=False, per_page=PER_PAGE
    )
    methods = dict(SurveillanceMethod.choices)
    for s in page.items:
        s.is_overdue = s.status in open_states and s.due_on < today
        s.method_labels = [methods.get(m, m) for m in s.methods]
    context = {"form": form, "page": page}
    return render_list(
        request, "certification/surveillance_list.html", "certification/_surveillance_results.html", context
    )


def run_plan_inspection(request, case, d):
    """The "plan an inspection" step of an application or a surveillance page."""
    inspection = svc.inspection_plan(
        actor=request.user,
        case=case,
        planned_on=d["planned_on"],
        leader=d["leader"],
        members=list(d["members"]),
        site=d["site"],
    )
    return reverse("certification:inspection_detail", args=[inspection.pk])


def _run_sampling(request, s, d):
    order = svc.test_order_create(
        actor=request.user, case=s, lab=d["lab"], purpose=d["purpose"], sample_description=d["sample_description"]
    )
    return reverse("certification:test_order_detail", args=[order.pk])


SURVEILLANCE_ACTIONS = [
    Action(
        "start",
        gettext_lazy("Start the surveillance"),
        form_class=SurveillanceStartForm,
        run=lambda r, s, d: svc.surveillance_start(actor=r.user, surveillance=s, engineer=d.get("engineer")),
        check=can_start_surveillance,
        success=gettext_lazy("The surveillance has started."),
    ),
    Action(
        "plan_inspection",
        gettext_lazy("Plan a follow-up inspection"),
        form_class=InspectionPlanForm,
        run=run_plan_inspection,
        check=can_plan_inspection,
        style="secondary",
        success=gettext_lazy("The inspection was planned."),
    ),
    Action(
        "test_order",
        gettext_lazy("Order a sampling test"),
        form_class=TestOrderCreateForm,
        run=_run_sampling,
        check=can_order_test,
        style="secondary",
        success=gettext_lazy("The test order was created."),
    ),
    Action(
        "decide",
        gettext_lazy("Decide the outcome"),
        form_class=SurveillanceOutcomeForm,
        run=lambda r, s, d: svc.surveillance_complete(
            actor=r.user, surveillance=s, outcome=d["outcome"], reason=d["reason"]
        ),
        check=can_complete_surveillance,
        success=gettext_lazy("The surveillance outcome is recorded."),
    ),
]


@login_required
@require_http_methods(["GET", "POST"])
def surveillance_detail(request: HttpRequest, pk: int) -> HttpResponse:
    qs = surveillances_for(request.user).select_related(
        "certificate__scheme", "certificate__organisation", "engineer", "decided_by"
    )
    surveillance = get_object_or_404(qs, pk=pk)
    state = run_actions(request, surveillance, SURVEILLANCE_ACTIONS)
    if isinstance(state, HttpResponse):
        return state
    if sees_client_view(request.user):
        return client_view(request, state, _portal_url(surveillance))
    user = request.user
    test_orders = list(surveillance.test_orders.select_related("lab").order_by("ordered_on", "id"))
    inspections = list(
        surveillance.inspections.select_related("site")
        .prefetch_related("members__user", "findings")
        .order_by("planned_on", "id")
    )
    visible_orders = set(test_orders_for(user).filter(surveillance=surveillance).values_list("pk", flat=True))
    visible_inspections = set(inspections_for(user).filter(surveillance=surveillance).values_list("pk", flat=True))
    for order in test_orders:
        order.visible = order.pk in visible_orders
    for inspection in inspections:
        inspection.visible = inspection.pk in visible_inspections
    in_progress = surveillance.status == Surveillance.Status.IN_PROGRESS
    methods = dict(SurveillanceMethod.choices)
    context = {
        "s": surveillance,
        "certificate": surveillance.certificate,
        "certificate_visible": certificates_for(user).filter(pk=surveillance.certificate_id).exists(),
        "method_labels": [methods.get(m, m) for m in surveillance.methods],
        "test_orders": test_orders,
        "inspections": inspections,
        "gaps": svc.evaluation_gaps(surveillance) if in_progress and user.is_cb_staff else [],
        "blockers": svc.grant_blockers(surveillance) if in_progress and user.is_cb_staff else [],
        "overdue": surveillance.status in (Surveillance.Status.PLANNED, Surveillance.Status.IN_PROGRESS)
        and surveillance.due_on < timezone.localdate(),
        "events": _object_events(
            ("certification.surveillance", [surveillance.pk]),
            ("certification.testorder", [o.pk for o in test_orders]),
            ("certification.inspection", [i.pk for i in inspections]),
        ),
        "subject_type": "certification.surveillance",
        "actions": state,
    }
    return render(request, "certification/surveillance_detail.html", context, status=state.status)
