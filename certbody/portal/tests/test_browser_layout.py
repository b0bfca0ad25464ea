"""The portal's pages at desktop and phone width: nothing wider than the screen, every field labelled, no English
left on the Chinese pages. Screenshots go to /tmp/portal2-*.png (…-phone.png at 375px)."""

from __future__ import annotations

import pytest

from certbody.demo import scenarios as sc
from certbody.portal import services as svc

from .helpers import portal_application

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "client-pass-2026"

# Visible form controls with no label a screen reader (or a person) can attach to them.
UNLABELLED = """() => Array.from(document.querySelectorAll('main input, main select, main textarea'))
  .filter(el => el.type !== 'hidden' && el.offsetParent !== null)
  .filter(el => !(el.labels && el.labels.length))
  .filter(el => !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
  .map(el => el.name || el.id || el.outerHTML.slice(0, 80))"""

# Elements sticking out past the right edge of the viewport (the page scrolls sideways on a phone).
OVERFLOW = """() => {
  const w = document.documentElement.clientWidth;
  const out = Array.from(document.querySelectorAll('main *')).filter(el => {
    const r = el.getBoundingClientRect();
    if (r.width === 0) return false;
    let p = el.parentElement;  // content inside a horizontally scrolling box (a wide table) is fine
    while (p) {
      const s = getComputedStyle(p).overflowX;
      if (s === 'auto' || s === 'scroll') return false;
      p = p.parentElement;
    }
    return r.right > w + 1;
  }).map(el => el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).split(' ')[0] : ''));
  return {scroll: document.documentElement.scrollWidth, width: w, out: out.slice(0, 5)};
}"""

# Table cells squeezed so narrow that their text runs down one character a line.
SQUEEZED = """() => Array.from(document.querySelectorAll('main td'))
  .filter(td => td.innerText.trim().length > 3 && td.getBoundingClientRect().width < 48)
  .map(td => td.innerText.trim().slice(0, 20))"""

# Latin words of three letters or more in the main text: English left untranslated (codes and numbers excepted).
ENGLISH = """() => {
  const text = document.querySelector('main').innerText;
  return (text.match(/\\b(?:[A-Z]?[a-z]{3,})(?:\\s+[a-z]{2,}){1,}\\b/g) || []).slice(0, 10);
}"""


def look(page, name: str) -> dict:
    found = {}
    for suffix, width in (("", 1280), ("-phone", 375)):
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(50)
        page.screenshot(path=f"/tmp/portal2-{name}{suffix}.png", full_page=True)
        overflow = page.evaluate(OVERFLOW)
        if overflow["scroll"] > overflow["width"] + 1 or overflow["out"]:
            found[f"{name}{suffix}: wider than the screen"] = overflow
        squeezed = page.evaluate(SQUEEZED)
        if squeezed:
            found[f"{name}{suffix}: squeezed table cells"] = squeezed
    unlabelled = page.evaluate(UNLABELLED)
    if unlabelled:
        found[f"{name}: fields without a label"] = unlabelled
    english = page.evaluate(ENGLISH)
    if english:
        found[f"{name}: English on a Chinese page"] = english
    page.set_viewport_size({"width": 1280, "height": 900})
    return found


def test_portal_pages_fit_a_phone_label_every_field_and_speak_chinese(browser_page, software_scheme):
    page, base = browser_page
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    problems: dict = {}

    page.goto(base + "/portal/register/")
    page.fill("input[name=name]", "重庆界面检查科技有限公司")
    page.fill("input[name=uscc]", "91500000MA5U7W9X0")  # 17 characters
    page.fill("input[name=email]", "ui@example.cn")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    # On top of the long form: what to correct, each a link to its field; the service's own message for the code.
    summary = page.locator("main #error-summary")
    assert summary.count() == 1 and summary.locator("a[href='#id_uscc']").count() == 1
    assert "统一社会信用代码" in summary.inner_text() and "变量" not in summary.inner_text()
    assert page.input_value("input[name=name]") == "重庆界面检查科技有限公司"
    problems.update(look(page, "register-error"))

    cast = sc.make_cast(password=PASSWORD)
    application = portal_application(cast, software_scheme, documents=False)
    svc.message_post(actor=cast.client, application=application, body="请问型号清单需要盖章吗？")
    svc.message_post(actor=cast.market, application=application, body="需要加盖公章，扫描为 PDF 上传即可。")
    page.goto(base + "/accounts/login/")
    page.fill("input[name=username]", cast.client.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    for name, path in (
        ("home", "/portal/"),
        ("apply", "/portal/apply/"),
        ("units", f"/portal/applications/{application.pk}/units/"),
        ("documents", f"/portal/applications/{application.pk}/documents/"),
        ("submit", f"/portal/applications/{application.pk}/submit/"),
        ("tracker", f"/portal/applications/{application.pk}/"),
        ("messages", f"/portal/applications/{application.pk}/messages/"),
    ):
        page.goto(base + path)
        assert page.locator("main h1").count() >= 1, name
        problems.update(look(page, name))
    # The tracker and the home page show the application's state as a badge.
    page.goto(base + "/portal/")
    assert page.locator("main .badge").count() >= 1
    page.goto(base + f"/portal/applications/{application.pk}/")
    assert page.locator("main .badge").count() >= 1
    assert not errors, errors
    assert not problems, problems
