"""The console's sign-in page renders in a real browser, in Chinese by default, with bundled assets only."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_sign_in_page_renders_in_chromium_with_local_assets_only(browser_page):
    page, base = browser_page
    foreign = []
    page.on("request", lambda r: None if r.url.startswith(base) or r.url.startswith("data:") else foreign.append(r.url))
    page.goto(base + "/accounts/login/")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.locator("input[name=username]").is_visible()
    assert foreign == []
