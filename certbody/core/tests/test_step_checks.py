"""A refused step is refused by its service with the code of its check, whoever calls (page, API, job, script).

For the apps whose pages are plain forms (people, publicsite, portal, regulator, labs), every step's check
`can_<verb>` (their permissions.py) is asked for each actor of the permission matrix's world; where it refuses,
the service is called directly and must raise the DomainError of that refusal (same code), so that no caller can
get past the policy the pages and the API show. Each step is refused to somebody (a check that never refuses
would prove nothing).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from certbody.core.errors import DomainError
from certbody.core.tests.matrix_world import ACTORS
from certbody.core.tests.test_permission_matrix import rolled_back, world  # noqa: F401
from certbody.labs import permissions as lab_perms
from certbody.labs import services as lab_svc
from certbody.people import permissions as people_perms
from certbody.people import services as people_svc
from certbody.portal import permissions as portal_perms
from certbody.portal import services as portal_svc
from certbody.publicsite import permissions as site_perms
from certbody.publicsite import services as site_svc
from certbody.publicsite.tests.matrix import site_objects
from certbody.regulator import permissions as regulator_perms
from certbody.regulator import services as regulator_svc

DAY = date(2024, 1, 1)


def _authorisation(w):
    from certbody.people.models import Authorisation

    return Authorisation.objects.filter(person=w.objects["person"]).first() or Authorisation.objects.first()


def _pending_organisation(w):
    from certbody.clients.models import Organisation

    return Organisation.objects.filter(is_approved=False).first()


def _risk(w):
    from certbody.people.models import Risk

    return Risk.objects.first()


# step -> (check, the object it is asked about (from the world), the service call)
Step = tuple[Callable[..., Any], Callable[[Any], Any], Callable[[Any, Any], Any]]
STEPS: dict[str, Step] = {
    # --- people ---
    "people.person_create": (
        people_perms.can_create_person,
        lambda w: None,
        lambda u, o: people_svc.person_create(actor=u, name="矩阵"),
    ),
    "people.registration_add": (
        people_perms.can_add_registration,
        lambda w: w.objects["person"],
        lambda u, o: people_svc.registration_add(
            actor=u, person=o, family="x", level="x", number="X-1", valid_from=DAY, valid_until=DAY
        ),
    ),
    "people.training_record": (
        people_perms.can_record_training,
        lambda w: w.objects["person"],
        lambda u, o: people_svc.training_record(actor=u, person=o, course=None, attended_on=DAY),
    ),
    "people.evaluation_record": (
        people_perms.can_record_evaluation,
        lambda w: w.objects["person"],
        lambda u, o: people_svc.evaluation_record(actor=u, person=o, kind="x", evaluated_on=DAY, outcome="x"),
    ),
    "people.authorisation_grant": (
        people_perms.can_grant_authorisation,
        lambda w: w.objects["person"],
        lambda u, o: people_svc.authorisation_grant(actor=u, person=o, role="x", valid_from=DAY, valid_until=DAY),
    ),
    "people.authorisation_suspend": (
        people_perms.can_suspend_authorisation,
        _authorisation,
        lambda u, o: people_svc.authorisation_change(actor=u, authorisation=o, step="suspend", reason="矩阵"),
    ),
    "people.authorisation_revoke": (
        people_perms.can_revoke_authorisation,
        _authorisation,
        lambda u, o: people_svc.authorisation_change(actor=u, authorisation=o, step="revoke", reason="矩阵"),
    ),
    "people.authorisation_reinstate": (  # the authorisation is active: refused to everybody by its state
        people_perms.can_reinstate_authorisation,
        _authorisation,
        lambda u, o: people_svc.authorisation_change(actor=u, authorisation=o, step="reinstate", reason="矩阵"),
    ),
    "people.conflict_record": (
        people_perms.can_record_conflict,
        lambda w: None,
        lambda u, o: people_svc.conflict_record(actor=u, organisation=None, kind="x", started_on=DAY),
    ),
    "people.consultancy_record": (
        people_perms.can_record_consultancy,
        lambda w: None,
        lambda u, o: people_svc.consultancy_record(
            actor=u, organisation=None, description="x", started_on=DAY, consultants=[]
        ),
    ),
    "people.risk_create": (
        people_perms.can_create_risk,
        lambda w: None,
        lambda u, o: people_svc.risk_create(actor=u, title="x", threat="x", likelihood=1, impact=1),
    ),
    "people.risk_check_record": (
        people_perms.can_check_risk,
        _risk,
        lambda u, o: people_svc.risk_check_record(actor=u, risk=o, checked_on=DAY, effective=True),
    ),
    "people.committee_member_add": (
        people_perms.can_add_committee_member,
        lambda w: None,
        lambda u, o: people_svc.committee_member_add(actor=u, name="x", group="x", joined_on=DAY),
    ),
    "people.committee_meeting_record": (
        people_perms.can_record_committee_meeting,
        lambda w: None,
        lambda u, o: people_svc.committee_meeting_record(actor=u, held_on=DAY, title="x"),
    ),
    "people.declaration_sign": (
        people_perms.can_sign_declaration,
        lambda w: None,
        lambda u, o: people_svc.declaration_sign(actor=u),
    ),
    "people.override_request": (
        people_perms.can_request_override,
        lambda w: None,
        lambda u, o: people_svc.override_request(actor=u, subject=None, role="lab", case=None, reason="矩阵"),
    ),
    "people.override_decide": (
        people_perms.can_decide_override,
        lambda w: w.objects["override"],
        lambda u, o: people_svc.override_decide(actor=u, override=o, approve=True, reason="矩阵"),
    ),
    # --- the public website's staff steps ---
    "publicsite.document_create": (
        site_perms.can_create_document,
        lambda w: None,
        lambda u, o: site_svc.document_create(actor=u, kind="rules", title_zh="矩阵"),
    ),
    "publicsite.version_publish": (
        site_perms.can_publish_version,
        lambda w: site_objects(w)["doc"],
        lambda u, o: site_svc.version_publish(
            actor=u, document=o, version="V9", effective_from=DAY, file=SimpleUploadedFile("x.pdf", b"%PDF-")
        ),
    ),
    "publicsite.document_withdraw": (
        site_perms.can_withdraw_document,
        lambda w: site_objects(w)["doc"],
        lambda u, o: site_svc.document_withdraw(actor=u, document=o, reason="矩阵"),
    ),
    "publicsite.document_restore": (
        site_perms.can_restore_document,
        lambda w: site_objects(w)["withdrawn"],
        lambda u, o: site_svc.document_restore(actor=u, document=o),
    ),
    "publicsite.fee_create": (
        site_perms.can_add_fee,
        lambda w: None,
        lambda u, o: site_svc.fee_create(actor=u, item_zh="矩阵", amount=1),
    ),
    "publicsite.fee_set_shown": (
        site_perms.can_set_fee_shown,
        lambda w: site_objects(w)["fee_shown"],
        lambda u, o: site_svc.fee_set_shown(actor=u, fee=o, shown=False),
    ),
    "publicsite.complaint_forward": (
        site_perms.can_forward_complaint,
        lambda w: site_objects(w)["complaint"],
        lambda u, o: site_svc.complaint_forward(actor=u, complaint=o, note="矩阵"),
    ),
    "publicsite.complaint_close": (
        site_perms.can_close_complaint,
        lambda w: site_objects(w)["complaint"],
        lambda u, o: site_svc.complaint_close(actor=u, complaint=o, note="矩阵"),
    ),
    # --- the client portal ---
    "portal.registration_approve": (
        portal_perms.can_approve_registration,
        _pending_organisation,
        lambda u, o: portal_svc.organisation_approve(actor=u, organisation=o),
    ),
    "portal.registration_reject": (
        portal_perms.can_reject_registration,
        _pending_organisation,
        lambda u, o: portal_svc.organisation_reject(actor=u, organisation=o, reason="矩阵"),
    ),
    "portal.invitation_create": (
        portal_perms.can_invite,
        lambda w: None,
        lambda u, o: portal_svc.invitation_create(actor=u, email="matrix@example.cn"),
    ),
    "portal.invitation_revoke": (
        portal_perms.can_revoke_invitation,
        lambda w: w.objects["p_invitation"],
        lambda u, o: portal_svc.invitation_revoke(actor=u, invitation=o),
    ),
    "portal.contract_accept": (
        portal_perms.can_accept_contract,
        lambda w: w.objects["app_accepted"],
        lambda u, o: portal_svc.contract_accept_online(actor=u, application=o, ip="127.0.0.1", terms_version=""),
    ),
    "portal.message_post": (
        portal_perms.can_post_message,
        lambda w: w.objects["p_app"],
        lambda u, o: portal_svc.message_post(actor=u, application=o, body="矩阵"),
    ),
    # --- the exchange and the labs ---
    "regulator.import": (
        regulator_perms.can_import,
        lambda w: None,
        lambda u, o: regulator_svc.certificates_import(actor=u, file_name="x.csv", content=b""),
    ),
    "regulator.export": (
        regulator_perms.can_request_export,
        lambda w: None,
        lambda u, o: regulator_svc.export_request(actor=u, kind="x"),
    ),
    "labs.register": (
        lab_perms.can_register_lab,
        lambda w: None,
        lambda u, o: lab_svc.lab_create(actor=u, name="矩阵 实验室"),
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("step", sorted(STEPS))
def test_a_refused_step_is_refused_by_its_service_with_the_checks_code(world, step):  # noqa: F811
    check, target, call = STEPS[step]
    refused_to = []
    mismatches = []
    for actor in ACTORS:
        user = world.users.get(actor)
        if user is None:
            continue
        with rolled_back():
            user = type(user).objects.get(pk=user.pk)
            obj = target(world)
            if obj is not None:
                obj = type(obj).objects.get(pk=obj.pk)
            refusal = check(user, obj)
            if refusal is None:
                continue
            refused_to.append(actor)
            try:
                call(user, obj)
            except DomainError as exc:
                if exc.code != refusal.code or exc.message != refusal.message:
                    mismatches.append(f"{actor}: check {refusal.code} «{refusal.message}», service {exc.code} «{exc}»")
            else:
                mismatches.append(f"{actor}: check {refusal.code}, the service let it through")
    assert refused_to, f"{step}: the check refuses nobody in the world"
    assert not mismatches, f"{step}\n  " + "\n  ".join(mismatches)
