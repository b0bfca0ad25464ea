"""HR and quality in a real browser: the people pages render in Chinese, a person's record, the risk register, and an
override asked by the engineer and approved by quality. Screenshots go to /tmp/people-*.png."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from certbody.certification import services as svc
from certbody.demo import scenarios as sc
from certbody.people import services as people_svc
from certbody.people.models import AssignmentOverride, Authorisation

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "staff-pass-2026"


def sign_in(page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(base + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_load_state()


def test_people_pages_and_an_override_in_the_browser(browser_page, hardware_scheme):
    page, base = browser_page
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    cast = sc.make_cast(password=PASSWORD)
    application = sc.accepted(cast, sc.submitted_application(cast, hardware_scheme))
    svc.evaluation_start(actor=cast.engineer, application=application)
    today = timezone.localdate()
    people_svc.consultancy_record(
        actor=cast.quality,
        organisation=cast.organisation,
        description="支付安全咨询",
        started_on=today - timedelta(days=200),
        ended_on=today - timedelta(days=100),
        consultants=[cast.inspector2.person],
    )
    Authorisation.objects.filter(person__user=cast.inspector).update(all_categories=False)

    sign_in(page, base, cast.hr.username)
    page.goto(base + "/people/")
    assert page.locator("h1").inner_text() == "人员"
    page.screenshot(path="/tmp/people-list.png", full_page=True)
    page.click(f"text={cast.inspector2.person.name}")
    page.wait_for_load_state()
    assert "为客户提供咨询" in page.content()
    page.screenshot(path="/tmp/people-detail.png", full_page=True)
    page.goto(base + "/people/risks/")
    assert "支付安全咨询" in page.content()
    page.screenshot(path="/tmp/people-risks.png", full_page=True)

    # Nobody may lead: inspector2 consulted for the client, the inspector's scope no longer covers it.
    sign_in(page, base, cast.engineer.username)
    page.goto(base + f"/people/suggestions/?role=team_leader&application={application.number}")
    page.screenshot(path="/tmp/people-suggestions.png", full_page=True)
    assert "无人符合条件" in page.content()
    page.goto(base + "/people/overrides/")
    page.select_option("select[name=role]", "team_leader")
    page.fill("input[name=username]", cast.inspector.username)
    page.fill("input[name=application]", application.number)
    page.fill("textarea[name=reason]", "唯一熟悉该型号的检查员")
    page.click("text=申请 >> nth=-1")
    page.wait_for_load_state()
    assert AssignmentOverride.objects.get().status == "requested"

    sign_in(page, base, cast.quality.username)
    page.goto(base + "/people/overrides/")
    page.fill("textarea[name=reason]", "同意，已安排培训")
    page.click("button:has-text('审批')")
    page.wait_for_load_state()
    page.screenshot(path="/tmp/people-overrides.png", full_page=True)
    assert AssignmentOverride.objects.get().status == "approved"
    assert errors == []
