"""The catalogue: categories, schemes, their rule versions and standards (edited in the admin)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET

from certbody.core.permissions import has_role
from certbody.core.roles import Role

from .models import ProductCategory, RuleVersion, Scheme, SurveillanceMethod


def _admin_url(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


@login_required
@require_GET
def catalogue(request: HttpRequest) -> HttpResponse:
    rules = RuleVersion.objects.prefetch_related("standards").order_by("-is_current", "-effective_from")
    schemes = Scheme.objects.prefetch_related(Prefetch("rule_versions", queryset=rules)).order_by("code")
    categories = ProductCategory.objects.prefetch_related(Prefetch("schemes", queryset=schemes)).order_by(
        "sort_order", "code"
    )
    methods = dict(SurveillanceMethod.choices)
    categories = list(categories)
    for category in categories:
        for scheme in category.schemes.all():
            scheme.method_labels = [methods.get(m, m) for m in scheme.surveillance_methods]
    is_admin = request.user.is_staff and has_role(request.user, Role.ADMIN)
    context = {
        "categories": categories,
        "admin_schemes_url": _admin_url("admin:schemes_scheme_changelist") if is_admin else "",
        "admin_index_url": _admin_url("admin:index") if is_admin else "",
    }
    return render(request, "schemes/catalogue.html", context)
