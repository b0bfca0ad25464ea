"""Following a case: the tracker, the contract, files, messages, changes, and staff approvals."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from certbody.applications import checklist as cl
from certbody.applications import services as app_svc
from certbody.applications.models import Application, Contract, Document, Submission
from certbody.applications.permissions import can_see_files, can_withdraw
from certbody.applications.timeline import PUBLIC_ACTIONS, PUBLIC_REASONS, public_timeline  # noqa: F401 - the one rule
from certbody.clients.models import Organisation
from certbody.core.errors import DomainError
from certbody.core.permissions import has_role
from certbody.core.views import keyset_page
from certbody.core.web import open_stored

from .. import services as svc
from ..forms import (
    ContractAcceptForm,
    MessageForm,
    WithdrawForm,
)
from ..models import (
    Attachment,
    EmailConfirmation,
    Message,
    OrganisationRejection,
)
from ..permissions import (
    REGISTRATION_ROLES,
    can_accept_contract,
    is_client,
)
from .common import EDITABLE, S, _checklist_rows, _client_ip, _files_case, _own, _posted_id, client_required

# --- the tracker ---------------------------------------------------------------------------------------


def expected_now(app: Application, contract: Contract | None) -> tuple[str, str]:
    """What the client should do now, and where."""
    if app.status == S.DRAFT:
        return _("Complete the units and documents, then submit."), reverse("portal:submit", args=[app.pk])
    if app.status == S.RETURNED:
        return _("Complete what is missing and submit again."), reverse("portal:documents", args=[app.pk])
    if app.status == S.SUBMITTED:
        return _("Nothing for now: the certification body reviews your application."), ""
    if app.status == S.ACCEPTED and contract is not None and contract.client_accepted_at is None:
        return _("Read and accept the contract online."), reverse("portal:contract", args=[app.pk])
    if app.status in (S.ACCEPTED, S.EVALUATION):
        return _("Nothing for now: testing and inspection are under way; staff contact you for samples and visits."), ""
    if app.status in (S.REVIEW, S.DECISION):
        return _("Nothing for now: the file is reviewed and decided by independent people."), ""
    if app.status == S.GRANTED:
        return _("Your certificate is issued."), reverse("portal:certificates")
    return _("Nothing: the application is closed."), ""


@client_required
@require_GET
def application(request: HttpRequest, pk: int) -> HttpResponse:
    app = _own(request, pk)
    contract = Contract.objects.filter(application=app).first()
    todo, todo_url = expected_now(app, contract)
    context = {
        "app": app,
        "contract": contract,
        "todo": todo,
        "todo_url": todo_url,
        "events": public_timeline(app),
        "asked": [cl.LABELS.get(c, c) for c in (app.return_items or [])] if app.status == S.RETURNED else [],
        "editable": app.status in EDITABLE,
        "message_count": Message.objects.filter(application=app).count(),
        "may_withdraw": can_withdraw(request.user, app) is None,
    }
    return render(request, "portal/application.html", context)


@client_required
@require_http_methods(["GET", "POST"])
def contract(request: HttpRequest, pk: int) -> HttpResponse:
    app = _own(request, pk)
    current = Contract.objects.filter(application=app).select_related("client_accepted_by").first()
    if current is None:
        raise Http404
    form = ContractAcceptForm(request.POST or None, initial={"terms_version": current.terms_version})
    if request.method == "POST" and form.is_valid():
        try:
            svc.contract_accept_online(
                actor=request.user,
                application=app,
                ip=_client_ip(request),
                terms_version=form.cleaned_data["terms_version"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("You accepted the contract."))
            return redirect("portal:application", pk=app.pk)
    context = {"app": app, "contract": current, "form": form, "refusal": can_accept_contract(request.user, app)}
    return render(request, "portal/contract.html", context)


@client_required
@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """The client withdraws its application (at any stage before the decision), after seeing what that means."""
    app = _own(request, pk)
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            app_svc.application_withdraw(actor=request.user, application=app, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The application was withdrawn."))
            return redirect("portal:application", pk=app.pk)
    context = {"app": app, "form": form, "refusal": can_withdraw(request.user, app)}
    return render(request, "portal/withdraw.html", context)


# --- files, messages and changes: the client's users and the assigned staff ------------------------------


def _file_response(request: HttpRequest, field, name: str, content_type: str) -> HttpResponse:
    handle = open_stored(field)
    if handle is None:
        return render(request, "portal/file_missing.html", {"name": name}, status=404)
    response = FileResponse(handle, as_attachment=True, filename=name, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def document_download(request: HttpRequest, pk: int) -> HttpResponse:
    document = Document.objects.filter(pk=pk).select_related("application").first()
    if document is None or not can_see_files(request.user, document.application):
        raise Http404
    return _file_response(request, document.file, document.original_name, document.content_type)


@login_required
@require_GET
def attachment_download(request: HttpRequest, pk: int) -> HttpResponse:
    attachment = Attachment.objects.filter(pk=pk).select_related("message__application").first()
    if attachment is None or not can_see_files(request.user, attachment.message.application):
        raise Http404
    return _file_response(request, attachment.file, attachment.original_name, attachment.content_type)


@login_required
@require_http_methods(["GET", "POST"])
def thread(request: HttpRequest, pk: int) -> HttpResponse:
    app = _files_case(request, pk)
    form = MessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            svc.message_post(
                actor=request.user,
                application=app,
                body=form.cleaned_data["body"],
                files=request.FILES.getlist("files"),
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The message was sent."))
            return redirect(reverse("portal:messages", args=[app.pk]) + "?sent=1")
    items = Message.objects.filter(application=app).select_related("author").prefetch_related("attachments")
    context = {
        "app": app,
        "form": form,
        "items": items,
        "is_client": is_client(request.user),
        "sent": request.GET.get("sent") == "1",
    }
    return render(request, "portal/messages.html", context, status=422 if form.errors else 200)


CHANGE_FIELDS = {
    "title": gettext_lazy("Title"),
    "change_description": gettext_lazy("Description of the change"),
    "outsourcing": gettext_lazy("Outsourced"),
    "product_name": gettext_lazy("Product name"),
    "product_name_en": gettext_lazy("Product name (English)"),
    "trademark": gettext_lazy("Trademark"),
    "models": gettext_lazy("Models"),
    "version": gettext_lazy("Version"),
    "manufacturer": gettext_lazy("Manufacturer"),
    "manufacturer_address": gettext_lazy("Manufacturer's address"),
    "production_site": gettext_lazy("Production site"),
    "production_site_address": gettext_lazy("Production site's address"),
    "difference_statement": gettext_lazy("Difference statement"),
}


def _change_label(what: str) -> str:
    """'unit 2: version' -> 'Unit 2: Version', in the reader's language."""
    if what.startswith("unit "):
        head, _sep, field = what.partition(": ")
        number = head.removeprefix("unit ")
        label = _("Unit %(n)s") % {"n": number}
        return f"{label}: {CHANGE_FIELDS.get(field, field)}" if field else label
    return str(CHANGE_FIELDS.get(what, what))


@login_required
@require_GET
def changes(request: HttpRequest, pk: int) -> HttpResponse:
    app = _files_case(request, pk)
    submissions = list(Submission.objects.filter(application=app).select_related("submitted_by").order_by("-round"))
    for s in submissions:
        s.requested_labels = [cl.LABELS.get(c, c) for c in (s.requested or {}).get("items", [])]
        for change in s.changes:
            what = change["what"]
            if what.startswith("document: "):
                code = what.removeprefix("document: ")
                change["label"] = _("Document: %(item)s") % {"item": cl.LABELS.get(code, code)}
            else:
                change["label"] = _change_label(what)
            for side in ("before", "after"):
                value = change.get(side)
                if isinstance(value, dict) and "product_name" in value:
                    change[side] = f"{value['product_name']} {' / '.join(value.get('models', []))} {value['version']}"
                elif isinstance(value, list):
                    change[side] = " / ".join(str(v) for v in value)
                elif isinstance(value, bool):
                    change[side] = _("yes") if value else _("no")
    context = {
        "app": app,
        "submissions": submissions,
        "rows": _checklist_rows(app),
        "is_client": is_client(request.user),
    }
    return render(request, "portal/changes.html", context)


# --- staff: organisations waiting for approval ----------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def approvals(request: HttpRequest) -> HttpResponse:
    if not has_role(request.user, *REGISTRATION_ROLES):
        raise PermissionDenied(_("This page is for market staff."))
    if request.method == "POST":
        organisation = get_object_or_404(Organisation, pk=_posted_id(request, "organisation"))
        reject = request.POST.get("action") == "reject"
        try:
            if reject:
                svc.organisation_reject(
                    actor=request.user, organisation=organisation, reason=request.POST.get("reason", "")
                )
            else:
                svc.organisation_approve(actor=request.user, organisation=organisation)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            done = _("%(name)s is rejected; its users are deactivated.") if reject else _("%(name)s is approved.")
            messages.success(request, done % {"name": organisation.name})
        return redirect("portal:approvals")
    # Only registrations whose e-mail address was confirmed; rejected ones are done with.
    confirmed = EmailConfirmation.objects.filter(user__organisation_id=OuterRef("pk"))
    rejected = OrganisationRejection.objects.filter(organisation_id=OuterRef("pk"))
    qs = Organisation.objects.filter(is_approved=False).filter(Exists(confirmed)).exclude(Exists(rejected))
    page = keyset_page(request, qs, keys=["pk"], parsers=[int], descending=False, per_page=25)
    return render(request, "portal/approvals.html", {"pending": page.items, "page": page})
