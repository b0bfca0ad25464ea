"""Uploaded files are judged by their content, never by their name."""

from __future__ import annotations

import hashlib
import io
import re
import stat
import unicodedata
import zipfile
from dataclasses import dataclass
from typing import Any
from zlib import error as zlib_error

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

# An archive inside an archive hides its content (and its own bomb) from every check: refused by name and by the
# first bytes of each entry. Office documents inside an archive are themselves ZIP packages: they are opened and
# checked as one, with a bounded depth (a Word file may embed an Excel chart, which is again a package).
NESTED_EXTENSIONS = frozenset(
    {
        "zip",
        "jar",
        "war",
        "ear",
        "apk",
        "7z",
        "rar",
        "gz",
        "tgz",
        "tar",
        "bz2",
        "tbz2",
        "xz",
        "txz",
        "zst",
        "cab",
        "iso",
    }
)
NESTED_MAGIC = (
    b"PK\x03\x04",  # zip, jar, Office
    b"PK\x05\x06",  # empty zip
    b"PK\x07\x08",  # spanned zip
    b"7z\xbc\xaf\x27\x1c",
    b"Rar!\x1a\x07",
    b"\x1f\x8b",  # gzip
    b"BZh",
    b"\xfd7zXZ\x00",
    b"\x28\xb5\x2f\xfd",  # zstandard
    b"MSCF",  # cabinet
)
TAR_MAGIC_AT = 257  # "ustar" sits after the first header fields
OFFICE_PACKAGE_EXTENSIONS = frozenset({"docx", "xlsx", "pptx"})
# Macro-enabled Office names; their content is refused wherever it is found unless a scheme asks for macros.
MACRO_EXTENSIONS = frozenset({"docm", "dotm", "xlsm", "xltm", "xlam", "xlsb", "pptm", "potm", "ppsm", "ppam"})
ZIP_MAX_DEPTH = 2
_OLE_MACRO_STREAM = "_VBA_PROJECT".encode("utf-16-le")  # the VBA project stream of .doc (Macros/VBA) and .xls

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


def _extension(name: str) -> str:
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    return base.rsplit(".", 1)[-1].lower() if "." in base else ""


def _refuse_macros(name: str) -> None:
    raise InvalidInput(
        _("%(name)s contains macros (program code); save it without macros and upload it again.") % {"name": name},
        code="file_macros",
    )


def _refuse_nested(name: str, entry: str) -> None:
    raise InvalidInput(
        _("%(name)s contains another archive (%(entry)s); upload its files directly instead.")
        % {"name": name, "entry": entry},
        code="zip_nested",
    )


def _head(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, size: int) -> bytes:
    """The first `size` unpacked bytes of an entry (never more), or b"" when it cannot be read (the entry is
    encrypted, uses an unknown method or its directory lies about its size)."""
    try:
        with archive.open(entry) as stream:
            return stream.read(size)
    except (zipfile.BadZipFile, RuntimeError, NotImplementedError, EOFError, OSError, ValueError, zlib_error):
        return b""


def _ole_has_macros(content: bytes) -> bool:
    return _OLE_MACRO_STREAM in content


def _check_entries(name: str, archive: zipfile.ZipFile, entries: list, *, allow_macros: bool, depth: int) -> None:
    """What a ZIP's entries may not be: links, macros, archives in the archive; and no bomb in total either."""
    unpacked = sum(e.file_size for e in entries)
    packed = sum(e.compress_size for e in entries)
    if unpacked > 1024 * 1024 and unpacked / max(packed, 1) > ZIP_MAX_RATIO:
        # Many small entries each under the one-entry threshold add up to the same bomb.
        raise InvalidInput(
            _("%(name)s unpacks in total to more than %(ratio)d times its size; it was refused.")
            % {"name": name, "ratio": ZIP_MAX_RATIO},
            code="zip_bomb",
        )
    limit = settings.CERTBODY_MAX_UPLOAD_BYTES
    for entry in entries:
        if stat.S_ISLNK(entry.external_attr >> 16):
            raise InvalidInput(
                _("%(name)s contains a link (%(entry)s) instead of a file; it was refused.")
                % {"name": name, "entry": entry.filename},
                code="zip_symlink",
            )
        if entry.is_dir():
            continue
        base = entry.filename.replace("\\", "/").rsplit("/", 1)[-1].lower()
        extension = _extension(entry.filename)
        if not allow_macros and (base == "vbaproject.bin" or extension in MACRO_EXTENSIONS):
            _refuse_macros(name)
        head = _head(archive, entry, TAR_MAGIC_AT + 8)
        if (
            not allow_macros
            and base == "[content_types].xml"
            and b"macroenabled" in _head(archive, entry, 1 << 16).lower()
        ):
            _refuse_macros(name)
        is_zip = head.startswith(b"PK\x03\x04")
        if is_zip and extension in OFFICE_PACKAGE_EXTENSIONS and depth < ZIP_MAX_DEPTH and entry.file_size <= limit:
            inner = _head(archive, entry, limit + 1)
            if _zip_kind(f"{name}/{entry.filename}", inner, allow_macros=allow_macros, depth=depth + 1) != ZIP:
                continue  # an Office document in the archive, itself checked; a plain archive so named is refused below
        if (
            extension in NESTED_EXTENSIONS
            or head.startswith(NESTED_MAGIC)
            or head[TAR_MAGIC_AT : TAR_MAGIC_AT + 5] == b"ustar"
        ):
            _refuse_nested(name, entry.filename)
        ole = head.startswith(SIGNATURES[-1][0]) and entry.file_size <= limit
        if ole and not allow_macros and _ole_has_macros(_head(archive, entry, limit + 1)):
            _refuse_macros(name)


def _zip_kind(name: str, content: bytes, *, allow_macros: bool = False, depth: int = 0) -> str:
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
    _check_entries(name, archive, entries, allow_macros=allow_macros, depth=depth)
    names = {e.filename for e in entries}
    if "[Content_Types].xml" in names:
        if any(n.startswith("word/") for n in names):
            return DOCX
        if any(n.startswith("xl/") for n in names):
            return XLSX
        if any(n.startswith("ppt/") for n in names):
            return PPTX
    return ZIP


def check_upload(upload: Any, *, allowed: tuple[str, ...] = DOCUMENT_TYPES, allow_macros: bool = False) -> CheckedFile:
    """Every check an application file goes through; the refusal names the file and the reason.

    Office content with macros is refused unless `allow_macros` (a scheme that needs macro workbooks would say so;
    none does yet)."""
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
        kind = _zip_kind(name, content, allow_macros=allow_macros)
    elif kind == OLE and not allow_macros and _ole_has_macros(content):
        _refuse_macros(name)
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
_NOT_THE_TYPE = frozenset(
    {"file_type", "file_damaged", "zip_bomb", "zip_traversal", "zip_nested", "zip_symlink", "file_macros"}
)


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
