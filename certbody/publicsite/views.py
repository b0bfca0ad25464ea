"""The public website (no sign-in) and the staff pages that keep it.

Public pages show only what is published; the certificate query hands over to the public registry
(certbody/website) instead of searching itself.
"""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from certbody.core import throttle
from certbody.core.errors import DomainError
from certbody.core.views import (
    Action,
    EmptyForm,
    ReasonForm,
    apply_service_errors,
    keyset_page,
    require_roles,
    run_actions,
)
from certbody.core.web import open_stored, parse_id
from certbody.schemes.models import ProductCategory

from . import permissions, selectors, services
from .forms import ComplaintForm, DocumentCreateForm, FeeForm, NoteForm, PublishVersionForm, QueryForm
from .models import ComplaintIntake, DocumentKind, DocumentVersion, FeeItem, PublishedDocument
from .permissions import (
    COMPLAINT_ROLES,
    FEE_ROLES,
    LIBRARY_ROLES,
    STAFF_ROLES,
    can_handle_complaints,
    can_manage_fees,
    can_manage_library,
)

SESSION_KEY = "publicsite_complaint"  # the pk of the complaint this session sent last
TOKENS_KEY = "publicsite_complaint_tokens"  # submission tokens this session was given and has not used yet
SENT_KEY = "publicsite_complaint_sent"  # tokens this session used, to recognise a double click
MAX_TOKENS = 20


def _issue_token(request: HttpRequest) -> str:
    """A one-time submission token for the complaint form, kept in the session that received the form."""
    token = uuid.uuid4().hex
    request.session[TOKENS_KEY] = [*request.session.get(TOKENS_KEY, []), token][-MAX_TOKENS:]
    return token


# --- public pages ----------------------------------------------------------------------------------------------------


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    latest = (
        DocumentVersion.objects.filter(document__status=PublishedDocument.Status.PUBLISHED, is_current=True)
        .select_related("document")
        .order_by("-published_at", "-pk")[:5]
    )
    context = {
        "categories": ProductCategory.objects.filter(is_active=True).order_by("sort_order", "code"),
        "latest": latest,
        "query_form": QueryForm(),
    }
    return render(request, "publicsite/home.html", context)


@require_GET
def about(request: HttpRequest) -> HttpResponse:
    return render(request, "publicsite/about.html")


@require_GET
def services_page(request: HttpRequest) -> HttpResponse:
    return render(request, "publicsite/services.html", {"categories": selectors.categories_with_schemes()})


@require_GET
def category(request: HttpRequest, code: str) -> HttpResponse:
    found = selectors.categories_with_schemes(code)
    if not found:
        raise Http404
    general = [d for d in selectors.public_documents() if d.scheme_id is None and d.kind != DocumentKind.CSR_REPORT]
    return render(request, "publicsite/category.html", {"category": found[0], "general_documents": general})


@require_GET
def library(request: HttpRequest) -> HttpResponse:
    kinds = selectors.library_kinds()
    kind = request.GET.get("kind", "")
    if kind not in dict(kinds):
        kind = ""
    docs = [d for d in selectors.public_documents(kind or None) if d.kind != DocumentKind.CSR_REPORT]
    groups = []
    for value, label in kinds:
        items = [d for d in docs if d.kind == value]
        if items:
            groups.append({"kind": value, "label": label, "documents": items})
    return render(request, "publicsite/library.html", {"kinds": kinds, "kind": kind, "groups": groups})


def _public_document(pk: int) -> PublishedDocument:
    doc = selectors.public_documents().filter(pk=pk).first()
    if doc is None:
        raise Http404
    return doc


@require_GET
def document(request: HttpRequest, pk: int) -> HttpResponse:
    doc = _public_document(pk)
    versions = list(doc.versions.all())  # current first, then newest to oldest
    return render(request, "publicsite/document.html", {"doc": doc, "versions": versions})


@require_GET
def download(request: HttpRequest, pk: int, version_pk: int) -> HttpResponse:
    doc = _public_document(pk)
    version = get_object_or_404(DocumentVersion, pk=version_pk, document=doc)
    handle = open_stored(version.file)
    if handle is None:
        raise Http404
    inline = version.content_type == "application/pdf"
    response = FileResponse(
        handle, content_type=version.content_type, as_attachment=not inline, filename=version.filename
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def fees(request: HttpRequest) -> HttpResponse:
    items = selectors.public_fees()
    general = [f for f in items if f.category_id is None]
    by_category: dict[int, dict] = {}
    for fee in items:
        if fee.category_id is not None:
            by_category.setdefault(fee.category_id, {"category": fee.category, "items": []})["items"].append(fee)
    groups = sorted(by_category.values(), key=lambda g: (g["category"].sort_order, g["category"].code))
    return render(request, "publicsite/fees.html", {"general": general, "groups": groups})


@require_GET
def query(request: HttpRequest) -> HttpResponse:
    """Number, holder or product: the public registry answers (its rate limit and search, not a copy of them)."""
    form = QueryForm(request.GET or None)
    if form.is_bound and form.is_valid():
        params = {k: form.cleaned_data[k].strip() for k in ("number", "holder", "product") if form.cleaned_data[k]}
        return redirect(reverse("website:search") + "?" + urlencode(params))
    return render(request, "publicsite/query.html", {"form": form}, status=422 if form.is_bound else 200)


@require_GET
def labs(request: HttpRequest) -> HttpResponse:
    return render(request, "publicsite/labs.html", {"labs": selectors.partner_labs()})


@require_http_methods(["GET", "POST"])
def complaint(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        wait = throttle.retry_after(request, throttle.COMPLAINT)
        if wait is not None:
            response = render(request, "publicsite/too_many.html", {"seconds": wait}, status=429)
            response["Retry-After"] = str(wait)
            return response
        form = ComplaintForm(request.POST)
        if form.is_valid():
            token = form.cleaned_data["submit_token"]
            issued = request.session.get(TOKENS_KEY, [])
            sent = request.session.get(SENT_KEY, [])
            if token not in issued and token not in sent:
                # Not a form this browser was given (or the session ended): nothing is stored, the input stays.
                form.add_error(None, _("This form has expired. Check what you typed and send it again."))
            else:
                try:
                    intake, _created = services.complaint_submit(language=get_language() or "", **form.cleaned_data)
                except DomainError as exc:
                    apply_service_errors(form, exc)
                else:
                    request.session[TOKENS_KEY] = [t for t in issued if t != token]
                    request.session[SENT_KEY] = [*[t for t in sent if t != token], token][-MAX_TOKENS:]
                    request.session[SESSION_KEY] = intake.pk
                    return redirect("publicsite:complaint_done")
        # The form comes back with a token of its own, so that sending it again is a submission of its own.
        data = request.POST.copy()
        data["submit_token"] = _issue_token(request)
        form.data = data
        return render(request, "publicsite/complaint.html", {"form": form})
    form = ComplaintForm(initial={"submit_token": _issue_token(request)})
    return render(request, "publicsite/complaint.html", {"form": form})


@require_GET
def complaint_done(request: HttpRequest) -> HttpResponse:
    """Only the complaint this session sent: a token or a number from elsewhere shows nothing."""
    pk = request.session.get(SESSION_KEY)
    intake = ComplaintIntake.objects.filter(pk=pk).first() if isinstance(pk, int) else None
    if intake is None:
        return redirect("publicsite:complaint")
    return render(request, "publicsite/complaint_done.html", {"intake": intake})


@require_GET
def csr(request: HttpRequest) -> HttpResponse:
    reports = sorted(selectors.public_documents(DocumentKind.CSR_REPORT), key=lambda d: (-(d.year or 0), d.pk))
    return render(request, "publicsite/csr.html", {"reports": reports})


# --- staff pages -----------------------------------------------------------------------------------------------------


@login_required
@require_GET
def staff(request: HttpRequest) -> HttpResponse:
    require_roles(request.user, *STAFF_ROLES)
    user = request.user
    context = {
        "can_library": can_manage_library(user),
        "can_fees": can_manage_fees(user),
        "can_complaints": can_handle_complaints(user),
        "documents": PublishedDocument.objects.count(),
        "fees_shown": FeeItem.objects.filter(is_active=True).count(),
        "complaints_waiting": ComplaintIntake.objects.filter(status=ComplaintIntake.Status.RECEIVED).count(),
    }
    return render(request, "publicsite/staff/index.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def staff_documents(request: HttpRequest) -> HttpResponse:
    require_roles(request.user, *LIBRARY_ROLES)
    form = DocumentCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            doc = services.document_create(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("The document is created: publish its first version now."))
            return redirect("publicsite:staff_document", pk=doc.pk)
    docs = (
        PublishedDocument.objects.select_related("scheme").prefetch_related("versions").order_by("kind", "code", "pk")
    )
    for doc in docs:
        doc.current = next((v for v in doc.versions.all() if v.is_current), None)
    return render(request, "publicsite/staff/documents.html", {"documents": docs, "form": form})


DOCUMENT_ACTIONS = [
    Action(
        "publish",
        gettext_lazy("Publish a new version"),
        form_class=PublishVersionForm,
        run=lambda r, o, d: services.version_publish(actor=r.user, document=o, **d),
        check=permissions.can_publish_version,
        help=gettext_lazy("The new version becomes the current one; earlier versions stay downloadable."),
        success=gettext_lazy("The new version is published."),
    ),
    Action(
        "withdraw",
        gettext_lazy("Withdraw from the website"),
        form_class=ReasonForm,
        run=lambda r, o, d: services.document_withdraw(actor=r.user, document=o, reason=d["reason"]),
        check=permissions.can_withdraw_document,
        style="danger",
        success=gettext_lazy("The document is withdrawn from the website."),
    ),
    Action(
        "restore",
        gettext_lazy("Publish on the website again"),
        form_class=EmptyForm,
        run=lambda r, o, d: services.document_restore(actor=r.user, document=o),
        check=permissions.can_restore_document,
        style="secondary",
        success=gettext_lazy("The document is on the website again."),
    ),
]


@login_required
@require_http_methods(["GET", "POST"])
def staff_document(request: HttpRequest, pk: int) -> HttpResponse:
    require_roles(request.user, *LIBRARY_ROLES)
    doc = get_object_or_404(PublishedDocument.objects.select_related("scheme"), pk=pk)
    state = run_actions(request, doc, DOCUMENT_ACTIONS)
    if isinstance(state, HttpResponse):
        return state
    versions = doc.versions.select_related("published_by").order_by("-is_current", "-pk")
    context = {"doc": doc, "versions": versions, "actions": state}
    return render(request, "publicsite/staff/document.html", context, status=state.status)


@login_required
@require_http_methods(["GET", "POST"])
def staff_fees(request: HttpRequest) -> HttpResponse:
    require_roles(request.user, *FEE_ROLES)
    form = FeeForm()
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action in ("hide", "show"):
            fee = get_object_or_404(FeeItem, pk=parse_id(request.POST.get("fee")))
            services.fee_set_shown(actor=request.user, fee=fee, shown=action == "show")
            messages.success(request, _("The fee schedule is updated."))
            return redirect("publicsite:staff_fees")
        form = FeeForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            data["sort_order"] = data["sort_order"] or 0
            try:
                services.fee_create(actor=request.user, **data)
            except DomainError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("The fee item is added."))
                return redirect("publicsite:staff_fees")
    items = FeeItem.objects.select_related("category").order_by("-is_active", "sort_order", "pk")
    return render(request, "publicsite/staff/fees.html", {"items": items, "form": form})


@login_required
@require_GET
def staff_complaints(request: HttpRequest) -> HttpResponse:
    require_roles(request.user, *COMPLAINT_ROLES)
    qs = ComplaintIntake.objects.all()
    status = request.GET.get("status", "")
    if status in ComplaintIntake.Status.values:
        qs = qs.filter(status=status)
    page = keyset_page(request, qs, keys=["pk"], parsers=[int], per_page=25)
    context = {"page": page, "status": status, "statuses": ComplaintIntake.Status.choices}
    return render(request, "publicsite/staff/complaints.html", context)


COMPLAINT_ACTIONS = [
    Action(
        "forward",
        gettext_lazy("Pass to complaint handling"),
        form_class=NoteForm,
        run=lambda r, o, d: services.complaint_forward(actor=r.user, complaint=o, note=d["note"]),
        check=permissions.can_forward_complaint,
        success=gettext_lazy("The complaint is passed to complaint handling."),
    ),
    Action(
        "close",
        gettext_lazy("Close without handling"),
        form_class=NoteForm,
        run=lambda r, o, d: services.complaint_close(actor=r.user, complaint=o, note=d["note"]),
        check=permissions.can_close_complaint,
        style="secondary",
        help=gettext_lazy("For messages that are not complaints about our work; the note says why."),
        success=gettext_lazy("The complaint is closed."),
    ),
]


@login_required
@require_http_methods(["GET", "POST"])
def staff_complaint(request: HttpRequest, pk: int) -> HttpResponse:
    require_roles(request.user, *COMPLAINT_ROLES)
    intake = get_object_or_404(ComplaintIntake.objects.select_related("handled_by"), pk=pk)
    state = run_actions(request, intake, COMPLAINT_ACTIONS)
    if isinstance(state, HttpResponse):
        return state
    return render(request, "publicsite/staff/complaint.html", {"c": intake, "actions": state}, status=state.status)
