"""Complaints received on the website: tracking number, acknowledgement, one complaint per form, rate limit."""

import pytest
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse

from certbody.core.errors import IllegalTransition, InvalidInput, NotAllowed
from certbody.core.models import AuditEvent
from certbody.core.tests.pages import Pages, form_errors
from certbody.publicsite import services
from certbody.publicsite.models import ComplaintIntake

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/complaint/"


def _token(client: Client) -> str:
    page = client.get(URL).content.decode()
    marker = 'name="submit_token" value="'
    start = page.index(marker) + len(marker)
    return page[start : page.index('"', start)]


def _form(token: str, **overrides) -> dict:
    data = {
        "submit_token": token,
        "topic": "certified_product",
        "name": "张三",
        "email": "zhang@example.com",
        "phone": "",
        "organisation": "",
        "certificate_number": "NFCC2024B0600001",
        "description": "购买的获证POS终端与证书所列型号不一致。",
    }
    data.update(overrides)
    return data


def test_a_complaint_gets_a_tracking_number_an_acknowledgement_page_and_an_email():
    client = Client()
    response = client.post(URL, _form(_token(client)))
    assert response.status_code == 302 and response["Location"] == reverse("publicsite:complaint_done")
    intake = ComplaintIntake.objects.get()
    assert intake.tracking_number.startswith("TS") and intake.status == ComplaintIntake.Status.RECEIVED
    page = client.get(response["Location"]).content.decode()
    assert intake.tracking_number in page
    assert len(mail.outbox) == 1 and intake.tracking_number in mail.outbox[0].subject
    assert mail.outbox[0].to == ["zhang@example.com"]
    assert AuditEvent.objects.filter(action="publicsite.complaint.receive", object_id=str(intake.pk)).exists()


def test_tracking_numbers_follow_each_other_without_gaps():
    numbers = []
    for i in range(3):
        intake, created = services.complaint_submit(
            submit_token=f"t{i}",
            topic="service",
            name="李四",
            phone="13800000000",
            description="服务态度很差，多次催办无回复。",
        )
        assert created
        numbers.append(intake.tracking_number)
    seqs = [int(n[-5:]) for n in numbers]
    assert seqs == [seqs[0], seqs[0] + 1, seqs[0] + 2]


def test_a_double_click_sends_one_complaint():
    client = Client()
    data = _form(_token(client))
    first = client.post(URL, data)
    second = client.post(URL, data)
    assert first.status_code == second.status_code == 302
    assert ComplaintIntake.objects.count() == 1
    assert len(mail.outbox) == 1


def test_the_form_keeps_input_on_error_and_says_what_is_missing():
    client = Client(headers={"accept-language": "en"})
    response = client.post(URL, _form(_token(client), email="", phone="", description="太差了，需要处理一下！"))
    assert response.status_code == 200
    assert "e-mail address or a phone number" in form_errors(response)
    page = response.content.decode()
    assert "太差了，需要处理一下！" in page and 'value="张三"' in page and 'value="NFCC2024B0600001"' in page
    assert not ComplaintIntake.objects.exists()


def test_a_complaint_without_email_is_acknowledged_on_the_page_only():
    client = Client()
    response = client.post(URL, _form(_token(client), email="", phone="023-12345678"))
    assert response.status_code == 302
    assert ComplaintIntake.objects.get().phone == "023-12345678"
    assert mail.outbox == []


@override_settings(PUBLICSITE_COMPLAINT_LIMIT=2)
def test_complaints_are_rate_limited_per_address():
    client = Client()
    for _ in range(2):
        assert client.post(URL, _form(_token(client))).status_code == 302
    refused = client.post(URL, _form(_token(client)))
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert ComplaintIntake.objects.count() == 2


def test_the_acknowledgement_page_shows_only_ones_own_complaint():
    client = Client()
    client.post(URL, _form(_token(client)))
    stranger = Client()
    response = stranger.get(reverse("publicsite:complaint_done"))
    assert response.status_code == 302 and response["Location"] == reverse("publicsite:complaint")


def test_quality_passes_a_complaint_on_once(cast, client):
    intake, _ = services.complaint_submit(
        submit_token="x1",
        topic="conduct",
        name="王五",
        email="w@example.com",
        description="检查员收取礼品，影响公正性。",
    )
    with pytest.raises(NotAllowed):
        services.complaint_forward(actor=cast.engineer, complaint=intake, note="转")
    Pages(client).login(cast.quality)
    url = reverse("publicsite:staff_complaint", args=[intake.pk])
    Pages(client).act(url, "forward", note="已登记投诉处理台账 TS-1")
    intake.refresh_from_db()
    assert intake.status == ComplaintIntake.Status.FORWARDED and intake.handled_by == cast.quality
    with pytest.raises(IllegalTransition):
        services.complaint_close(actor=cast.quality, complaint=intake, note="重复")
    assert AuditEvent.objects.filter(action="publicsite.complaint.forward").count() == 1


def test_same_token_different_description_makes_two_complaints():
    """Back, edit, send again: the second complaint is stored too, never silently dropped."""
    client = Client()
    token = _token(client)
    assert client.post(URL, _form(token)).status_code == 302
    first = ComplaintIntake.objects.get()
    edited = _form(token, description="补充：销售人员称该型号已获证，但证书上没有。")
    response = client.post(URL, edited)
    assert response.status_code == 302
    assert ComplaintIntake.objects.count() == 2
    second = ComplaintIntake.objects.exclude(pk=first.pk).get()
    assert second.description == edited["description"] and second.submit_token != token
    page = client.get(reverse("publicsite:complaint_done")).content.decode()
    assert second.tracking_number in page and first.tracking_number not in page  # the one just sent


def test_same_token_different_description_makes_two_complaints_in_the_service():
    base = {"topic": "service", "name": "李四", "phone": "13800000000"}
    first, created = services.complaint_submit(submit_token="tok", description="第一次的投诉内容很长。", **base)
    again, repeated = services.complaint_submit(submit_token="tok", description="第一次的投诉内容很长。", **base)
    other, created_other = services.complaint_submit(submit_token="tok", description="另一件事情的投诉内容。", **base)
    assert created and not repeated and again == first
    assert created_other and other != first
    assert ComplaintIntake.objects.count() == 2


def test_a_token_this_browser_was_not_given_is_refused_and_shows_nobody_elses_complaint():
    owner = Client()
    token = _token(owner)
    owner.post(URL, _form(token))
    intake = ComplaintIntake.objects.get()
    stranger = Client(headers={"accept-language": "en"})
    stranger.get(URL)  # a session of its own, with its own token
    response = stranger.post(
        URL, _form(token, name="王五", email="wang@example.com", description="别人的令牌，内容不同。")
    )
    assert response.status_code == 200 and "expired" in form_errors(response)
    page = response.content.decode()
    assert intake.tracking_number not in page and "zhang@example.com" not in page
    assert 'value="王五"' in page  # the input stays
    assert ComplaintIntake.objects.count() == 1
    assert stranger.get(reverse("publicsite:complaint_done"))["Location"] == reverse("publicsite:complaint")
    # The form came back with a token of its own: sending it again is stored.
    fresh = page.split('name="submit_token" value="')[1].split('"')[0]
    assert fresh != token
    assert stranger.post(URL, _form(fresh, name="王五", description="别人的令牌，内容不同。")).status_code == 302
    assert ComplaintIntake.objects.count() == 2


def test_the_acknowledgement_is_a_queued_outbox_row_in_the_same_transaction():
    from django.db import transaction

    from certbody.portal.models import OutboxMail

    class Stop(Exception):
        pass

    with pytest.raises(Stop), transaction.atomic():
        intake, _ = services.complaint_submit(
            submit_token="t-out",
            topic="service",
            name="李四",
            email="li@example.com",
            description="服务态度很差，多次催办无回复。",
        )
        row = OutboxMail.objects.get(to="li@example.com")  # written in the complaint's transaction
        assert intake.tracking_number in row.subject and intake.tracking_number in row.body
        raise Stop
    assert not OutboxMail.objects.exists() and not ComplaintIntake.objects.exists()  # both or neither


class FailingSMTP:
    """A mail server that is down."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP server down")


@override_settings(EMAIL_BACKEND="certbody.publicsite.tests.test_complaints.FailingSMTP")
def test_an_smtp_outage_loses_no_acknowledgement():
    from certbody.portal.models import OutboxMail

    client = Client()
    assert client.post(URL, _form(_token(client))).status_code == 302
    intake = ComplaintIntake.objects.get()
    row = OutboxMail.objects.get(to="zhang@example.com")
    assert row.status == OutboxMail.Status.PENDING and "SMTP server down" in row.last_error  # retried later
    assert intake.tracking_number in row.subject and "\n" not in row.subject


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "张三\r\nBcc: all@example.com"),
        ("name", "张三\x1b[31m"),
        ("organisation", "某公司\n伪造的一行"),
        ("certificate_number", "NFCC\r2024"),
        ("phone", "023\u2028123"),
    ],
)
def test_control_characters_in_single_line_fields_are_refused(field, value):
    client = Client(headers={"accept-language": "en"})
    response = client.post(URL, _form(_token(client), **{field: value}))
    assert response.status_code == 200 and "control characters" in form_errors(response)
    assert not ComplaintIntake.objects.exists()
    with pytest.raises(InvalidInput):
        services.complaint_submit(
            **{**_form("svc"), field: value, "submit_token": "svc"},
        )


def test_the_description_keeps_its_line_breaks():
    client = Client()
    response = client.post(URL, _form(_token(client), description="第一行情况说明。\r\n第二行补充说明。"))
    assert response.status_code == 302
    assert ComplaintIntake.objects.get().description == "第一行情况说明。\n第二行补充说明。"
