"""Audit anchors: an insider who rewrites the chain and recomputes every hash is caught by the signed checkpoints;
forged checkpoints and tampered status-history rows are reported; the job is idempotent; the web has no key."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections import Counter
from io import StringIO

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings as django_settings
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from certbody.core import anchors
from certbody.core.audit import _digest, audit_record, verify_chain
from certbody.core.models import AuditChainHead, AuditEvent, StatusChange
from certbody.core.tasks import anchor_audit_chain
from certbody.demo import scenarios as sc

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def anchor_dir(settings, tmp_path):
    settings.CERTBODY_AUDIT_ANCHOR_DIR = tmp_path / "anchors"
    settings.CERTBODY_AUDIT_ANCHOR_KEY_FILE = ""
    settings.VAR_DIR = tmp_path / "var"  # the development key is generated here
    settings.CERTBODY_AUDIT_ANCHOR_PUBLIC_KEYS = []
    settings.CERTBODY_AUDIT_ANCHOR_MAIL_TO = []
    return settings.CERTBODY_AUDIT_ANCHOR_DIR


@pytest.fixture
def application(cast, software_scheme):
    return sc.accepted(cast, sc.submitted_application(cast, software_scheme))


def _more_events(obj, n: int = 3) -> None:
    with transaction.atomic():
        for i in range(n):
            audit_record(actor=None, action="test.note", obj=obj, after={"i": i})


def _rewrite_as_insider(seq: int) -> None:
    """Edit one event, then recompute every later hash and the head, writing straight to the database."""
    prev = None
    for event in AuditEvent.objects.filter(seq__gte=seq).order_by("seq"):
        if event.seq == seq:
            event.reason = "nothing happened here"
        else:
            event.prev_hash = prev
        event.hash = _digest(event)
        AuditEvent.objects.filter(pk=event.pk).update(reason=event.reason, prev_hash=event.prev_hash, hash=event.hash)
        prev = event.hash
    AuditChainHead.objects.filter(id=1).update(last_hash=prev)


def _verify_command() -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_audit_chain", stdout=out, stderr=err)
    except CommandError as exc:
        assert exc.returncode == 1
        return "failed", err.getvalue()
    return "ok", out.getvalue()


def test_anchored_untouched_chain_verifies(application):
    assert anchor_audit_chain() == AuditChainHead.objects.get().last_seq
    report = anchors.verify_anchors()
    assert report.problems == [] and report.checkpoints == 1
    assert _verify_command()[0] == "ok"


def test_insider_rewrite_with_recomputed_hashes_is_caught_and_the_unsafe_range_named(application):
    first = anchor_audit_chain()
    _more_events(application)
    second = anchor_audit_chain()
    assert second > first
    _rewrite_as_insider(first + 2)
    assert verify_chain().ok  # the chain alone cannot see it: every hash was recomputed
    report = anchors.verify_anchors()
    assert report.first_unsafe_seq == first + 1 and report.last_good_seq == first
    assert f"events from seq {first + 1} on could have been rewritten" in report.problems[0]
    status, text = _verify_command()
    assert status == "failed" and f"checkpoint seq {second}" in text and f"from seq {first + 1}" in text


def test_rewrite_before_the_first_checkpoint_names_the_whole_chain(application):
    anchor_audit_chain()
    _rewrite_as_insider(2)
    assert anchors.verify_anchors().first_unsafe_seq == 1


def test_forged_checkpoint_is_reported(application, anchor_dir):
    anchor_audit_chain()
    _more_events(application)
    _rewrite_as_insider(AuditChainHead.objects.get().last_seq)
    head = AuditChainHead.objects.get()
    forger = Ed25519PrivateKey.generate()  # the insider signs the rewritten head with a key of his own
    key_id = anchors.key_id_for(anchors._raw_public(forger.public_key()))
    at = "2099-01-01T00:00:00+00:00"
    sig = base64.b64encode(forger.sign(anchors._message(head.last_seq, head.last_hash, at, key_id))).decode()
    line = {"seq": head.last_seq, "hash": head.last_hash, "at": at, "key_id": key_id, "sig": sig}
    with open(anchor_dir / anchors.CHECKPOINTS, "a") as fh:
        fh.write(json.dumps(line) + "\n")
    problems = anchors.verify_anchors().problems
    assert any("line 2" in p and "forged" in p for p in problems)
    # a real checkpoint with an altered hash fails its signature too
    lines = (anchor_dir / anchors.CHECKPOINTS).read_text().splitlines()
    altered = json.loads(lines[0]) | {"hash": "0" * 64}
    (anchor_dir / anchors.CHECKPOINTS).write_text(json.dumps(altered) + "\n")
    assert "forged" in anchors.verify_anchors().problems[0]


def test_checkpoints_must_be_monotonic(application, anchor_dir):
    anchor_audit_chain()
    _more_events(application)
    anchor_audit_chain()
    lines = (anchor_dir / anchors.CHECKPOINTS).read_text().splitlines()
    (anchor_dir / anchors.CHECKPOINTS).write_text("\n".join(reversed(lines)) + "\n")
    assert any("not monotonic" in p for p in anchors.verify_anchors().problems)


def test_tampered_status_change_row_is_reported(application):
    assert anchors.verify_status_changes() == []
    row = StatusChange.objects.order_by("pk").last()
    StatusChange.objects.filter(pk=row.pk).update(to_status="rejected")
    problems = anchors.verify_status_changes()
    assert problems == [f"status change {row.pk}: to differ from its audit event seq {row.audit_event.seq} (edited)"]
    status, text = _verify_command()
    assert status == "failed" and f"status change {row.pk}" in text


def test_status_change_row_without_its_event_or_event_without_its_row_is_reported(application, cast, software_scheme):
    sc.accepted(cast, sc.submitted_application(cast, software_scheme))  # every step twice
    # A kind of step (object type, action) is known to write a status row once any row of it exists.
    counts = Counter(StatusChange.objects.values_list("audit_event__action", flat=True))
    row = StatusChange.objects.filter(audit_event__action=max(counts, key=counts.get)).order_by("pk").last()
    assert counts[row.audit_event.action] > 1
    event_seq = row.audit_event.seq
    StatusChange.objects.filter(pk=row.pk).delete()  # the insider drops a step from the history
    assert anchors.verify_status_changes() == [
        f"audit event seq {event_seq} ({row.audit_event.action}): its status change row is missing"
    ]
    other = StatusChange.objects.order_by("pk").first()
    with connection.cursor() as cursor:  # the event deleted under a row that still points at it
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA foreign_keys = OFF")
        else:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        table = connection.ops.quote_name(StatusChange._meta.db_table)
        cursor.execute(f"UPDATE {table} SET audit_event_id = %s WHERE id = %s", [10**9, other.pk])
        problems = anchors.verify_status_changes()
        cursor.execute(f"UPDATE {table} SET audit_event_id = %s WHERE id = %s", [other.audit_event_id, other.pk])
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA foreign_keys = ON")
    assert f"status change {other.pk}: its audit event {10**9} does not exist" in problems


def test_anchor_job_writes_a_checkpoint_and_nothing_when_unchanged(application, anchor_dir, settings):
    settings.CERTBODY_AUDIT_ANCHOR_MAIL_TO = ["auditor@example.com"]
    seq = anchor_audit_chain()
    assert seq == AuditChainHead.objects.get().last_seq
    assert anchor_audit_chain() is None  # idempotent: nothing changed, nothing written
    assert len(anchors.read_checkpoints()) == 1 and len(mail.outbox) == 1
    assert json.loads(mail.outbox[0].body)["seq"] == seq
    _more_events(application, 1)
    assert anchor_audit_chain() == seq + 1
    assert [c["seq"] for c in anchors.read_checkpoints()] == [seq, seq + 1]
    assert len((anchor_dir / anchors.KEYS).read_text().splitlines()) == 1  # the key recorded once
    key_file = django_settings.VAR_DIR / "audit-anchor-key"
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"


def test_beat_signs_the_head_every_ten_minutes_and_at_the_days_end():
    from config.celery import app

    jobs = [j for j in app.conf.beat_schedule.values() if j["task"] == "certbody.core.anchor_audit_chain"]
    assert sorted(str(j["schedule"]) for j in jobs) == [
        "<crontab: */10 * * * * (m/h/dM/MY/d)>",
        "<crontab: 59 23 * * * (m/h/dM/MY/d)>",
    ]


def test_verification_needs_only_the_public_key(application, settings):
    anchor_audit_chain()
    key_file = django_settings.VAR_DIR / "audit-anchor-key"
    private = anchors.private_key()
    key_file.unlink()  # the verifier (web, auditor) has no private key
    settings.CERTBODY_AUDIT_ANCHOR_PUBLIC_KEYS = [base64.b64encode(anchors._raw_public(private.public_key())).decode()]
    assert anchors.verify_anchors().problems == []
    settings.CERTBODY_AUDIT_ANCHOR_PUBLIC_KEYS = [
        base64.b64encode(anchors._raw_public(Ed25519PrivateKey.generate().public_key())).decode()
    ]  # pinned keys win over those recorded beside the checkpoints
    assert "not trusted" in anchors.verify_anchors().problems[0]
    assert not key_file.exists()


def test_web_process_settings_carry_no_anchor_key_and_production_generates_none(tmp_path):
    """Production web settings: no key path unless the worker's environment sets one; no key is ever generated."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CERTBODY_AUDIT_ANCHOR")}
    env |= {
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "SECRET_KEY": "x" * 60,
        "ALLOWED_HOSTS": "example.com",
        "CERTBODY_VAR_DIR": str(tmp_path),
    }
    code = (
        "import django; django.setup()\n"
        "from django.conf import settings\n"
        "from django.core.exceptions import ImproperlyConfigured\n"
        "from certbody.core import anchors\n"
        "assert settings.CERTBODY_AUDIT_ANCHOR_KEY_FILE == ''\n"
        "try:\n    anchors.private_key()\nexcept ImproperlyConfigured:\n    print('refused')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=django_settings.BASE_DIR, capture_output=True, text=True
    )
    assert result.stdout.strip() == "refused", result.stderr
    assert not (tmp_path / "audit-anchor-key").exists()
