"""Personnel and competence records: people, registrations, training, evaluations, authorisations."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from certbody.core.audit import audit_record
from certbody.core.dates import check_date_window
from certbody.core.errors import InvalidInput
from certbody.core.permissions import refuse_if
from certbody.core.workflow import lock

from .. import permissions as perms
from ..engine import AUTHORISED_BY
from ..models import (
    AUTHORISATION_FLOW,
    Authorisation,
    Course,
    Department,
    Evaluation,
    Person,
    Registration,
    Training,
)
from ._common import _period, _text


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
    refuse_if(perms.can_create_person(actor))
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
    refuse_if(perms.can_add_registration(actor, person))
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
    refuse_if(perms.can_record_training(actor, person))
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
    refuse_if(perms.can_record_evaluation(actor, person))
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
    refuse_if(perms.can_grant_authorisation(actor, person))
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
    authorisation = lock(Authorisation, authorisation.pk)
    refuse_if(perms.can_change_authorisation(actor, authorisation, step))
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
