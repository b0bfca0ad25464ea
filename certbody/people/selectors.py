"""Reads: assignment suggestions, headcounts by qualification, alerts."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from certbody.core.config import get_setting

from . import engine
from .models import Authorisation, Evaluation, Person, Registration, not_left_by


@dataclass
class Suggestion:
    user: Any
    person: Person
    competence: int
    workload: int
    days_since_client: int | None  # None: never served this client
    reasons: list[str] = field(default_factory=list)


def _served_client_on(user_ids: list[int], organisation) -> dict[int, date]:
    """The last day each person took part in a case of the client (evaluation, review, decision)."""
    from certbody.certification.models import Decision, Involvement, TechnicalReview

    last: dict[int, date] = {}

    def note(uid: int, when) -> None:
        day = timezone.localdate(when) if hasattr(when, "tzinfo") else when
        if uid not in last or day > last[uid]:
            last[uid] = day

    involvements = Involvement.objects.filter(user_id__in=user_ids).filter(
        Q(application__organisation=organisation) | Q(surveillance__certificate__organisation=organisation)
    )
    for uid, when in involvements.values_list("user_id", "created_at"):
        note(uid, when)
    for uid, when in TechnicalReview.objects.filter(
        reviewer_id__in=user_ids, application__organisation=organisation
    ).values_list("reviewer_id", "completed_at"):
        note(uid, when)
    for uid, when in Decision.objects.filter(
        decider_id__in=user_ids, application__organisation=organisation
    ).values_list("decider_id", "decided_at"):
        note(uid, when)
    return last


def _workload(user_ids: list[int], on: date) -> dict[int, int]:
    """Assignments in the last `suggestion_workload_days` days (and inspections planned ahead), per person: inspection
    team places, cases run as engineer, reviews and decisions."""
    from certbody.certification.models import Decision, InspectionMember, Involvement, TechnicalReview

    since = on - timedelta(days=int(get_setting("suggestion_workload_days")))
    counts: dict[int, int] = dict.fromkeys(user_ids, 0)
    sources = (
        (InspectionMember.objects.filter(inspection__planned_on__gt=since), "user_id"),
        (Involvement.objects.filter(part=Involvement.Part.ENGINEER, created_at__date__gt=since), "user_id"),
        (TechnicalReview.objects.filter(completed_at__date__gt=since), "reviewer_id"),
        (Decision.objects.filter(decided_at__date__gt=since), "decider_id"),
    )
    for qs, user_field in sources:
        rows = qs.filter(**{f"{user_field}__in": user_ids}).values(user_field).annotate(n=Count("id")).order_by()
        for row in rows:
            counts[row[user_field]] += row["n"]
    return counts


def _competence(person: Person, role: str, scheme, on: date) -> tuple[int, list[str]]:
    score, reasons = 0, []
    if scheme is None:
        return score, reasons
    registrations = [r for r in person.registrations.all() if r.is_valid_on(on)]
    if any(any(c.pk == scheme.category_id for c in r.specialties.all()) for r in registrations):
        score += 2
        reasons.append(_("specialty %(category)s") % {"category": scheme.category})
    if any(r.level == Registration.Level.SENIOR for r in registrations):
        score += 1
        reasons.append(_("senior registration"))
    named = [
        a
        for a in person.authorisations.all()
        if a.is_current_on(on) and a.role in engine.AUTHORISED_BY.get(role, {role}) and not a.all_categories
    ]
    if any(a.covers(scheme) for a in named):
        score += 1
        reasons.append(_("authorised for this category by name"))
    return score, reasons


def suggest(role: str, *, case: Any = None, scheme: Any = None, organisation: Any = None, on: date | None = None):
    """The people eligible for `role` on the case, best first: competence match (more is better), workload in the
    period (less is better), rotation (longer since they last served this client is better; never is best)."""
    on = on or timezone.localdate()
    _application, _surveillance, case_scheme, case_organisation = engine.case_context(case)
    scheme = scheme or case_scheme
    organisation = organisation or case_organisation
    people = [
        p
        for p in Person.objects.filter(user__isnull=False, user__is_active=True)
        .select_related("user")
        .prefetch_related("registrations__specialties", "authorisations__categories", "authorisations__schemes")
        if p.is_active_on(on)
    ]
    refusals = engine.check_many(
        [p.user for p in people], role, case=case, scheme=scheme, organisation=organisation, on=on
    )
    eligible = [p for p, refused in zip(people, refusals, strict=True) if not refused]
    ids = [p.user_id for p in eligible]
    workload = _workload(ids, on)
    served = _served_client_on(ids, organisation) if organisation is not None else {}
    suggestions = []
    for person in eligible:
        competence, reasons = _competence(person, role, scheme, on)
        last = served.get(person.user_id)
        suggestions.append(
            Suggestion(
                user=person.user,
                person=person,
                competence=competence,
                workload=workload.get(person.user_id, 0),
                days_since_client=None if last is None else (on - last).days,
                reasons=reasons,
            )
        )
    never = 10**6
    suggestions.sort(
        key=lambda s: (
            -s.competence,
            s.workload,
            -(never if s.days_since_client is None else s.days_since_client),
            s.person.name,
        )
    )
    return suggestions


# --- reports ----------------------------------------------------------------------------------------------------------


@dataclass
class QualificationCount:
    family: str
    level: str
    label: str
    people: int
    registrations: int


@dataclass
class Headcount:
    on: date
    people: int  # distinct people holding at least one valid registration
    registrations: int  # valid registrations (one person may hold several)
    rows: list[QualificationCount]
    staff: int  # people employed on the day
    full_time_certifying: int  # full-time people with a valid registration


def headcount_by_qualification(on: date | None = None) -> Headcount:
    """People and registrations valid on a day, by family and level; people and registrations counted separately."""
    on = on or timezone.localdate()
    valid = Registration.objects.filter(valid_from__lte=on, valid_until__gte=on).filter(not_left_by(on, "person__"))
    counted = {
        (r["family"], r["level"]): r
        for r in valid.order_by()
        .values("family", "level")
        .annotate(registrations=Count("id"), people=Count("person", distinct=True))
    }
    rows = [
        QualificationCount(
            family=family,
            level=level,
            label=f"{family_label} · {level_label}",
            people=counted[(family, level)]["people"],
            registrations=counted[(family, level)]["registrations"],
        )
        for family, family_label in Registration.Family.choices
        for level, level_label in Registration.Level.choices
        if (family, level) in counted
    ]
    # Staff are the employed (full- and part-time); external experts hold registrations but are not staff.
    staff = (
        Person.objects.filter(Q(joined_on__isnull=True) | Q(joined_on__lte=on))
        .filter(not_left_by(on))
        .exclude(employment=Person.Employment.EXTERNAL)
    )
    return Headcount(
        on=on,
        people=valid.values("person").distinct().count(),
        registrations=valid.count(),
        rows=rows,
        staff=staff.count(),
        full_time_certifying=valid.filter(person__employment=Person.Employment.FULL_TIME)
        .values("person")
        .distinct()
        .count(),
    )


# --- alerts -----------------------------------------------------------------------------------------------------------


@dataclass
class Alert:
    kind: str  # registration_expiring | authorisation_expiring | evaluation_missing | declaration_missing
    person: Person
    text: str
    due: date | None


def _expiring(model, key: str, on: date, horizon: date, active: Q, **only: Any) -> list:
    """Records of `model` (registrations, authorisations) ending between `on` and `horizon` that no record of the same
    person and `key` (family, role) renews: one starting by the day after and running past the horizon."""
    expiring = list(
        model.objects.filter(active, valid_until__gte=on, valid_until__lte=horizon, **only).select_related("person")
    )
    renewals: dict[tuple[int, str], list[date]] = defaultdict(list)
    later = model.objects.filter(person_id__in={r.person_id for r in expiring}, valid_until__gt=horizon, **only)
    for person_id, value, valid_from in later.values_list("person_id", key, "valid_from"):
        renewals[(person_id, value)].append(valid_from)
    return [
        r
        for r in expiring
        if not any(start <= r.valid_until + timedelta(days=1) for start in renewals[(r.person_id, getattr(r, key))])
    ]


def alerts(on: date | None = None) -> list[Alert]:
    """What HR must act on: registrations and authorisations expiring soon, missing evaluations and declarations."""
    on = on or timezone.localdate()
    horizon = on + timedelta(days=int(get_setting("people_alert_days")))
    found: list[Alert] = []
    active = not_left_by(on, "person__")
    for r in _expiring(Registration, "family", on, horizon, active):
        found.append(
            Alert(
                "registration_expiring",
                r.person,
                _("CCAA registration %(number)s expires on %(date)s")
                % {"number": r.number, "date": r.valid_until.isoformat()},
                r.valid_until,
            )
        )
    for a in _expiring(Authorisation, "role", on, horizon, active, status=Authorisation.Status.ACTIVE):
        found.append(
            Alert(
                "authorisation_expiring",
                a.person,
                _("Authorisation as %(role)s expires on %(date)s")
                % {"role": a.get_role_display(), "date": a.valid_until.isoformat()},
                a.valid_until,
            )
        )
    # People authorised for any role need a competence evaluation every year (within the last 12 months).
    authorised = Person.objects.filter(
        not_left_by(on),
        authorisations__status=Authorisation.Status.ACTIVE,
        authorisations__valid_until__gte=on,
    ).distinct()
    evaluated = set(
        Evaluation.objects.filter(
            kind=Evaluation.Kind.COMPETENCE, evaluated_on__gt=on - timedelta(days=365), evaluated_on__lte=on
        ).values_list("person_id", flat=True)
    )
    for person in authorised:
        if person.pk not in evaluated:
            found.append(Alert("evaluation_missing", person, _("No competence evaluation in the last 12 months"), None))
    staff = list(Person.objects.filter(not_left_by(on), user__isnull=False))
    signed = engine.declared([p.pk for p in staff], on)
    for person in staff:
        if person.pk not in signed:
            found.append(
                Alert(
                    "declaration_missing",
                    person,
                    _("Impartiality and confidentiality declaration for %(year)s not signed") % {"year": on.year},
                    None,
                )
            )
    found.sort(key=lambda a: (a.due or on, a.person.name))
    return found


def people_tasks(user: Any, task: Any) -> list[Any]:
    """Work-queue tasks of people and impartiality: HR's alerts, overrides waiting for a second person, and one's own
    overdue declaration. `task` is the queue's Task class."""
    from django.urls import reverse

    from certbody.core.permissions import has_role
    from certbody.core.roles import Role

    from .models import AssignmentOverride

    tasks = []
    today = timezone.localdate()
    if has_role(user, Role.HR):
        for alert in alerts(today)[:200]:
            tasks.append(
                task(
                    kind="people",
                    title=alert.text,
                    subject=alert.person.name,
                    url=reverse("people:detail", args=[alert.person.pk]),
                    due=alert.due,
                    status=_("Personnel"),
                )
            )
    if has_role(user, Role.QUALITY, Role.MANAGEMENT):
        waiting = AssignmentOverride.objects.filter(status=AssignmentOverride.Status.REQUESTED).exclude(
            requested_by=user
        )
        for override in waiting.select_related("user", "lab")[:200]:
            tasks.append(
                task(
                    kind="override",
                    title=_("Approve or reject an assignment override"),
                    subject=f"{override.user or override.lab} · {override.get_role_display()}",
                    url=reverse("people:overrides"),
                    due=None,
                    status=override.get_status_display(),
                )
            )
    person = Person.objects.filter(user_id=getattr(user, "pk", None)).first()
    if person is not None and person.is_active_on(today) and not engine.declaration_current(person, today):
        tasks.append(
            task(
                kind="declaration",
                title=_("Sign your impartiality and confidentiality declaration"),
                subject=str(today.year),
                url=reverse("people:declaration"),
                due=date(today.year, 1, 1),
                status=_("Overdue"),
            )
        )
    return tasks
