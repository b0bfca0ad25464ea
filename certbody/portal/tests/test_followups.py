"""Sign-up rate limits, where a client lands after signing in, and the beat entry that sends queued mail."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from certbody.accounts.models import User
from certbody.accounts.services import user_create
from certbody.clients.models import Organisation
from certbody.clients.validators import uscc_check_char
from certbody.core.roles import Role
from certbody.portal import services as svc
from certbody.portal.models import Invitation, OutboxMail

pytestmark = pytest.mark.django_db

CODE17 = "91500000MA5U7W7P3"
USCC = CODE17 + uscc_check_char(CODE17)
PASSWORD = "a-Strong-pass-2026"


def registration(**overrides):
    values = {
        "name": "重庆限流科技有限公司",
        "uscc": USCC,
        "address": "重庆市南岸区",
        "contact_name": "王五",
        "contact_phone": "",
        "email": "wangwu@example.cn",
        "username": "wangwu",
        "password": PASSWORD,
        "password2": PASSWORD,
    }
    values.update(overrides)
    return values


def visitor(ip: str) -> Client:
    return Client(REMOTE_ADDR=ip)


# --- rate limits ---------------------------------------------------------------------------------------------


@override_settings(PORTAL_REGISTER_RATE_LIMIT=2, PORTAL_REGISTER_RATE_WINDOW=3600)
def test_registration_beyond_the_limit_gets_a_429_page_and_stores_nothing():
    url = reverse("portal:register")
    robot = visitor("203.0.113.7")
    for _ in range(2):
        assert robot.post(url, registration(uscc="bad")).status_code == 200  # refused by the check, counted
    for _ in range(3):
        assert robot.get(url).status_code == 200  # reading the form is not a sign-up
    response = robot.post(url, registration())  # a valid one, but one too many
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3601
    page = response.content.decode()
    assert "<h1>" in page and "429" not in page.split("<h1>")[1].split("</h1>")[0]
    assert not Organisation.objects.filter(uscc=USCC).exists()
    assert not User.objects.filter(username="wangwu").exists()
    assert not OutboxMail.objects.exists()
    # Another address is not held up by this one.
    assert visitor("198.51.100.9").post(url, registration()).status_code == 302
    assert Organisation.objects.filter(uscc=USCC).exists()


def test_the_default_allows_ten_sign_ups_an_hour_per_address(settings):
    # No override: the default declared in config/settings/base.py is what this checks.
    assert (settings.PORTAL_REGISTER_RATE_LIMIT, settings.PORTAL_REGISTER_RATE_WINDOW) == (10, 3600)
    url = reverse("portal:register")
    robot = visitor("203.0.113.8")
    assert [robot.post(url, registration(uscc="bad")).status_code for _ in range(10)] == [200] * 10
    assert robot.post(url, registration(uscc="bad")).status_code == 429


@override_settings(PORTAL_REGISTER_RATE_LIMIT=1)
def test_the_429_page_says_when_to_come_back_and_points_back_to_the_form():
    robot = Client(REMOTE_ADDR="203.0.113.10", HTTP_ACCEPT_LANGUAGE="en")
    robot.post(reverse("portal:register"), registration(uscc="bad"))
    page = robot.post(reverse("portal:register"), registration(uscc="bad")).content.decode()
    assert "Too many sign-ups from your network" in page
    assert re.search(r"Nothing was saved\. Please try again in \d+ minutes?\.", page)
    assert f'href="{reverse("portal:register")}"' in page


@override_settings(PORTAL_REGISTER_RATE_LIMIT=1)
def test_the_429_page_is_in_chinese_by_default():
    robot = visitor("203.0.113.13")
    robot.post(reverse("portal:register"), registration(uscc="bad"))
    page = robot.post(reverse("portal:register"), registration(uscc="bad")).content.decode()
    assert "注册请求过多" in page and "Too many" not in page and "Nothing was saved" not in page


@override_settings(PORTAL_REGISTER_RATE_LIMIT=0)
def test_zero_turns_the_limit_off():
    robot = visitor("203.0.113.11")
    assert {robot.post(reverse("portal:register"), registration(uscc="bad")).status_code for _ in range(12)} == {200}


@override_settings(PORTAL_REGISTER_RATE_LIMIT=2)
def test_invitation_acceptance_is_limited_too_and_the_invitation_stays_open(cast):
    invitation, token = svc.invitation_create(actor=cast.client, email="colleague@example.cn")
    url = reverse("portal:invitation", args=[token])
    robot = visitor("203.0.113.12")
    for name in ("a", "b"):
        assert robot.post(url, {"display_name": "x", "username": name, "password": "short"}).status_code == 200
    assert robot.get(url).status_code == 200
    response = robot.post(url, {"display_name": "新同事", "username": "colleague", "password": PASSWORD})
    assert response.status_code == 429 and response["Retry-After"]
    invitation.refresh_from_db()
    assert invitation.accepted_at is None
    assert not User.objects.filter(username="colleague").exists()
    assert Invitation.objects.get(pk=invitation.pk).user_id is None


# --- where people land after signing in ------------------------------------------------------------------------


def sign_in(user, **extra):
    client = Client()
    url = reverse("accounts:login") + (f"?next={extra['next']}" if "next" in extra else "")
    return client, client.post(url, {"username": user.username, "password": "demo-pass-2026"})


def test_a_client_user_lands_on_the_portal_home(cast):
    client, response = sign_in(cast.client)
    assert response.status_code == 302 and response["Location"] == reverse("portal:home")
    assert client.get(response["Location"]).status_code == 200
    # Signed in already, the sign-in page sends the client to the portal too.
    assert client.get(reverse("accounts:login"))["Location"] == reverse("portal:home")


def test_next_wins_for_a_client_user(cast):
    application_list = reverse("portal:certificates")
    _client, response = sign_in(cast.client, next=application_list)
    assert response["Location"] == application_list


@pytest.mark.parametrize("who", ["market", "engineer", "admin", "regulator", "lab_user"])
def test_staff_and_others_keep_landing_on_the_console(cast, who):
    _client, response = sign_in(getattr(cast, who))
    assert response.status_code == 302 and response["Location"] == reverse("console:dashboard")


def test_a_client_user_with_a_staff_role_as_well_lands_on_the_console(cast):
    both = user_create(
        username="both",
        password="demo-pass-2026",
        roles=[Role.CLIENT, Role.MARKET],
        actor=None,
        organisation=cast.organisation,
    )
    _client, response = sign_in(both)
    assert response["Location"] == reverse("console:dashboard")


# --- the beat entry that retries queued mail --------------------------------------------------------------------


def test_every_beat_entry_names_a_task_the_worker_registers_after_autodiscovery():
    """In a fresh interpreter, as the worker starts: autodiscovery only, no test module imported the tasks."""
    script = (
        "import json, django\n"
        "from config.celery import app\n"
        "django.setup()\n"
        "app.loader.import_default_modules()\n"
        "print(json.dumps({name: [e['task'], e['task'] in app.tasks, e['schedule'] if isinstance(e['schedule'],"
        " float) else None] for name, e in app.conf.beat_schedule.items()}))\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    root = Path(__file__).resolve().parents[3]  # the project, where config/ lives
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=root, env=env, check=True)
    schedule = json.loads(out.stdout.strip().splitlines()[-1])
    assert schedule["portal-send-outbox"] == ["certbody.portal.send_outbox", True, 60.0]
    assert all(registered for _task, registered, _every in schedule.values()), schedule


def test_the_scheduled_task_sends_a_mail_that_failed_before():
    from config.celery import app

    queued = OutboxMail.objects.create(
        to="x@example.cn", subject="s", body="b", attempts=1, last_error="SMTP down", next_attempt_at=timezone.now()
    )
    app.loader.import_default_modules()
    task = app.tasks[app.conf.beat_schedule["portal-send-outbox"]["task"]]
    assert task.apply().get() == 1
    queued.refresh_from_db()
    assert queued.status == OutboxMail.Status.SENT and mail.outbox[-1].to == ["x@example.cn"]
