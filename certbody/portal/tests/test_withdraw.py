"""The client withdraws its own application from the portal (the console's application page is staff-only now)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from certbody.applications import services as app_svc
from certbody.applications.models import Application
from certbody.core.models import StatusChange

from .helpers import portal_application

pytestmark = pytest.mark.django_db


def _browser(user) -> Client:
    c = Client()
    c.force_login(user)
    c.cookies["django_language"] = "en"
    return c


def test_a_client_withdraws_a_submitted_application_from_the_portal_with_its_reason(cast, software_scheme):
    application = portal_application(cast, software_scheme)
    app_svc.application_submit(actor=cast.client, application=application)
    client = _browser(cast.client)
    page = client.get(reverse("portal:application", args=[application.pk])).content.decode()
    assert reverse("portal:withdraw", args=[application.pk]) in page
    confirm = client.get(reverse("portal:withdraw", args=[application.pk])).content.decode()
    assert "cancelled" in confirm  # says what withdrawing means before the button
    response = client.post(reverse("portal:withdraw", args=[application.pk]), {"reason": "产品停产"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Application.Status.WITHDRAWN
    change = StatusChange.objects.get(object_id=str(application.pk), transition="withdraw")
    assert change.actor == cast.client and change.reason == "产品停产"


def test_a_decided_application_offers_no_withdrawal_and_a_post_changes_nothing(cast, software_scheme):
    application = portal_application(cast, software_scheme)
    app_svc.application_submit(actor=cast.client, application=application)
    app_svc.application_reject(actor=cast.market, application=application, reason="范围不符")
    client = _browser(cast.client)
    page = client.get(reverse("portal:application", args=[application.pk])).content.decode()
    assert reverse("portal:withdraw", args=[application.pk]) not in page
    response = client.post(reverse("portal:withdraw", args=[application.pk]), {"reason": "x"})
    assert response.status_code == 200 and "Cannot" in response.content.decode()
    application.refresh_from_db()
    assert application.status == Application.Status.REJECTED
