"""Names of stored files: random, so no one can guess or enumerate them (the kernel's `upload_to` helper).

A stored name never comes from the record (a certificate or order number, a date, a sequence) nor from the name the
user gave: only a folder, 128 random bits and the extension. What a person sees on download is set by the view
from the record (the certificate number, the document code, `original_name`), so the stored name is never shown.
Files stored before under derived names keep their names and keep working.
"""

from __future__ import annotations

import re
import secrets

_EXTENSION = re.compile(r"\.([A-Za-z0-9]{1,8})$")


def random_name(folder: str, filename: str) -> str:
    """`folder/<32 hex>.<extension of filename>` (no extension if the name has none that is plain)."""
    match = _EXTENSION.search(filename or "")
    extension = f".{match.group(1).lower()}" if match else ""
    return f"{folder.strip('/')}/{secrets.token_hex(16)}{extension}"


def extension_of(name: str) -> str:
    """The extension of a stored name, without the dot ('' if none)."""
    match = _EXTENSION.search(name or "")
    return match.group(1).lower() if match else ""
