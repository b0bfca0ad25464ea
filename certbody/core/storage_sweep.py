"""Moving aside uploaded files that no record refers to.

An upload is stored before the row that refers to it is committed; when the service fails it removes the file
itself, but when a caller's outer transaction rolls back afterwards, the file stays behind with no row. A daily job
moves such files out of the upload folders into `orphaned-uploads/<day>/` once they are older than a day (younger
ones may belong to a request still running), and deletes what has lain there for 30 days. Only folders whose every
file belongs to the fields named here are swept: generated certificates and regulator exports are left alone.

Nothing is deleted straight away, and a folder is left untouched (with an error in the log) when most of its old
files look orphaned: that means the database and the storage disagree (a restored backup, a staging server on the
production volume), not that a few requests were rolled back.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.apps import apps
from django.core.files.storage import default_storage
from django.utils import timezone

log = logging.getLogger(__name__)

# Upload folder -> the (model, field) whose files live there, and nothing else's.
UPLOAD_FOLDERS: dict[str, list[tuple[str, str]]] = {
    "portal/": [("applications.Document", "file"), ("portal.Attachment", "file")],
    "public-documents/": [("publicsite.DocumentVersion", "file")],
    "test-reports/": [("certification.TestOrder", "report_file")],
}
QUARANTINE = "orphaned-uploads/"
MIN_AGE = timedelta(days=1)
KEEP_QUARANTINED = timedelta(days=30)
# More orphans than this, and more than half of the folder's old files: the sweep refuses the folder.
SUSPICIOUS = 20


def _files(folder: str):
    directories, files = default_storage.listdir(folder)
    for name in files:
        yield folder + name
    for directory in directories:
        yield from _files(f"{folder}{directory}/")


def _older_than(name: str, cutoff: datetime) -> bool:
    try:
        return default_storage.get_modified_time(name) <= cutoff
    except FileNotFoundError:  # removed meanwhile (a failing request cleaning up after itself)
        return False


def _referenced(fields: list[tuple[str, str]], name: str | None = None) -> set[str]:
    found: set[str] = set()
    for label, field in fields:
        qs = apps.get_model(label).objects.exclude(**{field: ""})
        if name is not None:
            qs = qs.filter(**{field: name})
        found.update(qs.values_list(field, flat=True))
    return found


def sweep_orphan_files(*, now: datetime | None = None, min_age: timedelta = MIN_AGE) -> list[str]:
    """Move the upload files no record refers to and older than `min_age` into the quarantine folder; delete what
    has been there longer than KEEP_QUARANTINED. Returns the names moved."""
    now = now or timezone.now()
    cutoff = now - min_age
    moved: list[str] = []
    for folder, fields in UPLOAD_FOLDERS.items():
        if not default_storage.exists(folder):
            continue
        referenced = _referenced(fields)
        old = [name for name in _files(folder) if _older_than(name, cutoff)]
        orphans = [name for name in old if name not in referenced]
        if len(orphans) > SUSPICIOUS and len(orphans) * 2 > len(old):
            log.error(
                "not sweeping %s: %d of its %d old files have no record — do the database and the storage belong "
                "together?",
                folder,
                len(orphans),
                len(old),
            )
            continue
        for name in orphans:
            if _referenced(fields, name):  # a row may have been committed since the first read
                continue
            try:
                with default_storage.open(name, "rb") as handle:
                    default_storage.save(f"{QUARANTINE}{now:%Y-%m-%d}/{name}", handle)
            except FileNotFoundError:
                continue
            default_storage.delete(name)
            moved.append(name)
    if default_storage.exists(QUARANTINE):
        for name in _files(QUARANTINE):
            if _older_than(name, now - KEEP_QUARANTINED):
                default_storage.delete(name)
    if moved:
        log.warning("moved %d upload files no record refers to into %s: %s", len(moved), QUARANTINE, moved[:20])
    return moved
