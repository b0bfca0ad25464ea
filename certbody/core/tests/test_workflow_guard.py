"""Every status in the project moves through Workflow.apply, and only through it.

The test walks all installed models: a field named "status" (or ending in "_status") is either a StatusField with a
registered Workflow, or listed below with the reason it is not a state. For each workflow entity a row is found in a
world built with the real services (or created in its initial state where no case reaches it), and every other way
of writing its status is refused while Workflow.apply moves it.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.apps import apps
from django.db import transaction
from django.utils import timezone

from certbody.core.models import StatusChange
from certbody.core.tests.matrix_world import build_world
from certbody.core.workflow import FLOWS, StatusField, StatusQuerySet, StatusWriteError, Workflow, lock, status_override

# Fields that look like a status but are no state of their own.
NOT_A_STATE = {
    ("core", "statuschange", "from_status"): "history: the state a change left",
    ("core", "statuschange", "to_status"): "history: the state a change reached",
    ("certificates", "certificatedocument", "status"): "the status printed on a signed document, frozen with it",
}


def status_fields():
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if field.name == "status" or field.name.endswith("_status") or isinstance(field, StatusField):
                yield model, field


def test_every_status_field_is_a_guarded_field_with_a_workflow():
    missing = []
    for model, field in status_fields():
        key = (model._meta.app_label, model._meta.model_name, field.name)
        if key in NOT_A_STATE:
            continue
        if (
            field.name != "status"
            or not isinstance(field, StatusField)
            or not isinstance(FLOWS.get(model), Workflow)
            or not isinstance(model._default_manager.all(), StatusQuerySet)
        ):
            missing.append(".".join(key))
    assert missing == [], "status fields without a Workflow (or with another field class): " + ", ".join(missing)
    assert set(NOT_A_STATE) <= {(m._meta.app_label, m._meta.model_name, f.name) for m, f in status_fields()}
    for model, flow in FLOWS.items():
        assert flow.model is model and set(flow.status_choices.values) == {c for c, _ in model.Status.choices}
        for transition in flow.transitions.values():
            assert transition.target in flow.status_choices.values
            assert transition.sources <= set(flow.status_choices.values)


def _extra_rows(w) -> None:
    """Entities the case world does not reach, created in their initial state (creation is not guarded)."""
    from certbody.people.models import AssignmentOverride, AssignmentRole, Risk
    from certbody.portal.models import OutboxMail
    from certbody.publicsite.models import ComplaintIntake, DocumentKind, PublishedDocument
    from certbody.regulator.models import ExportRun, ImportBatch

    now = timezone.now()
    PublishedDocument.objects.create(kind=DocumentKind.RULES, title_zh="实施规则")
    ComplaintIntake.objects.create(
        tracking_number="TS-1", submit_token="t1", topic=ComplaintIntake.Topic.OTHER, name="张三", description="x"
    )
    ImportBatch.objects.create(file_name="a.csv", sha256="0" * 64, file_format="csv", status="refused")
    ExportRun.objects.create(kind=ExportRun.Kind.CNCA)
    OutboxMail.objects.create(to="a@example.cn", subject="s", body="b", next_attempt_at=now)
    AssignmentOverride.objects.create(
        role=AssignmentRole.INSPECTOR, user=w.cast.inspector, rules=["x"], reason="r",
        requested_by=w.cast.engineer, requested_at=now - timedelta(minutes=1),
    )  # fmt: skip
    Risk.objects.create(title="风险", threat=Risk.Threat.SELF_INTEREST)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        w = build_world()
        _extra_rows(w)
        yield w
        transaction.set_rollback(True)


def _sample(model, flow):
    """A row in a state some transition leaves (any row when the entity has no transition)."""
    for transition in flow.transitions.values():
        obj = model.objects.filter(status__in=transition.sources).order_by("pk").first()
        if obj is not None:
            return obj, transition
    return model.objects.order_by("pk").first(), None


@pytest.mark.django_db
@pytest.mark.parametrize("label", sorted(f"{m._meta.label}" for m in FLOWS))
def test_only_workflow_apply_changes_a_status(world, label):
    model = apps.get_model(label)
    flow = FLOWS[model]
    obj, transition = _sample(model, flow)
    assert obj is not None, f"no {label} row to test: add it to _extra_rows"
    stored = obj.status
    other = next(v for v in flow.status_choices.values if v != stored)

    obj.status = other
    # Each refusal in its own savepoint: a save that raises marks the enclosing transaction for rollback.
    with pytest.raises(StatusWriteError), transaction.atomic():
        obj.save()
    with pytest.raises(StatusWriteError), transaction.atomic():
        obj.save(update_fields=["status"])
    with pytest.raises(StatusWriteError), transaction.atomic():
        model.objects.filter(pk=obj.pk).update(status=other)
    with pytest.raises(StatusWriteError), transaction.atomic():
        model.objects.bulk_update([obj], ["status"])
    assert model.objects.get(pk=obj.pk).status == stored

    fresh = model.objects.get(pk=obj.pk)
    fresh.save()  # other fields may be saved as before
    fresh.refresh_from_db()
    fresh.save()  # a refreshed row is not mistaken for a changed one

    if transition is None:
        assert not flow.transitions  # born in a final state
        return
    with transaction.atomic():
        locked = lock(model, obj.pk)
        flow.apply(locked, transition.name, actor=None, reason="test")
        locked.save()  # the new state is what the row was last saved with
    assert model.objects.get(pk=obj.pk).status == transition.target
    change = StatusChange.objects.filter(object_id=str(obj.pk), transition=transition.name).latest("id")
    assert (change.from_status, change.to_status) == (stored, transition.target)
    assert change.audit_event.action == f"{flow.action_prefix}.{transition.name}"


@pytest.mark.django_db
def test_status_override_lifts_the_guard_only_inside_it(world):
    from certbody.certificates.models import Certificate

    certificate = Certificate.objects.filter(status=Certificate.Status.VALID).first()
    with status_override():
        Certificate.objects.filter(pk=certificate.pk).update(status=Certificate.Status.SUSPENDED)
        certificate.status = Certificate.Status.WITHDRAWN
        certificate.save(update_fields=["status"])
    assert Certificate.objects.get(pk=certificate.pk).status == Certificate.Status.WITHDRAWN
    certificate.status = Certificate.Status.VALID
    with pytest.raises(StatusWriteError), transaction.atomic():
        certificate.save(update_fields=["status"])


@pytest.mark.django_db
def test_a_new_row_may_be_born_in_any_state(world):
    from certbody.regulator.models import ImportBatch

    for status in ImportBatch.Status.values:
        batch = ImportBatch.objects.create(file_name="b.csv", sha256="1" * 64, file_format="csv", status=status)
        batch.save()  # saved again unchanged (the importer does)
