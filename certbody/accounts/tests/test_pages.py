"""Signing in and out, and the page for one's own API tokens."""

import re

import pytest
from django.urls import reverse

from certbody.accounts.models import ApiToken
from certbody.accounts.services import api_token_authenticate, api_token_create
from certbody.core.tests.pages import Pages

pytestmark = pytest.mark.django_db


@pytest.fixture
def pages(client):
    return Pages(client)


def test_sign_in_with_the_form_lands_on_my_tasks(client, cast):
    client.cookies["django_language"] = "en"
    response = client.post(reverse("accounts:login"), {"username": "engineer", "password": "demo-pass-2026"})
    assert response.status_code == 302 and response["Location"] == reverse("console:dashboard")
    assert "My tasks" in client.get(response["Location"]).content.decode()


def test_wrong_password_keeps_the_username(client, cast):
    client.cookies["django_language"] = "en"
    response = client.post(reverse("accounts:login"), {"username": "engineer", "password": "nope"})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="engineer"' in page and "form-error" in page


def test_logout_is_post_only(pages, cast):
    pages.login(cast.client)
    assert pages.get(reverse("accounts:logout")).status_code == 405
    response = pages.client.post(reverse("accounts:logout"))
    assert response.status_code == 302 and response["Location"] == reverse("accounts:login")
    assert pages.get(reverse("console:dashboard")).status_code == 302


def test_token_key_is_shown_once_and_works(pages, cast):
    pages.login(cast.lab_user)
    response = pages.client.post(reverse("accounts:tokens"), {"name": "LIMS 接口"})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    key = re.search(r'id="new-key">(cb_[^<]+)<', response.content.decode()).group(1)
    assert api_token_authenticate(key) == cast.lab_user
    page = pages.get(reverse("accounts:tokens")).content.decode()
    assert "LIMS 接口" in page and key not in page


def test_token_revoke_only_own(pages, cast):
    mine, key = api_token_create(user=cast.client, name="mine", actor=cast.client)
    theirs, their_key = api_token_create(user=cast.market, name="theirs", actor=cast.market)
    pages.login(cast.client)
    assert pages.client.post(reverse("accounts:token_revoke", args=[theirs.pk])).status_code == 404
    assert pages.get(reverse("accounts:token_revoke", args=[mine.pk])).status_code == 405
    response = pages.client.post(reverse("accounts:token_revoke", args=[mine.pk]))
    assert response.status_code == 302
    assert api_token_authenticate(key) is None and api_token_authenticate(their_key) == cast.market
    assert ApiToken.objects.get(pk=mine.pk).revoked_at is not None


def test_token_needs_a_name(pages, cast):
    pages.login(cast.client)
    response = pages.client.post(reverse("accounts:tokens"), {"name": "   "})
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert not ApiToken.objects.exists()
