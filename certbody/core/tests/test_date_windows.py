"""Every date a person enters is held to a window in the service: a grant dated 9999-12-31 or a training in 1900 is
refused with a message next to the field, and nothing is written."""

from datetime import date, timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from certbody.applications import services as app_svc
from certbody.applications.models import Application
from certbody.certificates import services as certificate_svc
from certbody.certification import services as cert_svc
from certbody.core.dates import check_date_window, date_window
from certbody.core.errors import InvalidInput
from certbody.core.models import AuditEvent, SystemSetting
from certbody.demo import scenarios
from certbody.people import services as people_svc
from certbody.people.models import Course, Person, Risk
from certbody.publicsite import services as site_svc

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

TOO_LATE = date(9999, 12, 31)
TOO_EARLY = date(1900, 1, 1)
MINIMAL_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def person(user):
    return Person.objects.get(user=user)


def _decision(cast, schemes, day):
    application = scenarios.reviewed(
        cast, scenarios.evaluated(cast, scenarios.accepted(cast, submitted(cast, schemes)))
    )
    return lambda: cert_svc.decision_make(actor=cast.decider, application=application, outcome="grant", issued_on=day)


def submitted(cast, schemes):
    return scenarios.submitted_application(cast, schemes["software"])


def _contract(cast, schemes, day):
    application = submitted(cast, schemes)
    return lambda: app_svc.application_accept(
        actor=cast.market, application=application, contract_number="HT-1", fee="1", signed_on=day
    )


def _inspection_plan(cast, schemes, day):
    application = scenarios.accepted(cast, scenarios.submitted_application(cast, schemes["hardware"]))
    cert_svc.evaluation_start(actor=cast.engineer, application=application)
    return lambda: cert_svc.inspection_plan(
        actor=cast.engineer, case=application, planned_on=day, leader=cast.inspector
    )


def _order(cast, schemes):
    application = scenarios.accepted(cast, submitted(cast, schemes))
    scenarios.cover_scheme(cast.lab, application.scheme)
    cert_svc.evaluation_start(actor=cast.engineer, application=application)
    unit = application.units.first()
    return cert_svc.test_order_create(actor=cast.engineer, case=application, lab=cast.lab, unit=unit)


def _sample_sent(cast, schemes, day):
    order = _order(cast, schemes)
    return lambda: cert_svc.test_order_send_sample(actor=cast.engineer, order=order, sent_on=day)


def _report(cast, schemes, day):
    order = _order(cast, schemes)
    today = timezone.localdate()
    cert_svc.test_order_send_sample(actor=cast.engineer, order=order, sent_on=today)
    cert_svc.test_order_receive_sample(actor=cast.lab_user, order=order, received_on=today)
    return lambda: cert_svc.test_order_report(
        actor=cast.lab_user,
        order=order,
        report_number="R-1",
        issued_on=day,
        result="pass",
        report_file=ContentFile(MINIMAL_PDF, name="r.pdf"),
    )


def _nonconformity(cast, schemes, day):
    certificate = scenarios.certified(cast, schemes["software"])
    return lambda: certificate_svc.nonconformity_confirm(
        actor=cast.engineer, certificate=certificate, source="complaint", description="x", confirmed_on=day
    )


def _version(cast, schemes, day):
    document = site_svc.document_create(actor=cast.quality, kind="form", title_zh="申请书")
    return lambda: site_svc.version_publish(
        actor=cast.quality,
        document=document,
        version="V1",
        effective_from=day,
        file=ContentFile(MINIMAL_PDF, name="f.pdf"),
    )


def _person(cast, schemes, day):
    return lambda: people_svc.person_create(actor=cast.hr, name="新人", joined_on=day)


def _registration(field):
    def build(cast, schemes, day):
        today = timezone.localdate()
        period = {"valid_from": today, "valid_until": today + timedelta(days=365), field: day}
        return lambda: people_svc.registration_add(
            actor=cast.hr, person=person(cast.engineer), family="product", level="full", number="R-9", **period
        )

    return build


def _training(cast, schemes, day):
    course = Course.objects.create(title="ISO/IEC 17065", hours=8)
    return lambda: people_svc.training_record(
        actor=cast.hr, person=person(cast.engineer), course=course, attended_on=day
    )


def _conflict(cast, schemes, day):
    return lambda: people_svc.conflict_record(
        actor=cast.hr, organisation=cast.organisation, kind="consultancy", started_on=day, person=person(cast.engineer)
    )


def _risk(cast, schemes, day):
    return lambda: people_svc.risk_create(
        actor=cast.hr, title="r", threat="self_interest", likelihood=2, impact=2, review_on=day
    )


def _risk_check(cast, schemes, day):
    risk = people_svc.risk_create(actor=cast.hr, title="r", threat=Risk.Threat.values[0], likelihood=2, impact=2)
    return lambda: people_svc.risk_check_record(actor=cast.hr, risk=risk, checked_on=day, effective=True)


def _meeting(cast, schemes, day):
    return lambda: people_svc.committee_meeting_record(actor=cast.hr, held_on=day, title="会议")


def _meeting_follow_up(cast, schemes, day):
    today = timezone.localdate()
    return lambda: people_svc.committee_meeting_record(
        actor=cast.hr, held_on=today, title="会议", decisions=[{"text": "跟进", "due_on": day}]
    )


SERVICES = {
    "decision grant date": (_decision, "issued_on"),
    "contract signed on": (_contract, "signed_on"),
    "inspection planned for": (_inspection_plan, "planned_on"),
    "sample sent on": (_sample_sent, "sent_on"),
    "test report date": (_report, "issued_on"),
    "nonconformity confirmed on": (_nonconformity, "confirmed_on"),
    "document effective from": (_version, "effective_from"),
    "person joined on": (_person, "joined_on"),
    "registration valid from": (_registration("valid_from"), "valid_from"),
    "registration valid until": (_registration("valid_until"), "valid_until"),
    "training attended on": (_training, "attended_on"),
    "conflict started on": (_conflict, "started_on"),
    "risk review date": (_risk, "review_on"),
    "risk checked on": (_risk_check, "checked_on"),
    "committee meeting held on": (_meeting, "held_on"),
    "committee follow-up due on": (_meeting_follow_up, "due_on"),
}


@pytest.fixture
def schemes(software_scheme, hardware_scheme):
    return {"software": software_scheme, "hardware": hardware_scheme}


@pytest.mark.parametrize("day", [TOO_LATE, TOO_EARLY], ids=["9999-12-31", "1900-01-01"])
@pytest.mark.parametrize("service", SERVICES, ids=list(SERVICES))
def test_a_date_outside_its_window_is_refused_and_nothing_is_written(cast, schemes, service, day):
    build, field = SERVICES[service]
    call = build(cast, schemes, day)
    events = AuditEvent.objects.count()
    with pytest.raises(InvalidInput) as err:
        call()
    assert field in err.value.details.get("fields", {}), err.value.message
    assert AuditEvent.objects.count() == events


def test_a_grant_at_a_sane_date_still_passes(cast, software_scheme):
    application = scenarios.reviewed(
        cast,
        scenarios.evaluated(cast, scenarios.accepted(cast, scenarios.submitted_application(cast, software_scheme))),
    )
    scenarios.granted(cast, application, issued_on=timezone.localdate())
    assert Application.objects.get(pk=application.pk).status == Application.Status.GRANTED


def test_the_window_bounds_and_the_configurable_earliest_date(db):
    today = timezone.localdate()
    earliest, latest = date_window("record")
    assert earliest == date(2000, 1, 1) and latest == today + timedelta(days=1)
    assert check_date_window(latest, field="d", label="D") == latest
    assert check_date_window(earliest, field="d", label="D") == earliest
    with pytest.raises(InvalidInput):
        check_date_window(latest + timedelta(days=1), field="d", label="D")
    with pytest.raises(InvalidInput):
        check_date_window(earliest - timedelta(days=1), field="d", label="D")
    assert date_window("planned")[1].year == today.year + 10
    SystemSetting.objects.create(key="earliest_record_date", value="2010-06-01")
    assert date_window()[0] == date(2010, 6, 1)
    with pytest.raises(InvalidInput):
        check_date_window(date(2010, 5, 31), field="d", label="D")
