"""Session timeouts, expiring API tokens revoked with the password or the account, no-store on private answers,
audited password changes, and a registration page that does not tell which names and codes are taken."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from certbody.accounts.middleware import AUTH_AT_KEY, SEEN_AT_KEY
from certbody.accounts.models import ApiToken
from certbody.accounts.services import api_token_authenticate, api_token_create
from certbody.accounts.testing import verify_two_factor
from certbody.clients.validators import uscc_check_char
from certbody.core.errors import InvalidInput
from certbody.core.models import AuditEvent
from certbody.portal import services as portal_svc
from certbody.portal.models import OutboxMail

pytestmark = pytest.mark.django_db


def browser(user=None) -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    if user is not None:
        client.force_login(user)
        verify_two_factor(client)
    return client


def age_session(client: Client, **seconds_ago: int) -> None:
    session = client.session
    now = int(time.time())
    for key, ago in (("auth_at", AUTH_AT_KEY), ("seen_at", SEEN_AT_KEY)):
        if key in seconds_ago:
            session[ago] = now - seconds_ago[key]
    session.save()


def test_a_staff_session_ends_after_the_idle_timeout(cast, settings):
    settings.CERTBODY_SESSION_IDLE_MINUTES = 30
    client = browser(cast.engineer)
    assert client.get(reverse("console:dashboard")).status_code == 200
    age_session(client, seen_at=29 * 60)
    assert client.get(reverse("console:dashboard")).status_code == 200  # 29 idle minutes: still in
    age_session(client, seen_at=31 * 60)
    response = client.get(reverse("console:dashboard"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.get(action="auth.logout").reason == "idle timeout"


def test_every_session_ends_after_its_absolute_lifetime(cast, settings):
    settings.CERTBODY_SESSION_MAX_HOURS = 12
    client = browser(cast.client)
    assert client.get(reverse("portal:home")).status_code == 200
    age_session(client, auth_at=12 * 3600 + 5, seen_at=0)
    response = client.get(reverse("portal:home"))
    assert response.status_code == 302 and "_auth_user_id" not in client.session
    assert AuditEvent.objects.get(action="auth.logout").reason == "session lifetime reached"


def test_authenticated_pages_and_api_answers_are_not_stored(cast):
    client = browser(cast.engineer)
    assert client.get(reverse("console:dashboard"))["Cache-Control"] == "no-store"
    assert client.get("/api/v1/me")["Cache-Control"] == "no-store"
    _token, key = api_token_create(user=cast.lab_user, name="lims", actor=cast.lab_user)
    assert Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {key}")["Cache-Control"] == "no-store"


def test_tokens_expire(cast, settings):
    token, key = api_token_create(user=cast.lab_user, name="lims", actor=cast.lab_user, days=7)
    assert token.expires_at - timezone.now() > timedelta(days=6, hours=23)
    assert api_token_authenticate(key) == cast.lab_user
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert api_token_authenticate(key) is None
    default, _key = api_token_create(user=cast.lab_user, name="default", actor=cast.lab_user)
    assert (default.expires_at - timezone.now()).days == settings.CERTBODY_API_TOKEN_DAYS - 1
    with pytest.raises(InvalidInput):
        api_token_create(user=cast.lab_user, name="forever", actor=cast.lab_user, days=10_000)


def test_an_administrator_setting_a_password_revokes_the_tokens_and_is_recorded(cast):
    _token, key = api_token_create(user=cast.lab_user, name="lims", actor=cast.lab_user)
    admin = browser(cast.admin)
    new = "Another-pass-2026!"
    response = admin.post(
        reverse("admin:auth_user_password_change", args=[cast.lab_user.pk]),
        {"password1": new, "password2": new, "usable_password": "true"},
    )
    assert response.status_code == 302
    cast.lab_user.refresh_from_db()
    assert cast.lab_user.check_password(new)
    assert api_token_authenticate(key) is None
    event = AuditEvent.objects.get(action="user.password_reset")
    assert event.actor == cast.admin and new not in str(event.after)
    assert AuditEvent.objects.filter(action="api_token.revoke", reason="password changed").exists()


def test_changing_ones_own_password_in_the_admin_revokes_the_tokens_and_is_recorded(cast):
    _token, key = api_token_create(user=cast.admin, name="ops", actor=cast.admin, two_factor_verified=True)
    admin = browser(cast.admin)
    new = "Another-pass-2026!"
    response = admin.post(
        reverse("admin:password_change"),
        {"old_password": "demo-pass-2026", "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    assert api_token_authenticate(key) is None
    assert AuditEvent.objects.get(action="user.password_change").actor == cast.admin


def test_deactivating_a_user_revokes_the_tokens(cast):
    _token, key = api_token_create(user=cast.lab_user, name="lims", actor=cast.lab_user)
    admin = browser(cast.admin)
    page = admin.get(reverse("admin:accounts_user_change", args=[cast.lab_user.pk]))
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k not in ("password", "last_login")}
    data.update(
        {
            "is_active": "",
            "lab": cast.lab_user.lab_id,
            "date_joined_0": cast.lab_user.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": cast.lab_user.date_joined.strftime("%H:%M:%S"),
            "role_grants-TOTAL_FORMS": "0",
            "role_grants-INITIAL_FORMS": "0",
        }
    )
    data.pop("organisation", None)
    data.pop("is_active")
    data.pop("groups", None)
    data.pop("user_permissions", None)
    response = admin.post(reverse("admin:accounts_user_change", args=[cast.lab_user.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    cast.lab_user.refresh_from_db()
    assert not cast.lab_user.is_active
    assert ApiToken.objects.get(user=cast.lab_user).revoked_at is not None
    cast.lab_user.is_active = True
    cast.lab_user.save(update_fields=["is_active"])
    assert api_token_authenticate(key) is None  # stays revoked when the account comes back
    assert AuditEvent.objects.filter(action="api_token.revoke", reason="account deactivated").exists()


# --- registration does not tell what is taken --------------------------------------------------------------------

CODE17 = "91500000MA5U7W9X2"
USCC = CODE17 + uscc_check_char(CODE17)
OTHER17 = "91500000MA5U7W8Q2"
OTHER_USCC = OTHER17 + uscc_check_char(OTHER17)
PASSWORD = "a-Strong-pass-2026"


def registration(**overrides):
    values = {
        "name": "重庆枚举科技有限公司",
        "uscc": USCC,
        "address": "重庆市渝北区",
        "contact_name": "韩梅梅",
        "contact_phone": "023-7654321",
        "email": "hanmeimei@example.cn",
        "username": "hanmeimei",
        "password": PASSWORD,
        "password2": PASSWORD,
    }
    values.update(overrides)
    return values


def _answer(response) -> tuple[int, str, str]:
    follow = Client().get(response["Location"]) if response.status_code == 302 else response
    page = re.sub(r'(csrfmiddlewaretoken" value=|csrf[-_]token" content=)"[^"]+"', "", follow.content.decode())
    return response.status_code, response.get("Location", ""), page


@pytest.mark.parametrize("taken", ["username", "uscc"])
def test_registration_answers_the_same_for_a_taken_and_a_free_value(cast, catalogue, taken):
    portal_svc.organisation_register(**{k: v for k, v in registration().items() if k != "password2"})
    if taken == "username":
        again, fresh = (
            registration(uscc=OTHER_USCC, email="b@example.cn"),
            registration(uscc=OTHER_USCC, username="someone-new", email="c@example.cn"),
        )
    else:
        again, fresh = (
            registration(username="squatter", email="b@example.cn"),
            registration(uscc=OTHER_USCC, username="someone-new", email="c@example.cn"),
        )
    refused = Client().post(reverse("portal:register"), again)
    accepted = Client().post(reverse("portal:register"), fresh)
    assert _answer(refused) == _answer(accepted)
    assert refused.status_code == 302
    mail = OutboxMail.objects.filter(to="b@example.cn").get()
    assert portal_svc.already_taken(**{taken: again[taken]})[taken] in mail.body
    assert AuditEvent.objects.filter(action="portal.register_refused").exists()
