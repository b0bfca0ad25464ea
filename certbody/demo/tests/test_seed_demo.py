"""seed_demo: the demo made through the real services, every state present, the chain intact, idempotent."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from certbody.accounts.models import User
from certbody.applications.models import Application
from certbody.certificates.models import Certificate, NonconformityCase
from certbody.certification.models import Surveillance
from certbody.core.audit import verify_chain
from certbody.core.models import AuditEvent, StatusChange


def _seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_seed_demo_creates_every_state_through_the_services(settings):
    settings.DEMO_PASSWORD = "s3cret-demo"
    output = _seed()
    today = timezone.localdate()

    statuses = set(Application.objects.values_list("status", flat=True))
    assert statuses == set(Application.Status.values)
    kinds = set(Application.objects.values_list("kind", flat=True))
    assert kinds == set(Application.Kind.values)
    assert set(Certificate.objects.values_list("status", flat=True)) == set(Certificate.Status.values)
    # Granted changes, extensions and recertifications are new versions of one certificate.
    assert Certificate.objects.filter(version_no__gte=3).exists()
    for certificate in Certificate.objects.all():
        assert certificate.versions.count() == certificate.version_no
        if certificate.status in (Certificate.Status.VALID, Certificate.Status.SUSPENDED):
            assert certificate.expires_on >= today

    expired = Certificate.objects.get(status=Certificate.Status.EXPIRED)
    assert expired.expires_on < today and expired.ended_on == expired.expires_on + timedelta(days=1)
    withdrawn = Certificate.objects.get(status=Certificate.Status.WITHDRAWN)
    assert withdrawn.status_reason_code == "suspension_expired"
    assert withdrawn.ended_on == withdrawn.suspended_until + timedelta(days=1)

    assert Surveillance.objects.filter(status=Surveillance.Status.COMPLETED, outcome="keep").exists()
    overdue = Surveillance.objects.filter(status=Surveillance.Status.PLANNED, due_on__lt=today)
    assert overdue.count() == 1
    case = NonconformityCase.objects.get(status=NonconformityCase.Status.OPEN)
    assert case.suspend_by == case.confirmed_on + timedelta(days=5)
    assert case.suspend_by > today

    # Every change of state went through a service: it has its status-change row and audit event.
    assert StatusChange.objects.filter(to_status=Certificate.Status.EXPIRED, actor__isnull=True).exists()
    times = list(AuditEvent.objects.order_by("seq").values_list("occurred_at", flat=True))
    assert times == sorted(times), "the demo clock only moves forward"
    assert times[-1] <= timezone.now()
    report = verify_chain()
    assert report.ok, report.problems

    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.has_role("admin")
    assert admin.check_password("s3cret-demo")
    assert User.objects.get(username="client1").organisation.name == "重庆银行股份有限公司"
    assert User.objects.filter(username__in=["lab1", "lab2"], lab__isnull=False).count() == 2
    for username in ("market", "engineer2", "inspector3", "decider", "regulator", "client6", "lab2"):
        assert username in output
    assert "s3cret-demo" in output


@pytest.mark.django_db
def test_seed_demo_twice_is_harmless():
    _seed()
    counts = (
        User.objects.count(),
        Application.objects.count(),
        Certificate.objects.count(),
        AuditEvent.objects.count(),
    )
    output = _seed()
    assert "already present" in output or "已" in output
    after = (User.objects.count(), Application.objects.count(), Certificate.objects.count(), AuditEvent.objects.count())
    assert after == counts
    assert verify_chain().ok
