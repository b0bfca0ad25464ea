"""Set-up helper: give a staff user the personnel records the assignment rules ask for.

Used by the demo, the scenarios of the tests and the data loading: a person record, CCAA registrations, authorisations
for the assignment roles the user's system roles imply, and signed declarations for every year of the period. Real
HR work goes through the services one record at a time; this is their shortcut for a whole cast.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone

from certbody.core.roles import Role

from . import services
from .models import AssignmentRole, Declaration, Department, Evaluation, Person, Registration

# System role -> (assignment roles authorised, registration needed (family, level) or None, department code).
PROFILE: dict[str, tuple[tuple[str, ...], tuple[str, str] | None, str]] = {
    Role.ENGINEER: ((), None, "cert1"),
    Role.INSPECTOR: (
        (AssignmentRole.TEAM_LEADER, AssignmentRole.INSPECTOR),
        (Registration.Family.PRODUCT, Registration.Level.FULL),
        "cert1",
    ),
    Role.REVIEWER: ((AssignmentRole.REVIEWER,), (Registration.Family.SERVICE, Registration.Level.SENIOR), "cert2"),
    Role.DECIDER: (
        (AssignmentRole.DECISION_MAKER, AssignmentRole.APPEAL_HANDLER),
        (Registration.Family.PRODUCT, Registration.Level.SENIOR),
        "cert2",
    ),
    Role.QUALITY: ((AssignmentRole.LAB_ASSESSOR,), None, "quality"),
    Role.MARKET: ((), None, "market"),
    Role.HR: ((), None, "admin"),
    Role.MANAGEMENT: ((), None, "admin"),
}


def qualify(
    user: Any, *, since: date, until: date, actor: Any = None, name: str = "", evaluated_on: date | None = None
) -> Person:
    """Make `user` assignable in every part its roles imply, from `since` to `until` (inclusive); with
    `evaluated_on`, a yearly competence evaluation on that day for whoever is authorised."""
    person = Person.objects.filter(user=user).first()
    roles = [r for r in PROFILE if user.has_role(r)]
    if person is None:
        department = Department.objects.filter(code=PROFILE[roles[0]][2]).first() if roles else None
        person = services.person_create(
            actor=actor,
            name=name or str(user),
            user=user,
            department=department,
            single_cb_declared_on=since,
            joined_on=since,
        )
    families: set[str] = set()
    for role in roles:
        assignment_roles, registration, _department = PROFILE[role]
        if (
            registration
            and registration[0] not in families
            and not person.registrations.filter(family=registration[0]).exists()
        ):
            families.add(registration[0])
            services.registration_add(
                actor=actor,
                person=person,
                family=registration[0],
                level=registration[1],
                number=f"CCAA-{user.pk}-{registration[0]}-{since:%Y%m%d}",
                valid_from=since,
                valid_until=until,
            )
        for assignment_role in assignment_roles:
            if person.authorisations.filter(role=assignment_role).exists():
                continue
            services.authorisation_grant(
                actor=actor,
                person=person,
                role=assignment_role,
                valid_from=since,
                valid_until=until,
                all_categories=True,
            )
    sign_declarations(person, since.year, until.year)
    if evaluated_on is not None and person.authorisations.exists():
        services.evaluation_record(
            actor=actor,
            person=person,
            kind=Evaluation.Kind.COMPETENCE,
            evaluated_on=evaluated_on,
            outcome=Evaluation.Outcome.COMPETENT,
            evidence="set-up",
        )
    return person


def sign_declarations(person: Person, first_year: int, last_year: int) -> None:
    """Declarations as signed on paper before the system (set-up only; people sign theirs in the system)."""
    have = set(Declaration.objects.filter(person=person).values_list("year", flat=True))
    Declaration.objects.bulk_create(
        Declaration(person=person, year=year, signed_at=timezone.now(), signed_by=person.user)
        for year in range(first_year, last_year + 1)
        if year not in have
    )
