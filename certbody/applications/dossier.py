"""The application file (dossier) begun online: declarations, checklist documents and their versions, and each
submission with its snapshot and what changed since the one before. The client portal and the API are faces over it;
application_submit (services) checks and records the submission here."""

from __future__ import annotations

import logging
from contextlib import contextmanager
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from certbody.core.audit import audit_record
from certbody.core.errors import InvalidInput
from certbody.core.permissions import has_role, is_member_of, refuse_if, require
from certbody.core.roles import Role
from certbody.core.uploads import CheckedFile, check_upload
from certbody.core.workflow import lock

from . import checklist as cl
from .models import Application, Document, Dossier, Submission
from .permissions import editable_refusal
from .selectors import latest_documents, missing_items

log = logging.getLogger(__name__)


def require_member(actor: Any, application: Application) -> None:
    require(is_member_of(actor, application.organisation_id), _("Only the client's own users may do this."))


def require_editable(application: Application) -> None:
    refuse_if(editable_refusal(application))


@transaction.atomic
def dossier_update(*, actor: Any, application: Application, outsourcing: bool) -> Dossier:
    application = lock(Application, application.pk)
    require_member(actor, application)
    require_editable(application)
    dossier, _created = Dossier.objects.get_or_create(application=application)
    if dossier.outsourcing != outsourcing:
        audit_record(
            actor=actor,
            action="dossier.update",
            obj=dossier,
            before={"outsourcing": dossier.outsourcing},
            after={"outsourcing": outsourcing},
            subject=application,
        )
        dossier.outsourcing = outsourcing
        dossier.save(update_fields=["outsourcing", "updated_at"])
    return dossier


def stored_content(checked: CheckedFile) -> ContentFile:
    return ContentFile(checked.content, name="upload")


@contextmanager
def removed_on_error(fields: list[Any]):
    """Files already written to storage are deleted again when the database work that records them fails:
    the storage is no part of the transaction, so a rollback would leave them orphaned."""
    try:
        yield
    except BaseException:
        for field in fields:
            if field.name:
                try:
                    field.storage.delete(field.name)
                except OSError:
                    log.warning("could not remove %s after a failed upload", field.name, exc_info=True)
        raise


@transaction.atomic
def document_upload(*, actor: Any, application: Application, item: str, upload: Any) -> Document:
    """A new version of a checklist item's file; the bytes are checked first, the old versions stay."""
    application = lock(Application, application.pk)
    require_member(actor, application)
    require_editable(application)
    codes = {i.code for i in cl.for_application(application)}
    if item not in codes:
        raise InvalidInput(_("This document is not on the application's checklist."), code="unknown_item")
    checked = check_upload(upload)
    latest = Document.objects.filter(application=application, item=item).aggregate(v=Max("version"))["v"] or 0
    document = Document(
        application=application,
        item=item,
        version=latest + 1,
        original_name=checked.name,
        content_type=checked.kind,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=actor,
    )
    document.file.save("upload", stored_content(checked), save=False)
    with removed_on_error([document.file]):
        document.save()
        audit_record(
            actor=actor,
            action="document.upload",
            obj=document,
            after={"item": item, "version": document.version, "name": checked.name, "sha256": checked.sha256},
            subject=application,
        )
    return document


@transaction.atomic
def paper_documents_record(*, actor: Any, application: Application, items: list[str]) -> Dossier:
    """The market staff record checklist items received on paper: they then count as provided at submission.

    For applications made by API (or for clients who post their documents); the record is audited, the paper
    itself is kept in the CB's file. Only while the client may still complete the application."""
    application = lock(Application, application.pk)
    require(has_role(actor, Role.MARKET), _("Only the market staff record documents received on paper."))
    require_editable(application)
    codes = {i.code for i in cl.for_application(application)}
    unknown = [code for code in items if code not in codes]
    if unknown or not items:
        raise InvalidInput(
            _("These are not on the application's checklist: %(items)s.") % {"items": ", ".join(unknown) or "-"},
            code="unknown_item",
        )
    dossier, _created = Dossier.objects.get_or_create(application=application)
    before = list(dossier.paper_items)
    dossier.paper_items = sorted(set(before) | set(items))
    if dossier.paper_items != before:
        dossier.save(update_fields=["paper_items", "updated_at"])
        audit_record(
            actor=actor,
            action="dossier.paper_received",
            obj=dossier,
            before={"paper_items": before},
            after={"paper_items": dossier.paper_items},
            subject=application,
        )
    return dossier


# --- submissions: called by services.application_submit ---------------------------------------------------


def check_complete(application: Application) -> None:
    """Refuse the submission while a required checklist item has no file nor paper copy; for every application with a
    dossier (begun in the portal or created by API), whoever submits it."""
    if not Dossier.objects.filter(application=application).exists():
        return
    missing = missing_items(application)
    if missing:
        names = "、".join(str(i.label) for i in missing)
        raise InvalidInput(
            _("Upload the required documents before submitting: %(items)s.") % {"items": names},
            code="documents_missing",
            details={"missing": [i.code for i in missing]},
        )


def snapshot(application: Application) -> dict[str, Any]:
    dossier = Dossier.objects.filter(application=application).first()
    return {
        "title": application.title,
        "change_description": application.change_description,
        "outsourcing": bool(dossier and dossier.outsourcing),
        "units": [u.as_record() for u in application.units.select_related("manufacturer", "production_site")],
        "documents": {
            code: {"version": d.version, "name": d.original_name, "sha256": d.sha256}
            for code, d in latest_documents(application).items()
        },
    }


def diff(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    """What changed between two submissions, one line per field, unit or document."""
    changes: list[dict[str, Any]] = []
    for key in ("title", "change_description", "outsourcing"):
        if before.get(key) != after.get(key):
            changes.append({"what": key, "before": before.get(key), "after": after.get(key)})
    old_units, new_units = before.get("units", []), after.get("units", [])
    for i in range(max(len(old_units), len(new_units))):
        old = old_units[i] if i < len(old_units) else None
        new = new_units[i] if i < len(new_units) else None
        if old == new:
            continue
        if old and new:
            fields = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
            for f in fields:
                changes.append({"what": f"unit {i + 1}: {f}", "before": old.get(f), "after": new.get(f)})
        else:
            changes.append({"what": f"unit {i + 1}", "before": old, "after": new})
    old_docs, new_docs = before.get("documents", {}), after.get("documents", {})
    for code in sorted(set(old_docs) | set(new_docs)):
        old, new = old_docs.get(code), new_docs.get(code)
        if old != new:
            changes.append({"what": f"document: {code}", "before": old, "after": new})
    return changes


def record_submission(application: Application, *, actor: Any, answer: str = "") -> Submission:
    previous = Submission.objects.filter(application=application).order_by("-round").first()
    current = snapshot(application)
    requested = {}
    if previous is not None and (application.return_reason or application.return_items):
        requested = {"reason": application.return_reason, "items": list(application.return_items)}
    return Submission.objects.create(
        application=application,
        round=(previous.round + 1) if previous else 1,
        submitted_by=actor,
        submitted_at=timezone.now(),
        answer=(answer or "").strip(),
        requested=requested,
        snapshot=current,
        changes=diff(previous.snapshot, current) if previous else [],
    )
