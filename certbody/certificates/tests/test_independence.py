"""Certificate status decisions (7.11) are decisions (7.6): nobody who took part in the certificate's current
evaluation or surveillance may suspend, restore, withdraw or cancel it, nor resolve its nonconformity cases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from certbody.accounts.models import RoleGrant, User
from certbody.certificates import permissions as perms
from certbody.certificates import services as svc
from certbody.certificates.models import CERTIFICATE_FLOW, NONCONFORMITY_FLOW, Certificate, NonconformityCase
from certbody.certification import services as cert_svc
from certbody.core.errors import NotIndependent
from certbody.core.roles import Role
from certbody.demo import scenarios as sc

pytestmark = pytest.mark.django_db


def _nc(cast, certificate):
    return svc.nonconformity_confirm(
        actor=cast.quality,
        certificate=certificate,
        source=NonconformityCase.Source.values[0],
        description="标识不清",
        confirmed_on=timezone.localdate(),
    )


def _suspended(cast, certificate):
    svc.certificate_suspend(
        actor=cast.quality,
        certificate=certificate,
        reason_code="misuse",
        reason="误用标志",
        until=timezone.localdate() + timedelta(days=10),
    )
    certificate.refresh_from_db()
    return certificate


# Each certificate status step and nonconformity decision: (check, the object it is checked on, the service call).
STEPS = {
    "suspend": (
        perms.can_suspend,
        lambda cast, c: c,
        lambda actor, cast, c: svc.certificate_suspend(
            actor=actor,
            certificate=c,
            reason_code="nonconformity",
            reason="未按期整改",
            until=timezone.localdate() + timedelta(days=10),
            case=_nc(cast, c),
        ),
    ),
    "restore": (
        perms.can_restore,
        lambda cast, c: _suspended(cast, c),
        lambda actor, cast, c: svc.certificate_restore(actor=actor, certificate=c, reason="已整改"),
    ),
    "withdraw": (
        perms.can_withdraw,
        lambda cast, c: c,
        lambda actor, cast, c: svc.certificate_withdraw(actor=actor, certificate=c, reason_code="fraud", reason="造假"),
    ),
    "cancel": (
        perms.can_cancel,
        lambda cast, c: c,
        lambda actor, cast, c: svc.certificate_cancel(
            actor=actor, certificate=c, reason_code="client_request", reason="持证人申请"
        ),
    ),
    "resolve": (
        perms.can_resolve_nonconformity,
        lambda cast, c: _nc(cast, c),
        lambda actor, cast, case: svc.nonconformity_resolve(actor=actor, case=case, resolution="已整改"),
    ),
}


def test_every_certificate_status_step_and_nonconformity_decision_is_covered():
    # "expire" is the daily job's (no person decides it); a nonconformity case is confirmed by whoever found it and
    # suspended only together with its certificate (the "suspend" step above, given the case).
    status_steps = set(CERTIFICATE_FLOW.transitions) - {"expire"}
    nonconformity_decisions = set(NONCONFORMITY_FLOW.transitions) - {"suspend"}
    assert set(STEPS) == status_steps | nonconformity_decisions


def _grant_decider(user) -> User:
    RoleGrant.objects.get_or_create(user=user, role=Role.DECIDER)
    return User.objects.get(pk=user.pk)  # roles are read once per user object


def _engineer_of_the_certification(cast, certificate):
    return _grant_decider(cast.engineer)


def _inspector_of_the_surveillance(cast, certificate):
    surveillance = certificate.surveillances.get()
    cert_svc.surveillance_start(actor=cast.engineer, surveillance=surveillance)
    cert_svc.inspection_plan(
        actor=cast.engineer, case=surveillance, planned_on=timezone.localdate(), leader=cast.inspector2
    )
    return _grant_decider(cast.inspector2)


@pytest.mark.parametrize("involved", [_engineer_of_the_certification, _inspector_of_the_surveillance])
@pytest.mark.parametrize("step", sorted(STEPS))
def test_a_person_involved_in_the_certificate_evaluation_may_not_decide_its_status(
    cast, hardware_scheme, step, involved
):
    check, target, run = STEPS[step]
    certificate = sc.certified(cast, hardware_scheme)
    actor = involved(cast, certificate)
    obj = target(cast, certificate)
    refusal = check(actor, obj)
    assert refusal is not None and refusal.code == "not_independent"
    with pytest.raises(NotIndependent) as refused:
        run(actor, cast, obj)
    assert refused.value.code == "not_independent"
    # An uninvolved decider may (the check above refuses for the involvement, not for the role).
    decider = User.objects.get(pk=cast.decider.pk)
    assert check(decider, obj) is None
    run(decider, cast, obj)


def test_the_page_says_why_an_involved_decider_may_not_suspend(cast, hardware_scheme, client):
    from django.urls import reverse

    certificate = sc.certified(cast, hardware_scheme)
    actor = _grant_decider(cast.engineer)
    client.force_login(actor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    text = client.get(reverse("certificates:detail", args=[certificate.pk])).content.decode()
    assert 'value="suspend"' not in text
    assert "may not decide the status of certificate" in text
    assert Certificate.objects.get(pk=certificate.pk).status == Certificate.Status.VALID
