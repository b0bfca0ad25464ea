"""Portal rules at the service layer: registration, checklist, submissions, returns, contract, messages, mail."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from certbody.accounts.models import User
from certbody.applications import checklist as cl
from certbody.applications import dossier as dossier_svc
from certbody.applications import services as app_svc
from certbody.applications.models import Application, Document, Submission
from certbody.clients.models import Organisation
from certbody.clients.validators import uscc_check_char
from certbody.core.errors import InvalidInput, NotAllowed
from certbody.core.models import AuditEvent
from certbody.demo import scenarios as sc
from certbody.portal import notify
from certbody.portal import services as svc
from certbody.portal.models import Invitation, Notification, OutboxMail

from .helpers import PNG, pdf, portal_application, upload_required

pytestmark = pytest.mark.django_db

USCC17 = "91500000MA5U7W9X1"
USCC = USCC17 + uscc_check_char(USCC17)


def register(**overrides):
    data = {
        "name": "重庆新客户科技有限公司",
        "uscc": USCC,
        "address": "重庆市两江新区",
        "contact_name": "李雷",
        "contact_phone": "023-1234567",
        "email": "lilei@example.cn",
        "username": "lilei",
        "password": "a-Strong-pass-2026",
    }
    data.update(overrides)
    return svc.organisation_register(**data)


def test_checklist_follows_category_and_outsourcing(catalogue):
    software = {i.code: i.required for i in cl.checklist(category_code="FT01", outsourcing=False)}
    hardware = {i.code: i.required for i in cl.checklist(category_code="FT06", outsourcing=True)}
    assert software["confidentiality"] and software["procedures"] and "outsourcing" not in software
    assert hardware["outsourcing"] and not hardware["confidentiality"] and not hardware["procedures"]
    assert all(software[c] for c in ("application_form", "business_licences", "quality_documents", "declarations"))


def test_register_refuses_a_wrong_check_character_and_creates_nothing(catalogue):
    wrong = USCC17 + ("0" if USCC[-1] != "0" else "1")
    with pytest.raises(InvalidInput) as err:
        register(uscc=wrong)
    assert wrong in err.value.message and "uscc" in err.value.details["fields"]
    assert not Organisation.objects.filter(uscc=wrong).exists() and not User.objects.filter(username="lilei").exists()


def test_register_then_confirm_activates_the_user_and_approval_opens_submission(
    catalogue, software_scheme, cast, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        user = register()
    assert not user.is_active and not user.organisation.is_approved
    link = next(m for m in mail.outbox if m.to == ["lilei@example.cn"]).body
    token = link.split("/portal/confirm/")[1].split("/")[0]
    user = svc.email_confirm(token=token)
    assert user.is_active and user.has_role("client")
    with pytest.raises(InvalidInput):
        svc.email_confirm(token=token[:-2] + "xx")
    # The organisation prepares an application but may not submit before staff approve it.
    user = User.objects.get(pk=user.pk)
    application = app_svc.application_start(actor=user, scheme=software_scheme, title="新客户 APP")
    svc.wizard_unit_add(
        actor=user,
        application=application,
        product_name="APP",
        model_names=["A1"],
        version="1.0",
        manufacturer_name="新客户",
        manufacturer_address="重庆",
        site_name="研发",
        site_address="重庆",
    )
    upload_required(application, user)
    with pytest.raises(InvalidInput) as err:
        app_svc.application_submit(actor=user, application=application)
    assert err.value.code == "organisation_not_approved"
    with pytest.raises(NotAllowed):
        svc.organisation_approve(actor=user, organisation=user.organisation)
    svc.organisation_approve(actor=cast.market, organisation=user.organisation)
    assert app_svc.application_submit(actor=user, application=application).status == Application.Status.SUBMITTED


def test_invitation_adds_a_colleague_once(cast, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invitation, token = svc.invitation_create(actor=cast.client, email="colleague@example.cn")
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert any(token in m.body for m in mail.outbox)
    notify.send_due()  # the mail is sent: from now on the raw token is nowhere in the database
    from .test_review_fixes import db_contains

    assert db_contains(token) == []
    user = svc.invitation_accept(token=token, username="colleague", display_name="同事", password="a-Strong-pass-2026")
    assert user.organisation_id == cast.organisation.pk and user.is_active and user.email == "colleague@example.cn"
    with pytest.raises(InvalidInput):
        svc.invitation_accept(token=token, username="again", display_name="", password="a-Strong-pass-2026")
    with pytest.raises(NotAllowed):
        svc.invitation_create(actor=cast.market, email="x@example.cn")
    assert Invitation.objects.get().accepted_at is not None


def test_submission_is_refused_while_a_required_document_is_missing(cast, software_scheme):
    application = portal_application(cast, software_scheme, documents=False)
    with pytest.raises(InvalidInput) as err:
        app_svc.application_submit(actor=cast.client, application=application)
    assert err.value.code == "documents_missing"
    assert set(err.value.details["missing"]) == {i.code for i in cl.for_application(application) if i.required}
    upload_required(application, cast.client)
    dossier_svc.dossier_update(actor=cast.client, application=application, outsourcing=True)  # one more required item
    with pytest.raises(InvalidInput) as err:
        app_svc.application_submit(actor=cast.client, application=application)
    assert err.value.details["missing"] == ["outsourcing"]
    dossier_svc.document_upload(
        actor=cast.client, application=application, item="outsourcing", upload=pdf("外包协议.pdf")
    )
    assert app_svc.application_submit(actor=cast.client, application=application).status == "submitted"


def test_a_new_upload_is_a_new_version_and_the_old_one_stays(cast, software_scheme):
    application = portal_application(cast, software_scheme)
    first = Document.objects.get(application=application, item="manual")
    second = dossier_svc.document_upload(
        actor=cast.client, application=application, item="manual", upload=pdf("manual-v2.pdf", b"%v2")
    )
    assert (first.version, second.version) == (1, 2)
    assert Document.objects.filter(application=application, item="manual").count() == 2
    import hashlib

    assert second.sha256 == hashlib.sha256(second.file.open("rb").read()).hexdigest() != first.sha256
    assert AuditEvent.objects.filter(action="document.upload", after__sha256=second.sha256).exists()


def test_return_names_missing_items_and_resubmission_records_answer_and_changes(cast, software_scheme):
    application = portal_application(cast, software_scheme)
    app_svc.application_submit(actor=cast.client, application=application)
    with pytest.raises(InvalidInput):
        app_svc.application_return(
            actor=cast.market, application=application, reason="x", missing_items=["no_such_item"]
        )
    app_svc.application_return(
        actor=cast.market, application=application, reason="营业执照已过期", missing_items=["business_licences"]
    )
    application.refresh_from_db()
    assert application.status == "returned" and application.return_items == ["business_licences"]
    # The client's deadline to complete it: a configurable number of days (default 30).
    assert application.stage_due == timezone.localdate() + timedelta(days=30)
    dossier_svc.document_upload(
        actor=cast.client, application=application, item="business_licences", upload=pdf("新执照.pdf", b"%new")
    )
    app_svc.application_submit(actor=cast.client, application=application, answer="已上传新营业执照")
    second = Submission.objects.get(application=application, round=2)
    assert second.answer == "已上传新营业执照"
    assert second.requested == {"reason": "营业执照已过期", "items": ["business_licences"]}
    assert [c["what"] for c in second.changes] == ["document: business_licences"]
    assert second.changes[0]["after"]["name"] == "新执照.pdf" and second.changes[0]["after"]["version"] == 2


def test_contract_accepted_online_records_who_when_where_and_terms(cast, software_scheme):
    application = portal_application(cast, software_scheme)
    app_svc.application_submit(actor=cast.client, application=application)
    app_svc.application_accept(
        actor=cast.market,
        application=application,
        contract_number="HT-P-1",
        fee="38000",
        signed_on=timezone.localdate(),
        terms_version="T-2026.1",
    )
    with pytest.raises(InvalidInput) as err:
        svc.contract_accept_online(actor=cast.client, application=application, ip="10.0.0.8", terms_version="T-2025")
    assert err.value.code == "terms_changed"
    other = sc.make_cast(prefix="o_", password=None)
    with pytest.raises(NotAllowed):
        svc.contract_accept_online(actor=other.client, application=application, ip="1.1.1.1", terms_version="T-2026.1")
    contract = svc.contract_accept_online(
        actor=cast.client, application=application, ip="10.0.0.8", terms_version="T-2026.1"
    )
    assert contract.client_accepted_by == cast.client and contract.client_accepted_ip == "10.0.0.8"
    assert contract.client_terms_version == "T-2026.1" and contract.client_accepted_at is not None
    with pytest.raises(InvalidInput):
        svc.contract_accept_online(actor=cast.client, application=application, ip="10.0.0.8", terms_version="T-2026.1")


def test_status_changes_notify_the_client_in_the_portal_and_by_mail(cast, software_scheme):
    cast.client.email = "client@example.cn"
    cast.client.save()
    application = portal_application(cast, software_scheme)
    app_svc.application_submit(actor=cast.client, application=application)
    app_svc.application_return(actor=cast.market, application=application, reason="缺少说明书")
    note = Notification.objects.filter(user=cast.client).first()
    assert note.params == {"number": application.number, "status": "returned"}
    from django.utils import translation

    with translation.override("en"):
        text = notify.render(note.kind, note.params)
    assert application.number in text and "Complete what is missing" in text
    assert OutboxMail.objects.filter(to="client@example.cn", status="pending").count() == 2


class BrokenBackend:
    """A mail server that is down."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("smtp down")


def test_the_outbox_keeps_mails_through_failures_and_sends_them_later(cast):
    notify.queue_mail(["a@example.cn"], "主题", "正文")
    with override_settings(EMAIL_BACKEND="certbody.portal.tests.test_services.BrokenBackend"):
        assert notify.send_due() == 0
    row = OutboxMail.objects.get()
    assert row.status == "pending" and row.attempts == 1 and "smtp down" in row.last_error
    assert notify.send_due() == 0  # not due yet: back-off
    OutboxMail.objects.update(next_attempt_at=timezone.now())
    from django.core.management import call_command

    call_command("send_outbox")
    row.refresh_from_db()
    assert row.status == "sent" and mail.outbox[-1].to == ["a@example.cn"]
    assert notify.send_due() == 0  # never twice


def test_messages_carry_checked_attachments_and_a_bad_file_sends_nothing(cast, software_scheme):
    application = portal_application(cast, software_scheme)
    from django.core.files.uploadedfile import SimpleUploadedFile

    with pytest.raises(InvalidInput) as err:
        svc.message_post(
            actor=cast.client,
            application=application,
            body="附件见",
            files=[pdf("ok.pdf"), SimpleUploadedFile("evil.pdf", b"<script>alert(1)</script>")],
        )
    assert "evil.pdf" in err.value.message
    assert not application.messages.exists()
    message = svc.message_post(actor=cast.client, application=application, body="附件见", files=[pdf("ok.pdf")])
    assert message.from_client and message.attachments.get().original_name == "ok.pdf"
    reply = svc.message_post(actor=cast.market, application=application, body="收到")
    assert not reply.from_client
    assert Notification.objects.filter(user=cast.client, kind="message").exists()
    other = sc.make_cast(prefix="o_", password=None)
    with pytest.raises(NotAllowed):
        svc.message_post(actor=other.client, application=application, body="偷看")
    with pytest.raises(NotAllowed):
        svc.message_post(actor=cast.hr, application=application, body="x")
    photo = svc.message_post(
        actor=cast.client, application=application, body="", files=[SimpleUploadedFile("photo.png", PNG)]
    )  # images are accepted too
    attachment = photo.attachments.get()
    assert attachment.content_type == "image/png" and attachment.size == len(PNG) and attachment.file.read() == PNG


def test_staff_read_what_changed_between_submissions_on_the_changes_page(cast, software_scheme, client):
    application = portal_application(cast, software_scheme)
    app_svc.application_submit(actor=cast.client, application=application)
    app_svc.application_return(
        actor=cast.market, application=application, reason="型号写错了", missing_items=["declarations"]
    )
    unit = application.units.get()
    app_svc.unit_remove(actor=cast.client, unit=unit)
    svc.wizard_unit_add(
        actor=cast.client,
        application=application,
        product_name="手机银行客户端",
        model_names=["V7"],
        version="7.0.1",
        manufacturer_name=cast.manufacturer.name,
        manufacturer_address=cast.manufacturer.address,
        site_name=cast.site.name,
        site_address=cast.site.address,
    )
    dossier_svc.document_upload(
        actor=cast.client, application=application, item="declarations", upload=pdf("声明-新.pdf", b"%n")
    )
    app_svc.application_submit(actor=cast.client, application=application, answer="版本号改为7.0.1，声明已更新")
    client.force_login(cast.market)
    client.cookies["django_language"] = "en"
    text = client.get(f"/portal/applications/{application.pk}/changes/").content.decode()
    for expected in ("Unit 1: Version", "7.0.0", "7.0.1", "声明-新.pdf v2", "版本号改为7.0.1", "型号写错了"):
        assert expected in text, expected
    assert "Conformity and applicability declarations" in text  # the item asked for, by its name


def test_a_withdrawn_applications_contract_cannot_be_accepted(cast, software_scheme):
    application = portal_application(cast, software_scheme)
    app_svc.application_submit(actor=cast.client, application=application)
    app_svc.application_accept(
        actor=cast.market, application=application, contract_number="HT-W-1", fee="1", signed_on=timezone.localdate()
    )
    app_svc.application_withdraw(actor=cast.client, application=application, reason="暂缓")
    with pytest.raises(InvalidInput) as err:
        svc.contract_accept_online(actor=cast.client, application=application, ip="10.0.0.1", terms_version="")
    assert err.value.code == "closed"
