"""Errors keep one JSON shape with the right status; callers only see and touch what is theirs."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from certbody.accounts.models import ApiToken
from certbody.accounts.services import api_token_create
from certbody.demo import scenarios as sc
from certbody.demo.scenarios import make_cast

from .conftest import BASE, Api


def assert_error(body: dict, code: str) -> None:
    assert set(body) == {"code", "message", "details"}, body
    assert body["code"] == code, body
    assert isinstance(body["message"], str) and body["message"].strip()
    assert "[{" not in body["message"] and "{'" not in body["message"], body["message"]  # no Python reprs


@pytest.fixture
def english():
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.mark.django_db
def test_illegal_transition_is_409_with_its_code(cast, software_scheme, as_user):
    application = sc.submitted_application(cast, software_scheme)
    body = as_user(cast.client).post(f"/applications/{application.pk}/submit", status=409)
    assert_error(body, "illegal_transition")
    assert body["details"] == {"status": "submitted", "transition": "submit"}


@pytest.mark.django_db
def test_domain_refusal_of_input_is_422_with_its_code(cast, software_scheme, as_user):
    client = as_user(cast.client)
    app = client.post("/applications", {"scheme": software_scheme.code, "title": "空申请"}, status=201)
    assert_error(client.post(f"/applications/{app['id']}/submit", status=422), "no_units")


@pytest.mark.django_db
def test_validation_error_is_422_with_readable_message_and_fields(cast, as_user):
    client = Api(None)
    client.client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    _, key = api_token_create(user=cast.client, name="t", actor=None)
    client.headers = {"Authorization": f"Bearer {key}"}

    body = client.post("/applications", {"kind": "nonsense", "title": "x" * 300}, status=422)
    assert_error(body, "validation_error")
    assert set(body["details"]["fields"]) == {"kind", "title"}
    assert "title" in body["message"] and "300" not in body["message"]
    assert "200" in body["details"]["fields"]["title"]

    body = client.get("/applications", {"limit": 500}, status=422)
    assert_error(body, "validation_error")
    assert list(body["details"]["fields"]) == ["limit"]

    body = client.post("/applications", raw="{not json", status=400)
    assert_error(body, "bad_request")


@pytest.mark.django_db
def test_text_the_database_cannot_store_is_refused_before_it(cast, as_user):
    body = as_user(cast.client).post("/applications", {"scheme": "NFCC-PC-B01", "title": "a\x00b"}, status=422)
    assert_error(body, "validation_error")
    assert list(body["details"]["fields"]) == ["title"]


@pytest.mark.django_db
def test_forbidden_step_is_403(cast, software_scheme, as_user):
    application = sc.submitted_application(cast, software_scheme)
    body = as_user(cast.client).post(
        f"/applications/{application.pk}/accept",
        {"contract_number": "HT-1", "fee": "1.00", "signed_on": "2026-01-01"},
        status=403,
    )
    assert_error(body, "forbidden")
    application.refresh_from_db()
    assert application.status == "submitted"


@pytest.mark.django_db
def test_unknown_objects_and_paths_are_404(cast, as_user):
    client = as_user(cast.market)
    assert_error(client.get("/applications/987654", status=404), "not_found")
    assert_error(client.get(f"/applications/{2**70}", status=404), "not_found")
    assert_error(client.post("/applications/987654/submit", status=404), "not_found")
    assert_error(client.get("/certificates/NFCC-NO-SUCH", status=404), "not_found")
    assert_error(client.get("/test-orders/987654", status=404), "not_found")
    assert_error(client.get("/inspections/987654", status=404), "not_found")
    assert_error(client.get("/surveillances/987654", status=404), "not_found")
    assert_error(client.get("/catalogue/schemes/NO-SUCH", status=404), "not_found")
    assert_error(client.get("/no/such/endpoint", status=404), "not_found")
    wrong_method = client.client.delete(f"{BASE}/applications", headers=client.headers)
    assert wrong_method.status_code == 405 and "POST" in wrong_method["Allow"]
    assert_error(wrong_method.json(), "method_not_allowed")


@pytest.mark.django_db
def test_unauthenticated_is_401_for_no_bad_or_revoked_token(cast):
    for headers in ({}, {"Authorization": "Bearer cb_nonsense"}, {"Authorization": "Token abc"}):
        response = Client().get(f"{BASE}/applications", headers=headers)
        assert response.status_code == 401
        assert_error(response.json(), "unauthenticated")
        assert response["WWW-Authenticate"].startswith("Bearer")
    response = Client().post(f"{BASE}/applications", "{}", content_type="application/json")
    assert response.status_code == 401
    token, key = api_token_create(user=cast.client, name="t", actor=None)
    assert Api(key).get("/me")["username"] == "client"
    ApiToken.objects.filter(pk=token.pk).update(revoked_at="2026-01-01T00:00:00Z")
    assert_error(Api(key).get("/me", status=401), "unauthenticated")


@pytest.mark.django_db
def test_session_works_for_the_console_with_csrf_on_writes(cast, software_scheme):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(cast.client)
    assert browser.get(f"{BASE}/me").json()["username"] == "client"
    body = json.dumps({"scheme": software_scheme.code, "title": "会话创建"})
    refused = browser.post(f"{BASE}/applications", body, content_type="application/json")
    assert refused.status_code == 403
    assert_error(refused.json(), "csrf_failed")
    browser.get(f"{BASE}/docs")  # the docs page hands out the CSRF cookie
    token = browser.cookies["csrftoken"].value
    created = browser.post(
        f"{BASE}/applications", body, content_type="application/json", headers={"X-CSRFToken": token}
    )
    assert created.status_code == 201, created.content


@pytest.mark.django_db
def test_client_cannot_see_or_touch_another_organisations_records(cast, software_scheme, as_user):
    certificate = sc.certified(cast, software_scheme)
    application = sc.submitted_application(cast, software_scheme, title="另一份申请")
    order = certificate.application.test_orders.get()
    surveillance = certificate.surveillances.get()
    other = make_cast(prefix="b_")
    stranger = as_user(other.client)

    assert stranger.get("/applications")["count"] == 0
    assert stranger.get("/certificates")["items"] == []
    assert stranger.get("/test-orders")["count"] == 0
    assert stranger.get("/surveillances")["count"] == 0
    for path in (
        f"/applications/{application.pk}",
        f"/applications/{application.pk}/evaluation",
        f"/certificates/{certificate.number}",
        f"/test-orders/{order.pk}",
        f"/test-orders/{order.pk}/report-file",
        f"/surveillances/{surveillance.pk}",
    ):
        assert_error(stranger.get(path, status=404), "not_found")
    for path, body in (
        (f"/applications/{application.pk}/withdraw", {"reason": "x"}),
        (f"/applications/{application.pk}/units/1/remove", {}),
        (f"/certificates/{certificate.number}/cancel", {"reason_code": "client_request", "reason": "x"}),
    ):
        assert_error(stranger.post(path, body, status=404), "not_found")
    # Naming another client's certificate in a change application is as if it did not exist.
    body = stranger.post(
        "/applications",
        {"kind": "change", "certificate": certificate.number, "title": "x", "change_description": "y"},
        status=422,
    )
    assert body["details"]["field"] == "certificate"
    application.refresh_from_db()
    assert application.status == "submitted"
    # The holder itself still sees everything.
    own = as_user(cast.client)
    assert own.get("/applications")["count"] == 2
    assert own.get(f"/certificates/{certificate.number}")["number"] == certificate.number


@pytest.mark.django_db
def test_lab_sees_only_its_own_test_orders(cast, software_scheme, as_user):
    certificate = sc.certified(cast, software_scheme)
    other = make_cast(prefix="b_")
    assert as_user(cast.lab_user).get("/test-orders")["count"] == 1
    assert as_user(other.lab_user).get("/test-orders")["count"] == 0
    order = certificate.application.test_orders.get()
    assert_error(as_user(other.lab_user).get(f"/test-orders/{order.pk}", status=404), "not_found")


@pytest.mark.django_db
def test_reviewer_who_evaluated_is_refused_as_not_independent(cast, software_scheme, as_user):
    cast.engineer.role_grants.create(role="reviewer")
    cast.engineer.role_grants.create(role="decider")
    application = sc.evaluated(cast, sc.accepted(cast, sc.submitted_application(cast, software_scheme)))
    engineer = as_user(type(cast.engineer).objects.get(pk=cast.engineer.pk))
    path = f"/applications/{application.pk}"

    body = engineer.post(f"{path}/assign-reviewer", {"reviewer": "engineer"}, status=409)
    assert_error(body, "not_independent")
    assert body["details"]["parts"]
    assert_error(engineer.post(f"{path}/review", {"recommendation": "grant"}, status=409), "not_independent")

    engineer.post(f"{path}/assign-reviewer", {"reviewer": "reviewer"})
    as_user(cast.reviewer).post(f"{path}/review", {"recommendation": "grant"})
    assert_error(engineer.post(f"{path}/decide", {"outcome": "grant"}, status=409), "not_independent")
    assert engineer.get(path)["status"] == "decision"


@pytest.mark.django_db
def test_surveillance_decider_who_inspected_is_refused(cast, software_scheme, as_user):
    from django.utils import timezone

    from certbody.certification import services as svc

    cast.inspector.role_grants.create(role="decider")
    surveillance = sc.certified(cast, software_scheme).surveillances.get()
    svc.surveillance_start(actor=cast.engineer, surveillance=surveillance)
    inspection = svc.inspection_plan(
        actor=cast.engineer, case=surveillance, planned_on=timezone.localdate(), leader=cast.inspector
    )
    svc.inspection_complete(
        actor=cast.inspector, inspection=inspection, conclusion="pass", completed_on=timezone.localdate()
    )
    inspector = as_user(type(cast.inspector).objects.get(pk=cast.inspector.pk))
    body = inspector.post(f"/surveillances/{surveillance.pk}/complete", {"outcome": "keep"}, status=409)
    assert_error(body, "not_independent")
