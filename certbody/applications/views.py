"""Application pages: list, create, and the detail page where every step of 7.2–7.6 is taken."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from certbody.certificates.models import CertificateVersion
from certbody.certificates.selectors import certificates_for
from certbody.certification import services as cert_svc
from certbody.certification.forms import InspectionPlanForm, TestOrderCreateForm
from certbody.certification.models import TestOrder
from certbody.certification.permissions import (
    can_assign_reviewer,
    can_complete_evaluation,
    can_decide,
    can_order_test,
    can_plan_inspection,
    can_reopen_evaluation,
    can_review,
    can_start_evaluation,
    inspections_for,
    test_orders_for,
)
from certbody.certification.views import run_plan_inspection
from certbody.clients import services as client_svc
from certbody.clients.models import Manufacturer
from certbody.core.errors import DomainError
from certbody.core.models import AuditEvent
from certbody.core.permissions import Refusal, has_role, is_member_of, sees_client_view
from certbody.core.roles import Role
from certbody.core.views import Action, OptionalReasonForm, ReasonForm, client_view, render_list, run_actions

from . import services as app_svc
from .forms import (
    AcceptForm,
    ApplicationCreateForm,
    ApplicationFilterForm,
    AssignReviewerForm,
    DecideForm,
    ManufacturerAddForm,
    ReturnForm,
    ReviewForm,
    SiteAddForm,
    StartEvaluationForm,
    UnitAddForm,
    UnitRemoveForm,
    search_organisations,
)
from .models import Application, Contract
from .permissions import (
    applications_for,
    can_accept,
    can_change_units,
    can_reject,
    can_return,
    can_see_files,
    can_submit,
    can_withdraw,
)

S = Application.Status
PER_PAGE = 25
NO_MANUFACTURER = Refusal("no_manufacturer", "")  # not a refusal to explain: the step simply comes later


# --- list ---------------------------------------------------------------------------------------


@login_required
@require_GET
def application_list(request: HttpRequest) -> HttpResponse:
    form = ApplicationFilterForm(request.GET or None)
    qs = applications_for(request.user).select_related("organisation", "scheme")
    if form.is_valid():
        data = form.cleaned_data
        if data["status"]:
            qs = qs.filter(status=data["status"])
        if data["kind"]:
            qs = qs.filter(kind=data["kind"])
        if data["scheme"]:
            qs = qs.filter(scheme=data["scheme"])
        if data["q"]:
            q = data["q"].strip()
            qs = qs.filter(Q(number__icontains=q) | Q(organisation__name__icontains=q) | Q(title__icontains=q))
    page_obj = Paginator(qs.order_by("-created_at", "-id"), PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page_obj": page_obj,
        "can_create": _may_create(request.user),
    }
    return render_list(request, "applications/list.html", "applications/_results.html", context)


# --- create -------------------------------------------------------------------------------------


def _may_create(user: Any) -> bool:
    return has_role(user, Role.MARKET) or (has_role(user, Role.CLIENT) and bool(user.organisation_id))


@login_required
@require_http_methods(["GET", "POST"])
def application_create(request: HttpRequest) -> HttpResponse:
    if not _may_create(request.user):
        raise PermissionDenied(_("Only clients and market staff create applications."))
    form = ApplicationCreateForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST" and "search" in request.POST and form.picks_organisation:
        # "Search" without JS: show the matching organisations; nothing is submitted yet.
        form = ApplicationCreateForm(initial=request.POST.dict(), user=request.user)
        form.candidates = search_organisations(request.POST.get("organisation_query", ""))[:10]
    elif request.method == "POST":
        if form.is_valid():
            try:
                application = app_svc.application_create(
                    actor=request.user,
                    organisation=form.organisation,
                    scheme=form.cleaned_data["scheme"],
                    title=form.cleaned_data["title"],
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request,
                    _("Application %(number)s created. Add the certification units, then submit it.")
                    % {"number": application.number},
                )
                return redirect("applications:detail", pk=application.pk)
        status = 422 if request.htmx else 200
    chosen = form.organisation.pk if form.organisation is not None else None
    return render(request, "applications/create.html", {"form": form, "chosen": chosen}, status=status)


@login_required
@require_GET
def organisation_search(request: HttpRequest) -> HttpResponse:
    """htmx: the organisations matching what the market user typed (at most ten)."""
    if not has_role(request.user, Role.MARKET):
        raise PermissionDenied
    query = request.GET.get("organisation_query", "")
    candidates = search_organisations(query)
    return render(
        request,
        "applications/_organisation_candidates.html",
        {"candidates": candidates[:10], "more": len(candidates) > 10, "query": query.strip(), "chosen": None},
    )


# --- detail and its steps -----------------------------------------------------------------------


def _can_add_site(user: Any, app: Application):
    """Sites belong to a manufacturer: the step shows once the client has one."""
    refusal = can_change_units(user, app)
    if refusal is None and not Manufacturer.objects.filter(organisation_id=app.organisation_id).exists():
        return NO_MANUFACTURER
    return refusal


def _run_unit_add(request, app, d):
    app_svc.unit_add(
        actor=request.user,
        application=app,
        product_name=d["product_name"],
        product_name_en=d["product_name_en"],
        trademark=d["trademark"],
        model_names=d["model_names"],
        version=d["version"],
        manufacturer=d["manufacturer"],
        production_site=d["production_site"],
        difference_statement=d["difference_statement"],
    )


def _run_accept(request, app, d):
    app_svc.application_accept(
        actor=request.user,
        application=app,
        contract_number=d["contract_number"],
        fee=d["fee"],
        signed_on=d["signed_on"],
        engineer=d["engineer"],
        evaluation_required=d["evaluation_required"],
        terms_version=d["terms_version"],
        review_notes=d["review_notes"],
    )


def _run_test_order(request, app, d):
    order = cert_svc.test_order_create(
        actor=request.user,
        case=app,
        lab=d["lab"],
        unit=d.get("unit"),
        purpose=TestOrder.Purpose.TYPE_TEST,
        sample_description=d["sample_description"],
    )
    return reverse("certification:test_order_detail", args=[order.pk])


def _run_decide(request, app, d):
    cert_svc.decision_make(
        actor=request.user, application=app, outcome=d["outcome"], reason=d["reason"], issued_on=d["issued_on"]
    )


ACTIONS = [
    Action(
        "unit_add",
        gettext_lazy("Add a certification unit"),
        form_class=UnitAddForm,
        run=_run_unit_add,
        check=can_change_units,
        style="secondary",
        button=gettext_lazy("Add the unit"),
        expand=lambda u, a: not a.units.exists(),
        success=gettext_lazy("The certification unit was added."),
    ),
    Action(
        "manufacturer_add",
        gettext_lazy("Register a manufacturer"),
        form_class=ManufacturerAddForm,
        run=lambda r, a, d: client_svc.manufacturer_create(
            actor=r.user, organisation=a.organisation, name=d["name"], name_en=d["name_en"], address=d["address"]
        ),
        check=can_change_units,
        style="secondary",
        help=gettext_lazy("The manufacturer of the certified product, if it is not yet on record."),
        success=gettext_lazy("The manufacturer is registered."),
    ),
    Action(
        "site_add",
        gettext_lazy("Register a production site"),
        form_class=SiteAddForm,
        run=lambda r, a, d: client_svc.production_site_create(
            actor=r.user, manufacturer=d["manufacturer"], name=d["name"], address=d["address"]
        ),
        check=_can_add_site,
        style="secondary",
        success=gettext_lazy("The production site is registered."),
    ),
    Action(
        "submit",
        gettext_lazy("Submit the application"),
        run=lambda r, a, d: app_svc.application_submit(actor=r.user, application=a),
        check=can_submit,
        help=gettext_lazy("The certification body reviews it next; you cannot change it while it is reviewed."),
        success=gettext_lazy("The application was submitted."),
    ),
    Action(
        "unit_remove",
        gettext_lazy("Remove a certification unit"),
        form_class=UnitRemoveForm,
        run=lambda r, a, d: app_svc.unit_remove(actor=r.user, unit=d["unit"]),
        check=can_change_units,
        style="danger",
        inline=True,
        success=gettext_lazy("The certification unit was removed."),
    ),
    Action(
        "accept",
        gettext_lazy("Accept and conclude the contract"),
        form_class=AcceptForm,
        run=_run_accept,
        check=can_accept,
        success=gettext_lazy("The application was accepted."),
    ),
    Action(
        "return",
        gettext_lazy("Return for completion"),
        form_class=ReturnForm,
        run=lambda r, a, d: app_svc.application_return(
            actor=r.user, application=a, reason=d["reason"], missing_items=d.get("missing_items") or []
        ),
        check=can_return,
        style="warning",
        success=gettext_lazy("The application was returned to the client."),
    ),
    Action(
        "reject",
        gettext_lazy("Reject"),
        form_class=ReasonForm,
        run=lambda r, a, d: app_svc.application_reject(actor=r.user, application=a, reason=d["reason"]),
        check=can_reject,
        style="danger",
        confirm=gettext_lazy("Reject this application? This cannot be undone."),
        success=gettext_lazy("The application was rejected."),
    ),
    Action(
        "start_evaluation",
        gettext_lazy("Start the evaluation"),
        form_class=StartEvaluationForm,
        run=lambda r, a, d: cert_svc.evaluation_start(actor=r.user, application=a, engineer=d.get("engineer")),
        check=can_start_evaluation,
        success=gettext_lazy("The evaluation has started."),
    ),
    Action(
        "test_order",
        gettext_lazy("Order a type test"),
        form_class=TestOrderCreateForm,
        run=_run_test_order,
        check=can_order_test,
        style="secondary",
        success=gettext_lazy("The test order was created."),
    ),
    Action(
        "plan_inspection",
        gettext_lazy("Plan an inspection"),
        form_class=InspectionPlanForm,
        run=run_plan_inspection,
        check=can_plan_inspection,
        style="secondary",
        success=gettext_lazy("The inspection was planned."),
    ),
    Action(
        "complete_evaluation",
        gettext_lazy("Complete the evaluation"),
        run=lambda r, a, d: cert_svc.evaluation_complete(actor=r.user, application=a),
        check=can_complete_evaluation,
        help=gettext_lazy("Sends the file to technical review."),
        success=gettext_lazy("The evaluation is complete; the file goes to technical review."),
    ),
    Action(
        "assign_reviewer",
        gettext_lazy("Assign the technical reviewer"),
        form_class=AssignReviewerForm,
        run=lambda r, a, d: cert_svc.reviewer_assign(actor=r.user, application=a, reviewer=d["reviewer"]),
        check=can_assign_reviewer,
        style="secondary",
        success=gettext_lazy("The reviewer was assigned."),
    ),
    Action(
        "review",
        gettext_lazy("Complete the technical review"),
        form_class=ReviewForm,
        run=lambda r, a, d: cert_svc.review_complete(
            actor=r.user, application=a, recommendation=d["recommendation"], comments=d["comments"]
        ),
        check=can_review,
        success=gettext_lazy("The technical review is recorded."),
    ),
    Action(
        "decide",
        gettext_lazy("Make the certification decision"),
        form_class=DecideForm,
        run=_run_decide,
        check=can_decide,
        success=gettext_lazy("The decision is recorded."),
    ),
    Action(
        "reopen_evaluation",
        gettext_lazy("Send back to evaluation"),
        form_class=ReasonForm,
        run=lambda r, a, d: cert_svc.evaluation_reopen(actor=r.user, application=a, reason=d["reason"]),
        check=can_reopen_evaluation,
        style="warning",
        success=gettext_lazy("The application went back to evaluation."),
    ),
    Action(
        "withdraw",
        gettext_lazy("Withdraw the application"),
        form_class=OptionalReasonForm,
        run=lambda r, a, d: app_svc.application_withdraw(actor=r.user, application=a, reason=d["reason"]),
        check=can_withdraw,
        style="danger",
        confirm=gettext_lazy("Withdraw this application? This cannot be undone."),
        success=gettext_lazy("The application was withdrawn."),
    ),
]


def timeline(subject_type: str, subject_id: Any):
    return AuditEvent.objects.filter(subject_type=subject_type, subject_id=str(subject_id)).order_by("seq")


@login_required
@require_http_methods(["GET", "POST"])
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    visible = applications_for(request.user).select_related(
        "organisation", "scheme__category", "rule_version", "certificate", "engineer", "reviewer", "created_by"
    )
    app = get_object_or_404(visible, pk=pk)
    state = run_actions(request, app, ACTIONS)
    if isinstance(state, HttpResponse):
        return state
    user = request.user
    if sees_client_view(user):
        return client_view(request, state, reverse("portal:application", args=[app.pk]))
    try:
        contract = Contract.objects.get(application=app)
    except Contract.DoesNotExist:
        contract = None
    visible_orders = set(test_orders_for(user).filter(application=app).values_list("pk", flat=True))
    visible_inspections = set(inspections_for(user).filter(application=app).values_list("pk", flat=True))
    test_orders = list(app.test_orders.select_related("lab", "unit").order_by("ordered_on", "id"))
    inspections = list(
        app.inspections.select_related("site")
        .prefetch_related("members__user", "findings")
        .order_by("planned_on", "id")
    )
    for order in test_orders:
        order.visible = order.pk in visible_orders
    for inspection in inspections:
        inspection.visible = inspection.pk in visible_inspections
    produced = CertificateVersion.objects.select_related("certificate").filter(decision__application=app).first()
    certificate_visible = bool(produced) and certificates_for(user).filter(pk=produced.certificate_id).exists()
    base_visible = bool(app.certificate_id) and certificates_for(user).filter(pk=app.certificate_id).exists()
    staff = user.is_cb_staff
    gaps = blockers = []
    if staff and app.status in (S.EVALUATION, S.REVIEW, S.DECISION):
        gaps = cert_svc.evaluation_gaps(app)
        blockers = cert_svc.grant_blockers(app)
    decision = getattr(app, "decision", None)
    context = {
        "app": app,
        "units": app.units.select_related("manufacturer", "production_site"),
        "contract": contract,
        "test_orders": test_orders,
        "inspections": inspections,
        "reviews": app.reviews.select_related("reviewer").order_by("completed_at"),
        "decision": decision,
        "produced": produced,
        "certificate_visible": certificate_visible,
        "base_certificate_visible": base_visible,
        "gaps": gaps,
        "blockers": blockers,
        "show_evaluation": app.status not in (S.DRAFT, S.SUBMITTED, S.RETURNED, S.REJECTED)
        or bool(test_orders or inspections),
        "events": timeline("applications.application", app.pk),
        "subject_type": "applications.application",
        "actions": state,
        "is_member": is_member_of(user, app.organisation_id),
        "files_visible": can_see_files(user, app),
    }
    return render(request, "applications/detail.html", context, status=state.status)
