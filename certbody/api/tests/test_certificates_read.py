"""Certificate reads stay lean: keyset pages without COUNT, a constant number of queries per certificate."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from certbody.certificates.models import Certificate
from certbody.core.workflow import status_override
from certbody.demo import scenarios as sc


def _bulk_certificates(cast, scheme, n: int, *, status: str = "valid") -> list[Certificate]:
    """Rows straight into the table: many certificates, several on the same day (ties for the cursor)."""
    start = date(2025, 1, 1)
    rows = [
        Certificate(
            number=f"BULK{i:06d}",
            status=status,
            organisation=cast.organisation,
            scheme=scheme,
            category=scheme.category,
            holder_name=cast.organisation.name,
            product_name=f"产品 {i}",
            first_issued_on=start + timedelta(days=i // 3),
            issued_on=start + timedelta(days=i // 3),
            expires_on=start + timedelta(days=1000 + i // 3),
            status_changed_at=timezone.now(),
        )
        for i in range(n)
    ]
    return Certificate.objects.bulk_create(rows)


@pytest.mark.django_db
def test_certificate_pages_follow_the_cursor_without_gaps_or_repeats(cast, software_scheme, as_user):
    _bulk_certificates(cast, software_scheme, 23)
    api = as_user(cast.decider)
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 5, **({"cursor": cursor} if cursor else {})}
        page = api.get("/certificates", params)
        seen += [c["number"] for c in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 5
    expected = list(Certificate.objects.order_by("-issued_on", "-id").values_list("number", flat=True))
    assert seen == expected and len(set(seen)) == 23


@pytest.mark.django_db
def test_certificate_list_filters_and_never_counts_the_table(cast, software_scheme, hardware_scheme, as_user):
    _bulk_certificates(cast, software_scheme, 6)
    _bulk_certificates(cast, hardware_scheme, 0)
    with status_override():  # bare rows without a lifecycle: the state is set, not reached
        Certificate.objects.filter(number__in=["BULK000000", "BULK000001"]).update(status="suspended")
    api = as_user(cast.decider)
    with CaptureQueriesContext(connection) as queries:
        page = api.get("/certificates", {"status": "suspended", "limit": 200})
    assert sorted(c["number"] for c in page["items"]) == ["BULK000000", "BULK000001"]
    assert {c["cnca_code"] for c in page["items"]} == {"02"}
    assert not [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert api.get("/certificates", {"category": hardware_scheme.category.code})["items"] == []
    assert len(api.get("/certificates", {"scheme": software_scheme.code})["items"]) == 6
    assert len(api.get("/certificates", {"issued_from": "2025-01-02", "issued_to": "2025-01-02"})["items"]) == 3
    body = api.get("/certificates", {"cursor": "not-a-cursor"}, status=422)
    assert body["code"] == "invalid_cursor"


@pytest.mark.django_db
def test_certificate_page_costs_the_same_queries_whatever_its_length(cast, software_scheme, as_user):
    _bulk_certificates(cast, software_scheme, 40)
    api = as_user(cast.decider)
    api.get("/certificates", {"limit": 1})  # token last-used stamp and caches out of the way
    with CaptureQueriesContext(connection) as small:
        api.get("/certificates", {"limit": 2})
    with CaptureQueriesContext(connection) as large:
        api.get("/certificates", {"limit": 40})
    assert len(small) == len(large) <= 3


@pytest.mark.django_db
def test_get_certificate_by_number_uses_a_fixed_handful_of_queries(cast, software_scheme, as_user):
    from certbody.certificates import services as cert_svc

    certificate = sc.certified(cast, software_scheme)
    api = as_user(cast.decider)
    api.get(f"/certificates/{certificate.number}")
    with CaptureQueriesContext(connection) as before:
        first = api.get(f"/certificates/{certificate.number}")
    assert len(first["history"]) == 1
    # More history and more nonconformity cases must not cost more queries.
    today = timezone.localdate()
    for _ in range(3):
        case = cert_svc.nonconformity_confirm(
            actor=cast.quality, certificate=certificate, source="complaint", description="投诉", confirmed_on=today
        )
        cert_svc.nonconformity_resolve(actor=cast.quality, case=case, resolution="已处理")
    cert_svc.certificate_suspend(
        actor=cast.decider, certificate=certificate, reason_code="other", reason="x", until=today + timedelta(days=9)
    )
    cert_svc.certificate_restore(actor=cast.decider, certificate=certificate, reason="y")
    with CaptureQueriesContext(connection) as after:
        second = api.get(f"/certificates/{certificate.number}")
    assert len(second["history"]) == 3 and len(second["nonconformity_cases"]) == 3
    assert len(after) == len(before)
    # token, roles, certificate (with scheme and category), versions, cases, history
    assert len(before) <= 6, [q["sql"] for q in before.captured_queries]
