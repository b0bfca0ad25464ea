"""Chinese by default, English on request, and the switch on every kind of page."""

import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_pages_default_to_chinese_and_switch_to_english(client, cast):
    login = client.get(reverse("accounts:login"))
    assert '<html lang="zh-hans">' in login.content.decode()
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("accounts:login")})
    assert response.status_code == 302
    english = client.get(reverse("accounts:login")).content.decode()
    assert '<html lang="en">' in english and "Sign in" in english


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["accounts:login", "console:dashboard", "certificates:list", "admin:index"])
def test_every_kind_of_page_carries_the_language_switch(client, cast, name):
    if name != "accounts:login":
        client.force_login(cast.admin)
    page = client.get(reverse(name))
    assert page.status_code == 200
    assert reverse("set_language") in page.content.decode()
