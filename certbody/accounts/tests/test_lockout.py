"""Sign-in lockout by account name and by address on every sign-in path, unlock by time and by an administrator,
and answers that never tell whether a user exists."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from certbody.accounts.models import LoginThrottle
from certbody.accounts.services import api_token_create
from certbody.core.models import AuditEvent
from certbody.core.tests.pages import form_errors

pytestmark = pytest.mark.django_db
PASSWORD = "demo-pass-2026"


@pytest.fixture(autouse=True)
def small_thresholds(settings):
    settings.LOGIN_LOCKOUT_FAILURES = 3
    settings.LOGIN_LOCKOUT_IP_FAILURES = 6
    settings.LOGIN_LOCKOUT_COOLOFF_MINUTES = 15


def browser(ip: str = "203.0.113.1") -> Client:
    client = Client(REMOTE_ADDR=ip)
    client.cookies["django_language"] = "en"
    return client


# staff console, client portal (the same sign-in page, going on to the portal), Django admin
PATHS = {
    "staff": (lambda: reverse("accounts:login"), "engineer"),
    "portal": (lambda: reverse("accounts:login") + "?next=/portal/", "client"),
    "admin": (lambda: reverse("admin:login"), "admin"),
}


def sign_in(client: Client, path: str, username: str, password: str):
    return client.post(PATHS[path][0](), {"username": username, "password": password})


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.parametrize("path", PATHS)
def test_an_account_is_locked_after_n_failures_from_any_address(cast, path):
    username = PATHS[path][1]
    for i in range(3):
        sign_in(browser(f"198.51.100.{i}"), path, username, "wrong")
    client = browser("198.51.100.99")
    response = sign_in(client, path, username, PASSWORD)
    assert not signed_in(client)
    assert "Too many sign-in attempts. Try again in 15 minutes." in response.content.decode()
    assert AuditEvent.objects.filter(action="auth.lockout", object_repr=f"user:{username}").exists()


@pytest.mark.parametrize("path", PATHS)
def test_an_address_is_locked_after_n_failures_whatever_the_names(cast, path):
    client = browser("192.0.2.7")
    for i in range(6):
        sign_in(client, path, f"guess{i}", "wrong")
    response = sign_in(client, path, PATHS[path][1], PASSWORD)
    assert not signed_in(client) and "Too many sign-in attempts" in response.content.decode()
    other = browser("192.0.2.8")
    sign_in(other, path, PATHS[path][1], PASSWORD)
    assert signed_in(other)  # the account itself is not locked


def test_the_api_token_endpoint_locks_an_address_after_n_wrong_keys(cast):
    _token, key = api_token_create(user=cast.lab_user, name="lims", actor=cast.lab_user)
    bad = browser("192.0.2.50")
    statuses = [bad.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer cb_wrong{i}").status_code for i in range(6)]
    assert statuses[:5] == [401] * 5 and statuses[5] == 429
    locked = bad.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer cb_another-guess")
    assert locked.status_code == 429 and int(locked["Retry-After"]) > 0
    assert AuditEvent.objects.filter(action="auth.lockout", object_repr="ip:192.0.2.50").exists()
    # A valid key is not a guess: it keeps working from that address (and from any other).
    assert bad.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200
    assert browser("192.0.2.51").get("/api/v1/me", HTTP_AUTHORIZATION="Bearer cb_wrong").status_code == 401


def test_unknown_user_and_wrong_password_get_the_same_answer(cast):
    unknown = sign_in(browser("192.0.2.20"), "staff", "nobody-here", "wrong")
    wrong = sign_in(browser("192.0.2.21"), "staff", "engineer", "wrong")
    assert unknown.status_code == wrong.status_code == 200
    assert form_errors(unknown) == form_errors(wrong) != ""


def test_a_locked_unknown_name_reads_like_a_locked_account(cast):
    answers = []
    for name in ("engineer", "nobody-here"):
        for i in range(3):
            sign_in(browser(f"192.0.2.{30 + i}"), "staff", name, "wrong")
        answers.append(form_errors(sign_in(browser("192.0.2.40"), "staff", name, "whatever")))
    assert answers[0] == answers[1] and "Too many sign-in attempts" in answers[0]


def test_the_lock_lifts_after_the_cool_off_and_that_is_recorded(cast):
    for i in range(3):
        sign_in(browser(f"198.51.100.{i}"), "staff", "engineer", "wrong")
    row = LoginThrottle.objects.get(key="user:engineer")
    assert row.locked_until - timezone.now() > timedelta(minutes=14)
    LoginThrottle.objects.filter(pk=row.pk).update(locked_until=timezone.now() - timedelta(seconds=1))  # time passes
    client = browser()
    sign_in(client, "staff", "engineer", PASSWORD)
    assert signed_in(client)
    event = AuditEvent.objects.get(action="auth.unlock")
    assert event.reason == "cool-off elapsed" and event.actor is None


def test_a_second_lockout_lasts_twice_as_long(cast):
    for _round in range(2):
        LoginThrottle.objects.filter(key="user:engineer").update(locked_until=None)
        for i in range(3):
            sign_in(browser(f"198.51.100.{i}"), "staff", "engineer", "wrong")
    row = LoginThrottle.objects.get(key="user:engineer")
    assert row.lockouts == 2
    assert row.locked_until - timezone.now() > timedelta(minutes=29)


def test_an_administrator_unlocks_in_the_admin_and_that_is_recorded(cast):
    for i in range(3):
        sign_in(browser(f"198.51.100.{i}"), "staff", "engineer", "wrong")
    row = LoginThrottle.objects.get(key="user:engineer")
    admin = browser()
    admin.force_login(cast.admin)
    response = admin.post(
        reverse("admin:accounts_loginthrottle_changelist"),
        {"action": "unlock", "_selected_action": [row.pk]},
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.locked_until is None
    event = AuditEvent.objects.get(action="auth.unlock")
    assert event.actor == cast.admin and event.reason == "unlocked by administrator"
    client = browser("198.51.100.77")
    sign_in(client, "staff", "engineer", PASSWORD)
    assert signed_in(client)


def test_failed_and_successful_sign_ins_are_recorded_without_the_password(cast):
    sign_in(browser(), "staff", "engineer", "S3cret-typo")
    client = browser()
    sign_in(client, "staff", "engineer", PASSWORD)
    failed = AuditEvent.objects.get(action="auth.login_failed")
    assert failed.after["username"] == "engineer" and failed.after["ip"] == "203.0.113.1"
    assert "S3cret-typo" not in str(failed.after) and "password" not in failed.after
    assert AuditEvent.objects.filter(action="auth.login", actor=cast.engineer).exists()
    client.post(reverse("accounts:logout"))
    assert AuditEvent.objects.filter(action="auth.logout", actor=cast.engineer).exists()


def test_admin_sign_in_and_sign_out_are_recorded(cast):
    client = browser()
    sign_in(client, "admin", "admin", PASSWORD)
    assert signed_in(client)
    client.post(reverse("admin:logout"))
    assert AuditEvent.objects.filter(action="auth.login", actor=cast.admin).exists()
    assert AuditEvent.objects.filter(action="auth.logout", actor=cast.admin).exists()
