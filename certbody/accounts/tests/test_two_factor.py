"""Staff two-factor authentication: enforced for deciding and administering roles, TOTP enrolment with recovery
codes, the second sign-in step, and API tokens only from a verified session."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from certbody.accounts import totp
from certbody.accounts.middleware import OTP_SESSION_KEY
from certbody.accounts.models import ApiToken, RecoveryCode, TotpDevice
from certbody.accounts.services import TWO_FACTOR_ROLES, api_token_create, totp_device_enrol
from certbody.accounts.testing import verify_two_factor
from certbody.core.errors import InvalidInput
from certbody.core.models import AuditEvent
from certbody.core.roles import Role

pytestmark = pytest.mark.django_db
PASSWORD = "demo-pass-2026"
USER_OF_ROLE = {
    Role.DECIDER: "decider",
    Role.REVIEWER: "reviewer",
    Role.QUALITY: "quality",
    Role.MANAGEMENT: "management",
    Role.ADMIN: "admin",
    Role.MARKET: "market",
    Role.ENGINEER: "engineer",
    Role.INSPECTOR: "inspector",
    Role.HR: "hr",
    Role.REGULATOR: "regulator",
    Role.CLIENT: "client",
    Role.LAB: "lab_user",
}


@pytest.fixture
def enforced(settings):
    settings.CERTBODY_2FA_ENFORCED = True


def browser() -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    return client


def enrol(user) -> tuple[str, list[str]]:
    secret = totp.new_secret()
    codes = totp_device_enrol(user=user, secret=secret, code=totp.code_at(secret, totp.current_step()))
    TotpDevice.objects.filter(user=user).update(last_step=0)  # the next code may be the same step's
    return secret, codes


@pytest.mark.parametrize("role", list(USER_OF_ROLE))
def test_two_factor_is_enforced_for_deciding_and_administering_roles(cast, enforced, role):
    user = getattr(cast, USER_OF_ROLE[role])
    client = browser()
    client.force_login(user)
    response = client.get(reverse("console:dashboard"))
    if role in TWO_FACTOR_ROLES:
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:two_factor"))
        assert client.get(reverse("accounts:tokens")).status_code == 302  # nothing else either
        assert client.get("/api/v1/me").status_code == 401  # nor the API with this session
    else:
        assert (
            not response["Location"].startswith(reverse("accounts:two_factor")) if response.status_code == 302 else True
        )
        assert client.get(reverse("accounts:tokens")).status_code == 200


def test_enrolment_then_sign_in_asks_for_the_code(cast, enforced):
    client = browser()
    client.post(reverse("accounts:login"), {"username": "decider", "password": PASSWORD})
    assert client.get(reverse("console:dashboard"))["Location"].startswith(reverse("accounts:two_factor"))
    page = client.get(reverse("accounts:two_factor")).content.decode()
    assert "<svg" in page  # the QR code, made on the server
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    response = client.post(reverse("accounts:two_factor"), {"code": totp.code_at(secret, totp.current_step())})
    codes = re.findall(r"<li>([0-9a-f]{8}-[0-9a-f]{8})</li>", response.content.decode())
    assert len(codes) == 10 and response["Cache-Control"] == "no-store"
    assert RecoveryCode.objects.filter(user=cast.decider).count() == 10
    assert not RecoveryCode.objects.filter(code_hash__in=codes).exists()  # stored hashed
    assert client.get(reverse("console:dashboard")).status_code == 200
    assert AuditEvent.objects.filter(action="auth.2fa_enrol", actor=cast.decider).exists()

    # Signing in again: the password alone reaches only the second step.
    again = browser()
    again.post(reverse("accounts:login"), {"username": "decider", "password": PASSWORD})
    response = again.get(reverse("console:dashboard"))
    assert response["Location"].startswith(reverse("accounts:verify"))
    wrong = again.post(reverse("accounts:verify"), {"code": "000000"})
    assert wrong.status_code == 200 and again.get(reverse("console:dashboard")).status_code == 302
    TotpDevice.objects.filter(user=cast.decider).update(last_step=0)
    again.post(reverse("accounts:verify"), {"code": totp.code_at(secret, totp.current_step())})
    assert again.get(reverse("console:dashboard")).status_code == 200


def test_a_code_is_accepted_once(cast):
    secret, _codes = enrol(cast.engineer)
    code = totp.code_at(secret, totp.current_step())
    first, second = browser(), browser()
    for client in (first, second):
        client.force_login(cast.engineer)
        client.post(reverse("accounts:verify"), {"code": code})
    assert OTP_SESSION_KEY in first.session and OTP_SESSION_KEY not in second.session


def test_a_recovery_code_works_once(cast):
    _secret, codes = enrol(cast.engineer)
    first, second = browser(), browser()
    for client in (first, second):
        client.force_login(cast.engineer)
        client.post(reverse("accounts:verify"), {"code": codes[0]})
    assert OTP_SESSION_KEY in first.session and OTP_SESSION_KEY not in second.session
    assert AuditEvent.objects.filter(action="auth.recovery_code_use").count() == 1
    assert RecoveryCode.objects.filter(user=cast.engineer, used_at__isnull=True).count() == 9


def test_wrong_codes_lock_the_account(cast, settings):
    settings.LOGIN_LOCKOUT_FAILURES = 3
    enrol(cast.engineer)
    client = browser()
    client.force_login(cast.engineer)
    for _ in range(3):
        response = client.post(reverse("accounts:verify"), {"code": "123456"})
    assert response.status_code == 302 and "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="auth.lockout", object_repr="user:engineer").exists()


def test_removing_the_device_is_recorded(cast):
    enrol(cast.engineer)
    client = browser()
    client.force_login(cast.engineer)
    verify_two_factor(client)
    client.post(reverse("accounts:two_factor"), {"action": "remove"})
    assert not TotpDevice.objects.filter(user=cast.engineer).exists()
    assert AuditEvent.objects.filter(action="auth.2fa_remove", actor=cast.engineer).exists()


def test_an_administrator_removes_a_lost_device_and_that_is_recorded(cast):
    enrol(cast.engineer)
    admin = browser()
    admin.force_login(cast.admin)
    verify_two_factor(admin)
    device = TotpDevice.objects.get(user=cast.engineer)
    admin.post(reverse("admin:accounts_totpdevice_changelist"), {"action": "remove", "_selected_action": [device.pk]})
    assert not TotpDevice.objects.filter(pk=device.pk).exists()
    assert AuditEvent.objects.get(action="auth.2fa_remove").actor == cast.admin


@pytest.mark.parametrize("who", ["decider", "admin"])
def test_tokens_of_enforced_roles_need_a_verified_session(cast, who):
    client = browser()
    client.force_login(getattr(cast, who))
    refused = client.post(reverse("accounts:tokens"), {"name": "script", "days": 30})
    assert "authenticator code" in refused.content.decode() and not ApiToken.objects.exists()
    verify_two_factor(client)
    client.post(reverse("accounts:tokens"), {"name": "script", "days": 30})
    assert ApiToken.objects.filter(user=getattr(cast, who)).count() == 1


def test_tokens_of_an_enrolled_client_need_a_verified_session(cast):
    enrol(cast.client)
    client = browser()
    client.force_login(cast.client)
    assert client.get(reverse("accounts:tokens"))["Location"].startswith(reverse("accounts:verify"))
    with pytest.raises(InvalidInput):
        api_token_create(user=cast.client, name="x", actor=cast.client, two_factor_verified=False)
    verify_two_factor(client)
    client.post(reverse("accounts:tokens"), {"name": "script", "days": 30})
    assert ApiToken.objects.filter(user=cast.client).count() == 1
