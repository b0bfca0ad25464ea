"""Rules of evaluation, review, decision and surveillance (ISO/IEC 17065 7.4–7.6, 7.9), one test per rule."""

from __future__ import annotations

from datetime import timedelta

import pytest
from dateutil.relativedelta import relativedelta
from django.core.files.base import ContentFile
from django.utils import timezone, translation

from certbody.accounts.services import user_create
from certbody.applications import services as app_svc
from certbody.applications.models import Application
from certbody.certificates.models import Certificate, WithdrawalReason
from certbody.certification import services as svc
from certbody.certification.models import (
    Decision,
    Finding,
    Inspection,
    Involvement,
    Result,
    Surveillance,
    TechnicalReview,
)
from certbody.certification.models import TestOrder as Order  # not collected as a test class
from certbody.core.errors import IllegalTransition, InvalidInput, NotAllowed, NotIndependent
from certbody.core.roles import Role
from certbody.demo import scenarios as sc

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def person(username, *roles):
    """A staff member with the personnel records (authorisations, registrations, declarations) the roles need."""
    user = user_create(username=username, password=None, roles=list(roles), actor=None, display_name=username)
    sc.qualify_staff(user)
    return user


def report(cast, order, result=Result.PASS):
    svc.test_order_receive_sample(actor=cast.lab_user, order=order, received_on=TODAY())
    return svc.test_order_report(
        actor=cast.lab_user,
        order=order,
        report_number=f"R-{order.number}",
        issued_on=TODAY(),
        result=result,
        report_file=ContentFile(sc.MINIMAL_PDF, name="report.pdf"),
    )


def in_evaluation(cast, scheme, *, engineer=None, products=("手机银行客户端",)):
    application = app_svc.application_create(
        actor=cast.client, organisation=cast.organisation, scheme=scheme, title="认证申请"
    )
    for product in products:
        app_svc.unit_add(
            actor=cast.client, application=application, product_name=product, model_names=["V6"], version="6.0",
            manufacturer=cast.manufacturer, production_site=cast.site,
        )  # fmt: skip
    application = sc.accepted(cast, app_svc.application_submit(actor=cast.client, application=application))
    return svc.evaluation_start(actor=cast.market, application=application, engineer=engineer or cast.engineer)


def evaluate(cast, scheme, *, engineer=None, leader=None, members=(), test_result=Result.PASS, conclusion=Result.PASS):
    """Evaluation with a chosen engineer and inspection team; returns the application in review."""
    application = in_evaluation(cast, scheme, engineer=engineer)
    engineer = application.engineer
    for unit in application.units.all():
        report(cast, svc.test_order_create(actor=engineer, case=application, lab=cast.lab, unit=unit), test_result)
    if leader is not None:
        inspection = svc.inspection_plan(
            actor=engineer, case=application, planned_on=TODAY(), leader=leader, members=list(members)
        )
        svc.inspection_complete(actor=leader, inspection=inspection, conclusion=conclusion, completed_on=TODAY())
    return svc.evaluation_complete(actor=engineer, application=application)


def review(cast, application, reviewer=None):
    reviewer = reviewer or cast.reviewer
    svc.review_complete(actor=reviewer, application=application, recommendation=TechnicalReview.Recommendation.GRANT)
    application.refresh_from_db()
    return application


# --- independence: review and decision by people not involved in the evaluation ---------------------------------

PARTS = {
    Involvement.Part.ENGINEER: "Certification engineer",
    Involvement.Part.TEAM_LEADER: "Inspection team leader",
    Involvement.Part.INSPECTOR: "Inspector",
}


def _involved(cast, hardware_scheme, part, extra_role):
    """An application in review where `someone` (who also holds `extra_role`) took `part` in the evaluation."""
    if part == Involvement.Part.ENGINEER:
        someone = person("someone", Role.ENGINEER, extra_role)
        application = evaluate(cast, hardware_scheme, engineer=someone, leader=cast.inspector)
    elif part == Involvement.Part.TEAM_LEADER:
        someone = person("someone", Role.INSPECTOR, extra_role)
        application = evaluate(cast, hardware_scheme, leader=someone, members=[cast.inspector2])
    else:
        someone = person("someone", Role.INSPECTOR, extra_role)
        application = evaluate(cast, hardware_scheme, leader=cast.inspector, members=[someone])
    return someone, application


@pytest.mark.parametrize("part", list(PARTS))
def test_review_is_refused_for_every_kind_of_involvement(cast, hardware_scheme, part):
    someone, application = _involved(cast, hardware_scheme, part, Role.REVIEWER)

    with pytest.raises(NotIndependent) as assigned:
        svc.reviewer_assign(actor=cast.engineer if part != "engineer" else someone, application=application,
                            reviewer=someone)  # fmt: skip
    with pytest.raises(NotIndependent) as reviewed:
        svc.review_complete(actor=someone, application=application, recommendation="grant")

    for refusal in (assigned, reviewed):
        assert PARTS[part] in refusal.value.message
        assert refusal.value.details["parts"] == [PARTS[part]]
        assert "7.5" in refusal.value.message
    application.refresh_from_db()
    assert application.status == Application.Status.REVIEW
    assert application.reviewer is None and not application.reviews.exists()
    # Someone not involved may review it.
    assert review(cast, application).status == Application.Status.DECISION


@pytest.mark.parametrize("part", list(PARTS))
def test_decision_is_refused_for_every_kind_of_involvement(cast, hardware_scheme, part):
    someone, application = _involved(cast, hardware_scheme, part, Role.DECIDER)
    review(cast, application)

    with pytest.raises(NotIndependent) as refused:
        svc.decision_make(actor=someone, application=application, outcome="grant")

    assert PARTS[part] in refused.value.message
    assert "may not decide it" in refused.value.message
    application.refresh_from_db()
    assert application.status == Application.Status.DECISION
    assert not Decision.objects.exists()
    svc.decision_make(actor=cast.decider, application=application, outcome="grant")
    assert Decision.objects.get().decider == cast.decider


def test_a_person_with_several_parts_is_told_all_of_them(cast, hardware_scheme):
    someone = person("someone", Role.ENGINEER, Role.INSPECTOR, Role.DECIDER)
    application = review(cast, evaluate(cast, hardware_scheme, engineer=someone, leader=someone))
    with pytest.raises(NotIndependent) as refused:
        svc.decision_make(actor=someone, application=application, outcome="grant")
    assert sorted(refused.value.details["parts"]) == ["Certification engineer", "Inspection team leader"]


def test_whoever_reviewed_may_not_join_the_reopened_evaluation(cast, software_scheme):
    """Otherwise the review on record would be by someone involved in the evaluation."""
    inspector_reviewer = person("insp_rev", Role.INSPECTOR, Role.REVIEWER)
    application = review(cast, evaluate(cast, software_scheme), reviewer=inspector_reviewer)
    svc.evaluation_reopen(actor=cast.decider, application=application, reason="补充工厂检查")

    with pytest.raises(NotIndependent) as refused:
        svc.inspection_plan(actor=cast.engineer, case=application, planned_on=TODAY(), leader=inspector_reviewer)
    with pytest.raises(NotIndependent):
        svc.inspection_plan(
            actor=cast.engineer, case=application, planned_on=TODAY(), leader=cast.inspector,
            members=[inspector_reviewer],
        )  # fmt: skip

    assert "reviewed" in refused.value.message
    assert not Inspection.objects.filter(application=application).exists()
    assert not Involvement.objects.filter(user=inspector_reviewer).exists()
    svc.inspection_plan(actor=cast.engineer, case=application, planned_on=TODAY(), leader=cast.inspector)


def test_surveillance_outcome_is_refused_for_an_involved_decider(cast, software_scheme):
    certificate = sc.certified(cast, software_scheme)
    inspector_decider = person("insp_dec", Role.INSPECTOR, Role.DECIDER)
    engineer_decider = person("eng_dec", Role.ENGINEER, Role.DECIDER)
    surveillance = svc.surveillance_start(
        actor=cast.market, surveillance=certificate.surveillances.get(), engineer=engineer_decider
    )
    inspection = svc.inspection_plan(
        actor=engineer_decider, case=surveillance, planned_on=TODAY(), leader=inspector_decider
    )
    svc.inspection_complete(
        actor=inspector_decider, inspection=inspection, conclusion=Result.PASS, completed_on=TODAY()
    )

    for someone, part in [(inspector_decider, "Inspection team leader"), (engineer_decider, "Certification engineer")]:
        with pytest.raises(NotIndependent) as refused:
            svc.surveillance_complete(actor=someone, surveillance=surveillance, outcome="keep")
        assert part in refused.value.message
    surveillance.refresh_from_db()
    assert surveillance.status == Surveillance.Status.IN_PROGRESS and surveillance.decided_by is None

    svc.surveillance_complete(actor=cast.decider, surveillance=surveillance, outcome="keep")
    surveillance.refresh_from_db()
    assert surveillance.decided_by == cast.decider


# --- evaluation must be complete, results must allow the grant -------------------------------------------------


def test_evaluation_cannot_complete_with_an_open_test_order(cast, software_scheme):
    application = in_evaluation(cast, software_scheme)
    report(
        cast, svc.test_order_create(actor=cast.engineer, case=application, lab=cast.lab, unit=application.units.get())
    )
    extra = svc.test_order_create(actor=cast.engineer, case=application, lab=cast.lab)

    with pytest.raises(InvalidInput) as refused:
        svc.evaluation_complete(actor=cast.engineer, application=application)

    assert refused.value.code == "evaluation_incomplete"
    assert refused.value.details["gaps"] == [f"Test order {extra.number} has no report yet."]
    svc.test_order_cancel(actor=cast.engineer, order=extra, reason="重复下单")
    assert svc.evaluation_complete(actor=cast.engineer, application=application).status == Application.Status.REVIEW


def test_evaluation_needs_a_type_test_report_for_every_unit(cast, software_scheme):
    application = in_evaluation(cast, software_scheme, products=("手机银行客户端", "企业网银客户端"))
    first, second = application.units.order_by("pk")
    report(cast, svc.test_order_create(actor=cast.engineer, case=application, lab=cast.lab, unit=first))
    # A report for the whole application, not for the unit, does not count for the unit.
    report(cast, svc.test_order_create(actor=cast.engineer, case=application, lab=cast.lab))

    with pytest.raises(InvalidInput) as refused:
        svc.evaluation_complete(actor=cast.engineer, application=application)

    assert refused.value.details["gaps"] == [f"Unit {second} has no type test report."]
    report(cast, svc.test_order_create(actor=cast.engineer, case=application, lab=cast.lab, unit=second))
    assert svc.evaluation_complete(actor=cast.engineer, application=application).status == Application.Status.REVIEW


def test_a_cancelled_type_test_does_not_count(cast, software_scheme):
    application = in_evaluation(cast, software_scheme)
    order = svc.test_order_create(actor=cast.engineer, case=application, lab=cast.lab, unit=application.units.get())
    svc.test_order_cancel(actor=cast.engineer, order=order, reason="样品损坏")
    with pytest.raises(InvalidInput, match="has no type test report"):
        svc.evaluation_complete(actor=cast.engineer, application=application)


def test_evaluation_needs_the_initial_inspection_when_the_scheme_requires_it(cast, hardware_scheme, software_scheme):
    assert hardware_scheme.initial_inspection and not software_scheme.initial_inspection
    application = in_evaluation(cast, hardware_scheme)
    report(
        cast, svc.test_order_create(actor=cast.engineer, case=application, lab=cast.lab, unit=application.units.get())
    )

    with pytest.raises(InvalidInput) as refused:
        svc.evaluation_complete(actor=cast.engineer, application=application)
    assert refused.value.details["gaps"] == ["The scheme requires an initial factory inspection."]

    inspection = svc.inspection_plan(actor=cast.engineer, case=application, planned_on=TODAY(), leader=cast.inspector)
    with pytest.raises(InvalidInput) as refused:
        svc.evaluation_complete(actor=cast.engineer, application=application)
    assert f"Inspection of {TODAY().isoformat()} is not completed." in refused.value.details["gaps"]

    svc.inspection_complete(actor=cast.inspector, inspection=inspection, conclusion=Result.PASS, completed_on=TODAY())
    assert svc.evaluation_complete(actor=cast.engineer, application=application).status == Application.Status.REVIEW
    # The software scheme needs none.
    assert evaluate(cast, software_scheme).status == Application.Status.REVIEW


def test_grant_is_refused_with_a_failed_test_report(cast, software_scheme):
    application = review(cast, evaluate(cast, software_scheme, test_result=Result.FAIL))
    with pytest.raises(InvalidInput) as refused:
        svc.decision_make(actor=cast.decider, application=application, outcome="grant")
    assert refused.value.code == "grant_blocked"
    assert refused.value.details["blockers"][0].startswith("Test report R-TO")
    assert not Certificate.objects.exists()
    # Refusing is possible, with a reason.
    with pytest.raises(InvalidInput, match="reason"):
        svc.decision_make(actor=cast.decider, application=application, outcome="refuse")
    svc.decision_make(actor=cast.decider, application=application, outcome="refuse", reason="型式试验不合格")
    application.refresh_from_db()
    assert application.status == Application.Status.REFUSED
    assert not Certificate.objects.exists()


def test_grant_is_refused_with_a_failed_inspection(cast, hardware_scheme):
    application = review(cast, evaluate(cast, hardware_scheme, leader=cast.inspector, conclusion=Result.FAIL))
    with pytest.raises(InvalidInput, match="failed"):
        svc.decision_make(actor=cast.decider, application=application, outcome="grant")


def test_grant_is_refused_while_a_nonconformity_is_open(cast, hardware_scheme):
    application = in_evaluation(cast, hardware_scheme)
    report(
        cast, svc.test_order_create(actor=cast.engineer, case=application, lab=cast.lab, unit=application.units.get())
    )
    inspection = svc.inspection_plan(actor=cast.engineer, case=application, planned_on=TODAY(), leader=cast.inspector)
    finding = svc.finding_add(
        actor=cast.inspector, inspection=inspection, severity=Finding.Severity.MINOR, description="变更记录不完整"
    )
    observation = svc.finding_add(
        actor=cast.inspector, inspection=inspection, severity=Finding.Severity.OBSERVATION, description="建议改进"
    )
    assert observation.status == Finding.Status.CLOSED  # observations never block
    svc.inspection_complete(actor=cast.inspector, inspection=inspection, conclusion=Result.PASS, completed_on=TODAY())
    application = review(cast, svc.evaluation_complete(actor=cast.engineer, application=application))

    with pytest.raises(InvalidInput) as refused:
        svc.decision_make(actor=cast.decider, application=application, outcome="grant")
    assert refused.value.details["blockers"] == ["Nonconformity not closed: 变更记录不完整"]

    svc.finding_close(actor=cast.inspector, finding=finding, corrective_action="补充变更记录并复核")
    svc.decision_make(actor=cast.decider, application=application, outcome="grant")
    assert Certificate.objects.get(application=application).status == Certificate.Status.VALID


def test_an_open_major_nonconformity_cannot_conclude_pass(cast, hardware_scheme):
    application = in_evaluation(cast, hardware_scheme)
    inspection = svc.inspection_plan(actor=cast.engineer, case=application, planned_on=TODAY(), leader=cast.inspector)
    svc.finding_add(actor=cast.inspector, inspection=inspection, severity=Finding.Severity.MAJOR, description="无日志")
    with pytest.raises(InvalidInput, match="major nonconformity"):
        svc.inspection_complete(
            actor=cast.inspector, inspection=inspection, conclusion=Result.PASS, completed_on=TODAY()
        )


def test_grant_date_before_the_decision_is_refused(cast, software_scheme):
    application = review(cast, evaluate(cast, software_scheme))
    yesterday = TODAY() - timedelta(days=1)
    with pytest.raises(InvalidInput) as refused:
        svc.decision_make(actor=cast.decider, application=application, outcome="grant", issued_on=yesterday)
    assert refused.value.details == {"field": "issued_on"}
    assert yesterday.isoformat() in refused.value.message
    assert not Decision.objects.exists() and not Certificate.objects.exists()

    later = TODAY() + timedelta(days=3)
    svc.decision_make(actor=cast.decider, application=application, outcome="grant", issued_on=later)
    version = Certificate.objects.get().versions.get()
    assert version.issued_on == later and version.decided_on == TODAY()


def test_a_decision_against_the_recommendation_needs_a_reason(cast, software_scheme):
    application = evaluate(cast, software_scheme)
    svc.review_complete(
        actor=cast.reviewer, application=application, recommendation="refuse", comments="检测报告不完整"
    )
    with pytest.raises(InvalidInput, match="differs from the reviewer"):
        svc.decision_make(actor=cast.decider, application=application, outcome="grant")
    svc.decision_make(actor=cast.decider, application=application, outcome="grant", reason="补充报告已核实")
    assert Decision.objects.get().reason == "补充报告已核实"


# --- who may do what -----------------------------------------------------------------------------------------


@pytest.fixture
def case(cast, hardware_scheme):
    """An application in evaluation with an order at the lab and a planned inspection, plus one in decision."""
    application = in_evaluation(cast, hardware_scheme)
    order = svc.test_order_create(actor=cast.engineer, case=application, lab=cast.lab, unit=application.units.get())
    inspection = svc.inspection_plan(
        actor=cast.engineer, case=application, planned_on=TODAY(), leader=cast.inspector, members=[cast.inspector2]
    )
    finding = svc.finding_add(
        actor=cast.inspector, inspection=inspection, severity=Finding.Severity.MINOR, description="日志不全"
    )
    other_lab_user = user_create(
        username="lab2", password=None, roles=[Role.LAB], actor=None,
        lab=type(cast.lab).objects.create(name="另一实验室"),
    )  # fmt: skip
    in_decision = review(cast, evaluate(cast, hardware_scheme, leader=cast.inspector))
    return {
        "accepted": sc.accepted(cast, sc.submitted_application(cast, hardware_scheme)),
        "app": application,
        "order": order,
        "inspection": inspection,
        "finding": finding,
        "lab2": other_lab_user,
        "eng2": person("eng2", Role.ENGINEER),
        "decision": in_decision,
    }


WRONG_ROLES = {
    "evaluation_start": (["client", "decider", "inspector", "lab_user"], lambda c, k, a: svc.evaluation_start(
        actor=a, application=k["accepted"])),
    "test_order_create": (["client", "eng2", "market", "lab_user"], lambda c, k, a: svc.test_order_create(
        actor=a, case=k["app"], lab=c.lab)),
    "test_order_send_sample": (["client", "eng2", "lab_user"], lambda c, k, a: svc.test_order_send_sample(
        actor=a, order=k["order"], sent_on=TODAY())),
    "test_order_receive_sample": (["client", "lab2", "eng2", "inspector"], lambda c, k, a:
        svc.test_order_receive_sample(actor=a, order=k["order"], received_on=TODAY())),
    "test_order_report": (
        ["client", "lab2", "eng2", "inspector"],
        lambda c, k, a: svc.test_order_report(
            actor=a, order=k["order"], report_number="R1", issued_on=TODAY(), result="pass",
            report_file=ContentFile(sc.MINIMAL_PDF, name="r.pdf"),
        ),
    ),
    "test_order_cancel": (
        ["client", "lab_user", "eng2", "market"],
        lambda c, k, a: svc.test_order_cancel(actor=a, order=k["order"], reason="x"),
    ),
    "inspection_cancel": (
        ["client", "inspector", "eng2", "decider"],
        lambda c, k, a: svc.inspection_cancel(actor=a, inspection=k["inspection"], reason="x"),
    ),
    "finding_close": (
        ["inspector2", "client", "eng2", "reviewer"],
        lambda c, k, a: svc.finding_close(actor=a, finding=k["finding"], corrective_action="x"),
    ),
    "inspection_plan": (["client", "inspector", "eng2", "market"], lambda c, k, a: svc.inspection_plan(
        actor=a, case=k["app"], planned_on=TODAY(), leader=c.inspector)),
    "inspection_complete": (["inspector2", "engineer", "client"], lambda c, k, a: svc.inspection_complete(
        actor=a, inspection=k["inspection"], conclusion="pass", completed_on=TODAY())),
    "finding_add": (["engineer", "client", "reviewer"], lambda c, k, a: svc.finding_add(
        actor=a, inspection=k["inspection"], severity="minor", description="x")),
    "evaluation_complete": (["client", "eng2", "decider", "market"], lambda c, k, a: svc.evaluation_complete(
        actor=a, application=k["app"])),
    "reviewer_assign": (["client", "reviewer", "eng2", "decider"], lambda c, k, a: svc.reviewer_assign(
        actor=a, application=k["app"], reviewer=c.reviewer)),
    "review_complete": (["engineer", "decider", "client", "market"], lambda c, k, a: svc.review_complete(
        actor=a, application=k["decision"], recommendation="grant")),
    "evaluation_reopen": (["engineer", "client", "market", "inspector"], lambda c, k, a: svc.evaluation_reopen(
        actor=a, application=k["decision"], reason="x")),
    "decision_make": (["engineer", "reviewer", "client", "quality", "management", "admin"], lambda c, k, a:
        svc.decision_make(actor=a, application=k["decision"], outcome="grant")),
}  # fmt: skip


@pytest.mark.parametrize("service", list(WRONG_ROLES))
def test_wrong_roles_are_refused(cast, case, service):
    wrong, call = WRONG_ROLES[service]
    decision_app = case["decision"]
    for name in wrong:
        actor = case.get(name) or getattr(cast, name)
        with pytest.raises(NotAllowed):
            call(cast, case, actor)
    for key in ("accepted", "app"):
        case[key].refresh_from_db()
    decision_app.refresh_from_db()
    assert case["accepted"].status == Application.Status.ACCEPTED
    assert case["app"].status == Application.Status.EVALUATION
    assert decision_app.status == Application.Status.DECISION
    assert list(Order.objects.filter(application=case["app"]).values_list("status", flat=True)) == ["ordered"]
    assert list(Inspection.objects.filter(application=case["app"]).values_list("status", flat=True)) == ["planned"]
    assert Finding.objects.get(pk=case["finding"].pk).status == Finding.Status.OPEN


def test_surveillance_steps_need_their_roles(cast, software_scheme):
    certificate = sc.certified(cast, software_scheme)
    surveillance = certificate.surveillances.get()
    for actor in (cast.client, cast.decider, cast.inspector, cast.lab_user):
        with pytest.raises(NotAllowed):
            svc.surveillance_start(actor=actor, surveillance=surveillance)
    svc.surveillance_start(actor=cast.engineer, surveillance=surveillance)
    inspection = svc.inspection_plan(actor=cast.engineer, case=surveillance, planned_on=TODAY(), leader=cast.inspector)
    svc.inspection_complete(actor=cast.inspector, inspection=inspection, conclusion=Result.PASS, completed_on=TODAY())
    for actor in (cast.engineer, cast.reviewer, cast.quality, cast.client):
        with pytest.raises(NotAllowed):
            svc.surveillance_complete(actor=actor, surveillance=surveillance, outcome="keep")
    surveillance.refresh_from_db()
    assert surveillance.status == Surveillance.Status.IN_PROGRESS


# --- surveillance -------------------------------------------------------------------------------------------


def _surveillance_with_inspection(cast, certificate, conclusion=Result.PASS):
    surveillance = svc.surveillance_start(
        actor=cast.engineer, surveillance=certificate.surveillances.get(status="planned")
    )
    inspection = svc.inspection_plan(actor=cast.engineer, case=surveillance, planned_on=TODAY(), leader=cast.inspector)
    svc.inspection_complete(actor=cast.inspector, inspection=inspection, conclusion=conclusion, completed_on=TODAY())
    return surveillance


def test_surveillance_needs_an_inspection_or_sampling_and_no_type_tests(cast, software_scheme):
    certificate = sc.certified(cast, software_scheme)
    surveillance = svc.surveillance_start(actor=cast.engineer, surveillance=certificate.surveillances.get())
    with pytest.raises(InvalidInput, match="no inspection or sampling test"):
        svc.surveillance_complete(actor=cast.decider, surveillance=surveillance, outcome="keep")
    with pytest.raises(InvalidInput, match="not type tests"):
        svc.test_order_create(actor=cast.engineer, case=surveillance, lab=cast.lab)
    order = svc.test_order_create(actor=cast.engineer, case=surveillance, lab=cast.lab, purpose="market_sampling")
    with pytest.raises(InvalidInput, match="has no report yet"):
        svc.surveillance_complete(actor=cast.decider, surveillance=surveillance, outcome="keep")
    report(cast, order, Result.FAIL)
    with pytest.raises(InvalidInput) as refused:
        svc.surveillance_complete(actor=cast.decider, surveillance=surveillance, outcome="keep")
    assert refused.value.code == "keep_blocked"


def test_surveillance_outcome_suspend_suspends_and_plans_the_next(cast, software_scheme):
    certificate = sc.certified(cast, software_scheme)
    surveillance = _surveillance_with_inspection(cast, certificate, Result.FAIL)
    with pytest.raises(InvalidInput, match="reason"):
        svc.surveillance_complete(actor=cast.decider, surveillance=surveillance, outcome="suspend")
    svc.surveillance_complete(actor=cast.decider, surveillance=surveillance, outcome="suspend", reason="跟踪检查不通过")
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.SUSPENDED
    assert certificate.suspended_until == TODAY() + timedelta(days=software_scheme.max_suspension_days)
    nxt = certificate.surveillances.get(status="planned")
    assert nxt.sequence_no == 2
    assert nxt.due_on == surveillance.due_on + relativedelta(months=software_scheme.surveillance_interval_months)


def test_surveillance_outcome_withdraw_withdraws_and_plans_nothing(cast, software_scheme):
    certificate = sc.certified(cast, software_scheme)
    surveillance = _surveillance_with_inspection(cast, certificate, Result.FAIL)
    svc.surveillance_complete(actor=cast.decider, surveillance=surveillance, outcome="withdraw", reason="严重不符合")
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.WITHDRAWN
    assert certificate.status_reason_code == WithdrawalReason.SURVEILLANCE_FAILED
    assert not certificate.surveillances.filter(status__in=["planned", "in_progress"]).exists()


def test_no_surveillance_work_once_the_certificate_has_ended(cast, software_scheme):
    from certbody.certificates.services import certificate_withdraw

    certificate = sc.certified(cast, software_scheme)
    surveillance = certificate.surveillances.get()
    certificate_withdraw(actor=cast.decider, certificate=certificate, reason_code="fraud", reason="虚假材料")
    surveillance.refresh_from_db()
    assert surveillance.status == Surveillance.Status.CANCELLED
    with pytest.raises(InvalidInput, match="has ended"):
        svc.surveillance_start(actor=cast.engineer, surveillance=surveillance)


# --- readable refusals -------------------------------------------------------------------------------------


def test_illegal_steps_in_evaluation_say_what_and_why(cast, software_scheme):
    application = sc.accepted(cast, sc.submitted_application(cast, software_scheme))
    with pytest.raises(IllegalTransition) as refused:
        svc.evaluation_complete(actor=cast.engineer, application=application)
    assert refused.value.message == f"Cannot complete the evaluation: application {application.number} is Accepted."
    assert refused.value.details == {"status": "accepted", "transition": "complete_evaluation"}
    with pytest.raises(InvalidInput, match="not being evaluated now"):
        svc.test_order_create(actor=cast.engineer, case=application, lab=cast.lab)


def test_a_unit_of_another_application_cannot_be_ordered(cast, software_scheme):
    application = in_evaluation(cast, software_scheme)
    other = in_evaluation(cast, software_scheme)
    with pytest.raises(InvalidInput, match="not part of this application"):
        svc.test_order_create(actor=cast.engineer, case=application, lab=cast.lab, unit=other.units.get())
