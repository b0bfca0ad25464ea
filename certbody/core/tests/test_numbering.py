"""Gap-free numbering: templates, one counter per key, and a rolled-back issue gives its number back."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import transaction
from django.utils import translation

from certbody.applications.models import Application
from certbody.certificates.models import Certificate
from certbody.certification import services as svc
from certbody.core.errors import InvalidInput
from certbody.core.models import NumberSequence
from certbody.core.numbering import next_value, render_number, validate_template
from certbody.demo import scenarios as sc

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages are checked in English (the source language); the default language is Chinese."""
    with translation.override("en"):
        yield


TEMPLATE = "NFCC{year}{scheme}{seq:05d}"


class RollbackError(Exception):
    """Raised to leave an atomic block the way a later failure in the same transaction would."""


def _render(template=TEMPLATE, **kw):
    with transaction.atomic():
        return render_number(template, **kw)


def test_render_number_fills_the_template_and_counts_per_rendered_prefix():
    on = date(2026, 3, 1)
    assert _render(on=on, scheme="B01") == "NFCC2026B0100001"
    assert _render(on=on, scheme="B01") == "NFCC2026B0100002"
    # Another scheme or another year is another counter, starting at 1.
    assert _render(on=on, scheme="B06") == "NFCC2026B0600001"
    assert _render(on=date(2027, 1, 1), scheme="B01") == "NFCC2027B0100001"
    assert _render(on=on, scheme="B01") == "NFCC2026B0100003"
    counters = dict(NumberSequence.objects.values_list("key", "last_value"))
    assert counters["NFCC2026B01#"] == 3
    assert counters["NFCC2026B06#"] == 1
    assert counters["NFCC2027B01#"] == 1


def test_render_number_uses_every_placeholder_and_unpadded_seq():
    on = date(2026, 5, 4)
    assert _render("{prefix}-{category}-{year}-{seq}", on=on, prefix="CQ", category="C01") == "CQ-C01-2026-1"
    assert _render("{prefix}-{category}-{year}-{seq}", on=on, prefix="CQ", category="C01") == "CQ-C01-2026-2"
    # Padding is not part of the counter key: changing it continues the same sequence (no second "1").
    assert _render("{prefix}-{category}-{year}-{seq:04d}", on=on, prefix="CQ", category="C01") == "CQ-C01-2026-0003"


@pytest.mark.parametrize(
    "template",
    ["NFCC{year}{scheme}", "{seq}{seq:03d}", "NFCC{seq:05d}{client}", "{year}{seq:05d}{seq}", "NFCC{seq:05x}"],
)
def test_invalid_templates_are_refused(template):
    with pytest.raises(InvalidInput, match="exactly one"):
        validate_template(template)
    with pytest.raises(InvalidInput), transaction.atomic():
        render_number(template, on=date(2026, 1, 1))
    assert not NumberSequence.objects.exists()


def test_unused_values_default_to_nothing_and_width_may_omit_the_zero():
    on = date(2026, 1, 1)
    assert _render("{scheme}{category}{prefix}{year}-{seq}", on=on) == "2026-1"
    assert _render("{scheme}{category}{prefix}{year}-{seq:3d}", on=on) == "2026-002"
    assert dict(NumberSequence.objects.values_list("key", "last_value")) == {"2026-#": 2}


@pytest.mark.django_db(transaction=True)
def test_next_value_refuses_to_count_outside_a_transaction():
    with pytest.raises(RuntimeError, match=r"^next_value\(\) must run inside the issuing transaction$"):
        next_value("K#")
    assert not NumberSequence.objects.exists()
    with transaction.atomic():
        assert [next_value("K#"), next_value("K#"), next_value("L#")] == [1, 2, 1]


def test_a_rolled_back_render_gives_its_number_back():
    on = date(2026, 6, 1)
    assert _render(on=on, scheme="B01") == "NFCC2026B0100001"
    with pytest.raises(RollbackError), transaction.atomic():
        assert render_number(TEMPLATE, on=on, scheme="B01") == "NFCC2026B0100002"
        raise RollbackError
    assert _render(on=on, scheme="B01") == "NFCC2026B0100002"


def test_a_rolled_back_grant_does_not_consume_a_certificate_number(cast, software_scheme):
    """The number is taken inside the decision's transaction: if that transaction fails later, the next
    certificate gets the same number, so the issued numbers have no hole."""
    first, second = (
        sc.reviewed(cast, sc.evaluated(cast, sc.accepted(cast, sc.submitted_application(cast, software_scheme))))
        for _ in range(2)
    )
    with pytest.raises(RollbackError), transaction.atomic():
        svc.decision_make(actor=cast.decider, application=first, outcome="grant")
        rolled_back_number = Certificate.objects.get(application=first).number
        raise RollbackError  # e.g. a later step of the same request failed
    first.refresh_from_db()
    assert first.status == Application.Status.DECISION
    assert not Certificate.objects.exists()

    svc.decision_make(actor=cast.decider, application=second, outcome="grant")
    svc.decision_make(actor=cast.decider, application=first, outcome="grant")

    numbers = [Certificate.objects.get(application=a).number for a in (second, first)]
    assert numbers[0] == rolled_back_number
    assert [int(n[-5:]) for n in numbers] == [1, 2]
