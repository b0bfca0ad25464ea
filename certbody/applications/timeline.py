"""What a client is told about its records: the one rule the portal's timeline, the console's redirect and the API's
client view all use. Evaluation internals (test orders, inspections, reviews, overrides, assignments) stay with staff.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from certbody.core.models import AuditEvent

from . import checklist as cl
from .models import Application

# Events the client sees on its timeline.
PUBLIC_ACTIONS = {
    "application.create": gettext_lazy("Application created"),
    "application.submit": gettext_lazy("Submitted"),
    "application.return": gettext_lazy("Returned for completion"),
    "application.accept": gettext_lazy("Accepted; contract concluded"),
    "application.reject": gettext_lazy("Rejected"),
    "application.start_evaluation": gettext_lazy("Evaluation started"),
    "application.complete_evaluation": gettext_lazy("Evaluation completed"),
    "application.review": gettext_lazy("Technical review completed"),
    "application.reopen_evaluation": gettext_lazy("Back to evaluation"),
    "application.grant": gettext_lazy("Certification granted"),
    "application.refuse": gettext_lazy("Certification refused"),
    "application.withdraw": gettext_lazy("Withdrawn"),
    "unit.add": gettext_lazy("Unit added"),
    "unit.remove": gettext_lazy("Unit removed"),
    "document.upload": gettext_lazy("Document uploaded"),
    "dossier.update": gettext_lazy("Declarations changed"),
    "message.post": gettext_lazy("Message"),
    "contract.accept_online": gettext_lazy("Contract accepted online"),
}
# Reasons the client is told (a return says what is missing); other reasons are internal.
PUBLIC_REASONS = {"application.return", "application.reject", "application.withdraw", "application.refuse"}
# Steps whose person the client is not told: the reviewer and the decider stay anonymous (impartiality, 7.5, 7.6).
ANONYMOUS_ACTIONS = {"application.review", "application.reopen_evaluation", "application.grant", "application.refuse"}


def is_public(action: str) -> bool:
    return action in PUBLIC_ACTIONS


def public_reason(action: str, reason: str) -> str:
    """The reason of an event as the client may read it: only the reasons the client is told."""
    return reason if action in PUBLIC_REASONS else ""


def public_actor(action: str, actor: Any) -> str:
    if actor is None:
        return str(_("system"))
    if action in ANONYMOUS_ACTIONS:
        return str(_("the certification body"))
    return str(actor)


def public_timeline(app: Application) -> list[dict[str, Any]]:
    events = (
        AuditEvent.objects.filter(
            subject_type="applications.application", subject_id=str(app.pk), action__in=list(PUBLIC_ACTIONS)
        )
        .select_related("actor")
        .order_by("seq")
    )
    rows = []
    for e in events:
        after = e.after or {}
        detail = ""
        if e.action == "document.upload":
            label = cl.LABELS.get(after.get("item"), after.get("item"))
            detail = f"{label}: {after.get('name')} (v{after.get('version')})"
        rows.append(
            {
                "at": e.occurred_at,
                "label": PUBLIC_ACTIONS[e.action],
                "by": public_actor(e.action, e.actor if e.actor_id else None),
                "reason": public_reason(e.action, e.reason),
                "detail": detail,
            }
        )
    return rows
