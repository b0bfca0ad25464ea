"""Cross-cutting records: the audit chain, status history, number sequences and settings."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One append-only, hash-chained record of a change of state.

    `hash` covers every field below and the previous event's hash, so editing or
    deleting any event breaks the chain (see `certbody.core.audit.verify_chain`).
    """

    seq = models.BigIntegerField(_("sequence"), unique=True)
    occurred_at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True, on_delete=models.PROTECT
    )
    actor_label = models.CharField(_("actor"), max_length=200)
    action = models.CharField(_("action"), max_length=100, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100)
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=300)
    # The case the object belongs to (an application, a certificate): the timeline key.
    subject_type = models.CharField(max_length=100, blank=True)
    subject_id = models.CharField(max_length=64, blank=True)
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["seq"]
        indexes = [
            models.Index(fields=["subject_type", "subject_id", "seq"], name="audit_subject_idx"),
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        # Append-only: an event, once written, is never rewritten through the ORM.
        if self.pk is not None and not kwargs.pop("_allow_update", False):
            raise ValueError("AuditEvent is append-only")
        super().save(*args, **kwargs)


class AuditChainHead(models.Model):
    """Single row holding the newest seq and hash; locked by every audit write.

    Locking it serialises writers of state changes. That is accepted knowingly:
    lifecycle writes are a few per second at most, and the chain stays gap-free
    and ordered by commit. Deleting the newest events is detected against it.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("audit chain head")

    def __str__(self) -> str:
        return f"#{self.last_seq} {self.last_hash[:12]}"


class StatusChange(models.Model):
    """A row per change of workflow state of any entity: the status history."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.CharField(max_length=64)
    from_status = models.CharField(_("from"), max_length=40, blank=True)
    to_status = models.CharField(_("to"), max_length=40)
    transition = models.CharField(_("step"), max_length=60)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    at = models.DateTimeField(_("time"))
    reason_code = models.CharField(_("reason code"), max_length=60, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    audit_event = models.OneToOneField(AuditEvent, on_delete=models.PROTECT, related_name="status_change")

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["content_type", "object_id", "at"], name="status_object_idx")]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class NumberSequence(models.Model):
    """A gap-free counter per key (e.g. a certificate-number prefix).

    Incremented under a row lock in the issuing transaction: a rollback gives
    the number back, so the issued numbers have no gaps.
    """

    key = models.CharField(max_length=120, unique=True)
    last_value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("number sequence")
        verbose_name_plural = _("number sequences")

    def __str__(self) -> str:
        return f"{self.key}: {self.last_value}"


class SystemSetting(models.Model):
    """A configurable fact (a deadline, a period) with its default defined in `core.config`."""

    key = models.CharField(_("key"), max_length=80, unique=True)
    value = models.JSONField(_("value"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("system setting")
        verbose_name_plural = _("system settings")

    def __str__(self) -> str:
        return self.key
