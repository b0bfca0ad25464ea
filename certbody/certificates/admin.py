"""Certificates in the admin: read-only. Issue, suspend, restore and end them through the services."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from certbody.core.admin import ReadOnlyAdmin, ReadOnlyTabularInline

from .models import Certificate, CertificateVersion, NonconformityCase


class VersionInline(ReadOnlyTabularInline):
    model = CertificateVersion
    fields = ["version_no", "reason", "decided_on", "issued_on", "valid_until", "scheme_code", "rule_version"]


class NonconformityInline(ReadOnlyTabularInline):
    model = NonconformityCase
    fields = ["source", "confirmed_on", "suspend_by", "status"]


class ExactNumberSearch:
    """A certificate number is looked up by equality, so the unique index answers it at a million rows
    (Django's case-insensitive "=" lookup would scan the table)."""

    certificate_field = ""  # the foreign key to the certificate; empty on the certificate itself

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if term and term.isascii() and not any(ch.isspace() for ch in term):
            numbers = {term, term.upper()}
            if not self.certificate_field:
                return queryset.filter(number__in=numbers), False
            ids = list(Certificate.objects.filter(number__in=numbers).values_list("pk", flat=True))
            return queryset.filter(**{f"{self.certificate_field}__in": ids}), False
        return super().get_search_results(request, queryset, search_term)


@admin.register(Certificate)
class CertificateAdmin(ExactNumberSearch, ReadOnlyAdmin):
    list_display = ["number", "status", "holder_name", "product_name", "category", "issued_on", "expires_on"]
    list_select_related = ["category"]
    list_filter = ["status", "category"]
    search_fields = ["^holder_name"]
    search_help_text = _("Certificate number (exact) or the beginning of the holder's name.")
    inlines = [VersionInline, NonconformityInline]


@admin.register(CertificateVersion)
class CertificateVersionAdmin(ExactNumberSearch, ReadOnlyAdmin):
    certificate_field = "certificate"
    list_display = ["certificate", "version_no", "reason", "issued_on", "valid_until", "holder_name"]
    list_select_related = ["certificate"]
    list_filter = ["reason"]
    search_fields = ["^holder_name"]
    # The model orders by certificate, i.e. by the certificate's own ordering: a join and a sort of every row.
    ordering = ["-id"]


@admin.register(NonconformityCase)
class NonconformityCaseAdmin(ExactNumberSearch, ReadOnlyAdmin):
    certificate_field = "certificate"
    list_display = ["certificate", "source", "confirmed_on", "suspend_by", "status"]
    list_select_related = ["certificate"]
    list_filter = ["status", "source"]
    search_fields = ["description"]
