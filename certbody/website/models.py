"""Public registry: how often each certificate was verified (for the holder and for reports)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class VerificationCount(models.Model):
    """Verifications of one certificate on the public page or API. Written in batches (website.services)."""

    certificate = models.OneToOneField(
        "certificates.Certificate", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    count = models.PositiveBigIntegerField(_("verifications"), default=0)
    last_at = models.DateTimeField(_("last verified"), null=True, blank=True)

    class Meta:
        verbose_name = _("verification count")
        verbose_name_plural = _("verification counts")

    def __str__(self) -> str:
        return f"{self.certificate_id}: {self.count}"
