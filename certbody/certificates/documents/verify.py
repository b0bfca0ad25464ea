"""Is this PDF one of ours? Genuine, altered or unknown — decided from our own keys and registry only.

The PDF's claims are only candidates: the key id selects one of OUR published keys (an unknown id is
"unknown", whatever key the PDF may carry), the signature must verify over the canonical payload, the
text printed on the page must be exactly what that payload prints, and the registry must hold the
number and version.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from django.utils.translation import gettext as _

from ..models import Certificate
from . import keys
from .models import CertificateDocument, SigningKey
from .pdf import decode_signature, encode_signature, expected_text, grouped, parse_keywords, signed_message

GENUINE = "genuine"
ALTERED = "altered"
UNKNOWN = "unknown"
EXIT_CODES = {GENUINE: 0, ALTERED: 1, UNKNOWN: 2}

_WS = re.compile(r"\s+")


@dataclass
class Verdict:
    result: str
    message: str
    number: str = ""
    version: int | None = None
    key_id: str = ""
    signed_status: str = ""
    current_status: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.result]


def _squash(text: str) -> str:
    return _WS.sub("", text)


def read_pdf(data: bytes) -> tuple[str, str]:
    """(Keywords, text of every page). Raises ValueError when it is not a readable PDF."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        meta = reader.metadata or {}
        keywords_text = str(meta.get("/Keywords") or "")
        text = "\n".join(page.extract_text() or "" for page in reader.pages)
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        raise ValueError(str(exc)) from exc
    return keywords_text, text


def verify_pdf(data: bytes, *, public_url: str | None = None) -> Verdict:
    from .services import public_url as default_public_url

    try:
        keywords_text, text = read_pdf(data)
    except ValueError:
        return Verdict(UNKNOWN, _("This is not a readable PDF."))
    try:
        parsed = parse_keywords(keywords_text)
    except (ValueError, UnicodeDecodeError):
        return Verdict(ALTERED, _("The signed data in this PDF is damaged."))
    if parsed is None:
        return Verdict(UNKNOWN, _("This PDF carries no certificate signature."))
    payload, key_id, code = parsed
    number = str(payload.get("number", ""))
    version = payload.get("version")
    verdict = Verdict(UNKNOWN, "", number=number, version=version if isinstance(version, int) else None)
    verdict.key_id = key_id
    verdict.signed_status = str(payload.get("status", ""))
    if payload.get("key_id") != key_id:
        verdict.result, verdict.message = ALTERED, _("The key id printed does not match the signed data.")
        return verdict

    signed_at = _signature_checked(verdict, payload, key_id, code)
    if signed_at is None:
        return verdict
    if not _text_matches(verdict, payload, key_id, code, text, lambda: public_url or default_public_url()):
        return verdict
    return _registry_checked(verdict, number, version, signed_at)


def _signature_checked(verdict: Verdict, payload: dict, key_id: str, code: str) -> datetime | None:
    """The signing time when the signature verifies with a published key in its period of use; else None, with
    the verdict saying why."""
    key = SigningKey.objects.filter(key_id=key_id).first()
    if key is None:
        verdict.message = _("The PDF was signed with key %(key)s, which this certification body never published.") % {
            "key": key_id
        }
        return None
    try:
        keys.public_key_from_b64(key.public_key).verify(decode_signature(code), signed_message(payload))
    except (InvalidSignature, ValueError, TypeError):
        verdict.result, verdict.message = ALTERED, _("The signature does not match the certificate data.")
        return None
    try:
        signed_at = datetime.fromisoformat(payload["signed_at"])
    except (KeyError, TypeError, ValueError):
        verdict.result, verdict.message = ALTERED, _("The signing time is missing or malformed.")
        return None
    if signed_at < key.created_at or (key.retired_at is not None and signed_at > key.retired_at):
        verdict.result, verdict.message = ALTERED, _("The signing time lies outside the key's period of use.")
        return None
    return signed_at


def _text_matches(verdict: Verdict, payload: dict, key_id: str, code: str, text: str, url: Callable[[], str]) -> bool:
    """Whether the printed text is the signed data's; else the verdict says what differs."""
    try:
        expected = expected_text(payload, key_id, code, url())
    except (KeyError, TypeError, AttributeError):
        verdict.result, verdict.message = ALTERED, _("The signed data is incomplete.")
        return False
    if _squash(text) != _squash(expected):
        verdict.result = ALTERED
        verdict.message = _("The text printed on the PDF differs from the signed certificate data.")
        verdict.notes = _differences(payload, key_id, code, text)
        return False
    return True


def _registry_checked(verdict: Verdict, number: str, version: Any, signed_at: datetime) -> Verdict:
    """A genuine signature: is that certificate version in the registry, and is it still the current one?"""
    key_id = verdict.key_id
    certificate = Certificate.objects.filter(number=number).only("pk", "status", "version_no").first()
    if certificate is None or not certificate.versions.filter(version_no=version).exists():
        verdict.message = _(
            "The signature is valid but certificate %(number)s version %(version)s is not in our registry."
        ) % {
            "number": number,
            "version": version,
        }
        return verdict
    verdict.result = GENUINE
    verdict.current_status = certificate.status
    verdict.message = _("Genuine: certificate %(number)s version %(version)s, signed on %(date)s with key %(key)s.") % {
        "number": number,
        "version": version,
        "date": signed_at.date().isoformat(),
        "key": key_id,
    }
    if version != certificate.version_no:
        verdict.notes.append(
            _("A later version (%(current)s) has been issued since.") % {"current": certificate.version_no}
        )
    elif verdict.signed_status != certificate.status:
        verdict.notes.append(
            _("The certificate's status has changed since this document was signed: it is now %(status)s.")
            % {"status": certificate.get_status_display()}
        )
    return verdict


def verify_code(number: str, version: int, key_id: str, signature_code: str) -> Verdict:
    """What the QR code (or a typed-in code) claims, checked against our documents and published keys.

    For the public page: the code must be the signature of a document we issued for that number and version,
    and it must verify with our published key over the payload we stored.
    """
    try:
        code = encode_signature(decode_signature(signature_code))
    except (ValueError, TypeError):
        return Verdict(ALTERED, _("The signature code is malformed."), number=number, version=version, key_id=key_id)
    verdict = Verdict(UNKNOWN, "", number=number, version=version, key_id=key_id)
    document = (
        CertificateDocument.objects.filter(signature=code, key_id=key_id).select_related("version__certificate").first()
    )
    key = SigningKey.objects.filter(key_id=key_id).first()
    if document is None or key is None:
        verdict.message = _("No certificate document of ours carries this signature.")
        return verdict
    try:
        keys.public_key_from_b64(key.public_key).verify(decode_signature(code), signed_message(document.payload))
    except (InvalidSignature, ValueError, TypeError):
        verdict.result, verdict.message = ALTERED, _("The signature does not match the certificate data.")
        return verdict
    if document.payload.get("number") != number or document.payload.get("version") != version:
        verdict.result = ALTERED
        verdict.message = _("This signature belongs to another certificate.")
        return verdict
    certificate = document.version.certificate
    verdict.result = GENUINE
    verdict.signed_status = document.status
    verdict.current_status = certificate.status
    verdict.message = _("Genuine: certificate %(number)s version %(version)s, signed on %(date)s with key %(key)s.") % {
        "number": number,
        "version": version,
        "date": document.generated_at.date().isoformat(),
        "key": key_id,
    }
    return verdict


def _differences(payload: dict[str, Any], key_id: str, code: str, text: str) -> list[str]:
    """Which signed values are not printed as signed (a hint for people; the verdict does not rely on it)."""
    from .pdf import printed_fields

    squashed = _squash(text)
    notes = []
    for label, value in printed_fields(payload, key_id, code):
        if value and _squash(value) not in squashed:
            notes.append(_("Not printed as signed: %(label)s = %(value)s") % {"label": label, "value": value})
    return notes[:10]


__all__ = ["ALTERED", "GENUINE", "UNKNOWN", "Verdict", "grouped", "verify_code", "verify_pdf"]
