"""Writes of the public website: publishing documents, the fee schedule, complaints received online.

Every state change checks the actor's role, validates, writes and records its audit event in one transaction.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from certbody.core.audit import audit_record
from certbody.core.dates import date_window_error
from certbody.core.errors import InvalidInput
from certbody.core.numbering import render_number
from certbody.core.permissions import refuse_if
from certbody.core.uploads import DOCX, OLE, PDF, XLSX, check_upload
from certbody.core.workflow import lock, record_creation

from . import permissions as perms
from .models import (
    COMPLAINT_INTAKE_FLOW,
    DOCUMENT_FLOW,
    ComplaintIntake,
    DocumentKind,
    DocumentVersion,
    FeeItem,
    PublishedDocument,
)

TRACKING_TEMPLATE = "TS{year}{seq:05d}"

# Rules and reports are published as PDF only; forms and templates also as Word/Excel files to fill in.
ALLOWED_TYPES = {
    DocumentKind.RULES: (PDF,),
    DocumentKind.CSR_REPORT: (PDF,),
    DocumentKind.FORM: (PDF, DOCX, XLSX, OLE),
    DocumentKind.TEMPLATE: (PDF, DOCX, XLSX, OLE),
}
EXTENSION = {PDF: "pdf", DOCX: "docx", XLSX: "xlsx"}


def _clean(value: Any) -> str:
    return (value or "").strip()


# --- documents ------------------------------------------------------------------------------------------------------


def _document_record(doc: PublishedDocument) -> dict[str, Any]:
    return {
        "kind": doc.kind,
        "code": doc.code,
        "title_zh": doc.title_zh,
        "title_en": doc.title_en,
        "scheme": doc.scheme.code if doc.scheme_id else "",
        "year": doc.year,
        "status": doc.status,
    }


@transaction.atomic
def document_create(
    *,
    actor: Any,
    kind: str,
    title_zh: str,
    title_en: str = "",
    code: str = "",
    scheme: Any = None,
    year: int | None = None,
) -> PublishedDocument:
    """A new library entry; it shows on the website once its first version is published."""
    refuse_if(perms.can_create_document(actor))
    errors: dict[str, str] = {}
    if kind not in DocumentKind.values:
        errors["kind"] = _("Choose the kind of document.")
    if not _clean(title_zh):
        errors["title_zh"] = _("Enter the Chinese title.")
    if kind == DocumentKind.CSR_REPORT and not year:
        errors["year"] = _("Enter the year the report covers.")
    if errors:
        raise InvalidInput(" ".join(errors.values()), details={"fields": errors})
    doc = PublishedDocument.objects.create(
        kind=kind,
        title_zh=_clean(title_zh),
        title_en=_clean(title_en),
        code=_clean(code),
        scheme=scheme,
        year=year,
    )
    record_creation(doc, actor=actor, transition="create", after=_document_record(doc))
    return doc


def _checked_file(upload: Any, kind: str) -> tuple[bytes, str, str]:
    """The file's bytes, content type and extension, judged by its content (core/uploads.py)."""
    try:
        checked = check_upload(upload, allowed=ALLOWED_TYPES[kind])
    except InvalidInput as exc:
        raise InvalidInput(exc.message, code=exc.code, details={"fields": {"file": exc.message}}) from exc
    if checked.kind == OLE:
        # Legacy Word and Excel share one container; the name tells which (the content was checked above).
        ext = checked.name.rsplit(".", 1)[-1].lower() if "." in checked.name else "doc"
        return checked.content, "application/octet-stream", ext if ext in ("doc", "xls") else "doc"
    return checked.content, checked.kind, EXTENSION[checked.kind]


@transaction.atomic
def version_publish(
    *,
    actor: Any,
    document: PublishedDocument,
    version: str,
    effective_from: date,
    file: Any,
    change_note: str = "",
) -> DocumentVersion:
    """Publish a new version: it becomes the current one; the earlier versions stay in the history."""
    refuse_if(perms.can_publish_version(actor, document))  # the role only: refused before the row is looked up
    document = lock(PublishedDocument, document.pk)
    version = _clean(version)
    errors: dict[str, str] = {}
    if not version:
        errors["version"] = _("Enter the version, e.g. V1.0.")
    elif document.versions.filter(version=version).exists():
        errors["version"] = _("Version %(version)s is already published; give the new one another number.") % {
            "version": version
        }
    if effective_from is None:
        errors["effective_from"] = _("Enter the date the version takes effect.")
    elif window := date_window_error(effective_from, label=_("Effective from"), kind="planned"):
        errors["effective_from"] = window
    if file is None:
        errors["file"] = _("Attach the file.")
    if errors:
        raise InvalidInput(" ".join(errors.values()), details={"fields": errors})
    content, content_type, extension = _checked_file(file, document.kind)
    previous = document.versions.filter(is_current=True).first()
    if previous is not None:
        previous.is_current = False
        previous.save(update_fields=["is_current"])
    new = DocumentVersion(
        document=document,
        version=version,
        effective_from=effective_from,
        change_note=_clean(change_note),
        content_type=content_type,
        extension=extension,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        is_current=True,
        published_by=actor if getattr(actor, "pk", None) else None,
    )
    file.seek(0)
    new.file.save(f"{document.pk}-{hashlib.sha256(version.encode()).hexdigest()[:8]}.{extension}", file, save=False)
    try:
        new.save()
        audit_record(
            actor=actor,
            action="publicsite.document.publish",
            obj=new,
            subject=document,
            before={"current_version": previous.version if previous else ""},
            after={"current_version": new.version, "effective_from": effective_from, "sha256": new.sha256},
            reason=new.change_note,
        )
    except BaseException:
        # The transaction rolls back: the stored file would belong to no version (an orphan on disk).
        new.file.storage.delete(new.file.name)
        raise
    return new


@transaction.atomic
def document_withdraw(*, actor: Any, document: PublishedDocument, reason: str) -> PublishedDocument:
    """Take a document off the website (e.g. rules replaced by another scheme); its records stay."""
    document = lock(PublishedDocument, document.pk)
    refuse_if(perms.can_withdraw_document(actor, document))
    if not _clean(reason):
        raise InvalidInput(_("Give the reason for withdrawing."), details={"field": "reason"})
    return DOCUMENT_FLOW.apply(document, "withdraw", actor=actor, reason=_clean(reason))


@transaction.atomic
def document_restore(*, actor: Any, document: PublishedDocument) -> PublishedDocument:
    document = lock(PublishedDocument, document.pk)
    refuse_if(perms.can_restore_document(actor, document))
    return DOCUMENT_FLOW.apply(document, "restore", actor=actor)


# --- fees -----------------------------------------------------------------------------------------------------------

FEE_FIELDS = ("item_zh", "item_en", "amount", "unit_zh", "unit_en", "note_zh", "note_en", "sort_order")


def _fee_record(fee: FeeItem) -> dict[str, Any]:
    record = {name: getattr(fee, name) for name in FEE_FIELDS}
    record["category"] = fee.category.code if fee.category_id else ""
    record["is_active"] = fee.is_active
    return record


def _validate_fee(item_zh: str, amount: Decimal | None, note_zh: str) -> None:
    errors: dict[str, str] = {}
    if not _clean(item_zh):
        errors["item_zh"] = _("Enter the fee item in Chinese.")
    if amount is not None and amount < 0:
        errors["amount"] = _("The amount cannot be negative.")
    if amount is None and not _clean(note_zh):
        errors["note_zh"] = _("Give an amount, or say in the note how the fee is set.")
    if errors:
        raise InvalidInput(" ".join(errors.values()), details={"fields": errors})


@transaction.atomic
def fee_create(*, actor: Any, category: Any = None, **fields: Any) -> FeeItem:
    refuse_if(perms.can_add_fee(actor))
    unknown = set(fields) - set(FEE_FIELDS)
    if unknown:
        raise InvalidInput(_("Unknown fields: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    _validate_fee(fields.get("item_zh", ""), fields.get("amount"), fields.get("note_zh", ""))
    values = {k: (_clean(v) if isinstance(v, str) else v) for k, v in fields.items()}
    fee = FeeItem.objects.create(category=category, **values)
    audit_record(actor=actor, action="publicsite.fee.create", obj=fee, after=_fee_record(fee))
    return fee


@transaction.atomic
def fee_set_shown(*, actor: Any, fee: FeeItem, shown: bool) -> FeeItem:
    """Show or hide a fee line; lines are kept so that what was published stays on record."""
    fee = lock(FeeItem, fee.pk)
    refuse_if(perms.can_set_fee_shown(actor, fee))
    if fee.is_active == shown:
        return fee
    before = _fee_record(fee)
    fee.is_active = shown
    fee.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        action="publicsite.fee.show" if shown else "publicsite.fee.hide",
        obj=fee,
        before=before,
        after=_fee_record(fee),
    )
    return fee


# --- complaints received online --------------------------------------------------------------------------------------


# Single-line fields: a CR/LF here could forge mail headers or records; the description may hold line breaks.
_LINE_FIELDS = ("name", "organisation", "email", "phone", "certificate_number")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_TEXT_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _same_complaint(existing: ComplaintIntake, values: dict[str, str]) -> bool:
    return all(getattr(existing, k) == v for k, v in values.items())


def complaint_submit(
    *,
    submit_token: str,
    topic: str,
    name: str,
    description: str,
    organisation: str = "",
    email: str = "",
    phone: str = "",
    certificate_number: str = "",
    language: str = "",
) -> tuple[ComplaintIntake, bool]:
    """Store a complaint and give it a tracking number. The same form sent twice (a double click) is one complaint.

    Returns (complaint, created). A repeated submission token with the same content answers with the complaint it
    created; with other content (Back, edit, send again) it is another complaint, stored under a fresh token.
    """
    token = _clean(submit_token)[:64]
    if not token:
        raise InvalidInput(_("The form has expired; reload the page and send it again."))
    errors: dict[str, str] = {}
    if topic not in ComplaintIntake.Topic.values:
        errors["topic"] = _("Choose what the complaint is about.")
    values = {
        "topic": topic,
        "name": _clean(name),
        "organisation": _clean(organisation),
        "email": _clean(email),
        "phone": _clean(phone),
        "certificate_number": _clean(certificate_number),
        "description": _clean(description).replace("\r\n", "\n"),
    }
    for field in _LINE_FIELDS:
        if _CONTROL.search(values[field]):
            errors[field] = _("This field must be a single line without control characters.")
    if _TEXT_CONTROL.search(values["description"]):
        errors["description"] = _("The description contains control characters; remove them and send it again.")
    if not values["name"] and "name" not in errors:
        errors["name"] = _("Enter your name.")
    if len(values["description"]) < 10 and "description" not in errors:
        errors["description"] = _("Describe the complaint (at least 10 characters).")
    if not values["email"] and not values["phone"]:
        errors["email"] = _("Give an e-mail address or a phone number so that we can reply.")
    if errors:
        raise InvalidInput(" ".join(errors.values()), details={"fields": errors})
    existing = ComplaintIntake.objects.filter(submit_token=token).first()
    if existing is not None:
        if _same_complaint(existing, values):
            return existing, False
        token = uuid.uuid4().hex  # the same form sent again with other content: a complaint of its own
    try:
        return _complaint_store(token, values, language), True
    except IntegrityError:
        # The same form sent twice at the same moment: the other request stored it.
        existing = ComplaintIntake.objects.get(submit_token=token)
        if _same_complaint(existing, values):
            return existing, False
        return _complaint_store(uuid.uuid4().hex, values, language), True


def _complaint_store(token: str, values: dict[str, str], language: str) -> ComplaintIntake:
    with transaction.atomic():
        # The number, the row, its audit event and the acknowledgement mail commit together: a refused insert
        # gives the number back (no gaps), and the mail waits in the outbox until the mail server takes it.
        complaint = ComplaintIntake.objects.create(
            tracking_number=render_number(TRACKING_TEMPLATE, on=timezone.localdate()),
            submit_token=token,
            language=(language or "")[:10],
            **values,
        )
        record_creation(
            complaint,
            actor=None,
            transition="receive",
            after={"tracking_number": complaint.tracking_number, "topic": complaint.topic},
        )
        if complaint.email:
            _acknowledge(complaint)
    return complaint


def _one_line(text: str) -> str:
    """A mail subject is one line: line breaks and other control characters would start new headers."""
    return " ".join(_CONTROL.sub(" ", str(text)).split())


def _acknowledge(complaint: ComplaintIntake) -> None:
    """Queue the acknowledgement in the portal's durable outbox, in the caller's transaction."""
    from certbody.portal.notify import queue_mail

    language = complaint.language or "zh-hans"
    with override(language):
        subject = _("Your complaint %(number)s has been received") % {"number": complaint.tracking_number}
        body = _(
            "Dear %(name)s,\n\nWe have received your complaint. Its tracking number is %(number)s; please quote it "
            "whenever you contact us about it. We will reply to you after looking into it.\n\n"
            "Chongqing National Fintech Certification Center"
        ) % {"name": _one_line(complaint.name), "number": complaint.tracking_number}
    queue_mail([complaint.email], _one_line(subject)[:250], body)


_COMPLAINT_CHECKS = {"forward": perms.can_forward_complaint, "close": perms.can_close_complaint}


def _complaint_step(actor: Any, complaint: ComplaintIntake, step: str, note: str) -> ComplaintIntake:
    complaint = lock(ComplaintIntake, complaint.pk)
    refuse_if(_COMPLAINT_CHECKS[step](actor, complaint))
    if not _clean(note):
        raise InvalidInput(_("Write a note on what was done."), details={"field": "note"})
    complaint.handled_at = timezone.now()
    complaint.handled_by = actor
    complaint.handling_note = _clean(note)
    return COMPLAINT_INTAKE_FLOW.apply(
        complaint,
        step,
        actor=actor,
        reason=complaint.handling_note,
        update_fields=["handled_at", "handled_by", "handling_note"],
    )


@transaction.atomic
def complaint_forward(*, actor: Any, complaint: ComplaintIntake, note: str) -> ComplaintIntake:
    """Pass the complaint to complaint handling (recorded there by hand until the complaints workflow exists)."""
    return _complaint_step(actor, complaint, "forward", note)


@transaction.atomic
def complaint_close(*, actor: Any, complaint: ComplaintIntake, note: str) -> ComplaintIntake:
    """Close it without handling, e.g. not a complaint about the centre's work (the note says why)."""
    return _complaint_step(actor, complaint, "close", note)
