"""Rules of application intake (7.2) and application review (7.3), one test per rule."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from certbody.accounts.services import user_create
from certbody.applications import services as app_svc
from certbody.applications.models import APPLICATION_FLOW, Application, Contract
from certbody.certification import services as svc
from certbody.clients.services import manufacturer_create, organisation_create, production_site_create
from certbody.core.errors import IllegalTransition, InvalidInput, NotAllowed
from certbody.core.models import StatusChange
from certbody.core.roles import Role
from certbody.core.workflow import status_history
from certbody.demo import scenarios as sc

pytestmark = pytest.mark.django_db

S = Application.Status


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def other_client(db):
    """A client user of organisation B, with its own manufacturer and site."""
    organisation = organisation_create(actor=None, name="乙方科技有限公司", address="成都市高新区天府大道")
    manufacturer = manufacturer_create(actor=None, organisation=organisation, name="乙方科技", address="成都")
    production_site_create(actor=None, manufacturer=manufacturer, name="乙方工厂", address="成都")
    return user_create(username="client_b", password=None, roles=[Role.CLIENT], actor=None, organisation=organisation)


def draft(cast, scheme, actor=None):
    actor = actor or cast.client
    application = app_svc.application_create(
        actor=actor, organisation=cast.organisation, scheme=scheme, title="手机银行客户端认证"
    )
    return application


def add_unit(cast, application, models=("V6",), difference_statement="", actor=None):
    return app_svc.unit_add(
        actor=actor or cast.client,
        application=application,
        product_name="手机银行客户端",
        model_names=list(models),
        version="6.0.1",
        manufacturer=cast.manufacturer,
        production_site=cast.site,
        difference_statement=difference_statement,
    )


def accept(cast, application, **kw):
    values = {
        "contract_number": f"HT-{application.number}",
        "fee": "38000",
        "signed_on": timezone.localdate(),
        "engineer": cast.engineer,
        **kw,
    }
    return app_svc.application_accept(actor=cast.market, application=application, **values)


# --- tenancy: a client acts only on its own organisation's applications ---------------------------------------


def test_a_client_of_another_organisation_cannot_act_on_the_application(cast, software_scheme, other_client):
    application = draft(cast, software_scheme)
    unit = add_unit(cast, application)
    b_manufacturer = other_client.organisation.manufacturers.get()

    attempts = {
        "create for A": lambda: app_svc.application_create(
            actor=other_client, organisation=cast.organisation, scheme=software_scheme, title="冒名申请"
        ),
        "add a unit": lambda: app_svc.unit_add(
            actor=other_client, application=application, product_name="X", model_names=["X1"], version="1",
            manufacturer=b_manufacturer, production_site=b_manufacturer.sites.get(),
        ),
        "remove a unit": lambda: app_svc.unit_remove(actor=other_client, unit=unit),
        "submit": lambda: app_svc.application_submit(actor=other_client, application=application),
        "withdraw": lambda: app_svc.application_withdraw(actor=other_client, application=application),
    }  # fmt: skip
    for name, attempt in attempts.items():
        with pytest.raises(NotAllowed, match="client's own users"):
            attempt()
        application.refresh_from_db()
        assert application.status == S.DRAFT, name
    assert application.units.count() == 1
    assert Application.objects.count() == 1

    app_svc.application_submit(actor=cast.client, application=application)
    with pytest.raises(NotAllowed):
        app_svc.application_withdraw(actor=other_client, application=application)
    application.refresh_from_db()
    assert application.status == S.SUBMITTED


def test_a_client_cannot_use_another_clients_manufacturer_or_certificate(cast, software_scheme, other_client):
    application = draft(cast, software_scheme)
    b_manufacturer = other_client.organisation.manufacturers.get()
    with pytest.raises(InvalidInput) as refused:
        app_svc.unit_add(
            actor=cast.client, application=application, product_name="X", model_names=["X1"], version="1",
            manufacturer=b_manufacturer, production_site=b_manufacturer.sites.get(),
        )  # fmt: skip
    assert set(refused.value.details["fields"]) == {"manufacturer"}
    with pytest.raises(InvalidInput) as refused:
        app_svc.unit_add(
            actor=cast.client, application=application, product_name="X", model_names=["X1"], version="1",
            manufacturer=cast.manufacturer, production_site=b_manufacturer.sites.get(),
        )  # fmt: skip
    assert set(refused.value.details["fields"]) == {"production_site"}

    certificate = sc.certified(cast, software_scheme)
    with pytest.raises(InvalidInput, match="another client"):
        app_svc.application_create(
            actor=other_client, organisation=other_client.organisation, scheme=software_scheme, title="变更",
            kind=Application.Kind.CHANGE, certificate=certificate, change_description="借用证书",
        )  # fmt: skip


# --- wrong roles are refused ---------------------------------------------------------------------------------


WRONG_ROLES = {
    "application_create": ["engineer", "decider", "inspector", "lab_user", "regulator", "admin"],
    "unit_add": ["engineer", "reviewer", "lab_user", "quality"],
    "application_submit": ["engineer", "decider", "lab_user", "management"],
    "application_return": ["client", "engineer", "decider", "quality"],
    "application_reject": ["client", "engineer", "reviewer", "management"],
    "application_accept": ["client", "engineer", "decider", "admin"],
    "application_withdraw": ["engineer", "decider", "reviewer", "lab_user"],
}


def _call(service, cast, application, actor):
    if service == "application_create":
        return app_svc.application_create(
            actor=actor, organisation=cast.organisation, scheme=application.scheme, title="x"
        )
    if service == "unit_add":
        return add_unit(cast, application, actor=actor)
    if service == "application_submit":
        return app_svc.application_submit(actor=actor, application=application)
    if service in ("application_return", "application_reject"):
        return getattr(app_svc, service)(actor=actor, application=application, reason="缺材料")
    if service == "application_accept":
        return app_svc.application_accept(
            actor=actor, application=application, contract_number="HT-X", fee="1", signed_on=timezone.localdate()
        )
    return app_svc.application_withdraw(actor=actor, application=application)


@pytest.mark.parametrize("service", list(WRONG_ROLES))
def test_wrong_roles_are_refused(cast, software_scheme, service):
    application = draft(cast, software_scheme)
    add_unit(cast, application)
    if service not in ("unit_add", "application_submit", "application_create"):
        app_svc.application_submit(actor=cast.client, application=application)
    status = Application.objects.get(pk=application.pk).status
    changes = StatusChange.objects.count()

    for name in WRONG_ROLES[service]:
        with pytest.raises(NotAllowed):
            _call(service, cast, application, getattr(cast, name))

    application.refresh_from_db()
    assert application.status == status
    assert application.units.count() == 1
    assert StatusChange.objects.count() == changes
    assert Application.objects.count() == 1
    assert not Contract.objects.exists()


def test_market_may_act_for_the_client(cast, software_scheme):
    application = draft(cast, software_scheme, actor=cast.market)
    add_unit(cast, application, actor=cast.market)
    app_svc.application_submit(actor=cast.market, application=application)
    assert application.created_by == cast.market
    assert Application.objects.get().status == S.SUBMITTED


# --- withdrawal by the client at every open stage -------------------------------------------------------------


def _to_stage(cast, scheme, stage):
    if stage == S.DRAFT:
        return draft(cast, scheme)
    application = sc.submitted_application(cast, scheme)
    if stage == S.RETURNED:
        return app_svc.application_return(actor=cast.market, application=application, reason="缺营业执照")
    if stage == S.SUBMITTED:
        return application
    application = sc.accepted(cast, application)
    if stage == S.ACCEPTED:
        return application
    if stage == S.EVALUATION:
        # Work under way: withdrawing must stop it.
        svc.evaluation_start(actor=cast.engineer, application=application)
        svc.test_order_create(actor=cast.engineer, case=application, lab=cast.lab, unit=application.units.get())
        svc.inspection_plan(
            actor=cast.engineer, case=application, planned_on=timezone.localdate(), leader=cast.inspector
        )
        return application
    application = sc.evaluated(cast, application)
    if stage == S.REVIEW:
        return application
    return sc.reviewed(cast, application)


@pytest.mark.parametrize("stage", Application.OPEN)
def test_the_client_may_withdraw_at_every_open_stage(cast, software_scheme, stage):
    application = _to_stage(cast, software_scheme, stage)
    assert Application.objects.get(pk=application.pk).status == stage

    app_svc.application_withdraw(actor=cast.client, application=application, reason="不再需要")

    application.refresh_from_db()
    assert application.status == S.WITHDRAWN
    assert application.stage_due is None
    last = status_history(application).last()
    assert (last.from_status, last.to_status, last.reason, last.actor) == (stage, S.WITHDRAWN, "不再需要", cast.client)
    # Nobody goes on testing or inspecting for it.
    assert not application.test_orders.exclude(status__in=["reported", "cancelled"]).exists()
    assert not application.inspections.filter(status="planned").exists()


@pytest.mark.parametrize("stage", ["granted", "refused", "rejected", "withdrawn"])
def test_a_closed_application_cannot_be_withdrawn(cast, software_scheme, stage):
    application = sc.submitted_application(cast, software_scheme)
    if stage == "rejected":
        app_svc.application_reject(actor=cast.market, application=application, reason="不在认证范围")
    elif stage == "withdrawn":
        app_svc.application_withdraw(actor=cast.client, application=application)
    else:
        application = sc.reviewed(cast, sc.evaluated(cast, sc.accepted(cast, application)))
        outcome = "refuse" if stage == "refused" else "grant"
        svc.decision_make(actor=cast.decider, application=application, outcome=outcome, reason="决定理由")
    with pytest.raises(IllegalTransition) as refused:
        app_svc.application_withdraw(actor=cast.client, application=application)
    assert refused.value.details["status"] == stage


# --- units ----------------------------------------------------------------------------------------------------


def test_a_unit_with_several_models_needs_a_difference_statement(cast, software_scheme):
    application = draft(cast, software_scheme)
    with pytest.raises(InvalidInput) as refused:
        add_unit(cast, application, models=("V6", "V6 Pro"))
    assert refused.value.details["fields"] == {
        "difference_statement": "A unit covering several models needs a difference statement."
    }
    with pytest.raises(InvalidInput):
        add_unit(cast, application, models=("V6", "V6 Pro"), difference_statement="   ")
    assert not application.units.exists()

    unit = add_unit(cast, application, models=("V6", "V6 Pro"), difference_statement="仅外观颜色不同")
    assert unit.model_names == ["V6", "V6 Pro"]
    assert add_unit(cast, application, models=("V7",)).difference_statement == ""


def test_a_unit_lists_each_model_once(cast, software_scheme):
    with pytest.raises(InvalidInput, match="listed twice"):
        add_unit(cast, draft(cast, software_scheme), models=("V6", " V6 "), difference_statement="同一型号")


def test_units_change_only_while_draft_or_returned(cast, software_scheme):
    application = sc.submitted_application(cast, software_scheme)
    with pytest.raises(InvalidInput) as refused:
        add_unit(cast, application, models=("V9",))
    assert refused.value.code == "not_editable"
    with pytest.raises(InvalidInput):
        app_svc.unit_remove(actor=cast.client, unit=application.units.get())

    app_svc.application_return(actor=cast.market, application=application, reason="补充型号")
    add_unit(cast, application, models=("V9",))
    app_svc.application_submit(actor=cast.client, application=application)
    assert application.units.count() == 2


def test_an_application_without_units_cannot_be_submitted(cast, software_scheme):
    application = draft(cast, software_scheme)
    with pytest.raises(InvalidInput) as refused:
        app_svc.application_submit(actor=cast.client, application=application)
    assert refused.value.code == "no_units"
    assert Application.objects.get().status == S.DRAFT


# --- application review ---------------------------------------------------------------------------------------


def test_returning_and_rejecting_need_a_reason(cast, software_scheme):
    application = sc.submitted_application(cast, software_scheme)
    for service in (app_svc.application_return, app_svc.application_reject):
        with pytest.raises(InvalidInput):
            service(actor=cast.market, application=application, reason="  ")
    app_svc.application_return(actor=cast.market, application=application, reason="缺营业执照")
    application.refresh_from_db()
    assert (application.status, application.return_reason) == (S.RETURNED, "缺营业执照")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"fee": "-1"}, "fee"),
        ({"fee": "abc"}, "fee"),
        ({"contract_number": " "}, "contract_number"),
        ({"signed_on": None}, "signed_on"),
        ({"signed_on": "tomorrow"}, "signed_on"),
        ({"engineer": "decider"}, "engineer"),
        ({"evaluation_required": False}, "evaluation_required"),
    ],
)
def test_acceptance_checks_the_contract(cast, software_scheme, change, field):
    application = sc.submitted_application(cast, software_scheme)
    if change.get("signed_on") == "tomorrow":
        change = {"signed_on": timezone.localdate() + timedelta(days=1)}
    if change.get("engineer") == "decider":
        change = {"engineer": cast.decider}
    with pytest.raises(InvalidInput) as refused:
        accept(cast, application, **change)
    assert field in refused.value.details["fields"]
    assert Application.objects.get().status == S.SUBMITTED
    assert not Contract.objects.exists()


def test_a_contract_number_is_used_once(cast, software_scheme):
    first = accept(cast, sc.submitted_application(cast, software_scheme), contract_number="HT-2026-001")
    assert first.contract.number == "HT-2026-001"
    with pytest.raises(InvalidInput, match="already used"):
        accept(cast, sc.submitted_application(cast, software_scheme), contract_number="HT-2026-001")


# --- changes, extensions and recertifications --------------------------------------------------------------------


def test_a_change_needs_a_live_certificate_with_no_other_open_application(cast, software_scheme):
    from certbody.certificates.services import certificate_cancel

    certificate = sc.certified(cast, software_scheme)

    def change(**kw):
        return app_svc.application_create(
            actor=cast.client, organisation=cast.organisation, scheme=software_scheme, title="变更",
            kind=Application.Kind.CHANGE, change_description="升级", **kw,
        )  # fmt: skip

    with pytest.raises(InvalidInput, match="Choose the certificate"):
        change(certificate=None)
    first = change(certificate=certificate)
    with pytest.raises(InvalidInput, match="still open"):
        change(certificate=certificate)
    app_svc.application_withdraw(actor=cast.client, application=first)
    second = change(certificate=certificate)
    app_svc.application_withdraw(actor=cast.client, application=second)
    certificate_cancel(actor=cast.market, certificate=certificate, reason_code="client_request", reason="注销")
    # `certificate` is now a stale copy that still says "valid": the service must check the row itself.
    with pytest.raises(InvalidInput, match="only a valid or suspended certificate"):
        change(certificate=certificate)


def test_a_change_takes_the_certificates_scheme_and_its_rules(cast, software_scheme, hardware_scheme):
    certificate = sc.certified(cast, hardware_scheme)
    application = app_svc.application_create(
        actor=cast.client, organisation=cast.organisation, scheme=software_scheme, title="变更",
        kind=Application.Kind.CHANGE, certificate=certificate, change_description="更换主板",
    )  # fmt: skip
    assert application.scheme == hardware_scheme
    assert application.rule_version == hardware_scheme.current_rule()


def test_a_change_needs_a_description_before_submission(cast, software_scheme):
    certificate = sc.certified(cast, software_scheme)
    application = app_svc.application_create(
        actor=cast.client, organisation=cast.organisation, scheme=software_scheme, title="变更",
        kind=Application.Kind.CHANGE, certificate=certificate, change_description="  ",
    )  # fmt: skip
    add_unit(cast, application, models=("V7",))
    with pytest.raises(InvalidInput) as refused:
        app_svc.application_submit(actor=cast.client, application=application)
    assert refused.value.code == "no_change_description"


# --- illegal transitions are refused with a readable message -----------------------------------------------------


def test_illegal_transitions_raise_a_readable_refusal(cast, software_scheme):
    application = draft(cast, software_scheme)
    add_unit(cast, application)
    cases = [
        (lambda: accept(cast, application), "accept", "Cannot accept: application {n} is Draft."),
        (
            lambda: app_svc.application_return(actor=cast.market, application=application, reason="x"),
            "return",
            "Cannot return for completion: application {n} is Draft.",
        ),
        (
            lambda: app_svc.application_reject(actor=cast.market, application=application, reason="x"),
            "reject",
            "Cannot reject: application {n} is Draft.",
        ),
    ]
    for call, transition, message in cases:
        with pytest.raises(IllegalTransition) as refused:
            call()
        assert refused.value.message == message.format(n=application.number)
        assert refused.value.details == {"status": "draft", "transition": transition}
        assert refused.value.code == "illegal_transition" and refused.value.http_status == 409

    app_svc.application_submit(actor=cast.client, application=application)
    with pytest.raises(IllegalTransition) as refused:
        app_svc.application_submit(actor=cast.client, application=application)
    assert refused.value.message == f"Cannot submit: application {application.number} is Submitted."


def test_every_transition_outside_its_sources_is_refused(cast, software_scheme):
    """The table itself: every (state, step) pair that is not in it is refused by Workflow.check."""
    application = draft(cast, software_scheme)
    for status in S.values:
        application.status = status
        for name, transition in APPLICATION_FLOW.transitions.items():
            if status in transition.sources:
                assert APPLICATION_FLOW.check(application, name) is transition
            else:
                with pytest.raises(IllegalTransition):
                    APPLICATION_FLOW.check(application, name)
    terminal = {S.GRANTED, S.REFUSED, S.REJECTED, S.WITHDRAWN}
    assert {s for s in S.values if not APPLICATION_FLOW.allowed(s)} == terminal
