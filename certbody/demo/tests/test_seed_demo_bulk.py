"""seed_demo --certificates: a fast, consistent bulk load that normal issuing continues after."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from certbody.certificates.models import Certificate, CertificateVersion
from certbody.certificates.services import run_daily
from certbody.core.audit import verify_chain
from certbody.core.models import AuditEvent, NumberSequence
from certbody.demo import scenarios as sc


def _bulk(n: int) -> str:
    out = StringIO()
    call_command("seed_demo", "--skip-demo", "--certificates", str(n), "--batch-size", "700", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_bulk_certificates_have_unique_numbers_and_issuing_continues_after_them(cast, software_scheme):
    first = sc.certified(cast, software_scheme)  # takes sequence value 1 of this year's key
    events_before = AuditEvent.objects.count()

    output = _bulk(2000)

    assert "2,000" in output
    bulk = Certificate.objects.exclude(pk=first.pk)
    assert bulk.count() == 2000
    assert CertificateVersion.objects.filter(certificate__in=bulk, version_no=1).count() == 2000
    assert Certificate.objects.values("number").distinct().count() == 2001
    # One summary event for the load, not one per row.
    assert AuditEvent.objects.count() == events_before + 1
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.action == "certificate.bulk_load" and event.after["count"] == 2000
    # The counters were advanced to the highest number used under each key.
    assert sum(NumberSequence.objects.filter(key__startswith="NFCC").values_list("last_value", flat=True)) == 2001

    later = sc.certified(cast, software_scheme)
    key = f"NFCC{timezone.localdate().year}{software_scheme.number_code}#"
    assert later.number == f"NFCC{timezone.localdate().year}B01{NumberSequence.objects.get(key=key).last_value:05d}"
    assert Certificate.objects.filter(number=later.number).count() == 1
    assert verify_chain().ok


@pytest.mark.django_db
def test_bulk_certificates_look_real_and_agree_with_the_daily_job():
    _bulk(2000)
    today = timezone.localdate()
    statuses = dict(Certificate.objects.values_list("status").annotate(n=Count("id")).order_by())
    assert set(statuses) == set(Certificate.Status.values)
    assert statuses[Certificate.Status.VALID] > 1000  # mostly valid
    assert Certificate.objects.values("category").distinct().count() > 5
    certificate = Certificate.objects.filter(status=Certificate.Status.VALID).first()
    version = certificate.versions.get()
    assert version.valid_until == certificate.expires_on
    assert version.units[0]["product_name"] == certificate.product_name
    assert version.holder_name == certificate.holder_name == certificate.organisation.name
    assert certificate.number.startswith(f"NFCC{certificate.issued_on.year}{certificate.scheme.number_code}")
    assert certificate.issued_on >= today.replace(year=today.year - 7)
    # Nothing is left for the daily job: no valid certificate past its date, no suspension run out.
    assert run_daily() == {"expired": 0, "withdrawn": 0}


@pytest.mark.django_db
def test_a_second_bulk_load_continues_the_numbers():
    _bulk(300)
    _bulk(300)
    assert Certificate.objects.count() == 600
    assert Certificate.objects.values("number").distinct().count() == 600
    assert AuditEvent.objects.filter(action="certificate.bulk_load").count() == 2
    assert verify_chain().ok


@pytest.mark.django_db
def test_a_failing_batch_stops_the_bulk_writer_and_the_load_rolls_back_whole():
    """The writer's error reaches the caller (PostgreSQL writes on a second thread) and nothing stays written."""
    from django.db import IntegrityError, connection, transaction

    from certbody.certificates.bulk import CERT_COLUMNS, Writer

    _bulk(50)
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(map(q, CERT_COLUMNS))} FROM {q(Certificate._meta.db_table)} ORDER BY id")
        existing = cursor.fetchall()
    top = existing[-1][0]
    fresh = [(top + 1 + i, f"BULKTEST-{i}", *row[2:]) for i, row in enumerate(existing[:3])]
    clash = [(top + 10, existing[0][1], *existing[0][2:])]  # the number of a certificate already there

    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor, Writer(cursor) as writer:
        writer.write("cert", fresh)
        writer.write("cert", clash)
        writer.write("cert", [(top + 11, "BULKTEST-after", *existing[1][2:])])

    assert Certificate.objects.count() == 50
    assert not Certificate.objects.filter(number__startswith="BULKTEST").exists()
