"""The body's Ed25519 signing key: loaded from the environment or a file, published with an id.

- `CERTBODY_SIGNING_KEY` (setting, from the environment variable): base64 of the raw 32-byte private key; or
- `CERTBODY_SIGNING_KEY_FILE`: a file holding the same base64 text;
- neither (development and tests only): a key generated once into `VAR_DIR/signing-key`.
  Production settings (CERTBODY_SIGNING_KEY_REQUIRED) refuse to sign without one.

The key id is derived from the public key (no configuration to get wrong). Rotation: start with a new key;
the first document it signs registers it and retires the previous key, which stays published.
"""

from __future__ import annotations

import base64
import hashlib
import os
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def raw_public(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def raw_private(private_key: Ed25519PrivateKey) -> bytes:
    return private_key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )


def key_id_for(public_raw: bytes) -> str:
    """Eight base32 characters of the public key's SHA-256: short enough to print, stable forever."""
    return base64.b32encode(hashlib.sha256(public_raw).digest()[:5]).decode("ascii")


def private_key_from_text(text: str) -> Ed25519PrivateKey:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except ValueError as exc:
        raise ImproperlyConfigured("The signing key is not valid base64.") from exc
    if len(raw) != 32:
        raise ImproperlyConfigured("The signing key must be the raw 32-byte Ed25519 private key, base64-encoded.")
    return Ed25519PrivateKey.from_private_bytes(raw)


def generate_key_text() -> str:
    return base64.b64encode(raw_private(Ed25519PrivateKey.generate())).decode("ascii")


def _dev_key_path() -> Path:
    return Path(settings.VAR_DIR) / "signing-key"


def _key_text() -> str:
    text = settings.CERTBODY_SIGNING_KEY
    if text:
        return text
    path = settings.CERTBODY_SIGNING_KEY_FILE
    if path:
        try:
            return Path(path).read_text(encoding="ascii")
        except OSError as exc:
            raise ImproperlyConfigured(f"Cannot read CERTBODY_SIGNING_KEY_FILE {path}: {exc}") from exc
    if settings.CERTBODY_SIGNING_KEY_REQUIRED:
        raise ImproperlyConfigured(
            "Production needs a signing key: set CERTBODY_SIGNING_KEY or CERTBODY_SIGNING_KEY_FILE "
            "(base64 of a raw 32-byte Ed25519 private key)."
        )
    dev = _dev_key_path()
    if not dev.exists():
        # Written whole, then linked into place: concurrent first uses agree on one key, none reads half a file.
        dev.parent.mkdir(parents=True, exist_ok=True)
        tmp = dev.with_name(f"{dev.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(generate_key_text())
        try:
            os.link(tmp, dev)
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
    return dev.read_text(encoding="ascii")


@lru_cache(maxsize=4)
def _load(text: str) -> tuple[str, Ed25519PrivateKey]:
    private_key = private_key_from_text(text)
    return key_id_for(raw_public(private_key.public_key())), private_key


def active_key() -> tuple[str, Ed25519PrivateKey]:
    """(key id, private key) of the key that signs now."""
    return _load(_key_text())


def public_key_from_b64(text: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(text))
