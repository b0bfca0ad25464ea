"""People and impartiality in the admin: reference data (departments, courses) edited with an audit trail; the
records that carry rules (registrations, authorisations, declarations, conflicts, overrides) read-only here, since
they change through the services (pages and API) only."""

from __future__ import annotations

from django.contrib import admin

from certbody.core.admin import AuditedAdmin, ReadOnlyAdmin

from .models import (
    AssignmentOverride,
    Authorisation,
    CommitteeMeeting,
    CommitteeMember,
    Conflict,
    ConsultancyEngagement,
    Course,
    Declaration,
    Department,
    Person,
    Registration,
    Risk,
)


@admin.register(Department)
class DepartmentAdmin(AuditedAdmin):
    list_display = ["code", "name_zh", "name_en", "sort_order"]


@admin.register(Course)
class CourseAdmin(AuditedAdmin):
    list_display = ["title", "kind", "provider", "hours"]
    list_filter = ["kind"]
    search_fields = ["title"]


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin):
    list_display = ["name", "department", "employment", "user", "joined_on", "left_on"]
    list_filter = ["department", "employment"]
    search_fields = ["name"]


@admin.register(Registration)
class RegistrationAdmin(ReadOnlyAdmin):
    list_display = ["number", "person", "family", "level", "valid_from", "valid_until"]
    list_filter = ["family", "level"]
    search_fields = ["number", "person__name"]


@admin.register(Authorisation)
class AuthorisationAdmin(ReadOnlyAdmin):
    list_display = ["person", "role", "status", "valid_from", "valid_until"]
    list_filter = ["role", "status"]


@admin.register(Declaration)
class DeclarationAdmin(ReadOnlyAdmin):
    list_display = ["person", "year", "signed_at"]
    list_filter = ["year"]


@admin.register(Conflict)
class ConflictAdmin(ReadOnlyAdmin):
    list_display = ["person", "lab", "organisation", "kind", "started_on", "ended_on"]
    list_filter = ["kind"]
    raw_id_fields = ["organisation"]


@admin.register(ConsultancyEngagement)
class ConsultancyAdmin(ReadOnlyAdmin):
    list_display = ["organisation", "description", "started_on", "ended_on"]
    raw_id_fields = ["organisation"]


@admin.register(AssignmentOverride)
class OverrideAdmin(ReadOnlyAdmin):
    list_display = ["user", "lab", "role", "status", "requested_by", "decided_by", "requested_at"]
    list_filter = ["status", "role"]


@admin.register(CommitteeMember)
class CommitteeMemberAdmin(ReadOnlyAdmin):
    list_display = ["name", "group", "organisation_name", "joined_on", "left_on"]


@admin.register(CommitteeMeeting)
class CommitteeMeetingAdmin(ReadOnlyAdmin):
    list_display = ["held_on", "title"]


@admin.register(Risk)
class RiskAdmin(ReadOnlyAdmin):
    list_display = ["title", "threat", "likelihood", "impact", "status", "review_on"]
    list_filter = ["threat", "status"]
