"""Uploaded files are judged by their content, never by their name."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from .errors import InvalidInput

# Leading bytes of the document types a certification file may hold.
SIGNATURES: list[tuple[bytes, str]] = [
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"PK\x03\x04", "application/zip"),  # also .docx/.xlsx (Office Open XML)
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/x-ole-storage"),  # legacy .doc/.xls
]


def sniff(content: bytes) -> str | None:
    for magic, kind in SIGNATURES:
        if content.startswith(magic):
            return kind
    return None


def check_document(upload: Any, *, allowed: tuple[str, ...] = ("application/pdf",)) -> bytes:
    """Read the upload, refuse it unless its bytes are an allowed type within the size limit."""
    name = getattr(upload, "name", "") or _("the file")
    size = getattr(upload, "size", None)
    limit = settings.CERTBODY_MAX_UPLOAD_BYTES
    if size is not None and size > limit:
        raise InvalidInput(
            _("%(name)s is larger than %(limit)d MB.") % {"name": name, "limit": limit // (1024 * 1024)},
            code="file_too_large",
        )
    upload.seek(0)
    content = upload.read(limit + 1)
    upload.seek(0)
    if len(content) > limit:
        raise InvalidInput(
            _("%(name)s is larger than %(limit)d MB.") % {"name": name, "limit": limit // (1024 * 1024)},
            code="file_too_large",
        )
    kind = sniff(content)
    if kind not in allowed:
        raise InvalidInput(
            _("%(name)s is not a PDF document (its content was checked, not its name).") % {"name": name},
            code="file_type",
        )
    return content
