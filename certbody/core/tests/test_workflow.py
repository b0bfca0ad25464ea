"""Workflow: the transition table, the refusal of an illegal step, and what one step writes (state, history, audit)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection, models, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from certbody.applications import services as app_svc
from certbody.applications.models import Application
from certbody.core.errors import IllegalTransition
from certbody.core.models import AuditChainHead, AuditEvent, StatusChange
from certbody.core.workflow import (
    FLOWS,
    StatusWriteError,
    T,
    Transition,
    Workflow,
    lock,
    record_creation,
    status_history,
)

pytestmark = pytest.mark.django_db
S = Application.Status


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def draft(cast, software_scheme):
    return app_svc.application_create(
        actor=cast.client, organisation=cast.organisation, scheme=software_scheme, title="Workflow test"
    )


def _unregistered_flow() -> Workflow:
    """A table of the test's own on the Application model; the registry keeps the real one (APPLICATION_FLOW)."""
    real = FLOWS.pop(Application)
    try:
        return Workflow(
            Application,
            "thing",
            [
                T("submit", [S.DRAFT, S.RETURNED], S.SUBMITTED, "submit"),
                T("return", [S.SUBMITTED], S.RETURNED, "return"),
                T("accept", (S.SUBMITTED,), S.ACCEPTED, "accept"),
            ],
        )
    finally:
        FLOWS[Application] = real


FLOW = _unregistered_flow()


def test_a_transition_is_its_name_sources_target_and_label():
    transition = T("submit", [S.DRAFT, S.RETURNED, S.DRAFT], S.SUBMITTED, "submit it")
    assert transition == Transition("submit", frozenset({S.DRAFT, S.RETURNED}), S.SUBMITTED, "submit it")
    assert isinstance(transition.sources, frozenset)


def test_the_table_answers_by_name_and_by_state():
    assert FLOW.entity == "thing" and FLOW.status_choices is S
    assert list(FLOW.transitions) == ["submit", "return", "accept"]
    assert FLOW["return"].target == S.RETURNED
    assert [t.name for t in FLOW.allowed(S.SUBMITTED)] == ["return", "accept"]
    assert [t.name for t in FLOW.allowed(S.RETURNED)] == ["submit"]
    assert FLOW.allowed(S.GRANTED) == []
    with pytest.raises(KeyError):
        FLOW["grant"]


def test_can_and_check_follow_the_sources(draft):
    assert FLOW.can(draft, "submit") is True
    assert FLOW.can(draft, "accept") is False
    assert FLOW.check(draft, "submit") is FLOW["submit"]
    with pytest.raises(IllegalTransition) as err:
        FLOW.check(draft, "accept")
    assert err.value.message == f"Cannot accept: thing {draft.number} is Draft."
    assert err.value.details == {"status": "draft", "transition": "accept"}
    assert err.value.code == "illegal_transition"


def test_an_illegal_step_writes_nothing(draft):
    events, changes = AuditEvent.objects.count(), StatusChange.objects.count()
    with pytest.raises(IllegalTransition):
        FLOW.apply(draft, "accept", actor=None)
    assert draft.status == S.DRAFT
    draft.refresh_from_db()
    assert draft.status == S.DRAFT
    assert (AuditEvent.objects.count(), StatusChange.objects.count()) == (events, changes)


def test_a_step_saves_the_state_its_history_and_its_audit_event(cast, draft):
    Application.objects.filter(pk=draft.pk).update(updated_at=timezone.now() - timedelta(days=1))
    draft.refresh_from_db()
    stamped = draft.updated_at
    draft.title = "changed in memory only"
    draft.return_reason = "HT-1"
    with transaction.atomic():
        returned = FLOW.apply(
            draft,
            "submit",
            actor=cast.market,
            reason="complete",
            reason_code="R1",
            before={"title": "old"},
            after={"title": "new"},
            update_fields=["return_reason"],
            subject=cast.organisation,
        )
    assert returned is draft and draft.status == S.SUBMITTED
    row = Application.objects.get(pk=draft.pk)
    assert row.status == S.SUBMITTED
    assert row.return_reason == "HT-1"  # a field the caller named is saved with the state
    assert row.title == "Workflow test"  # ... and only those
    assert row.updated_at > stamped  # the row says when it last changed
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.action == "application.submit"
    assert (event.object_type, event.object_id) == ("applications.application", str(draft.pk))
    assert (event.subject_type, event.subject_id) == ("clients.organisation", str(cast.organisation.pk))
    assert event.before == {"status": "draft", "title": "old"}
    assert event.after == {"status": "submitted", "title": "new"}
    assert event.reason == "complete" and event.actor == cast.market
    change = StatusChange.objects.get(audit_event=event)
    assert (change.from_status, change.to_status, change.transition) == ("draft", "submitted", "submit")
    assert (change.reason_code, change.reason) == ("R1", "complete")
    assert change.actor == cast.market and change.at == event.occurred_at
    assert change.object_id == str(draft.pk) and change.content_type.model_class() is Application
    assert list(status_history(draft)) == [change]


def test_a_step_without_extras_records_the_status_alone(draft):
    with transaction.atomic():
        FLOW.apply(draft, "submit", actor=None)
    event = AuditEvent.objects.order_by("-seq").first()
    assert (event.before, event.after, event.reason) == ({"status": "draft"}, {"status": "submitted"}, "")
    assert event.actor is None and event.subject_id == str(draft.pk)
    change = status_history(draft).get()
    assert (change.reason_code, change.reason, change.actor) == ("", "", None)


def test_a_model_without_updated_at_saves_only_its_state(cast, draft):
    from certbody.certification.models import INSPECTION_FLOW, Inspection

    inspection = Inspection.objects.create(
        application=draft, kind=Inspection.Kind.INITIAL, planned_on=timezone.localdate(), created_by=cast.engineer
    )
    assert not hasattr(inspection, "updated_at")
    with transaction.atomic():
        INSPECTION_FLOW.apply(inspection, "cancel", actor=cast.engineer)
    assert Inspection.objects.get(pk=inspection.pk).status == Inspection.Status.CANCELLED


def test_the_history_of_an_object_is_its_own(cast, draft, software_scheme):
    other = app_svc.application_create(
        actor=cast.client, organisation=cast.organisation, scheme=software_scheme, title="Other"
    )
    with transaction.atomic():
        FLOW.apply(draft, "submit", actor=cast.client)
        FLOW.apply(other, "submit", actor=cast.client)
        FLOW.apply(draft, "return", actor=cast.market)
    assert [c.transition for c in status_history(draft)] == ["submit", "return"]
    assert [c.actor for c in status_history(draft)] == [cast.client, cast.market]


def test_lock_takes_the_audit_chain_head_first_then_the_row(draft):
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        locked = lock(Application, draft.pk)
    assert locked == draft and locked is not draft
    sql = [q["sql"].lower() for q in queries.captured_queries]
    head = AuditChainHead._meta.db_table
    assert head in sql[0] and '"id" = 1' in sql[0].replace(f'"{head}".', "")
    assert Application._meta.db_table in sql[1]


def test_record_creation_starts_the_history(cast, draft):
    with transaction.atomic():
        record_creation(draft, actor=cast.client, transition="open", after={"title": "x"}, reason="new")
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.action == "application.open"
    assert event.before == {} and event.after == {"status": "draft", "title": "x"}
    assert event.reason == "new" and event.subject_id == str(draft.pk)
    change = status_history(draft).get()
    assert (change.from_status, change.to_status, change.transition, change.reason) == ("", "draft", "open", "new")
    assert change.actor == cast.client and change.at == event.occurred_at and change.audit_event == event


def test_record_creation_with_a_subject_and_no_extras(cast, draft):
    with transaction.atomic():
        record_creation(draft, actor=None, transition="open", subject=cast.organisation)
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.after == {"status": "draft"} and event.reason == "" and event.actor is None
    assert (event.subject_type, event.subject_id) == ("clients.organisation", str(cast.organisation.pk))
    assert status_history(draft).get().reason == ""


def test_a_workflow_needs_a_status_field_of_its_own_and_one_table_per_model():
    assert Application._meta.get_field("status").deconstruct()[:2] == ("status", "django.db.models.CharField")
    with pytest.raises(ValueError, match=r"^Application already has a workflow$"):
        Workflow(Application, "again", [])
    from certbody.core.models import NumberSequence

    NumberSequence.add_to_class("status", models.CharField(max_length=5, default=""))
    try:
        with pytest.raises(TypeError, match=r"^NumberSequence.status must be a StatusField$"):
            Workflow(NumberSequence, "counter", [])
    finally:
        NumberSequence._meta.local_fields.remove(NumberSequence._meta.get_field("status"))
        NumberSequence._meta._expire_cache()
        del NumberSequence.status
    assert NumberSequence not in FLOWS


def test_the_guard_names_the_write_and_asks_the_database_only_when_the_value_moved(draft):
    with (
        pytest.raises(StatusWriteError, match=r"^Application.status is changed by Workflow.apply only$"),
        transaction.atomic(),
    ):
        Application.objects.filter(pk=draft.pk).update(status=S.SUBMITTED)
    draft.status = "submitted"
    with (
        pytest.raises(
            StatusWriteError, match=r"^Application.status is changed by Workflow.apply only \('draft' -> 'submitted'\)$"
        ),
        transaction.atomic(),
    ):
        draft.save()
    # Another copy moved it through apply(); saving this copy with the same state is not a change.
    stale = Application.objects.get(pk=draft.pk)
    FLOW.apply(Application.objects.get(pk=draft.pk), "submit", actor=None)
    stale.status = S.SUBMITTED
    stale.save(update_fields=["status"])
    assert stale.__dict__["_workflow_loaded_status"] == S.SUBMITTED
    # An unchanged state costs no query to check it.
    with CaptureQueriesContext(connection) as queries:
        stale.save(update_fields=["title", "status"])
    assert len(queries) == 1 and queries[0]["sql"].startswith("UPDATE"), queries.captured_queries
