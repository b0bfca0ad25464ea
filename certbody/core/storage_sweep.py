"""Removing uploaded files that no record refers to.

An upload is stored before the row that refers to it is committed; when the service fails it removes the file
itself, but when a caller's outer transaction rolls back afterwards, the file stays behind with no row. A daily job
removes such files from the upload folders, once they are older than a day (younger ones may belong to a request
still running). Only folders whose every file belongs to the fields named here are swept: generated certificates
and regulator exports are left alone.
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
    "portal/": [("portal.Document", "file"), ("portal.Attachment", "file")],
    "public-documents/": [("publicsite.DocumentVersion", "file")],
    "test-reports/": [("certification.TestOrder", "report_file")],
}
MIN_AGE = timedelta(days=1)


def _files(folder: str):
    directories, files = default_storage.listdir(folder)
    for name in files:
        yield folder + name
    for directory in directories:
        yield from _files(f"{folder}{directory}/")


def sweep_orphan_files(*, now: datetime | None = None, min_age: timedelta = MIN_AGE) -> list[str]:
    """Delete the upload files no record refers to and older than `min_age`; returns their names."""
    cutoff = (now or timezone.now()) - min_age
    removed: list[str] = []
    for folder, fields in UPLOAD_FOLDERS.items():
        if not default_storage.exists(folder):
            continue
        referenced: set[str] = set()
        for label, field in fields:
            model = apps.get_model(label)
            referenced.update(model.objects.exclude(**{field: ""}).values_list(field, flat=True))
        for name in _files(folder):
            if name in referenced or default_storage.get_modified_time(name) > cutoff:
                continue
            # Read again just before deleting: a row may have been committed since the first read.
            if any(apps.get_model(label).objects.filter(**{field: name}).exists() for label, field in fields):
                continue
            default_storage.delete(name)
            removed.append(name)
    if removed:
        log.warning("removed %d upload files no record refers to: %s", len(removed), ", ".join(removed[:20]))
    return removed
