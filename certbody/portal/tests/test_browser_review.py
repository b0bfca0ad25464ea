"""In the browser: drafts belong to one user and go at logout; a double click starts one application."""

from __future__ import annotations

import re

import pytest

from certbody.applications.models import Application
from certbody.demo import scenarios as sc

from .helpers import portal_application

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "client-pass-2026"


def _sign_in(page, base, username):
    page.goto(base + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()


def _drafts(page) -> dict:
    return page.evaluate(
        "() => Object.fromEntries(Object.keys(localStorage).filter(k => k.startsWith('certbody.draft.'))"
        ".map(k => [k, localStorage.getItem(k)]))"
    )


def test_a_draft_is_kept_under_its_user_and_dropped_at_logout(browser_page, software_scheme):
    page, base = browser_page
    cast = sc.make_cast(password=PASSWORD)
    application = portal_application(cast, software_scheme, documents=False)
    _sign_in(page, base, cast.client.username)
    page.goto(base + f"/portal/applications/{application.pk}/units/")
    page.fill("input[name=product_name]", "机密 产品")
    drafts = _drafts(page)
    assert list(drafts) == [f"certbody.draft.u{cast.client.pk}.portal-unit-{application.pk}"]
    assert "机密 产品" in next(iter(drafts.values()))
    page.click("form.logout button[type=submit]")
    page.wait_for_load_state()
    assert _drafts(page) == {}
    page.screenshot(path="/tmp/fixportal-logout.png")


def test_a_double_click_on_start_makes_one_draft(browser_page, software_scheme):
    page, base = browser_page
    cast = sc.make_cast(password=PASSWORD)
    _sign_in(page, base, cast.client.username)
    page.goto(base + "/portal/apply/")
    page.fill("input[name=title]", "双击 测试")
    before = Application.objects.count()
    page.locator("main form button[data-once]").dblclick()
    page.wait_for_url(re.compile(r"/units/"))
    assert Application.objects.count() == before + 1


def test_a_colleague_revokes_an_invitation_with_one_click(browser_page):
    from certbody.portal import services as svc

    page, base = browser_page
    cast = sc.make_cast(password=PASSWORD)
    _invitation, token = svc.invitation_create(actor=cast.client, email="revoke-me@example.cn")
    _sign_in(page, base, cast.client.username)
    page.goto(base + "/portal/colleagues/")
    page.screenshot(path="/tmp/fixportal-colleagues.png", full_page=True)
    page.locator("form:has(input[value=revoke]) button").click()
    page.wait_for_load_state()
    assert svc.invitation_by_token(token) is None
    assert "revoke-me@example.cn" in page.locator(".messages, [role=status]").first.inner_text()


def test_market_rejects_a_registration_from_the_approval_list(browser_page, catalogue):
    from certbody.accounts.models import User
    from certbody.portal import services as svc

    from .test_services import register

    page, base = browser_page
    cast = sc.make_cast(password=PASSWORD)
    user = register()
    svc.email_confirm(token=svc.confirmation_token(user))
    _sign_in(page, base, cast.market.username)
    page.goto(base + "/portal/staff/organisations/")
    page.screenshot(path="/tmp/fixportal-approvals.png", full_page=True)
    page.locator("details.reject summary").click()
    page.fill("details.reject textarea[name=reason]", "营业执照与名称不符")
    page.screenshot(path="/tmp/fixportal-reject.png", full_page=True)
    page.locator("form:has(input[value=reject]) button").click()
    page.wait_for_load_state()
    assert not User.objects.get(pk=user.pk).is_active
    assert user.organisation.name not in page.locator("table").all_inner_texts()
