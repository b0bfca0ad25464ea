"""Isolation: a user of another organisation, given every id of this one's portal objects, gets nothing and changes
nothing — on every portal page, by GET and by POST."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from certbody.applications import services as app_svc
from certbody.applications.models import Document, Submission
from certbody.core.models import AuditEvent
from certbody.core.tests.test_permission_matrix import page_names
from certbody.demo import scenarios as sc
from certbody.demo.scenarios import MINIMAL_PDF
from certbody.portal import services as svc
from certbody.portal.models import Message, Notification, OutboxMail

from .helpers import RewindingUpload, pdf, portal_application

pytestmark = pytest.mark.django_db

# Pages that name no object of an organisation: each user sees only its own there (checked below by content).
OWN_ONLY = {"portal:home", "portal:colleagues", "portal:notifications", "portal:certificates", "portal:apply"}
# Pages reached by a secret link rather than by an id.
TOKEN_PAGES = {"portal:register", "portal:register_sent", "portal:confirm", "portal:invitation"}
STAFF_PAGES = {"portal:approvals"}


@pytest.fixture
def two(software_scheme):
    own = sc.make_cast(password=None)
    other = sc.make_cast(prefix="x_", password=None)
    application = portal_application(own, software_scheme)
    app_svc.application_submit(actor=own.client, application=application)
    app_svc.application_accept(
        actor=own.market,
        application=application,
        contract_number="HT-ISO-1",
        fee="1000",
        signed_on=timezone.localdate(),
        terms_version="T1",
    )
    returned = portal_application(own, software_scheme)
    app_svc.application_submit(actor=own.client, application=returned)
    app_svc.application_return(actor=own.market, application=returned, reason="缺页", missing_items=["manual"])
    message = svc.message_post(actor=own.client, application=returned, body="机密", files=[pdf("机密.pdf")])
    certificate = sc.certified(own, software_scheme)
    return own, other, application, returned, message, certificate


def _urls(own, application, returned, message) -> dict[str, list[str]]:
    document = Document.objects.filter(application=returned).first()
    by_app = {
        name: [reverse(name, args=[a.pk]) for a in (application, returned)]
        for name in (
            "portal:application",
            "portal:units",
            "portal:documents",
            "portal:submit",
            "portal:messages",
            "portal:changes",
            "portal:withdraw",
        )
    }
    return {
        **by_app,
        "portal:contract": [reverse("portal:contract", args=[application.pk])],  # the one with a contract
        "portal:document": [reverse("portal:document", args=[document.pk])],
        "portal:attachment": [reverse("portal:attachment", args=[message.attachments.get().pk])],
    }


POSTS = [
    {"action": "remove", "unit": "0"},
    {
        "action": "add",
        "product_name": "X",
        "model_names": "X1",
        "version": "1",
        "manufacturer_name": "M",
        "manufacturer_address": "A",
        "site_name": "S",
        "site_address": "A",
    },
    {"action": "outsourcing", "outsourcing": "on"},
    {"action": "upload", "file_manual": RewindingUpload("m.pdf", MINIMAL_PDF)},
    {"answer": "再次提交"},
    {"terms_version": "T1", "agree": "on"},
    {"body": "我是别家的"},
    {"reason": "别家撤回"},
]


def _state():
    return (
        AuditEvent.objects.count(),
        Document.objects.count(),
        Message.objects.count(),
        Submission.objects.count(),
        OutboxMail.objects.count(),
    )


def test_another_organisations_user_gets_404_on_every_object_and_changes_nothing(two):
    own, other, application, returned, message, certificate = two
    browser = Client()
    browser.force_login(other.client)
    urls = _urls(own, application, returned, message)
    assert set(urls) | OWN_ONLY | TOKEN_PAGES | STAFF_PAGES == {n for n in page_names() if n.startswith("portal:")}
    before = _state()
    for name, targets in urls.items():
        for url in targets:
            assert browser.get(url).status_code == 404, f"GET {name} {url}"
            for data in POSTS:
                response = browser.post(url, data)
                assert response.status_code in (404, 405), f"POST {name} {url} {data}: {response.status_code}"
    assert _state() == before
    # Pages without ids show only the other organisation's own things.
    for name in OWN_ONLY:
        text = browser.get(reverse(name)).content.decode()
        for secret in (application.number, returned.number, certificate.number, "机密"):
            assert secret not in text, f"{name} shows {secret}"
    assert browser.get(reverse("portal:approvals")).status_code == 403
    # The owner gets them all, so the 404s above are about the organisation, not about broken pages.
    owner = Client()
    owner.force_login(own.client)
    for name, targets in urls.items():
        for url in targets:
            response = owner.get(url)
            assert response.status_code == 200, f"owner GET {name} {url}: {response.status_code}"
    assert certificate.number in owner.get(reverse("portal:certificates")).content.decode()
    assert not Notification.objects.filter(user=other.client).exists()


def test_staff_not_on_the_case_see_no_files(two):
    own, other, _application, returned, _message, _certificate = two
    document = Document.objects.filter(application=returned).first()
    for user in (own.hr, own.regulator, own.lab_user, own.inspector2, other.client):
        browser = Client()
        browser.force_login(user)
        assert browser.get(reverse("portal:document", args=[document.pk])).status_code == 404
        assert browser.get(reverse("portal:messages", args=[returned.pk])).status_code == 404
    market = Client()
    market.force_login(own.market)
    assert market.get(reverse("portal:document", args=[document.pk])).status_code == 200
    # Client-only pages refuse staff outright.
    assert market.get(reverse("portal:application", args=[returned.pk])).status_code == 403


def test_the_portal_api_keeps_organisations_apart(two):
    from certbody.accounts.services import api_token_create

    own, other, _application, returned, _message, _certificate = two
    document = Document.objects.filter(application=returned).first()
    theirs = {"Authorization": f"Bearer {api_token_create(user=other.client, name='t', actor=other.client)[1]}"}
    mine = {"Authorization": f"Bearer {api_token_create(user=own.client, name='t', actor=own.client)[1]}"}
    api = Client()
    base = "/api/v1/portal"
    before = _state()
    for path in (
        f"{base}/applications/{returned.pk}/documents",
        f"{base}/documents/{document.pk}/file",
        f"{base}/applications/{returned.pk}/messages",
    ):
        assert api.get(path, headers=theirs).status_code == 404, path
        assert api.get(path, headers=mine).status_code == 200, path
    upload = {"item": "manual", "file": RewindingUpload("m.pdf", MINIMAL_PDF)}
    assert api.post(f"{base}/applications/{returned.pk}/documents", upload, headers=theirs).status_code == 404
    response = api.post(
        f"{base}/applications/{returned.pk}/messages", {"body": "x"}, content_type="application/json", headers=theirs
    )
    assert response.status_code == 404
    assert _state() == before
    assert api.get(f"{base}/notifications", headers=theirs).json()["count"] == 0
    # The owner uploads through the API: a new version, checked like a page upload; a bad file is named.
    created = api.post(f"{base}/applications/{returned.pk}/documents", upload, headers=mine)
    assert created.status_code == 201 and created.json()["version"] == 2
    bad = {"item": "manual", "file": RewindingUpload("m.pdf", b"GIF89a not a pdf")}
    refused = api.post(f"{base}/applications/{returned.pk}/documents", bad, headers=mine)
    assert refused.status_code == 422 and "m.pdf" in refused.json()["message"]
    listed = api.get(f"{base}/applications/{returned.pk}/documents", headers=mine).json()
    assert {c["code"] for c in listed["checklist"] if c["required"] and not c["provided"]} == set()
