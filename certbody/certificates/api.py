"""REST endpoints for certificates (7.7), their versions and status changes (7.11)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.utils.translation import gettext_lazy
from ninja import Field, Query, Router, Schema, Status

from certbody.api.common import (
    LONG_TEXT,
    ClientView,
    CursorIn,
    CursorPage,
    Day,
    Id,
    StatusChangeOut,
    Text,
    choice,
    cursor_page,
    history,
    referenced,
    transitions,
    visible,
)
from certbody.api.errors import ERRORS

from . import services
from .models import (
    CERTIFICATE_FLOW,
    CancellationReason,
    Certificate,
    NonconformityCase,
    SuspensionReason,
    WithdrawalReason,
)
from .selectors import certificates_for

router = Router(tags=["certificates"])

CERTIFICATE = gettext_lazy("Certificate")
CASE = gettext_lazy("Nonconformity case")


# --- schemas ---------------------------------------------------------------------------------------


class CertificateOut(ClientView):
    # The holder sees its certificate as the registry and the portal show it.
    CLIENT_FIELDS = frozenset(
        {
            "number", "status", "status_label", "cnca_code", "holder_name", "product_name", "organisation_id",
            "scheme", "category", "first_issued_on", "issued_on", "expires_on", "version_no",
        }
    )  # fmt: skip

    number: str
    status: str
    status_label: str = Field(alias="get_status_display")
    cnca_code: str = Field(
        description="CNCA status code: 01 valid, 02 suspended, 03 withdrawn, 04 cancelled, 05 expired."
    )
    holder_name: str
    product_name: str
    organisation_id: int
    scheme: str = Field(description="Scheme code.")
    category: str = Field(description="Product category code.")
    first_issued_on: date
    issued_on: date
    expires_on: date
    version_no: int

    @staticmethod
    def resolve_scheme(obj) -> str:
        return obj.scheme.code

    @staticmethod
    def resolve_category(obj) -> str:
        return obj.category.code


class VersionOut(ClientView):
    # What the certificate version says (the printed certificate).
    CLIENT_FIELDS = frozenset(
        {
            "version_no", "reason", "decided_on", "issued_on", "valid_until", "holder_name", "holder_name_en",
            "holder_address", "holder_address_en", "units", "standards", "scheme_code", "scheme_name",
            "rule_document", "rule_version", "mode", "mode_text", "cb_name", "cb_address", "created_at",
        }
    )  # fmt: skip

    version_no: int
    reason: str
    decided_on: date
    issued_on: date
    valid_until: date
    holder_name: str
    holder_name_en: str
    holder_address: str
    holder_address_en: str
    units: list[dict[str, Any]]
    standards: list[dict[str, Any]]
    scheme_code: str
    scheme_name: str
    rule_document: str
    rule_version: str
    mode: dict[str, Any]
    mode_text: str
    cb_name: str
    cb_address: str
    created_at: datetime


class NonconformityOut(ClientView):
    # The holder must answer a confirmed nonconformity by its deadline: it sees the whole case.
    CLIENT_FIELDS = frozenset(
        {"id", "source", "description", "confirmed_on", "suspend_by", "status", "status_label", "resolution"}
    )

    id: int
    source: str
    description: str
    confirmed_on: date
    suspend_by: date
    status: str
    status_label: str = Field(alias="get_status_display")
    resolution: str


class CertificateDetailOut(CertificateOut):
    # The status history without persons and internal reasons (StatusChangeOut's own client view).
    CLIENT_FIELDS = CertificateOut.CLIENT_FIELDS | {
        "suspended_on", "suspended_until", "status_reason_code", "status_changed_at", "ended_on", "transitions",
        "versions", "nonconformity_cases", "history",
    }  # fmt: skip

    suspended_on: date | None
    suspended_until: date | None
    status_reason_code: str
    status_changed_at: datetime
    ended_on: date | None
    transitions: list[str]
    versions: list[VersionOut]
    nonconformity_cases: list[NonconformityOut]
    history: list[StatusChangeOut]

    @staticmethod
    def resolve_transitions(obj) -> list[str]:
        return transitions(CERTIFICATE_FLOW, obj.status)

    @staticmethod
    def resolve_versions(obj) -> list:
        return list(obj.versions.order_by("version_no"))

    @staticmethod
    def resolve_nonconformity_cases(obj) -> list:
        return list(obj.nonconformity_cases.order_by("-confirmed_on", "-id"))

    @staticmethod
    def resolve_history(obj) -> list:
        return history(obj)


class CertificateFilter(Schema):
    status: choice(Certificate.Status) | None = None
    category: Text(20) | None = Field(None, description="Product category code.")
    scheme: Text(40) | None = Field(None, description="Scheme code.")
    organisation_id: Id | None = None
    issued_from: Day | None = None
    issued_to: Day | None = None
    expires_before: Day | None = None


class NonconformityIn(Schema):
    source: choice(NonconformityCase.Source)
    description: Text(LONG_TEXT)
    confirmed_on: Day


class ResolveIn(Schema):
    resolution: Text(LONG_TEXT)


class SuspendIn(Schema):
    reason_code: choice(SuspensionReason)
    reason: Text(LONG_TEXT)
    until: Day
    case_id: Id | None = Field(None, description="The nonconformity case this suspension answers.")


class RestoreIn(Schema):
    reason: Text(LONG_TEXT)


class WithdrawIn(Schema):
    reason_code: choice(WithdrawalReason)
    reason: Text(LONG_TEXT)


class CancelIn(Schema):
    reason_code: choice(CancellationReason)
    reason: Text(LONG_TEXT)


# --- helpers ---------------------------------------------------------------------------------------


def certificate_visible(user, number: str) -> Certificate:
    """One query: the certificate with what its summary shows, if the caller may see it (404 otherwise)."""
    return visible(certificates_for(user).select_related("scheme", "category"), CERTIFICATE, number=number)


# --- endpoints -------------------------------------------------------------------------------------


@router.get(
    "",
    response={200: CursorPage[CertificateOut], **ERRORS},
    summary="List certificates, newest first (keyset pagination: pass next_cursor back as cursor)",
)
def certificate_list(request, filters: Query[CertificateFilter], page: Query[CursorIn]):
    qs = certificates_for(request.auth).select_related("scheme", "category")
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.category:
        qs = qs.filter(category__code=filters.category)
    if filters.scheme:
        qs = qs.filter(scheme__code=filters.scheme)
    if filters.organisation_id:
        qs = qs.filter(organisation_id=filters.organisation_id)
    if filters.issued_from:
        qs = qs.filter(issued_on__gte=filters.issued_from)
    if filters.issued_to:
        qs = qs.filter(issued_on__lte=filters.issued_to)
    if filters.expires_before:
        qs = qs.filter(expires_on__lt=filters.expires_before)
    return cursor_page(qs, page, date_field="issued_on")


@router.get(
    "/{number}",
    response={200: CertificateDetailOut, **ERRORS},
    summary="Get a certificate with its versions, nonconformity cases and status history",
)
def certificate_get(request, number: str):
    return certificate_visible(request.auth, number)


@router.post(
    "/{number}/nonconformities",
    response={201: CertificateDetailOut, **ERRORS},
    summary="Confirm a nonconformity (the suspension deadline starts)",
)
def nonconformity_confirm(request, number: str, payload: NonconformityIn):
    certificate = certificate_visible(request.auth, number)
    services.nonconformity_confirm(
        actor=request.auth,
        certificate=certificate,
        source=payload.source,
        description=payload.description,
        confirmed_on=payload.confirmed_on,
    )
    return Status(201, certificate_visible(request.auth, number))


@router.post(
    "/{number}/nonconformities/{case_id}/resolve",
    response={200: CertificateDetailOut, **ERRORS},
    summary="Resolve a nonconformity case without suspension",
)
def nonconformity_resolve(request, number: str, case_id: int, payload: ResolveIn):
    certificate = certificate_visible(request.auth, number)
    case = visible(certificate.nonconformity_cases.all(), CASE, pk=case_id)
    services.nonconformity_resolve(actor=request.auth, case=case, resolution=payload.resolution)
    return certificate_visible(request.auth, number)


@router.post("/{number}/suspend", response={200: CertificateDetailOut, **ERRORS}, summary="Suspend")
def certificate_suspend(request, number: str, payload: SuspendIn):
    certificate = certificate_visible(request.auth, number)
    case = None
    if payload.case_id is not None:
        case = referenced(certificate.nonconformity_cases.all(), "case_id", CASE, pk=payload.case_id)
    services.certificate_suspend(
        actor=request.auth,
        certificate=certificate,
        reason_code=payload.reason_code,
        reason=payload.reason,
        until=payload.until,
        case=case,
    )
    return certificate_visible(request.auth, number)


@router.post("/{number}/restore", response={200: CertificateDetailOut, **ERRORS}, summary="Restore")
def certificate_restore(request, number: str, payload: RestoreIn):
    certificate = certificate_visible(request.auth, number)
    services.certificate_restore(actor=request.auth, certificate=certificate, reason=payload.reason)
    return certificate_visible(request.auth, number)


@router.post("/{number}/withdraw", response={200: CertificateDetailOut, **ERRORS}, summary="Withdraw (撤销)")
def certificate_withdraw(request, number: str, payload: WithdrawIn):
    certificate = certificate_visible(request.auth, number)
    services.certificate_withdraw(
        actor=request.auth, certificate=certificate, reason_code=payload.reason_code, reason=payload.reason
    )
    return certificate_visible(request.auth, number)


@router.post("/{number}/cancel", response={200: CertificateDetailOut, **ERRORS}, summary="Cancel (注销)")
def certificate_cancel(request, number: str, payload: CancelIn):
    certificate = certificate_visible(request.auth, number)
    services.certificate_cancel(
        actor=request.auth, certificate=certificate, reason_code=payload.reason_code, reason=payload.reason
    )
    return certificate_visible(request.auth, number)
