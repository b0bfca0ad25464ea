"""The whole lifecycle through the service layer."""

from datetime import timedelta

import pytest
from django.utils import timezone

from certbody.applications.models import Application
from certbody.certificates import services as certificate_svc
from certbody.certificates.models import Certificate, SuspensionReason, WithdrawalReason
from certbody.certification import services as svc
from certbody.core.audit import verify_chain
from certbody.core.errors import NotIndependent
from certbody.demo import scenarios as sc


@pytest.mark.django_db
def test_full_journey_application_to_withdrawal(cast, hardware_scheme):
    certificate = sc.certified(cast, hardware_scheme)
    assert certificate.status == Certificate.Status.VALID
    assert certificate.number.startswith(f"NFCC{timezone.localdate().year}B06")
    assert certificate.versions.count() == 1
    surveillance = certificate.surveillances.get()
    assert surveillance.due_on > certificate.issued_on

    sc.surveyed(cast, surveillance)
    assert certificate.surveillances.count() == 2

    change = sc.submitted_application(
        cast, hardware_scheme, kind=Application.Kind.CHANGE, certificate=certificate, models=("V7", "V7 Pro")
    )
    sc.granted(cast, sc.reviewed(cast, sc.evaluated(cast, sc.accepted(cast, change))))
    certificate.refresh_from_db()
    assert certificate.version_no == 2
    v1, v2 = certificate.versions.order_by("version_no")
    assert v1.units[0]["models"] == ["V6"]
    assert v2.units[0]["models"] == ["V7", "V7 Pro"]

    certificate_svc.certificate_suspend(
        actor=cast.decider,
        certificate=certificate,
        reason_code=SuspensionReason.NONCONFORMITY,
        reason="跟踪检查发现不符合",
        until=timezone.localdate() + timedelta(days=30),
    )
    certificate_svc.certificate_restore(actor=cast.decider, certificate=certificate, reason="整改完成")
    certificate_svc.certificate_withdraw(
        actor=cast.decider, certificate=certificate, reason_code=WithdrawalReason.FRAUD, reason="提供虚假材料"
    )
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.WITHDRAWN
    assert certificate.cnca_code == "03"
    assert not certificate.surveillances.filter(status__in=["planned", "in_progress"]).exists()
    assert verify_chain().ok


@pytest.mark.django_db
def test_inspector_cannot_decide_what_he_inspected(cast, hardware_scheme):
    cast.inspector.role_grants.create(role="decider")
    inspector = type(cast.inspector).objects.get(pk=cast.inspector.pk)
    application = sc.reviewed(
        cast, sc.evaluated(cast, sc.accepted(cast, sc.submitted_application(cast, hardware_scheme)))
    )
    with pytest.raises(NotIndependent) as err:
        svc.decision_make(actor=inspector, application=application, outcome="grant")
    assert "Inspection team leader" in err.value.message or "检查组长" in err.value.message
    application.refresh_from_db()
    assert application.status == Application.Status.DECISION


@pytest.mark.django_db
def test_withdrawing_an_application_cancels_its_open_test_orders_and_inspections(cast, hardware_scheme):
    application = sc.accepted(cast, sc.submitted_application(cast, hardware_scheme))
    svc.evaluation_start(actor=cast.engineer, application=application)
    order = svc.test_order_create(actor=cast.engineer, case=application, lab=cast.lab)
    inspection = svc.inspection_plan(
        actor=cast.engineer, case=application, planned_on=timezone.localdate(), leader=cast.inspector
    )
    from certbody.applications.services import application_withdraw

    application_withdraw(actor=cast.client, application=application, reason="项目暂停")
    order.refresh_from_db()
    inspection.refresh_from_db()
    assert order.status == "cancelled"
    assert inspection.status == "cancelled"
    assert verify_chain().ok


@pytest.mark.django_db
def test_certification_mode_is_recorded_in_chinese_whatever_the_deciders_language(cast, hardware_scheme):
    from django.utils import translation

    application = sc.reviewed(
        cast, sc.evaluated(cast, sc.accepted(cast, sc.submitted_application(cast, hardware_scheme)))
    )
    with translation.override("en"):
        certificate = sc.granted(cast, application)
    version = certificate.versions.get()
    with translation.override("zh-hans"):
        assert version.mode_text == hardware_scheme.mode_text()
    assert "型式试验" in version.mode_text


@pytest.mark.django_db
def test_administrators_get_into_the_django_admin():
    from certbody.accounts.services import user_create

    admin = user_create(username="sysadmin", password="x-very-long-pass", roles=["admin"], actor=None)
    clerk = user_create(username="clerk", password="x-very-long-pass", roles=["market"], actor=None)
    assert admin.is_staff and not clerk.is_staff
