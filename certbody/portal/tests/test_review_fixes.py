"""The reviewer's findings on the portal: single-use links, mail floods, upload limits, secrets at rest, revocation,
approval housekeeping, bad ids, missing files, orphaned files, long texts, double submits and query counts."""

from __future__ import annotations

import time

import pytest
from django.apps import apps
from django.core import signing
from django.core.files.storage import default_storage
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from certbody.accounts.models import User
from certbody.applications import dossier as dossier_svc
from certbody.applications import services as app_svc
from certbody.applications.models import Document
from certbody.clients.models import Organisation
from certbody.clients.services import organisation_create
from certbody.core.errors import InvalidInput, NotAllowed
from certbody.core.models import AuditEvent
from certbody.demo import scenarios as sc
from certbody.portal import notify
from certbody.portal import services as svc
from certbody.portal.forms import MessageForm, SubmitForm
from certbody.portal.models import (
    Attachment,
    EmailConfirmation,
    Invitation,
    Notification,
    OrganisationRejection,
    OutboxMail,
)
from certbody.portal.services import exchange
from certbody.portal.views import public_timeline

from .helpers import RawUpload, pdf, portal_application
from .test_services import register

pytestmark = pytest.mark.django_db


def db_contains(text: str) -> list[str]:
    """Every model field in the database whose value holds `text` (a raw scan of all rows of all tables)."""
    hits = []
    for model in apps.get_models():
        fields = [f.attname for f in model._meta.concrete_fields]
        for row in model._base_manager.values_list(*fields):
            for name, value in zip(fields, row, strict=True):
                if value is not None and text in str(value):
                    hits.append(f"{model._meta.label}.{name}")
    return hits


def _token_in(body: str, marker: str) -> str:
    return body.split(marker, 1)[1].split("/", 1)[0]


# --- S2: the confirmation link is single use, and expires -----------------------------------------------------------


def test_the_confirmation_link_works_once_and_never_reactivates_a_deactivated_user(catalogue):
    user = register()
    token = svc.confirmation_token(user)
    assert svc.email_confirm(token=token).is_active
    with pytest.raises(InvalidInput) as err:
        svc.email_confirm(token=token)
    assert err.value.code == "used"
    User.objects.filter(pk=user.pk).update(is_active=False)  # staff deactivate the user
    with pytest.raises(InvalidInput):
        svc.email_confirm(token=token)
    user.refresh_from_db()
    assert not user.is_active and EmailConfirmation.objects.filter(user=user).count() == 1


def test_the_confirmation_link_expires_after_confirm_max_age(catalogue, monkeypatch):
    user = register()
    real = time.time
    monkeypatch.setattr(signing.time, "time", lambda: real() - svc.CONFIRM_MAX_AGE - 60)
    old = svc.confirmation_token(user)
    monkeypatch.setattr(signing.time, "time", real)
    with pytest.raises(InvalidInput) as err:
        svc.email_confirm(token=old)
    assert err.value.code == "expired"
    user.refresh_from_db()
    assert not user.is_active
    assert svc.email_confirm(token=svc.confirmation_token(user)).is_active  # a fresh link still works


# --- S3: an unapproved organisation cannot make the certification body send mail ------------------------------------


def test_only_an_approved_organisation_invites_and_at_most_the_daily_cap(cast):
    Organisation.objects.filter(pk=cast.organisation.pk).update(is_approved=False)
    cast.client.refresh_from_db()
    with pytest.raises(NotAllowed):
        svc.invitation_create(actor=cast.client, email="a@example.cn")
    assert not Invitation.objects.exists() and not OutboxMail.objects.exists()
    Organisation.objects.filter(pk=cast.organisation.pk).update(is_approved=True)
    cast.client.refresh_from_db()
    with override_settings(PORTAL_INVITATIONS_PER_DAY=2):
        svc.invitation_create(actor=cast.client, email="a@example.cn")
        svc.invitation_create(actor=cast.client, email="b@example.cn")
        with pytest.raises(InvalidInput) as err:
            svc.invitation_create(actor=cast.client, email="c@example.cn")
    assert err.value.code == "too_many_invitations"
    assert OutboxMail.objects.count() == 2 and not OutboxMail.objects.filter(to="c@example.cn").exists()


def test_client_messages_on_an_unassigned_case_notify_market_in_the_portal_only(cast, software_scheme):
    application = portal_application(cast, software_scheme)
    OutboxMail.objects.all().delete()
    for _i in range(3):
        svc.message_post(actor=cast.client, application=application, body="请尽快处理")
    assert Notification.objects.filter(user=cast.market, kind="message").count() == 3
    assert not OutboxMail.objects.exists()
    User.objects.filter(pk=cast.engineer.pk).update(email="engineer@example.cn")
    cast.engineer.refresh_from_db()
    application.engineer = cast.engineer
    application.save(update_fields=["engineer"])
    svc.message_post(actor=cast.client, application=application, body="工程师您好")
    assert list(OutboxMail.objects.values_list("to", flat=True)) == ["engineer@example.cn"]


def test_a_confirmation_tells_market_in_the_portal_without_mail(cast, catalogue):
    user = register()
    OutboxMail.objects.all().delete()
    svc.email_confirm(token=svc.confirmation_token(user))
    assert Notification.objects.filter(user=cast.market, kind="organisation_pending").exists()
    assert not OutboxMail.objects.exists()


# --- S5: uploads are limited before they are read -------------------------------------------------------------------


class CountingUpload(RawUpload):
    reads = 0

    def read(self, *args):
        CountingUpload.reads += 1
        return super().read(*args)


def test_too_many_files_or_too_many_bytes_are_refused_before_any_is_read(cast, software_scheme, settings):
    application = portal_application(cast, software_scheme)
    CountingUpload.reads = 0
    files = [CountingUpload(f"f{i}.pdf", pdf().read()) for i in range(svc.MAX_FILES_PER_REQUEST + 1)]
    with pytest.raises(InvalidInput) as err:
        svc.message_post(actor=cast.client, application=application, body="x", files=files)
    assert err.value.code == "too_many_files" and "10" in err.value.message
    settings.PORTAL_MAX_REQUEST_BYTES = 1000
    with pytest.raises(InvalidInput) as err:
        svc.message_post(
            actor=cast.client, application=application, body="x", files=[*files[:2], RawUpload("big.pdf", b"0" * 999)]
        )
    assert err.value.code == "too_large"
    assert CountingUpload.reads == 0 and not application.messages.exists()
    assert settings.DATA_UPLOAD_MAX_NUMBER_FILES <= 20


def test_the_documents_page_refuses_eleven_files_and_saves_none(cast, software_scheme, client):
    application = portal_application(cast, software_scheme, documents=False)
    client.force_login(cast.client)
    files = [pdf(f"f{i}.pdf") for i in range(11)]
    response = client.post(f"/portal/applications/{application.pk}/documents/", {"file_manual": files})
    assert response.status_code == 422
    assert "10" in response.content.decode() and not Document.objects.filter(application=application).exists()


# --- S6: no raw token stays in the database once the mail is sent ---------------------------------------------------


def test_sent_mails_keep_no_confirmation_or_invitation_token(cast, catalogue):
    user = register()
    confirm_token = _token_in(OutboxMail.objects.get(to=user.email).body, "/portal/confirm/")
    _invitation, invite_token = svc.invitation_create(actor=cast.client, email="colleague@example.cn")
    assert db_contains(confirm_token) and db_contains(invite_token)  # while waiting to be sent
    assert notify.send_due() == 2
    assert db_contains(confirm_token) == [] and db_contains(invite_token) == []
    assert all("[link removed]" in m.body for m in OutboxMail.objects.all())
    from django.contrib import admin

    from certbody.portal.admin import OutboxMailAdmin

    form = OutboxMailAdmin(OutboxMail, admin.site).get_form(request=None)
    assert "body" not in form.base_fields


# --- S7: invitations can be revoked, and die with their inviter -----------------------------------------------------


def test_an_invitation_can_be_revoked_by_a_colleague_only_and_is_audited(cast):
    invitation, token = svc.invitation_create(actor=cast.client, email="a@example.cn")
    other = sc.make_cast(prefix="o_", password=None)
    with pytest.raises(NotAllowed):
        svc.invitation_revoke(actor=other.client, invitation=invitation)
    svc.invitation_revoke(actor=cast.client, invitation=invitation)
    assert svc.invitation_by_token(token) is None
    assert AuditEvent.objects.filter(action="portal.invitation_revoke", object_id=str(invitation.pk)).exists()
    with pytest.raises(InvalidInput):
        svc.invitation_accept(token=token, username="late", display_name="迟到", password="a-Strong-pass-2026")
    with pytest.raises(InvalidInput):
        svc.invitation_revoke(actor=cast.client, invitation=invitation)


def test_an_invitation_dies_when_its_inviter_is_deactivated(cast):
    _invitation, token = svc.invitation_create(actor=cast.client, email="a@example.cn")
    assert svc.invitation_by_token(token) is not None
    User.objects.filter(pk=cast.client.pk).update(is_active=False)
    assert svc.invitation_by_token(token) is None
    with pytest.raises(InvalidInput):
        svc.invitation_accept(token=token, username="late", display_name="x", password="a-Strong-pass-2026")


def test_the_colleagues_page_revokes_an_invitation(cast, client):
    invitation, token = svc.invitation_create(actor=cast.client, email="a@example.cn")
    client.force_login(cast.client)
    page = client.get("/portal/colleagues/").content.decode()
    assert 'value="revoke"' in page and "data-once" in page
    response = client.post("/portal/colleagues/", {"action": "revoke", "invitation": invitation.pk})
    assert response.status_code == 302
    assert svc.invitation_by_token(token) is None
    client.get("/portal/colleagues/")  # shows (and uses up) the success message
    assert "a@example.cn" not in client.get("/portal/colleagues/").content.decode()
    other = sc.make_cast(prefix="o_", password=None)
    theirs, _t = svc.invitation_create(actor=other.client, email="b@example.cn")
    assert client.post("/portal/colleagues/", {"action": "revoke", "invitation": theirs.pk}).status_code == 404


# --- S8: the approval list: confirmed registrations only, reject, pages ---------------------------------------------


def test_the_approval_list_shows_confirmed_registrations_and_reject_deactivates(cast, catalogue, client):
    user = register()
    unconfirmed = register(uscc=_other_uscc(), username="ghost", email="ghost@example.cn", name="幽灵 公司")
    client.force_login(cast.market)
    page = client.get("/portal/staff/organisations/").content.decode()
    assert user.organisation.name not in page and unconfirmed.organisation.name not in page
    token = svc.confirmation_token(user)
    svc.email_confirm(token=token)
    page = client.get("/portal/staff/organisations/").content.decode()
    assert user.organisation.name in page and unconfirmed.organisation.name not in page and 'value="reject"' in page
    # A rejection needs its reason: without one nothing happens and the page says why.
    response = client.post(
        "/portal/staff/organisations/", {"organisation": user.organisation_id, "action": "reject", "reason": "  "}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.is_active and not OrganisationRejection.objects.filter(organisation_id=user.organisation_id).exists()
    assert "请填写理由" in client.get("/portal/staff/organisations/").content.decode()  # "Give the reason"
    mails_before = OutboxMail.objects.filter(to=user.email).count()
    response = client.post(
        "/portal/staff/organisations/",
        {"organisation": user.organisation_id, "action": "reject", "reason": "营业执照与名称不符"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    # The applicant is told why, by e-mail (their account is deactivated, so the portal cannot tell them).
    mail = OutboxMail.objects.filter(to=user.email).order_by("-id").first()
    assert OutboxMail.objects.filter(to=user.email).count() == mails_before + 1 and "营业执照与名称不符" in mail.body
    assert OrganisationRejection.objects.get(organisation_id=user.organisation_id).reason == "营业执照与名称不符"
    assert not user.is_active and OrganisationRejection.objects.filter(organisation_id=user.organisation_id).exists()
    assert AuditEvent.objects.filter(action="organisation.reject", object_id=str(user.organisation_id)).exists()
    client.get("/portal/staff/organisations/")  # shows (and uses up) the success message
    assert user.organisation.name not in client.get("/portal/staff/organisations/").content.decode()
    with pytest.raises(InvalidInput):
        svc.organisation_reject(actor=cast.market, organisation=user.organisation, reason="again")
    with pytest.raises(NotAllowed):
        svc.organisation_reject(actor=cast.client, organisation=unconfirmed.organisation, reason="not staff")
    # The rejected registration's link activates nobody, not even the one it was never used for.
    ghost_token = svc.confirmation_token(unconfirmed)
    svc.organisation_reject(actor=cast.market, organisation=unconfirmed.organisation, reason="资料不全")
    with pytest.raises(InvalidInput):
        svc.email_confirm(token=ghost_token)
    unconfirmed.refresh_from_db()
    assert not unconfirmed.is_active


def _other_uscc(seed: int = 0) -> str:
    from certbody.clients.validators import uscc_check_char

    body = f"91500000MA{seed:07d}"
    return body + uscc_check_char(body)


def test_the_approval_list_is_paged(cast, client):
    for i in range(30):
        organisation = organisation_create(
            actor=None, name=f"待批 {i:02d} 公司", address="重庆", uscc=_other_uscc(i + 1), is_approved=False
        )
        user = User.objects.create(username=f"p{i}", email=f"p{i}@example.cn", organisation=organisation)
        EmailConfirmation.objects.create(user=user, email=user.email)
    client.force_login(cast.market)
    first = client.get("/portal/staff/organisations/").content.decode()
    assert "待批 00 公司" in first and "待批 24 公司" in first and "待批 25 公司" not in first
    assert 'rel="next"' in first
    cursor = first.split('rel="next" href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    second = client.get("/portal/staff/organisations/" + cursor).content.decode()
    assert "待批 25 公司" in second and "待批 29 公司" in second and "待批 00 公司" not in second


# --- S9: the password is never sent back ----------------------------------------------------------------------------


def test_a_refused_registration_does_not_echo_the_password(catalogue, client):
    secret = "a-Strong-pass-2026-secret"
    data = {
        "name": "回显 公司",
        "uscc": "bad",
        "address": "重庆",
        "contact_name": "李雷",
        "email": "x@example.cn",
        "username": "echo",
        "password": secret,
        "password2": secret,
    }
    response = client.post("/portal/register/", data)
    assert response.status_code == 200 and "回显 公司" in response.content.decode()
    assert secret not in response.content.decode()


# --- S11: drafts belong to one user and go at logout ----------------------------------------------------------------


def test_portal_pages_name_the_drafts_owner_and_the_script_clears_drafts_at_logout(cast, client):
    client.force_login(cast.client)
    page = client.get("/portal/apply/").content.decode()
    assert f'data-draft-owner="u{cast.client.pk}"' in page and 'data-autosave="portal-apply"' in page
    script = (apps.get_app_config("portal").path + "/static/portal/portal.js").replace("//", "/")
    with open(script, encoding="utf-8") as f:
        source = f.read()
    assert "draftOwner" in source and 'classList.contains("logout")' in source and "clearAll()" in source


# --- C1: hand-made ids answer 404 -----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["abc", "1.5", "-1", "１", "99999999999999999999999"])
def test_bad_posted_ids_answer_404(cast, software_scheme, client, value):
    application = portal_application(cast, software_scheme)
    client.force_login(cast.client)
    url = f"/portal/applications/{application.pk}/units/"
    assert client.post(url, {"action": "remove", "unit": value}).status_code == 404
    assert client.post("/portal/colleagues/", {"action": "revoke", "invitation": value}).status_code == 404
    client.force_login(cast.market)
    assert client.post("/portal/staff/organisations/", {"organisation": value}).status_code == 404
    assert application.units.count() == 1


# --- C4: control characters in names --------------------------------------------------------------------------------


def test_names_with_line_breaks_are_refused_and_subjects_are_one_line(cast):
    _invitation, token = svc.invitation_create(actor=cast.client, email="a@example.cn")
    with pytest.raises(InvalidInput) as err:
        svc.invitation_accept(
            token=token, username="crlf", display_name="张三\r\nBcc: x@evil.cn", password="a-Strong-pass-2026"
        )
    assert "display_name" in err.value.details["fields"] and not User.objects.filter(username="crlf").exists()
    notify.queue_mail(["a@example.cn"], "Hello\r\nBcc: evil@example.cn\tthere", "body")
    subject = OutboxMail.objects.order_by("-id").first().subject
    assert subject == "Hello Bcc: evil@example.cn there"
    assert notify.send_due() >= 1
    assert OutboxMail.objects.order_by("-id").first().status == OutboxMail.Status.SENT


# --- C5: a file missing on disk -------------------------------------------------------------------------------------


def test_a_file_missing_on_disk_answers_404_with_a_message(cast, software_scheme, client):
    from certbody.accounts.services import api_token_create

    application = portal_application(cast, software_scheme)
    document = application.documents.first()
    message = svc.message_post(actor=cast.client, application=application, body="附件", files=[pdf("a.pdf")])
    attachment = message.attachments.get()
    default_storage.delete(document.file.name)
    default_storage.delete(attachment.file.name)
    client.force_login(cast.client)
    response = client.get(f"/portal/documents/{document.pk}/")
    assert response.status_code == 404 and document.original_name in response.content.decode()
    assert client.get(f"/portal/attachments/{attachment.pk}/").status_code == 404
    bearer = {"Authorization": f"Bearer {api_token_create(user=cast.client, name='t', actor=cast.client)[1]}"}
    response = client.get(f"/api/v1/portal/documents/{document.pk}/file", headers=bearer)
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert document.original_name in response.json()["message"]


# --- C6: no orphaned files when the database work fails -------------------------------------------------------------


def _stored_files() -> set[str]:
    found = set()

    def walk(folder: str) -> None:
        dirs, files = default_storage.listdir(folder) if default_storage.exists(folder) else ([], [])
        found.update(f"{folder}/{f}" for f in files)
        for d in dirs:
            walk(f"{folder}/{d}")

    walk("portal")
    return found


def test_a_failed_upload_leaves_no_file_in_storage(cast, software_scheme, monkeypatch):
    application = portal_application(cast, software_scheme)
    before = _stored_files()

    def broken(**kwargs):
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(exchange, "audit_record", broken)  # message_post looks it up there
    monkeypatch.setattr(dossier_svc, "audit_record", broken)
    with pytest.raises(RuntimeError):
        dossier_svc.document_upload(actor=cast.client, application=application, item="manual", upload=pdf("v2.pdf"))
    with pytest.raises(RuntimeError):
        svc.message_post(actor=cast.client, application=application, body="x", files=[pdf("a.pdf"), pdf("b.pdf")])
    assert _stored_files() == before
    assert not Attachment.objects.exists()


# --- C7: long texts -------------------------------------------------------------------------------------------------


def test_message_and_answer_are_at_most_ten_thousand_characters():
    assert MessageForm({"body": "x" * 10_000}).is_valid()
    assert not MessageForm({"body": "x" * 10_001}).is_valid()
    assert SubmitForm({"answer": "x" * 10_000}).is_valid()
    assert not SubmitForm({"answer": "x" * 10_001}, returned=True).is_valid()


# --- C8: a double click starts one draft ----------------------------------------------------------------------------


def test_a_double_submitted_start_makes_one_draft_and_portal_buttons_submit_once(cast, software_scheme, client):
    first = app_svc.application_start(actor=cast.client, scheme=software_scheme, title="双击")
    second = app_svc.application_start(actor=cast.client, scheme=software_scheme, title="双击")
    assert first.pk == second.pk
    third = app_svc.application_start(actor=cast.client, scheme=software_scheme, title="另一个")
    assert third.pk != first.pk
    client.force_login(cast.client)
    assert "data-once" in client.get("/portal/apply/").content.decode()
    application = portal_application(cast, software_scheme, documents=False)
    assert "data-once" in client.get(f"/portal/applications/{application.pk}/messages/").content.decode()


def test_the_main_form_of_every_portal_step_submits_once(cast, software_scheme, client):
    from django.test import Client

    assert "data-once" in Client().get("/portal/register/").content.decode()
    application = portal_application(cast, software_scheme, documents=False)
    client.force_login(cast.client)
    for step in ("units", "documents", "submit"):
        page = client.get(f"/portal/applications/{application.pk}/{step}/").content.decode()
        assert "data-once" in page, step


# --- C9: marking notifications read is a service --------------------------------------------------------------------


def test_notifications_mark_read_is_a_service(cast, client):
    Notification.objects.create(user=cast.client, kind="message", params={"number": "A", "author": "x"})
    Notification.objects.create(user=cast.market, kind="message", params={"number": "A", "author": "x"})
    assert svc.notifications_mark_read(actor=cast.client) == 1
    assert svc.notifications_mark_read(actor=cast.client) == 0
    assert Notification.objects.get(user=cast.market).read_at is None


# --- C10: the client's timeline -------------------------------------------------------------------------------------


def test_the_timeline_reads_its_actors_in_one_query(cast, software_scheme):
    application = portal_application(cast, software_scheme)
    with CaptureQueriesContext(connection) as few:
        public_timeline(application)
    for i in range(5):
        dossier_svc.document_upload(actor=cast.client, application=application, item="manual", upload=pdf(f"v{i}.pdf"))
    with CaptureQueriesContext(connection) as many:
        rows = public_timeline(application)
    assert len(many) == len(few) and len(rows) > 5
    assert str(cast.client) in {r["by"] for r in rows}


# --- T6: the applications API: return items and the client's answer -------------------------------------------------


def test_api_return_names_missing_items_and_submit_carries_the_answer(cast, software_scheme, client):
    from certbody.accounts.services import api_token_create
    from certbody.applications.models import Submission

    def bearer(user):
        return {"Authorization": f"Bearer {api_token_create(user=user, name='t', actor=user)[1]}"}

    application = portal_application(cast, software_scheme)
    base = f"/api/v1/applications/{application.pk}"
    response = client.post(
        base + "/submit", {"answer": "x" * 10_001}, content_type="application/json", headers=bearer(cast.client)
    )
    assert response.status_code == 422
    application.refresh_from_db()
    assert application.status == "draft"
    assert (
        client.post(base + "/submit", {}, content_type="application/json", headers=bearer(cast.client)).status_code
        == 200
    )
    market = bearer(cast.market)
    too_many = {"reason": "缺文件", "missing_items": [f"i{i}" for i in range(21)]}
    assert client.post(base + "/return", too_many, content_type="application/json", headers=market).status_code == 422
    ok = {"reason": "缺声明", "missing_items": ["declarations"]}
    assert client.post(base + "/return", ok, content_type="application/json", headers=market).status_code == 200
    application.refresh_from_db()
    assert application.status == "returned" and application.return_items == ["declarations"]
    dossier_svc.document_upload(
        actor=cast.client, application=application, item="declarations", upload=pdf("新声明.pdf")
    )
    answer = {"answer": "声明已更新"}
    response = client.post(base + "/submit", answer, content_type="application/json", headers=bearer(cast.client))
    assert response.status_code == 200
    latest = Submission.objects.filter(application=application).order_by("-round").first()
    assert latest.answer == "声明已更新" and latest.requested["items"] == ["declarations"]


@pytest.mark.parametrize("field", ["name", "contact_name", "address", "username"])
def test_a_registration_with_a_line_break_in_a_name_is_refused(catalogue, field):
    with pytest.raises(InvalidInput) as err:
        register(**{field: "重庆\r\n新客户"})
    assert field in err.value.details["fields"]
    assert not Organisation.objects.filter(uscc__startswith="91500000MA5U7W9X").exists()
    assert not OutboxMail.objects.exists()


def test_a_taken_credit_code_points_to_the_certification_body_not_to_its_users(catalogue, english):
    register()
    assert register(username="squatter", email="s@example.cn") is None  # told by mail, not on the page (item 17)
    message = OutboxMail.objects.order_by("-pk").first().body
    assert "certification body" in message and "invite" not in message
