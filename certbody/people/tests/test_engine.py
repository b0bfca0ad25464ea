"""The assignment rule engine at every assignment point of the lifecycle: each rule refuses, and says why."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone, translation

from certbody.accounts.services import user_create
from certbody.applications.models import Application
from certbody.certification import services as svc
from certbody.certification.models import Inspection, Involvement, Result, TechnicalReview
from certbody.certification.models import TestOrder as Order
from certbody.core.roles import Role
from certbody.demo import scenarios as sc
from certbody.labs.models import Lab
from certbody.people import engine
from certbody.people import services as people_svc
from certbody.people.engine import AssignmentRefused
from certbody.people.models import AssignmentRole, Authorisation, Declaration, Person, Registration
from certbody.schemes.models import ProductCategory

pytestmark = pytest.mark.django_db

R = AssignmentRole


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def today():
    return timezone.localdate()


def staff(username: str, *roles: str):
    user = user_create(username=username, password=None, roles=list(roles), actor=None, display_name=username)
    sc.qualify_staff(user)
    return user


# --- the case at each assignment point -------------------------------------------------------------------------------


def accepted_app(cast, scheme):
    return sc.accepted(cast, sc.submitted_application(cast, scheme))


def in_evaluation(cast, scheme):
    application = accepted_app(cast, scheme)
    svc.evaluation_start(actor=cast.engineer, application=application)
    application.refresh_from_db()
    return application


def in_review(cast, scheme):
    return sc.evaluated(cast, accepted_app(cast, scheme))


def in_decision(cast, scheme):
    return sc.reviewed(cast, in_review(cast, scheme))


def reopened(cast, scheme, reviewer):
    """Reviewed by `reviewer`, then sent back by the decider: in evaluation again."""
    application = in_review(cast, scheme)
    svc.reviewer_assign(actor=cast.engineer, application=application, reviewer=reviewer)
    svc.review_complete(actor=reviewer, application=application, recommendation="grant")
    svc.evaluation_reopen(actor=cast.decider, application=application, reason="补充检查")
    application.refresh_from_db()
    return application


def planned_surveillance(cast, scheme):
    return sc.certified(cast, scheme).surveillances.get()


def surveillance_for_outcome(cast, scheme):
    surveillance = planned_surveillance(cast, scheme)
    svc.surveillance_start(actor=cast.engineer, surveillance=surveillance)
    inspection = svc.inspection_plan(actor=cast.engineer, case=surveillance, planned_on=today(), leader=cast.inspector)
    svc.inspection_complete(actor=cast.inspector, inspection=inspection, conclusion=Result.PASS, completed_on=today())
    surveillance.refresh_from_db()
    return surveillance


@dataclass(frozen=True)
class Point:
    """One assignment point: the case it needs, the role the engine checks, the call, and what it would change."""

    role: str
    system_roles: tuple[str, ...]
    case: Callable[[Any, Any], Any]
    act: Callable[[Any, Any, Any], Any]  # (cast, case, subject)
    state: Callable[[Any], Any]


def _status(case):
    return type(case).objects.get(pk=case.pk).status


POINTS: dict[str, Point] = {
    "evaluation_start (engineer)": Point(
        R.ENGINEER,
        (Role.ENGINEER,),
        accepted_app,
        lambda c, case, u: svc.evaluation_start(actor=c.market, application=case, engineer=u),
        _status,
    ),
    "surveillance_start (engineer)": Point(
        R.ENGINEER,
        (Role.ENGINEER,),
        planned_surveillance,
        lambda c, case, u: svc.surveillance_start(actor=c.market, surveillance=case, engineer=u),
        _status,
    ),
    "inspection_plan (team leader)": Point(
        R.TEAM_LEADER,
        (Role.INSPECTOR,),
        in_evaluation,
        lambda c, case, u: svc.inspection_plan(actor=c.engineer, case=case, planned_on=today(), leader=u),
        lambda case: Inspection.objects.filter(application=case).count(),
    ),
    "inspection_plan (member)": Point(
        R.INSPECTOR,
        (Role.INSPECTOR,),
        in_evaluation,
        lambda c, case, u: svc.inspection_plan(
            actor=c.engineer, case=case, planned_on=today(), leader=c.inspector, members=[u]
        ),
        lambda case: Inspection.objects.filter(application=case).count(),
    ),
    "inspection_plan in surveillance (team leader)": Point(
        R.TEAM_LEADER,
        (Role.INSPECTOR,),
        lambda c, s: svc.surveillance_start(actor=c.engineer, surveillance=planned_surveillance(c, s)),
        lambda c, case, u: svc.inspection_plan(actor=c.engineer, case=case, planned_on=today(), leader=u),
        lambda case: Inspection.objects.filter(surveillance=case).count(),
    ),
    "reviewer_assign": Point(
        R.REVIEWER,
        (Role.REVIEWER,),
        in_review,
        lambda c, case, u: svc.reviewer_assign(actor=c.engineer, application=case, reviewer=u),
        lambda case: Application.objects.get(pk=case.pk).reviewer_id,
    ),
    "review_complete": Point(
        R.REVIEWER,
        (Role.REVIEWER,),
        in_review,
        lambda c, case, u: svc.review_complete(actor=u, application=case, recommendation="grant"),
        _status,
    ),
    "evaluation_reopen in review": Point(
        R.REVIEWER,
        (Role.REVIEWER,),
        in_review,
        lambda c, case, u: svc.evaluation_reopen(actor=u, application=case, reason="缺页"),
        _status,
    ),
    "decision_make": Point(
        R.DECISION_MAKER,
        (Role.DECIDER,),
        in_decision,
        lambda c, case, u: svc.decision_make(actor=u, application=case, outcome="grant"),
        _status,
    ),
    "evaluation_reopen at decision": Point(
        R.DECISION_MAKER,
        (Role.DECIDER,),
        in_decision,
        lambda c, case, u: svc.evaluation_reopen(actor=u, application=case, reason="缺页"),
        _status,
    ),
    "surveillance_complete": Point(
        R.DECISION_MAKER,
        (Role.DECIDER,),
        surveillance_for_outcome,
        lambda c, case, u: svc.surveillance_complete(actor=u, surveillance=case, outcome="keep"),
        _status,
    ),
}


# --- breaking one rule for one person ---------------------------------------------------------------------------------


def _other_category(scheme):
    return ProductCategory.objects.exclude(pk=scheme.category_id).first()


def break_personnel(cast, case, user, scheme):
    Person.objects.filter(user=user).update(left_on=today())


def break_authorised_role(cast, case, user, scheme):
    for authorisation in Authorisation.objects.filter(person__user=user):
        people_svc.authorisation_change(
            actor=cast.hr, authorisation=authorisation, step="revoke", reason="违反公正性规定"
        )


def break_authorised_scope(cast, case, user, scheme):
    for authorisation in Authorisation.objects.filter(person__user=user):
        authorisation.all_categories = False
        authorisation.save(update_fields=["all_categories"])
        authorisation.categories.set([_other_category(scheme)])


def break_registration(cast, case, user, scheme):
    Registration.objects.filter(person__user=user).update(valid_until=today() - timedelta(days=1))


def break_declaration(cast, case, user, scheme):
    Declaration.objects.filter(person__user=user, year__in=[today().year, today().year - 1]).delete()


def break_conflict(cast, case, user, scheme):
    people_svc.consultancy_record(
        actor=cast.quality,
        organisation=engine.case_context(case)[3],
        description="信息安全管理咨询",
        started_on=today() - relativedelta(months=30),
        ended_on=today() - relativedelta(months=23),
        consultants=[user.person],
    )


def break_independence(cast, case, user, scheme):
    application, surveillance, _, _ = engine.case_context(case)
    if application is not None and application.status == Application.Status.EVALUATION:
        # An evaluation role: this person reviewed the case before it was sent back.
        TechnicalReview.objects.create(
            application=application, reviewer=user, recommendation="grant", completed_at=timezone.now()
        )
    else:
        Involvement.objects.create(
            application=application, surveillance=surveillance, user=user, part=Involvement.Part.INSPECTOR
        )


BREAKS = {
    "personnel": break_personnel,
    "authorised_role": break_authorised_role,
    "authorised_scope": break_authorised_scope,
    "registration": break_registration,
    "declaration": break_declaration,
    "conflict": break_conflict,
    "independence": break_independence,
}


def rules_of(point: Point) -> list[str]:
    rules = ["personnel", "declaration", "conflict"]
    if point.role in engine.AUTHORISED_BY:
        rules += ["authorised_role", "authorised_scope"]
    if point.role in engine.REGISTRATION_NEEDED:
        rules.append("registration")
    if point.role in engine.JUDGING or point.case in (in_evaluation,):
        rules.append("independence")
    return sorted(rules)


CELLS = [(name, rule) for name, point in POINTS.items() for rule in rules_of(point)]


@pytest.mark.parametrize(("point_name", "rule"), CELLS, ids=[f"{p}-{r}" for p, r in CELLS])
def test_each_rule_refuses_at_each_assignment_point_and_names_itself(cast, hardware_scheme, point_name, rule):
    point = POINTS[point_name]
    case = point.case(cast, hardware_scheme)
    subject = staff("subject", *point.system_roles)
    BREAKS[rule](cast, case, subject, hardware_scheme)
    before = point.state(case)

    with pytest.raises(AssignmentRefused) as refused:
        point.act(cast, case, subject)

    failed = [r["rule"] for r in refused.value.details["rules"]]
    assert failed == [rule], refused.value.message
    assert refused.value.details["rules"][0]["message"] in refused.value.message
    assert refused.value.http_status == 409
    assert refused.value.code == ("not_independent" if rule == "independence" else "assignment_refused")
    assert point.state(case) == before


@pytest.mark.parametrize("point_name", list(POINTS))
def test_a_qualified_person_passes_every_assignment_point(cast, hardware_scheme, point_name):
    point = POINTS[point_name]
    case = point.case(cast, hardware_scheme)
    subject = staff("subject", *point.system_roles)
    before = point.state(case)
    point.act(cast, case, subject)
    assert point.state(case) != before


def test_a_refusal_lists_every_failed_rule_together(cast, hardware_scheme):
    application = in_review(cast, hardware_scheme)
    subject = staff("subject", Role.REVIEWER)
    for rule in ("authorised_scope", "registration", "declaration", "conflict", "independence"):
        BREAKS[rule](cast, application, subject, hardware_scheme)

    with pytest.raises(AssignmentRefused) as refused:
        svc.reviewer_assign(actor=cast.engineer, application=application, reviewer=subject)

    failed = [r["rule"] for r in refused.value.details["rules"]]
    assert failed == ["authorised_scope", "registration", "declaration", "conflict", "independence"]
    for text in ("not authorised", "CCAA registration", "declaration", "interest in", "took part in the evaluation"):
        assert text in refused.value.message


def test_a_team_refusal_names_each_person(cast, hardware_scheme):
    application = in_evaluation(cast, hardware_scheme)
    leader = staff("leader", Role.INSPECTOR)
    member = staff("member", Role.INSPECTOR)
    break_registration(cast, application, leader, hardware_scheme)
    break_declaration(cast, application, member, hardware_scheme)

    with pytest.raises(AssignmentRefused) as refused:
        svc.inspection_plan(actor=cast.engineer, case=application, planned_on=today(), leader=leader, members=[member])

    rows = {(r["person"], r["role"], r["rule"]) for r in refused.value.details["rules"]}
    assert rows == {("leader", "team_leader", "registration"), ("member", "inspector", "declaration")}
    assert not Inspection.objects.filter(application=application).exists()


def test_an_intern_may_inspect_but_not_lead(cast, hardware_scheme):
    application = in_evaluation(cast, hardware_scheme)
    intern = staff("intern", Role.INSPECTOR)
    Registration.objects.filter(person__user=intern).update(level=Registration.Level.INTERN)

    assert engine.check(intern, R.INSPECTOR, case=application) == []
    assert [r.rule for r in engine.check(intern, R.TEAM_LEADER, case=application)] == ["registration"]
    svc.inspection_plan(actor=cast.engineer, case=application, planned_on=today(), leader=cast.inspector,
                        members=[intern])  # fmt: skip


# --- the lab ----------------------------------------------------------------------------------------------------------


def test_a_lab_that_does_not_test_the_category_is_refused(cast, hardware_scheme):
    application = in_evaluation(cast, hardware_scheme)
    lab = Lab.objects.create(name="其他实验室")
    lab.categories.add(_other_category(hardware_scheme))

    with pytest.raises(AssignmentRefused) as refused:
        svc.test_order_create(actor=cast.engineer, case=application, lab=lab)

    assert [r["rule"] for r in refused.value.details["rules"]] == ["lab_scope"]
    assert "does not test" in refused.value.message
    assert not Order.objects.filter(lab=lab).exists()


def test_a_lab_with_an_interest_in_the_client_is_refused_within_the_bar_period(cast, hardware_scheme):
    application = in_evaluation(cast, hardware_scheme)
    people_svc.conflict_record(
        actor=cast.quality,
        lab=cast.lab,
        organisation=cast.organisation,
        kind="shareholding",
        description="实验室母公司持股",
        started_on=today() - relativedelta(years=3),
        ended_on=today() - relativedelta(months=23),
    )
    with pytest.raises(AssignmentRefused) as refused:
        svc.test_order_create(actor=cast.engineer, case=application, lab=cast.lab)
    assert [r["rule"] for r in refused.value.details["rules"]] == ["lab_conflict"]
    assert not Order.objects.filter(application=application).exists()


# --- the appeal handler (no appeal step in the lifecycle yet: the engine is ready for it) ----------------------------


def test_appeal_handler_must_not_have_evaluated_reviewed_or_decided_the_case(cast, software_scheme):
    application = in_decision(cast, software_scheme)
    svc.decision_make(actor=cast.decider, application=application, outcome="grant")
    handler = staff("handler", Role.DECIDER)

    assert engine.check(handler, R.APPEAL_HANDLER, case=application) == []
    for involved in (cast.engineer, cast.reviewer, cast.decider):
        refusals = engine.check(involved, R.APPEAL_HANDLER, case=application)
        assert "independence" in [r.rule for r in refusals], involved


# --- the bar period ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("months_ago", "barred"), [(23, True), (25, False)])
def test_a_consultant_for_a_client_is_barred_for_two_years(cast, hardware_scheme, months_ago, barred):
    application = in_evaluation(cast, hardware_scheme)
    consultant = staff("consultant", Role.INSPECTOR)
    people_svc.consultancy_record(
        actor=cast.quality,
        organisation=cast.organisation,
        description="支付系统安全咨询",
        started_on=today() - relativedelta(months=months_ago + 6),
        ended_on=today() - relativedelta(months=months_ago),
        consultants=[consultant.person],
    )

    def plan():
        return svc.inspection_plan(actor=cast.engineer, case=application, planned_on=today(), leader=consultant)

    if barred:
        with pytest.raises(AssignmentRefused) as refused:
            plan()
        assert [r["rule"] for r in refused.value.details["rules"]] == ["conflict"]
        assert "Consultancy for the client" in refused.value.message
    else:
        assert plan().members.get().user == consultant


def test_an_ongoing_consultancy_is_refused_as_ongoing_not_barred_until_a_dash(cast, hardware_scheme):
    application = in_evaluation(cast, hardware_scheme)
    consultant = staff("consultant", Role.INSPECTOR)
    people_svc.consultancy_record(
        actor=cast.quality,
        organisation=cast.organisation,
        description="支付系统安全咨询",
        started_on=today() - relativedelta(months=3),
        ended_on=None,
        consultants=[consultant.person],
    )
    refusals = engine.check(consultant, R.INSPECTOR, case=application)
    conflict = next(r for r in refusals if r.rule == "conflict")
    assert "ongoing interest" in conflict.message and "—" not in conflict.message


def test_the_bar_period_is_a_setting(cast, hardware_scheme):
    from certbody.core.models import SystemSetting

    application = in_evaluation(cast, hardware_scheme)
    consultant = staff("consultant", Role.INSPECTOR)
    people_svc.conflict_record(
        actor=cast.hr,
        person=consultant.person,
        organisation=cast.organisation,
        kind="employment",
        started_on=today() - relativedelta(years=5),
        ended_on=today() - relativedelta(months=30),
    )
    assert engine.check(consultant, R.TEAM_LEADER, case=application) == []
    SystemSetting.objects.create(key="conflict_bar_months", value=36)
    assert [r.rule for r in engine.check(consultant, R.TEAM_LEADER, case=application)] == ["conflict"]
