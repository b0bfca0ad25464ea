"""Uploads left behind by a rolled-back transaction are removed by the daily sweep; everything referenced stays."""

import os
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from certbody.core.storage_sweep import sweep_orphan_files
from certbody.portal import services as svc
from certbody.portal.models import Document
from certbody.portal.tests.helpers import pdf, portal_application

pytestmark = pytest.mark.django_db


class Rollback(Exception):
    pass


def _age(name: str, days: float) -> None:
    when = (timezone.now() - timedelta(days=days)).timestamp()
    os.utime(default_storage.path(name), (when, when))


def test_an_upload_whose_outer_transaction_rolled_back_is_swept_after_a_day(cast, software_scheme):
    application = portal_application(cast, software_scheme)
    kept = svc.document_upload(actor=cast.client, application=application, item="manual", upload=pdf("kept.pdf"))
    with pytest.raises(Rollback), transaction.atomic():
        lost = svc.document_upload(actor=cast.client, application=application, item="manual", upload=pdf("lost.pdf"))
        raise Rollback  # the caller fails after the service returned: the row goes, the file stayed
    assert not Document.objects.filter(pk=lost.pk).exists() and default_storage.exists(lost.file.name)
    fresh = default_storage.save("portal/messages/just-uploaded", ContentFile(b"%PDF-1.4 in flight"))
    for name in (kept.file.name, lost.file.name):
        _age(name, 2)

    removed = sweep_orphan_files()

    assert lost.file.name in removed and not default_storage.exists(lost.file.name)
    assert default_storage.exists(kept.file.name)  # referenced
    assert default_storage.exists(fresh) and fresh not in removed  # younger than a day: may be a running request
    _age(fresh, 2)
    assert fresh in sweep_orphan_files()


def test_generated_files_are_not_swept():
    certificate_pdf = default_storage.save("certificates/2026/NFCC-orphan.pdf", ContentFile(b"%PDF-1.4"))
    export = default_storage.save("exports/2026/11/cnca.xlsx", ContentFile(b"PK"))
    for name in (certificate_pdf, export):
        _age(name, 30)

    sweep_orphan_files()

    assert default_storage.exists(certificate_pdf) and default_storage.exists(export)
