"""The people pages' POST steps for the permission matrix (certbody/core/tests/test_permission_matrix.py).

HR and quality keep the records (services.MANAGERS); management only reads them, so it is refused with the page's
message; the other roles do not reach the pages. Overrides: the assigning roles ask, quality and management decide.
Everyone with a personnel record signs his own declaration.

A course and a risk are made on first use inside the matrix world's transaction and kept in `w.objects`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.urls import reverse
from django.utils import timezone

MANAGERS = frozenset({"hr", "quality"})
REQUESTERS = frozenset({"engineer", "other_engineer", "market", "quality", "management"})
APPROVERS = frozenset({"quality", "management"})
PERSONS = frozenset(
    {"market", "engineer", "other_engineer", "inspector", "inspector2", "reviewer", "reviewer2", "decider"}
    | {"decider_involved", "quality", "hr", "management"}
)


def people_objects(w: Any) -> dict[str, Any]:
    from certbody.people import services
    from certbody.people.models import Course, Risk

    cached = w.objects.get("pp_risk")
    # The world outlives each test's savepoint: objects made during an earlier test were rolled back with it.
    if cached is None or not Risk.objects.filter(pk=cached.pk).exists():
        course = Course.objects.create(title="矩阵 课程", kind=Course.Kind.INTERNAL, provider="质量风控部", hours=4)
        risk = services.risk_create(
            actor=w.users["quality"], title="矩阵 风险", threat="self_interest", likelihood=2, impact=3
        )
        w.objects.update(pp_course=course, pp_risk=risk)
    return {"course": w.objects["pp_course"], "risk": w.objects["pp_risk"]}


def next_year_unsigned(w: Any) -> int:
    """The world's people signed this year and the next (the only years one may sign): next year's declarations are
    taken back, for good, so that each person can sign it on the page."""
    from certbody.people.models import Person

    year = timezone.localdate().year + 1
    Person.declarations.rel.related_model.objects.filter(year=year).delete()
    return year


def people_steps(step: Callable[..., Any]) -> list[Any]:
    """The people pages' POST steps, as test_permission_matrix.Step rows (passed in as `step`)."""
    from certbody.people.models import (
        AssignmentOverride,
        CommitteeMeeting,
        CommitteeMember,
        ConsultancyEngagement,
        Person,
        Risk,
        RiskCheck,
    )

    def today() -> str:
        return timezone.localdate().isoformat()

    def page(name: str) -> Callable[[Any], str]:
        return lambda w: reverse(f"people:{name}")

    def detail(w: Any) -> str:
        return reverse("people:detail", args=[w.person.pk])

    def count(model) -> Callable[[Any], int]:
        return lambda w: model.objects.count()

    def records(related: str) -> Callable[[Any], int]:
        return lambda w: getattr(Person.objects.get(pk=w.person.pk), related).count()

    return [
        step(
            "people:list",
            page("list"),
            MANAGERS,
            lambda w: {"form": "PersonForm", "name": "矩阵 新人", "employment": "full_time", "joined_on": today()},
            count(Person),
        ),
        step(
            "people:detail",
            detail,
            MANAGERS,
            lambda w: {
                "action": "authorisation_grant",
                "role": "reviewer",
                "valid_from": today(),
                "valid_until": (timezone.localdate() + timedelta(days=365)).isoformat(),
                "all_categories": "on",
            },
            records("authorisations"),
        ),
        step(
            "people:detail",
            detail,
            MANAGERS,
            lambda w: {
                "action": "registration_add",
                "family": "product",
                "level": "full",
                "number": "MATRIX-REG-1",
                "valid_from": today(),
                "valid_until": (timezone.localdate() + timedelta(days=3 * 365)).isoformat(),
                "inspections_in_period": "0",
            },
            records("registrations"),
        ),
        step(
            "people:detail",
            detail,
            MANAGERS,
            lambda w: {
                "action": "training_record",
                "course": people_objects(w)["course"].pk,
                "attended_on": today(),
                "hours": "4",
                "attended": "on",
                "exam": "passed",
                "score": "90",
            },
            records("trainings"),
        ),
        step(
            "people:detail",
            detail,
            MANAGERS,
            lambda w: {
                "action": "evaluation_record",
                "kind": "competence",
                "evaluated_on": today(),
                "outcome": "competent",
                "evidence": "矩阵 年度评价",
            },
            records("evaluations"),
        ),
        step(
            "people:detail",
            detail,
            MANAGERS,
            lambda w: {
                "action": "conflict_record",
                "organisation": w.other.organisation.name,
                "kind": "relative",
                "description": "矩阵 亲属任职",
                "started_on": today(),
            },
            records("conflicts"),
        ),
        step(
            "people:consultancy",
            page("consultancy"),
            MANAGERS,
            lambda w: {
                "form": "ConsultancyForm",
                "organisation": w.other.organisation.name,
                "description": "矩阵 咨询",
                "started_on": today(),
                "consultants": [w.person.pk],
            },
            count(ConsultancyEngagement),
        ),
        step(
            "people:committee",
            page("committee"),
            MANAGERS,
            lambda w: {"form": "CommitteeMemberForm", "name": "矩阵 委员", "group": "users", "joined_on": today()},
            count(CommitteeMember),
        ),
        step(
            "people:committee",
            page("committee"),
            MANAGERS,
            lambda w: {"form": "MeetingForm", "held_on": today(), "title": "矩阵 会议", "decision": ""},
            count(CommitteeMeeting),
        ),
        step(
            "people:risks",
            page("risks"),
            MANAGERS,
            lambda w: {
                "form": "RiskForm",
                "title": "矩阵 新风险",
                "threat": "familiarity",
                "likelihood": 2,
                "impact": 2,
            },
            count(Risk),
        ),
        step(
            "people:risks",
            page("risks"),
            MANAGERS,
            lambda w: {
                "form": "RiskCheckForm",
                "risk": people_objects(w)["risk"].pk,
                "checked_on": today(),
                "effective": "on",
            },
            count(RiskCheck),
        ),
        step(
            "people:overrides",
            page("overrides"),
            REQUESTERS,
            lambda w: {
                "form": "OverrideRequestForm",
                "role": "lab",
                "lab": w.scope_lab.name,
                "application": w.app_eval.number,
                "reason": "矩阵 唯一具备条件",
            },
            count(AssignmentOverride),
        ),
        step(
            "people:overrides",
            page("overrides"),
            APPROVERS,
            lambda w: {"form": "OverrideDecisionForm", "override": w.override.pk, "approve": "1", "reason": "同意"},
            lambda w: AssignmentOverride.objects.get(pk=w.override.pk).status,
        ),
        step(
            "people:declaration",
            page("declaration"),
            PERSONS,  # one's own
            lambda w: {"year": next_year_unsigned(w), "interests": "", "confirm": "on"},
            lambda w: Person.declarations.rel.related_model.objects.count(),
        ),
    ]
