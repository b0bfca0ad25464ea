"""Applications in the admin: read-only. Their state changes only through the application services."""

from __future__ import annotations

from django.contrib import admin

from certbody.core.admin import ReadOnlyAdmin, ReadOnlyStackedInline, ReadOnlyTabularInline

from .models import Application, CertificationUnit, Contract, Document, Submission


class UnitInline(ReadOnlyTabularInline):
    model = CertificationUnit
    fields = ["product_name", "model_names", "version", "manufacturer", "production_site"]
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("manufacturer", "production_site")


class ContractInline(ReadOnlyStackedInline):
    model = Contract


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdmin):
    list_display = ["number", "kind", "status", "organisation", "scheme", "title", "stage_due", "created_at"]
    list_select_related = ["organisation", "scheme"]
    list_filter = ["status", "kind", "scheme"]
    search_fields = ["=number", "title", "organisation__name"]
    inlines = [UnitInline, ContractInline]


@admin.register(Contract)
class ContractAdmin(ReadOnlyAdmin):
    list_display = ["number", "application", "fee", "currency", "signed_on"]
    list_select_related = ["application"]
    search_fields = ["=number", "=application__number"]


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    list_display = ["application", "item", "version", "original_name", "size", "sha256", "uploaded_at"]
    list_select_related = ["application"]


@admin.register(Submission)
class SubmissionAdmin(ReadOnlyAdmin):
    list_display = ["application", "round", "submitted_by", "submitted_at"]
    list_select_related = ["application", "submitted_by"]
