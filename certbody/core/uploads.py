"""Uploaded files are judged by their content, never by their name."""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from .errors import InvalidInput

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
ZIP = "application/zip"
OLE = "application/x-ole-storage"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"

# Leading bytes of the document types a certification file may hold.
SIGNATURES: list[tuple[bytes, str]] = [
    (b"%PDF-", PDF),
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"\xff\xd8\xff", JPEG),
    (b"PK\x03\x04", ZIP),  # also .docx/.xlsx (Office Open XML)
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", OLE),  # legacy .doc/.xls
]

# What an application file may be: PDF, images, Office documents (old and new) and ZIP archives.
DOCUMENT_TYPES = (PDF, PNG, JPEG, ZIP, OLE, DOCX, XLSX, PPTX)

TYPE_NAMES = {
    PDF: "PDF",
    PNG: "PNG",
    JPEG: "JPEG",
    ZIP: "ZIP",
    OLE: "Office (doc/xls/ppt)",
    DOCX: "Word (docx)",
    XLSX: "Excel (xlsx)",
    PPTX: "PowerPoint (pptx)",
}

# The extension a name claims -> the contents that may carry it.
EXTENSIONS = {
    "pdf": {PDF},
    "png": {PNG},
    "jpg": {JPEG},
    "jpeg": {JPEG},
    "zip": {ZIP},
    "doc": {OLE},
    "xls": {OLE},
    "ppt": {OLE},
    "docx": {DOCX},
    "xlsx": {XLSX},
    "pptx": {PPTX},
}

# Archive limits: a few MB that unpack to gigabytes (a zip bomb) are refused before anyone opens them.
ZIP_MAX_ENTRIES = 2000
ZIP_MAX_RATIO = 100
ZIP_MAX_TOTAL = 500 * 1024 * 1024

_BAD_NAME = re.compile(r"[\x00-\x1f\x7f]")
# Control characters, format characters (bidi overrides such as U+202E that show "exe.pdf" as "fdp.exe")
# and line/paragraph separators have no place in a file name.
_BAD_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})


def sniff(content: bytes) -> str | None:
    for magic, kind in SIGNATURES:
        if content.startswith(magic):
            return kind
    return None


@dataclass(frozen=True)
class CheckedFile:
    """An upload that passed every check: safe name, content type, bytes and their SHA-256."""

    name: str
    kind: str
    content: bytes
    sha256: str

    @property
    def size(self) -> int:
        return len(self.content)


def safe_name(raw: str) -> str:
    """The client's file name, for display only; a name that tries to climb directories is refused."""
    name = (raw or "").strip()
    hidden = any(unicodedata.category(c) in _BAD_CATEGORIES for c in name)
    if not name or hidden or _BAD_NAME.search(name) or "/" in name or "\\" in name or name in (".", ".."):
        raise InvalidInput(
            _("The file name %(name)s is not allowed (no folders, no '..', no control characters).")
            % {"name": name.encode("unicode_escape").decode() or "?"},
            code="file_name",
        )
    return name[:200]


def _zip_kind(name: str, content: bytes) -> str:
    """Open a ZIP container: refuse bombs and paths that climb out; tell Office documents from archives."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise InvalidInput(_("%(name)s is a damaged ZIP file.") % {"name": name}, code="file_damaged") from None
    if len(entries) > ZIP_MAX_ENTRIES:
        raise InvalidInput(
            _("%(name)s holds more than %(n)d files.") % {"name": name, "n": ZIP_MAX_ENTRIES}, code="zip_bomb"
        )
    total = 0
    for entry in entries:
        entry_name = entry.filename.replace("\\", "/")
        if entry_name.startswith("/") or ".." in entry_name.split("/") or re.match(r"^[A-Za-z]:", entry_name):
            raise InvalidInput(
                _("%(name)s contains a path that leaves the archive (%(entry)s).")
                % {"name": name, "entry": entry.filename},
                code="zip_traversal",
            )
        total += entry.file_size
        ratio = entry.file_size / max(entry.compress_size, 1)
        if total > ZIP_MAX_TOTAL or (entry.file_size > 1024 * 1024 and ratio > ZIP_MAX_RATIO):
            raise InvalidInput(
                _("%(name)s unpacks to far more than it weighs (a zip bomb); it was refused.") % {"name": name},
                code="zip_bomb",
            )
    names = {e.filename for e in entries}
    if "[Content_Types].xml" in names:
        if any(n.startswith("word/") for n in names):
            return DOCX
        if any(n.startswith("xl/") for n in names):
            return XLSX
        if any(n.startswith("ppt/") for n in names):
            return PPTX
    return ZIP


def check_upload(upload: Any, *, allowed: tuple[str, ...] = DOCUMENT_TYPES) -> CheckedFile:
    """Every check an application file goes through; the refusal names the file and the reason."""
    name = safe_name(getattr(upload, "name", "") or "")
    size = getattr(upload, "size", None)
    limit = settings.CERTBODY_MAX_UPLOAD_BYTES
    too_large = _("%(name)s is larger than %(limit)s MB.") % {"name": name, "limit": round(limit / 1048576, 2)}
    if size is not None and size > limit:
        raise InvalidInput(too_large, code="file_too_large")
    upload.seek(0)
    content = upload.read(limit + 1)
    upload.seek(0)
    if len(content) > limit:
        raise InvalidInput(too_large, code="file_too_large")
    if not content:
        raise InvalidInput(_("%(name)s is empty.") % {"name": name}, code="file_empty")
    kind = sniff(content)
    if kind == ZIP:
        kind = _zip_kind(name, content)
    accepted = ", ".join(sorted({TYPE_NAMES[k] for k in allowed}))
    if kind not in allowed:
        raise InvalidInput(
            _("%(name)s is not an accepted file type (its content was checked, not its name). Accepted: %(types)s.")
            % {"name": name, "types": accepted},
            code="file_type",
        )
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in EXTENSIONS:
        # Only names that say what the file is: a PDF saved as .hta or .svg would open as something else.
        known = ", ".join(sorted(f".{ext}" for ext, kinds in EXTENSIONS.items() if kinds & set(allowed)))
        raise InvalidInput(
            _("%(name)s has no file extension we accept; name it after its content (%(extensions)s).")
            % {"name": name, "extensions": known},
            code="file_extension",
        )
    if kind not in EXTENSIONS[extension]:
        raise InvalidInput(
            _("%(name)s is named .%(ext)s but its content is %(kind)s; rename it or upload the right file.")
            % {"name": name, "ext": extension, "kind": TYPE_NAMES[kind]},
            code="file_type_mismatch",
        )
    return CheckedFile(name=name, kind=kind, content=content, sha256=hashlib.sha256(content).hexdigest())


# A ZIP container's own refusals say nothing useful to someone who was asked for a PDF.
_NOT_THE_TYPE = frozenset({"file_type", "file_damaged", "zip_bomb", "zip_traversal"})


def check_document(upload: Any, *, allowed: tuple[str, ...] = (PDF,)) -> bytes:
    """The bytes of a document that passed every check of `check_upload` (a PDF unless `allowed` says otherwise).

    The refusal of another type says a PDF was expected; the other refusals are check_upload's own.
    """
    try:
        return check_upload(upload, allowed=allowed).content
    except InvalidInput as exc:
        if exc.code not in _NOT_THE_TYPE:
            raise
        name = getattr(upload, "name", "") or _("the file")
        raise InvalidInput(
            _("%(name)s is not a PDF document (its content was checked, not its name).") % {"name": name},
            code="file_type",
        ) from None
