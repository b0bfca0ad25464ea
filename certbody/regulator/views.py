"""Pages of the exchange: importing legacy certificates, requesting and downloading regulator exports."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from certbody.core.errors import DomainError
from certbody.core.filenames import extension_of
from certbody.core.views import require_roles
from certbody.core.web import parse_id

from . import services
from .exports import import_errors_csv
from .forms import ExportForm, ImportForm
from .importing import IMPORT_COLUMNS
from .models import ExportRun
from .permissions import EXPORT_ROLES, IMPORT_ROLES, export_runs_for, import_batches_for


@login_required
@require_http_methods(["GET", "POST"])
def imports(request: HttpRequest) -> HttpResponse:
    require_roles(request.user, *IMPORT_ROLES)
    batch = None
    if request.GET.get("batch"):
        batch = get_object_or_404(import_batches_for(request.user).defer(None), pk=parse_id(request.GET["batch"]))
        if request.GET.get("format") == "csv":
            return _error_report(batch)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            services.check_upload_size(upload.size)
            batch = services.certificates_import(
                actor=request.user, file_name=upload.name, content=upload.read(), mode=form.cleaned_data["mode"]
            )
        except DomainError as exc:
            form.add_error("file", exc.message)
        else:
            if batch.status == batch.Status.REFUSED:
                messages.error(request, _("Nothing was imported: the file has invalid rows (see the report)."))
            else:
                messages.success(request, _("%(n)d certificates imported.") % {"n": batch.rows_imported})
            return redirect(f"{reverse('regulator:imports')}?batch={batch.pk}")
    context = {
        "form": form,
        "batch": batch,
        "columns": IMPORT_COLUMNS,
        "batches": import_batches_for(request.user)[:20],
    }
    return render(request, "regulator/imports.html", context, status=422 if form.errors else 200)


def _error_report(batch) -> HttpResponse:
    content = import_errors_csv(batch.errors, [_("row"), _("column"), _("reason")])
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{batch.pk}-errors.csv"'
    return response


def _download_name(run: ExportRun, part) -> str:
    """The name a person sees: from the run (kind, data as of), never the stored (random) name."""
    prefix = "cnca-certificates" if run.kind == ExportRun.Kind.CNCA else "iaf-certsearch"
    stamp = timezone.localtime(run.cutoff or run.created_at).strftime("%Y%m%d-%H%M%S")
    extension = extension_of(part.name)
    return f"{prefix}-{stamp}.{extension}" if extension else f"{prefix}-{stamp}"


@login_required
@require_http_methods(["GET", "POST"])
def exports(request: HttpRequest) -> HttpResponse:
    require_roles(request.user, *EXPORT_ROLES)
    if request.GET.get("download"):
        run = get_object_or_404(
            export_runs_for(request.user), pk=parse_id(request.GET["download"]), status=ExportRun.Status.DONE
        )
        part = run.json_file if request.GET.get("part") == "json" else run.file
        if not part:
            raise Http404
        return FileResponse(part.open("rb"), as_attachment=True, filename=_download_name(run, part))
    form = ExportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.export_request(
                actor=request.user,
                kind=data["kind"],
                date_from=data["date_from"],
                date_to=data["date_to"],
                changes_only=data["changes_only"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The export was requested; it appears below when it is ready."))
            return redirect("regulator:exports")
    context = {"form": form, "runs": export_runs_for(request.user)[:50]}
    return render(request, "regulator/exports.html", context, status=422 if form.errors else 200)
