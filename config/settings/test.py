"""Test settings: fast hasher, in-memory mail, eager jobs unless a test says otherwise."""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_BROKER_URL = ""
CELERY_TASK_ALWAYS_EAGER = True
MEDIA_ROOT = tempfile.mkdtemp(prefix="certbody-media-")
CERTBODY_AUDIT_ANCHOR_DIR = Path(tempfile.mkdtemp(prefix="certbody-anchors-"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
if not os.environ.get("DATABASE_URL"):
    DATABASES["default"]["NAME"] = os.environ.get("SQLITE_TEST_PATH", ":memory:")  # noqa: F405
    # A file keeps the test database between runs (pytest --reuse-db): scripts/mutation.sh runs pytest many times.
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("CERTBODY_TEST_DB_FILE") or None}  # noqa: F405
# Tests sign users in with force_login (no device); the enforcement tests switch it on (accounts/tests).
CERTBODY_2FA_ENFORCED = False
