"""People and impartiality: every write goes through here (permission, validation, change and audit together)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from certbody.core.audit import audit_record
from certbody.core.dates import check_date_window
from certbody.core.errors import DomainError, InvalidInput, NotAllowed
from certbody.core.permissions import has_role, require
from certbody.core.roles import Role
from certbody.core.workflow import lock, record_creation

from . import engine
from .engine import AUTHORISED_BY, Refusal, case_context
from .models import (
    AUTHORISATION_FLOW,
    OVERRIDE_FLOW,
    AssignmentOverride,
    AssignmentRole,
    Authorisation,
    CommitteeDecision,
    CommitteeMeeting,
    CommitteeMember,
    Conflict,
    ConsultancyEngagement,
    Course,
    Declaration,
    Department,
    Evaluation,
    Person,
    Registration,
    Risk,
    RiskCheck,
    Training,
)

MANAGERS = (Role.HR, Role.QUALITY)
READERS = (Role.HR, Role.QUALITY, Role.MANAGEMENT)
OVERRIDE_APPROVERS = (Role.QUALITY, Role.MANAGEMENT)
OVERRIDE_REQUESTERS = (Role.ENGINEER, Role.MARKET, Role.QUALITY, Role.MANAGEMENT)

# A conflict's kind -> the threat it poses in the risk register.
THREAT_OF_CONFLICT = {
    Conflict.Kind.EMPLOYMENT: Risk.Threat.FAMILIARITY,
    Conflict.Kind.CONSULTANCY: Risk.Threat.CONSULTANCY,
    Conflict.Kind.RELATIVE: Risk.Threat.FAMILIARITY,
    Conflict.Kind.SHAREHOLDING: Risk.Threat.FINANCIAL,
    Conflict.Kind.OTHER: Risk.Threat.SELF_INTEREST,
}


def can_manage(user: Any) -> bool:
    return has_role(user, *MANAGERS)


def can_read(user: Any) -> bool:
    return has_role(user, *READERS)


def _require_manager(actor: Any) -> None:
    # actor None: system set-up (data loading, scenarios), as elsewhere in the project.
    if actor is not None:
        require(can_manage(actor), _("Only HR and quality staff may change personnel and impartiality records."))


def _text(value: Any, field: str, label: Any, *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput(_("Enter the %(what)s.") % {"what": label}, details={"field": field})
    return value


def _period(valid_from: date | None, valid_until: date | None) -> None:
    if valid_from is None or valid_until is None:
        raise InvalidInput(_("Enter the period (from and until)."), details={"field": "valid_from"})
    check_date_window(valid_from, field="valid_from", label=_("Valid from"), kind="planned")
    check_date_window(valid_until, field="valid_until", label=_("Valid until"), kind="planned")
    if valid_until < valid_from:
        raise InvalidInput(_("The period ends before it starts."), details={"field": "valid_until"})


# --- people and competence ------------------------------------------------------------------------------------------


@transaction.atomic
def person_create(
    *,
    actor: Any,
    name: str,
    user: Any = None,
    department: Department | None = None,
    employment: str = Person.Employment.FULL_TIME,
    single_cb_declared_on: date | None = None,
    joined_on: date | None = None,
) -> Person:
    _require_manager(actor)
    name = _text(name, "name", _("name"))
    check_date_window(joined_on, field="joined_on", label=_("Joined on"))
    check_date_window(
        single_cb_declared_on,
        field="single_cb_declared_on",
        label=_("Declared practising at this certification body only, on"),
    )
    if employment not in Person.Employment.values:
        raise InvalidInput(_("Choose the employment type."), details={"field": "employment"})
    if user is not None and Person.objects.filter(user=user).exists():
        raise InvalidInput(_("%(user)s already has a personnel record.") % {"user": user}, details={"field": "user"})
    person = Person.objects.create(
        name=name,
        user=user,
        department=department,
        employment=employment,
        single_cb_declared_on=single_cb_declared_on,
        joined_on=joined_on,
    )
    audit_record(
        actor=actor,
        action="person.create",
        obj=person,
        after={
            "name": name,
            "user": getattr(user, "username", None),
            "department": getattr(department, "code", None),
            "employment": employment,
        },
    )
    return person


@transaction.atomic
def registration_add(
    *,
    actor: Any,
    person: Person,
    family: str,
    level: str,
    number: str,
    valid_from: date,
    valid_until: date,
    specialties: Iterable[Any] = (),
    renewal_evidence: str = "",
    inspections_in_period: int = 0,
) -> Registration:
    _require_manager(actor)
    if family not in Registration.Family.values:
        raise InvalidInput(_("Choose the scheme family."), details={"field": "family"})
    if level not in Registration.Level.values:
        raise InvalidInput(_("Choose the level."), details={"field": "level"})
    number = _text(number, "number", _("registration number"))
    if Registration.objects.filter(number=number).exists():
        raise InvalidInput(_("Registration %(number)s is already recorded.") % {"number": number})
    _period(valid_from, valid_until)
    registration = Registration.objects.create(
        person=person,
        family=family,
        level=level,
        number=number,
        valid_from=valid_from,
        valid_until=valid_until,
        renewal_evidence=(renewal_evidence or "").strip(),
        inspections_in_period=inspections_in_period or 0,
    )
    specialties = list(specialties)
    if specialties:
        registration.specialties.set(specialties)
    audit_record(
        actor=actor,
        action="registration.add",
        obj=registration,
        after={
            "person": person.name,
            "family": family,
            "level": level,
            "number": number,
            "valid_from": valid_from,
            "valid_until": valid_until,
            "specialties": [c.code for c in specialties],
        },
        subject=person,
    )
    return registration


@transaction.atomic
def training_record(
    *,
    actor: Any,
    person: Person,
    course: Course,
    attended_on: date,
    hours: Any = None,
    attended: bool = True,
    exam: str = Training.Exam.NONE,
    score: int | None = None,
) -> Training:
    _require_manager(actor)
    if attended_on is None:
        raise InvalidInput(_("Enter the date."), details={"field": "attended_on"})
    check_date_window(attended_on, field="attended_on", label=_("Date"))
    if exam not in Training.Exam.values:
        raise InvalidInput(_("Choose the exam result."), details={"field": "exam"})
    training = Training.objects.create(
        person=person,
        course=course,
        attended_on=attended_on,
        hours=course.hours if hours is None else hours,
        attended=attended,
        exam=exam,
        score=score,
    )
    audit_record(
        actor=actor,
        action="training.record",
        obj=training,
        after={"course": course.title, "attended_on": attended_on, "hours": str(training.hours), "exam": exam},
        subject=person,
    )
    return training


@transaction.atomic
def evaluation_record(
    *,
    actor: Any,
    person: Person,
    kind: str,
    evaluated_on: date,
    outcome: str,
    evidence: str = "",
    inspection: Any = None,
) -> Evaluation:
    _require_manager(actor)
    if kind not in Evaluation.Kind.values:
        raise InvalidInput(_("Choose the kind of evaluation."), details={"field": "kind"})
    if outcome not in Evaluation.Outcome.values:
        raise InvalidInput(_("Choose the outcome."), details={"field": "outcome"})
    if evaluated_on is None:
        raise InvalidInput(_("Enter the date."), details={"field": "evaluated_on"})
    check_date_window(evaluated_on, field="evaluated_on", label=_("Date"))
    evaluation = Evaluation.objects.create(
        person=person,
        kind=kind,
        evaluated_on=evaluated_on,
        outcome=outcome,
        evidence=(evidence or "").strip(),
        evaluator=actor,
        inspection=inspection,
    )
    audit_record(
        actor=actor,
        action="evaluation.record",
        obj=evaluation,
        after={"kind": kind, "evaluated_on": evaluated_on, "outcome": outcome},
        subject=person,
    )
    return evaluation


@transaction.atomic
def authorisation_grant(
    *,
    actor: Any,
    person: Person,
    role: str,
    valid_from: date,
    valid_until: date,
    all_categories: bool = False,
    categories: Iterable[Any] = (),
    schemes: Iterable[Any] = (),
) -> Authorisation:
    _require_manager(actor)
    if role not in AUTHORISED_BY:  # the roles of 岗位授权; engineers and labs need none
        raise InvalidInput(_("Choose the role."), details={"field": "role"})
    _period(valid_from, valid_until)
    categories, schemes = list(categories), list(schemes)
    if not all_categories and not categories and not schemes:
        raise InvalidInput(_("Give the scope: categories, schemes or all."), details={"field": "categories"})
    authorisation = Authorisation.objects.create(
        person=person,
        role=role,
        valid_from=valid_from,
        valid_until=valid_until,
        all_categories=all_categories,
        granted_by=actor,
    )
    authorisation.categories.set(categories)
    authorisation.schemes.set(schemes)
    # Born active; no status-change row (the history lists the changes after the grant).
    audit_record(
        actor=actor,
        action="authorisation.grant",
        obj=authorisation,
        after={
            "status": authorisation.status,
            "role": role,
            "valid_from": valid_from,
            "valid_until": valid_until,
            "all_categories": all_categories,
            "categories": [c.code for c in categories],
            "schemes": [s.code for s in schemes],
        },
        subject=person,
    )
    return authorisation


@transaction.atomic
def authorisation_change(*, actor: Any, authorisation: Authorisation, step: str, reason: str) -> Authorisation:
    """Suspend, reinstate or revoke (e.g. after an impartiality breach) with a reason; the history is kept."""
    _require_manager(actor)
    authorisation = lock(Authorisation, authorisation.pk)
    if step not in AUTHORISATION_FLOW.transitions:
        raise InvalidInput(_("Unknown step."))
    reason = _text(reason, "reason", _("reason"))
    authorisation.status_reason = reason
    return AUTHORISATION_FLOW.apply(
        authorisation,
        step,
        actor=actor,
        reason=reason,
        update_fields=["status_reason"],
        subject=authorisation.person,
    )


@transaction.atomic
def declaration_sign(*, actor: Any, year: int | None = None, interests: str = "") -> Declaration:
    """The person signs his own yearly impartiality and confidentiality declaration (nobody signs for another)."""
    person = Person.objects.filter(user_id=getattr(actor, "pk", None)).first()
    if person is None:
        raise NotAllowed(_("Only people with a personnel record sign declarations."))
    year = year or timezone.localdate().year
    if year not in (timezone.localdate().year, timezone.localdate().year + 1):
        raise InvalidInput(_("Declarations are signed for this year or the next."), details={"field": "year"})
    if Declaration.objects.filter(person=person, year=year).exists():
        raise InvalidInput(_("The declaration for %(year)s is already signed.") % {"year": year})
    declaration = Declaration.objects.create(
        person=person,
        year=year,
        interests=(interests or "").strip(),
        signed_at=timezone.now(),
        signed_by=actor,
    )
    audit_record(
        actor=actor,
        action="declaration.sign",
        obj=declaration,
        after={"year": year, "impartiality": True, "confidentiality": True, "interests": declaration.interests},
        subject=person,
    )
    return declaration


# --- conflicts, consultancy and the risk register --------------------------------------------------------------------


def _risk_for(*, actor: Any, title: str, threat: str, **links: Any) -> Risk:
    risk = Risk.objects.create(title=title[:300], threat=threat, likelihood=3, impact=3, owner=None, **links)
    record_creation(
        risk,
        actor=actor,
        transition="create",
        after={"title": risk.title, "threat": threat, "score": risk.score, "source": sorted(links)},
    )
    return risk


@transaction.atomic
def conflict_record(
    *,
    actor: Any,
    organisation: Any,
    kind: str,
    started_on: date,
    ended_on: date | None = None,
    person: Person | None = None,
    lab: Any = None,
    description: str = "",
    engagement: ConsultancyEngagement | None = None,
) -> Conflict:
    _require_manager(actor)
    if (person is None) == (lab is None):
        raise InvalidInput(_("Name the person or the laboratory."), details={"field": "person"})
    if kind not in Conflict.Kind.values:
        raise InvalidInput(_("Choose the kind of interest."), details={"field": "kind"})
    if started_on is None:
        raise InvalidInput(_("Enter when the interest started."), details={"field": "started_on"})
    check_date_window(started_on, field="started_on", label=_("From"))
    check_date_window(ended_on, field="ended_on", label=_("Until"), kind="planned")
    if ended_on is not None and ended_on < started_on:
        raise InvalidInput(_("The period ends before it starts."), details={"field": "ended_on"})
    conflict = Conflict.objects.create(
        person=person,
        lab=lab,
        organisation=organisation,
        kind=kind,
        description=(description or "").strip(),
        started_on=started_on,
        ended_on=ended_on,
        engagement=engagement,
        recorded_by=actor,
    )
    audit_record(
        actor=actor,
        action="conflict.record",
        obj=conflict,
        after={
            "person": getattr(person, "name", None),
            "lab": getattr(lab, "name", None),
            "organisation": str(organisation),
            "kind": kind,
            "started_on": started_on,
            "ended_on": ended_on,
        },
    )
    # The risk register is fed by every recorded conflict (风险信息源库).
    _risk_for(
        actor=actor,
        title=_("%(who)s: %(kind)s (%(client)s)")
        % {"who": person or lab, "kind": conflict.get_kind_display(), "client": organisation},
        threat=THREAT_OF_CONFLICT[kind],
        conflict=conflict,
    )
    return conflict


@transaction.atomic
def consultancy_record(
    *,
    actor: Any,
    organisation: Any,
    description: str,
    started_on: date,
    consultants: Iterable[Person],
    ended_on: date | None = None,
) -> ConsultancyEngagement:
    """Record a consultancy engagement sold to a client; each consultant gets a conflict, the register a risk."""
    _require_manager(actor)
    description = _text(description, "description", _("description"))
    consultants = list(consultants)
    if not consultants:
        raise InvalidInput(_("Name the consultants."), details={"field": "consultants"})
    if started_on is None:
        raise InvalidInput(_("Enter when the engagement started."), details={"field": "started_on"})
    check_date_window(started_on, field="started_on", label=_("Started on"))
    check_date_window(ended_on, field="ended_on", label=_("Ended on"), kind="planned")
    if ended_on is not None and ended_on < started_on:
        raise InvalidInput(_("The period ends before it starts."), details={"field": "ended_on"})
    engagement = ConsultancyEngagement.objects.create(
        organisation=organisation, description=description, started_on=started_on, ended_on=ended_on, recorded_by=actor
    )
    engagement.consultants.set(consultants)
    audit_record(
        actor=actor,
        action="consultancy.record",
        obj=engagement,
        after={
            "organisation": str(organisation),
            "description": description,
            "started_on": started_on,
            "ended_on": ended_on,
            "consultants": [p.name for p in consultants],
        },
    )
    _risk_for(
        actor=actor,
        title=_("Consultancy for %(client)s: %(what)s") % {"client": organisation, "what": description},
        threat=Risk.Threat.CONSULTANCY,
        engagement=engagement,
    )
    for person in consultants:
        conflict = Conflict.objects.create(
            person=person,
            organisation=organisation,
            kind=Conflict.Kind.CONSULTANCY,
            description=description,
            started_on=started_on,
            ended_on=ended_on,
            engagement=engagement,
            recorded_by=actor,
        )
        audit_record(
            actor=actor,
            action="conflict.record",
            obj=conflict,
            after={"person": person.name, "organisation": str(organisation), "kind": conflict.kind},
        )
    return engagement


@transaction.atomic
def risk_create(
    *,
    actor: Any,
    title: str,
    threat: str,
    likelihood: int,
    impact: int,
    controls: str = "",
    owner: Any = None,
    review_on: date | None = None,
) -> Risk:
    _require_manager(actor)
    title = _text(title, "title", _("risk"))
    if threat not in Risk.Threat.values:
        raise InvalidInput(_("Choose the threat."), details={"field": "threat"})
    for field, value in (("likelihood", likelihood), ("impact", impact)):
        if not isinstance(value, int) or not 1 <= value <= 5:
            raise InvalidInput(_("Likelihood and impact are scored 1 to 5."), details={"field": field})
    check_date_window(review_on, field="review_on", label=_("Review date"), kind="planned")
    risk = Risk.objects.create(
        title=title,
        threat=threat,
        likelihood=likelihood,
        impact=impact,
        controls=(controls or "").strip(),
        owner=owner,
        review_on=review_on,
    )
    record_creation(risk, actor=actor, transition="create", after={"title": title, "score": risk.score})
    return risk


@transaction.atomic
def risk_check_record(*, actor: Any, risk: Risk, checked_on: date, effective: bool, notes: str = "") -> RiskCheck:
    _require_manager(actor)
    if checked_on is None:
        raise InvalidInput(_("Enter the date."), details={"field": "checked_on"})
    check_date_window(checked_on, field="checked_on", label=_("Checked on"))
    check = RiskCheck.objects.create(
        risk=risk, checked_on=checked_on, effective=effective, notes=(notes or "").strip(), checked_by=actor
    )
    audit_record(
        actor=actor,
        action="risk.check",
        obj=check,
        after={"checked_on": checked_on, "effective": effective},
        subject=risk,
    )
    return check


@transaction.atomic
def committee_member_add(
    *, actor: Any, name: str, group: str, joined_on: date, organisation_name: str = ""
) -> CommitteeMember:
    _require_manager(actor)
    if group not in CommitteeMember.Group.values:
        raise InvalidInput(_("Choose the stakeholder group."), details={"field": "group"})
    check_date_window(joined_on, field="joined_on", label=_("Joined on"))
    member = CommitteeMember.objects.create(
        name=_text(name, "name", _("name")),
        group=group,
        joined_on=joined_on,
        organisation_name=(organisation_name or "").strip(),
    )
    audit_record(actor=actor, action="committee.member_add", obj=member, after={"name": member.name, "group": group})
    return member


@transaction.atomic
def committee_meeting_record(
    *,
    actor: Any,
    held_on: date,
    title: str,
    minutes: str = "",
    attendees: Iterable[CommitteeMember] = (),
    decisions: Iterable[dict[str, Any]] = (),
) -> CommitteeMeeting:
    _require_manager(actor)
    if held_on is None:
        raise InvalidInput(_("Enter the date."), details={"field": "held_on"})
    check_date_window(held_on, field="held_on", label=_("Held on"))
    decisions = list(decisions)
    for item in decisions:
        check_date_window(item.get("due_on"), field="due_on", label=_("Due on"), kind="planned")
    meeting = CommitteeMeeting.objects.create(
        held_on=held_on, title=_text(title, "title", _("title")), minutes=(minutes or "").strip()
    )
    meeting.attendees.set(list(attendees))
    for item in decisions:
        CommitteeDecision.objects.create(meeting=meeting, **item)
    audit_record(
        actor=actor,
        action="committee.meeting",
        obj=meeting,
        after={"held_on": held_on, "title": meeting.title, "decisions": meeting.decisions.count()},
    )
    return meeting


# --- overrides ---------------------------------------------------------------------------------------------


def _case_fields(case: Any) -> dict[str, Any]:
    application, surveillance, _scheme, _organisation = case_context(case)
    return {"application": application, "surveillance": surveillance}


@transaction.atomic
def override_request(*, actor: Any, subject: Any, role: str, case: Any, reason: str) -> AssignmentOverride:
    """Ask that a refused assignment be let through. Only rules the policy lets be overridden may be."""
    require(
        has_role(actor, *OVERRIDE_REQUESTERS),
        _("Only engineers, market, quality or management staff may ask for an override."),
    )
    if role not in AssignmentRole.values:
        raise InvalidInput(_("Choose the role."), details={"field": "role"})
    reason = _text(reason, "reason", _("reason"))
    refusals = engine.check(subject, role, case=case)
    if not refusals:
        raise InvalidInput(_("The assignment is allowed; no override is needed."), code="override_not_needed")
    fixed = [r for r in refusals if not r.overridable]
    if fixed:
        raise DomainError(
            _("These rules cannot be overridden: %(rules)s") % {"rules": " ".join(r.message for r in fixed)},
            code="override_not_allowed",
            details={"rules": [r.as_dict() for r in fixed]},
        )
    override = AssignmentOverride.objects.create(
        role=role,
        user=None if role == AssignmentRole.LAB else subject,
        lab=subject if role == AssignmentRole.LAB else None,
        rules=sorted({r.rule for r in refusals}),
        reason=reason,
        requested_by=actor,
        requested_at=timezone.now(),
        **_case_fields(case),
    )
    record_creation(
        override,
        actor=actor,
        transition="override_request",
        after={"role": role, "person": str(subject), "rules": override.rules},
        reason=reason,
        subject=case,
    )
    return override


@transaction.atomic
def override_decide(*, actor: Any, override: AssignmentOverride, approve: bool, reason: str) -> AssignmentOverride:
    """A second person (quality or management, not the requester nor the person assigned) approves or rejects."""
    override = lock(AssignmentOverride, override.pk)
    require(has_role(actor, *OVERRIDE_APPROVERS), _("Only quality or management staff may decide an override."))
    if actor.pk in (override.requested_by_id, override.user_id):
        raise NotAllowed(_("An override needs a second person: not the one who asked for it, nor the one assigned."))
    if override.status != AssignmentOverride.Status.REQUESTED:
        raise InvalidInput(_("This override has already been decided."), code="illegal_transition")
    reason = _text(reason, "reason", _("reason"))
    override.decided_by = actor
    override.decided_at = timezone.now()
    override.decision_reason = reason
    return OVERRIDE_FLOW.apply(
        override,
        "override_approve" if approve else "override_reject",
        actor=actor,
        after={"rules": override.rules, "requested_by": override.requested_by.username},
        reason=reason,
        update_fields=["decided_by", "decided_at", "decision_reason"],
        subject=override.application or override.surveillance,
    )


def override_use(*, override: AssignmentOverride, actor: Any, refusals: list[Any]) -> None:
    """The assignment an override was approved for happens: once. Runs in the assigning transaction."""
    override = lock(AssignmentOverride, override.pk)
    override.used_at = timezone.now()
    OVERRIDE_FLOW.apply(
        override,
        "override_used",
        actor=actor,
        after={
            "rules": sorted({r.rule for r in refusals}),
            "approved_by": override.decided_by.username if override.decided_by else None,
        },
        reason=override.reason,
        update_fields=["used_at"],
        subject=override.application or override.surveillance,
    )


# --- assigning: the engine checks, an approved override lets a refused assignment through once -------------


def _approved_override(subject, role: str, case, refusals: list[Refusal]) -> AssignmentOverride | None:
    application, surveillance, _scheme, _organisation = case_context(case)
    if not all(r.overridable for r in refusals):
        return None
    qs = AssignmentOverride.objects.select_for_update().filter(
        role=role, status=AssignmentOverride.Status.APPROVED, application=application, surveillance=surveillance
    )
    qs = qs.filter(lab=subject) if role == AssignmentRole.LAB else qs.filter(user=subject)
    wanted = {r.rule for r in refusals}
    for override in qs.order_by("decided_at"):
        if wanted <= set(override.rules):
            return override
    return None


def ensure_assignable(subject: Any, role: str, *, case: Any = None, actor: Any = None, **kwargs: Any) -> None:
    """Raise AssignmentRefused naming every failed rule, unless an approved override covers exactly those."""
    ensure_all([(subject, role)], case=case, actor=actor, **kwargs)


def ensure_all(assignments: list[tuple[Any, str]], *, case: Any = None, actor: Any = None, **kwargs: Any) -> None:
    """Check a whole team at once: one refusal lists every person and every rule. Runs in the assigning
    transaction; the overrides it relies on are marked used there."""
    failures: list[tuple[Any, str, list[Refusal]]] = []
    to_use: list[tuple[AssignmentOverride, list[Refusal]]] = []
    for subject, role in assignments:
        refusals = engine.check(subject, role, case=case, **kwargs)
        if not refusals:
            continue
        override = _approved_override(subject, role, case, refusals)
        if override is not None:
            to_use.append((override, refusals))
        else:
            failures.append((subject, role, refusals))
    if failures:
        raise engine.refused_all(failures)
    for override, refusals in to_use:
        override_use(override=override, actor=actor, refusals=refusals)
