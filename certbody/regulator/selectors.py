"""Reads of the exchange."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import ExportRun, ImportBatch


def import_batches() -> QuerySet[ImportBatch]:
    return ImportBatch.objects.select_related("created_by").defer("errors")


def export_runs() -> QuerySet[ExportRun]:
    return ExportRun.objects.select_related("requested_by")
