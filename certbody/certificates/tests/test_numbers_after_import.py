"""Issuing passes over numbers that legacy certificates already hold."""

import pytest
from django.utils import timezone

from certbody.certificates.models import Certificate
from certbody.demo import scenarios as sc

pytestmark = pytest.mark.django_db


def test_issuing_passes_over_a_number_already_taken_by_an_imported_certificate(cast, software_scheme):
    year = timezone.localdate().year
    taken = f"NFCC{year}B0100001"
    first = sc.certified(cast, software_scheme)
    assert first.number == taken
    # A legacy certificate imported with the next number the counter would give.
    legacy = Certificate.objects.get(pk=first.pk)
    legacy.pk = None
    legacy.number = f"NFCC{year}B0100002"
    legacy.save()
    second = sc.certified(cast, software_scheme, product="企业网银客户端")
    assert second.number == f"NFCC{year}B0100003"
