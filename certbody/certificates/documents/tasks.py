"""Bulk generation off the request path. Tasks take ids only."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import transaction

from ..models import CertificateVersion
from .services import document_generate

logger = logging.getLogger(__name__)


def reissue_after_commit(certificate_id: int) -> None:
    """Once the changing transaction commits, a job makes the document of the current version.

    Called by the certificate services after a status change or a new version.
    """

    def enqueue() -> None:
        from config.celery import app

        try:
            # Through the project's app (not whichever Celery app is current): its eager/broker settings apply.
            app.tasks[reissue_documents_task.name].delay([certificate_id])
        except Exception:  # a failed reissue must never undo the committed change; --missing catches up
            logger.exception("certificate %s: reissuing its document failed", certificate_id)

    transaction.on_commit(enqueue)


@shared_task(name="certbody.certificates.generate_documents")
def generate_documents_task(version_ids: list[int]) -> int:
    """Generate a fresh document for each version (the system signs); returns how many were made."""
    done = 0
    for version in CertificateVersion.objects.filter(pk__in=version_ids).order_by("pk"):
        document_generate(actor=None, version=version)
        done += 1
    return done


@shared_task(name="certbody.certificates.reissue_documents")
def reissue_documents_task(certificate_ids: list[int]) -> int:
    """After a status change or a new version: a document of the current version in its present state,
    unless one exists already (several triggers of one transaction make one document)."""
    from .selectors import versions_needing_documents

    done = 0
    for version in versions_needing_documents().filter(certificate_id__in=certificate_ids):
        document_generate(actor=None, version=version)
        done += 1
    return done
