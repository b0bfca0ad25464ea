"""Application intake (7.2) and application review (7.3): every write goes through here."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from certbody.certificates.models import Certificate
from certbody.clients.models import Manufacturer, Organisation, ProductionSite
from certbody.core.audit import audit_record
from certbody.core.config import get_setting
from certbody.core.dates import date_window_error
from certbody.core.errors import InvalidInput
from certbody.core.models import AuditEvent
from certbody.core.numbering import render_number
from certbody.core.permissions import has_role, refuse_if, require
from certbody.core.roles import Role
from certbody.core.workflow import lock
from certbody.schemes.models import Scheme

from . import checklist
from .dossier import check_complete, record_submission
from .models import APPLICATION_FLOW, Application, CertificationUnit, Contract, Dossier
from .permissions import (
    can_accept,
    can_act_for_client,
    can_change_units,
    can_reject,
    can_return,
    can_submit,
    can_withdraw,
)

APPLICATION_NUMBER_TEMPLATE = "APP{year}{seq:06d}"

# Sent inside the withdrawing transaction, with `application`, `actor` and `reason`. Certification listens and
# cancels the open evaluation: certification builds on applications, never the other way round.
application_withdrawn = Signal()


def _ensure_certificate_open_for(certificate: Certificate, *, kind: str, organisation: Any) -> None:
    """A change, extension or recertification needs a live certificate of the same client."""
    if certificate.organisation_id != organisation.pk:
        raise InvalidInput(_("The certificate belongs to another client."), details={"field": "certificate"})
    if certificate.status not in (Certificate.Status.VALID, Certificate.Status.SUSPENDED):
        raise InvalidInput(
            _("Certificate %(number)s is %(status)s; only a valid or suspended certificate can be changed or renewed.")
            % {"number": certificate.number, "status": certificate.get_status_display()},
            details={"field": "certificate"},
        )
    open_app = certificate.applications.filter(status__in=Application.OPEN).first()
    if open_app is not None:
        raise InvalidInput(
            _("Application %(number)s for this certificate is still open.") % {"number": open_app.number},
            details={"field": "certificate"},
        )


def _due(days_key: str) -> date:
    return timezone.localdate() + timedelta(days=int(get_setting(days_key)))


@transaction.atomic
def application_create(
    *,
    actor: Any,
    organisation: Organisation,
    scheme: Scheme,
    title: str,
    kind: str = Application.Kind.INITIAL,
    certificate: Any = None,
    change_description: str = "",
    with_dossier: bool = False,
) -> Application:
    """A draft application. `with_dossier`: it carries a checklist file, so it cannot be submitted before every required
    document is uploaded or recorded as received on paper (the API asks for it; the portal's wizard adds its own)."""
    refuse_if(can_act_for_client(actor, organisation.pk))
    title = (title or "").strip()
    if not title:
        raise InvalidInput(_("Give the application a title."), details={"field": "title"})
    if not scheme.is_active:
        raise InvalidInput(_("The scheme %(scheme)s is not open for applications.") % {"scheme": scheme.code})
    if kind not in Application.Kind.values:
        raise InvalidInput(_("Unknown kind of application."))
    if kind == Application.Kind.INITIAL:
        certificate = None
    else:
        if certificate is None:
            raise InvalidInput(_("Choose the certificate this application changes."), details={"field": "certificate"})
        # Check the current row under a lock, not the caller's copy: an ended certificate, or a second
        # application racing this one for the same certificate, must be refused.
        certificate = lock(type(certificate), certificate.pk)
        _ensure_certificate_open_for(certificate, kind=kind, organisation=organisation)
        scheme = certificate.scheme
    rule = scheme.current_rule()
    if rule is None:
        raise InvalidInput(_("The scheme %(scheme)s has no current implementation rules.") % {"scheme": scheme.code})
    application = Application.objects.create(
        number=render_number(APPLICATION_NUMBER_TEMPLATE, on=timezone.localdate()),
        kind=kind,
        organisation=organisation,
        scheme=scheme,
        rule_version=rule,
        certificate=certificate,
        title=title,
        change_description=change_description.strip(),
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="application.create",
        obj=application,
        after={"number": application.number, "kind": kind, "scheme": scheme.code, "status": application.status},
    )
    if with_dossier:
        Dossier.objects.create(application=application)
    return application


@transaction.atomic
def application_start(*, actor: Any, scheme: Scheme, title: str, outsourcing: bool = False) -> Application:
    """A client starts an application online (step 1 of the portal's wizard): a draft with its file, whose checklist
    follows from the scheme and the declarations."""
    require(has_role(actor, Role.CLIENT) and actor.organisation_id, _("Only a client's users apply in the portal."))
    # A double click sends the form twice: the same draft, started by the same person a moment ago, is the answer.
    lock(Organisation, actor.organisation_id)  # the second request waits for the first one's commit
    recent = (
        Application.objects.filter(
            organisation_id=actor.organisation_id,
            scheme=scheme,
            title=(title or "").strip(),
            status=Application.Status.DRAFT,
            created_at__gte=timezone.now() - timedelta(seconds=30),
            dossier__isnull=False,
        )
        .order_by("-id")
        .first()
    )
    if (
        recent is not None
        and AuditEvent.objects.filter(action="application.create", actor=actor, object_id=str(recent.pk)).exists()
    ):
        return recent
    application = application_create(actor=actor, organisation=actor.organisation, scheme=scheme, title=title)
    Dossier.objects.create(application=application, outsourcing=outsourcing)
    return application


@transaction.atomic
def unit_add(
    *,
    actor: Any,
    application: Application,
    product_name: str,
    model_names: list[str],
    version: str,
    manufacturer: Manufacturer,
    production_site: ProductionSite,
    trademark: str = "",
    product_name_en: str = "",
    difference_statement: str = "",
) -> CertificationUnit:
    application = lock(Application, application.pk)
    refuse_if(can_change_units(actor, application))
    model_names = [m.strip() for m in model_names if m and m.strip()]
    errors = {}
    if not (product_name or "").strip():
        errors["product_name"] = _("Enter the product name.")
    if not model_names:
        errors["model_names"] = _("Enter at least one model.")
    if len(set(model_names)) != len(model_names):
        errors["model_names"] = _("A model is listed twice.")
    if not (version or "").strip():
        errors["version"] = _("Enter the product version.")
    if len(model_names) > 1 and not difference_statement.strip():
        errors["difference_statement"] = _("A unit covering several models needs a difference statement.")
    if manufacturer.organisation_id != application.organisation_id:
        errors["manufacturer"] = _("The manufacturer is not one of this client's manufacturers.")
    if production_site.manufacturer_id != manufacturer.pk:
        errors["production_site"] = _("The production site does not belong to the manufacturer.")
    if errors:
        raise InvalidInput(" ".join(errors.values()), details={"fields": errors})
    unit = CertificationUnit.objects.create(
        application=application,
        product_name=product_name.strip(),
        product_name_en=product_name_en.strip(),
        trademark=trademark.strip(),
        model_names=model_names,
        version=version.strip(),
        manufacturer=manufacturer,
        production_site=production_site,
        difference_statement=difference_statement.strip(),
    )
    audit_record(actor=actor, action="unit.add", obj=unit, after=unit.as_record(), subject=application)
    return unit


@transaction.atomic
def unit_remove(*, actor: Any, unit: CertificationUnit) -> None:
    application = lock(Application, unit.application_id)
    refuse_if(can_change_units(actor, application))
    record = unit.as_record()
    audit_record(actor=actor, action="unit.remove", obj=unit, before=record, subject=application)
    unit.delete()


@transaction.atomic
def application_submit(*, actor: Any, application: Application, answer: str = "") -> Application:
    """Submit (or resubmit after a return, with the client's `answer`); each submission is recorded with its diff."""
    application = lock(Application, application.pk)
    refuse_if(can_submit(actor, application))
    if not application.organisation.is_approved:
        raise InvalidInput(
            _("Your organisation waits for approval by the certification body; submit once it is approved."),
            code="organisation_not_approved",
        )
    if not application.units.exists():
        raise InvalidInput(_("Add at least one certification unit before submitting."), code="no_units")
    if application.kind != Application.Kind.INITIAL and not application.change_description:
        raise InvalidInput(_("Describe the change before submitting."), code="no_change_description")
    check_complete(application)
    record_submission(application, actor=actor, answer=answer)
    application.submitted_at = timezone.now()
    application.stage_due = _due("application_review_days")
    return APPLICATION_FLOW.apply(application, "submit", actor=actor, update_fields=["submitted_at", "stage_due"])


@transaction.atomic
def application_return(
    *, actor: Any, application: Application, reason: str, missing_items: list[str] | tuple[str, ...] = ()
) -> Application:
    """Return for completion: `reason` says what is missing; `missing_items` names checklist documents to redo."""
    application = lock(Application, application.pk)
    refuse_if(can_return(actor, application))
    if not (reason or "").strip():
        raise InvalidInput(_("Say what is missing, so the client can complete it."), details={"field": "reason"})
    codes = {i.code for i in checklist.for_application(application)}
    unknown = [m for m in missing_items if m not in codes]
    if unknown:
        raise InvalidInput(
            _("These are not on the application's checklist: %(items)s.") % {"items": ", ".join(unknown)}
        )
    application.return_reason = reason.strip()
    application.return_items = list(dict.fromkeys(missing_items))
    application.stage_due = _due("completion_days")  # the client's deadline to complete it
    return APPLICATION_FLOW.apply(
        application,
        "return",
        actor=actor,
        reason=reason.strip(),
        after={"missing_items": application.return_items},
        update_fields=["return_reason", "return_items", "stage_due"],
    )


@transaction.atomic
def application_reject(*, actor: Any, application: Application, reason: str) -> Application:
    application = lock(Application, application.pk)
    refuse_if(can_reject(actor, application))
    if not (reason or "").strip():
        raise InvalidInput(_("Give the reason for rejecting the application."), details={"field": "reason"})
    application.stage_due = None
    return APPLICATION_FLOW.apply(
        application, "reject", actor=actor, reason=reason.strip(), update_fields=["stage_due"]
    )


@transaction.atomic
def application_accept(
    *,
    actor: Any,
    application: Application,
    contract_number: str,
    fee: Any,
    signed_on: date,
    engineer: Any = None,
    terms_version: str = "",
    review_notes: str = "",
    evaluation_required: bool = True,
) -> Application:
    """Application review passed: conclude the contract and hand over to an engineer."""
    application = lock(Application, application.pk)
    refuse_if(can_accept(actor, application))
    errors = {}
    try:
        fee_value = Decimal(str(fee))
        if fee_value < 0:
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors["fee"] = _("Enter the fee as a positive amount.")
        fee_value = Decimal(0)
    contract_number = (contract_number or "").strip()
    if not contract_number:
        errors["contract_number"] = _("Enter the contract number.")
    elif Contract.objects.filter(number=contract_number).exists():
        errors["contract_number"] = _("Contract number %(number)s is already used.") % {"number": contract_number}
    if signed_on is None or signed_on > timezone.localdate():
        errors["signed_on"] = _("The contract cannot be signed in the future.")
    elif window := date_window_error(signed_on, label=_("Contract signed on")):
        errors["signed_on"] = window
    if engineer is not None and not engineer.has_role(Role.ENGINEER):
        errors["engineer"] = _("%(user)s is not a certification engineer.") % {"user": engineer}
    if application.kind == Application.Kind.INITIAL and not evaluation_required:
        errors["evaluation_required"] = _("An initial certification always needs an evaluation.")
    if errors:
        raise InvalidInput(" ".join(errors.values()), details={"fields": errors})
    Contract.objects.create(
        application=application,
        number=contract_number,
        fee=fee_value,
        signed_on=signed_on,
        terms_version=terms_version,
        review_notes=review_notes,
        created_by=actor,
    )
    application.accepted_at = timezone.now()
    application.engineer = engineer
    application.evaluation_required = evaluation_required
    application.stage_due = _due("evaluation_days")
    return APPLICATION_FLOW.apply(
        application,
        "accept",
        actor=actor,
        after={
            "contract": contract_number,
            "fee": str(fee_value),
            "engineer": getattr(engineer, "username", None),
            "evaluation_required": evaluation_required,
        },
        update_fields=["accepted_at", "engineer", "evaluation_required", "stage_due"],
    )


@transaction.atomic
def application_withdraw(*, actor: Any, application: Application, reason: str = "") -> Application:
    """The client may withdraw at any stage before the decision; market staff do it on the client's word."""
    application = lock(Application, application.pk)
    refuse_if(can_withdraw(actor, application))
    application.stage_due = None
    reason = (reason or "").strip()
    APPLICATION_FLOW.apply(application, "withdraw", actor=actor, reason=reason, update_fields=["stage_due"])
    # Nobody should go on testing or inspecting for a withdrawn application: certification cancels its evaluation.
    application_withdrawn.send(
        sender=Application,
        application=application,
        actor=actor,
        reason=reason or _("The application was withdrawn."),
    )
    return application
