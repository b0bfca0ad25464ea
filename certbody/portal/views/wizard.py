"""The application wizard: start, units, documents, submission."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from certbody.applications import checklist as cl
from certbody.applications import dossier as dossier_svc
from certbody.applications import services as app_svc
from certbody.applications.models import Application
from certbody.applications.selectors import missing_items
from certbody.core.errors import DomainError

from .. import services as svc
from ..forms import (
    OutsourcingForm,
    StartForm,
    SubmitForm,
    UnitForm,
)
from .common import EDITABLE, S, _checklist_rows, _own, _posted_id, client_required

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
