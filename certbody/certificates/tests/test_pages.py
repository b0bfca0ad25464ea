"""Certificate pages: the fast list, the detail page, its status steps, and who sees what."""

import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from certbody.certificates.models import Certificate, NonconformityCase
from certbody.clients.services import organisation_create
from certbody.core.tests.pages import Pages, form_errors
from certbody.core.workflow import status_override
from certbody.demo import scenarios as sc

pytestmark = pytest.mark.django_db


@pytest.fixture
def pages(client):
    return Pages(client)


def make_certificates(cast, scheme, n: int, *, start: date = date(2025, 1, 1), status: str = "valid", **kw):
    """Bare certificate rows for list tests (the lifecycle is tested elsewhere)."""
    if "holder" in kw and "organisation" not in kw:
        # The holder is an organisation on record, as it always is for issued certificates.
        kw["organisation"] = organisation_create(actor=None, name=kw["holder"], address="成都市高新区")
    rows = [
        Certificate(
            number=f"{kw.get('prefix', 'NFCC2025T')}{i:05d}",
            status=status,
            organisation=kw.get("organisation", cast.organisation),
            scheme=scheme,
            category=scheme.category,
            holder_name=kw.get("holder", cast.organisation.name),
            product_name=f"产品{i}",
            first_issued_on=start + timedelta(days=i // 3),
            issued_on=start + timedelta(days=i // 3),
            expires_on=start + timedelta(days=1000),
            status_changed_at=timezone.now(),
        )
        for i in range(n)
    ]
    return Certificate.objects.bulk_create(rows)


def test_certificate_list_walks_pages_without_counting(pages, cast, software_scheme):
    certificates = make_certificates(cast, software_scheme, 60)
    newest_first = sorted(certificates, key=lambda c: (c.issued_on, c.id), reverse=True)
    pages.login(cast.market)
    url = reverse("certificates:list")
    with CaptureQueriesContext(connection) as queries:
        first = pages.get(url)
    assert not [q for q in queries if "COUNT(" in q["sql"].upper()]
    listed = pages.get(url).context["page"]
    assert [c.pk for c in listed.items] == [c.pk for c in newest_first[:25]]
    assert listed.has_next and not listed.has_prev
    second = pages.get(url, data={"after": listed.next_cursor}).context["page"]
    assert [c.pk for c in second.items] == [c.pk for c in newest_first[25:50]]
    third = pages.get(url, data={"after": second.next_cursor}).context["page"]
    assert [c.pk for c in third.items] == [c.pk for c in newest_first[50:]]
    assert not third.has_next and third.has_prev
    back = pages.get(url, data={"before": third.prev_cursor}).context["page"]
    assert [c.pk for c in back.items] == [c.pk for c in newest_first[25:50]]
    assert 'rel="next"' in first.content.decode()
    # A broken cursor is the first page, not an error.
    assert pages.get(url, data={"after": "garbage"}).status_code == 200


def test_certificate_list_filters(pages, cast, software_scheme, hardware_scheme):
    make_certificates(cast, software_scheme, 5, prefix="NFCC2025A")
    make_certificates(
        cast, hardware_scheme, 5, prefix="NFCC2025B", start=date(2025, 6, 1), holder="成都测试支付有限公司"
    )
    with status_override():  # bare rows without a lifecycle: the state is set, not reached
        Certificate.objects.filter(number="NFCC2025B00003").update(status="suspended")
    pages.login(cast.market)
    url = reverse("certificates:list")

    def numbers(**params):
        return {c.number for c in pages.get(url, data=params).context["page"].items}

    assert numbers(number="nfcc2025b") == {f"NFCC2025B{i:05d}" for i in range(5)}
    assert numbers(holder="成都测试") == {f"NFCC2025B{i:05d}" for i in range(5)}
    assert numbers(status="suspended") == {"NFCC2025B00003"}
    assert numbers(category=hardware_scheme.category_id) == numbers(scheme=hardware_scheme.pk)
    assert numbers(issued_from="2025-06-01") == {f"NFCC2025B{i:05d}" for i in range(5)}
    assert numbers(issued_to="2025-01-01") == {"NFCC2025A00000", "NFCC2025A00001", "NFCC2025A00002"}
    response = pages.get(url, data={"issued_from": "2025-06-02", "issued_to": "2025-01-01"})
    assert "Some filters are not valid" in response.content.decode()


def test_certificate_list_query_count_does_not_grow_with_rows(
    pages, cast, software_scheme, hardware_scheme, django_assert_max_num_queries
):
    make_certificates(cast, software_scheme, 20, prefix="NFCC2025A")
    make_certificates(cast, hardware_scheme, 20, prefix="NFCC2025B")
    pages.login(cast.market)
    with django_assert_max_num_queries(10):
        response = pages.get(reverse("certificates:list"))
    page = response.content.decode()
    assert len(re.findall(r'href="/certificates/\d+/"', page)) == 25
    assert "NFCC-PC-B06" in page and "NFCC-PC-B01" in page


def test_client_sees_only_its_own_certificates(pages, cast, software_scheme):
    other = sc.make_cast(prefix="other-")
    mine = make_certificates(cast, software_scheme, 2, prefix="NFCC2025M")
    theirs = make_certificates(other, software_scheme, 2, prefix="NFCC2025T", organisation=other.organisation)
    pages.login(cast.client)
    page = pages.get(reverse("certificates:list")).content.decode()
    assert mine[0].number in page and theirs[0].number not in page
    url = reverse("certificates:detail", args=[theirs[0].pk])
    assert pages.get(url).status_code == 404
    assert pages.client.post(url, {"action": "new_application", "kind": "change"}).status_code == 404
    assert pages.get(reverse("certificates:version", args=[theirs[0].pk, 1])).status_code == 404
    assert pages.get(reverse("certificates:detail", args=[999999])).status_code == 404


def test_certificate_page_shows_the_content_and_the_history(pages, cast, hardware_scheme):
    certificate = sc.certified(cast, hardware_scheme, models=("P10", "P10 Pro"))
    pages.login(cast.client)
    response = pages.get(reverse("certificates:detail", args=[certificate.pk]))
    page = response.content.decode()
    version = certificate.versions.get()
    for text in (
        certificate.number,
        version.holder_address,
        "P10 Pro",
        version.rule_document,
        version.standards[0]["code"],
        version.mode_text,
        "CNCA 01",
    ):
        assert text in page, text
    # A client may ask for a change but takes no status decisions.
    assert 'value="new_application"' in page
    assert 'value="suspend"' not in page and 'value="withdraw"' not in page
    # The audit trail (with the surveillances' internals) and the staff are for staff; the client's page is client-safe.
    assert "certificate.issue" not in page and "surveillance.plan" not in page
    assert str(cast.decider) not in page
    pages.login(cast.quality)
    page = pages.get(reverse("certificates:detail", args=[certificate.pk])).content.decode()
    assert "certificate.issue" in page and "surveillance.plan" in page


def test_suspend_refused_shows_message_and_keeps_input(pages, cast, software_scheme):
    certificate = sc.certified(cast, software_scheme)
    pages.login(cast.decider)
    url = reverse("certificates:detail", args=[certificate.pk])
    too_late = (timezone.localdate() + timedelta(days=1000)).isoformat()
    response = pages.refused(url, "suspend", reason_code="misuse", reason="滥用认证标志", until=too_late)
    assert "the scheme's maximum" in form_errors(response)
    page = response.content.decode()
    assert "滥用认证标志" in page and f'value="{too_late}"' in page
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.VALID


def test_nonconformity_case_resolved_from_the_certificate_page(pages, cast, software_scheme):
    certificate = sc.certified(cast, software_scheme)
    url = reverse("certificates:detail", args=[certificate.pk])
    pages.login(cast.quality)
    today = timezone.localdate().isoformat()
    pages.act(url, "nonconformity_confirm", source="regulator", description="监管通报", confirmed_on=today)
    case = NonconformityCase.objects.get()
    page = pages.get(url).content.decode()
    assert f'name="case" value="{case.pk}"' in page
    pages.act(url, "resolve_case", case=case.pk, resolution="核实为误报")
    case.refresh_from_db()
    assert case.status == NonconformityCase.Status.RESOLVED


def test_cancel_by_market_at_the_holders_request(pages, cast, software_scheme):
    certificate = sc.certified(cast, software_scheme)
    pages.login(cast.market)
    pages.act(
        reverse("certificates:detail", args=[certificate.pk]),
        "cancel",
        reason_code="client_request",
        reason="客户申请注销",
    )
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.CANCELLED and certificate.cnca_code == "04"


def test_second_change_application_is_refused_while_one_is_open(pages, cast, software_scheme):
    certificate = sc.certified(cast, software_scheme)
    url = reverse("certificates:detail", args=[certificate.pk])
    pages.login(cast.client)
    pages.act(url, "new_application", kind="extension", title="扩项", change_description="增加型号")
    assert 'value="new_application"' not in pages.get(url).content.decode()
    response = pages.refused(url, "new_application", kind="change", title="再变更", change_description="x")
    assert "is still open" in form_errors(response)
