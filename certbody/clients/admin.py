"""Client organisations, their manufacturers and production sites."""

from __future__ import annotations

from django.contrib import admin

from certbody.core.admin import AdministratorMixin, AuditedAdmin

from .models import Manufacturer, Organisation, ProductionSite


class ManufacturerInline(AdministratorMixin, admin.TabularInline):
    model = Manufacturer
    extra = 0
    fields = ["name", "name_en", "address"]
    show_change_link = True


class ProductionSiteInline(AdministratorMixin, admin.TabularInline):
    model = ProductionSite
    extra = 0
    fields = ["name", "address"]


@admin.register(Organisation)
class OrganisationAdmin(AuditedAdmin):
    list_display = ["name", "uscc", "city", "contact_name", "is_approved", "created_at"]
    list_filter = ["is_approved", "country"]
    search_fields = ["name", "name_en", "=uscc"]
    show_full_result_count = False
    inlines = [ManufacturerInline]
    fieldsets = [
        (None, {"fields": ["name", "name_en", "uscc", "is_approved"]}),
        (None, {"fields": ["address", "address_en", "city", "country"]}),
        (None, {"fields": ["contact_name", "contact_phone", "contact_email"]}),
    ]


@admin.register(Manufacturer)
class ManufacturerAdmin(AuditedAdmin):
    list_display = ["name", "organisation", "address"]
    list_select_related = ["organisation"]
    search_fields = ["name", "organisation__name"]
    autocomplete_fields = ["organisation"]
    show_full_result_count = False
    inlines = [ProductionSiteInline]


@admin.register(ProductionSite)
class ProductionSiteAdmin(AuditedAdmin):
    list_display = ["name", "manufacturer", "address"]
    list_select_related = ["manufacturer"]
    search_fields = ["name", "manufacturer__name"]
    autocomplete_fields = ["manufacturer"]
    show_full_result_count = False
