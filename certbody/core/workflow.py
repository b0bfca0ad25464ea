"""Workflow helper: a transition table per entity and one way to move along it.

`Workflow.apply()` checks the table, writes the new state, a `StatusChange` row and
an `AuditEvent` in the caller's transaction. The caller locks the row first
(`lock()`), checks permissions and guards, and runs inside `transaction.atomic`.
An entity born in a state (a certificate issued valid) starts its history with
`record_creation()`.

Only `apply()` changes a status. Every workflow entity declares its status as a
`StatusField` and its table as `Workflow(Model, ...)`, which registers it (`FLOWS`;
a test walks every installed model and fails on a status field without one). The
field guards itself, cheaply:

- the attribute remembers the value it was first given (loaded from the database,
  or the default of a new object); saving an existing row whose status differs from
  it raises `StatusWriteError`, unless the save runs inside `apply()`. Only when the
  two differ is the database asked (a `refresh_from_db()` also moves the value);
- `StatusQuerySet.update()` (and so `bulk_update()`) refuses to write a status;
- creating a row in any state is allowed (`objects.create`, `bulk_create`, the
  certificate importer and the demo seeding write new rows only).

What stays open, knowingly: raw SQL, `_base_manager.update()`, historical models in
data migrations (plain fields there), and a stale copy saved whole over a newer state
(the value is unchanged in memory; `lock()` before writing is what prevents that).
`status_override()` lifts the guard for test fixtures that need a state no service
reaches cheaply; production code never uses it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.query_utils import DeferredAttribute
from django.utils.translation import gettext as _

from .audit import audit_record
from .errors import IllegalTransition
from .models import AuditChainHead, StatusChange

M = TypeVar("M", bound=models.Model)

# True while apply() (or a status_override() block) writes a status.
_WRITING: ContextVar[bool] = ContextVar("workflow_status_writing", default=False)


class StatusWriteError(RuntimeError):
    """A status written outside `Workflow.apply`: a programming error, never a user's."""


class _StatusAttribute(DeferredAttribute):
    """The field's attribute: keeps the first value it gets (from the database or the default)."""

    def __set__(self, instance: models.Model, value: Any) -> None:
        data = instance.__dict__
        data.setdefault(self.field.loaded_key, value)
        data[self.field.attname] = value


class StatusField(models.CharField):
    """A workflow entity's status: only `Workflow.apply` moves it once the row exists."""

    descriptor_class = _StatusAttribute

    @property
    def loaded_key(self) -> str:
        return f"_workflow_loaded_{self.attname}"

    def deconstruct(self):
        # A CharField to migrations: the guard is behaviour, not schema.
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.CharField", args, kwargs

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = super().pre_save(model_instance, add)
        data = model_instance.__dict__
        if not add and not _WRITING.get() and value != data.get(self.loaded_key, value):
            stored = (
                type(model_instance)
                ._base_manager.filter(pk=model_instance.pk)
                .values_list(self.attname, flat=True)
                .first()
            )
            if stored is not None and stored != value:
                raise StatusWriteError(
                    f"{type(model_instance).__name__}.{self.name} is changed by Workflow.apply only "
                    f"({stored!r} -> {value!r})"
                )
        data[self.loaded_key] = value
        return value


class StatusQuerySet(models.QuerySet):
    """`update(status=...)` and `bulk_update([... "status"])` go through `Workflow.apply` instead."""

    def update(self, **kwargs: Any) -> int:
        if not _WRITING.get():
            for field in self.model._meta.concrete_fields:
                if isinstance(field, StatusField) and (field.name in kwargs or field.attname in kwargs):
                    raise StatusWriteError(f"{self.model.__name__}.{field.name} is changed by Workflow.apply only")
        return super().update(**kwargs)

    update.alters_data = True  # type: ignore[attr-defined]


@contextmanager
def status_override() -> Iterator[None]:
    """Lift the status guard: for tests that set up a state directly. Not for production code."""
    token = _WRITING.set(True)
    try:
        yield
    finally:
        _WRITING.reset(token)


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[str]
    target: str
    label: Any  # lazy translated verb, shown on buttons and in errors


def T(name: str, sources: Iterable[str], target: str, label: Any) -> Transition:  # noqa: N802
    return Transition(name, frozenset(sources), target, label)


# Model -> its workflow; filled as each table is declared.
FLOWS: dict[type[models.Model], Workflow] = {}


class Workflow:
    def __init__(
        self,
        model: type[models.Model],
        entity: str,
        transitions: Iterable[Transition],
        *,
        action_prefix: str = "",
    ):
        field = model._meta.get_field("status")
        if not isinstance(field, StatusField):
            raise TypeError(f"{model.__name__}.status must be a StatusField")
        if model in FLOWS:
            raise ValueError(f"{model.__name__} already has a workflow")
        self.model = model
        self.entity = entity
        self.status_choices: type[models.TextChoices] = model.Status  # type: ignore[attr-defined]
        self.transitions = {t.name: t for t in transitions}
        # Audit actions are "<prefix>.<transition>"; the prefix defaults to the model name.
        self.action_prefix = action_prefix or model._meta.model_name
        FLOWS[model] = self

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
        token = _WRITING.set(True)
        try:
            obj.save(update_fields=sorted(fields))
        finally:
            _WRITING.reset(token)
        event = audit_record(
            actor=actor,
            action=f"{self.action_prefix}.{name}",
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
    flow = FLOWS.get(type(obj))
    event = audit_record(
        actor=actor,
        action=f"{flow.action_prefix if flow else obj._meta.model_name}.{transition}",
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
