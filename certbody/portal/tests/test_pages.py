"""Portal pages beyond the journey: messages with attachments, notifications, approval, invitations."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from certbody.applications import services as app_svc
from certbody.core.tests.pages import form_errors
from certbody.portal.models import Message, Notification

from .helpers import pdf, portal_application

pytestmark = pytest.mark.django_db


def browser(user) -> Client:
    c = Client()
    c.force_login(user)
    c.cookies["django_language"] = "en"
    return c


def test_a_message_with_a_bad_attachment_keeps_the_text_and_sends_nothing(cast, software_scheme):
    application = portal_application(cast, software_scheme)
    client = browser(cast.client)
    url = reverse("portal:messages", args=[application.pk])
    response = client.post(
        url, {"body": "请查收补充的检测报告", "files": [pdf("报告.pdf"), SimpleUploadedFile("x.pdf", b"\x7fELF")]}
    )
    assert response.status_code == 422 and "x.pdf" in form_errors(response)
    assert "请查收补充的检测报告" in response.content.decode() and not Message.objects.exists()
    response = client.post(url, {"body": "请查收补充的检测报告", "files": [pdf("报告.pdf")]})
    assert response.status_code == 302
    market = browser(cast.market)
    page = market.get(url).content.decode()
    attachment = Message.objects.get().attachments.get()
    assert "请查收补充的检测报告" in page and reverse("portal:attachment", args=[attachment.pk]) in page
    download = market.get(reverse("portal:attachment", args=[attachment.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")
    market.post(url, {"body": "已收到，谢谢"})
    assert Notification.objects.filter(user=cast.client, kind="message").exists()


def test_notifications_are_listed_in_the_readers_language_and_marked_read(cast, software_scheme):
    application = portal_application(cast, software_scheme)
    app_svc.application_submit(actor=cast.client, application=application)
    client = browser(cast.client)
    page = client.get(reverse("portal:notifications")).content.decode()
    assert f"Application {application.number} is now: Submitted." in page
    client.post(reverse("portal:notifications"))
    assert not Notification.objects.filter(user=cast.client, read_at__isnull=True).exists()


def test_staff_approve_a_registered_organisation_and_its_users_hear_of_it(cast, django_capture_on_commit_callbacks):
    from certbody.clients.validators import uscc_check_char
    from certbody.portal.services import email_confirm, organisation_register

    code = "91500000MA5U7W9Y1"
    with django_capture_on_commit_callbacks(execute=True):
        user = organisation_register(
            name="待审 科技",
            uscc=code + uscc_check_char(code),
            address="重庆",
            contact_name="赵",
            contact_phone="",
            email="zhao@example.cn",
            username="zhao",
            password="a-Strong-pass-2026",
        )
    token = re.search(r"/portal/confirm/([^/]+)/", mail.outbox[-1].body).group(1)
    email_confirm(token=token)
    market = browser(cast.market)
    assert "<td>待审 科技<br>" in market.get(reverse("portal:approvals")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert market.post(reverse("portal:approvals"), {"organisation": user.organisation_id}).status_code == 302
    user.organisation.refresh_from_db()
    assert user.organisation.is_approved
    assert mail.outbox[-1].to == ["zhao@example.cn"]
    assert "<td>待审 科技<br>" not in market.get(reverse("portal:approvals")).content.decode()
    assert browser(cast.client).get(reverse("portal:approvals")).status_code == 403


def test_an_invited_colleague_joins_through_the_link(cast, django_capture_on_commit_callbacks):
    client = browser(cast.client)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("portal:colleagues"), {"email": "new@example.cn"})
    link = re.search(r"(/portal/invitation/[^/\s]+/)", mail.outbox[-1].body).group(1)
    anonymous = Client()
    response = anonymous.post(link, {"display_name": "新同事", "username": "newbie", "password": "x"})
    assert response.status_code == 200 and "newbie" in response.content.decode()  # typed input kept on error
    response = anonymous.post(link, {"display_name": "新同事", "username": "newbie", "password": "a-Strong-pass-2026"})
    assert response.status_code == 302
    assert anonymous.login(username="newbie", password="a-Strong-pass-2026")
    assert anonymous.get(reverse("portal:home")).status_code == 200
    assert Client().get(link).status_code == 404  # used up
