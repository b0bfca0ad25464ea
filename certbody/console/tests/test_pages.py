"""The console shell, the work queue and the audit trail pages."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from certbody.applications.models import Application
from certbody.core.models import AuditEvent
from certbody.core.tests.pages import Pages
from certbody.demo import scenarios as sc

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)


@pytest.fixture
def pages(client):
    return Pages(client)


def test_dashboard_sends_anonymous_visitors_to_sign_in(client):
    response = client.get(reverse("console:dashboard"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next=/console/"


def test_dashboard_lists_my_tasks_overdue_first(pages, cast, software_scheme):
    late = sc.submitted_application(cast, software_scheme, title="迟到的申请")
    fresh = sc.submitted_application(cast, software_scheme, title="新的申请")
    Application.objects.filter(pk=late.pk).update(stage_due=timezone.localdate() - timedelta(days=2))
    pages.login(cast.market)
    page = pages.get(reverse("console:dashboard")).content.decode()
    assert page.index(late.number) < page.index(fresh.number)
    assert 'class="is-overdue"' in page and "1 overdue" in page
    assert reverse("applications:detail", args=[late.pk]) in page


def test_empty_dashboard_says_so(pages, cast):
    pages.login(cast.hr)
    assert "Nothing waiting for you." in pages.get(reverse("console:dashboard")).content.decode()


def test_layout_has_user_roles_language_switch_and_post_logout(pages, cast):
    pages.login(cast.engineer)
    page = pages.get(reverse("console:dashboard")).content.decode()
    assert str(cast.engineer) in page and "Certification engineer" in page
    assert 'action="/i18n/setlang/" method="post"' in page
    assert 'name="language" value="zh-hans"' in page and 'name="language" value="en"' in page
    assert re.search(r'<form class="logout" action="/accounts/logout/" method="post">', page)
    for url in (
        "/applications/",
        "/certificates/",
        "/evaluation/surveillance/",
        "/evaluation/test-orders/",
        "/evaluation/inspections/",
        "/catalogue/",
    ):
        assert f'href="{url}"' in page
    assert 'href="/audit/"' not in page  # not the engineer's page


def test_every_page_is_free_of_inline_scripts_and_handlers(pages, cast, hardware_scheme):
    certificate = sc.certified(cast, hardware_scheme)
    application = Application.objects.get(pk=certificate.application_id)
    surveillance = certificate.surveillances.get()
    urls = [
        reverse("console:dashboard"),
        reverse("console:audit"),
        reverse("applications:list"),
        reverse("applications:create"),
        reverse("applications:detail", args=[application.pk]),
        reverse("certificates:list"),
        reverse("certificates:detail", args=[certificate.pk]),
        reverse("certificates:version", args=[certificate.pk, 1]),
        reverse("certification:surveillance_list"),
        reverse("certification:surveillance_detail", args=[surveillance.pk]),
        reverse("certification:test_order_list"),
        reverse("certification:test_order_detail", args=[application.test_orders.first().pk]),
        reverse("certification:inspection_list"),
        reverse("certification:inspection_detail", args=[application.inspections.first().pk]),
        reverse("schemes:list"),
        reverse("accounts:tokens"),
    ]
    cast.admin.role_grants.create(role="market")
    admin = type(cast.admin).objects.get(pk=cast.admin.pk)
    pages.login(admin)
    for url in urls:
        response = pages.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        assert not INLINE_SCRIPT.search(page), url
        assert not INLINE_HANDLER.search(page), url
        assert "//cdn" not in page and "https://" not in page.split("<body", 1)[0], url
        assert "Content-Security-Policy" in response.headers


def test_login_page_has_the_language_switch(client):
    page = client.get(reverse("accounts:login")).content.decode()
    assert 'action="/i18n/setlang/"' in page and 'name="language" value="en"' in page


def test_language_switch_changes_the_page_language(client, cast):
    client.force_login(cast.engineer)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/console/"})
    assert response.status_code == 302
    assert client.get("/console/").headers["Content-Language"] == "en"


def test_audit_trail_is_for_quality_management_and_admin(pages, cast):
    pages.login(cast.engineer)
    assert pages.get(reverse("console:audit")).status_code == 403
    pages.login(cast.client)
    assert pages.get(reverse("console:audit")).status_code == 403
    assert pages.client.post(reverse("console:audit")).status_code == 403
    for user in (cast.quality, cast.management, cast.admin):
        pages.login(user)
        assert pages.get(reverse("console:audit")).status_code == 200


def test_audit_trail_filters(pages, cast, software_scheme):
    certificate = sc.certified(cast, software_scheme)
    pages.login(cast.quality)
    url = reverse("console:audit")

    def actions(**params):
        return {e.action for e in pages.get(url, data=params).context["page"].items}

    assert actions(action="application.submit") == {"application.submit"}
    assert actions(action="certificate.") == {"certificate.issue"}
    assert actions(object_type="certification.testorder") >= {"testorder.create", "testorder.report"}
    assert actions(actor="decider") >= {"application.grant", "certificate.issue"}
    assert "application.submit" not in actions(actor="decider")
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert actions(date_from=tomorrow) == set()
    assert "certificate.issue" in actions(date_to=tomorrow)
    page = pages.get(url, data={"action": "certificate.issue"}).content.decode()
    assert reverse("certificates:detail", args=[certificate.pk]) in page


def test_audit_trail_pages_by_sequence_newest_first(pages, cast, software_scheme):
    for i in range(15):
        sc.submitted_application(cast, software_scheme, title=f"申请{i}")
    total = AuditEvent.objects.count()
    assert total > 50
    pages.login(cast.quality)
    first = pages.get(reverse("console:audit")).context["page"]
    assert first.items[0].seq == total and len(first.items) == 50
    second = pages.get(reverse("console:audit"), data={"after": first.next_cursor}).context["page"]
    assert second.items[0].seq == total - 50


def test_verify_chain_reports_tampering(pages, cast, software_scheme):
    sc.submitted_application(cast, software_scheme)
    AuditEvent.objects.filter(action="application.submit").update(reason="edited afterwards")
    pages.login(cast.quality)
    response = pages.client.post(reverse("console:audit"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Chain broken" in page and "content does not match its hash" in page
