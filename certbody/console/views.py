"""Console pages: the staff work queue (the dashboard) and the audit trail."""

from __future__ import annotations

from django import forms
from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from certbody.core.audit import verify_chain
from certbody.core.models import AuditEvent
from certbody.core.roles import Role
from certbody.core.views import date_field, end_of_day, keyset_page, render_list, require_roles, start_of_day

from .selectors import work_queue


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    tasks = work_queue(request.user)
    overdue = sum(1 for t in tasks if t.overdue)
    return render(request, "console/dashboard.html", {"tasks": tasks, "overdue_count": overdue})


AUDIT_ROLES = (Role.QUALITY, Role.MANAGEMENT, Role.ADMIN)


def _object_type_choices() -> list[tuple[str, str]]:
    choices = []
    for model in apps.get_models():
        label = model._meta.label_lower
        if label.startswith(("django", "contenttypes", "sessions", "admin.", "auth.")) or label.startswith("core."):
            continue
        choices.append((label, f"{model._meta.verbose_name} ({label})"))
    return [("", gettext_lazy("Any")), *sorted(choices, key=lambda c: c[0])]


class AuditFilterForm(forms.Form):
    action = forms.CharField(
        label=gettext_lazy("Action"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "certificate.suspend / certificate."}),
    )
    object_type = forms.ChoiceField(label=gettext_lazy("Object type"), required=False)
    actor = forms.CharField(label=gettext_lazy("Actor"), required=False)
    date_from = date_field(gettext_lazy("From"), required=False)
    date_to = date_field(gettext_lazy("To"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["object_type"].choices = _object_type_choices()
        self.fields["action"].widget.attrs["type"] = "search"
        self.fields["actor"].widget.attrs["type"] = "search"


SUBJECT_URLS = {
    "applications.application": "applications:detail",
    "certificates.certificate": "certificates:detail",
}


@login_required
@require_http_methods(["GET", "POST"])
def audit(request: HttpRequest) -> HttpResponse:
    require_roles(request.user, *AUDIT_ROLES)
    report = None
    if request.method == "POST":
        report = verify_chain()
        if report.ok:
            messages.success(request, _("The audit chain is intact: %(n)d events checked.") % {"n": report.checked})
        else:
            messages.error(
                request,
                _("The audit chain is broken: %(p)d problems in %(n)d events.")
                % {"p": len(report.problems), "n": report.checked},
            )
    form = AuditFilterForm(request.GET or None)
    qs = AuditEvent.objects.all()
    if form.is_valid():
        data = form.cleaned_data
        if data["action"]:
            action = data["action"].strip()
            qs = qs.filter(action__startswith=action) if action.endswith(".") else qs.filter(action=action)
        if data["object_type"]:
            qs = qs.filter(object_type=data["object_type"])
        if data["actor"]:
            qs = qs.filter(actor_label__icontains=data["actor"].strip())
        if data["date_from"]:
            qs = qs.filter(occurred_at__gte=start_of_day(data["date_from"]))
        if data["date_to"]:
            qs = qs.filter(occurred_at__lte=end_of_day(data["date_to"]))
    page = keyset_page(request, qs, keys=["seq"], parsers=[int], per_page=50)
    for event in page.items:
        name = SUBJECT_URLS.get(event.subject_type)
        try:
            event.subject_url = reverse(name, args=[event.subject_id]) if name else ""
        except NoReverseMatch:
            event.subject_url = ""
    context = {"form": form, "page": page, "report": report}
    return render_list(request, "console/audit.html", "console/_audit_results.html", context)
