"""Anchoring the audit chain outside the database, and checking the status history against the chain.

The hash chain (core.audit) shows any edit that is not followed by recomputing every later hash; an insider with
write access to the database can recompute them, and the head, and `verify_chain` passes. So a worker signs the
chain head every few minutes with an Ed25519 key that only the worker can read, and appends the signed checkpoint
(seq, head hash, time, key id, signature) to a JSON-lines file outside the database (optionally mailed as well).
`verify_anchors` then requires every checkpoint's seq to hold exactly that hash in the recomputed chain; a rewrite
before a checkpoint is found, and the events after the last checkpoint that still matches are named as the range
that could have been rewritten.

Deployment split (README, "Audit anchors"): the private key file (`CERTBODY_AUDIT_ANCHOR_KEY_FILE`) is set and
readable only in the Celery worker's environment; the web process has neither the variable nor read access.
Verification needs only public keys: `CERTBODY_AUDIT_ANCHOR_PUBLIC_KEYS` (pinned; recommended in production) or,
when that is empty, the `keys.jsonl` the worker writes beside the checkpoints. The anchor directory should be
append-only for the worker (`chattr +a`, a WORM mount or a log shipper) and not writable by the web process.

Nothing changed since the last checkpoint: the job writes nothing (idempotent); the chain's own event times tell
when nothing happened, and the verifier reports how far the last checkpoint reaches.
"""

from __future__ import annotations

import base64
import fcntl
import json
import logging
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .audit import _digest
from .models import AuditChainHead, AuditEvent, StatusChange

log = logging.getLogger(__name__)
CHECKPOINTS = "checkpoints.jsonl"
KEYS = "keys.jsonl"


# --- keys -------------------------------------------------------------------------------------------------------------


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id_for(public_raw: bytes) -> str:
    import hashlib

    return base64.b32encode(hashlib.sha256(public_raw).digest()[:5]).decode("ascii")


def anchor_dir() -> Path:
    return Path(settings.CERTBODY_AUDIT_ANCHOR_DIR)


def _key_path() -> Path:
    path = settings.CERTBODY_AUDIT_ANCHOR_KEY_FILE
    if path:
        return Path(path)
    if settings.CERTBODY_AUDIT_ANCHOR_KEY_REQUIRED:
        raise ImproperlyConfigured(
            "The audit anchor job needs CERTBODY_AUDIT_ANCHOR_KEY_FILE (worker only; see README, Audit anchors)."
        )
    return Path(settings.VAR_DIR) / "audit-anchor-key"  # development: generated once, like var/signing-key


def private_key() -> Ed25519PrivateKey:
    """The worker's anchor key (base64 of the raw 32 bytes in a file); generated in development."""
    path = _key_path()
    if not path.exists() and not settings.CERTBODY_AUDIT_ANCHOR_KEY_FILE:
        path.parent.mkdir(parents=True, exist_ok=True)
        raw = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it first
        else:
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                fh.write(base64.b64encode(raw).decode("ascii"))
    try:
        raw = base64.b64decode(path.read_text(encoding="ascii").strip(), validate=True)
        return Ed25519PrivateKey.from_private_bytes(raw)
    except (OSError, ValueError) as exc:
        raise ImproperlyConfigured(f"Cannot read the audit anchor key {path}: {exc}") from exc


def trusted_keys() -> dict[str, Ed25519PublicKey]:
    """Public keys that may sign checkpoints: pinned in settings, else those the worker recorded beside them."""
    texts = [t.strip() for t in settings.CERTBODY_AUDIT_ANCHOR_PUBLIC_KEYS if t.strip()]
    if not texts:
        path = anchor_dir() / KEYS
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                try:
                    texts.append(json.loads(line)["public_key"])
                except (ValueError, KeyError, TypeError):
                    continue
    keys = {}
    for text in texts:
        try:
            raw = base64.b64decode(text, validate=True)
            keys[key_id_for(raw)] = Ed25519PublicKey.from_public_bytes(raw)
        except ValueError:
            log.warning("ignoring an unreadable audit anchor public key")
    return keys


# --- checkpoints ------------------------------------------------------------------------------------------------------


def _message(seq: int, head_hash: str, at: str, key_id: str) -> bytes:
    body = {"seq": seq, "hash": head_hash, "at": at, "key_id": key_id}
    return ("certbody-audit-anchor:" + json.dumps(body, sort_keys=True, separators=(",", ":"))).encode("utf-8")


def read_checkpoints() -> list[dict[str, Any]]:
    path = anchor_dir() / CHECKPOINTS
    if not path.exists():
        return []
    out = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                item = json.loads(line)
            except ValueError:
                item = {}
            out.append({"line": number, **(item if isinstance(item, dict) else {})})
    return out


def _append(path: Path, line: str) -> None:
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(line + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def anchor_head(*, now: datetime | None = None) -> dict[str, Any] | None:
    """Sign the chain head and append it as a checkpoint; None when the last checkpoint already holds it."""
    head = AuditChainHead.objects.filter(id=1).first()
    if head is None or head.last_seq == 0:
        return None
    directory = anchor_dir()
    directory.mkdir(parents=True, exist_ok=True)
    key = private_key()
    public_raw = _raw_public(key.public_key())
    key_id = key_id_for(public_raw)
    with open(directory / ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two workers at once append one checkpoint, not two
        last = next((c for c in reversed(read_checkpoints()) if "seq" in c), None)
        if last and last.get("seq") == head.last_seq and last.get("hash") == head.last_hash:
            return None
        if key_id not in {json.loads(x).get("key_id") for x in _lines(directory / KEYS)}:
            _append(
                directory / KEYS,
                json.dumps({"key_id": key_id, "public_key": base64.b64encode(public_raw).decode("ascii")}),
            )
        at = (now or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")
        signature = key.sign(_message(head.last_seq, head.last_hash, at, key_id))
        checkpoint = {
            "seq": head.last_seq,
            "hash": head.last_hash,
            "at": at,
            "key_id": key_id,
            "sig": base64.b64encode(signature).decode("ascii"),
        }
        line = json.dumps(checkpoint, sort_keys=True)
        _append(directory / CHECKPOINTS, line)
    recipients = list(settings.CERTBODY_AUDIT_ANCHOR_MAIL_TO)
    if recipients:
        from django.core.mail import send_mail

        try:
            send_mail(f"certbody audit checkpoint #{head.last_seq}", line + "\n", None, recipients)
        except Exception:  # the file is the anchor; the mail is a second copy and may fail without harm
            log.exception("could not mail the audit checkpoint")
    return checkpoint


def _lines(path: Path) -> list[str]:
    return [x for x in path.read_text(encoding="utf-8").splitlines() if x.strip()] if path.exists() else []


# --- verification -----------------------------------------------------------------------------------------------------


@dataclass
class AnchorReport:
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    checkpoints: int = 0
    last_good_seq: int = 0
    first_unsafe_seq: int | None = None


def verify_anchors(batch: int = 5000) -> AnchorReport:
    """Check the chain against the signed checkpoints: signatures, order, and each checkpoint's hash at its seq."""
    report = AnchorReport()
    keys = trusted_keys()
    good: list[dict[str, Any]] = []
    previous: dict[str, Any] | None = None
    for item in read_checkpoints():
        report.checkpoints += 1
        where = f"checkpoint line {item['line']}"
        try:
            seq, head_hash, at, key_id = int(item["seq"]), str(item["hash"]), str(item["at"]), str(item["key_id"])
            signature = base64.b64decode(item["sig"], validate=True)
        except (KeyError, TypeError, ValueError):
            report.problems.append(f"{where}: unreadable")
            continue
        key = keys.get(key_id)
        try:
            if key is None:
                raise InvalidSignature
            key.verify(signature, _message(seq, head_hash, at, key_id))
        except InvalidSignature:
            report.problems.append(f"{where} (seq {seq}): signature invalid or key {key_id} not trusted (forged)")
            continue
        if previous and (seq < previous["seq"] or at < previous["at"]):
            report.problems.append(f"{where} (seq {seq}): goes back before the previous checkpoint (not monotonic)")
        if previous and seq == previous["seq"] and head_hash != previous["hash"]:
            report.problems.append(f"{where} (seq {seq}): two different hashes signed for one seq")
        previous = {"seq": seq, "hash": head_hash, "at": at}
        good.append(previous)
    if not good:
        if not report.problems:
            report.notes.append("no audit checkpoints yet: the chain is not anchored")
        return report
    wanted: dict[int, set[str]] = {}
    for c in good:
        wanted.setdefault(c["seq"], set()).add(c["hash"])
    found: dict[int, str] = {}
    for event in AuditEvent.objects.filter(seq__in=list(wanted)).iterator(chunk_size=batch):
        found[event.seq] = _digest(event)  # recomputed from the content, not the stored hash
    ordered = sorted(wanted)
    last_good = 0
    for seq in ordered:
        if found.get(seq) is not None and wanted[seq] == {found[seq]}:
            last_good = seq
            continue
        what = "is missing (deleted)" if seq not in found else "does not have the signed hash (rewritten)"
        report.first_unsafe_seq = last_good + 1
        report.problems.append(
            f"checkpoint seq {seq}: the event {what}; events from seq {last_good + 1} on could have been rewritten"
            f" (last checkpoint that matches: seq {last_good or 'none'})"
        )
        break
    report.last_good_seq = last_good
    head = AuditChainHead.objects.filter(id=1).first()
    if report.first_unsafe_seq is None and head is not None and head.last_seq > last_good:
        report.notes.append(f"events after seq {last_good} are not anchored yet (head: seq {head.last_seq})")
    return report


def verify_status_changes() -> list[str]:
    """Every status-history row must repeat its audit event; none without one; none of a kind missing.

    The row's reason code is not in the event and cannot be checked against it.
    """
    problems = []
    # A row whose event was deleted (foreign keys off, or a raw delete) drops out of the join below: find it first.
    orphans = StatusChange.objects.exclude(audit_event_id__in=AuditEvent.objects.values("id")).order_by("pk")
    for pk, event_id in orphans.values_list("pk", "audit_event_id"):
        problems.append(f"status change {pk}: its audit event {event_id} does not exist")
    kinds: set[tuple[str, str]] = set()
    rows = StatusChange.objects.select_related("audit_event", "content_type").order_by("pk")
    for row in rows.iterator(chunk_size=2000):
        event = row.audit_event
        ct = row.content_type
        kinds.add((event.object_type, event.action))
        expected = {
            "object": (f"{ct.app_label}.{ct.model}", row.object_id),
            "action": f"{ct.model}.{row.transition}",
            "from": row.from_status,
            "to": row.to_status,
            "actor": row.actor_id,
            "at": row.at,
            "reason": row.reason,
        }
        actual = {
            "object": (event.object_type, event.object_id),
            "action": event.action,
            "from": (event.before or {}).get("status", ""),
            "to": (event.after or {}).get("status"),
            "actor": event.actor_id,
            "at": event.occurred_at,
            "reason": event.reason,
        }
        differ = [k for k in expected if expected[k] != actual[k]]
        if differ:
            problems.append(
                f"status change {row.pk}: {', '.join(differ)} differ from its audit event seq {event.seq} (edited)"
            )
    # An event of a kind that writes a status row (a workflow step) must have its row.
    if kinds:
        actions = {action for _type, action in kinds}
        lonely = AuditEvent.objects.filter(action__in=actions, status_change__isnull=True).order_by("seq")
        for event in lonely.only("seq", "object_type", "action").iterator(chunk_size=2000):
            if (event.object_type, event.action) in kinds:
                problems.append(f"audit event seq {event.seq} ({event.action}): its status change row is missing")
    return problems
