"""run_daily: the command and the Celery task expire and withdraw once, and a re-run changes nothing."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from celery.schedules import crontab
from django.core.management import CommandError, call_command
from django.utils import timezone

from certbody.certificates import services as certificate_svc
from certbody.certificates.models import Certificate, SuspensionReason
from certbody.certificates.tasks import run_daily_task
from certbody.core.audit import verify_chain
from certbody.demo import scenarios as sc
from certbody.demo.clock import DemoClock
from certbody.schemes.models import Scheme
from config.celery import app

# Messages are asserted in English; the default language is Chinese.
pytestmark = pytest.mark.usefixtures("english")


def _run_daily(*args: str) -> str:
    out = StringIO()
    call_command("run_daily", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def due_for_the_daily_job(db):
    """A certificate past its expiry and one whose suspension ran out, made on the demo clock."""
    scheme = Scheme.objects.get(code="NFCC-PC-B01")
    today = timezone.localdate()
    with DemoClock() as clock:
        clock.travel(today - timedelta(days=3 * 365 + 30))
        cast = sc.make_cast()
        old = sc.certified(cast, scheme)
        clock.travel(today - timedelta(days=100))
        suspended = sc.certified(cast, scheme, product="企业网银客户端")
        certificate_svc.certificate_suspend(
            actor=cast.decider,
            certificate=suspended,
            reason_code=SuspensionReason.NONCONFORMITY,
            reason="整改未完成",
            until=clock.today() + timedelta(days=30),
        )
    old.refresh_from_db()
    suspended.refresh_from_db()
    assert old.expires_on < today and old.status == Certificate.Status.VALID
    assert suspended.suspended_until < today and suspended.status == Certificate.Status.SUSPENDED
    return old, suspended


def test_run_daily_expires_and_withdraws_and_a_second_run_changes_nothing(due_for_the_daily_job):
    old, suspended = due_for_the_daily_job
    today = timezone.localdate()

    output = _run_daily()

    assert "1 expired, 1 withdrawn" in output
    old.refresh_from_db()
    suspended.refresh_from_db()
    assert old.status == Certificate.Status.EXPIRED and old.ended_on == today
    assert suspended.status == Certificate.Status.WITHDRAWN
    assert suspended.status_reason_code == "suspension_expired"
    assert not old.surveillances.filter(status__in=["planned", "in_progress"]).exists()
    assert "0 expired, 0 withdrawn" in _run_daily()
    assert verify_chain().ok


@pytest.mark.django_db
def test_run_daily_date_option(cast, software_scheme):
    certificate = sc.certified(cast, software_scheme)
    assert "0 expired" in _run_daily("--date", certificate.expires_on.isoformat())
    output = _run_daily("--date", (certificate.expires_on + timedelta(days=1)).isoformat())
    assert "1 expired, 0 withdrawn" in output
    certificate.refresh_from_db()
    # Ended on the day the job ran for, never before the certificate's own expiry.
    assert certificate.ended_on == certificate.expires_on + timedelta(days=1)
    with pytest.raises(CommandError):
        _run_daily("--date", "31.12.2030")


def test_daily_task_runs_eagerly_with_primitives_only(due_for_the_daily_job):
    old, suspended = due_for_the_daily_job
    result = run_daily_task.delay(today=timezone.localdate().isoformat()).get(timeout=10)
    assert result == {"expired": 1, "withdrawn": 1}
    assert json.loads(json.dumps(result)) == result  # what a real broker would carry back
    old.refresh_from_db()
    suspended.refresh_from_db()
    assert (old.status, suspended.status) == (Certificate.Status.EXPIRED, Certificate.Status.WITHDRAWN)
    assert run_daily_task.delay().get(timeout=10) == {"expired": 0, "withdrawn": 0}


def test_daily_task_is_scheduled_at_one_in_the_morning_shanghai_time():
    entry = app.conf.beat_schedule["certificates-run-daily"]
    assert entry["task"] == run_daily_task.name
    assert entry["schedule"] == crontab(hour=1, minute=0)
    assert app.conf.timezone == "Asia/Shanghai"
    assert run_daily_task.name in app.tasks
