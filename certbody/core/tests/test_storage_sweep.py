"""Uploads left behind by a rolled-back transaction are moved aside by the daily sweep and deleted 30 days later;
everything referenced stays, and a folder that looks wholly orphaned is not touched."""

import os
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from certbody.applications import dossier as dossier_svc
from certbody.applications.models import Document
from certbody.core.storage_sweep import QUARANTINE, sweep_orphan_files
from certbody.portal.tests.helpers import pdf, portal_application

pytestmark = pytest.mark.django_db


class Rollback(Exception):
    pass


def _age(name: str, days: float) -> None:
    when = (timezone.now() - timedelta(days=days)).timestamp()
    os.utime(default_storage.path(name), (when, when))


def test_an_upload_whose_outer_transaction_rolled_back_is_moved_aside_after_a_day(cast, software_scheme):
    application = portal_application(cast, software_scheme)
    kept = dossier_svc.document_upload(
        actor=cast.client, application=application, item="manual", upload=pdf("kept.pdf")
    )
    with pytest.raises(Rollback), transaction.atomic():
        lost = dossier_svc.document_upload(
            actor=cast.client, application=application, item="manual", upload=pdf("lost.pdf")
        )
        raise Rollback  # the caller fails after the service returned: the row goes, the file stayed
    assert not Document.objects.filter(pk=lost.pk).exists() and default_storage.exists(lost.file.name)
    fresh = default_storage.save("portal/messages/just-uploaded", ContentFile(b"%PDF-1.4 in flight"))
    for name in (kept.file.name, lost.file.name):
        _age(name, 2)

    moved = sweep_orphan_files()

    quarantined = f"{QUARANTINE}{timezone.now():%Y-%m-%d}/{lost.file.name}"
    assert lost.file.name in moved
    assert not default_storage.exists(lost.file.name) and default_storage.exists(quarantined)
    assert default_storage.exists(kept.file.name)  # referenced
    assert default_storage.exists(fresh) and fresh not in moved  # younger than a day: may be a running request

    # Thirty days later the quarantined copy is deleted.
    _age(quarantined, 31)
    sweep_orphan_files()
    assert not default_storage.exists(quarantined)


def test_a_folder_whose_old_files_mostly_have_no_record_is_left_alone():
    """A restored backup or a staging server on the production volume: the sweep refuses rather than empties."""
    names = [default_storage.save(f"test-reports/2026/report-{i}.pdf", ContentFile(b"%PDF-1.4")) for i in range(25)]
    for name in names:
        _age(name, 3)

    moved = sweep_orphan_files()

    assert not set(names) & set(moved)
    assert all(default_storage.exists(name) for name in names)


def test_generated_files_are_not_swept():
    certificate_pdf = default_storage.save("certificates/2026/NFCC-orphan.pdf", ContentFile(b"%PDF-1.4"))
    export = default_storage.save("exports/2026/11/cnca.xlsx", ContentFile(b"PK"))
    for name in (certificate_pdf, export):
        _age(name, 30)

    sweep_orphan_files()

    assert default_storage.exists(certificate_pdf) and default_storage.exists(export)
