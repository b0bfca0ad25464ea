"""The whole lifecycle driven through the pages: every step is a form POSTed by the person who takes it."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from certbody.applications.models import Application
from certbody.certificates.models import Certificate, NonconformityCase
from certbody.certification.models import Inspection, Surveillance
from certbody.certification.models import TestOrder as Order
from certbody.core.audit import verify_chain
from certbody.core.tests.pages import Pages
from certbody.demo.scenarios import MINIMAL_PDF

pytestmark = pytest.mark.django_db


def pdf(name: str = "report.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, MINIMAL_PDF, content_type="application/pdf")


def _lab_reports(pages: Pages, cast, order: Order, today: str) -> None:
    url = reverse("certification:test_order_detail", args=[order.pk])
    pages.login(cast.lab_user)
    pages.act(url, "receive_sample", received_on=today)
    pages.act(url, "report", report_number=f"R-{order.number}", issued_on=today, result="pass", report_file=pdf())


def test_journey_from_application_to_certificate_surveillance_change_suspension_and_withdrawal(
    client, cast, hardware_scheme
):
    pages = Pages(client)
    today = timezone.localdate().isoformat()

    # 7.2 The client applies and describes the certification unit.
    pages.login(cast.client)
    response = client.post(
        reverse("applications:create"), {"scheme": hardware_scheme.pk, "title": "智能POS终端 POS终端认证"}
    )
    assert response.status_code == 302
    app = Application.objects.get(title="智能POS终端 POS终端认证")
    assert app.organisation == cast.organisation
    url = reverse("applications:detail", args=[app.pk])
    assert response["Location"] == url
    pages.act(
        url,
        "unit_add",
        product_name="智能POS终端",
        model_names="P10\nP10 Pro",
        version="1.0.0",
        manufacturer=cast.manufacturer.pk,
        production_site=cast.site.pk,
        difference_statement="P10 Pro 仅外壳不同",
    )
    unit = app.units.get()
    assert unit.model_names == ["P10", "P10 Pro"]
    pages.act(url, "submit")
    page = pages.get(url, follow=True).content.decode()  # the client's view: the portal's tracker
    assert "Submitted" in page and "application.submit" not in page

    # 7.3 Market staff review the application and conclude the contract.
    pages.login(cast.market)
    assert "application.submit" in pages.get(url).content.decode()  # staff read the audit trail
    pages.act(
        url,
        "accept",
        contract_number="HT-2026-001",
        fee="38000.00",
        signed_on=today,
        engineer=cast.engineer.pk,
        evaluation_required="on",
    )

    # 7.4 The engineer plans the evaluation: a type test and the initial factory inspection.
    pages.login(cast.engineer)
    pages.act(url, "start_evaluation")
    response = pages.act(url, "test_order", lab=cast.lab.pk, unit=unit.pk, sample_description="P10 两台")
    order = Order.objects.get(application=app)
    order_url = reverse("certification:test_order_detail", args=[order.pk])
    assert response["Location"] == order_url
    pages.act(order_url, "send_sample", sent_on=today)
    _lab_reports(pages, cast, order, today)
    order.refresh_from_db()
    assert order.status == Order.Status.REPORTED and len(order.report_sha256) == 64

    pages.login(cast.engineer)
    pages.act(url, "plan_inspection", planned_on=today, leader=cast.inspector.pk, members=[cast.inspector2.pk])
    inspection = Inspection.objects.get(application=app)
    inspection_url = reverse("certification:inspection_detail", args=[inspection.pk])
    pages.login(cast.inspector)
    pages.act(inspection_url, "finding_add", severity="minor", clause="7.4.2", description="未保留版本发布记录")
    finding = inspection.findings.get()
    pages.act(inspection_url, "finding_close", finding=finding.pk, corrective_action="已补充发布记录并抽查")
    pages.act(inspection_url, "complete", conclusion="pass", completed_on=today, summary="符合要求")

    pages.login(cast.engineer)
    pages.act(url, "complete_evaluation")
    pages.act(url, "assign_reviewer", reviewer=cast.reviewer.pk)

    # 7.5 and 7.6 Review and decision by people who did not evaluate.
    pages.login(cast.reviewer)
    pages.act(url, "review", recommendation="grant", comments="资料齐全")
    pages.login(cast.decider)
    pages.act(url, "decide", outcome="grant")
    app.refresh_from_db()
    assert app.status == Application.Status.GRANTED

    # 7.7 The certificate and what it says.
    certificate = Certificate.objects.get(application=app)
    cert_url = reverse("certificates:detail", args=[certificate.pk])
    page = pages.get(url).content.decode()
    assert certificate.number in page and cert_url in page
    page = pages.get(cert_url).content.decode()
    for text in (certificate.number, "P10 Pro", "JR/T 0001", "CNCA 01", "研发中心", "certificate.issue"):
        assert text in page

    # 7.9 Surveillance: started, inspected, a factory sampling test, outcome decided.
    surveillance = certificate.surveillances.get()
    surv_url = reverse("certification:surveillance_detail", args=[surveillance.pk])
    pages.login(cast.engineer)
    pages.act(surv_url, "start")
    pages.act(surv_url, "plan_inspection", planned_on=today, leader=cast.inspector.pk)
    pages.act(surv_url, "test_order", lab=cast.lab.pk, purpose="factory_sampling", sample_description="现场抽样 P10")
    sampling = Order.objects.get(surveillance=surveillance)
    _lab_reports(pages, cast, sampling, today)
    pages.login(cast.inspector)
    follow_up = Inspection.objects.get(surveillance=surveillance)
    pages.act(
        reverse("certification:inspection_detail", args=[follow_up.pk]),
        "complete",
        conclusion="pass",
        completed_on=today,
    )
    pages.login(cast.decider)
    pages.act(surv_url, "decide", outcome="keep")
    surveillance.refresh_from_db()
    assert surveillance.status == Surveillance.Status.COMPLETED
    assert certificate.surveillances.count() == 2

    # 7.10 A change: applied for from the certificate page, evaluated, decided: a new version.
    pages.login(cast.client)
    response = pages.act(
        cert_url, "new_application", kind="change", title="智能POS终端 V2 变更", change_description="主控芯片更换"
    )
    change = Application.objects.get(kind=Application.Kind.CHANGE)
    change_url = reverse("applications:detail", args=[change.pk])
    assert response["Location"] == change_url and change.certificate == certificate
    pages.act(
        change_url,
        "unit_add",
        product_name="智能POS终端",
        model_names="P20",
        version="2.0.0",
        manufacturer=cast.manufacturer.pk,
        production_site=cast.site.pk,
    )
    pages.act(change_url, "submit")
    pages.login(cast.market)
    pages.act(
        change_url, "accept", contract_number="HT-2026-002", fee="8000", signed_on=today, engineer=cast.engineer.pk
    )
    pages.login(cast.engineer)
    pages.act(change_url, "start_evaluation")
    pages.act(change_url, "complete_evaluation")
    pages.act(change_url, "assign_reviewer", reviewer=cast.reviewer.pk)
    pages.login(cast.reviewer)
    pages.act(change_url, "review", recommendation="grant")
    pages.login(cast.decider)
    pages.act(change_url, "decide", outcome="grant")
    certificate.refresh_from_db()
    assert certificate.version_no == 2
    page = pages.get(reverse("certificates:version", args=[certificate.pk, 1])).content.decode()
    assert "P10 Pro" in page and "P20" not in page
    page = pages.get(cert_url).content.decode()
    assert "P20" in page and "certificate.new_version" in page

    # 7.11 A confirmed nonconformity, suspension within the deadline, restoration, then withdrawal.
    pages.login(cast.quality)
    pages.act(
        cert_url, "nonconformity_confirm", source="complaint", description="投诉：签购单信息泄露", confirmed_on=today
    )
    case = NonconformityCase.objects.get(certificate=certificate)
    pages.login(cast.decider)
    until = (timezone.localdate() + timedelta(days=30)).isoformat()
    pages.act(cert_url, "suspend", reason_code="nonconformity", reason="投诉属实", until=until, case=case.pk)
    certificate.refresh_from_db()
    case.refresh_from_db()
    assert certificate.status == Certificate.Status.SUSPENDED and case.status == NonconformityCase.Status.SUSPENDED
    assert "CNCA 02" in pages.get(cert_url).content.decode()
    pages.act(cert_url, "restore", reason="整改完成，复核通过")
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.VALID
    pages.act(cert_url, "withdraw", reason_code="fraud", reason="提供虚假材料")
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.WITHDRAWN
    page = pages.get(cert_url).content.decode()
    assert "CNCA 03" in page and "Fraud or false information" in page
    assert not certificate.surveillances.filter(status__in=["planned", "in_progress"]).exists()

    # The trail is whole, and the quality manager can check it from the audit page.
    assert verify_chain().ok
    pages.login(cast.quality)
    response = client.post(reverse("console:audit"))
    assert response.status_code == 200
    assert "Chain intact" in response.content.decode()
