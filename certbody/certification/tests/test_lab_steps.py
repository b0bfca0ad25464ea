"""The lab's work is the lab's: sample receipt and the test report are recorded by the order's laboratory; the case
engineer records them only on the lab's behalf, with the reason and the lab's document, and that shows.

Every rule is checked through each caller: the service, the console page and the API (one check behind all three).
"""

from __future__ import annotations

import hashlib
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from certbody.accounts.services import api_token_create, user_create
from certbody.certification import services as svc
from certbody.certification.models import TestOrder
from certbody.core.errors import DomainError
from certbody.core.models import AuditEvent
from certbody.core.roles import Role
from certbody.demo import scenarios as sc
from certbody.labs.models import Lab

pytestmark = pytest.mark.django_db

PDF_SHA = hashlib.sha256(sc.MINIMAL_PDF).hexdigest()
REASON = "实验室系统停机，收样单传真"


def _pdf(name="lab.pdf"):
    return SimpleUploadedFile(name, sc.MINIMAL_PDF, content_type="application/pdf")


def _today():
    return timezone.localdate()


# --- the three callers: each answers whether the step went through -------------------------------------------


class ServiceCaller:
    def receive(self, user, order, *, for_lab=False, reason="", document=None):
        try:
            if for_lab:
                svc.test_order_receive_sample_for_lab(
                    actor=user, order=order, received_on=_today(), reason=reason, document=document
                )
            else:
                svc.test_order_receive_sample(actor=user, order=order, received_on=_today())
        except DomainError:
            return False
        return True

    def report(self, user, order, *, for_lab=False, reason="", document=None):
        kwargs = {"report_number": "R-1", "issued_on": _today(), "result": "pass", "report_file": document}
        try:
            if for_lab:
                svc.test_order_report_for_lab(actor=user, order=order, reason=reason, **kwargs)
            else:
                svc.test_order_report(actor=user, order=order, **kwargs)
        except DomainError:
            return False
        return True


class PageCaller:
    def _post(self, user, order, data):
        client = Client()
        client.force_login(user)
        data = {k: v for k, v in data.items() if v is not None}
        response = client.post(reverse("certification:test_order_detail", args=[order.pk]), data)
        return response.status_code == 302

    def receive(self, user, order, *, for_lab=False, reason="", document=None):
        data = {"action": "receive_sample_for_lab" if for_lab else "receive_sample", "received_on": _today()}
        if for_lab:
            data.update(reason=reason, document=document)
        return self._post(user, order, data)

    def report(self, user, order, *, for_lab=False, reason="", document=None):
        data = {
            "action": "report_for_lab" if for_lab else "report",
            "report_number": "R-1",
            "issued_on": _today(),
            "result": "pass",
            "report_file": document,
        }
        if for_lab:
            data["reason"] = reason
        return self._post(user, order, data)


class ApiCaller:
    def _post(self, user, path, data, *, multipart):
        _, key = api_token_create(user=user, name="t", actor=user)
        headers = {"Authorization": f"Bearer {key}"}
        client = Client()
        if multipart:
            data = {k: v for k, v in data.items() if v is not None}
            response = client.post("/api/v1" + path, data, headers=headers)
        else:
            response = client.post("/api/v1" + path, json.dumps(data), content_type="application/json", headers=headers)
        return response.status_code == 200

    def receive(self, user, order, *, for_lab=False, reason="", document=None):
        if not for_lab:
            return self._post(
                user, f"/test-orders/{order.pk}/receive-sample", {"received_on": str(_today())}, multipart=False
            )
        data = {"received_on": str(_today()), "reason": reason, "file": document}
        return self._post(user, f"/test-orders/{order.pk}/receive-sample-for-lab", data, multipart=True)

    def report(self, user, order, *, for_lab=False, reason="", document=None):
        data = {"report_number": "R-1", "issued_on": str(_today()), "result": "pass", "file": document}
        if for_lab:
            data["reason"] = reason
        path = f"/test-orders/{order.pk}/report-for-lab" if for_lab else f"/test-orders/{order.pk}/report"
        return self._post(user, path, data, multipart=True)


CALLERS = {"service": ServiceCaller(), "page": PageCaller(), "api": ApiCaller()}
STEPS = {"receive": TestOrder.Status.SAMPLE_RECEIVED, "report": TestOrder.Status.REPORTED}


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def order(cast, software_scheme):
    application = sc.accepted(cast, sc.submitted_application(cast, software_scheme))
    svc.evaluation_start(actor=cast.engineer, application=application)
    order = svc.test_order_create(actor=cast.engineer, case=application, lab=cast.lab)
    return svc.test_order_send_sample(actor=cast.engineer, order=order, sent_on=_today())


def _ready(cast, order, step):
    """The order at the step: the report needs the sample received (by the lab)."""
    if step == "report":
        svc.test_order_receive_sample(actor=cast.lab_user, order=order, received_on=_today())
    order.refresh_from_db()
    return order


def _last_event(order):
    return AuditEvent.objects.filter(object_type="certification.testorder", object_id=str(order.pk)).order_by("-seq")[0]


@pytest.mark.parametrize("caller", list(CALLERS))
@pytest.mark.parametrize("step", list(STEPS))
def test_the_engineer_is_refused_the_labs_own_step(cast, order, caller, step):
    order = _ready(cast, order, step)
    before = order.status
    assert not getattr(CALLERS[caller], step)(cast.engineer, order, document=_pdf())
    order.refresh_from_db()
    assert order.status == before


@pytest.mark.parametrize("caller", list(CALLERS))
@pytest.mark.parametrize("step", list(STEPS))
@pytest.mark.parametrize("missing", ["reason", "document"])
def test_the_engineer_on_the_labs_behalf_needs_reason_and_document(cast, order, caller, step, missing):
    order = _ready(cast, order, step)
    order_events = AuditEvent.objects.filter(object_type="certification.testorder", object_id=str(order.pk))
    before, events = order.status, order_events.count()
    kwargs = {"reason": "" if missing == "reason" else REASON, "document": None if missing == "document" else _pdf()}
    assert not getattr(CALLERS[caller], step)(cast.engineer, order, for_lab=True, **kwargs)
    order.refresh_from_db()
    assert order.status == before
    assert not order.receipt_document and order_events.count() == events


@pytest.mark.parametrize("caller", list(CALLERS))
@pytest.mark.parametrize("step", list(STEPS))
def test_the_engineer_on_the_labs_behalf_is_accepted_and_audited_as_such(cast, order, caller, step):
    order = _ready(cast, order, step)
    assert getattr(CALLERS[caller], step)(cast.engineer, order, for_lab=True, reason=REASON, document=_pdf())
    order.refresh_from_db()
    assert order.status == STEPS[step]
    event = _last_event(order)
    assert event.actor_id == cast.engineer.pk and event.reason == REASON
    assert event.after["on_behalf_of_lab"] is True and event.after["document_sha256"] == PDF_SHA
    if step == "receive":
        assert order.receipt_document_sha256 == PDF_SHA and order.receipt_document.read() == sc.MINIMAL_PDF
    client = Client()
    client.force_login(cast.engineer)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("certification:test_order_detail", args=[order.pk])).content.decode()
    assert "Recorded by the engineer on the laboratory's behalf" in page.replace("&#x27;", "'") and PDF_SHA in page


@pytest.mark.parametrize("caller", list(CALLERS))
@pytest.mark.parametrize("step", list(STEPS))
def test_the_labs_user_records_its_step_and_it_is_not_marked_on_behalf(cast, order, caller, step):
    order = _ready(cast, order, step)
    assert getattr(CALLERS[caller], step)(cast.lab_user, order, document=_pdf())
    order.refresh_from_db()
    assert order.status == STEPS[step]
    event = _last_event(order)
    assert event.actor_id == cast.lab_user.pk and "on_behalf_of_lab" not in (event.after or {})


@pytest.mark.parametrize("caller", list(CALLERS))
@pytest.mark.parametrize("step", list(STEPS))
@pytest.mark.parametrize("for_lab", [False, True])
def test_another_labs_user_is_refused(cast, order, caller, step, for_lab):
    other = user_create(
        username="lab2", password=None, roles=[Role.LAB], lab=Lab.objects.create(name="另一家实验室"), actor=None
    )
    order = _ready(cast, order, step)
    before = order.status
    assert not getattr(CALLERS[caller], step)(other, order, for_lab=for_lab, reason=REASON, document=_pdf())
    order.refresh_from_db()
    assert order.status == before


def test_the_engineers_page_offers_only_the_on_behalf_step_with_its_reason(cast, order):
    client = Client()
    client.force_login(cast.engineer)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("certification:test_order_detail", args=[order.pk])).content.decode()
    assert 'value="receive_sample_for_lab"' in page and 'value="receive_sample"' not in page
    client.force_login(cast.lab_user)
    page = client.get(reverse("certification:test_order_detail", args=[order.pk])).content.decode()
    assert 'value="receive_sample"' in page and 'value="receive_sample_for_lab"' not in page
