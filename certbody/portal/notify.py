"""Notifications in the portal and by e-mail.

Mails are rows first (OutboxMail), written in the transaction of the event they tell about; a job sends them
after the commit and retries with back-off, so neither a crash nor a restart loses one.

The one signal receiver here listens to status changes: every workflow step of an application or a certificate,
whichever page, API call or job made it, writes a StatusChange row in its transaction, and the client must hear of
each. The receiver only writes notification rows in that same transaction; it holds no business rule.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from certbody.core.models import StatusChange
from certbody.core.roles import Role
from certbody.core.workflow import lock

from .models import OUTBOX_FLOW, Notification, OutboxMail

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
LEASE = timedelta(minutes=5)


def _status_label(model: str, status: str) -> str:
    from certbody.applications.models import Application
    from certbody.certificates.models import Certificate

    choices = Application.Status if model == "application" else Certificate.Status
    try:
        return str(choices(status).label)
    except ValueError:
        return status


# What the client should do next, by the application's new status.
def _next_step(status: str) -> str:
    return {
        "returned": _("Complete what is missing and submit the application again."),
        "accepted": _("Read and accept the contract online."),
        "granted": _("Your certificate is issued; download it from Certificates."),
    }.get(status, "")


def render(kind: str, params: dict[str, Any]) -> str:
    """The text of a notification in the active language."""
    if kind == "application_status":
        text = _("Application %(number)s is now: %(status)s.") % {
            "number": params.get("number", ""),
            "status": _status_label("application", params.get("status", "")),
        }
        step = _next_step(params.get("status", ""))
        return f"{text} {step}".strip()
    if kind == "certificate_status":
        return _("Certificate %(number)s is now: %(status)s.") % {
            "number": params.get("number", ""),
            "status": _status_label("certificate", params.get("status", "")),
        }
    if kind == "message":
        return _("New message from %(author)s on application %(number)s.") % params
    if kind == "organisation_pending":
        return _("%(name)s registered and waits for approval.") % params
    if kind == "organisation_approved":
        return _("%(name)s is approved: you can submit applications.") % params
    return kind


def notify(users, kind: str, params: dict[str, Any], *, url: str = "", mail: bool = True) -> None:
    """In-portal notifications and queued e-mails for `users`, in the caller's transaction."""
    users = [u for u in users if u is not None and u.is_active]
    if not users:
        return
    Notification.objects.bulk_create([Notification(user=u, kind=kind, params=params, url=url) for u in users])
    if mail:
        with translation.override(settings.LANGUAGE_CODE):
            text = render(kind, params)
            subject = f"[{_('certbody')}] {text}"[:250]
            body = text + ("\n\n" + settings_url(url) if url else "")
        queue_mail([u.email for u in users if u.email], subject, body)


def settings_url(path: str) -> str:
    base = settings.CERTBODY_PUBLIC_URL
    return base.rstrip("/") + path


def queue_mail(recipients, subject: str, body: str) -> None:
    subject = " ".join((subject or "").split())[:250]  # a line break in a header makes the mail fail for ever
    now = timezone.now()
    rows = [OutboxMail(to=to, subject=subject, body=body, next_attempt_at=now) for to in dict.fromkeys(recipients)]
    if rows:
        OutboxMail.objects.bulk_create(rows)
        transaction.on_commit(kick)


LINK = re.compile(r"https?://\S+")


def redact(body: str) -> str:
    """The mail's text without its links (they may carry one-time tokens)."""
    return LINK.sub("[link removed]", body or "")


def kick() -> None:
    """Ask the worker to send now; if the broker is away the rows wait for the next run."""
    from .tasks import send_outbox

    try:
        send_outbox.delay()
    except Exception:
        log.warning("could not queue the outbox job; mails wait for the next run", exc_info=True)


def send_due(*, limit: int = 200) -> int:
    """Send what is due; each row is claimed first, so two workers never send one mail twice."""
    now = timezone.now()
    sent = 0
    due = list(
        OutboxMail.objects.filter(status=OutboxMail.Status.PENDING, next_attempt_at__lte=now)
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )
    for pk in due:
        claimed = OutboxMail.objects.filter(pk=pk, status=OutboxMail.Status.PENDING, next_attempt_at__lte=now).update(
            next_attempt_at=now + LEASE
        )
        if not claimed:
            continue
        mail = OutboxMail.objects.get(pk=pk)
        try:
            send_mail(mail.subject, mail.body, settings.DEFAULT_FROM_EMAIL, [mail.to])
        except Exception as exc:
            _record_attempt(pk, error=str(exc)[:2000], now=now)
        else:
            _record_attempt(pk, error=None, now=now)
            sent += 1
    return sent


@transaction.atomic
def _record_attempt(pk: int, *, error: str | None, now) -> None:
    """After one try: sent, retried later, or given up after MAX_ATTEMPTS (links removed once final)."""
    mail = lock(OutboxMail, pk)
    mail.attempts += 1
    fields = ["attempts", "body", "next_attempt_at", "last_error", "sent_at"]
    if error is None:
        mail.sent_at = timezone.now()
        mail.body = redact(mail.body)  # confirmation and invitation links are secrets: not kept once delivered
        OUTBOX_FLOW.apply(mail, "send", actor=None, update_fields=fields)
        return
    mail.last_error = error
    mail.next_attempt_at = now + timedelta(minutes=2**mail.attempts)
    if mail.attempts >= MAX_ATTEMPTS:
        mail.body = redact(mail.body)
        OUTBOX_FLOW.apply(mail, "give_up", actor=None, update_fields=fields)
    else:
        mail.save(update_fields=fields)


def organisation_users(organisation_id: int):
    from certbody.accounts.models import User

    return list(
        User.objects.filter(organisation_id=organisation_id, is_active=True, role_grants__role=Role.CLIENT).distinct()
    )


def role_users(*roles: str):
    from certbody.accounts.models import User

    return list(User.objects.filter(is_active=True, role_grants__role__in=roles).distinct())


@receiver(post_save, sender=StatusChange, dispatch_uid="portal.status_change")
def on_status_change(sender, instance: StatusChange, created: bool, **kwargs) -> None:
    if not created or kwargs.get("raw"):
        return
    model = instance.content_type.model
    if model == "application":
        from certbody.applications.models import Application

        application = Application.objects.filter(pk=instance.object_id).only("number", "organisation_id").first()
        if application is None:
            return
        notify(
            organisation_users(application.organisation_id),
            "application_status",
            {"number": application.number, "status": instance.to_status},
            url=reverse("portal:application", args=[application.pk]),
        )
    elif model == "certificate":
        from certbody.certificates.models import Certificate

        certificate = Certificate.objects.filter(pk=instance.object_id).only("number", "organisation_id").first()
        if certificate is None:
            return
        notify(
            organisation_users(certificate.organisation_id),
            "certificate_status",
            {"number": certificate.number, "status": instance.to_status},
            url=reverse("portal:certificates"),
        )
