"""REST endpoints of the client portal: the application file (documents with versions), messages, notifications."""

from __future__ import annotations

from datetime import datetime

from django.http import FileResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import File, Form, Query, Router, Schema, Status, UploadedFile

from certbody.api.common import LONG_TEXT, Page, PageIn, Text, paginate
from certbody.api.errors import ERRORS
from certbody.applications import checklist as cl
from certbody.applications import dossier as dossier_svc
from certbody.applications.models import Document
from certbody.applications.permissions import can_see_files, case_files_for
from certbody.core.errors import NotFound
from certbody.core.web import open_stored

from . import services
from .models import Message, Notification
from .notify import render

router = Router(tags=["portal"])
APPLICATION = gettext_lazy("Application")


class DocumentOut(Schema):
    id: int
    item: str
    version: int
    name: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.original_name


class ChecklistItemOut(Schema):
    code: str
    label: str
    required: bool
    provided: bool


class DocumentsOut(Schema):
    checklist: list[ChecklistItemOut]
    documents: list[DocumentOut]


class UploadIn(Schema):
    item: Text(40)


class AttachmentOut(Schema):
    id: int
    name: str
    size: int
    sha256: str

    @staticmethod
    def resolve_name(obj) -> str:
        return obj.original_name


class MessageOut(Schema):
    id: int
    author: str
    from_client: bool
    body: str
    created_at: datetime
    attachments: list[AttachmentOut]

    @staticmethod
    def resolve_author(obj) -> str:
        return str(obj.author)

    @staticmethod
    def resolve_attachments(obj) -> list:
        return list(obj.attachments.all())


class MessageIn(Schema):
    body: Text(LONG_TEXT, min_length=1)


class NotificationOut(Schema):
    id: int
    text: str
    url: str
    created_at: datetime
    read: bool

    @staticmethod
    def resolve_text(obj) -> str:
        return render(obj.kind, obj.params)

    @staticmethod
    def resolve_read(obj) -> bool:
        return obj.read_at is not None


def _case(user, application_id: int):
    application = case_files_for(user, application_id) if 1 <= application_id <= 2**31 else None
    if application is None:
        raise NotFound(_("%(what)s not found.") % {"what": APPLICATION})
    return application


def _documents(application) -> dict:
    documents = list(Document.objects.filter(application=application).order_by("item", "-version"))
    provided = {d.item for d in documents}
    return {
        "checklist": [
            {"code": i.code, "label": str(i.label), "required": i.required, "provided": i.code in provided}
            for i in cl.for_application(application)
        ],
        "documents": documents,
    }


@router.get(
    "/applications/{application_id}/documents",
    response={200: DocumentsOut, **ERRORS},
    summary="The application's checklist and every document version (the organisation and the staff on the case)",
)
def documents_list(request, application_id: int):
    return _documents(_case(request.auth, application_id))


@router.post(
    "/applications/{application_id}/documents",
    response={201: DocumentOut, **ERRORS},
    summary="Upload a new version of a checklist item: multipart form with `item` and `file` (the client)",
)
def document_upload(request, application_id: int, data: Form[UploadIn], file: File[UploadedFile]):
    application = _case(request.auth, application_id)
    document = dossier_svc.document_upload(actor=request.auth, application=application, item=data.item, upload=file)
    return Status(201, document)


@router.get(
    "/documents/{document_id}/file",
    response={200: None, **ERRORS},
    summary="Download one document version",
)
def document_file(request, document_id: int):
    document = Document.objects.select_related("application").filter(pk=document_id).first()
    if document is None or not can_see_files(request.auth, document.application):
        raise NotFound(_("%(what)s not found.") % {"what": _("Document")})
    handle = open_stored(document.file)
    if handle is None:
        raise NotFound(
            _("The file %(name)s is missing on the server; tell the certification body.")
            % {"name": document.original_name}
        )
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=document.original_name,
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@router.get(
    "/applications/{application_id}/messages",
    response={200: list[MessageOut], **ERRORS},
    summary="The message thread of an application",
)
def messages_list(request, application_id: int):
    application = _case(request.auth, application_id)
    return list(
        Message.objects.filter(application=application).select_related("author").prefetch_related("attachments")
    )


@router.post(
    "/applications/{application_id}/messages",
    response={201: MessageOut, **ERRORS},
    summary="Write in the thread (the organisation's users and the staff on the case)",
)
def message_post(request, application_id: int, payload: MessageIn):
    application = _case(request.auth, application_id)
    return Status(201, services.message_post(actor=request.auth, application=application, body=payload.body))


@router.get(
    "/notifications",
    response={200: Page[NotificationOut], **ERRORS},
    summary="Your notifications, newest first",
)
def notifications_list(request, page: Query[PageIn]):
    return paginate(Notification.objects.filter(user=request.auth).order_by("-created_at", "-id"), page)
