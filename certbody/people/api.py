"""REST endpoints of people and impartiality: records (HR, quality, management), assignment checks, suggestions and
overrides (the assigning roles), and one's own declaration."""

from __future__ import annotations

from datetime import date, datetime

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from certbody.api.common import Day, Id, Page, PageIn, Text, choice, invalid_field, paginate, referenced, visible
from certbody.api.errors import ERRORS
from certbody.core.permissions import has_role, refuse_if, require
from certbody.core.roles import Role
from certbody.labs.models import Lab

from . import engine, selectors, services
from . import permissions as perms
from .models import AssignmentRole

router = Router(tags=["people"])

ASSIGNERS = (Role.ENGINEER, Role.MARKET, Role.QUALITY, Role.MANAGEMENT)


def _readers(user) -> None:
    require(perms.can_read(user), _("Only HR, quality and management staff see personnel records."))


# --- schemas ---------------------------------------------------------------------------------------------------------


class PersonOut(Schema):
    id: int
    name: str
    department: str | None
    employment: str
    username: str | None
    joined_on: date | None
    left_on: date | None

    @staticmethod
    def resolve_department(obj) -> str | None:
        return obj.department.code if obj.department_id else None

    @staticmethod
    def resolve_username(obj) -> str | None:
        return obj.user.username if obj.user_id else None


class RegistrationOut(Schema):
    number: str
    family: str
    level: str
    valid_from: date
    valid_until: date
    specialties: list[str]

    @staticmethod
    def resolve_specialties(obj) -> list[str]:
        return [c.code for c in obj.specialties.all()]


class AuthorisationOut(Schema):
    id: int
    role: str
    status: str
    status_reason: str
    valid_from: date
    valid_until: date
    all_categories: bool
    categories: list[str]

    @staticmethod
    def resolve_categories(obj) -> list[str]:
        return [c.code for c in obj.categories.all()]


class DeclarationOut(Schema):
    year: int
    signed_at: datetime
    interests: str


class PersonDetailOut(PersonOut):
    registrations: list[RegistrationOut]
    authorisations: list[AuthorisationOut]
    declarations: list[DeclarationOut]

    @staticmethod
    def resolve_registrations(obj):
        return list(obj.registrations.all())

    @staticmethod
    def resolve_authorisations(obj):
        return list(obj.authorisations.all())

    @staticmethod
    def resolve_declarations(obj):
        return list(obj.declarations.all())


class AlertOut(Schema):
    kind: str
    person_id: int
    person: str
    text: str
    due: date | None


class QualificationOut(Schema):
    family: str
    level: str
    people: int
    registrations: int


class HeadcountOut(Schema):
    on: date
    staff: int
    people: int
    registrations: int
    full_time_certifying: int
    rows: list[QualificationOut]


class CaseQuery(Schema):
    role: choice(AssignmentRole) | None = Field(None, description="The part: required.")
    application_id: Id | None = Field(None, description="The case: an application, or")
    surveillance_id: Id | None = Field(None, description="a surveillance.")


class CheckQuery(CaseQuery):
    username: Text(150) | None = Field(None, description="The person (any role but lab), or")
    lab_id: Id | None = Field(None, description="the laboratory (role lab).")


class RefusalOut(Schema):
    rule: str
    message: str
    overridable: bool


class CheckOut(Schema):
    assignable: bool
    refusals: list[RefusalOut]


class SuggestionOut(Schema):
    username: str
    name: str
    competence: int
    workload: int
    days_since_client: int | None
    reasons: list[str]


class OverrideIn(CheckQuery):
    reason: Text(5000, 1)


class OverrideDecideIn(Schema):
    approve: bool
    reason: Text(5000, 1)


class OverrideOut(Schema):
    id: int
    role: str
    status: str
    rules: list[str]
    reason: str
    requested_by: str
    decided_by: str | None
    decision_reason: str

    @staticmethod
    def resolve_requested_by(obj) -> str:
        return obj.requested_by.username

    @staticmethod
    def resolve_decided_by(obj) -> str | None:
        return obj.decided_by.username if obj.decided_by_id else None


class DeclarationIn(Schema):
    year: int | None = Field(None, ge=2000, le=2199, description="This year (default) or the next.")
    interests: Text(5000) = ""


# --- helpers ---------------------------------------------------------------------------------------------------------


def _case(user, query: CaseQuery):
    from certbody.certification.api.lookups import case_visible

    if query.role is None:
        invalid_field("role", _("Choose the role."))
    return case_visible(user, query)


def _subject(user, query: CheckQuery):
    if query.role == AssignmentRole.LAB:
        if query.lab_id is None:
            invalid_field("lab_id", _("Name the laboratory."))
        return referenced(Lab.objects.all(), "lab_id", _("laboratory"), pk=query.lab_id)
    if not query.username:
        invalid_field("username", _("Name the person."))
    return referenced(get_user_model().objects.filter(is_active=True), "username", _("user"), username=query.username)


# --- records ---------------------------------------------------------------------------------------------------------


@router.get("/people", response={200: Page[PersonOut], **ERRORS}, summary="List personnel records")
def person_list(request, page: Query[PageIn]):
    _readers(request.auth)
    return paginate(perms.people_for(request.auth).select_related("department", "user").order_by("name", "id"), page)


@router.get("/people/alerts", response={200: list[AlertOut], **ERRORS}, summary="Expiring registrations, ...")
def alert_list(request):
    _readers(request.auth)
    return [
        {"kind": a.kind, "person_id": a.person.pk, "person": a.person.name, "text": a.text, "due": a.due}
        for a in selectors.alerts()
    ]


@router.get("/people/headcount", response={200: HeadcountOut, **ERRORS}, summary="Headcount by qualification")
def headcount(request, on: Day | None = None):
    _readers(request.auth)
    return selectors.headcount_by_qualification(on or timezone.localdate())


@router.post("/people/declarations", response={200: DeclarationOut, **ERRORS}, summary="Sign my yearly declaration")
def declaration_sign(request, payload: DeclarationIn):
    return services.declaration_sign(actor=request.auth, year=payload.year, interests=payload.interests)


@router.get("/people/{person_id}", response={200: PersonDetailOut, **ERRORS}, summary="Get a personnel record")
def person_get(request, person_id: int):
    _readers(request.auth)
    qs = (
        perms.people_for(request.auth)
        .select_related("department", "user")
        .prefetch_related("registrations__specialties", "authorisations__categories", "declarations")
    )
    return visible(qs, _("person"), pk=person_id)


# --- assignment ------------------------------------------------------------------------------------------------------


@router.get(
    "/assignments/check", response={200: CheckOut, **ERRORS}, summary="Which assignment rules a person or lab breaks"
)
def assignment_check(request, query: Query[CheckQuery]):
    require(has_role(request.auth, *ASSIGNERS), _("Only the staff who assign people may check assignments."))
    case = _case(request.auth, query)
    refusals = engine.check(_subject(request.auth, query), query.role, case=case)
    return {"assignable": not refusals, "refusals": [r.as_dict() for r in refusals]}


@router.get(
    "/assignments/suggestions",
    response={200: list[SuggestionOut], **ERRORS},
    summary="Eligible people for a part in a case, best first",
)
def assignment_suggestions(request, query: Query[CaseQuery]):
    require(has_role(request.auth, *ASSIGNERS), _("Only the staff who assign people see suggestions."))
    case = _case(request.auth, query)
    return [
        {
            "username": s.user.username,
            "name": s.person.name,
            "competence": s.competence,
            "workload": s.workload,
            "days_since_client": s.days_since_client,
            "reasons": s.reasons,
        }
        for s in selectors.suggest(query.role, case=case)
    ]


@router.post("/assignments/overrides", response={200: OverrideOut, **ERRORS}, summary="Ask for an override")
def override_request(request, payload: OverrideIn):
    refuse_if(perms.can_request_override(request.auth))  # before the case and subject are looked up
    case = _case(request.auth, payload)
    subject = _subject(request.auth, payload)
    return services.override_request(
        actor=request.auth, subject=subject, role=payload.role, case=case, reason=payload.reason
    )


@router.post(
    "/assignments/overrides/{override_id}/decide",
    response={200: OverrideOut, **ERRORS},
    summary="Approve or reject an override (a second person: quality or management)",
)
def override_decide(request, override_id: int, payload: OverrideDecideIn):
    override = visible(perms.overrides_for(request.auth), _("override"), pk=override_id)
    return services.override_decide(
        actor=request.auth, override=override, approve=payload.approve, reason=payload.reason
    )
