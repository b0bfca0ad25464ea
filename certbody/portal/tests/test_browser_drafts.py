"""Nothing typed is lost when the session expires: the form comes back filled after signing in again."""

from __future__ import annotations

import re

import pytest

from certbody.applications.models import Dossier
from certbody.demo import scenarios as sc

from .helpers import portal_application

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_unit_typed_when_the_session_expired_is_back_after_signing_in(browser_page, software_scheme):
    page, base = browser_page
    cast = sc.make_cast(password="client-pass-2026")
    application = portal_application(cast, software_scheme, documents=False)
    assert Dossier.objects.filter(application=application).exists()
    page.goto(base + "/accounts/login/")
    page.fill("input[name=username]", cast.client.username)
    page.fill("input[name=password]", "client-pass-2026")
    page.click("main form button[type=submit]")
    page.wait_for_load_state()
    page.goto(base + f"/portal/applications/{application.pk}/units/")
    page.fill("input[name=product_name]", "企业网银客户端")
    page.fill("input[name=model_names]", "E1, E2")
    page.fill("textarea[name=difference_statement]", "E2 仅增加了指纹登录")
    page.context.clear_cookies(name="sessionid")  # the session is gone (expired, or signed out elsewhere)
    page.click("main form[data-autosave] button[type=submit]")
    page.wait_for_url(re.compile(r"/accounts/login/"))
    page.fill("input[name=username]", cast.client.username)
    page.fill("input[name=password]", "client-pass-2026")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(rf"/portal/applications/{application.pk}/units/"))
    assert page.input_value("input[name=product_name]") == "企业网银客户端"
    assert page.input_value("input[name=model_names]") == "E1, E2"
    assert page.input_value("textarea[name=difference_statement]") == "E2 仅增加了指纹登录"
    assert application.units.count() == 1  # nothing was saved behind the client's back
    # Once the unit is saved on the server, the browser's copy is dropped.
    page.fill("input[name=version]", "1.0")
    for name, value in (
        ("manufacturer_name", cast.manufacturer.name),
        ("manufacturer_address", cast.manufacturer.address),
        ("site_name", cast.site.name),
        ("site_address", cast.site.address),
    ):
        page.fill(f"input[name={name}]", value)
    page.click("main form[data-autosave] button[type=submit]")
    page.wait_for_url(re.compile(r"saved=1"))
    assert application.units.count() == 2
    page.goto(base + f"/portal/applications/{application.pk}/units/")
    assert page.input_value("input[name=product_name]") == ""
