"""The client's whole journey in a real browser: register → confirm → apply with uploads → submit → staff return →
the client completes and resubmits → staff accept → contract accepted online → (lifecycle by the services) → the
client sees the certificate and downloads its PDF. Screenshots at desktop and phone width go to /tmp/portal-*.png."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from certbody.applications import checklist as cl
from certbody.applications.models import Application, Submission
from certbody.certificates.models import Certificate
from certbody.clients.validators import uscc_check_char
from certbody.demo import scenarios as sc
from certbody.demo.scenarios import MINIMAL_PDF
from certbody.portal import services as svc

pytestmark = pytest.mark.django_db(transaction=True)

USCC17 = "91500000MA5U7W9X1"
PASSWORD = "a-Strong-pass-2026"


def shoot(page, name: str) -> None:
    page.screenshot(path=f"/tmp/portal-{name}.png", full_page=True)
    size = page.viewport_size
    page.set_viewport_size({"width": 375, "height": 800})
    page.screenshot(path=f"/tmp/portal-{name}-phone.png", full_page=True)
    page.set_viewport_size(size)


def sign_in(page, base: str, username: str, password: str) -> None:
    page.goto(base + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()


def test_register_apply_return_complete_accept_and_download_the_certificate(browser_page, software_scheme, tmp_path):
    page, base = browser_page
    cast = sc.make_cast(password="staff-pass-2026")
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    # --- register ---------------------------------------------------------------------------------------
    page.goto(base + "/portal/register/")
    shoot(page, "register")
    page.fill("input[name=name]", "重庆云端支付科技有限公司")
    page.fill("input[name=uscc]", USCC17 + "0" if uscc_check_char(USCC17) != "0" else USCC17 + "1")  # wrong first
    page.fill("input[name=address]", "重庆市渝中区解放碑")
    page.fill("input[name=contact_name]", "韩梅梅")
    page.fill("input[name=email]", "hanmeimei@example.cn")
    page.fill("input[name=username]", "hanmeimei")
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.click("main form button[type=submit]")
    # Refused for the check character; everything typed is still there but the password (never sent back).
    page.wait_for_selector("#id_uscc_error")
    assert page.input_value("input[name=address]") == "重庆市渝中区解放碑"
    assert page.input_value("input[name=password]") == ""
    page.fill("input[name=password]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.fill("input[name=uscc]", USCC17 + uscc_check_char(USCC17))
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/portal/register/sent/"))

    # --- confirm from the e-mail ------------------------------------------------------------------------
    confirmation = [m for m in mail.outbox if m.to == ["hanmeimei@example.cn"]][-1]
    path = re.search(r"(/portal/confirm/[^/\s]+/)", confirmation.body).group(1)
    page.goto(base + path)
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/accounts/login/"))
    page.fill("input[name=username]", "hanmeimei")
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/portal/$"))
    assert page.locator(".notice-warning").count() == 1  # waiting for approval
    from certbody.accounts.models import User

    client = User.objects.get(username="hanmeimei")
    svc.organisation_approve(actor=cast.market, organisation=client.organisation)

    # --- apply: scheme, unit, documents -----------------------------------------------------------------
    page.goto(base + "/portal/apply/")
    page.select_option("select[name=scheme]", str(software_scheme.pk))
    page.fill("input[name=title]", "云端支付 手机客户端 V3")
    shoot(page, "apply")
    page.click("main form[data-autosave] button[type=submit]")
    page.wait_for_url(re.compile(r"/units/"))
    application = Application.objects.get(organisation=client.organisation)
    page.fill("input[name=product_name]", "云端支付手机客户端")
    page.fill("input[name=model_names]", "CloudPay-A")
    page.fill("input[name=version]", "3.0.1")
    page.fill("input[name=manufacturer_name]", "重庆云端支付科技有限公司")
    page.fill("input[name=manufacturer_address]", "重庆市渝中区解放碑")
    page.fill("input[name=site_name]", "研发中心")
    page.fill("input[name=site_address]", "重庆市渝北区")
    page.click("main form[data-autosave] button[type=submit]")
    page.wait_for_url(re.compile(r"saved=1"))
    assert application.units.count() == 1
    shoot(page, "units")
    page.goto(base + f"/portal/applications/{application.pk}/documents/")
    required = [i for i in cl.for_application(application) if i.required]
    # One bad file among the good ones: it is named, the others are kept.
    bad = tmp_path / "说明书.pdf"
    bad.write_bytes(b"<html>not a pdf</html>")
    for item in required:
        f = tmp_path / f"{item.code}.pdf"
        f.write_bytes(MINIMAL_PDF + item.code.encode())
        page.set_input_files(f"input[name=file_{item.code}]", str(bad if item.code == "manual" else f))
    page.click("main form[enctype] button[type=submit]")
    assert "说明书.pdf" in page.wait_for_selector("#upload-errors").inner_text()
    shoot(page, "documents-error")
    assert application.documents.count() == len(required) - 1
    good = tmp_path / "manual.pdf"
    good.write_bytes(MINIMAL_PDF + b"manual")
    page.set_input_files("input[name=file_manual]", str(good))
    page.click("main form[enctype] button[type=submit]")
    page.wait_for_url(re.compile(r"/documents/$"))
    assert application.documents.count() == len(required)
    shoot(page, "documents")

    # --- submit -------------------------------------------------------------------------------------------
    page.goto(base + f"/portal/applications/{application.pk}/submit/")
    page.click("main form[data-autosave] button[type=submit]")
    page.wait_for_url(re.compile(rf"/portal/applications/{application.pk}/$"))
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED

    # --- staff return it, naming the missing document ---------------------------------------------------
    staff = page.context.browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    market = staff.new_page()
    sign_in(market, base, cast.market.username, "staff-pass-2026")
    market.goto(base + f"/applications/{application.pk}/")
    market.click("#action-return summary")
    market.fill("#action-return textarea[name=reason]", "营业执照复印件不清晰，请重新上传")
    market.check("#action-return input[name=missing_items][value=business_licences]")
    market.click("#action-return button[type=submit]")
    market.wait_for_load_state()
    application.refresh_from_db()
    assert application.status == Application.Status.RETURNED
    assert application.return_items == ["business_licences"]

    # --- the client sees what is missing, completes and resubmits ----------------------------------------
    page.goto(base + f"/portal/applications/{application.pk}/")
    assert "营业执照复印件不清晰" in page.locator(".todo").inner_text()
    shoot(page, "tracker-returned")
    page.goto(base + f"/portal/applications/{application.pk}/documents/")
    assert page.locator("#item-business_licences.is-asked").count() == 1
    licence = tmp_path / "营业执照-清晰.pdf"
    licence.write_bytes(MINIMAL_PDF + b"clear")
    page.set_input_files("input[name=file_business_licences]", str(licence))
    page.click("main form[enctype] button[type=submit]")
    page.wait_for_url(re.compile(r"/documents/$"))
    page.goto(base + f"/portal/applications/{application.pk}/submit/")
    page.click("main form[data-autosave] button[type=submit]")  # the answer is required after a return
    page.wait_for_selector("#id_answer_error")
    page.fill("textarea[name=answer]", "已重新上传清晰的营业执照")
    page.click("main form[data-autosave] button[type=submit]")
    page.wait_for_url(re.compile(rf"/portal/applications/{application.pk}/$"))
    second = Submission.objects.get(application=application, round=2)
    assert [c["what"] for c in second.changes] == ["document: business_licences"]

    # --- staff see exactly what changed, and accept -------------------------------------------------------
    market.goto(base + f"/portal/applications/{application.pk}/changes/")
    changes = market.locator(".changes-table").first.inner_text()
    assert "营业执照-清晰.pdf" in changes and "已重新上传清晰的营业执照" in market.content()
    shoot(market, "staff-changes")
    market.goto(base + f"/applications/{application.pk}/")
    market.fill("#action-accept input[name=contract_number]", "HT-2026-CLOUD")
    market.fill("#action-accept input[name=fee]", "38000")
    market.fill("#action-accept input[name=terms_version]", "NFCC-T-2026.1")
    market.select_option("#action-accept select[name=engineer]", str(cast.engineer.pk))
    market.click("#action-accept button[type=submit]")
    market.wait_for_load_state()
    application.refresh_from_db()
    assert application.status == Application.Status.ACCEPTED

    # --- contract accepted online ---------------------------------------------------------------------------
    page.goto(base + f"/portal/applications/{application.pk}/")
    page.click(".todo a")
    page.check("input[name=agree]")
    page.click("main form button[type=submit].btn-primary")
    page.wait_for_url(re.compile(rf"/portal/applications/{application.pk}/$"))
    contract = application.contract.__class__.objects.get(application=application)
    assert contract.client_accepted_by_id == client.pk and contract.client_terms_version == "NFCC-T-2026.1"
    assert contract.client_accepted_ip == "127.0.0.1"

    # --- the rest of the lifecycle through the services, then the certificate in the portal ------------------
    application.refresh_from_db()
    certificate = sc.granted(cast, sc.reviewed(cast, sc.evaluated(cast, application)))
    assert Certificate.objects.filter(organisation=client.organisation).count() == 1
    page.goto(base + "/portal/certificates/")
    assert certificate.number in page.content()
    shoot(page, "certificates")
    link = page.locator(f"a[href*='/certificates/{certificate.pk}/versions/']").get_attribute("href")
    pdf = page.request.get(base + link)
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    page.goto(base + f"/portal/applications/{application.pk}/")
    shoot(page, "tracker-granted")
    timeline = page.locator(".timeline").inner_text()
    assert timeline.count("\n") >= 8
    # The client heard of every step: in the portal and by e-mail.
    page.goto(base + "/portal/notifications/")
    assert page.locator(".notifications li").count() >= 5
    assert sum(1 for m in mail.outbox if m.to == ["hanmeimei@example.cn"]) >= 6
    assert errors == []
    staff.close()
