"""Which versions need a (new) document."""

from __future__ import annotations

from django.db.models import Exists, F, OuterRef, QuerySet

from ..models import CertificateVersion
from .models import CertificateDocument


def versions_needing_documents() -> QuerySet[CertificateVersion]:
    """Current versions without a document carrying the certificate's present status.

    Covers new certificates and every status change since the last document (a reissue).
    """
    fresh = CertificateDocument.objects.filter(version=OuterRef("pk"), status=OuterRef("certificate__status"))
    return (
        CertificateVersion.objects.filter(version_no=F("certificate__version_no")).filter(~Exists(fresh)).order_by("pk")
    )


def current_versions() -> QuerySet[CertificateVersion]:
    return CertificateVersion.objects.filter(version_no=F("certificate__version_no")).order_by("pk")
