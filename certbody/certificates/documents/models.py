"""Generated certificate documents and the public keys that signed them (models of the certificates app)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from certbody.core.filenames import random_name


class SigningKey(models.Model):
    """A published Ed25519 public key. The private key never enters the database.

    A key is registered the first time it signs; a newer key retires the older ones, which stay
    published so that what they signed before their retirement still verifies.
    """

    key_id = models.CharField(_("key id"), max_length=16, unique=True)
    public_key = models.CharField(_("public key"), max_length=64)  # base64 of the raw 32 bytes
    created_at = models.DateTimeField(_("in use since"))
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)

    class Meta:
        app_label = "certificates"
        verbose_name = _("signing key")
        verbose_name_plural = _("signing keys")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.key_id


def document_path(instance: CertificateDocument, filename: str) -> str:
    # A random name (the certificate number is public): the PDF is only served by the checked certificate_pdf view.
    return random_name(f"certificates/{instance.generated_at:%Y/%m}", filename)


class CertificateDocument(models.Model):
    """One generated PDF of a certificate version. Reissues add rows; none is replaced."""

    version = models.ForeignKey("certificates.CertificateVersion", on_delete=models.PROTECT, related_name="documents")
    file = models.FileField(_("file"), upload_to=document_path, max_length=200)
    sha256 = models.CharField(max_length=64)
    key_id = models.CharField(_("key id"), max_length=16)
    payload = models.JSONField(_("signed payload"))
    signature = models.CharField(_("signature"), max_length=120, db_index=True)  # base32, no padding
    status = models.CharField(_("status"), max_length=12)  # the status printed and signed
    generated_at = models.DateTimeField(_("generated at"))

    class Meta:
        app_label = "certificates"
        verbose_name = _("certificate document")
        verbose_name_plural = _("certificate documents")
        ordering = ["version", "-generated_at", "-id"]
        indexes = [models.Index(fields=["version", "-generated_at"], name="certdoc_version_idx")]

    def __str__(self) -> str:
        return f"{self.version_id} {self.generated_at:%Y-%m-%d %H:%M}"
