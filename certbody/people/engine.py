"""The assignment rule engine: every assignment in the lifecycle asks it first.

`check()` returns every rule an assignment breaks (an empty list: assignable); `ensure_assignable()` raises
`AssignmentRefused` naming all of them at once, unless a second person approved an override of exactly those
rules for this assignment (then the override is used up and audited).

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

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from certbody.core.config import get_setting
from certbody.core.errors import NotIndependent

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


RULE_LABELS = {
    "personnel": gettext_lazy("personnel record"),
    "authorised_role": gettext_lazy("authorisation for the role"),
    "authorised_scope": gettext_lazy("authorisation scope"),
    "registration": gettext_lazy("CCAA registration"),
    "declaration": gettext_lazy("yearly declaration"),
    "conflict": gettext_lazy("conflict of interest"),
    "independence": gettext_lazy("independence from the evaluation"),
    "lab_scope": gettext_lazy("laboratory scope"),
    "lab_conflict": gettext_lazy("laboratory conflict of interest"),
}


def rule_labels(codes) -> list[str]:
    return [str(RULE_LABELS.get(code, code)) for code in codes]


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


# The most a setting may open to a two-person override: scope. Personnel record, role authorisation, registration,
# declaration, conflicts and independence are never overridable, whatever the setting says.
CAN_BE_OVERRIDDEN = frozenset({"authorised_scope", "lab_scope"})


def overridable_rules() -> set[str]:
    return set(get_setting("assignment_overridable_rules") or []) & CAN_BE_OVERRIDDEN


def person_of(user) -> Person | None:
    if user is None or not getattr(user, "pk", None):
        return None
    return Person.objects.filter(user_id=user.pk).first()


def bar_months() -> int:
    return int(get_setting("conflict_bar_months"))


def barred_until(ended_on: date | None) -> date | None:
    """The first day after the bar period; None while the interest lasts."""
    return None if ended_on is None else ended_on + relativedelta(months=bar_months())


def declaration_current(person: Person, on: date) -> bool:
    years = {on.year}
    if on <= date(on.year, 1, 1) + timedelta(days=int(get_setting("declaration_grace_days")) - 1):
        years.add(on.year - 1)
    return Declaration.objects.filter(person=person, year__in=years, impartiality=True, confidentiality=True).exists()


def active_conflicts(*, organisation, on: date, person: Person | None = None, lab=None) -> list[tuple[str, str, Any]]:
    """(kind label, description, barred until) of every interest in `organisation` that bars on `on`."""
    if organisation is None:
        return []
    found: list[tuple[str, str, Any]] = []
    qs = Conflict.objects.filter(organisation=organisation, started_on__lte=on)
    qs = qs.filter(person=person) if person is not None else qs.filter(lab=lab)
    for conflict in qs:
        until = barred_until(conflict.ended_on)
        if until is None or on < until:
            found.append((str(conflict.get_kind_display()), conflict.description, until))
    if person is not None:
        engagements = ConsultancyEngagement.objects.filter(
            organisation=organisation, consultants=person, started_on__lte=on
        ).exclude(conflicts__person=person)  # recorded as a conflict already: counted once
        for engagement in engagements:
            until = barred_until(engagement.ended_on)
            if until is None or on < until:
                found.append((str(Conflict.Kind.CONSULTANCY.label), engagement.description, until))
    return found


def involvement_parts(user, *, application=None, surveillance=None, role: str) -> list[str]:
    """The person's parts in the case that bar `role` (empty: independent)."""
    from certbody.certification.models import Decision, Involvement

    if application is None and surveillance is None:
        return []
    parts: set[str] = set()
    if role in JUDGING:
        qs = Involvement.objects.filter(user=user)
        qs = qs.filter(application=application) if application is not None else qs.filter(surveillance=surveillance)
        parts |= {str(i.get_part_display()) for i in qs}
        if role == R.APPEAL_HANDLER and application is not None:
            if application.reviews.filter(reviewer=user).exists():
                parts.add(str(R.REVIEWER.label))
            if Decision.objects.filter(application=application, decider=user).exists():
                parts.add(str(R.DECISION_MAKER.label))
        if role == R.APPEAL_HANDLER and surveillance is not None and surveillance.decided_by_id == user.pk:
            parts.add(str(R.DECISION_MAKER.label))
    elif role in EVALUATING and application is not None and application.reviews.filter(reviewer=user).exists():
        parts.add(str(R.REVIEWER.label))
    return sorted(parts)


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
    on = on or timezone.localdate()
    application, surveillance, case_scheme, case_organisation = case_context(case)
    scheme = scheme or case_scheme
    organisation = organisation or case_organisation
    allowed_overrides = overridable_rules()
    refusals: list[Refusal] = []

    def refuse(rule: str, message: str, **details: Any) -> None:
        refusals.append(Refusal(rule, message, rule in allowed_overrides, details))

    if role == R.LAB:
        lab = subject
        if scheme is not None and not lab.categories.filter(pk=scheme.category_id).exists():
            refuse(
                "lab_scope",
                _("%(lab)s does not test %(category)s.") % {"lab": lab, "category": scheme.category},
            )
        for kind, description, until in active_conflicts(organisation=organisation, on=on, lab=lab):
            values = {"lab": lab, "client": organisation, "kind": kind, "what": description, "until": until}
            refuse(
                "lab_conflict",
                _("%(lab)s has an interest in %(client)s (%(kind)s: %(what)s) and is barred until %(until)s.") % values
                if until
                else _("%(lab)s has an ongoing interest in %(client)s (%(kind)s: %(what)s).") % values,
            )
        return refusals

    user = subject
    person = person_of(user)
    if person is None or not person.is_active_on(on):
        refuse("personnel", _("%(user)s has no active personnel record.") % {"user": user})
    else:
        needed = AUTHORISED_BY.get(role)
        if needed:
            current = [
                a
                for a in Authorisation.objects.filter(person=person, role__in=needed).prefetch_related(
                    "categories", "schemes"
                )
                if a.is_current_on(on)
            ]
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
        if role in REGISTRATION_NEEDED:
            same_family, levels = REGISTRATION_NEEDED[role]
            registrations = Registration.objects.filter(
                person=person, valid_from__lte=on, valid_until__gte=on, level__in=levels
            )
            if same_family:
                registrations = registrations.filter(family=scheme_family(scheme))
            if not registrations.exists():
                refuse(
                    "registration",
                    _("%(user)s holds no CCAA registration valid on %(date)s at the level %(role)s needs.")
                    % {"user": user, "date": on.isoformat(), "role": R(role).label},
                )
        if not declaration_current(person, on):
            refuse(
                "declaration",
                _("%(user)s has not signed the impartiality and confidentiality declaration for %(year)s.")
                % {"user": user, "year": on.year},
            )
        for kind, description, until in active_conflicts(organisation=organisation, on=on, person=person):
            values = {"user": user, "client": organisation, "kind": kind, "what": description, "until": until}
            refuse(
                "conflict",
                _("%(user)s has an interest in %(client)s (%(kind)s: %(what)s) and is barred until %(until)s.") % values
                if until
                else _("%(user)s has an ongoing interest in %(client)s (%(kind)s: %(what)s).") % values,
            )
    parts = involvement_parts(user, application=application, surveillance=surveillance, role=role)
    if parts:
        refuse("independence", _independence_message(user, case, parts, role, surveillance), parts=parts)
    return refusals


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


def _approved_override(subject, role: str, case, refusals: list[Refusal]) -> AssignmentOverride | None:
    application, surveillance, _scheme, _organisation = case_context(case)
    if not all(r.overridable for r in refusals):
        return None
    qs = AssignmentOverride.objects.select_for_update().filter(
        role=role, status=AssignmentOverride.Status.APPROVED, application=application, surveillance=surveillance
    )
    qs = qs.filter(lab=subject) if role == R.LAB else qs.filter(user=subject)
    wanted = {r.rule for r in refusals}
    for override in qs.order_by("decided_at"):
        if wanted <= set(override.rules):
            return override
    return None


def ensure_assignable(subject: Any, role: str, *, case: Any = None, actor: Any = None, **kwargs: Any) -> None:
    """Raise AssignmentRefused naming every failed rule, unless an approved override covers exactly those."""
    ensure_all([(subject, role)], case=case, actor=actor, **kwargs)


def ensure_all(assignments: list[tuple[Any, str]], *, case: Any = None, actor: Any = None, **kwargs: Any) -> None:
    """Check a whole team at once: one refusal lists every person and every rule."""
    from .services import override_use

    failures: list[tuple[Any, str, list[Refusal]]] = []
    to_use: list[tuple[AssignmentOverride, list[Refusal]]] = []
    for subject, role in assignments:
        refusals = check(subject, role, case=case, **kwargs)
        if not refusals:
            continue
        override = _approved_override(subject, role, case, refusals)
        if override is not None:
            to_use.append((override, refusals))
        else:
            failures.append((subject, role, refusals))
    if failures:
        if len(failures) == 1:
            raise refused_error(*failures[0])
        errors = [refused_error(*f) for f in failures]
        rules = [r for e in errors for r in e.details["rules"]]
        codes = {e.code for e in errors}
        raise AssignmentRefused(
            " ".join(e.message for e in errors),
            code="not_independent" if "not_independent" in codes else "assignment_refused",
            details={"rules": rules, "parts": sorted({p for e in errors for p in e.details["parts"]})},
        )
    for override, refusals in to_use:
        override_use(override=override, actor=actor, refusals=refusals)


__all__ = [
    "AssignmentRefused",
    "Refusal",
    "check",
    "ensure_all",
    "ensure_assignable",
]
