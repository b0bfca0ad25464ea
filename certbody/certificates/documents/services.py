"""Generating certificate documents: sign the version's content and its status, render, store, audit."""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from certbody.core.audit import audit_record
from certbody.core.errors import InvalidInput
from certbody.core.models import AuditChainHead

from ..models import Certificate, CertificateVersion
from . import keys
from .models import CertificateDocument, SigningKey
from .pdf import encode_signature, render_pdf, signed_message

SUPERSEDED = "superseded"


def public_url() -> str:
    return settings.CERTBODY_PUBLIC_URL


def printed_status(version: CertificateVersion, certificate: Certificate) -> str:
    """An older version says it was superseded; the current one carries the certificate's status."""
    return certificate.status if version.version_no == certificate.version_no else SUPERSEDED


def build_payload(
    version: CertificateVersion, certificate: Certificate, *, key_id: str, signed_at: datetime
) -> dict[str, Any]:
    """The essential fields, all of them printed: the version's frozen content plus the status when signed."""
    return {
        "number": certificate.number,
        "version": version.version_no,
        "status": printed_status(version, certificate),
        "holder_name": version.holder_name,
        "holder_name_en": version.holder_name_en,
        "holder_address": version.holder_address,
        "holder_address_en": version.holder_address_en,
        "units": [
            {
                k: unit.get(k, "")
                for k in (
                    "product_name",
                    "product_name_en",
                    "models",
                    "version",
                    "trademark",
                    "manufacturer",
                    "manufacturer_address",
                    "production_site",
                    "production_site_address",
                )
            }
            for unit in version.units
        ],
        "standards": [
            {k: s.get(k, "") for k in ("code", "version", "title_zh", "title_en")} for s in version.standards
        ],
        "scheme_code": version.scheme_code,
        "scheme_name": version.scheme_name,
        "rule_document": version.rule_document,
        "rule_version": version.rule_version,
        "mode_text": version.mode_text,
        "cb_name": version.cb_name,
        "cb_name_en": settings.CERTBODY_ORG_NAME_EN,
        "cb_address": version.cb_address,
        "issued_on": version.issued_on.isoformat(),
        "valid_until": version.valid_until.isoformat(),
        "signed_at": signed_at.astimezone(UTC).replace(microsecond=0).isoformat(),
        "key_id": key_id,
    }


def _register_key(*, actor: Any, key_id: str, private_key, now: datetime) -> SigningKey:
    """Publish the active key on first use; that retires the keys before it (which stay published)."""
    key = SigningKey.objects.filter(key_id=key_id).first()
    if key is not None:
        if key.retired_at is not None:
            raise InvalidInput(
                _("Signing key %(key)s was retired on %(date)s; configure the current key.")
                % {"key": key_id, "date": key.retired_at.date().isoformat()}
            )
        return key
    public = base64.b64encode(keys.raw_public(private_key.public_key())).decode("ascii")
    retired = list(SigningKey.objects.select_for_update().filter(retired_at__isnull=True))
    for old in retired:
        old.retired_at = now
        old.save(update_fields=["retired_at"])
        audit_record(actor=actor, action="signing_key.retired", obj=old, after={"retired_at": now})
    key = SigningKey.objects.create(key_id=key_id, public_key=public, created_at=now)
    audit_record(actor=actor, action="signing_key.published", obj=key, after={"key_id": key_id, "public_key": public})
    return key


def _filename(number: str, version_no: int, now: datetime) -> str:
    safe = re.sub(r"[^A-Za-z0-9_-]+", "_", number)
    return f"{safe}-v{version_no}-{now:%Y%m%d%H%M%S}.pdf"


@transaction.atomic
def document_generate(*, actor: Any, version: CertificateVersion) -> CertificateDocument:
    """Sign and render the PDF of a certificate version as things stand now; earlier documents are kept."""
    key_id, private_key = keys.active_key()
    AuditChainHead.objects.select_for_update().filter(id=1).first()  # the one lock order (see core.workflow.lock)
    now = timezone.now().replace(microsecond=0)
    _register_key(actor=actor, key_id=key_id, private_key=private_key, now=now)
    certificate = Certificate.objects.get(pk=version.certificate_id)
    payload = build_payload(version, certificate, key_id=key_id, signed_at=now)
    code = encode_signature(private_key.sign(signed_message(payload)))
    pdf = render_pdf(payload, key_id, code, public_url())
    document = CertificateDocument(
        version=version,
        sha256=hashlib.sha256(pdf).hexdigest(),
        key_id=key_id,
        payload=payload,
        signature=code,
        status=payload["status"],
        generated_at=now,
    )
    document.file.save(_filename(certificate.number, version.version_no, now), ContentFile(pdf), save=False)
    document.save()
    audit_record(
        actor=actor,
        action="certificate.document_generated",
        obj=document,
        subject=certificate,
        after={
            "version_no": version.version_no,
            "status": payload["status"],
            "key_id": key_id,
            "sha256": document.sha256,
        },
    )
    return document


def current_document(version: CertificateVersion) -> CertificateDocument | None:
    """The latest document of a version if it still tells the truth (same status, current key), else None."""
    document = version.documents.order_by("-generated_at", "-id").first()
    if document is None:
        return None
    certificate = Certificate.objects.only("status", "version_no").get(pk=version.certificate_id)
    if document.status != printed_status(version, certificate):
        return None
    if document.key_id != keys.active_key()[0]:
        return None
    return document


def document_for(*, actor: Any, version: CertificateVersion) -> CertificateDocument:
    """The up-to-date document of a version: reissued when the status changed or the key rotated since."""
    return current_document(version) or document_generate(actor=actor, version=version)
