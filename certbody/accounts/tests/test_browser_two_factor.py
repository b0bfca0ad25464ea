"""In a real browser: a decider signs in, is sent to enrol an authenticator (QR code made locally), confirms a code,
is shown the recovery codes once, and on the next sign-in passes the second step with a recovery code."""

from __future__ import annotations

import pytest

from certbody.accounts import totp
from certbody.demo import scenarios as sc

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "staff-pass-2026"


def sign_in(page, base: str) -> None:
    page.goto(base + "/accounts/login/")
    page.fill("input[name=username]", "decider")
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()


def test_a_decider_enrols_an_authenticator_and_signs_in_with_the_second_step(browser_page, settings):
    settings.CERTBODY_2FA_ENFORCED = True
    page, base = browser_page
    sc.make_cast(password=PASSWORD)
    foreign = []
    page.on("request", lambda r: None if r.url.startswith(base) or r.url.startswith("data:") else foreign.append(r.url))

    sign_in(page, base)
    assert "/accounts/two-factor/" in page.url
    assert page.locator("svg.segno").is_visible()  # the QR code, drawn by the server
    secret = page.locator("#totp-secret").inner_text().strip()
    page.fill("input[name=code]", totp.code_at(secret, totp.current_step()))
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    codes = page.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 10
    with page.expect_navigation():
        page.click("a.btn-primary")
    assert "/accounts/" not in page.url  # on the dashboard

    page.context.clear_cookies()
    sign_in(page, base)
    assert "/accounts/two-factor/verify/" in page.url
    page.fill("input[name=code]", codes[0])
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    assert "/accounts/" not in page.url
    assert foreign == []
