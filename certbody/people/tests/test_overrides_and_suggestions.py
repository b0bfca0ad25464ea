"""Overrides by a second person, assignment suggestions, headcounts, alerts and the records behind them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone, translation

from certbody.accounts.services import user_create
from certbody.certification import services as svc
from certbody.certification.models import Inspection
from certbody.core.errors import DomainError, InvalidInput, NotAllowed
from certbody.core.models import AuditEvent, StatusChange
from certbody.core.roles import Role
from certbody.demo import scenarios as sc
from certbody.people import engine, selectors
from certbody.people import services as people_svc
from certbody.people.engine import AssignmentRefused
from certbody.people.models import (
    AssignmentOverride,
    AssignmentRole,
    Authorisation,
    Conflict,
    Declaration,
    Evaluation,
    Person,
    Registration,
    Risk,
)
from certbody.schemes.models import ProductCategory

pytestmark = pytest.mark.django_db
R = AssignmentRole


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def today():
    return timezone.localdate()


def staff(username, *roles):
    user = user_create(username=username, password=None, roles=list(roles), actor=None, display_name=username)
    sc.qualify_staff(user)
    return user


@pytest.fixture
def application(cast, hardware_scheme):
    application = sc.accepted(cast, sc.submitted_application(cast, hardware_scheme))
    svc.evaluation_start(actor=cast.engineer, application=application)
    application.refresh_from_db()
    return application


def narrow_scope(user, scheme):
    """Authorised as inspector, but for another category than the scheme's."""
    other = ProductCategory.objects.exclude(pk=scheme.category_id).first()
    for authorisation in Authorisation.objects.filter(person__user=user):
        authorisation.all_categories = False
        authorisation.save(update_fields=["all_categories"])
        authorisation.categories.set([other])


# --- overrides --------------------------------------------------------------------------------------------------------


def test_an_override_needs_a_second_person_with_a_reason_and_is_audited(cast, application, hardware_scheme):
    specialist = staff("specialist", Role.INSPECTOR)
    narrow_scope(specialist, hardware_scheme)
    with pytest.raises(AssignmentRefused):
        svc.inspection_plan(actor=cast.engineer, case=application, planned_on=today(), leader=specialist)

    with pytest.raises(InvalidInput):
        people_svc.override_request(
            actor=cast.engineer, subject=specialist, role=R.TEAM_LEADER, case=application, reason="  "
        )
    override = people_svc.override_request(
        actor=cast.engineer, subject=specialist, role=R.TEAM_LEADER, case=application, reason="唯一熟悉该芯片的检查员"
    )
    assert override.rules == ["authorised_scope"]
    # Requested is not approved: still refused.
    with pytest.raises(AssignmentRefused):
        svc.inspection_plan(actor=cast.engineer, case=application, planned_on=today(), leader=specialist)
    # Not by the one who asked, nor by the person assigned, nor by a role without the power.
    with pytest.raises(NotAllowed):
        people_svc.override_decide(actor=cast.engineer, override=override, approve=True, reason="同意")
    specialist.role_grants.create(role=Role.QUALITY)
    specialist = type(specialist).objects.get(pk=specialist.pk)
    with pytest.raises(NotAllowed):
        people_svc.override_decide(actor=specialist, override=override, approve=True, reason="同意")
    with pytest.raises(NotAllowed):
        people_svc.override_decide(actor=cast.hr, override=override, approve=True, reason="同意")
    with pytest.raises(InvalidInput):
        people_svc.override_decide(actor=cast.quality, override=override, approve=True, reason="")

    people_svc.override_decide(actor=cast.quality, override=override, approve=True, reason="临时扩大范围，已培训")
    inspection = svc.inspection_plan(actor=cast.engineer, case=application, planned_on=today(), leader=specialist)

    assert inspection.members.get().user == specialist
    override.refresh_from_db()
    assert override.status == AssignmentOverride.Status.USED and override.decided_by == cast.quality
    trail = list(
        AuditEvent.objects.filter(object_type="people.assignmentoverride", object_id=str(override.pk)).order_by("seq")
    )
    assert [e.action for e in trail] == [
        "assignment.override_request",
        "assignment.override_approve",
        "assignment.override_used",
    ]
    assert trail[0].actor == cast.engineer and trail[1].actor == cast.quality
    assert trail[1].reason == "临时扩大范围，已培训" and trail[2].after["rules"] == ["authorised_scope"]
    assert trail[2].subject_id == str(application.pk)
    # Used once: the next assignment of the same person is refused again.
    with pytest.raises(AssignmentRefused):
        svc.inspection_plan(actor=cast.engineer, case=application, planned_on=today(), leader=specialist)


def test_rules_the_policy_does_not_let_be_overridden_cannot_be(cast, application):
    consultant = staff("consultant", Role.INSPECTOR)
    people_svc.consultancy_record(
        actor=cast.quality,
        organisation=cast.organisation,
        description="咨询",
        started_on=today() - relativedelta(months=12),
        ended_on=today() - relativedelta(months=6),
        consultants=[consultant.person],
    )
    with pytest.raises(DomainError) as refused:
        people_svc.override_request(
            actor=cast.engineer, subject=consultant, role=R.TEAM_LEADER, case=application, reason="人手不足"
        )
    assert refused.value.code == "override_not_allowed"
    assert not AssignmentOverride.objects.exists()


def test_a_setting_cannot_open_conflicts_or_independence_to_overrides(cast, application):
    from certbody.core.models import SystemSetting

    SystemSetting.objects.create(
        key="assignment_overridable_rules", value=["conflict", "independence", "declaration", "authorised_scope"]
    )
    consultant = staff("consultant", Role.INSPECTOR)
    people_svc.consultancy_record(
        actor=cast.quality,
        organisation=cast.organisation,
        description="咨询",
        started_on=today() - relativedelta(months=12),
        ended_on=today() - relativedelta(months=6),
        consultants=[consultant.person],
    )
    with pytest.raises(DomainError) as refused:
        people_svc.override_request(
            actor=cast.engineer, subject=consultant, role=R.TEAM_LEADER, case=application, reason="人手不足"
        )
    assert refused.value.code == "override_not_allowed"
    assert not AssignmentOverride.objects.exists()


def test_a_rejected_override_lets_nothing_through(cast, application, hardware_scheme):
    specialist = staff("specialist", Role.INSPECTOR)
    narrow_scope(specialist, hardware_scheme)
    override = people_svc.override_request(
        actor=cast.engineer, subject=specialist, role=R.TEAM_LEADER, case=application, reason="专家"
    )
    people_svc.override_decide(actor=cast.management, override=override, approve=False, reason="应先扩大授权范围")
    with pytest.raises(AssignmentRefused):
        svc.inspection_plan(actor=cast.engineer, case=application, planned_on=today(), leader=specialist)
    assert AuditEvent.objects.filter(action="assignment.override_reject", actor=cast.management).exists()
    assert not Inspection.objects.filter(application=application).exists()


# --- suggestions ------------------------------------------------------------------------------------------------------


def _names(suggestions):
    return [s.user.username for s in suggestions]


def test_expiry_of_a_registration_removes_the_person_from_suggestions_the_next_day(cast, application):
    Registration.objects.filter(person__user=cast.inspector2).update(valid_until=today() + timedelta(days=3))
    last_day = today() + timedelta(days=3)

    on_last_day = _names(selectors.suggest(R.TEAM_LEADER, case=application, on=last_day))
    next_day = _names(selectors.suggest(R.TEAM_LEADER, case=application, on=last_day + timedelta(days=1)))

    assert "inspector2" in on_last_day and "inspector" in on_last_day
    assert "inspector2" not in next_day and "inspector" in next_day


def test_expiry_of_an_authorisation_removes_the_person_from_suggestions_the_next_day(cast, application):
    Authorisation.objects.filter(person__user=cast.reviewer).update(valid_until=today())
    assert "reviewer" in _names(selectors.suggest(R.REVIEWER, case=application, on=today()))
    assert "reviewer" not in _names(selectors.suggest(R.REVIEWER, case=application, on=today() + timedelta(days=1)))


def test_suggestions_rank_by_competence_then_workload_then_rotation(
    cast, application, hardware_scheme, software_scheme
):
    staff("fresh", Role.INSPECTOR)
    specialist = staff("specialist", Role.INSPECTOR)
    Registration.objects.get(person__user=specialist).specialties.add(hardware_scheme.category)
    # cast.inspector has served this client and carries the most work; inspector2 served it, less work.
    other = sc.accepted(cast, sc.submitted_application(cast, software_scheme))
    svc.evaluation_start(actor=cast.engineer, application=other)
    for _ in range(2):
        svc.inspection_plan(actor=cast.engineer, case=other, planned_on=today(), leader=cast.inspector)
    svc.inspection_plan(actor=cast.engineer, case=other, planned_on=today(), leader=cast.inspector2)

    ranked = selectors.suggest(R.TEAM_LEADER, case=application)
    names = _names(ranked)

    assert names[0] == "specialist"  # competence: the category is his specialty
    assert names.index("fresh") < names.index("inspector2") < names.index("inspector")
    by_name = {s.user.username: s for s in ranked}
    assert by_name["fresh"].days_since_client is None and by_name["inspector"].days_since_client == 0
    assert by_name["inspector"].workload > by_name["inspector2"].workload


def test_suggestions_leave_out_whoever_the_engine_refuses(cast, application):
    people_svc.conflict_record(
        actor=cast.hr,
        person=cast.inspector2.person,
        organisation=cast.organisation,
        kind=Conflict.Kind.RELATIVE,
        description="配偶在该行任职",
        started_on=today() - timedelta(days=100),
    )
    names = _names(selectors.suggest(R.TEAM_LEADER, case=application))
    assert "inspector" in names and "inspector2" not in names
    assert "reviewer" not in names  # not authorised as team leader


# --- headcount --------------------------------------------------------------------------------------------------------


def test_headcount_by_qualification_counts_people_and_registrations_separately(db):
    """The seed: 22 full-time certification staff, 23 qualifications (1 senior service auditor, 1 service auditor,
    2 product inspectors, 19 intern inspectors), one person holding two; plus records that must not count."""
    day = date(2021, 12, 31)
    valid = {"valid_from": date(2020, 6, 1), "valid_until": date(2023, 5, 31)}
    people = [people_svc.person_create(actor=None, name=f"员工{n:02d}") for n in range(24)]
    F, L = Registration.Family, Registration.Level  # noqa: N806 - read as the enums they are
    plan = [(0, F.SERVICE, L.SENIOR), (1, F.SERVICE, L.FULL), (2, F.PRODUCT, L.FULL), (3, F.PRODUCT, L.FULL)]
    plan += [(n, F.PRODUCT, L.INTERN) for n in range(4, 22)]  # 18 people ...
    plan += [(1, F.PRODUCT, L.INTERN)]  # ... and the service auditor is also an intern inspector: 19 interns
    for n, (index, family, level) in enumerate(plan):
        people_svc.registration_add(
            actor=None, person=people[index], family=family, level=level, number=f"R{n:03d}", **valid
        )
    # Not counted on the day: expired before it, starting after it, and held by someone who left.
    people_svc.registration_add(
        actor=None, person=people[22], family=F.PRODUCT, level=L.FULL, number="OLD",
        valid_from=date(2018, 1, 1), valid_until=date(2021, 12, 30),
    )  # fmt: skip
    people_svc.registration_add(
        actor=None, person=people[22], family=F.PRODUCT, level=L.FULL, number="NEW",
        valid_from=date(2022, 1, 1), valid_until=date(2025, 1, 1),
    )  # fmt: skip
    people_svc.registration_add(actor=None, person=people[23], family=F.SERVICE, level=L.FULL, number="GONE", **valid)
    Person.objects.filter(pk=people[23].pk).update(left_on=date(2021, 10, 1))

    count = selectors.headcount_by_qualification(day)

    assert (count.people, count.registrations) == (22, 23)
    rows = {(r.family, r.level): (r.people, r.registrations) for r in count.rows}
    assert rows == {
        (F.PRODUCT, L.INTERN): (19, 19),
        (F.PRODUCT, L.FULL): (2, 2),
        (F.SERVICE, L.FULL): (1, 1),
        (F.SERVICE, L.SENIOR): (1, 1),
    }
    people_svc.person_create(actor=None, name="外部专家", employment=Person.Employment.EXTERNAL)
    assert selectors.headcount_by_qualification(day).staff == 23  # the employed on the day, qualified or not
    later = selectors.headcount_by_qualification(date(2022, 1, 1))
    assert (later.people, later.registrations) == (23, 24)


# --- alerts, declarations, authorisation history ----------------------------------------------------------------------


def test_alerts_show_what_expires_within_60_days_and_missing_evaluations(cast):
    Registration.objects.filter(person__user=cast.inspector).update(valid_until=today() + timedelta(days=59))
    Authorisation.objects.filter(person__user=cast.reviewer).update(valid_until=today() + timedelta(days=30))
    Authorisation.objects.filter(person__user=cast.decider).update(valid_until=today() + timedelta(days=61))
    Evaluation.objects.filter(person__user=cast.inspector).update(evaluated_on=today() - timedelta(days=366))
    Evaluation.objects.filter(person__user=cast.inspector2).delete()
    people_svc.evaluation_record(
        actor=cast.hr, person=cast.inspector2.person, kind="competence", evaluated_on=today(), outcome="competent"
    )
    Declaration.objects.filter(person__user=cast.engineer, year=today().year).delete()
    if today().month == 1:
        Declaration.objects.filter(person__user=cast.engineer, year=today().year - 1).delete()

    found = {(a.kind, a.person.user.username) for a in selectors.alerts()}

    assert ("registration_expiring", "inspector") in found
    assert ("authorisation_expiring", "reviewer") in found
    assert ("authorisation_expiring", "decider") not in found
    assert ("evaluation_missing", "inspector") in found and ("evaluation_missing", "inspector2") not in found
    assert ("declaration_missing", "engineer") in found and ("declaration_missing", "inspector") not in found


def test_overdue_declaration_blocks_until_the_person_signs_it_in_the_system(cast, application):
    Declaration.objects.filter(person__user=cast.inspector2).delete()
    assert [r.rule for r in engine.check(cast.inspector2, R.TEAM_LEADER, case=application)] == ["declaration"]
    with pytest.raises(NotAllowed):
        people_svc.declaration_sign(actor=cast.client)  # no personnel record
    people_svc.declaration_sign(actor=cast.inspector2, interests="无")
    with pytest.raises(InvalidInput):
        people_svc.declaration_sign(actor=cast.inspector2)  # once a year
    assert engine.check(cast.inspector2, R.TEAM_LEADER, case=application) == []
    assert AuditEvent.objects.filter(action="declaration.sign", actor=cast.inspector2).exists()


def test_a_revoked_authorisation_keeps_its_history_and_the_reason(cast, application):
    authorisation = Authorisation.objects.get(person__user=cast.inspector2, role=R.TEAM_LEADER)
    with pytest.raises(InvalidInput):
        people_svc.authorisation_change(actor=cast.hr, authorisation=authorisation, step="suspend", reason="")
    with pytest.raises(NotAllowed):
        people_svc.authorisation_change(actor=cast.engineer, authorisation=authorisation, step="suspend", reason="x")
    people_svc.authorisation_change(actor=cast.hr, authorisation=authorisation, step="suspend", reason="投诉调查中")
    people_svc.authorisation_change(actor=cast.hr, authorisation=authorisation, step="revoke", reason="违反公正性")

    authorisation.refresh_from_db()
    assert authorisation.status == Authorisation.Status.REVOKED and authorisation.status_reason == "违反公正性"
    history = StatusChange.objects.filter(object_id=str(authorisation.pk), content_type__model="authorisation")
    assert [(h.from_status, h.to_status, h.reason) for h in history] == [
        ("active", "suspended", "投诉调查中"),
        ("suspended", "revoked", "违反公正性"),
    ]
    assert "authorised_role" not in [r.rule for r in engine.check(cast.inspector2, R.INSPECTOR, case=application)]
    assert [r.rule for r in engine.check(cast.inspector2, R.TEAM_LEADER, case=application)] == ["authorised_role"]


def test_consultancy_and_conflicts_feed_the_risk_register(cast):
    engagement = people_svc.consultancy_record(
        actor=cast.quality,
        organisation=cast.organisation,
        description="数据安全咨询",
        started_on=today() - timedelta(days=60),
        consultants=[cast.inspector.person, cast.inspector2.person],
    )
    conflict = people_svc.conflict_record(
        actor=cast.hr,
        person=cast.reviewer.person,
        organisation=cast.organisation,
        kind=Conflict.Kind.SHAREHOLDING,
        started_on=today() - timedelta(days=400),
    )
    assert Risk.objects.get(engagement=engagement).threat == Risk.Threat.CONSULTANCY
    assert Risk.objects.get(conflict=conflict).threat == Risk.Threat.FINANCIAL
    assert Conflict.objects.filter(engagement=engagement).count() == 2
    assert engine.check(cast.inspector, R.INSPECTOR, organisation=cast.organisation)[0].rule == "conflict"


def test_the_suggestions_page_reads_each_kind_of_record_once_however_many_staff(cast, application, client):
    """Ranking the staff costs the same queries for a few people as for many (it ran the rules person by person)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    client.force_login(cast.engineer)
    url = reverse("people:suggestions") + f"?role={R.TEAM_LEADER}&application={application.number}"

    def add(n: int, start: int) -> None:
        for i in range(start, start + n):
            staff(f"more-inspector-{i}", Role.INSPECTOR)
            barred = staff(f"barred-inspector-{i}", Role.INSPECTOR)
            people_svc.conflict_record(
                actor=cast.hr,
                person=barred.person,
                organisation=cast.organisation,
                kind=Conflict.Kind.RELATIVE,
                description="亲属任职",
                started_on=today() - timedelta(days=10),
            )

    def queries() -> tuple[int, int, int]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        return len(captured), len(response.context["ranked"]), len(response.context["refused"])

    add(1, 0)
    few, ranked_before, refused_before = queries()
    add(5, 1)
    many, ranked_after, refused_after = queries()

    assert (ranked_after, refused_after) == (ranked_before + 5, refused_before + 5)  # the page shows them all
    assert many == few


def test_alerts_leave_out_renewed_records_and_read_each_kind_once_however_many_people(cast):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    soon = today() + timedelta(days=20)

    def add_expiring(n: int, start: int) -> None:
        for i in range(start, start + n):
            user = staff(f"expiring-{i}", Role.INSPECTOR)
            Registration.objects.filter(person__user=user).update(valid_until=soon)
            Authorisation.objects.filter(person__user=user).update(valid_until=soon)
            Declaration.objects.filter(person__user=user).delete()

    # inspector2's registration and team-leader authorisation end soon, but each is renewed from the day after.
    registration = Registration.objects.filter(person__user=cast.inspector2).first()
    Registration.objects.filter(pk=registration.pk).update(valid_until=soon)
    people_svc.registration_add(
        actor=cast.hr,
        person=cast.inspector2.person,
        family=registration.family,
        level=registration.level,
        number="CCAA-RENEWED-1",
        valid_from=soon + timedelta(days=1),
        valid_until=soon + timedelta(days=3 * 365),
    )
    authorisation = Authorisation.objects.filter(person__user=cast.inspector2, role=R.TEAM_LEADER).first()
    Authorisation.objects.filter(pk=authorisation.pk).update(valid_until=soon)
    people_svc.authorisation_grant(
        actor=cast.hr,
        person=cast.inspector2.person,
        role=R.TEAM_LEADER,
        valid_from=soon + timedelta(days=1),
        valid_until=soon + timedelta(days=365),
        all_categories=True,
    )

    def run() -> tuple[int, set[tuple[str, str]]]:
        with CaptureQueriesContext(connection) as captured:
            alerts = selectors.alerts()
        return len(captured), {(a.kind, a.person.user.username) for a in alerts}

    add_expiring(1, 0)
    few, found_few = run()
    add_expiring(5, 1)
    many, found_many = run()

    assert not {kind for kind, name in found_many if name == "inspector2"} & {
        "registration_expiring",
        "authorisation_expiring",
    }
    for i in range(6):
        for kind in ("registration_expiring", "authorisation_expiring", "declaration_missing"):
            assert (kind, f"expiring-{i}") in found_many
    assert len(found_many) > len(found_few)
    assert many == few
