"""Scenario helpers for portal tests: applications begun in the portal, with their files."""

from __future__ import annotations

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile

from certbody.applications import checklist as cl
from certbody.applications import dossier as dossier_svc
from certbody.applications import services as app_svc
from certbody.demo.scenarios import MINIMAL_PDF, Cast
from certbody.portal import services as svc

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def pdf(name: str = "file.pdf", extra: bytes = b"") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, MINIMAL_PDF + extra, content_type="application/pdf")


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


class RawUpload(io.BytesIO):
    """An upload whose name is exactly what a client sent (Django's own uploads strip folders from names)."""

    def __init__(self, name: str, content: bytes):
        super().__init__(content)
        self.name = name
        self.size = len(content)


def portal_application(cast: Cast, scheme, *, actor=None, outsourcing: bool = False, documents: bool = True):
    """A draft begun in the portal: one unit, and (by default) every required document uploaded."""
    actor = actor or cast.client
    application = app_svc.application_start(
        actor=actor, scheme=scheme, title="门户 手机银行客户端", outsourcing=outsourcing
    )
    svc.wizard_unit_add(
        actor=actor,
        application=application,
        product_name="手机银行客户端",
        model_names=["V7"],
        version="7.0.0",
        manufacturer_name=cast.manufacturer.name,
        manufacturer_address=cast.manufacturer.address,
        site_name=cast.site.name,
        site_address=cast.site.address,
    )
    if documents:
        upload_required(application, actor)
    application.refresh_from_db()
    return application


def upload_required(application, actor) -> None:
    for item in cl.for_application(application):
        if item.required:
            dossier_svc.document_upload(
                actor=actor, application=application, item=item.code, upload=pdf(f"{item.code}.pdf")
            )


class RewindingUpload(SimpleUploadedFile):
    """A test upload that can be posted again and again (the test client reads files without rewinding)."""

    def read(self, *args, **kwargs):
        if not args and not kwargs:
            self.seek(0)
        return super().read(*args, **kwargs)


def portal_world(cast: Cast, scheme) -> dict:
    """The portal's objects for the permission matrix (matrix_world.py): all of the own organisation."""
    from certbody.clients.services import organisation_create

    application = portal_application(cast, scheme)
    message = svc.message_post(actor=cast.client, application=application, body="请确认", files=[pdf("附件.pdf")])
    invitation, token = svc.invitation_create(actor=cast.client, email="colleague@example.cn")
    pending = organisation_create(actor=None, name="待批准 科技有限公司", address="重庆市", is_approved=False)
    # A self-registered user who has not confirmed the e-mail address yet (the confirm page's POST step).
    from certbody.accounts.services import user_create
    from certbody.core.roles import Role
    from certbody.portal.models import Notification

    waiting = user_create(
        username="p_waiting",
        password=None,
        roles=[Role.CLIENT],
        actor=None,
        display_name="待确认",
        email="waiting@example.cn",
        organisation=pending,
    )
    waiting.is_active = False
    waiting.save(update_fields=["is_active"])
    Notification.objects.create(user=cast.client, kind="message", params={"number": "X", "author": "矩阵"})
    return {
        "p_app": application,
        "p_doc": application.documents.first(),
        "p_att": message.attachments.get(),
        "p_invitation": invitation,
        "p_invitation_token": token,
        "p_pending_org": pending,
        "p_confirm_token": svc.confirmation_token(waiting),
    }
