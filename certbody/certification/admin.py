"""Evaluation, review, decision and surveillance records in the admin: read-only (services change them)."""

from __future__ import annotations

from django.contrib import admin

from certbody.core.admin import ReadOnlyAdmin, ReadOnlyTabularInline

from .models import (
    Decision,
    Finding,
    Inspection,
    InspectionMember,
    Involvement,
    Surveillance,
    TechnicalReview,
    TestOrder,
)


@admin.register(TestOrder)
class TestOrderAdmin(ReadOnlyAdmin):
    list_display = ["number", "purpose", "status", "lab", "application", "surveillance", "ordered_on", "result"]
    list_select_related = ["lab", "application", "surveillance__certificate"]
    list_filter = ["status", "purpose", "result", "lab"]
    search_fields = ["=number", "=report_number", "=application__number"]


class MemberInline(ReadOnlyTabularInline):
    model = InspectionMember
    show_change_link = False


class FindingInline(ReadOnlyTabularInline):
    model = Finding
    fields = ["severity", "clause", "description", "status"]


@admin.register(Inspection)
class InspectionAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "kind", "status", "application", "surveillance", "planned_on", "conclusion"]
    list_select_related = ["application", "surveillance__certificate"]
    list_filter = ["kind", "status", "conclusion"]
    search_fields = ["=application__number", "=surveillance__certificate__number"]
    inlines = [MemberInline, FindingInline]


@admin.register(Finding)
class FindingAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "severity", "status", "inspection", "created_at"]
    list_select_related = ["inspection"]
    list_filter = ["severity", "status"]


@admin.register(TechnicalReview)
class TechnicalReviewAdmin(ReadOnlyAdmin):
    list_display = ["application", "reviewer", "recommendation", "completed_at"]
    list_select_related = ["application", "reviewer"]
    list_filter = ["recommendation"]
    search_fields = ["=application__number"]


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ["application", "decider", "outcome", "decided_at"]
    list_select_related = ["application", "decider"]
    list_filter = ["outcome"]
    search_fields = ["=application__number"]


@admin.register(Surveillance)
class SurveillanceAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "status", "due_on", "engineer", "outcome", "completed_at"]
    list_select_related = ["certificate", "engineer"]
    list_filter = ["status", "outcome"]
    search_fields = ["=certificate__number"]


@admin.register(Involvement)
class InvolvementAdmin(ReadOnlyAdmin):
    list_display = ["user", "part", "application", "surveillance", "created_at"]
    list_select_related = ["user", "application", "surveillance__certificate"]
    list_filter = ["part"]
    search_fields = ["user__username", "=application__number"]
