"""Certificate pages: the list (fast at a million rows), the detail page and its status steps (7.11)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from certbody.applications import services as app_svc
from certbody.applications.models import Application
from certbody.applications.permissions import applications_for, can_act_for_client
from certbody.applications.timeline import public_reason
from certbody.certification.permissions import surveillances_for
from certbody.core.models import AuditEvent
from certbody.core.permissions import Refusal, sees_client_view
from certbody.core.views import Action, keyset_page, render_list, run_actions
from certbody.core.workflow import status_history

from . import services as svc
from .forms import (
    CancelForm,
    CertificateFilterForm,
    NewApplicationForm,
    NonconformityConfirmForm,
    ResolveCaseForm,
    RestoreForm,
    SuspendForm,
    WithdrawForm,
)
from .models import (
    CancellationReason,
    Certificate,
    NonconformityCase,
    SuspensionReason,
    WithdrawalReason,
)
from .permissions import (
    can_cancel,
    can_confirm_nonconformity,
    can_resolve_nonconformities,
    can_restore,
    can_suspend,
    can_withdraw,
)
from .selectors import certificates_for, holder_matches

PER_PAGE = 25
REASON_LABELS = {
    **dict(SuspensionReason.choices),
    **dict(WithdrawalReason.choices),
    **dict(CancellationReason.choices),
}


# Above this many numbers under a prefix, walking the date index and filtering is cheaper than sorting them all.
PREFIX_RANGE_LIMIT = 20_000


def number_prefix(qs, prefix: str) -> tuple[Any, bool]:
    """`number__startswith`, plus the same prefix as a range when it is narrow; True if so.

    Numbers carry the year, so a prefix such as NFCC2019 matches only old certificates: walking the
    date index newest first would pass every newer row before the first match (seconds at 1M rows, on
    both databases; SQLite's case-insensitive LIKE cannot use the number index at all). A narrow prefix
    is therefore read through the unique index on `number` as a range and its matches sorted. A prefix
    covering a large share of the table is left to the date-ordered walk, which finds a page at once.
    Deciding costs one index-only probe with a LIMIT.
    """
    qs = qs.filter(number__startswith=prefix)
    if not prefix or ord(prefix[-1]) >= 0x10FFFF:
        return qs, False
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    in_range = Certificate.objects.filter(number__gte=prefix, number__lt=upper).order_by()
    if in_range.values("pk")[:PREFIX_RANGE_LIMIT].count() < PREFIX_RANGE_LIMIT:
        return qs.filter(number__gte=prefix, number__lt=upper), True
    return qs, False


@login_required
@require_GET
def certificate_list(request: HttpRequest) -> HttpResponse:
    """Previous/next pages over the (-issued_on, -id) index: no COUNT, no OFFSET, LIMIT n+1."""
    form = CertificateFilterForm(request.GET or None)
    qs = certificates_for(request.user)
    narrow = False
    if form.is_valid():
        data = form.cleaned_data
        if data["number"]:
            qs, narrow = number_prefix(qs, data["number"].strip().upper())
        if data["holder"]:
            qs, few = holder_matches(qs, data["holder"])
            narrow = narrow or few
        if data["status"]:
            qs = qs.filter(status=data["status"])
        if data["category"]:
            qs = qs.filter(category=data["category"])
        if data["scheme"]:
            qs = qs.filter(scheme=data["scheme"])
        if data["issued_from"]:
            qs = qs.filter(issued_on__gte=data["issued_from"])
        if data["issued_to"]:
            qs = qs.filter(issued_on__lte=data["issued_to"])
    # Scheme and category come from small tables in one query each: no join on the big one.
    qs = qs.prefetch_related("scheme", "category")
    page = keyset_page(
        request,
        qs,
        keys=["issued_on", "id"],
        parsers=[date.fromisoformat, int],
        per_page=PER_PAGE,
        sort_matches=narrow,
    )
    context = {"form": form, "page": page}
    return render_list(request, "certificates/list.html", "certificates/_results.html", context)


# --- detail ---------------------------------------------------------------------------------------


def _open_application(certificate: Certificate) -> Application | None:
    return certificate.applications.filter(status__in=Application.OPEN).first()


NOT_NOW = Refusal("unavailable", "")  # the step does not apply to this certificate now: nothing to explain


def _can_apply(user: Any, certificate: Certificate) -> Refusal | None:
    """A change, extension or recertification: application_create's check, on a live certificate with no open one."""
    refusal = can_act_for_client(user, certificate.organisation_id)
    if refusal is None and (
        certificate.status not in (Certificate.Status.VALID, Certificate.Status.SUSPENDED)
        or _open_application(certificate) is not None
    ):
        return NOT_NOW
    return refusal


def _run_new_application(request, certificate, d):
    application = app_svc.application_create(
        actor=request.user,
        organisation=certificate.organisation,
        scheme=certificate.scheme,
        title=d["title"],
        kind=d["kind"],
        certificate=certificate,
        change_description=d["change_description"],
    )
    return reverse("applications:detail", args=[application.pk])


def _can_resolve_a_case(user: Any, certificate: Certificate) -> Refusal | None:
    """The inline "resolve" form of each open case (the service checks the one chosen: can_resolve_nonconformity)."""
    refusal = can_resolve_nonconformities(user, certificate)
    if refusal is None and not certificate.nonconformity_cases.filter(status=NonconformityCase.Status.OPEN).exists():
        return NOT_NOW
    return refusal


ACTIONS = [
    Action(
        "nonconformity_confirm",
        gettext_lazy("Confirm a nonconformity"),
        form_class=NonconformityConfirmForm,
        run=lambda r, c, d: svc.nonconformity_confirm(
            actor=r.user,
            certificate=c,
            source=d["source"],
            description=d["description"],
            confirmed_on=d["confirmed_on"],
        ),
        check=can_confirm_nonconformity,
        style="warning",
        success=gettext_lazy("The nonconformity is recorded; the suspension deadline is running."),
    ),
    Action(
        "suspend",
        gettext_lazy("Suspend the certificate"),
        form_class=SuspendForm,
        run=lambda r, c, d: svc.certificate_suspend(
            actor=r.user,
            certificate=c,
            reason_code=d["reason_code"],
            reason=d["reason"],
            until=d["until"],
            case=d.get("case"),
        ),
        check=can_suspend,
        style="warning",
        success=gettext_lazy("The certificate is suspended."),
    ),
    Action(
        "restore",
        gettext_lazy("Restore the certificate"),
        form_class=RestoreForm,
        run=lambda r, c, d: svc.certificate_restore(actor=r.user, certificate=c, reason=d["reason"]),
        check=can_restore,
        success=gettext_lazy("The certificate is valid again."),
    ),
    Action(
        "resolve_case",
        gettext_lazy("Resolve a nonconformity case"),
        form_class=ResolveCaseForm,
        run=lambda r, c, d: svc.nonconformity_resolve(actor=r.user, case=d["case"], resolution=d["resolution"]),
        check=_can_resolve_a_case,
        inline=True,
        success=gettext_lazy("The nonconformity case is resolved."),
    ),
    Action(
        "new_application",
        gettext_lazy("Apply for a change, extension or recertification"),
        form_class=NewApplicationForm,
        run=_run_new_application,
        check=_can_apply,
        style="secondary",
        button=gettext_lazy("Start the application"),
        success=gettext_lazy("Application created. Add the certification units, then submit it."),
    ),
    Action(
        "withdraw",
        gettext_lazy("Withdraw the certificate"),
        form_class=WithdrawForm,
        run=lambda r, c, d: svc.certificate_withdraw(
            actor=r.user, certificate=c, reason_code=d["reason_code"], reason=d["reason"]
        ),
        check=can_withdraw,
        style="danger",
        confirm=gettext_lazy("Withdraw this certificate? This ends it for good and is published."),
        success=gettext_lazy("The certificate is withdrawn."),
    ),
    Action(
        "cancel",
        gettext_lazy("Cancel the certificate"),
        form_class=CancelForm,
        run=lambda r, c, d: svc.certificate_cancel(
            actor=r.user, certificate=c, reason_code=d["reason_code"], reason=d["reason"]
        ),
        check=can_cancel,
        style="danger",
        confirm=gettext_lazy("Cancel this certificate? This ends it for good and is published."),
        success=gettext_lazy("The certificate is cancelled."),
    ),
]


def _visible_certificate(request: HttpRequest, pk: int) -> Certificate:
    qs = certificates_for(request.user).select_related("scheme__category", "organisation", "category")
    return get_object_or_404(qs, pk=pk)


def _certificate_events(certificate: Certificate):
    return AuditEvent.objects.filter(subject_type="certificates.certificate", subject_id=str(certificate.pk)).order_by(
        "seq"
    )


@login_required
@require_http_methods(["GET", "POST"])
def certificate_detail(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = _visible_certificate(request, pk)
    state = run_actions(request, certificate, ACTIONS)
    if isinstance(state, HttpResponse):
        return state
    user = request.user
    client = sees_client_view(user)  # the portal has no certificate page: the client gets this page, client-safe
    versions = list(certificate.versions.select_related("created_by").order_by("-version_no"))
    history = list(status_history(certificate))
    for change in history:
        change.from_label = Certificate.Status(change.from_status).label if change.from_status else ""
        change.to_label = Certificate.Status(change.to_status).label
        change.reason_label = REASON_LABELS.get(change.reason_code, change.reason_code)
        if client:  # no staff person, only the reasons a client is told (certbody.applications.timeline)
            change.reason = public_reason(change.audit_event.action, change.reason)
            change.actor_label = _("the certification body")
    visible_surveillances = set(surveillances_for(user).filter(certificate=certificate).values_list("pk", flat=True))
    surveillances = list(certificate.surveillances.select_related("engineer").order_by("sequence_no"))
    for s in surveillances:
        s.visible = s.pk in visible_surveillances
        if client:
            s.engineer = None  # staff assignments are internal
    applications = list(applications_for(user).filter(certificate=certificate).order_by("-created_at"))
    context = {
        "certificate": certificate,
        "version": versions[0] if versions else None,
        "versions": versions,
        "history": history,
        "surveillances": surveillances,
        "cases": list(certificate.nonconformity_cases.select_related("created_by").order_by("-confirmed_on", "-id")),
        "applications": applications,
        "origin_visible": bool(certificate.application_id)
        and applications_for(user).filter(pk=certificate.application_id).exists(),
        "status_reason": REASON_LABELS.get(certificate.status_reason_code, certificate.status_reason_code),
        # The certificate's audit trail carries its surveillances' internals (test orders, inspections, assignments):
        # staff only. The client reads the status history above it.
        "events": [] if client else _certificate_events(certificate),
        "subject_type": "certificates.certificate",
        "actions": state,
    }
    return render(request, "certificates/detail.html", context, status=state.status)


@login_required
@require_GET
def certificate_version(request: HttpRequest, pk: int, version_no: int) -> HttpResponse:
    certificate = _visible_certificate(request, pk)
    version = get_object_or_404(certificate.versions.select_related("decision"), version_no=version_no)
    others = certificate.versions.order_by("version_no").values_list("version_no", flat=True)
    context = {"certificate": certificate, "version": version, "version_numbers": list(others)}
    return render(request, "certificates/version.html", context)
