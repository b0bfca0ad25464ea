"""The catalogue, edited by administrators: categories, standards, schemes and their rule versions."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from certbody.core.admin import AdministratorMixin, AuditedAdmin
from certbody.core.errors import InvalidInput
from certbody.core.numbering import validate_template
from certbody.schemes.models import SurveillanceMethod

from .models import ProductCategory, RuleVersion, Scheme, Standard


@admin.register(ProductCategory)
class ProductCategoryAdmin(AuditedAdmin):
    list_display = ["code", "name_zh", "name_en", "batch_year", "sort_order", "is_active"]
    list_editable = ["sort_order", "is_active"]
    list_filter = ["batch_year", "is_active"]
    search_fields = ["code", "name_zh", "name_en"]
    ordering = ["sort_order", "code"]


@admin.register(Standard)
class StandardAdmin(AuditedAdmin):
    list_display = ["code", "version", "title_zh", "title_en"]
    search_fields = ["code", "title_zh", "title_en"]
    ordering = ["code", "version"]


class RuleVersionInline(AdministratorMixin, admin.TabularInline):
    model = RuleVersion
    extra = 0
    fields = ["document_code", "version", "effective_from", "is_current", "standards"]
    autocomplete_fields = ["standards"]

    def has_delete_permission(self, request, obj=None):
        # Certificates record the rule version they were granted under: retire it (not current), never delete.
        return False


class SchemeForm(forms.ModelForm):
    surveillance_methods = forms.MultipleChoiceField(
        label=_("surveillance methods"),
        choices=SurveillanceMethod.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = Scheme
        fields = [
            "code",
            "name_zh",
            "name_en",
            "category",
            "is_active",
            "type_testing",
            "initial_inspection",
            "surveillance_methods",
            "validity_years",
            "surveillance_interval_months",
            "suspension_deadline_days",
            "max_suspension_days",
            "record_retention_years",
            "number_template",
            "number_code",
        ]

    def clean_number_template(self):
        template = self.cleaned_data["number_template"].strip()
        try:
            validate_template(template)
        except InvalidInput as error:
            raise forms.ValidationError(error.message, code="invalid_template")
        return template


@admin.register(Scheme)
class SchemeAdmin(AuditedAdmin):
    form = SchemeForm
    list_display = [
        "code",
        "name_zh",
        "category",
        "number_template",
        "validity_years",
        "surveillance_interval_months",
        "initial_inspection",
        "is_active",
    ]
    list_select_related = ["category"]
    list_filter = ["is_active", "initial_inspection", "category"]
    search_fields = ["code", "name_zh", "name_en"]
    inlines = [RuleVersionInline]
    fieldsets = [
        (None, {"fields": ["code", "name_zh", "name_en", "category", "is_active"]}),
        (_("Certification mode"), {"fields": ["type_testing", "initial_inspection", "surveillance_methods"]}),
        (
            _("Validity, surveillance and suspension"),
            {
                "fields": [
                    "validity_years",
                    "surveillance_interval_months",
                    "suspension_deadline_days",
                    "max_suspension_days",
                    "record_retention_years",
                ]
            },
        ),
        (_("Certificate numbers"), {"fields": ["number_template", "number_code"]}),
    ]
