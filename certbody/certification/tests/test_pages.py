"""Evaluation pages: test orders (labs see only theirs), inspections and surveillance."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from certbody.accounts.services import user_create
from certbody.certification import services as svc
from certbody.certification.models import Surveillance
from certbody.core.roles import Role
from certbody.core.tests.pages import Pages, form_errors
from certbody.demo import scenarios as sc
from certbody.labs.models import Lab

pytestmark = pytest.mark.django_db


@pytest.fixture
def pages(client):
    return Pages(client)


@pytest.fixture
def in_evaluation(cast, software_scheme):
    application = sc.accepted(cast, sc.submitted_application(cast, software_scheme))
    svc.evaluation_start(actor=cast.engineer, application=application)
    return application


def test_lab_sees_only_its_own_orders(pages, cast, in_evaluation):
    other_lab = Lab.objects.create(name="另一家实验室")
    other_lab.categories.add(in_evaluation.scheme.category)  # its test scope (people rule engine: lab_scope)
    other_user = user_create(username="lab2", password=None, roles=[Role.LAB], lab=other_lab, actor=None)
    mine = svc.test_order_create(actor=cast.engineer, case=in_evaluation, lab=cast.lab)
    theirs = svc.test_order_create(actor=cast.engineer, case=in_evaluation, lab=other_lab)

    pages.login(cast.lab_user)
    page = pages.get(reverse("certification:test_order_list")).content.decode()
    assert mine.number in page and theirs.number not in page
    assert 'name="lab"' not in page  # a lab has no other lab to filter by
    assert pages.get(reverse("certification:test_order_detail", args=[mine.pk])).status_code == 200
    url = reverse("certification:test_order_detail", args=[theirs.pk])
    assert pages.get(url).status_code == 404
    today = timezone.localdate().isoformat()
    assert pages.client.post(url, {"action": "receive_sample", "received_on": today}).status_code == 404
    assert pages.get(reverse("certification:test_order_report", args=[theirs.pk])).status_code == 404

    pages.login(other_user)
    page = pages.get(reverse("certification:test_order_list")).content.decode()
    assert theirs.number in page and mine.number not in page


def test_lab_records_receipt_and_report_and_the_report_downloads(pages, cast, in_evaluation):
    order = svc.test_order_create(actor=cast.engineer, case=in_evaluation, lab=cast.lab)
    url = reverse("certification:test_order_detail", args=[order.pk])
    pages.login(cast.lab_user)
    page = pages.get(url).content.decode()
    assert 'value="receive_sample"' in page and 'value="send_sample"' not in page and 'value="cancel"' not in page
    # The lab cannot see the application itself, so the page does not link to it.
    assert reverse("applications:detail", args=[in_evaluation.pk]) not in page
    today = timezone.localdate()
    response = pages.refused(url, "receive_sample", received_on=(today + timedelta(days=2)).isoformat())
    assert "cannot be in the future" in form_errors(response)
    pages.act(url, "receive_sample", received_on=today.isoformat())
    from django.core.files.uploadedfile import SimpleUploadedFile

    report = SimpleUploadedFile("r.pdf", sc.MINIMAL_PDF, content_type="application/pdf")
    pages.act(url, "report", report_number="R-1", issued_on=today.isoformat(), result="fail", report_file=report)
    download = pages.get(reverse("certification:test_order_report", args=[order.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content).startswith(b"%PDF-")
    # The failed result blocks a grant and the engineer sees why.
    pages.login(cast.engineer)
    page = pages.get(reverse("applications:detail", args=[in_evaluation.pk])).content.decode()
    assert "Test report R-1 failed." in page


def test_engineer_cancels_an_order_with_a_reason(pages, cast, in_evaluation):
    order = svc.test_order_create(actor=cast.engineer, case=in_evaluation, lab=cast.lab)
    url = reverse("certification:test_order_detail", args=[order.pk])
    pages.login(cast.engineer)
    response = pages.refused(url, "cancel", reason="")
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    pages.act(url, "cancel", reason="样品型号不对")
    order.refresh_from_db()
    assert order.status == "cancelled"


def test_inspection_pages_for_the_team(pages, cast, hardware_scheme):
    application = sc.accepted(cast, sc.submitted_application(cast, hardware_scheme))
    svc.evaluation_start(actor=cast.engineer, application=application)
    today = timezone.localdate()
    inspection = svc.inspection_plan(actor=cast.engineer, case=application, planned_on=today, leader=cast.inspector)
    url = reverse("certification:inspection_detail", args=[inspection.pk])

    # Someone not on the team sees neither the inspection nor the list entry.
    pages.login(cast.inspector2)
    assert pages.get(url).status_code == 404
    assert str(application.number) not in pages.get(reverse("certification:inspection_list")).content.decode()

    pages.login(cast.inspector)
    assert application.number in pages.get(reverse("certification:inspection_list")).content.decode()
    pages.act(url, "finding_add", severity="major", description="关键器件与型式试验样品不一致")
    response = pages.refused(url, "complete", conclusion="pass", completed_on=today.isoformat())
    assert "open major nonconformity" in form_errors(response)
    finding = inspection.findings.get()
    pages.act(url, "finding_close", finding=finding.pk, corrective_action="更换器件并复核")
    pages.act(url, "complete", conclusion="pass", completed_on=today.isoformat())
    page = pages.get(url).content.decode()
    assert "finding.close" in page and "inspection.complete" in page


def test_surveillance_list_filters_and_overdue(pages, cast, software_scheme):
    certificate = sc.certified(cast, software_scheme)
    surveillance = certificate.surveillances.get()
    Surveillance.objects.filter(pk=surveillance.pk).update(due_on=timezone.localdate() - timedelta(days=3))
    later = sc.certified(cast, software_scheme, product="另一产品").surveillances.get()
    pages.login(cast.engineer)
    url = reverse("certification:surveillance_list")
    page = pages.get(url).content.decode()
    assert page.index(certificate.number) < page.index(later.certificate.number)
    assert "is-overdue" in page
    page = pages.get(url, data={"overdue": "on"}).content.decode()
    assert certificate.number in page and later.certificate.number not in page
    page = pages.get(url, data={"due_before": timezone.localdate().isoformat()}).content.decode()
    assert certificate.number in page and later.certificate.number not in page
    page = pages.get(url, data={"status": "completed"}).content.decode()
    assert certificate.number not in page
    # The dashboard puts the overdue surveillance first.
    page = pages.get(reverse("console:dashboard")).content.decode()
    assert "is-overdue" in page and reverse("certification:surveillance_detail", args=[surveillance.pk]) in page


def test_surveillance_outcome_needs_evidence_and_a_decider(pages, cast, software_scheme):
    certificate = sc.certified(cast, software_scheme)
    surveillance = certificate.surveillances.get()
    url = reverse("certification:surveillance_detail", args=[surveillance.pk])
    pages.login(cast.decider)
    assert 'value="decide"' not in pages.get(url).content.decode()
    pages.login(cast.engineer)
    pages.act(url, "start")
    pages.login(cast.decider)
    response = pages.refused(url, "decide", outcome="keep")
    assert "no inspection or sampling test" in form_errors(response)


def test_client_cannot_see_another_organisations_surveillance(pages, cast, software_scheme):
    other = sc.make_cast(prefix="other-")
    theirs = sc.certified(other, software_scheme).surveillances.get()
    pages.login(cast.client)
    assert pages.get(reverse("certification:surveillance_detail", args=[theirs.pk])).status_code == 404
    assert pages.get(reverse("certification:surveillance_detail", args=[999999])).status_code == 404
