"""Issuing certificates and their versions (7.7), and suspending, restoring or ending them (7.11)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from certbody.core.audit import audit_record
from certbody.core.dates import check_date_window
from certbody.core.errors import InvalidInput
from certbody.core.numbering import render_number
from certbody.core.permissions import refuse_if
from certbody.core.workflow import lock, record_creation

from .documents.tasks import reissue_after_commit
from .models import (
    CERTIFICATE_FLOW,
    NONCONFORMITY_FLOW,
    CancellationReason,
    Certificate,
    CertificateVersion,
    NonconformityCase,
    SuspensionReason,
    WithdrawalReason,
    manufacturer_label,
)
from .permissions import (
    can_cancel,
    can_confirm_nonconformity,
    can_resolve_nonconformity,
    can_restore,
    can_suspend,
    can_withdraw,
)

# Sent inside the transaction that ends a certificate (withdrawn, cancelled, expired), with `certificate`, `actor`
# and `reason`. Certification listens and cancels the certificate's open surveillances in that transaction: the
# surveillance workflow belongs to certification, which builds on certificates, never the other way round.
certificate_ended = Signal()


def expiry_for(issued_on: date, validity_years: int) -> date:
    """Valid for N years: the day before the anniversary."""
    return issued_on + relativedelta(years=validity_years) - timedelta(days=1)


def _version_content(application: Any, units: list[dict]) -> dict[str, Any]:
    org = application.organisation
    scheme = application.scheme
    rule = application.rule_version
    return {
        "holder_name": org.name,
        "holder_name_en": org.name_en,
        "holder_address": org.address,
        "holder_address_en": org.address_en,
        "units": units,
        "standards": [s.as_record() for s in rule.standards.order_by("code")],
        "scheme_code": scheme.code,
        "scheme_name": scheme.name_zh,
        "rule_document": rule.document_code,
        "rule_version": rule.version,
        "mode": scheme.mode_record(),
        # Printed on the certificate: in the certificate's language, whoever decides.
        "mode_text": _mode_text_zh(scheme),
        "cb_name": settings.CERTBODY_ORG_NAME,
        "cb_address": settings.CERTBODY_ORG_ADDRESS,
    }


def _mode_text_zh(scheme) -> str:
    with translation.override("zh-hans"):
        return scheme.mode_text()


def _product_label(units: list[dict]) -> str:
    names = list(dict.fromkeys(u["product_name"] for u in units))
    return "；".join(names)[:200]


def _next_certificate_number(scheme, issued_on: date) -> str:
    """The scheme's next number; numbers already taken (imported legacy certificates) are passed over."""
    while True:
        number = render_number(
            scheme.number_template, on=issued_on, scheme=scheme.number_code, category=scheme.category.code
        )
        if not Certificate.objects.filter(number=number).exists():
            return number


def certificate_issue_for_decision(*, actor: Any, decision: Any, issued_on: date) -> Certificate:
    """Issue on a positive decision; runs inside the decision's transaction (certification's decision_make, which
    also plans the surveillance that follows).

    Initial certification makes a certificate; a change, extension or recertification
    makes a new version of the existing one.
    """
    application = decision.application
    decided_on = timezone.localdate(decision.decided_at)
    if issued_on < decided_on:
        raise InvalidInput(
            _("The grant date %(issued)s cannot be before the decision (%(decided)s).")
            % {"issued": issued_on.isoformat(), "decided": decided_on.isoformat()},
            details={"field": "issued_on"},
        )
    new_units = [u.as_record() for u in application.units.select_related("manufacturer", "production_site")]
    if application.kind == CertificateVersion.Reason.INITIAL:
        return _certificate_create(
            actor=actor, decision=decision, new_units=new_units, issued_on=issued_on, decided_on=decided_on
        )
    return _certificate_new_version(
        actor=actor, decision=decision, new_units=new_units, issued_on=issued_on, decided_on=decided_on
    )


def _certificate_create(
    *, actor: Any, decision: Any, new_units: list, issued_on: date, decided_on: date
) -> Certificate:
    """Initial certification: a new certificate with its first version."""
    application = decision.application
    scheme = application.scheme
    expires_on = expiry_for(issued_on, scheme.validity_years)
    certificate = Certificate.objects.create(
        number=_next_certificate_number(scheme, issued_on),
        organisation=application.organisation,
        scheme=scheme,
        category=scheme.category,
        application=application,
        holder_name=application.organisation.name,
        product_name=_product_label(new_units),
        manufacturer_names=manufacturer_label(new_units),
        first_issued_on=issued_on,
        issued_on=issued_on,
        expires_on=expires_on,
        version_no=1,
        status_changed_at=timezone.now(),
    )
    CertificateVersion.objects.create(
        certificate=certificate,
        version_no=1,
        reason=CertificateVersion.Reason.INITIAL,
        decision=decision,
        decided_on=decided_on,
        issued_on=issued_on,
        valid_until=expires_on,
        created_by=actor,
        **_version_content(application, new_units),
    )
    record_creation(
        certificate,
        actor=actor,
        transition="issue",
        after={"number": certificate.number, "issued_on": issued_on, "expires_on": expires_on},
    )
    reissue_after_commit(certificate.pk)
    return certificate


def _certificate_new_version(
    *, actor: Any, decision: Any, new_units: list, issued_on: date, decided_on: date
) -> Certificate:
    """A change, extension or recertification: the next version of the certificate the application names."""
    application = decision.application
    scheme = application.scheme
    certificate = lock(Certificate, application.certificate_id)
    if certificate.status not in (Certificate.Status.VALID, Certificate.Status.SUSPENDED):
        raise InvalidInput(
            _("Certificate %(number)s has ended (%(status)s); it can no longer be changed.")
            % {"number": certificate.number, "status": certificate.get_status_display()}
        )
    current = certificate.versions.order_by("-version_no").first()
    if application.kind == CertificateVersion.Reason.EXTENSION:
        units = list(current.units) + new_units
    else:
        units = new_units
    expires_on = certificate.expires_on
    if application.kind == CertificateVersion.Reason.RECERTIFICATION:
        if issued_on > certificate.expires_on:
            raise InvalidInput(_("Recertification must be granted before the certificate expires."))
        expires_on = expiry_for(certificate.expires_on + timedelta(days=1), scheme.validity_years)
    version = CertificateVersion.objects.create(
        certificate=certificate,
        version_no=certificate.version_no + 1,
        reason=application.kind,
        decision=decision,
        decided_on=decided_on,
        issued_on=issued_on,
        valid_until=expires_on,
        created_by=actor,
        **_version_content(application, units),
    )
    before = {"version_no": certificate.version_no, "expires_on": certificate.expires_on}
    certificate.version_no = version.version_no
    certificate.issued_on = issued_on
    certificate.expires_on = expires_on
    certificate.holder_name = version.holder_name
    certificate.product_name = _product_label(units)
    certificate.manufacturer_names = manufacturer_label(units)
    certificate.save(
        update_fields=[
            "version_no", "issued_on", "expires_on", "holder_name", "product_name", "manufacturer_names", "updated_at"
        ]
    )  # fmt: skip
    audit_record(
        actor=actor,
        action="certificate.new_version",
        obj=certificate,
        before=before,
        after={"version_no": version.version_no, "expires_on": expires_on, "reason": application.kind},
        reason=decision.reason,
    )
    reissue_after_commit(certificate.pk)
    return certificate


# --- nonconformity and the 5-day rule ---------------------------------------------------------


@transaction.atomic
def nonconformity_confirm(
    *, actor: Any, certificate: Certificate, source: str, description: str, confirmed_on: date
) -> NonconformityCase:
    """Record a confirmed nonconformity; the suspension deadline runs from the confirmation."""
    certificate = lock(Certificate, certificate.pk)
    refuse_if(can_confirm_nonconformity(actor, certificate))
    if source not in NonconformityCase.Source.values:
        raise InvalidInput(_("Choose the source."), details={"field": "source"})
    if not (description or "").strip():
        raise InvalidInput(_("Describe the nonconformity."), details={"field": "description"})
    if confirmed_on is None or confirmed_on > timezone.localdate():
        message = _("The confirmation date cannot be in the future.")
        raise InvalidInput(message, details={"field": "confirmed_on", "fields": {"confirmed_on": message}})
    check_date_window(confirmed_on, field="confirmed_on", label=_("Confirmed on"))
    case = NonconformityCase.objects.create(
        certificate=certificate,
        source=source,
        description=description.strip(),
        confirmed_on=confirmed_on,
        suspend_by=confirmed_on + timedelta(days=certificate.scheme.suspension_deadline_days),
        created_by=actor,
    )
    record_creation(
        case,
        actor=actor,
        transition="confirm",
        after={"confirmed_on": confirmed_on, "suspend_by": case.suspend_by, "source": source},
        subject=certificate,
    )
    return case


@transaction.atomic
def nonconformity_resolve(*, actor: Any, case: NonconformityCase, resolution: str) -> NonconformityCase:
    case = lock(NonconformityCase, case.pk)
    refuse_if(can_resolve_nonconformity(actor, case))
    if not (resolution or "").strip():
        raise InvalidInput(_("Describe how it was resolved."), details={"field": "resolution"})
    case.resolution = resolution.strip()
    return NONCONFORMITY_FLOW.apply(
        case, "resolve", actor=actor, reason=case.resolution, update_fields=["resolution"], subject=case.certificate
    )


# --- status changes ---------------------------------------------------------------------------


def _require_reason(reason_code: str, choices, reason: str) -> str:
    if reason_code not in choices.values:
        raise InvalidInput(_("Choose a reason code."), details={"field": "reason_code"})
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(_("Give the reason."), details={"field": "reason"})
    return reason


@transaction.atomic
def certificate_suspend(
    *,
    actor: Any,
    certificate: Certificate,
    reason_code: str,
    reason: str,
    until: date,
    case: NonconformityCase | None = None,
) -> Certificate:
    certificate = lock(Certificate, certificate.pk)
    refuse_if(can_suspend(actor, certificate))
    reason = _require_reason(reason_code, SuspensionReason, reason)
    today = timezone.localdate()
    longest = today + timedelta(days=certificate.scheme.max_suspension_days)
    if until is None or until <= today or until > longest:
        raise InvalidInput(
            _("The suspension must end after today and at the latest on %(date)s (the scheme's maximum).")
            % {"date": longest.isoformat()},
            details={"field": "until"},
        )
    late = False
    if case is not None:
        case = lock(NonconformityCase, case.pk)
        if case.certificate_id != certificate.pk:
            raise InvalidInput(_("The nonconformity case belongs to another certificate."))
        late = today > case.suspend_by
    certificate.suspended_on = today
    certificate.suspended_until = until
    certificate.status_reason_code = reason_code
    certificate.status_changed_at = timezone.now()
    CERTIFICATE_FLOW.apply(
        certificate,
        "suspend",
        actor=actor,
        reason=reason,
        reason_code=reason_code,
        after={"suspended_until": until, "nonconformity_case": getattr(case, "pk", None), "late": late},
        update_fields=["suspended_on", "suspended_until", "status_reason_code", "status_changed_at"],
    )
    if case is not None:
        NONCONFORMITY_FLOW.apply(case, "suspend", actor=actor, reason=reason, subject=certificate)
    reissue_after_commit(certificate.pk)
    return certificate


@transaction.atomic
def certificate_restore(*, actor: Any, certificate: Certificate, reason: str) -> Certificate:
    certificate = lock(Certificate, certificate.pk)
    refuse_if(can_restore(actor, certificate))
    if not (reason or "").strip():
        raise InvalidInput(_("Say what evidence shows the nonconformity is corrected."), details={"field": "reason"})
    if certificate.expires_on < timezone.localdate():
        raise InvalidInput(_("The certificate has expired and cannot be restored."))
    before = {"suspended_until": certificate.suspended_until}
    certificate.suspended_on = None
    certificate.suspended_until = None
    certificate.status_reason_code = ""
    certificate.status_changed_at = timezone.now()
    CERTIFICATE_FLOW.apply(
        certificate,
        "restore",
        actor=actor,
        reason=reason.strip(),
        before=before,
        update_fields=["suspended_on", "suspended_until", "status_reason_code", "status_changed_at"],
    )
    reissue_after_commit(certificate.pk)
    return certificate


def _end(
    certificate: Certificate, transition: str, *, actor: Any, reason_code: str, reason: str, on: date | None = None
) -> Certificate:
    certificate.status_reason_code = reason_code
    certificate.status_changed_at = timezone.now()
    # The daily job ends certificates on the day it runs for (run_daily(today=...)), not the day it is called.
    certificate.ended_on = on or timezone.localdate()
    CERTIFICATE_FLOW.apply(
        certificate,
        transition,
        actor=actor,
        reason=reason,
        reason_code=reason_code,
        update_fields=["status_reason_code", "status_changed_at", "ended_on"],
    )
    reissue_after_commit(certificate.pk)
    certificate_ended.send(sender=Certificate, certificate=certificate, actor=actor, reason=reason)
    for case in certificate.nonconformity_cases.select_for_update().filter(status=NonconformityCase.Status.OPEN):
        case.resolution = reason
        NONCONFORMITY_FLOW.apply(
            case, "resolve", actor=actor, reason=reason, update_fields=["resolution"], subject=certificate
        )
    return certificate


@transaction.atomic
def certificate_withdraw(*, actor: Any, certificate: Certificate, reason_code: str, reason: str) -> Certificate:
    """Withdraw (撤销): fraud, fake samples, serious accident, failed surveillance, or suspension run out."""
    certificate = lock(Certificate, certificate.pk)
    refuse_if(can_withdraw(actor, certificate))
    reason = _require_reason(reason_code, WithdrawalReason, reason)
    return _end(certificate, "withdraw", actor=actor, reason_code=reason_code, reason=reason)


@transaction.atomic
def certificate_cancel(*, actor: Any, certificate: Certificate, reason_code: str, reason: str) -> Certificate:
    """Cancel (注销): at the holder's request, product discontinued, not renewed."""
    certificate = lock(Certificate, certificate.pk)
    refuse_if(can_cancel(actor, certificate))
    reason = _require_reason(reason_code, CancellationReason, reason)
    return _end(certificate, "cancel", actor=actor, reason_code=reason_code, reason=reason)


# --- the daily job -----------------------------------------------------------------------------


def run_daily(*, today: date | None = None) -> dict[str, int]:
    """Expire certificates past their date; withdraw those whose suspension ran out.

    Each certificate is changed in its own transaction by the system actor, so one
    failure does not hold back the others, and a re-run does nothing twice.
    """
    today = today or timezone.localdate()
    counts = {"expired": 0, "withdrawn": 0}
    live = [Certificate.Status.VALID, Certificate.Status.SUSPENDED]
    for pk in Certificate.objects.filter(status__in=live, expires_on__lt=today).values_list("pk", flat=True).iterator():
        with transaction.atomic():
            certificate = lock(Certificate, pk)
            if certificate.status in live and certificate.expires_on < today:
                _end(
                    certificate,
                    "expire",
                    actor=None,
                    reason_code="expired",
                    reason=_("Validity ended on %(date)s without renewal.") % {"date": certificate.expires_on},
                    on=today,
                )
                counts["expired"] += 1
    overdue = Certificate.objects.filter(status=Certificate.Status.SUSPENDED, suspended_until__lt=today)
    for pk in overdue.values_list("pk", flat=True).iterator():
        with transaction.atomic():
            certificate = lock(Certificate, pk)
            if certificate.status == Certificate.Status.SUSPENDED and certificate.suspended_until < today:
                _end(
                    certificate,
                    "withdraw",
                    actor=None,
                    reason_code=WithdrawalReason.SUSPENSION_EXPIRED,
                    reason=_("The suspension ended on %(date)s unresolved.") % {"date": certificate.suspended_until},
                    on=today,
                )
                counts["withdrawn"] += 1
    return counts
