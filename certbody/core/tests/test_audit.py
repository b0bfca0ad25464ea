"""The audit chain: tampering is detected, events are append-only, and a refused step leaves no trace."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone, translation

from certbody.applications.models import Application
from certbody.certificates.models import Certificate, SuspensionReason
from certbody.certificates.services import certificate_suspend
from certbody.certification import services as svc
from certbody.certification.models import Decision, Result, Surveillance
from certbody.core.audit import GENESIS, _digest, audit_record, verify_chain
from certbody.core.errors import IllegalTransition, InvalidInput
from certbody.core.models import AuditChainHead, AuditEvent, NumberSequence, StatusChange
from certbody.demo import scenarios as sc

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages are checked in English (the source language); the default language is Chinese."""
    with translation.override("en"):
        yield


TABLE = AuditEvent._meta.db_table


def _sql(statement: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement.replace("{table}", connection.ops.quote_name(TABLE)), params)


def _events_without_status_change():
    """Events nothing else refers to (user creation), so raw deletes hit no foreign key."""
    return list(AuditEvent.objects.filter(status_change__isnull=True).order_by("seq"))


@pytest.fixture
def chain(cast, software_scheme):
    """A real chain: a cast of users and an application that went some way through its lifecycle."""
    application = sc.accepted(cast, sc.submitted_application(cast, software_scheme))
    report = verify_chain()
    assert report.ok, report.problems
    assert report.checked == AuditEvent.objects.count() > 10
    return application


def test_untouched_chain_verifies_from_genesis(chain):
    first, *rest = AuditEvent.objects.order_by("seq")
    assert first.seq == 1 and first.prev_hash == GENESIS
    previous = first
    for event in rest:
        assert event.seq == previous.seq + 1
        assert event.prev_hash == previous.hash
        previous = event
    head = AuditChainHead.objects.get()
    assert (head.last_seq, head.last_hash) == (previous.seq, previous.hash)


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("reason", "rewritten reason"),
        ("after", json.dumps({"status": "granted"})),
        ("before", json.dumps({"status": "draft", "forged": True})),
        ("action", "application.grant"),
        ("actor_label", "someone else"),
        ("object_id", "999999"),
    ],
)
def test_verify_chain_detects_an_edited_event(chain, column, value):
    target = AuditEvent.objects.order_by("seq")[5]
    _sql(f"UPDATE {{table}} SET {connection.ops.quote_name(column)} = %s WHERE seq = %s", [value, target.seq])

    report = verify_chain()

    assert not report.ok
    assert any(f"seq {target.seq}: content does not match its hash (edited)" in p for p in report.problems)


def test_verify_chain_detects_an_edited_time(chain):
    target = AuditEvent.objects.order_by("seq")[3]
    AuditEvent.objects.filter(pk=target.pk).update(occurred_at=target.occurred_at - timedelta(days=1))

    report = verify_chain()

    assert not report.ok
    assert f"seq {target.seq}: content does not match its hash (edited)" in report.problems


def test_verify_chain_detects_an_edit_that_recomputes_the_own_hash(chain):
    """Recomputing the edited event's hash is not enough: the next event no longer follows it."""
    target = AuditEvent.objects.order_by("seq")[4]
    target.reason = "covered up"
    forged_hash = _digest(target)
    _sql("UPDATE {table} SET reason = %s, hash = %s WHERE seq = %s", ["covered up", forged_hash, target.seq])

    report = verify_chain()

    assert not report.ok
    assert f"seq {target.seq + 1}: does not follow the previous event" in report.problems


def test_verify_chain_detects_a_deleted_middle_event(chain):
    victim = _events_without_status_change()[2]
    assert victim.seq < AuditChainHead.objects.get().last_seq
    _sql("DELETE FROM {table} WHERE seq = %s", [victim.seq])

    report = verify_chain()

    assert not report.ok
    assert f"seq {victim.seq}..{victim.seq}: missing (deleted) events" in report.problems
    assert f"seq {victim.seq + 1}: does not follow the previous event" in report.problems


def test_verify_chain_detects_a_deleted_last_event(chain, cast):
    # The newest event is one nothing refers to: an audit record without a status change.
    audit_record_in_transaction(cast, chain)
    last = AuditEvent.objects.order_by("-seq").first()
    _sql("DELETE FROM {table} WHERE seq = %s", [last.seq])

    report = verify_chain()

    assert not report.ok
    assert any("tail deleted" in p for p in report.problems), report.problems


def audit_record_in_transaction(cast, application):
    audit_record(actor=cast.market, action="application.note", obj=application, after={"note": "called the client"})


def test_verify_chain_detects_a_forged_event_appended_with_a_valid_hash(chain, cast):
    """Someone who knows the algorithm appends a well-formed event by SQL: the chain head does not know it."""
    last = AuditEvent.objects.order_by("-seq").first()
    forged = AuditEvent(
        seq=last.seq + 1,
        occurred_at=timezone.now(),
        actor=cast.decider,
        actor_label=cast.decider.username,
        action="application.grant",
        object_type="applications.application",
        object_id=str(chain.pk),
        object_repr=str(chain),
        subject_type="applications.application",
        subject_id=str(chain.pk),
        before={"status": "decision"},
        after={"status": "granted"},
        reason="",
        prev_hash=last.hash,
    )
    forged.hash = _digest(forged)
    forged.save()  # a new row: the ORM allows inserts, as raw SQL would

    report = verify_chain()

    assert not report.ok
    assert any("chain head says seq" in p for p in report.problems), report.problems


def test_verify_chain_detects_a_forged_event_inserted_in_the_middle(chain):
    """Make room by renumbering the tail, then insert: every hash after the insertion point breaks."""
    events = list(AuditEvent.objects.order_by("seq"))
    position = events[6].seq
    # Shift the tail up by one (from the end, so seq stays unique), then insert the forged event.
    for event in reversed(events[6:]):
        _sql("UPDATE {table} SET seq = %s WHERE id = %s", [event.seq + 1, event.pk])
    columns = ", ".join(
        connection.ops.quote_name(c)
        for c in ["seq", "occurred_at", "actor_label", "action", "object_type", "object_id", "object_repr",
                  "subject_type", "subject_id", "before", "after", "reason", "prev_hash", "hash"]
    )  # fmt: skip
    _sql(
        f"INSERT INTO {{table}} ({columns}) VALUES (%s, %s, 'system', 'certificate.issue', "
        "'certificates.certificate', '1', 'X', '', '', '{}', '{}', '', %s, %s)",
        [position, timezone.now(), events[5].hash, "f" * 64],
    )

    report = verify_chain()

    assert not report.ok
    assert f"seq {position}: content does not match its hash (edited)" in report.problems
    assert f"seq {position + 1}: does not follow the previous event" in report.problems


def test_audit_event_refuses_updates_through_the_orm(chain):
    event = AuditEvent.objects.order_by("seq")[2]
    original = event.reason
    event.reason = "tampered"

    with pytest.raises(ValueError, match="append-only"):
        event.save()

    event.refresh_from_db()
    assert event.reason == original
    assert verify_chain().ok


# --- atomicity: state, history and audit event commit together or not at all -------------------------


def _trace():
    head = AuditChainHead.objects.get()
    return (
        AuditEvent.objects.count(),
        StatusChange.objects.count(),
        head.last_seq,
        head.last_hash,
        dict(NumberSequence.objects.values_list("key", "last_value")),
    )


def test_refused_grant_after_partial_writes_leaves_no_trace(cast, software_scheme):
    """decision_make writes the decision, the application's grant transition and its audit event before the
    certificate is issued; a grant date before the decision is refused there, and everything rolls back."""
    application = sc.reviewed(
        cast, sc.evaluated(cast, sc.accepted(cast, sc.submitted_application(cast, software_scheme)))
    )
    before = _trace()

    with pytest.raises(InvalidInput) as refused:
        svc.decision_make(
            actor=cast.decider, application=application, outcome="grant", issued_on=timezone.localdate() - timedelta(1)
        )

    assert "cannot be before the decision" in refused.value.message
    assert _trace() == before
    application.refresh_from_db()
    assert application.status == Application.Status.DECISION
    assert not Decision.objects.filter(application=application).exists()
    assert not Certificate.objects.exists()
    assert verify_chain().ok


def test_refused_surveillance_outcome_after_partial_writes_leaves_no_trace(cast, software_scheme):
    """Completing a surveillance with 'suspend' first completes the surveillance (state, history, audit), then
    suspends the certificate; a certificate already suspended refuses, and the surveillance stays in progress."""
    certificate = sc.certified(cast, software_scheme)
    surveillance = certificate.surveillances.get()
    svc.surveillance_start(actor=cast.engineer, surveillance=surveillance)
    inspection = svc.inspection_plan(
        actor=cast.engineer, case=surveillance, planned_on=timezone.localdate(), leader=cast.inspector
    )
    svc.inspection_complete(
        actor=cast.inspector, inspection=inspection, conclusion=Result.FAIL, completed_on=timezone.localdate()
    )
    certificate_suspend(
        actor=cast.quality,
        certificate=certificate,
        reason_code=SuspensionReason.MISUSE,
        reason="证书误用",
        until=timezone.localdate() + timedelta(days=30),
    )
    before = _trace()

    with pytest.raises(IllegalTransition):
        svc.surveillance_complete(actor=cast.decider, surveillance=surveillance, outcome="suspend", reason="抽样不合格")

    assert _trace() == before
    surveillance.refresh_from_db()
    assert surveillance.status == Surveillance.Status.IN_PROGRESS
    assert surveillance.outcome == "" and surveillance.decided_by is None
    assert certificate.surveillances.count() == 1  # no next surveillance planned either
    assert verify_chain().ok
