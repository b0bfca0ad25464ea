"""The audit trail: `audit_record()` appends a hash-chained event in the caller's transaction."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from .models import AuditChainHead, AuditEvent

GENESIS = "0" * 64


def _normalise(value: Any) -> Any:
    """What the JSON column will hand back: hashing this keeps the hash stable after a round trip."""
    return json.loads(json.dumps(value or {}, default=str, ensure_ascii=False))


def _digest(event: AuditEvent) -> str:
    payload = {
        "seq": event.seq,
        "occurred_at": event.occurred_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": str(event.object_id),
        "object_repr": event.object_repr,
        "subject_type": event.subject_type,
        "subject_id": str(event.subject_id),
        "before": event.before,
        "after": event.after,
        "reason": event.reason,
        "prev_hash": event.prev_hash,
    }
    data = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def actor_label(actor: Any) -> str:
    if actor is None:
        return "system"
    name = getattr(actor, "get_full_name", lambda: "")() or getattr(actor, "username", "")
    return f"{name} ({actor.username})" if name != actor.username else actor.username


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
    subject: Model | None = None,
) -> AuditEvent:
    """Append one event to the chain. Must run inside the transaction that changes `obj`."""
    if not connection.in_atomic_block:
        raise RuntimeError("audit_record() must run inside the transaction that changes state")
    head, _ = AuditChainHead.objects.select_for_update().get_or_create(id=1)
    subject = subject or obj
    event = AuditEvent(
        seq=head.last_seq + 1,
        occurred_at=timezone.now(),
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=actor_label(actor),
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:300],
        subject_type=subject._meta.label_lower,
        subject_id=str(subject.pk),
        before=_normalise(before),
        after=_normalise(after),
        reason=reason or "",
        prev_hash=head.last_hash,
    )
    event.hash = _digest(event)
    event.save()
    head.last_seq = event.seq
    head.last_hash = event.hash
    head.save(update_fields=["last_seq", "last_hash"])
    return event


@dataclass
class ChainReport:
    ok: bool
    checked: int
    problems: list[str]


def verify_chain(batch: int = 5000) -> ChainReport:
    """Recompute every hash in order; report edits, deletions, insertions and a moved head."""
    problems: list[str] = []
    expected_prev = GENESIS
    expected_seq = 1
    checked = 0
    last_seq = 0
    with transaction.atomic():
        head = AuditChainHead.objects.filter(id=1).first()
        qs = AuditEvent.objects.order_by("seq")
        for event in qs.iterator(chunk_size=batch):
            checked += 1
            if event.seq != expected_seq:
                problems.append(f"seq {expected_seq}..{event.seq - 1}: missing (deleted) events")
            if event.prev_hash != expected_prev:
                problems.append(f"seq {event.seq}: does not follow the previous event")
            if _digest(event) != event.hash:
                problems.append(f"seq {event.seq}: content does not match its hash (edited)")
            expected_prev = event.hash
            expected_seq = event.seq + 1
            last_seq = event.seq
        if head is not None and (head.last_seq != last_seq or (checked and head.last_hash != expected_prev)):
            problems.append(f"chain head says seq {head.last_seq} but the last event is seq {last_seq} (tail deleted)")
    return ChainReport(ok=not problems, checked=checked, problems=problems)
