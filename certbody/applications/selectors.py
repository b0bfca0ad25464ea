"""Reads of applications: the application file's documents and what its checklist still lacks."""

from __future__ import annotations

from . import checklist as cl
from .models import Application, Document


def latest_documents(application: Application) -> dict[str, Document]:
    latest: dict[str, Document] = {}
    for document in Document.objects.filter(application=application).order_by("item", "-version"):
        latest.setdefault(document.item, document)
    return latest


def missing_items(application: Application) -> list[cl.Item]:
    """Required checklist items with neither an uploaded file nor a record of their paper copy."""
    have = set(Document.objects.filter(application=application).values_list("item", flat=True))
    dossier = getattr(application, "dossier", None)
    have.update(dossier.paper_items if dossier is not None else ())
    return [i for i in cl.for_application(application) if i.required and i.code not in have]
