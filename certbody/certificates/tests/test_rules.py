"""Rules of certificates (7.7), surveillance planning (7.9), changes (7.10) and suspension/withdrawal (7.11)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from dateutil.relativedelta import relativedelta
from django.forms.models import model_to_dict
from django.utils import timezone, translation

from certbody.applications.models import Application
from certbody.certificates import services as cert_svc
from certbody.certificates.models import (
    CERTIFICATE_FLOW,
    Certificate,
    CertificateVersion,
    NonconformityCase,
    SuspensionReason,
    WithdrawalReason,
)
from certbody.certification import services as svc
from certbody.certification.models import Surveillance
from certbody.core.audit import verify_chain
from certbody.core.errors import IllegalTransition, InvalidInput, NotAllowed
from certbody.core.models import AuditEvent
from certbody.core.workflow import status_history
from certbody.demo import scenarios as sc

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
LIVE = ["planned", "in_progress"]


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def change_granted(cast, certificate, kind, *, models=("V7",), product="手机银行客户端", issued_on=None):
    application = sc.submitted_application(
        cast, certificate.scheme, kind=kind, certificate=certificate, models=models, product=product
    )
    sc.granted(cast, sc.reviewed(cast, sc.evaluated(cast, sc.accepted(cast, application))), issued_on=issued_on)
    certificate.refresh_from_db()
    return certificate


def suspend(cast, certificate, days=30, case=None, actor=None):
    return cert_svc.certificate_suspend(
        actor=actor or cast.decider,
        certificate=certificate,
        reason_code=SuspensionReason.NONCONFORMITY,
        reason="不符合未纠正",
        until=TODAY() + timedelta(days=days),
        case=case,
    )


# --- numbers and dates -------------------------------------------------------------------------------------------


def test_the_certificate_number_follows_the_scheme_template(cast, software_scheme):
    first = sc.certified(cast, software_scheme)
    year = TODAY().year
    assert first.number == f"NFCC{year}{software_scheme.number_code}00001"

    software_scheme.number_template = "CQFT-{category}-{year}-{scheme}-{seq:04d}"
    software_scheme.save()
    second = sc.certified(cast, software_scheme)
    third = sc.certified(cast, software_scheme)

    code = software_scheme.category.code
    assert second.number == f"CQFT-{code}-{year}-{software_scheme.number_code}-0001"
    assert third.number == f"CQFT-{code}-{year}-{software_scheme.number_code}-0002"


def test_the_number_counts_per_scheme_and_year(cast, software_scheme, hardware_scheme):
    a = sc.certified(cast, software_scheme)
    b = sc.certified(cast, hardware_scheme)
    c = sc.certified(cast, software_scheme)
    next_year = TODAY().replace(month=1, day=1) + relativedelta(years=1)
    d = sc.certified(cast, software_scheme)
    assert [x.number[-5:] for x in (a, b, c, d)] == ["00001", "00001", "00002", "00003"]
    application = sc.reviewed(
        cast, sc.evaluated(cast, sc.accepted(cast, sc.submitted_application(cast, software_scheme)))
    )
    e = sc.granted(cast, application, issued_on=next_year)
    assert e.number == f"NFCC{next_year.year}{software_scheme.number_code}00001"


def test_validity_is_three_years_less_a_day_by_default(cast, software_scheme):
    assert software_scheme.validity_years == 3
    certificate = sc.certified(cast, software_scheme)
    issued = certificate.issued_on
    assert issued == TODAY()
    assert certificate.expires_on == issued + relativedelta(years=3) - timedelta(days=1)
    assert certificate.versions.get().valid_until == certificate.expires_on
    assert cert_svc.expiry_for(date(2026, 3, 1), 3) == date(2029, 2, 28)
    assert cert_svc.expiry_for(date(2026, 1, 1), 3) == date(2028, 12, 31)


def test_validity_follows_the_scheme_setting(cast, software_scheme):
    software_scheme.validity_years = 5
    software_scheme.save()
    certificate = sc.certified(cast, software_scheme)
    assert certificate.expires_on == TODAY() + relativedelta(years=5) - timedelta(days=1)


def test_the_certificate_records_what_it_was_granted_under(cast, software_scheme, settings):
    certificate = sc.certified(cast, software_scheme)
    version = certificate.versions.get()
    rule = software_scheme.current_rule()
    assert (version.scheme_code, version.rule_document, version.rule_version) == (
        software_scheme.code,
        rule.document_code,
        rule.version,
    )
    assert version.standards == [s.as_record() for s in rule.standards.order_by("code")]
    assert version.holder_name == cast.organisation.name
    assert version.cb_name == settings.CERTBODY_ORG_NAME
    assert version.units[0]["models"] == ["V6"]
    assert version.decision.application.certificate is None  # an initial application creates the certificate


# --- surveillance planning ------------------------------------------------------------------------------------------


def test_the_first_surveillance_is_one_interval_after_the_grant(cast, software_scheme):
    certificate = sc.certified(cast, software_scheme)
    surveillance = certificate.surveillances.get()
    assert surveillance.sequence_no == 1 and surveillance.status == Surveillance.Status.PLANNED
    assert surveillance.due_on == certificate.issued_on + relativedelta(months=12)
    assert surveillance.methods == software_scheme.surveillance_methods


def test_the_surveillance_interval_follows_the_scheme(cast, software_scheme):
    software_scheme.surveillance_interval_months = 6
    software_scheme.save()
    certificate = sc.certified(cast, software_scheme)
    assert certificate.surveillances.get().due_on == TODAY() + relativedelta(months=6)


def test_no_surveillance_is_planned_at_or_past_the_expiry(cast, software_scheme):
    software_scheme.surveillance_interval_months = 36
    software_scheme.save()
    assert not sc.certified(cast, software_scheme).surveillances.exists()


def test_surveillances_follow_each_other_until_the_expiry(cast, software_scheme):
    certificate = sc.certified(cast, software_scheme)
    sc.surveyed(cast, certificate.surveillances.get(sequence_no=1))
    second = certificate.surveillances.get(sequence_no=2)
    assert second.due_on == certificate.issued_on + relativedelta(months=24)
    sc.surveyed(cast, second)
    # A third would fall on the anniversary, past the expiry (3 years less a day).
    assert certificate.surveillances.count() == 2
    assert not certificate.surveillances.filter(status__in=LIVE).exists()


# --- changes, extensions, recertification: new versions, never edits ---------------------------------------------


def _frozen(version):
    return model_to_dict(version)


def test_a_change_makes_a_new_version_and_never_edits_the_old_one(cast, software_scheme):
    certificate = sc.certified(cast, software_scheme)
    v1 = certificate.versions.get()
    before = _frozen(v1)
    expires, number = certificate.expires_on, certificate.number

    change_granted(cast, certificate, Application.Kind.CHANGE, models=("V7", "V7 Pro"))

    v1.refresh_from_db()
    assert _frozen(v1) == before
    v2 = certificate.versions.get(version_no=2)
    assert v2.reason == CertificateVersion.Reason.CHANGE
    assert [u["models"] for u in v2.units] == [["V7", "V7 Pro"]]
    assert (certificate.version_no, certificate.number, certificate.expires_on) == (2, number, expires)
    assert certificate.versions.count() == 2
    assert AuditEvent.objects.filter(action="certificate.new_version", object_id=str(certificate.pk)).count() == 1


def test_an_extension_appends_units(cast, software_scheme):
    certificate = sc.certified(cast, software_scheme)
    v1_units = certificate.versions.get().units

    change_granted(cast, certificate, Application.Kind.EXTENSION, models=("Lite",), product="手机银行极速版")

    v2 = certificate.versions.get(version_no=2)
    assert v2.reason == CertificateVersion.Reason.EXTENSION
    assert v2.units[: len(v1_units)] == v1_units
    assert v2.units[len(v1_units) :][0]["product_name"] == "手机银行极速版"
    assert len(v2.units) == len(v1_units) + 1
    assert certificate.product_name == "手机银行客户端；手机银行极速版"


def test_recertification_extends_the_expiry_and_replans_surveillance(cast, software_scheme):
    certificate = sc.certified(cast, software_scheme)
    old_expiry = certificate.expires_on
    first = certificate.surveillances.get()

    change_granted(cast, certificate, Application.Kind.RECERTIFICATION, models=("V6",))

    assert certificate.expires_on == old_expiry + relativedelta(years=3)
    assert certificate.expires_on == cert_svc.expiry_for(old_expiry + timedelta(days=1), 3)
    assert certificate.versions.get(version_no=2).valid_until == certificate.expires_on
    first.refresh_from_db()
    assert first.status == Surveillance.Status.CANCELLED
    planned = certificate.surveillances.get(status="planned")
    assert planned.sequence_no == 2
    assert planned.due_on == old_expiry + relativedelta(months=12)


def test_recertification_after_the_expiry_is_refused(cast, software_scheme):
    certificate = sc.certified(cast, software_scheme)
    application = sc.submitted_application(
        cast, software_scheme, kind=Application.Kind.RECERTIFICATION, certificate=certificate
    )
    application = sc.reviewed(cast, sc.evaluated(cast, sc.accepted(cast, application)))
    with pytest.raises(InvalidInput, match="before the certificate expires"):
        sc.granted(cast, application, issued_on=certificate.expires_on + timedelta(days=1))
    certificate.refresh_from_db()
    assert certificate.version_no == 1


def test_an_ended_certificate_gets_no_new_version(cast, software_scheme):
    certificate = sc.certified(cast, software_scheme)
    application = sc.submitted_application(cast, software_scheme, kind=Application.Kind.CHANGE, certificate=certificate)
    application = sc.reviewed(cast, sc.evaluated(cast, sc.accepted(cast, application)))
    cert_svc.certificate_withdraw(
        actor=cast.decider, certificate=certificate, reason_code=WithdrawalReason.FRAUD, reason="虚假材料"
    )
    with pytest.raises(InvalidInput, match="has ended"):
        sc.granted(cast, application)
    assert certificate.versions.count() == 1


# --- nonconformity, suspension and the deadlines ------------------------------------------------------------------


def test_a_confirmed_nonconformity_sets_the_suspension_deadline_from_the_scheme(cast, software_scheme):
    certificate = sc.certified(cast, software_scheme)
    confirmed = TODAY() - timedelta(days=1)
    case = cert_svc.nonconformity_confirm(
        actor=cast.quality, certificate=certificate, source="complaint", description="交易失败", confirmed_on=confirmed
    )
    assert case.suspend_by == confirmed + timedelta(days=5)

    software_scheme.suspension_deadline_days = 3
    software_scheme.save()
    certificate.refresh_from_db()
    other = cert_svc.nonconformity_confirm(
        actor=cast.quality, certificate=certificate, source="regulator", description="通报", confirmed_on=confirmed
    )
    assert other.suspend_by == confirmed + timedelta(days=3)
    assert status_history(other).get().to_status == NonconformityCase.Status.OPEN


def _suspension_event(certificate):
    return AuditEvent.objects.filter(action="certificate.suspend", object_id=str(certificate.pk)).latest("seq")


def test_suspending_after_the_deadline_is_recorded_as_late(cast, software_scheme):
    certificate = sc.certified(cast, software_scheme)
    case = cert_svc.nonconformity_confirm(
        actor=cast.quality,
        certificate=certificate,
        source="surveillance",
        description="抽样不合格",
        confirmed_on=TODAY() - timedelta(days=6),  # suspend_by was yesterday
    )
    suspend(cast, certificate, case=case)
    event = _suspension_event(certificate)
    assert event.after["late"] is True
    assert event.after["nonconformity_case"] == case.pk
    case.refresh_from_db()
    assert case.status == NonconformityCase.Status.SUSPENDED


def test_suspending_within_the_deadline_is_not_late(cast, software_scheme):
    certificate = sc.certified(cast, software_scheme)
    case = cert_svc.nonconformity_confirm(
        actor=cast.quality,
        certificate=certificate,
        source="surveillance",
        description="抽样不合格",
        confirmed_on=TODAY() - timedelta(days=5),  # suspend_by is today
    )
    suspend(cast, certificate, case=case)
    assert _suspension_event(certificate).after["late"] is False


def test_a_case_of_another_certificate_cannot_justify_a_suspension(cast, software_scheme):
    certificate, other = sc.certified(cast, software_scheme), sc.certified(cast, software_scheme)
    case = cert_svc.nonconformity_confirm(
        actor=cast.quality, certificate=other, source="complaint", description="投诉", confirmed_on=TODAY()
    )
    with pytest.raises(InvalidInput, match="another certificate"):
        suspend(cast, certificate, case=case)
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.VALID


def test_a_suspension_longer_than_the_scheme_maximum_is_refused(cast, software_scheme):
    certificate = sc.certified(cast, software_scheme)
    longest = software_scheme.max_suspension_days
    for days in (longest + 1, 0, -1):
        with pytest.raises(InvalidInput) as refused:
            suspend(cast, certificate, days=days)
        assert refused.value.details == {"field": "until"}
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.VALID

    software_scheme.max_suspension_days = 90
    software_scheme.save()
    certificate.refresh_from_db()
    with pytest.raises(InvalidInput):
        suspend(cast, certificate, days=91)
    suspend(cast, certificate, days=90)
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.SUSPENDED
    assert certificate.suspended_until == TODAY() + timedelta(days=90)
    assert certificate.cnca_code == "02"


def test_restoring_ends_the_suspension(cast, software_scheme):
    certificate = suspend(cast, sc.certified(cast, software_scheme))
    with pytest.raises(InvalidInput):
        cert_svc.certificate_restore(actor=cast.decider, certificate=certificate, reason=" ")
    cert_svc.certificate_restore(actor=cast.decider, certificate=certificate, reason="整改完成并验证")
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.VALID
    assert (certificate.suspended_on, certificate.suspended_until, certificate.status_reason_code) == (None, None, "")


# --- ending: withdrawal, cancellation, expiry --------------------------------------------------------------------


@pytest.mark.parametrize("how", ["withdraw", "cancel", "expire"])
def test_ending_a_certificate_cancels_its_open_surveillances_and_cases(cast, software_scheme, how):
    certificate = sc.certified(cast, software_scheme)
    svc.surveillance_start(actor=cast.engineer, surveillance=certificate.surveillances.get())
    case = cert_svc.nonconformity_confirm(
        actor=cast.quality, certificate=certificate, source="complaint", description="投诉", confirmed_on=TODAY()
    )
    if how == "withdraw":
        cert_svc.certificate_withdraw(
            actor=cast.quality, certificate=certificate, reason_code=WithdrawalReason.FAKE_SAMPLES, reason="替换样品"
        )
    elif how == "cancel":
        cert_svc.certificate_cancel(
            actor=cast.market, certificate=certificate, reason_code="discontinued", reason="产品停产"
        )
    else:
        assert cert_svc.run_daily(today=certificate.expires_on + timedelta(days=1)) == {"expired": 1, "withdrawn": 0}

    certificate.refresh_from_db()
    assert certificate.status == {"withdraw": "withdrawn", "cancel": "cancelled", "expire": "expired"}[how]
    assert certificate.ended_on is not None
    assert not certificate.surveillances.filter(status__in=LIVE).exists()
    assert certificate.surveillances.get().status == Surveillance.Status.CANCELLED
    case.refresh_from_db()
    assert case.status == NonconformityCase.Status.RESOLVED
    with pytest.raises(IllegalTransition):
        cert_svc.certificate_restore(actor=cast.decider, certificate=certificate, reason="x")


def test_run_daily_expires_and_withdraws_and_is_idempotent(cast, software_scheme):
    expiring = sc.certified(cast, software_scheme)
    suspended = suspend(cast, sc.certified(cast, software_scheme), days=30)
    keeps = sc.certified(cast, software_scheme)
    day = suspended.suspended_until

    # On the last day of the suspension nothing happens yet.
    assert cert_svc.run_daily(today=day) == {"expired": 0, "withdrawn": 0}
    assert cert_svc.run_daily(today=day + timedelta(days=1)) == {"expired": 0, "withdrawn": 1}
    suspended.refresh_from_db()
    assert suspended.status == Certificate.Status.WITHDRAWN
    assert suspended.status_reason_code == WithdrawalReason.SUSPENSION_EXPIRED
    assert status_history(suspended).last().actor is None  # the system did it

    # On the expiry date a certificate is still valid; the day after it has expired.
    assert cert_svc.run_daily(today=expiring.expires_on) == {"expired": 0, "withdrawn": 0}
    events = AuditEvent.objects.count()
    after_expiry = expiring.expires_on + timedelta(days=1)
    assert cert_svc.run_daily(today=after_expiry) == {"expired": 2, "withdrawn": 0}
    for certificate in (expiring, keeps):
        certificate.refresh_from_db()
        assert certificate.status == Certificate.Status.EXPIRED
        assert certificate.cnca_code == "05"
    changed = AuditEvent.objects.count()
    assert changed > events

    # Idempotent: a second run changes nothing and writes nothing.
    assert cert_svc.run_daily(today=after_expiry) == {"expired": 0, "withdrawn": 0}
    assert cert_svc.run_daily(today=after_expiry + timedelta(days=400)) == {"expired": 0, "withdrawn": 0}
    assert AuditEvent.objects.count() == changed
    assert verify_chain().ok


def test_run_daily_expires_a_suspended_certificate(cast, software_scheme):
    certificate = suspend(cast, sc.certified(cast, software_scheme), days=180)
    # Both conditions hold a year later: it expires once (expiry wins) and is not also withdrawn.
    counts = cert_svc.run_daily(today=certificate.expires_on + timedelta(days=1))
    assert counts == {"expired": 1, "withdrawn": 0}
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.EXPIRED
    assert [c.transition for c in status_history(certificate)] == ["issue", "suspend", "expire"]


def test_cnca_codes_map_every_status():
    assert {status: Certificate.CNCA_CODES[status] for status in Certificate.Status} == {
        Certificate.Status.VALID: "01",
        Certificate.Status.SUSPENDED: "02",
        Certificate.Status.WITHDRAWN: "03",
        Certificate.Status.CANCELLED: "04",
        Certificate.Status.EXPIRED: "05",
    }
    for status, code in Certificate.CNCA_CODES.items():
        assert Certificate(status=status).cnca_code == code


def test_ended_states_are_final():
    for status in (Certificate.Status.WITHDRAWN, Certificate.Status.CANCELLED, Certificate.Status.EXPIRED):
        assert CERTIFICATE_FLOW.allowed(status) == []


# --- who may change a certificate's status ----------------------------------------------------------------------


def test_wrong_roles_cannot_change_a_certificates_status(cast, software_scheme):
    certificate = sc.certified(cast, software_scheme)
    suspended = suspend(cast, sc.certified(cast, software_scheme))
    calls = {
        "suspend": (lambda a: suspend(cast, certificate, actor=a), ["market", "engineer", "client", "reviewer"]),
        "restore": (
            lambda a: cert_svc.certificate_restore(actor=a, certificate=suspended, reason="x"),
            ["market", "engineer", "client", "inspector"],
        ),
        "withdraw": (
            lambda a: cert_svc.certificate_withdraw(actor=a, certificate=certificate, reason_code="fraud", reason="x"),
            ["market", "engineer", "client", "management"],
        ),
        "cancel": (
            lambda a: cert_svc.certificate_cancel(
                actor=a, certificate=certificate, reason_code="client_request", reason="x"
            ),
            ["engineer", "client", "reviewer", "regulator"],
        ),
        "confirm": (
            lambda a: cert_svc.nonconformity_confirm(
                actor=a, certificate=certificate, source="complaint", description="x", confirmed_on=TODAY()
            ),
            ["client", "market", "inspector", "lab_user"],
        ),
    }
    for call, wrong in calls.values():
        for role in wrong:
            with pytest.raises(NotAllowed):
                call(getattr(cast, role))
    certificate.refresh_from_db()
    suspended.refresh_from_db()
    assert (certificate.status, suspended.status) == ("valid", "suspended")
    assert not NonconformityCase.objects.exists()


def test_only_decision_makers_and_quality_resolve_a_nonconformity(cast, software_scheme):
    certificate = sc.certified(cast, software_scheme)
    case = cert_svc.nonconformity_confirm(
        actor=cast.engineer, certificate=certificate, source="complaint", description="投诉", confirmed_on=TODAY()
    )
    for wrong in (cast.engineer, cast.market, cast.client, cast.reviewer):
        with pytest.raises(NotAllowed):
            cert_svc.nonconformity_resolve(actor=wrong, case=case, resolution="已纠正")
    case.refresh_from_db()
    assert case.status == NonconformityCase.Status.OPEN
    cert_svc.nonconformity_resolve(actor=cast.quality, case=case, resolution="已纠正")
    case.refresh_from_db()
    assert (case.status, case.resolution) == (NonconformityCase.Status.RESOLVED, "已纠正")


def test_status_changes_need_a_reason_code_and_a_reason(cast, software_scheme):
    certificate = sc.certified(cast, software_scheme)
    with pytest.raises(InvalidInput):
        cert_svc.certificate_withdraw(actor=cast.decider, certificate=certificate, reason_code="whim", reason="x")
    with pytest.raises(InvalidInput):
        cert_svc.certificate_withdraw(actor=cast.decider, certificate=certificate, reason_code="fraud", reason="")
    with pytest.raises(InvalidInput):
        cert_svc.certificate_cancel(actor=cast.market, certificate=certificate, reason_code="fraud", reason="x")
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.VALID
