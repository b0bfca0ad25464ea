"""Overrides of refused assignments: a second person lets a refused assignment through once."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from certbody.core.workflow import StatusField, StatusQuerySet, T, Workflow

from ..rules import rule_labels
from .records import AssignmentRole


class AssignmentOverride(models.Model):
    """A refused assignment let through by a second person with a written reason; used once, audited."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        USED = "used", _("Used")

    role = models.CharField(_("role"), max_length=20, choices=AssignmentRole.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    lab = models.ForeignKey("labs.Lab", verbose_name=_("laboratory"), null=True, blank=True, on_delete=models.PROTECT)
    application = models.ForeignKey(
        "applications.Application", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    surveillance = models.ForeignKey(
        "certification.Surveillance", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rules = models.JSONField(_("rules overridden"), default=list)
    reason = models.TextField(_("reason"))
    status = StatusField(_("status"), max_length=20, choices=Status.choices, default=Status.REQUESTED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("approved by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("approval reason"), blank=True)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    objects = StatusQuerySet.as_manager()

    class Meta:
        verbose_name = _("assignment override")
        verbose_name_plural = _("assignment overrides")
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user or self.lab} · {self.get_role_display()} · {self.application or self.surveillance}"

    def rule_labels(self) -> list[str]:
        return rule_labels(self.rules)


AO = AssignmentOverride.Status
# Born requested (record_creation "override_request"); audit actions keep their "assignment." names.
OVERRIDE_FLOW = Workflow(
    AssignmentOverride,
    _("assignment override"),
    [
        T("override_approve", [AO.REQUESTED], AO.APPROVED, _("approve")),
        T("override_reject", [AO.REQUESTED], AO.REJECTED, _("reject")),
        T("override_used", [AO.APPROVED], AO.USED, _("use")),
    ],
    action_prefix="assignment",
)
