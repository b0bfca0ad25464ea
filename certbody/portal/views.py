"""Portal pages. They parse, check who may see what (permissions.py), call a service and render."""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from certbody.applications import checklist as cl
from certbody.applications import dossier as dossier_svc
from certbody.applications import services as app_svc
from certbody.applications.models import Application, Contract, Document, Submission
from certbody.applications.permissions import can_see_files, case_files_for
from certbody.applications.selectors import missing_items
from certbody.applications.timeline import PUBLIC_ACTIONS, PUBLIC_REASONS, public_timeline  # noqa: F401 - the one rule
from certbody.certificates.selectors import certificates_for
from certbody.clients.models import Organisation
from certbody.core import throttle
from certbody.core.errors import DomainError
from certbody.core.permissions import has_role
from certbody.core.roles import Role
from certbody.core.views import keyset_page
from certbody.core.web import open_stored, parse_id

from . import services as svc
from .forms import (
    ContractAcceptForm,
    InvitationAcceptForm,
    InviteForm,
    MessageForm,
    OutsourcingForm,
    RegisterForm,
    StartForm,
    SubmitForm,
    UnitForm,
)
from .models import (
    Attachment,
    EmailConfirmation,
    Invitation,
    Message,
    Notification,
    OrganisationRejection,
)
from .notify import render as render_notification
from .permissions import is_client, own_applications

S = Application.Status
EDITABLE = (S.DRAFT, S.RETURNED)


def client_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_client(request.user):
            raise PermissionDenied(_("The portal is for the users of client organisations."))
        return view(request, *args, **kwargs)

    return wrapper


def _own(request: HttpRequest, pk: int) -> Application:
    qs = own_applications(request.user).select_related("organisation", "scheme__category", "rule_version")
    return get_object_or_404(qs, pk=pk)


def _files_case(request: HttpRequest, pk: int) -> Application:
    application = case_files_for(request.user, pk)
    if application is None:
        raise Http404
    return application


def _posted_id(request: HttpRequest, name: str) -> int:
    """An id posted by a form; anything but a positive number is a 404 (a hand-made request), never a 500."""
    return parse_id(request.POST.get(name))


def _client_ip(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")


# --- registration, confirmation, invitations ---------------------------------------------------------


def _too_many(request: HttpRequest) -> HttpResponse | None:
    """The 429 answer when this address sent too many sign-ups; nothing of the refused one is stored."""
    wait = throttle.retry_after(request, throttle.SIGNUP)
    if wait is None:
        return None
    context = {"minutes": max(1, -(-wait // 60)), "back": request.path}
    response = render(request, "portal/too_many.html", context, status=429)
    response["Retry-After"] = str(wait)
    return response


@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("portal:home")
    if request.method == "POST" and (refused := _too_many(request)):
        return refused
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            svc.organisation_register(**{k: v for k, v in form.cleaned_data.items() if k != "password2"})
        except DomainError as exc:
            form.apply_errors(exc)
        else:
            return redirect("portal:register_sent")
    return render(request, "portal/register.html", {"form": form})


@require_GET
def register_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/register_sent.html")


@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The link from the e-mail shows a button: a mail scanner that follows links confirms nothing."""
    error = ""
    if request.method == "POST":
        try:
            svc.email_confirm(token=token)
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, _("Your e-mail address is confirmed. Sign in to start your application."))
            return redirect(reverse("accounts:login") + "?next=" + reverse("portal:home"))
    return render(request, "portal/confirm.html", {"error": error}, status=422 if error else 200)


@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    invite = svc.invitation_by_token(token)
    if invite is None:
        return render(request, "portal/invitation.html", {"invalid": True}, status=404)
    if request.method == "POST" and (refused := _too_many(request)):
        return refused
    form = InvitationAcceptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            svc.invitation_accept(token=token, **form.cleaned_data)
        except DomainError as exc:
            form.apply_errors(exc)
        else:
            messages.success(request, _("Welcome. Sign in with your new user name."))
            return redirect(reverse("accounts:login") + "?next=" + reverse("portal:home"))
    return render(request, "portal/invitation.html", {"form": form, "invite": invite})


# --- the client's home ---------------------------------------------------------------------------


def _unread(user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


@client_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    applications = own_applications(request.user).select_related("scheme").order_by("-created_at", "-id")[:50]
    notes = list(Notification.objects.filter(user=request.user, read_at__isnull=True)[:5])
    for n in notes:
        n.text = render_notification(n.kind, n.params)
    context = {
        "organisation": request.user.organisation,
        "applications": applications,
        "notifications": notes,
        "unread": _unread(request.user),
        "certificate_count": certificates_for(request.user).count(),
    }
    return render(request, "portal/home.html", context)


@client_required
@require_http_methods(["GET", "POST"])
def colleagues(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and request.POST.get("action") == "revoke":
        invite = get_object_or_404(
            Invitation.objects.filter(organisation_id=request.user.organisation_id),
            pk=_posted_id(request, "invitation"),
        )
        try:
            svc.invitation_revoke(actor=request.user, invitation=invite)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The invitation to %(email)s was revoked.") % {"email": invite.email})
        return redirect("portal:colleagues")
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            svc.invitation_create(actor=request.user, email=form.cleaned_data["email"])
        except DomainError as exc:
            form.apply_errors(exc)
        else:
            messages.success(request, _("The invitation was sent to %(email)s.") % form.cleaned_data)
            return redirect("portal:colleagues")
    organisation = request.user.organisation
    context = {
        "form": form,
        "members": organisation.members.filter(is_active=True).order_by("username"),
        "invitations": Invitation.objects.filter(
            organisation=organisation, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gte=timezone.now()
        )[:50],
    }
    return render(request, "portal/colleagues.html", context)


@client_required
@require_http_methods(["GET", "POST"])
def notifications(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        svc.notifications_mark_read(actor=request.user)
        return redirect("portal:notifications")
    items = list(Notification.objects.filter(user=request.user)[:100])
    for n in items:
        n.text = render_notification(n.kind, n.params)
    return render(request, "portal/notifications.html", {"items": items})


@client_required
@require_GET
def certificates(request: HttpRequest) -> HttpResponse:
    certs = certificates_for(request.user).select_related("scheme").order_by("-id")
    rows = [{"cert": cert} for cert in certs]
    return render(request, "portal/certificates.html", {"rows": rows})


# --- the wizard ------------------------------------------------------------------------------------


@client_required
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest) -> HttpResponse:
    form = StartForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            application = app_svc.application_start(
                actor=request.user, scheme=d["scheme"], title=d["title"], outsourcing=d["outsourcing"]
            )
        except DomainError as exc:
            form.apply_errors(exc)
        else:
            messages.success(
                request, _("Draft %(number)s saved. Describe the units next.") % {"number": application.number}
            )
            return redirect("portal:units", pk=application.pk)
    return render(request, "portal/apply.html", {"form": form, "step": 1})


def _steps(app: Application, current: int) -> dict[str, Any]:
    return {"step": current, "app": app}


@client_required
@require_http_methods(["GET", "POST"])
def units(request: HttpRequest, pk: int) -> HttpResponse:
    app = _own(request, pk)
    last = app.units.select_related("manufacturer", "production_site").last()
    initial = (
        {
            "manufacturer_name": last.manufacturer.name,
            "manufacturer_address": last.manufacturer.address,
            "site_name": last.production_site.name,
            "site_address": last.production_site.address,
        }
        if last
        else {}
    )  # a further unit is usually made in the same place
    form = UnitForm(None if request.POST.get("action") == "remove" else (request.POST or None), initial=initial)
    if request.method == "POST" and request.POST.get("action") == "remove":
        unit = get_object_or_404(app.units, pk=_posted_id(request, "unit"))
        try:
            app_svc.unit_remove(actor=request.user, unit=unit)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The unit was removed."))
        return redirect("portal:units", pk=app.pk)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            svc.wizard_unit_add(
                actor=request.user,
                application=app,
                product_name=d["product_name"],
                model_names=form.models(),
                version=d["version"],
                trademark=d["trademark"],
                manufacturer_name=d["manufacturer_name"],
                manufacturer_address=d["manufacturer_address"],
                site_name=d["site_name"],
                site_address=d["site_address"],
                difference_statement=d["difference_statement"],
            )
        except DomainError as exc:
            form.apply_errors(exc)
        else:
            messages.success(request, _("The unit was saved."))
            return redirect(reverse("portal:units", args=[app.pk]) + "?saved=1")
    context = {
        **_steps(app, 2),
        "form": form,
        "units": app.units.select_related("manufacturer", "production_site"),
        "editable": app.status in EDITABLE,
        "saved": request.method == "GET" and request.GET.get("saved") == "1",
    }
    return render(request, "portal/units.html", context, status=200)


def _checklist_rows(app: Application) -> list[dict[str, Any]]:
    versions: dict[str, list[Document]] = {}
    for document in Document.objects.filter(application=app).select_related("uploaded_by"):
        versions.setdefault(document.item, []).append(document)
    asked = set(app.return_items or []) if app.status == S.RETURNED else set()
    return [
        {"item": i, "versions": versions.get(i.code, []), "asked": i.code in asked} for i in cl.for_application(app)
    ]


@client_required
@require_http_methods(["GET", "POST"])
def documents(request: HttpRequest, pk: int) -> HttpResponse:
    app = _own(request, pk)
    errors: list[str] = []
    dossier = getattr(app, "dossier", None)
    outsourcing_form = OutsourcingForm(initial={"outsourcing": bool(dossier and dossier.outsourcing)})
    if request.method == "POST" and request.POST.get("action") == "outsourcing":
        outsourcing_form = OutsourcingForm(request.POST)
        if outsourcing_form.is_valid():
            try:
                dossier_svc.dossier_update(
                    actor=request.user, application=app, outsourcing=outsourcing_form.cleaned_data["outsourcing"]
                )
            except DomainError as exc:
                errors.append(exc.message)
            else:
                messages.success(request, _("Saved. The checklist follows your answer."))
                return redirect("portal:documents", pk=app.pk)
    elif request.method == "POST":
        saved = 0
        codes = [i.code for i in cl.for_application(app)]
        try:
            svc.check_batch([f for key in request.FILES for f in request.FILES.getlist(key)])
        except DomainError as exc:  # too many files, or too large together: none is read
            errors.append(exc.message)
        for code in codes if not errors else ():
            for upload in request.FILES.getlist(f"file_{code}"):
                try:
                    dossier_svc.document_upload(actor=request.user, application=app, item=code, upload=upload)
                except DomainError as exc:
                    errors.append(exc.message)
                else:
                    saved += 1
        unknown = [k for k in request.FILES if k.removeprefix("file_") not in codes] if not errors else []
        for key in unknown:
            errors.append(_("%(name)s: this document is not on the application's checklist.") % {"name": key})
        if saved:
            messages.success(request, _("%(n)d file(s) saved.") % {"n": saved})
        if not saved and not errors:
            errors.append(_("Choose at least one file to upload."))
        if not errors:
            return redirect("portal:documents", pk=app.pk)
    context = {
        **_steps(app, 3),
        "rows": _checklist_rows(app),
        "errors": errors,
        "outsourcing_form": outsourcing_form,
        "editable": app.status in EDITABLE,
        "accept": ".pdf,.png,.jpg,.jpeg,.zip,.doc,.docx,.xls,.xlsx,.ppt,.pptx",
    }
    return render(request, "portal/documents.html", context, status=422 if errors else 200)


@client_required
@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    app = _own(request, pk)
    returned = app.status == S.RETURNED
    form = SubmitForm(request.POST or None, returned=returned)
    if request.method == "POST" and form.is_valid():
        try:
            app_svc.application_submit(actor=request.user, application=app, answer=form.cleaned_data["answer"])
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Application %(number)s was submitted.") % {"number": app.number})
            return redirect("portal:application", pk=app.pk)
    context = {
        **_steps(app, 4),
        "form": form,
        "returned": returned,
        "missing": missing_items(app) if hasattr(app, "dossier") else [],
        "units": app.units.select_related("manufacturer", "production_site"),
        "editable": app.status in EDITABLE,
        "approved": app.organisation.is_approved,
    }
    return render(request, "portal/submit.html", context, status=422 if form.errors else 200)


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
    return render(request, "portal/contract.html", {"app": app, "contract": current, "form": form})


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
    if not has_role(request.user, Role.MARKET, Role.ADMIN):
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
