"""Evaluation (7.4): the engineer's plan, type tests at partner labs, inspections and their findings."""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from certbody.applications.models import APPLICATION_FLOW, Application, CertificationUnit
from certbody.core.audit import audit_record
from certbody.core.config import get_setting
from certbody.core.errors import InvalidInput
from certbody.core.numbering import render_number
from certbody.core.permissions import refuse_if
from certbody.core.workflow import lock
from certbody.labs.models import Lab

from ..models import (
    INSPECTION_FLOW,
    TEST_ORDER_FLOW,
    Finding,
    Inspection,
    Involvement,
    Result,
    Surveillance,
    TestOrder,
)
from ..permissions import (
    can_assign_engineer,
    can_cancel_test_order,
    can_complete_evaluation,
    can_order_test,
    can_receive_sample,
    can_receive_sample_for_lab,
    can_report_test,
    can_report_test_for_lab,
    can_send_sample,
    can_start_evaluation,
)
from ._common import (
    _case_kwargs,
    _check_date,
    _involve,
    _lock_case,
    _subject,
    assign,
)

TEST_ORDER_NUMBER_TEMPLATE = "TO{year}{seq:06d}"


@transaction.atomic
def evaluation_start(*, actor: Any, application: Application, engineer: Any = None) -> Application:
    """The engineer takes the accepted application and starts planning its evaluation."""
    application = lock(Application, application.pk)
    refuse_if(can_start_evaluation(actor, application))
    engineer = engineer or application.engineer or actor
    refuse_if(can_assign_engineer(actor, application, engineer))
    assign(engineer, "engineer", case=application, actor=actor)
    before_engineer = getattr(application.engineer, "username", None)
    application.engineer = engineer
    application.stage_due = timezone.localdate() + timedelta(days=int(get_setting("evaluation_days")))
    APPLICATION_FLOW.apply(
        application,
        "start_evaluation",
        actor=actor,
        before={"engineer": before_engineer},
        after={"engineer": engineer.username},
        update_fields=["engineer", "stage_due"],
    )
    _involve(application, engineer, Involvement.Part.ENGINEER)
    return application


@transaction.atomic
def test_order_create(
    *,
    actor: Any,
    case: Application | Surveillance,
    lab: Lab,
    purpose: str = TestOrder.Purpose.TYPE_TEST,
    unit: CertificationUnit | None = None,
    sample_description: str = "",
) -> TestOrder:
    case = _lock_case(case)
    refuse_if(can_order_test(actor, case))
    if not lab.is_active or not lab.is_partner:
        raise InvalidInput(_("%(lab)s is not an active partner laboratory.") % {"lab": lab}, details={"field": "lab"})
    if purpose not in TestOrder.Purpose.values:
        raise InvalidInput(_("Unknown test purpose."), details={"field": "purpose"})
    if isinstance(case, Application):
        if purpose != TestOrder.Purpose.TYPE_TEST:
            raise InvalidInput(_("Before certification only type tests are ordered."), details={"field": "purpose"})
        if unit is not None and unit.application_id != case.pk:
            raise InvalidInput(_("The unit is not part of this application."), details={"field": "unit"})
    elif purpose == TestOrder.Purpose.TYPE_TEST:
        raise InvalidInput(_("A surveillance orders sampling tests, not type tests."), details={"field": "purpose"})
    assign(lab, "lab", case=case, actor=actor)
    order = TestOrder.objects.create(
        number=render_number(TEST_ORDER_NUMBER_TEMPLATE, on=timezone.localdate()),
        lab=lab,
        purpose=purpose,
        unit=unit,
        sample_description=sample_description.strip(),
        ordered_on=timezone.localdate(),
        created_by=actor,
        **_case_kwargs(case),
    )
    audit_record(
        actor=actor,
        action="testorder.create",
        obj=order,
        after={"status": order.status, "lab": lab.name, "purpose": purpose, "unit": getattr(unit, "pk", None)},
        subject=_subject(case),
    )
    return order


@transaction.atomic
def test_order_send_sample(*, actor: Any, order: TestOrder, sent_on: date) -> TestOrder:
    order = lock(TestOrder, order.pk)
    refuse_if(can_send_sample(actor, order))
    order.sample_sent_on = _check_date(sent_on, "sent_on", _("date the sample was sent"), not_before=order.ordered_on)
    return TEST_ORDER_FLOW.apply(
        order,
        "send_sample",
        actor=actor,
        after={"sample_sent_on": order.sample_sent_on},
        update_fields=["sample_sent_on"],
        subject=_subject(order.case),
    )


def _on_behalf(reason: str) -> str:
    """The case engineer records a lab's step only with the reason why the lab does not record it itself."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(
            _("Give the reason for recording this on the laboratory's behalf."), details={"field": "reason"}
        )
    return reason


@transaction.atomic
def test_order_receive_sample(*, actor: Any, order: TestOrder, received_on: date) -> TestOrder:
    """The laboratory records that it received the sample."""
    order = lock(TestOrder, order.pk)
    refuse_if(can_receive_sample(actor, order))
    return _receive_sample(actor=actor, order=order, received_on=received_on)


@transaction.atomic
def test_order_receive_sample_for_lab(
    *, actor: Any, order: TestOrder, received_on: date, reason: str, document: Any
) -> TestOrder:
    """The case engineer records the lab's receipt on its behalf: with the reason and the lab's own document
    (checked by content, kept, fingerprinted in the audit event)."""
    from certbody.core.uploads import check_upload

    order = lock(TestOrder, order.pk)
    refuse_if(can_receive_sample_for_lab(actor, order))
    reason = _on_behalf(reason)
    if document is None:
        raise InvalidInput(
            _("Attach the laboratory's document that records the receipt."), details={"field": "document"}
        )
    checked = check_upload(document)
    order.receipt_document.save(checked.name, document, save=False)
    order.receipt_document_sha256 = checked.sha256
    return _receive_sample(
        actor=actor,
        order=order,
        received_on=received_on,
        reason=reason,
        on_behalf={"on_behalf_of_lab": True, "document_sha256": checked.sha256},
        update_fields=["receipt_document", "receipt_document_sha256"],
    )


def _receive_sample(
    *,
    actor: Any,
    order: TestOrder,
    received_on: date,
    reason: str = "",
    on_behalf: dict[str, Any] | None = None,
    update_fields: list[str] | None = None,
) -> TestOrder:
    order.sample_received_on = _check_date(
        received_on,
        "received_on",
        _("date the sample was received"),
        not_before=order.sample_sent_on or order.ordered_on,
    )
    return TEST_ORDER_FLOW.apply(
        order,
        "receive_sample",
        actor=actor,
        reason=reason,
        after={"sample_received_on": order.sample_received_on, **(on_behalf or {})},
        update_fields=["sample_received_on", *(update_fields or [])],
        subject=_subject(order.case),
    )


@transaction.atomic
def test_order_report(
    *,
    actor: Any,
    order: TestOrder,
    report_number: str,
    issued_on: date,
    result: str,
    report_file: Any,
) -> TestOrder:
    """The lab issues its test report; the report file is required and fingerprinted."""
    order = lock(TestOrder, order.pk)
    refuse_if(can_report_test(actor, order))
    return _report(
        actor=actor,
        order=order,
        report_number=report_number,
        issued_on=issued_on,
        result=result,
        report_file=report_file,
    )


@transaction.atomic
def test_order_report_for_lab(
    *,
    actor: Any,
    order: TestOrder,
    report_number: str,
    issued_on: date,
    result: str,
    report_file: Any,
    reason: str,
) -> TestOrder:
    """The case engineer records the lab's report on its behalf: with the reason; the lab's signed report PDF is the
    source document (checked by content, kept, fingerprinted in the audit event)."""
    order = lock(TestOrder, order.pk)
    refuse_if(can_report_test_for_lab(actor, order))
    reason = _on_behalf(reason)
    return _report(
        actor=actor,
        order=order,
        report_number=report_number,
        issued_on=issued_on,
        result=result,
        report_file=report_file,
        reason=reason,
        on_behalf=True,
    )


def _report(
    *,
    actor: Any,
    order: TestOrder,
    report_number: str,
    issued_on: date,
    result: str,
    report_file: Any,
    reason: str = "",
    on_behalf: bool = False,
) -> TestOrder:
    errors = {}
    if not (report_number or "").strip():
        errors["report_number"] = _("Enter the report number.")
    if result not in Result.values:
        errors["result"] = _("Choose the test result: pass or fail.")
    if report_file is None:
        errors["report_file"] = _("Attach the test report.")
    if errors:
        raise InvalidInput(" ".join(str(e) for e in errors.values()), details={"fields": errors})
    order.report_issued_on = _check_date(issued_on, "issued_on", _("report date"), not_before=order.sample_received_on)
    from certbody.core.uploads import check_document

    content = check_document(report_file)
    order.report_number = report_number.strip()
    order.result = result
    order.report_sha256 = hashlib.sha256(content).hexdigest()
    order.report_file.save(f"{order.number}.pdf", report_file, save=False)
    after = {
        "report_number": order.report_number,
        "report_issued_on": order.report_issued_on,
        "result": result,
        "report_sha256": order.report_sha256,
    }
    if on_behalf:
        after.update({"on_behalf_of_lab": True, "document_sha256": order.report_sha256})
    return TEST_ORDER_FLOW.apply(
        order,
        "report",
        actor=actor,
        reason=reason,
        after=after,
        update_fields=["report_issued_on", "report_number", "result", "report_sha256", "report_file"],
        subject=_subject(order.case),
    )


@transaction.atomic
def test_order_cancel(*, actor: Any, order: TestOrder, reason: str) -> TestOrder:
    order = lock(TestOrder, order.pk)
    refuse_if(can_cancel_test_order(actor, order))
    if not (reason or "").strip():
        raise InvalidInput(_("Give the reason for cancelling."), details={"field": "reason"})
    return TEST_ORDER_FLOW.apply(order, "cancel", actor=actor, reason=reason.strip(), subject=_subject(order.case))


def evaluation_gaps(case) -> list[str]:
    """What still stands between the case and its review; empty when the evaluation is complete."""
    gaps: list[str] = []
    kwargs = _case_kwargs(case)
    open_orders = TestOrder.objects.filter(**kwargs).exclude(
        status__in=[TestOrder.Status.REPORTED, TestOrder.Status.CANCELLED]
    )
    for order in open_orders:
        gaps.append(_("Test order %(number)s has no report yet.") % {"number": order.number})
    for inspection in Inspection.objects.filter(status=Inspection.Status.PLANNED, **kwargs):
        gaps.append(_("Inspection of %(date)s is not completed.") % {"date": inspection.planned_on.isoformat()})
    if isinstance(case, Application):
        if case.evaluation_required and case.scheme.type_testing:
            for unit in case.units.all():
                if not unit.test_orders.filter(status=TestOrder.Status.REPORTED).exists():
                    gaps.append(_("Unit %(unit)s has no type test report.") % {"unit": unit})
        if (
            case.evaluation_required
            and case.scheme.initial_inspection
            and case.kind == Application.Kind.INITIAL
            and not case.inspections.filter(status=Inspection.Status.COMPLETED).exists()
        ):
            gaps.append(_("The scheme requires an initial factory inspection."))
    return gaps


def grant_blockers(case) -> list[str]:
    """Results that forbid a positive decision: failed tests and open nonconformities."""
    blockers: list[str] = []
    kwargs = _case_kwargs(case)
    for order in TestOrder.objects.filter(status=TestOrder.Status.REPORTED, result=Result.FAIL, **kwargs):
        blockers.append(_("Test report %(report)s failed.") % {"report": order.report_number})
    for inspection in Inspection.objects.filter(status=Inspection.Status.COMPLETED, conclusion=Result.FAIL, **kwargs):
        blockers.append(_("The inspection of %(date)s failed.") % {"date": inspection.planned_on.isoformat()})
    open_ncs = Finding.objects.filter(
        inspection__in=Inspection.objects.filter(**kwargs),
        status=Finding.Status.OPEN,
    ).exclude(severity=Finding.Severity.OBSERVATION)
    for finding in open_ncs:
        blockers.append(_("Nonconformity not closed: %(finding)s") % {"finding": finding.description[:60]})
    return blockers


@transaction.atomic
def evaluation_complete(*, actor: Any, application: Application) -> Application:
    application = lock(Application, application.pk)
    refuse_if(can_complete_evaluation(actor, application))
    gaps = evaluation_gaps(application)
    if gaps:
        raise InvalidInput(" ".join(gaps), code="evaluation_incomplete", details={"gaps": gaps})
    application.stage_due = timezone.localdate() + timedelta(days=int(get_setting("review_days")))
    return APPLICATION_FLOW.apply(application, "complete_evaluation", actor=actor, update_fields=["stage_due"])


def evaluation_cancel_open(*, actor: Any, case: Application | Surveillance, reason: str) -> None:
    """Cancel the case's open test orders and inspections. Runs in the transaction that closes the case."""
    kwargs = _case_kwargs(case)
    open_orders = TestOrder.objects.select_for_update().filter(
        status__in=[TestOrder.Status.ORDERED, TestOrder.Status.SAMPLE_SENT, TestOrder.Status.SAMPLE_RECEIVED], **kwargs
    )
    for order in open_orders:
        TEST_ORDER_FLOW.apply(order, "cancel", actor=actor, reason=reason, subject=_subject(case))
    for inspection in Inspection.objects.select_for_update().filter(status=Inspection.Status.PLANNED, **kwargs):
        INSPECTION_FLOW.apply(inspection, "cancel", actor=actor, reason=reason, subject=_subject(case))


def cancel_when_application_withdrawn(sender: Any, *, application: Any, actor: Any, reason: str, **kwargs: Any) -> None:
    """Receiver of applications' `application_withdrawn` (connected in CertificationConfig.ready)."""
    evaluation_cancel_open(actor=actor, case=application, reason=reason)
