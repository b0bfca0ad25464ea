"""Every public page renders in Chinese and English, anonymously; staff pages by role; the query hands over."""

import pytest
from django.test import Client
from django.urls import reverse

from certbody.core.tests.pages import Pages, form_errors
from certbody.labs.services import lab_create
from certbody.publicsite import services
from certbody.publicsite.models import FeeItem
from certbody.schemes.models import ProductCategory

pytestmark = pytest.mark.django_db

PUBLIC = [
    ("publicsite:home", []),
    ("publicsite:about", []),
    ("publicsite:services", []),
    ("publicsite:category", ["FT01"]),
    ("publicsite:library", []),
    ("publicsite:fees", []),
    ("publicsite:query", []),
    ("publicsite:labs", []),
    ("publicsite:complaint", []),
    ("publicsite:csr", []),
]


def _get(url: str, language: str):
    client = Client()
    client.cookies["django_language"] = language
    return client.get(url)


@pytest.mark.parametrize(("name", "args"), PUBLIC)
def test_public_pages_render_in_chinese_and_english(library, name, args):
    url = reverse(name, args=args)
    zh = _get(url, "zh-hans")
    en = _get(url, "en")
    assert zh.status_code == en.status_code == 200
    assert zh["Content-Language"] == "zh-hans" and en["Content-Language"] == "en"
    zh_text, en_text = zh.content.decode(), en.content.decode()
    # The menu in each language, and the language switch on every page.
    assert "证书查询" in zh_text and "Certificate query" in en_text
    assert "Certificate query" not in zh_text
    assert 'action="/i18n/setlang/"' in zh_text and 'name="language" value="en"' in zh_text


def test_document_page_renders_in_both_languages(library):
    doc, _ = library
    url = reverse("publicsite:document", args=[doc.pk])
    assert "POS终端金融科技产品认证实施规则" in _get(url, "zh-hans").content.decode()
    assert "Implementation rules: POS terminal" in _get(url, "en").content.decode()


def test_about_page_states_the_centres_facts():
    zh = _get(reverse("publicsite:about"), "zh-hans").content.decode()
    assert "2020年10月10日" in zh and "023-66708888" in zh and "江北区金融城3号T1栋26楼" in zh
    en = _get(reverse("publicsite:about"), "en").content.decode()
    assert "10 October 2020" in en and "Conveying trust, serving development" in en


def test_the_site_takes_the_root_and_the_console_moves(cast):
    assert reverse("publicsite:home") == "/"
    assert reverse("console:dashboard") == "/console/"
    client = Client()
    assert client.get("/").status_code == 200
    assert client.get("/console/").status_code == 302  # sign in first


def test_lab_directory_shows_only_active_partner_labs(cast, catalogue):
    ft06 = ProductCategory.objects.get(code="FT06")
    lab_create(actor=None, name="重庆合作检测实验室", categories=[ft06], accreditation_number="CNAS L9999")
    lab_create(actor=None, name="已停用检测实验室", is_active=False)
    lab_create(actor=None, name="非合作检测实验室", is_partner=False)
    text = Client().get(reverse("publicsite:labs")).content.decode()
    assert "重庆合作检测实验室" in text and "CNAS L9999" in text and "POS终端" in text
    assert "已停用检测实验室" not in text and "非合作检测实验室" not in text


def test_query_hands_over_to_the_public_registry():
    response = Client().get(reverse("publicsite:query"), {"number": "NFCC2024", "holder": "", "product": "POS"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("website:search") + "?")
    assert "number=NFCC2024" in response["Location"] and "product=POS" in response["Location"]


def test_an_empty_query_says_what_to_enter():
    client = Client()
    client.cookies["django_language"] = "en"
    response = client.get(reverse("publicsite:query"), {"number": " "})
    assert response.status_code == 422
    assert "Enter a certificate number, a holder or a product" in form_errors(response)


def test_fees_page_shows_only_shown_items_by_category(cast, catalogue, client):
    from decimal import Decimal

    general = services.fee_create(actor=cast.market, item_zh="申请费", amount=Decimal("500"), unit_zh="单元")
    services.fee_create(
        actor=cast.market,
        category=ProductCategory.objects.get(code="FT11"),
        item_zh="云平台附加费",
        amount=Decimal("3000"),
    )
    hidden = services.fee_create(actor=cast.market, item_zh="旧收费项", note_zh="已取消")
    services.fee_set_shown(actor=cast.market, fee=hidden, shown=False)
    text = Client().get(reverse("publicsite:fees")).content.decode()
    assert "申请费" in text and "云平台附加费" in text and "旧收费项" not in text
    # Market adds a line through the staff page; a line without amount or note is refused, keeping the input.
    Pages(client).login(cast.market)
    response = client.post(
        reverse("publicsite:staff_fees"), {"action": "create", "item_zh": "加急费", "sort_order": "5"}
    )
    assert response.status_code == 200 and "amount" in form_errors(response)
    assert 'value="加急费"' in response.content.decode()
    response = client.post(
        reverse("publicsite:staff_fees"), {"action": "create", "item_zh": "加急费", "amount": "800", "sort_order": "5"}
    )
    assert response.status_code == 302 and FeeItem.objects.filter(item_zh="加急费", amount=800).exists()
    client.post(reverse("publicsite:staff_fees"), {"action": "hide", "fee": general.pk})
    general.refresh_from_db()
    assert not general.is_active


def test_staff_pages_by_role(cast, client):
    pages = Pages(client)
    expectations = {
        cast.quality: {"staff_documents": 200, "staff_fees": 403, "staff_complaints": 200},
        cast.market: {"staff_documents": 403, "staff_fees": 200, "staff_complaints": 403},
        cast.engineer: {"staff_documents": 403, "staff_fees": 403, "staff_complaints": 403},
        cast.management: {"staff_documents": 200, "staff_fees": 200, "staff_complaints": 200},
    }
    for user, pages_status in expectations.items():
        pages.login(user)
        for name, status in pages_status.items():
            assert client.get(reverse(f"publicsite:{name}")).status_code == status, (user, name)


def test_console_navigation_links_the_website_pages_for_its_keepers(cast, client):
    Pages(client).login(cast.quality)
    page = client.get(reverse("console:dashboard")).content.decode()
    assert f'href="{reverse("publicsite:staff")}"' in page
    Pages(client).login(cast.engineer)
    assert reverse("publicsite:staff") not in client.get(reverse("console:dashboard")).content.decode()


def test_public_pages_use_no_inline_script_nor_foreign_assets(library):
    import re

    doc, _ = library
    urls = [reverse(name, args=args) for name, args in PUBLIC] + [reverse("publicsite:document", args=[doc.pk])]
    for url in urls:
        response = Client().get(url)
        page = response.content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), url
        assert not re.search(r"\son[a-z]+=", page), url
        assert "//cdn" not in page and "https://" not in page.split("<body", 1)[0], url
        assert "Content-Security-Policy" in response.headers


def test_a_certificate_number_with_a_slash_in_a_complaint_does_not_break_the_staff_page(cast, client):
    intake, _ = services.complaint_submit(
        submit_token="slash",
        topic="certificate_use",
        name="赵",
        phone="1",
        certificate_number="NFCC/2024/1",
        description="证书编号含斜杠的投诉内容。",
    )
    Pages(client).login(cast.quality)
    page = client.get(reverse("publicsite:staff_complaint", args=[intake.pk]))
    assert page.status_code == 200 and "NFCC/2024/1" in page.content.decode()


def test_services_and_library_pages_take_a_fixed_number_of_queries(library, django_assert_max_num_queries):
    client = Client()
    for url in (
        reverse("publicsite:services"),
        reverse("publicsite:library"),
        reverse("publicsite:category", args=["FT06"]),
    ):
        with django_assert_max_num_queries(12):
            assert client.get(url).status_code == 200
