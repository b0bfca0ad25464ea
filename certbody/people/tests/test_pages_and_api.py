"""The people pages and API: HR manages, quality decides overrides, refusals reach the user with every reason."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from certbody.accounts.services import api_token_create
from certbody.certification import services as svc
from certbody.console.selectors import work_queue
from certbody.core.models import AuditEvent
from certbody.core.tests.pages import Pages, form_errors
from certbody.demo import scenarios as sc
from certbody.people import services as people_svc
from certbody.people.models import (
    AssignmentOverride,
    Authorisation,
    Conflict,
    ConsultancyEngagement,
    Declaration,
    Person,
    Registration,
    Risk,
)

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


@pytest.fixture
def pages(client):
    return Pages(client)


@pytest.fixture
def in_evaluation(cast, hardware_scheme):
    application = sc.accepted(cast, sc.submitted_application(cast, hardware_scheme))
    svc.evaluation_start(actor=cast.engineer, application=application)
    application.refresh_from_db()
    return application


def api(user):
    _, key = api_token_create(user=user, name="t", actor=None)
    client = Client(headers={"Authorization": f"Bearer {key}", "Accept-Language": "en"})

    def call(method, path, body=None):
        url = "/api/v1" + path
        if method == "get":
            return client.get(url, body or {})
        return client.post(url, json.dumps(body or {}), content_type="application/json")

    return call


def test_hr_adds_a_person_and_revokes_an_authorisation_with_the_reason_on_record(pages, cast):
    pages.login(cast.hr)
    response = pages.client.post(reverse("people:list"), {"form": "PersonForm", "name": "", "employment": "full_time"})
    assert response.status_code == 200 and "required" in form_errors(response)
    response = pages.client.post(
        reverse("people:list"), {"form": "PersonForm", "name": "新员工 周敏", "employment": "part_time"}
    )
    person = Person.objects.get(name="新员工 周敏")
    assert response.status_code == 302 and person.employment == "part_time"

    detail = reverse("people:detail", args=[cast.inspector2.person.pk])
    authorisation = Authorisation.objects.get(person__user=cast.inspector2, role="team_leader")
    refused = pages.refused(detail, "authorisation_change", authorisation=authorisation.pk, step="revoke", reason="")
    assert "required" in form_errors(refused)
    pages.act(detail, "authorisation_change", authorisation=authorisation.pk, step="revoke", reason="违反公正性规定")
    authorisation.refresh_from_db()
    assert authorisation.status == "revoked"
    page = pages.get(detail).content.decode()
    assert "违反公正性规定" in page and "active→revoked" in page


def test_management_reads_but_cannot_change_and_a_client_never_sees_people(pages, cast):
    pages.login(cast.management)
    assert pages.get(reverse("people:list")).status_code == 200
    response = pages.client.post(reverse("people:list"), {"form": "PersonForm", "name": "X", "employment": "full_time"})
    assert "Only HR and quality" in form_errors(response)
    assert not Person.objects.filter(name="X").exists()
    for user in (cast.client, cast.engineer, cast.lab_user):
        pages.login(user)
        assert pages.get(reverse("people:list")).status_code == 403
        assert pages.get(reverse("people:detail", args=[cast.inspector.person.pk])).status_code == 403


def test_consultancy_recorded_on_the_page_bars_and_feeds_the_risk_register(pages, cast, in_evaluation):
    pages.login(cast.quality)
    url = reverse("people:consultancy")
    data = {
        "form": "ConsultancyForm",
        "organisation": "不存在的公司",
        "description": "支付安全咨询",
        "started_on": (today() - timedelta(days=90)).isoformat(),
        "ended_on": (today() - timedelta(days=30)).isoformat(),
        "consultants": [cast.inspector2.person.pk],
    }
    refused = pages.client.post(url, data)
    assert "No client with this name" in form_errors(refused)
    assert "支付安全咨询" in refused.content.decode()  # the input is kept
    data["organisation"] = cast.organisation.name
    assert pages.client.post(url, data).status_code == 302
    engagement = ConsultancyEngagement.objects.get()
    assert Risk.objects.filter(engagement=engagement).exists()
    assert "支付安全咨询" in pages.get(reverse("people:risks")).content.decode()
    assert Conflict.objects.get(engagement=engagement).person == cast.inspector2.person


def test_suggestions_page_ranks_the_eligible_and_says_why_the_others_are_not(pages, cast, in_evaluation):
    people_svc.conflict_record(
        actor=cast.hr,
        person=cast.inspector2.person,
        organisation=cast.organisation,
        kind=Conflict.Kind.EMPLOYMENT,
        started_on=today() - timedelta(days=800),
        ended_on=today() - timedelta(days=100),
    )
    pages.login(cast.engineer)
    page = pages.get(
        reverse("people:suggestions") + f"?role=team_leader&application={in_evaluation.number}"
    ).content.decode()
    ranked, refused = page.split("Authorised, but not eligible now")
    assert "(inspector)" in ranked and "inspector2" not in ranked
    assert "Past employment by the client" in refused
    missing = pages.get(reverse("people:suggestions") + "?role=team_leader&application=NOPE").content.decode()
    assert "No application with this number" in missing


def test_override_asked_and_approved_on_the_pages_by_two_people(pages, cast, in_evaluation, hardware_scheme):
    narrow = Authorisation.objects.filter(person__user=cast.inspector2)
    narrow.update(all_categories=False)
    for authorisation in narrow:
        authorisation.schemes.set([])
    pages.login(cast.engineer)
    url = reverse("people:overrides")
    data = {
        "form": "OverrideRequestForm",
        "role": "team_leader",
        "username": "inspector2",
        "application": in_evaluation.number,
        "reason": "唯一熟悉该型号的检查员",
    }
    assert pages.client.post(url, data).status_code == 302
    override = AssignmentOverride.objects.get()
    decision = {"form": "OverrideDecisionForm", "override": override.pk, "approve": "1", "reason": "同意"}
    # The engineer cannot approve his own request (and sees no decision form).
    assert 'name="approve"' not in pages.get(url).content.decode()
    assert "Only quality or management" in form_errors(pages.client.post(url, decision))
    assert [t.kind for t in work_queue(cast.quality)].count("override") == 1
    pages.login(cast.quality)
    assert pages.client.post(url, decision).status_code == 302
    override.refresh_from_db()
    assert override.status == "approved" and override.decided_by == cast.quality

    svc.inspection_plan(actor=cast.engineer, case=in_evaluation, planned_on=today(), leader=cast.inspector2)
    override.refresh_from_db()
    assert override.status == "used"


def test_a_person_signs_the_overdue_declaration_on_the_page_and_the_queue_reminds_until_then(pages, cast):
    Declaration.objects.filter(person__user=cast.inspector2).delete()
    assert "declaration" in [t.kind for t in work_queue(cast.inspector2)]
    pages.login(cast.inspector2)
    url = reverse("people:declaration")
    assert "overdue" in pages.get(url).content.decode()
    response = pages.client.post(url, {"year": today().year, "interests": ""})  # not confirmed
    assert response.status_code == 200 and not Declaration.objects.filter(person__user=cast.inspector2).exists()
    assert pages.client.post(url, {"year": today().year, "interests": "", "confirm": "on"}).status_code == 302
    assert Declaration.objects.filter(person__user=cast.inspector2, year=today().year).exists()
    assert "declaration" not in [t.kind for t in work_queue(cast.inspector2)]
    pages.login(cast.client)
    assert pages.get(url).status_code == 403


def test_hr_queue_shows_the_alerts(cast):
    Registration.objects.filter(person__user=cast.inspector).update(valid_until=today() + timedelta(days=20))
    tasks = [t for t in work_queue(cast.hr) if t.kind == "people"]
    assert any("expires" in t.title and t.subject == cast.inspector.person.name for t in tasks)
    assert not [t for t in work_queue(cast.engineer) if t.kind == "people"]


def test_pages_for_records_render_with_data(pages, cast):
    people_svc.committee_member_add(actor=cast.quality, name="陈教授", group="experts", joined_on=today())
    people_svc.risk_create(actor=cast.quality, title="熟悉性威胁", threat="familiarity", likelihood=2, impact=4)
    pages.login(cast.hr)
    for name in ("people:list", "people:alerts", "people:headcount", "people:committee", "people:risks"):
        assert pages.get(reverse(name)).status_code == 200, name
    assert "陈教授" in pages.get(reverse("people:committee")).content.decode()
    assert "2 × 4 = <strong>8</strong>" in pages.get(reverse("people:risks")).content.decode()
    response = pages.client.post(
        reverse("people:committee"),
        {"form": "MeetingForm", "held_on": today().isoformat(), "title": "第二次会议", "decision": "同意年度报告"},
    )
    assert response.status_code == 302
    assert "同意年度报告" in pages.get(reverse("people:committee")).content.decode()
    assert pages.get(reverse("people:headcount") + "?on=not-a-date").status_code == 200


# --- API -----------------------------------------------------------------------------------------------------------


def test_a_refused_assignment_answers_409_naming_every_rule(cast, in_evaluation):
    Declaration.objects.filter(person__user=cast.inspector2).delete()
    Registration.objects.filter(person__user=cast.inspector2).update(valid_until=today() - timedelta(days=1))
    response = api(cast.engineer)(
        "post",
        "/inspections",
        {"application_id": in_evaluation.pk, "planned_on": today().isoformat(), "leader": "inspector2"},
    )
    body = response.json()
    assert response.status_code == 409 and body["code"] == "assignment_refused"
    assert [r["rule"] for r in body["details"]["rules"]] == ["registration", "declaration"]
    assert "CCAA registration" in body["message"] and "declaration" in body["message"]


def test_api_check_suggestions_and_overrides(cast, in_evaluation):
    engineer = api(cast.engineer)
    check = engineer(
        "get", "/assignments/check", {"role": "lab", "lab_id": cast.lab.pk, "application_id": in_evaluation.pk}
    ).json()
    assert check == {"assignable": True, "refusals": []}
    no_role = engineer("get", "/assignments/suggestions", {"application_id": in_evaluation.pk})
    assert no_role.status_code == 422
    ranked = engineer(
        "get", "/assignments/suggestions", {"role": "team_leader", "application_id": in_evaluation.pk}
    ).json()
    assert {s["username"] for s in ranked} == {"inspector", "inspector2"}
    assert api(cast.hr)("get", "/assignments/suggestions", {"role": "team_leader"}).status_code == 403

    not_needed = engineer(
        "post",
        "/assignments/overrides",
        {"role": "team_leader", "username": "inspector", "application_id": in_evaluation.pk, "reason": "x"},
    )
    assert not_needed.status_code == 422 and not_needed.json()["code"] == "override_not_needed"

    headcount = api(cast.hr)("get", "/people/headcount").json()
    assert headcount["people"] == 4 and headcount["registrations"] == 4  # 2 inspectors, reviewer, decider
    assert api(cast.client)("get", "/people").status_code == 403
    assert AuditEvent.objects.filter(action="assignment.override_request").count() == 0


def test_the_application_page_suggests_leaders_and_shows_every_reason_of_a_refusal(pages, cast, in_evaluation):
    Declaration.objects.filter(person__user=cast.inspector2).delete()
    pages.login(cast.engineer)
    url = reverse("applications:detail", args=[in_evaluation.pk])
    page = pages.get(url).content.decode()
    assert "Suggested (eligible, best first): 检查员 刘洋." in page

    refused = pages.refused(url, "plan_inspection", planned_on=today().isoformat(), leader=cast.inspector2.pk)
    errors = form_errors(refused)
    assert "has not signed the impartiality and confidentiality declaration" in errors
    assert not in_evaluation.inspections.exists()
