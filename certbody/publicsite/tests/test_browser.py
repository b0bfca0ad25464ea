"""The public website in a real browser: phone and desk widths, no sideways scrolling, only local assets,
the language switch, the phone menu and a double-clicked complaint."""

import pytest

from certbody.demo.publicsite import seed
from certbody.labs.services import lab_create
from certbody.publicsite.models import ComplaintIntake
from certbody.schemes.models import ProductCategory

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 375, "height": 812}
DESK = {"width": 1280, "height": 900}


@pytest.fixture
def site(cast, catalogue):
    seed(cast.admin)
    lab_create(
        actor=None,
        name="重庆金融科技检测实验室（合作）",
        name_en="Chongqing Fintech Testing Laboratory",
        accreditation_number="CNAS L12345",
        address="重庆市渝北区金开大道",
        categories=list(ProductCategory.objects.filter(code__in=["FT01", "FT05", "FT06", "FT09"])),
    )
    from certbody.publicsite.models import PublishedDocument

    return PublishedDocument.objects.get(code="NFCC-IR-B01-04")


def _paths(doc) -> list[tuple[str, str]]:
    return [
        ("home", "/"),
        ("about", "/about/"),
        ("services", "/services/"),
        ("category", "/services/FT06/"),
        ("library", "/library/"),
        ("document", f"/library/{doc.pk}/"),
        ("fees", "/fees/"),
        ("query", "/query/"),
        ("labs", "/labs/"),
        ("complaint", "/complaint/"),
        ("csr", "/responsibility/"),
    ]


def _watch_foreign(page, base) -> list[str]:
    foreign: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(base) or r.url.startswith("data:") else foreign.append(r.url))
    return foreign


def _overflow(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def test_every_public_page_fits_a_phone_and_a_desk_with_local_assets_only(browser_page, site):
    page, base = browser_page
    foreign = _watch_foreign(page, base)
    problems = []
    for label, size in (("phone", PHONE), ("desk", DESK)):
        page.set_viewport_size(size)
        for name, path in _paths(site):
            response = page.goto(base + path)
            assert response.status == 200, path
            assert page.locator("html").get_attribute("lang") == "zh-hans"
            if _overflow(page) > 0:
                problems.append(f"{label} {path}: {_overflow(page)}px too wide")
            if name in ("home", "services", "library", "document", "labs", "complaint", "fees", "about", "csr"):
                page.screenshot(path=f"/tmp/publicsite-{label}-{name}.png", full_page=True)
    assert problems == []
    assert foreign == []


def test_language_switch_to_english_and_back(browser_page, site):
    page, base = browser_page
    page.set_viewport_size(PHONE)
    page.goto(base + "/library/")
    assert page.locator("h1").inner_text() == "实施规则、申请书和模板"
    page.locator("button.lang-btn[value=en]").click()
    page.wait_for_load_state()
    assert page.url == base + "/library/"
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Rules, forms and templates"
    assert "Implementation rules: Fintech product certification: Client software" in page.content()
    page.goto(base + "/about/")
    assert "10 October 2020" in page.content()
    page.screenshot(path="/tmp/publicsite-phone-about-en.png", full_page=True)
    assert _overflow(page) <= 0
    page.locator("button.lang-btn[value=zh-hans]").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "zh-hans"


def test_phone_menu_opens_and_leads_to_a_page(browser_page, site):
    page, base = browser_page
    page.set_viewport_size(PHONE)
    page.goto(base + "/")
    nav_link = page.locator(".site-nav a[href='/labs/']")
    assert not nav_link.is_visible()
    page.locator("label.menu-toggle").click()
    assert nav_link.is_visible()
    page.screenshot(path="/tmp/publicsite-phone-menu.png")
    nav_link.click()
    page.wait_for_url(base + "/labs/")
    assert "重庆金融科技检测实验室（合作）" in page.content()


def test_query_from_the_home_page_reaches_the_registry(browser_page, site):
    page, base = browser_page
    page.set_viewport_size(PHONE)
    page.goto(base + "/")
    page.fill("#hero-number", "NFCC")
    page.locator(".hero-query button").click()
    page.wait_for_url("**/verify/?number=NFCC")
    assert page.locator("#id_number").input_value() == "NFCC"
    page.screenshot(path="/tmp/publicsite-phone-registry.png", full_page=True)
    assert _overflow(page) <= 0
    page.locator(".topbar a[href='/']").click()  # the registry leads back to the website
    page.wait_for_url(base + "/")


def test_a_double_clicked_complaint_is_sent_once(browser_page, site):
    page, base = browser_page
    page.set_viewport_size(PHONE)
    page.goto(base + "/complaint/")
    page.select_option("#id_topic", "service")
    page.fill("#id_name", "赵六")
    page.fill("#id_phone", "13900000000")
    page.fill("#id_description", "提交申请后两周无人联系，电话也无人接听。")
    page.screenshot(path="/tmp/publicsite-phone-complaint-filled.png", full_page=True)
    page.locator("button[data-once]").dblclick()
    page.wait_for_url("**/complaint/received/")
    number = page.locator(".tracking-number").inner_text().strip()
    page.screenshot(path="/tmp/publicsite-phone-complaint-done.png", full_page=True)
    assert ComplaintIntake.objects.count() == 1
    assert ComplaintIntake.objects.get().tracking_number == number


def _sign_in(page, base, username: str) -> None:
    page.goto(base + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "demo-pass-2026")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(base + "/console/")


def test_quality_publishes_a_new_version_in_the_console_and_the_website_shows_it(browser_page, site, tmp_path):
    from certbody.demo.scenarios import MINIMAL_PDF

    page, base = browser_page
    foreign = _watch_foreign(page, base)
    _sign_in(page, base, "quality")
    page.locator(".sidenav a[href='/console/website/']").click()
    page.locator("a[href='/console/website/documents/']").click()
    page.screenshot(path="/tmp/publicsite-staff-documents.png", full_page=True)
    page.locator(f"a[href='/console/website/documents/{site.pk}/']").click()
    wrong = tmp_path / "rules.pdf"
    wrong.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)
    page.fill("#id_publish_version", "V1.2/0")
    page.fill("#id_publish_effective_from", "2026-01-01")
    page.set_input_files("#id_publish_file", str(wrong))
    page.locator("#action-publish button[type=submit]").click()
    page.wait_for_load_state()
    assert "rules.pdf" in page.locator("#action-publish .form-error").inner_text()
    assert page.locator("#id_publish_version").input_value() == "V1.2/0"
    page.screenshot(path="/tmp/publicsite-staff-refused.png", full_page=True)
    good = tmp_path / "v12.pdf"
    good.write_bytes(MINIMAL_PDF)
    page.set_input_files("#id_publish_file", str(good))
    page.locator("#action-publish button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".alert-success").is_visible()
    page.set_viewport_size(PHONE)
    page.goto(base + f"/library/{site.pk}/")
    versions = page.locator(".version-head strong").all_inner_texts()
    assert versions == ["V1.2/0", "V1.1/0", "V1.0/0"]
    assert _overflow(page) <= 0
    page.goto(base + f"/console/website/documents/{site.pk}/")
    page.screenshot(path="/tmp/publicsite-staff-document-phone.png", full_page=True)
    assert _overflow(page) <= 0
    assert foreign == []


def test_a_double_clicked_fee_item_is_added_once(browser_page, site):
    from certbody.publicsite.models import FeeItem

    page, base = browser_page
    before = FeeItem.objects.count()
    _sign_in(page, base, "market")
    page.goto(base + "/console/website/fees/")
    page.fill("#id_item_zh", "双击测试费")
    page.fill("#id_amount", "300")
    page.fill("#id_sort_order", "5")
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    # Two quick clicks, as an impatient user sends them (the second before the page has gone).
    page.locator("#new-fee button[data-once]").evaluate("b => { b.click(); setTimeout(() => b.click(), 40); }")
    page.locator(".alert-success").wait_for()
    page.wait_for_timeout(300)  # room for a second request, if one was sent
    page.screenshot(path="/tmp/fixpub-fees-after.png", full_page=True)
    assert FeeItem.objects.count() == before + 1
    assert FeeItem.objects.filter(item_zh="双击测试费").count() == 1
    assert len(posts) == 1, posts
