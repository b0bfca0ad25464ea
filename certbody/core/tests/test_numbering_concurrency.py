"""Concurrent issuing: numbers stay unique and gap-free when several writers grant at once.

PostgreSQL: forked OS processes, each with its own connection to the test database. SQLite: the in-memory test
database cannot be shared with other connections safely (shared cache gives "table is locked" instead of
waiting), so it is copied to a file and threads, each with its own connection, work on the copy.

These tests commit (transaction=True), so the database is flushed after each; an earlier transactional test may
have flushed away what the data migrations loaded, so the `migrated_data` fixture loads it again.
"""

from __future__ import annotations

import multiprocessing
import sqlite3
import tempfile
import threading
import traceback
from datetime import date
from pathlib import Path

import pytest
from django.db import connection, connections, transaction
from django.db.utils import load_backend

from certbody.accounts.models import User
from certbody.applications.models import Application
from certbody.certificates.models import Certificate
from certbody.certification import services as svc
from certbody.core.audit import audit_record, verify_chain
from certbody.core.models import AuditChainHead, NumberSequence
from certbody.core.numbering import next_value, render_number
from certbody.demo import scenarios as sc
from certbody.schemes.catalogue import load_default_catalogue

pytestmark = pytest.mark.django_db(transaction=True)

WORKERS = 4
GRANTS_PER_WORKER = 3
RENDERS_PER_WORKER = 20
LOOP_TEMPLATE = "CONC{year}-{seq:05d}"
LOOP_DAY = date(2031, 1, 1)
LOOP_KEY = "CONC2031-#"


@pytest.fixture(autouse=True)
def migrated_data(transactional_db):
    """The catalogue and the audit chain head, as the data migrations create them (both loaders are idempotent).

    serialized_rollback cannot be used instead: after a flush by an earlier transactional test, restoring the
    serialized content types collides with the ones post_migrate recreated."""
    load_default_catalogue()
    AuditChainHead.objects.get_or_create(id=1)


class RollbackError(Exception):
    pass


def _work(decider_id: int, application_ids: list[int], barrier) -> list[str]:
    """One writer: grants its applications through decision_make, interleaved with bare render_number calls
    (each in its own transaction) and a rolled-back render that must give its number back."""
    barrier.wait(timeout=60)
    decider = User.objects.get(pk=decider_id)
    loop_numbers: list[str] = []
    per_grant = RENDERS_PER_WORKER // GRANTS_PER_WORKER + 1
    pending = list(application_ids)
    for i in range(RENDERS_PER_WORKER):
        with transaction.atomic():
            loop_numbers.append(render_number(LOOP_TEMPLATE, on=LOOP_DAY))
        if i % 5 == 2:
            try:
                with transaction.atomic():
                    render_number(LOOP_TEMPLATE, on=LOOP_DAY)
                    raise RollbackError
            except RollbackError:
                pass
        if pending and i % per_grant == 0:
            application = Application.objects.get(pk=pending.pop(0))
            svc.decision_make(actor=decider, application=application, outcome="grant")
    for application_id in pending:
        svc.decision_make(actor=decider, application=Application.objects.get(pk=application_id), outcome="grant")
    return loop_numbers


def _prepare(cast, scheme) -> list[list[int]]:
    ids = [
        sc.reviewed(cast, sc.evaluated(cast, sc.accepted(cast, sc.submitted_application(cast, scheme)))).pk
        for _ in range(WORKERS * GRANTS_PER_WORKER)
    ]
    return [ids[i::WORKERS] for i in range(WORKERS)]


def _assert_gap_free(loop_numbers: list[str], scheme) -> None:
    granted = WORKERS * GRANTS_PER_WORKER
    assert Application.objects.filter(status=Application.Status.GRANTED).count() == granted
    numbers = list(Certificate.objects.values_list("number", flat=True))
    assert len(numbers) == len(set(numbers)) == granted
    prefix = f"NFCC{Certificate.objects.first().first_issued_on.year}{scheme.number_code}"
    assert all(n.startswith(prefix) for n in numbers), numbers
    assert sorted(int(n[len(prefix) :]) for n in numbers) == list(range(1, granted + 1))
    assert NumberSequence.objects.get(key=prefix + "#").last_value == granted

    rendered = WORKERS * RENDERS_PER_WORKER
    assert len(loop_numbers) == len(set(loop_numbers)) == rendered
    assert sorted(int(n[-5:]) for n in loop_numbers) == list(range(1, rendered + 1))
    assert NumberSequence.objects.get(key=LOOP_KEY).last_value == rendered  # rollbacks consumed nothing
    report = verify_chain()
    assert report.ok, report.problems


# --- PostgreSQL: processes ------------------------------------------------------------------------------------


def _child(decider_id, application_ids, barrier, results):
    try:
        results.put(("ok", _work(decider_id, application_ids, barrier)))
    except BaseException:
        barrier.abort()
        results.put(("error", traceback.format_exc()))
    finally:
        connections.close_all()


def test_concurrent_grants_in_processes_issue_unique_gap_free_numbers(cast, software_scheme):
    if connection.vendor != "postgresql":
        pytest.skip("several processes need a server database: runs in the PostgreSQL pass")
    shares = _prepare(cast, software_scheme)
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(WORKERS)
    results = context.Queue()
    connections.close_all()  # children must not share the parent's socket; each opens its own connection
    children = [
        context.Process(target=_child, args=(cast.decider.pk, share, barrier, results), daemon=True) for share in shares
    ]
    for child in children:
        child.start()
    outcomes = [results.get(timeout=180) for _ in children]
    for child in children:
        child.join(timeout=60)
    errors = [detail for status, detail in outcomes if status == "error"]
    assert not errors, "\n".join(errors)
    assert [child.exitcode for child in children] == [0] * WORKERS
    _assert_gap_free([n for _, numbers in outcomes for n in numbers], software_scheme)


# --- SQLite: threads on a file copy of the test database --------------------------------------------------------


def _file_connection(path: str):
    settings = {**connection.settings_dict, "NAME": path}
    return load_backend(settings["ENGINE"]).DatabaseWrapper(settings, "default")


def test_concurrent_grants_in_threads_issue_unique_gap_free_numbers(cast, software_scheme):
    if connection.vendor != "sqlite":
        pytest.skip("the PostgreSQL pass runs the same check with processes")
    shares = _prepare(cast, software_scheme)
    with tempfile.TemporaryDirectory(prefix="certbody-rules-") as tmp:
        path = str(Path(tmp) / "copy.sqlite3")
        connection.ensure_connection()
        target = sqlite3.connect(path)
        connection.connection.backup(target)
        target.close()

        barrier = threading.Barrier(WORKERS)
        outcomes: list = []

        def thread(share):
            own = _file_connection(path)
            connections["default"] = own  # this thread's default connection: the file copy
            try:
                outcomes.append(("ok", _work(cast.decider.pk, share, barrier)))
            except BaseException:
                barrier.abort()
                outcomes.append(("error", traceback.format_exc()))
            finally:
                own.close()

        threads = [threading.Thread(target=thread, args=(share,)) for share in shares]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=180)
        errors = [detail for status, detail in outcomes if status == "error"]
        assert not errors, "\n".join(errors)
        assert len(outcomes) == WORKERS

        original, reader = connections["default"], _file_connection(path)
        connections["default"] = reader
        try:
            _assert_gap_free([n for _, numbers in outcomes for n in numbers], software_scheme)
        finally:
            reader.close()
            connections["default"] = original


# --- the guards that make numbering and auditing part of the issuing transaction ------------------------------------


def test_next_value_and_audit_record_refuse_to_run_outside_a_transaction(cast):
    assert not connection.in_atomic_block
    with pytest.raises(RuntimeError, match="inside the issuing transaction"):
        next_value("OUTSIDE#")
    with pytest.raises(RuntimeError, match="inside the transaction"):
        audit_record(actor=cast.market, action="user.note", obj=cast.client)
    assert not NumberSequence.objects.filter(key="OUTSIDE#").exists()
