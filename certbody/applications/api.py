"""REST endpoints for applications (7.2) and application review (7.3)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Body, Field, Query, Router, Schema, Status

from certbody.api.common import (
    LONG_TEXT,
    ClientView,
    Day,
    Id,
    Page,
    PageIn,
    StatusChangeOut,
    Text,
    choice,
    history,
    invalid_field,
    paginate,
    referenced,
    transitions,
    user_named,
    username,
    visible,
)
from certbody.api.errors import ERRORS
from certbody.certificates.selectors import certificates_for
from certbody.clients.models import Manufacturer, Organisation, ProductionSite
from certbody.core.permissions import has_role
from certbody.core.roles import Role
from certbody.schemes.models import Scheme

from . import dossier, services
from .models import APPLICATION_FLOW, Application, CertificationUnit, Contract
from .permissions import applications_for

router = Router(tags=["applications"])

APPLICATION = gettext_lazy("Application")


# --- schemas ---------------------------------------------------------------------------------------


class OrganisationRef(ClientView):
    CLIENT_FIELDS = frozenset({"id", "name"})

    id: int
    name: str


class UnitOut(ClientView):
    # The client's own declaration of its products.
    CLIENT_FIELDS = frozenset(
        {
            "id", "product_name", "product_name_en", "trademark", "model_names", "version", "manufacturer_id",
            "manufacturer", "production_site_id", "production_site", "difference_statement",
        }
    )  # fmt: skip

    id: int
    product_name: str
    product_name_en: str
    trademark: str
    model_names: list[str]
    version: str
    manufacturer_id: int
    manufacturer: str
    production_site_id: int
    production_site: str
    difference_statement: str

    @staticmethod
    def resolve_manufacturer(obj) -> str:
        return obj.manufacturer.name

    @staticmethod
    def resolve_production_site(obj) -> str:
        return obj.production_site.name


class ContractOut(ClientView):
    # Not the contract review's internal notes (7.3).
    CLIENT_FIELDS = frozenset({"number", "fee", "currency", "signed_on", "terms_version"})

    number: str
    fee: Decimal
    currency: str
    signed_on: date
    terms_version: str
    review_notes: str


class ApplicationOut(ClientView):
    # Not the staff assigned (engineer, reviewer: staff accounts; the reviewer stays anonymous, 7.5) nor the internal
    # stage deadline. The return reason and items are what the client must complete (the portal shows them).
    CLIENT_FIELDS = frozenset(
        {
            "id", "number", "kind", "kind_label", "status", "status_label", "organisation", "scheme", "rule_version",
            "certificate", "title", "change_description", "evaluation_required", "return_reason", "return_items",
            "created_at", "submitted_at", "accepted_at", "transitions",
        }
    )  # fmt: skip

    id: int
    number: str
    kind: str
    kind_label: str = Field(alias="get_kind_display")
    status: str
    status_label: str = Field(alias="get_status_display")
    organisation: OrganisationRef
    scheme: str = Field(description="Scheme code.")
    rule_version: str = Field(description="Implementation rules applied: document code and version.")
    certificate: str | None = Field(description="Number of the certificate a change or renewal applies to.")
    title: str
    change_description: str
    evaluation_required: bool
    engineer: str | None
    reviewer: str | None
    return_reason: str
    return_items: list[str]
    created_at: datetime
    submitted_at: datetime | None
    accepted_at: datetime | None
    stage_due: date | None
    transitions: list[str] = Field(description="Steps the state machine allows next.")

    @staticmethod
    def resolve_scheme(obj) -> str:
        return obj.scheme.code

    @staticmethod
    def resolve_rule_version(obj) -> str:
        return str(obj.rule_version)

    @staticmethod
    def resolve_certificate(obj) -> str | None:
        return obj.certificate.number if obj.certificate_id else None

    @staticmethod
    def resolve_engineer(obj) -> str | None:
        return username(obj.engineer)

    @staticmethod
    def resolve_reviewer(obj) -> str | None:
        return username(obj.reviewer)

    @staticmethod
    def resolve_transitions(obj) -> list[str]:
        return transitions(APPLICATION_FLOW, obj.status)


class ApplicationDetailOut(ApplicationOut):
    CLIENT_FIELDS = ApplicationOut.CLIENT_FIELDS | {"units", "contract", "history"}

    units: list[UnitOut]
    contract: ContractOut | None
    history: list[StatusChangeOut]

    @staticmethod
    def resolve_units(obj) -> list:
        return list(obj.units.select_related("manufacturer", "production_site"))

    @staticmethod
    def resolve_contract(obj) -> Contract | None:
        try:
            return obj.contract
        except Contract.DoesNotExist:
            return None

    @staticmethod
    def resolve_history(obj) -> list:
        return history(obj)


class ApplicationFilter(Schema):
    status: choice(Application.Status) | None = None
    kind: choice(Application.Kind) | None = None
    scheme: Text(40) | None = Field(None, description="Scheme code.")
    organisation_id: Id | None = None
    q: Text(100) | None = Field(None, description="Part of the number or the title.")


class ApplicationCreateIn(Schema):
    title: Text(200)
    kind: choice(Application.Kind) = Application.Kind.INITIAL
    scheme: Text(40) | None = Field(None, description="Scheme code; a change or renewal takes the certificate's.")
    organisation_id: Id | None = Field(None, description="Client organisation; a client user applies for its own.")
    certificate: Text(60) | None = Field(None, description="Certificate number, for a change, extension or renewal.")
    change_description: Text(LONG_TEXT) = ""


class UnitIn(Schema):
    product_name: Text(200)
    product_name_en: Text(250) = ""
    trademark: Text(100) = ""
    model_names: list[Text(100)] = Field(..., max_length=100)
    version: Text(60)
    manufacturer_id: Id
    production_site_id: Id
    difference_statement: Text(LONG_TEXT) = ""


class ReasonIn(Schema):
    reason: Text(LONG_TEXT) = ""


NO_REASON = ReasonIn()  # the body may be left out where the reason is optional


class ReturnIn(ReasonIn):
    missing_items: list[Text(40)] = Field(
        default_factory=list, max_length=20, description="Checklist items the client must provide again."
    )


class SubmitIn(Schema):
    answer: Text(LONG_TEXT) = Field("", description="After a return: what the client completed.")


NO_ANSWER = SubmitIn()


class PaperDocumentsIn(Schema):
    items: list[str] = Field(..., description="Checklist item codes received on paper (GET .../documents lists them).")


class AcceptIn(Schema):
    contract_number: Text(60)
    fee: Decimal = Field(..., ge=0, max_digits=12, decimal_places=2)
    signed_on: Day
    engineer: Text(150) | None = Field(None, description="Username of the certification engineer.")
    terms_version: Text(30) = ""
    review_notes: Text(LONG_TEXT) = ""
    evaluation_required: bool = True


# --- helpers ---------------------------------------------------------------------------------------


def _applications(user):
    return applications_for(user).select_related(
        "organisation", "scheme", "rule_version", "certificate", "engineer", "reviewer"
    )


def application_visible(user, application_id: int) -> Application:
    """The application if the caller may see it (404 otherwise): every endpoint on one goes through here."""
    return visible(_applications(user).select_related("contract"), APPLICATION, pk=application_id)


def _detail(user, application: Application) -> Application:
    return application_visible(user, application.pk)


# --- endpoints -------------------------------------------------------------------------------------


@router.get("", response={200: Page[ApplicationOut], **ERRORS}, summary="List applications")
def application_list(request, filters: Query[ApplicationFilter], page: Query[PageIn]):
    qs = _applications(request.auth)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.scheme:
        qs = qs.filter(scheme__code=filters.scheme)
    if filters.organisation_id:
        qs = qs.filter(organisation_id=filters.organisation_id)
    if filters.q:
        qs = qs.filter(Q(number__icontains=filters.q) | Q(title__icontains=filters.q))
    return paginate(qs.order_by("-created_at", "-id"), page)


@router.post("", response={201: ApplicationDetailOut, **ERRORS}, summary="Create an application (draft)")
def application_create(request, payload: ApplicationCreateIn):
    user = request.auth
    if has_role(user, Role.CLIENT) and user.organisation_id:
        if payload.organisation_id not in (None, user.organisation_id):
            invalid_field("organisation_id", _("Unknown client organisation."))
        organisation = user.organisation
    elif payload.organisation_id is None:
        invalid_field("organisation_id", _("Choose the client organisation."))
    else:
        organisation = referenced(
            Organisation.objects.all(), "organisation_id", _("client organisation"), pk=payload.organisation_id
        )
    certificate = None
    if payload.kind != Application.Kind.INITIAL:
        if not payload.certificate:
            invalid_field("certificate", _("Choose the certificate this application changes."))
        certificate = referenced(
            certificates_for(user).select_related("scheme"), "certificate", _("certificate"), number=payload.certificate
        )
        scheme = certificate.scheme
    else:
        if not payload.scheme:
            invalid_field("scheme", _("Choose the scheme."))
        scheme = referenced(Scheme.objects.all(), "scheme", _("scheme"), code=payload.scheme)
    application = services.application_create(
        actor=user,
        organisation=organisation,
        scheme=scheme,
        title=payload.title,
        kind=payload.kind,
        certificate=certificate,
        change_description=payload.change_description,
        with_dossier=True,  # every application carries its documents: the checklist holds at submission
    )
    return Status(201, _detail(user, application))


@router.get("/{application_id}", response={200: ApplicationDetailOut, **ERRORS}, summary="Get an application")
def application_get(request, application_id: int):
    return application_visible(request.auth, application_id)


@router.post("/{application_id}/units", response={201: UnitOut, **ERRORS}, summary="Add a certification unit")
def unit_add(request, application_id: int, payload: UnitIn):
    application = application_visible(request.auth, application_id)
    org = application.organisation_id
    manufacturer = referenced(
        Manufacturer.objects.filter(organisation_id=org),
        "manufacturer_id",
        _("manufacturer"),
        pk=payload.manufacturer_id,
    )
    site = referenced(
        ProductionSite.objects.filter(manufacturer__organisation_id=org),
        "production_site_id",
        _("production site"),
        pk=payload.production_site_id,
    )
    unit = services.unit_add(
        actor=request.auth,
        application=application,
        product_name=payload.product_name,
        product_name_en=payload.product_name_en,
        trademark=payload.trademark,
        model_names=list(payload.model_names),
        version=payload.version,
        manufacturer=manufacturer,
        production_site=site,
        difference_statement=payload.difference_statement,
    )
    return Status(201, unit)


@router.post(
    "/{application_id}/units/{unit_id}/remove",
    response={200: ApplicationDetailOut, **ERRORS},
    summary="Remove a certification unit",
)
def unit_remove(request, application_id: int, unit_id: int):
    application = application_visible(request.auth, application_id)
    unit = visible(CertificationUnit.objects.filter(application=application), _("Certification unit"), pk=unit_id)
    services.unit_remove(actor=request.auth, unit=unit)
    return _detail(request.auth, application)


@router.post("/{application_id}/submit", response={200: ApplicationDetailOut, **ERRORS}, summary="Submit")
def application_submit(request, application_id: int, payload: Body[SubmitIn] = NO_ANSWER):
    application = application_visible(request.auth, application_id)
    services.application_submit(actor=request.auth, application=application, answer=payload.answer)
    return _detail(request.auth, application)


@router.post(
    "/{application_id}/paper-documents",
    response={200: ApplicationDetailOut, **ERRORS},
    summary="Record checklist documents received on paper (market)",
)
def paper_documents(request, application_id: int, payload: PaperDocumentsIn):
    application = application_visible(request.auth, application_id)
    dossier.paper_documents_record(actor=request.auth, application=application, items=payload.items)
    return _detail(request.auth, application)


@router.post(
    "/{application_id}/return",
    response={200: ApplicationDetailOut, **ERRORS},
    summary="Return for completion (market)",
)
def application_return(request, application_id: int, payload: ReturnIn):
    application = application_visible(request.auth, application_id)
    services.application_return(
        actor=request.auth, application=application, reason=payload.reason, missing_items=payload.missing_items
    )
    return _detail(request.auth, application)


@router.post("/{application_id}/reject", response={200: ApplicationDetailOut, **ERRORS}, summary="Reject (market)")
def application_reject(request, application_id: int, payload: ReasonIn):
    application = application_visible(request.auth, application_id)
    services.application_reject(actor=request.auth, application=application, reason=payload.reason)
    return _detail(request.auth, application)


@router.post(
    "/{application_id}/accept",
    response={200: ApplicationDetailOut, **ERRORS},
    summary="Accept and conclude the contract (market)",
)
def application_accept(request, application_id: int, payload: AcceptIn):
    application = application_visible(request.auth, application_id)
    engineer = user_named(request.auth, payload.engineer, "engineer") if payload.engineer else None
    services.application_accept(
        actor=request.auth,
        application=application,
        contract_number=payload.contract_number,
        fee=payload.fee,
        signed_on=payload.signed_on,
        engineer=engineer,
        terms_version=payload.terms_version,
        review_notes=payload.review_notes,
        evaluation_required=payload.evaluation_required,
    )
    return _detail(request.auth, application)


@router.post("/{application_id}/withdraw", response={200: ApplicationDetailOut, **ERRORS}, summary="Withdraw")
def application_withdraw(request, application_id: int, payload: Body[ReasonIn] = NO_REASON):
    application = application_visible(request.auth, application_id)
    services.application_withdraw(actor=request.auth, application=application, reason=payload.reason)
    return _detail(request.auth, application)
