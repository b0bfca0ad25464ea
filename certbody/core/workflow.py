"""Workflow helper: a transition table per entity and one way to move along it.

`Workflow.apply()` checks the table, writes the new state, a `StatusChange` row and
an `AuditEvent` in the caller's transaction. The caller locks the row first
(`lock()`), checks permissions and guards, and runs inside `transaction.atomic`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext as _

from .audit import audit_record
from .errors import IllegalTransition
from .models import AuditChainHead, StatusChange

M = TypeVar("M", bound=models.Model)


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[str]
    target: str
    label: Any  # lazy translated verb, shown on buttons and in errors


def T(name: str, sources: Iterable[str], target: str, label: Any) -> Transition:  # noqa: N802
    return Transition(name, frozenset(sources), target, label)


class Workflow:
    def __init__(self, entity: str, status_choices: type[models.TextChoices], transitions: Iterable[Transition]):
        self.entity = entity
        self.status_choices = status_choices
        self.transitions = {t.name: t for t in transitions}

    def __getitem__(self, name: str) -> Transition:
        return self.transitions[name]

    def allowed(self, status: str) -> list[Transition]:
        return [t for t in self.transitions.values() if status in t.sources]

    def can(self, obj: models.Model, name: str) -> bool:
        return obj.status in self.transitions[name].sources  # type: ignore[attr-defined]

    def check(self, obj: models.Model, name: str) -> Transition:
        transition = self.transitions[name]
        status = obj.status  # type: ignore[attr-defined]
        if status not in transition.sources:
            raise IllegalTransition(
                _("Cannot %(step)s: %(entity)s %(obj)s is %(status)s.")
                % {
                    "step": transition.label,
                    "entity": self.entity,
                    "obj": obj,
                    "status": self.status_choices(status).label,
                },
                details={"status": status, "transition": name},
            )
        return transition

    def apply(
        self,
        obj: M,
        name: str,
        *,
        actor: Any,
        reason: str = "",
        reason_code: str = "",
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
        update_fields: Iterable[str] = (),
        subject: models.Model | None = None,
    ) -> M:
        transition = self.check(obj, name)
        old = obj.status  # type: ignore[attr-defined]
        obj.status = transition.target  # type: ignore[attr-defined]
        fields = {"status", *update_fields}
        if hasattr(obj, "updated_at"):
            fields.add("updated_at")
        obj.save(update_fields=sorted(fields))
        event = audit_record(
            actor=actor,
            action=f"{obj._meta.model_name}.{name}",
            obj=obj,
            before={"status": old, **(before or {})},
            after={"status": transition.target, **(after or {})},
            reason=reason,
            subject=subject,
        )
        StatusChange.objects.create(
            content_type=ContentType.objects.get_for_model(type(obj)),
            object_id=str(obj.pk),
            from_status=old,
            to_status=transition.target,
            transition=name,
            actor=event.actor,
            at=event.occurred_at,
            reason_code=reason_code,
            reason=reason,
            audit_event=event,
        )
        return obj


def lock(model: type[M], pk: Any) -> M:
    """Fetch a row for update: the guard is checked against the state nobody else can change.

    The audit chain head is locked first. Every state-changing transaction takes it
    anyway when it writes its audit event; taking it before any other row lock gives
    all writers one lock order, so a step that touches several entities (a surveillance
    that suspends a certificate) cannot deadlock with one that touches them in turn.
    """
    AuditChainHead.objects.select_for_update().filter(id=1).first()
    return model.objects.select_for_update().get(pk=pk)


def status_history(obj: models.Model):
    return StatusChange.objects.filter(
        content_type=ContentType.objects.get_for_model(type(obj)), object_id=str(obj.pk)
    ).select_related("actor")


def record_creation(
    obj: models.Model,
    *,
    actor: Any,
    transition: str,
    after: dict[str, Any] | None = None,
    reason: str = "",
    subject: models.Model | None = None,
) -> None:
    """A workflow entity born in a state (a certificate issued valid): history starts with it."""
    event = audit_record(
        actor=actor,
        action=f"{obj._meta.model_name}.{transition}",
        obj=obj,
        after={"status": obj.status, **(after or {})},  # type: ignore[attr-defined]
        reason=reason,
        subject=subject,
    )
    StatusChange.objects.create(
        content_type=ContentType.objects.get_for_model(type(obj)),
        object_id=str(obj.pk),
        from_status="",
        to_status=obj.status,  # type: ignore[attr-defined]
        transition=transition,
        actor=event.actor,
        at=event.occurred_at,
        reason=reason,
        audit_event=event,
    )
