"""The assignment rule engine: every assignment in the lifecycle asks it first.

`check()` returns every rule an assignment breaks (an empty list: assignable), `check_many()` the same for many
people at once; `refused_error()` makes the `AssignmentRefused` naming all of them. The engine only reads:
`people.services.ensure_assignable()` raises the refusal unless a second person approved an override of exactly
those rules for this assignment, and then marks the override used (audited).

Rules (codes are stable; the API returns them in `details.rules`):
- personnel          the person has an active personnel record;
- authorised_role    a current authorisation (岗位授权) for the role;
- authorised_scope   that authorisation covers the scheme (its category or the scheme itself);
- registration       a CCAA registration valid on the day, of the family and level the role needs;
- declaration        the yearly impartiality and confidentiality declaration is signed;
- conflict           no conflict of interest with the client (incl. consultancy) within the bar period;
- independence       review, decision and appeal by people not involved in the evaluation (ISO/IEC 17065 7.5, 7.6,
                     7.13); evaluation not by the case's reviewer;
- lab_scope          the lab tests the scheme's category;
- lab_conflict       the lab has no conflict of interest with the client within the bar period.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from django.utils import timezone
from django.utils.translation import gettext as _

from certbody.core.config import get_setting
from certbody.core.errors import NotIndependent
from certbody.core.permissions import register_error

from .models import (
    AssignmentOverride,
    AssignmentRole,
    Authorisation,
    Conflict,
    ConsultancyEngagement,
    Declaration,
    Person,
    Registration,
)
from .rules import CAN_BE_OVERRIDDEN, RULE_LABELS, rule_labels  # noqa: F401  (the engine's vocabulary)

R = AssignmentRole

# Roles that need an authorisation, and which authorisation roles satisfy them (a team leader may also be a member).
AUTHORISED_BY: dict[str, set[str]] = {
    R.INSPECTOR: {R.INSPECTOR, R.TEAM_LEADER},
    R.TEAM_LEADER: {R.TEAM_LEADER},
    R.REVIEWER: {R.REVIEWER},
    R.DECISION_MAKER: {R.DECISION_MAKER},
    R.APPEAL_HANDLER: {R.APPEAL_HANDLER},
    R.LAB_ASSESSOR: {R.LAB_ASSESSOR},
}
# Roles that need a valid CCAA registration: (family must match the scheme's, levels accepted).
ALL_LEVELS = {Registration.Level.INTERN, Registration.Level.FULL, Registration.Level.SENIOR}
QUALIFIED_LEVELS = {Registration.Level.FULL, Registration.Level.SENIOR}
REGISTRATION_NEEDED: dict[str, tuple[bool, set[str]]] = {
    R.INSPECTOR: (True, ALL_LEVELS),
    R.TEAM_LEADER: (True, QUALIFIED_LEVELS),
    R.REVIEWER: (False, QUALIFIED_LEVELS),
    R.DECISION_MAKER: (False, QUALIFIED_LEVELS),
}
# Roles judged on the evaluation by others: they must not have taken part in it.
JUDGING = {R.REVIEWER, R.DECISION_MAKER, R.APPEAL_HANDLER}
EVALUATING = {R.ENGINEER, R.INSPECTOR, R.TEAM_LEADER}


@dataclass(frozen=True)
class Refusal:
    rule: str
    message: str
    overridable: bool = False
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "message": self.message, "overridable": self.overridable, **self.details}


class AssignmentRefused(NotIndependent):
    """The assignment breaks one or more rules; `details['rules']` lists each. A subclass of NotIndependent so that
    callers catching the independence refusal keep working; the code says which it is."""

    code = "assignment_refused"


register_error(AssignmentRefused.code, AssignmentRefused)  # checks' refusals from this engine raise it


# --- the case ---------------------------------------------------------------------------------------------------------


def case_context(case) -> tuple[Any, Any, Any, Any]:
    """(application, surveillance, scheme, organisation) of an application or a surveillance."""
    from certbody.applications.models import Application

    if case is None:
        return None, None, None, None
    if isinstance(case, Application):
        return case, None, case.scheme, case.organisation
    certificate = case.certificate
    return None, case, certificate.scheme, certificate.organisation


def scheme_family(scheme) -> str:
    """The registration family a scheme's inspections need: the catalogue's schemes are product certification."""
    return Registration.Family.PRODUCT


def overridable_rules() -> set[str]:
    return set(get_setting("assignment_overridable_rules") or []) & CAN_BE_OVERRIDDEN


def bar_months() -> int:
    return int(get_setting("conflict_bar_months"))


def barred_until(ended_on: date | None, months: int | None = None) -> date | None:
    """The first day after the bar period; None while the interest lasts."""
    return None if ended_on is None else ended_on + relativedelta(months=bar_months() if months is None else months)


def declaration_years(on: date) -> set[int]:
    """The years whose declaration counts on `on`: this year's, and last year's within the grace days."""
    years = {on.year}
    if on <= date(on.year, 1, 1) + timedelta(days=int(get_setting("declaration_grace_days")) - 1):
        years.add(on.year - 1)
    return years


def declared(person_ids: list[int], on: date) -> set[int]:
    """The persons among `person_ids` whose impartiality and confidentiality declaration counts on `on`."""
    if not person_ids:
        return set()
    signed = Declaration.objects.filter(
        person_id__in=person_ids, year__in=declaration_years(on), impartiality=True, confidentiality=True
    )
    return set(signed.values_list("person_id", flat=True))


def declaration_current(person: Person, on: date) -> bool:
    return person.pk in declared([person.pk], on)


Interest = tuple[str, str, date | None]  # (kind label, description, barred until; None while it lasts)


def interests(*, organisation, on: date, person_ids: Sequence[int] = (), lab=None) -> dict[int, list[Interest]]:
    """Every interest in `organisation` that bars on `on`: of each person in `person_ids` (by person id), or of
    `lab` (under its id). Conflicts and consultancy engagements, an engagement recorded as a conflict once."""
    found: dict[int, list[Interest]] = defaultdict(list)
    if organisation is None or (lab is None and not person_ids):
        return found
    months = bar_months()

    def barring(ended_on: date | None) -> tuple[bool, date | None]:
        until = barred_until(ended_on, months)
        return until is None or on < until, until

    qs = Conflict.objects.filter(organisation=organisation, started_on__lte=on)
    qs = qs.filter(lab=lab) if lab is not None else qs.filter(person_id__in=person_ids)
    for conflict in qs:
        bars, until = barring(conflict.ended_on)
        if bars:
            key = lab.pk if lab is not None else conflict.person_id
            found[key].append((str(conflict.get_kind_display()), conflict.description, until))
    if lab is None:
        recorded = set(
            Conflict.objects.filter(engagement__organisation=organisation, person_id__in=person_ids).values_list(
                "engagement_id", "person_id"
            )
        )
        consultants = ConsultancyEngagement.consultants.through.objects.filter(
            person_id__in=person_ids,
            consultancyengagement__organisation=organisation,
            consultancyengagement__started_on__lte=on,
        ).select_related("consultancyengagement")
        consultants = consultants.order_by("-consultancyengagement__started_on", "consultancyengagement_id")
        for row in consultants:
            engagement = row.consultancyengagement
            bars, until = barring(engagement.ended_on)
            if bars and (engagement.pk, row.person_id) not in recorded:
                found[row.person_id].append((str(Conflict.Kind.CONSULTANCY.label), engagement.description, until))
    return found


def involvements(user_ids: list[int], *, application=None, surveillance=None, role: str) -> dict[int, list[str]]:
    """Each user's parts in the case that bar `role` (absent: independent)."""
    from certbody.certification.models import Decision, Involvement

    if (application is None and surveillance is None) or not user_ids:
        return {}
    parts: dict[int, set[str]] = defaultdict(set)
    reviewer, decider = str(R.REVIEWER.label), str(R.DECISION_MAKER.label)
    if role in JUDGING:
        qs = Involvement.objects.filter(user_id__in=user_ids)
        qs = qs.filter(application=application) if application is not None else qs.filter(surveillance=surveillance)
        for involvement in qs:
            parts[involvement.user_id].add(str(involvement.get_part_display()))
        if role == R.APPEAL_HANDLER and application is not None:
            for uid in application.reviews.filter(reviewer_id__in=user_ids).values_list("reviewer_id", flat=True):
                parts[uid].add(reviewer)
            deciders = Decision.objects.filter(application=application, decider_id__in=user_ids)
            for uid in deciders.values_list("decider_id", flat=True):
                parts[uid].add(decider)
        if role == R.APPEAL_HANDLER and surveillance is not None and surveillance.decided_by_id in user_ids:
            parts[surveillance.decided_by_id].add(decider)
    elif role in EVALUATING and application is not None:
        for uid in application.reviews.filter(reviewer_id__in=user_ids).values_list("reviewer_id", flat=True):
            parts[uid].add(reviewer)
    return {uid: sorted(found) for uid, found in parts.items()}


def _independence_message(user, case, parts: list[str], role: str, surveillance) -> str:
    if role in EVALUATING:
        return _("%(user)s reviewed %(case)s and so may not take part in its evaluation (ISO/IEC 17065 7.5).") % {
            "user": user,
            "case": case,
        }
    if role == R.REVIEWER:
        step = _("review it")
    elif role == R.DECISION_MAKER:
        step = _("decide its outcome") if surveillance is not None else _("decide it")
    else:
        step = _("handle an appeal against it")
    return _(
        "%(user)s took part in the evaluation of %(case)s (%(parts)s) and so may not %(step)s "
        "(ISO/IEC 17065 7.5 and 7.6)."
    ) % {"user": user, "case": case, "parts": "、".join(parts), "step": step}


# --- the rules --------------------------------------------------------------------------------------------------------


def check(
    subject: Any,
    role: str,
    *,
    case: Any = None,
    scheme: Any = None,
    organisation: Any = None,
    on: date | None = None,
) -> list[Refusal]:
    """Every rule the assignment of `subject` (a user, or a lab for R.LAB) to `role` breaks; empty when allowed."""
    if role != R.LAB:
        return check_many([subject], role, case=case, scheme=scheme, organisation=organisation, on=on)[0]
    on = on or timezone.localdate()
    _application, _surveillance, case_scheme, case_organisation = case_context(case)
    scheme = scheme or case_scheme
    organisation = organisation or case_organisation
    allowed_overrides = overridable_rules()
    lab = subject
    refusals: list[Refusal] = []
    if scheme is not None and not lab.categories.filter(pk=scheme.category_id).exists():
        refusals.append(
            Refusal(
                "lab_scope",
                _("%(lab)s does not test %(category)s.") % {"lab": lab, "category": scheme.category},
                "lab_scope" in allowed_overrides,
            )
        )
    for kind, description, until in interests(organisation=organisation, on=on, lab=lab).get(lab.pk, []):
        values = {"lab": lab, "client": organisation, "kind": kind, "what": description, "until": until}
        refusals.append(
            Refusal(
                "lab_conflict",
                _("%(lab)s has an interest in %(client)s (%(kind)s: %(what)s) and is barred until %(until)s.") % values
                if until
                else _("%(lab)s has an ongoing interest in %(client)s (%(kind)s: %(what)s).") % values,
                "lab_conflict" in allowed_overrides,
            )
        )
    return refusals


def check_many(
    users: list[Any],
    role: str,
    *,
    case: Any = None,
    scheme: Any = None,
    organisation: Any = None,
    on: date | None = None,
) -> list[list[Refusal]]:
    """`check` for each of `users` (in their order), reading each kind of record once for all of them: a page
    that ranks the whole staff runs the same dozen queries for three people or three hundred."""
    on = on or timezone.localdate()
    application, surveillance, case_scheme, case_organisation = case_context(case)
    scheme = scheme or case_scheme
    organisation = organisation or case_organisation
    allowed_overrides = overridable_rules()
    user_ids = [u.pk for u in users if u is not None and getattr(u, "pk", None)]
    persons = {p.user_id: p for p in Person.objects.filter(user_id__in=user_ids)} if user_ids else {}
    active = {uid: p for uid, p in persons.items() if p.is_active_on(on)}
    person_ids = [p.pk for p in active.values()]
    records = _Records(
        role=role,
        scheme=scheme,
        organisation=organisation,
        on=on,
        authorisations=_current_authorisations(person_ids, role, on),
        registered=_registered(person_ids, role, scheme, on),
        signed=declared(person_ids, on),
        barred=interests(organisation=organisation, on=on, person_ids=person_ids),
    )
    parts_of = involvements(user_ids, application=application, surveillance=surveillance, role=role)

    results: list[list[Refusal]] = []
    for user in users:
        refusals: list[Refusal] = []
        results.append(refusals)

        def refuse(rule: str, message: str, **details: Any) -> None:
            refusals.append(Refusal(rule, message, rule in allowed_overrides, details))  # noqa: B023

        person = active.get(getattr(user, "pk", None))
        if person is None:
            refuse("personnel", _("%(user)s has no active personnel record.") % {"user": user})
        else:
            _check_person(refuse, user, person, records)
        parts = parts_of.get(getattr(user, "pk", None), [])
        if parts:
            refuse("independence", _independence_message(user, case, parts, role, surveillance), parts=parts)
    return results


@dataclass(frozen=True)
class _Records:
    """What `check_many` read once for everyone: the context and each person's records."""

    role: str
    scheme: Any
    organisation: Any
    on: date
    authorisations: dict[int, list[Authorisation]]
    registered: set[int]
    signed: set[int]
    barred: dict[int, list[Interest]]


def _current_authorisations(person_ids: list[int], role: str, on: date) -> dict[int, list[Authorisation]]:
    needed = AUTHORISED_BY.get(role)
    authorisations: dict[int, list[Authorisation]] = defaultdict(list)
    if needed and person_ids:
        for a in Authorisation.objects.filter(person_id__in=person_ids, role__in=needed).prefetch_related(
            "categories", "schemes"
        ):
            if a.is_current_on(on):
                authorisations[a.person_id].append(a)
    return authorisations


def _registered(person_ids: list[int], role: str, scheme: Any, on: date) -> set[int]:
    """Persons holding a registration valid on `on` at the level the role needs."""
    registered: set[int] = set()
    if role in REGISTRATION_NEEDED and person_ids:
        same_family, levels = REGISTRATION_NEEDED[role]
        registrations = Registration.objects.filter(
            person_id__in=person_ids, valid_from__lte=on, valid_until__gte=on, level__in=levels
        )
        if same_family:
            registrations = registrations.filter(family=scheme_family(scheme))
        registered = set(registrations.values_list("person_id", flat=True))
    return registered


def _check_person(refuse: Any, user: Any, person: Person, records: _Records) -> None:
    """The rules on an active person's own records: authorisation, registration, declaration, conflicts."""
    role, scheme, on = records.role, records.scheme, records.on
    if AUTHORISED_BY.get(role):
        current = records.authorisations.get(person.pk, [])
        if not current:
            refuse(
                "authorised_role",
                _("%(user)s holds no current authorisation as %(role)s.") % {"user": user, "role": R(role).label},
            )
        elif not any(a.covers(scheme) for a in current):
            refuse(
                "authorised_scope",
                _("%(user)s is not authorised as %(role)s for %(scheme)s.")
                % {"user": user, "role": R(role).label, "scheme": scheme},
            )
    if role in REGISTRATION_NEEDED and person.pk not in records.registered:
        refuse(
            "registration",
            _("%(user)s holds no CCAA registration valid on %(date)s at the level %(role)s needs.")
            % {"user": user, "date": on.isoformat(), "role": R(role).label},
        )
    if person.pk not in records.signed:
        refuse(
            "declaration",
            _("%(user)s has not signed the impartiality and confidentiality declaration for %(year)s.")
            % {"user": user, "year": on.year},
        )
    for kind, description, until in records.barred.get(person.pk, []):
        values = {"user": user, "client": records.organisation, "kind": kind, "what": description, "until": until}
        refuse(
            "conflict",
            _("%(user)s has an interest in %(client)s (%(kind)s: %(what)s) and is barred until %(until)s.") % values
            if until
            else _("%(user)s has an ongoing interest in %(client)s (%(kind)s: %(what)s).") % values,
        )


def refused_error(subject: Any, role: str, refusals: list[Refusal]) -> AssignmentRefused:
    rules = [r.as_dict() | {"person": str(subject), "role": role} for r in refusals]
    parts = sorted({p for r in refusals for p in r.details.get("parts", [])})
    # The code names the gravest rule: independence (ISO/IEC 17065 7.5/7.6) is never overridden, so a refusal that
    # includes it keeps the code clients know for it; the details list every failed rule either way.
    independence = any(r.rule == "independence" for r in refusals)
    return AssignmentRefused(
        " ".join(r.message for r in refusals),
        code="not_independent" if independence else "assignment_refused",
        details={"rules": rules, "parts": parts},
    )


def refused_all(failures: list[tuple[Any, str, list[Refusal]]]) -> AssignmentRefused:
    """One refusal for a whole team: every person and every rule that failed."""
    if len(failures) == 1:
        return refused_error(*failures[0])
    errors = [refused_error(*f) for f in failures]
    rules = [r for e in errors for r in e.details["rules"]]
    codes = {e.code for e in errors}
    return AssignmentRefused(
        " ".join(e.message for e in errors),
        code="not_independent" if "not_independent" in codes else "assignment_refused",
        details={"rules": rules, "parts": sorted({p for e in errors for p in e.details["parts"]})},
    )


def covered_by_override(subject: Any, role: str, case: Any, refusals: list[Refusal]) -> bool:
    """An approved override covers exactly these refusals (read only: a page asks, the service uses it up)."""
    application, surveillance, _scheme, _organisation = case_context(case)
    if not refusals or not all(r.overridable for r in refusals):
        return False
    qs = AssignmentOverride.objects.filter(
        role=role, status=AssignmentOverride.Status.APPROVED, application=application, surveillance=surveillance
    )
    qs = qs.filter(lab=subject) if role == R.LAB else qs.filter(user=subject)
    wanted = {r.rule for r in refusals}
    return any(wanted <= set(rules) for rules in qs.values_list("rules", flat=True))


__all__ = [
    "AssignmentRefused",
    "Refusal",
    "check",
    "check_many",
    "covered_by_override",
    "refused_all",
    "refused_error",
]
