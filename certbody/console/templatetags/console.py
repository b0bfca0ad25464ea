"""Template helpers of the console: status badges, audit before→after, small formatting."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

register = template.Library()

# One colour family per meaning, shared by every workflow (applications, certificates, orders...).
TONES = {
    # waiting for someone
    "draft": "neutral",
    "planned": "info",
    "ordered": "info",
    "submitted": "info",
    "accepted": "info",
    # work in progress
    "evaluation": "progress",
    "review": "progress",
    "decision": "progress",
    "in_progress": "progress",
    "sample_sent": "progress",
    "sample_received": "progress",
    # needs attention
    "returned": "warning",
    "open": "warning",
    "suspended": "warning",
    # good end
    "granted": "success",
    "valid": "success",
    "completed": "success",
    "reported": "success",
    "closed": "success",
    "resolved": "success",
    "pass": "success",
    "keep": "success",
    "grant": "success",
    "refuse": "danger",
    # bad end
    "refused": "danger",
    "rejected": "danger",
    "withdrawn": "danger",
    "fail": "danger",
    "withdraw": "danger",
    "suspend": "warning",
    # quiet end
    "cancelled": "muted",
    "expired": "muted",
}


@register.simple_tag
def status_badge(value: Any, label: Any = None) -> str:
    """A coloured badge for a raw status value, e.g. {% status_badge "valid" "Valid" %}."""
    value = str(value or "")
    if not value:
        return format_html('<span class="badge badge-neutral">{}</span>', "—")
    tone = TONES.get(value, "neutral")
    return format_html('<span class="badge badge-{}" data-status="{}">{}</span>', tone, value, label or value)


@register.filter
def badge(obj: Any, field: str = "status") -> str:
    """`{{ application|badge }}`: the object's status (or another choice field) as a badge."""
    if obj is None:
        return ""
    value = getattr(obj, field, "")
    display = getattr(obj, f"get_{field}_display", None)
    return status_badge(value, display() if display else value)


@register.filter
def choice_label(value: Any, choices: Any) -> str:
    """The label of a raw choice value: `{{ change.to_status|choice_label:status_choices }}`."""
    if not value:
        return "—"
    try:
        return str(dict(choices.choices if hasattr(choices, "choices") else choices).get(value, value))
    except (TypeError, ValueError):
        return str(value)


def _short(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, list):
        return "、".join(_short(v) for v in value) or "—"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_short(v)}" for k, v in value.items()) or "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    text = str(value)
    return text if len(text) <= 120 else text[:117] + "…"


def _status_labels(object_type: str) -> dict[str, str]:
    from django.apps import apps

    try:
        model = apps.get_model(object_type)
    except (LookupError, ValueError):
        return {}
    status = getattr(model, "Status", None)
    return {value: str(label) for value, label in status.choices} if status is not None else {}


# Keys of audit records that are not model fields of the object, or are named differently.
_EXTRA_FIELD_LABELS = {
    "models": _lazy("models"),
    "manufacturer_address": _lazy("manufacturer address"),
    "production_site_address": _lazy("production site address"),
    "late": _lazy("suspended after the deadline"),
    "nonconformity_case": _lazy("nonconformity case"),
    "decision": _lazy("decision"),
    "leader": _lazy("team leader"),
    "members": _lazy("team members"),
    "contract": _lazy("contract number"),
    "fee": _lazy("fee"),
    "unit": _lazy("certification unit"),
    "username": _lazy("username"),
    "roles": _lazy("roles"),
}


def _field_labels(object_type: str) -> dict[str, str]:
    from django.apps import apps

    try:
        model = apps.get_model(object_type)
    except (LookupError, ValueError):
        return {}
    return {f.name: str(f.verbose_name) for f in model._meta.concrete_fields}


@register.filter
def audit_changes(event: Any) -> list[dict[str, str]]:
    """Rows of (field, before, after) for an AuditEvent, keys in a stable order."""
    before = event.before or {}
    after = event.after or {}
    keys = list(dict.fromkeys([*before.keys(), *after.keys()]))
    if "status" in keys:
        keys.remove("status")
        keys.insert(0, "status")
    status_labels = _status_labels(getattr(event, "object_type", ""))
    field_labels = _field_labels(getattr(event, "object_type", ""))
    rows = []
    for key in keys:
        old, new = before.get(key), after.get(key)
        if key == "status":
            old, new = status_labels.get(old, old), status_labels.get(new, new)
        if key not in before and new in (None, "", [], {}):
            continue  # an empty field that was never set says nothing
        label = field_labels.get(key) or str(_EXTRA_FIELD_LABELS.get(key, key))
        rows.append({"field": label, "before": _short(old) if key in before else "", "after": _short(new)})
    return rows


@register.filter
def join_list(value: Any, sep: str = "、") -> str:
    if not value:
        return "—"
    return sep.join(str(v) for v in value)


@register.filter
def add_class(field: Any, css: str) -> Any:
    """Render a bound field with an extra CSS class on its widget."""
    attrs = dict(field.field.widget.attrs)
    attrs["class"] = (attrs.get("class", "") + " " + css).strip()
    return field.as_widget(attrs=attrs)


_EVENT_LABELS: dict[str, Any] | None = None


def _event_labels() -> dict[str, Any]:
    """Readable names for audit actions: workflow steps from their tables, the rest listed here."""
    global _EVENT_LABELS
    if _EVENT_LABELS is not None:
        return _EVENT_LABELS
    from django.utils.translation import gettext_lazy

    from certbody.applications.models import APPLICATION_FLOW
    from certbody.certificates.models import CERTIFICATE_FLOW, NONCONFORMITY_FLOW
    from certbody.certification.models import (
        FINDING_FLOW,
        INSPECTION_FLOW,
        SURVEILLANCE_FLOW,
        TEST_ORDER_FLOW,
    )

    flows = {
        "application": APPLICATION_FLOW,
        "testorder": TEST_ORDER_FLOW,
        "inspection": INSPECTION_FLOW,
        "finding": FINDING_FLOW,
        "surveillance": SURVEILLANCE_FLOW,
        "certificate": CERTIFICATE_FLOW,
        "nonconformitycase": NONCONFORMITY_FLOW,
    }
    labels: dict[str, Any] = {}
    for prefix, flow in flows.items():
        for name, transition in flow.transitions.items():
            labels[f"{prefix}.{name}"] = (flow.entity, transition.label)
    extra = {
        "application.create": (gettext_lazy("application"), gettext_lazy("created")),
        "application.assign_reviewer": (gettext_lazy("application"), gettext_lazy("reviewer assigned")),
        "unit.add": (gettext_lazy("certification unit"), gettext_lazy("added")),
        "unit.remove": (gettext_lazy("certification unit"), gettext_lazy("removed")),
        "testorder.create": (gettext_lazy("test order"), gettext_lazy("created")),
        "inspection.plan": (gettext_lazy("inspection"), gettext_lazy("planned")),
        "finding.add": (gettext_lazy("finding"), gettext_lazy("recorded")),
        "surveillance.plan": (gettext_lazy("surveillance"), gettext_lazy("planned")),
        "certificate.issue": (gettext_lazy("certificate"), gettext_lazy("issued")),
        "certificate.new_version": (gettext_lazy("certificate"), gettext_lazy("new version issued")),
        "nonconformitycase.confirm": (gettext_lazy("nonconformity case"), gettext_lazy("confirmed")),
        "api_token.create": (gettext_lazy("API token"), gettext_lazy("created")),
        "api_token.revoke": (gettext_lazy("API token"), gettext_lazy("revoked")),
        "user.create": (gettext_lazy("user"), gettext_lazy("created")),
    }
    labels.update(extra)
    _EVENT_LABELS = labels
    return labels


@register.filter
def event_label(action: str) -> str:
    """`{{ event.action|event_label }}`: "Application: submit" for "application.submit"."""
    found = _event_labels().get(action)
    if found is None:
        return action
    entity, verb = found
    return f"{capfirst(str(entity))}: {verb}"
