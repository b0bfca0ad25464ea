"""The client portal: invitations, messages, notifications and the mail outbox (the application file is in
applications)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from certbody.core.workflow import StatusField, StatusQuerySet, T, Workflow


def _attachment_path(instance, filename: str) -> str:
    return f"portal/messages/{uuid.uuid4().hex}"


class Invitation(models.Model):
    """A colleague invited by e-mail to join a client organisation. Only the token's SHA-256 is stored."""

    organisation = models.ForeignKey(
        "clients.Organisation", verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField(_("e-mail"))
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.email


class EmailConfirmation(models.Model):
    """A used e-mail confirmation link: each link confirms once; a user deactivated later stays deactivated."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    email = models.EmailField(_("e-mail"))
    confirmed_at = models.DateTimeField(_("confirmed"), auto_now_add=True)

    class Meta:
        verbose_name = _("e-mail confirmation")
        verbose_name_plural = _("e-mail confirmations")

    def __str__(self) -> str:
        return self.email


class OrganisationRejection(models.Model):
    """Staff refused a self-registered organisation: it leaves the approval list and its users stay deactivated."""

    organisation = models.OneToOneField(
        "clients.Organisation", on_delete=models.CASCADE, related_name="+", verbose_name=_("organisation")
    )
    rejected_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    rejected_at = models.DateTimeField(_("rejected"), auto_now_add=True)
    reason = models.TextField(_("reason"), blank=True)  # told to the applicant; required for every new rejection

    class Meta:
        verbose_name = _("rejected registration")
        verbose_name_plural = _("rejected registrations")

    def __str__(self) -> str:
        return str(self.organisation)


class Message(models.Model):
    """A message in the thread between the client and the certification body on one application."""

    application = models.ForeignKey(
        "applications.Application", on_delete=models.CASCADE, related_name="messages", verbose_name=_("application")
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    from_client = models.BooleanField(default=True)
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.application} · {self.author}"


class Attachment(models.Model):
    """A file attached to a message, checked like every application file."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=_attachment_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField("SHA-256", max_length=64)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name


class Notification(models.Model):
    """Something a person must know, shown in the portal. Rendered in the reader's language from kind + params."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=40)
    params = models.JSONField(default=dict)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notif_user_read_idx")]

    def __str__(self) -> str:
        return f"{self.user} · {self.kind}"


class OutboxMail(models.Model):
    """An e-mail to send. Written in the transaction of the event; a job sends it, retrying, so a restart loses none."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    to = models.EmailField(_("to"))
    subject = models.CharField(_("subject"), max_length=250)
    body = models.TextField(_("text"))
    status = StatusField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), db_index=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    objects = StatusQuerySet.as_manager()

    class Meta:
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.to}: {self.subject}"


OM = OutboxMail.Status
# Queued pending (bulk, no history row: the event that queued it is audited); the sender moves it on.
OUTBOX_FLOW = Workflow(
    OutboxMail,
    _("outgoing e-mail"),
    [T("send", [OM.PENDING], OM.SENT, _("send")), T("give_up", [OM.PENDING], OM.FAILED, _("give up"))],
)
