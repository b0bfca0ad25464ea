"""Partner testing laboratories."""

from __future__ import annotations

from django.contrib import admin

from certbody.core.admin import AuditedAdmin

from .models import Lab


@admin.register(Lab)
class LabAdmin(AuditedAdmin):
    list_display = ["name", "accreditation_number", "is_partner", "is_active"]
    list_filter = ["is_partner", "is_active", "categories"]
    search_fields = ["name", "name_en", "accreditation_number"]
    filter_horizontal = ["categories"]
