"""Applications for certification (7.2) and their review (7.3)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from certbody.core.workflow import StatusField, StatusQuerySet, T, Workflow


def _stored_path(instance, filename: str) -> str:
    # The client's file name never reaches the file system: a random name in a folder per application. The folder
    # keeps its name from when the portal held these files, so stored paths stay valid.
    return f"portal/{instance.application_id}/{uuid.uuid4().hex}"


class Application(models.Model):
    """An application: initial certification, a change, an extension or a recertification."""

    class Kind(models.TextChoices):
        INITIAL = "initial", _("Initial certification")
        CHANGE = "change", _("Change")
        EXTENSION = "extension", _("Extension of scope")
        RECERTIFICATION = "recertification", _("Recertification")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned for completion")
        ACCEPTED = "accepted", _("Accepted")
        EVALUATION = "evaluation", _("Evaluation")
        REVIEW = "review", _("Technical review")
        DECISION = "decision", _("Awaiting decision")
        GRANTED = "granted", _("Granted")
        REFUSED = "refused", _("Refused")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", pgettext_lazy("application", "Withdrawn")

    OPEN = (
        Status.DRAFT,
        Status.SUBMITTED,
        Status.RETURNED,
        Status.ACCEPTED,
        Status.EVALUATION,
        Status.REVIEW,
        Status.DECISION,
    )

    number = models.CharField(_("number"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.INITIAL)
    status = StatusField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True)
    organisation = models.ForeignKey(
        "clients.Organisation", verbose_name=_("client"), on_delete=models.PROTECT, related_name="applications"
    )
    scheme = models.ForeignKey("schemes.Scheme", verbose_name=_("scheme"), on_delete=models.PROTECT)
    rule_version = models.ForeignKey(
        "schemes.RuleVersion", verbose_name=_("implementation rules"), on_delete=models.PROTECT
    )
    certificate = models.ForeignKey(
        "certificates.Certificate",
        verbose_name=_("certificate"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
        help_text=_("The certificate a change, extension or recertification applies to."),
    )
    title = models.CharField(_("title"), max_length=200)
    change_description = models.TextField(_("description of the change"), blank=True)
    evaluation_required = models.BooleanField(_("evaluation required"), default=True)
    engineer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("certification engineer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("technical reviewer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    return_reason = models.TextField(_("what is missing"), blank=True)
    return_items = models.JSONField(_("missing documents"), default=list, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    stage_due = models.DateField(_("step due"), null=True, blank=True, db_index=True)

    objects = StatusQuerySet.as_manager()

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organisation", "status"], name="app_org_status_idx")]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


S = Application.Status
OPEN_STEPS = [S.DRAFT, S.SUBMITTED, S.RETURNED, S.ACCEPTED, S.EVALUATION, S.REVIEW, S.DECISION]
APPLICATION_FLOW = Workflow(
    Application,
    _("application"),
    [
        T("submit", [S.DRAFT, S.RETURNED], S.SUBMITTED, _("submit")),
        T("return", [S.SUBMITTED], S.RETURNED, _("return for completion")),
        T("reject", [S.SUBMITTED], S.REJECTED, _("reject")),
        T("accept", [S.SUBMITTED], S.ACCEPTED, _("accept")),
        T("start_evaluation", [S.ACCEPTED], S.EVALUATION, _("start the evaluation")),
        T("complete_evaluation", [S.EVALUATION], S.REVIEW, _("complete the evaluation")),
        T("review", [S.REVIEW], S.DECISION, _("complete the technical review")),
        T("reopen_evaluation", [S.REVIEW, S.DECISION], S.EVALUATION, _("send back to evaluation")),
        T("grant", [S.DECISION], S.GRANTED, _("grant")),
        T("refuse", [S.DECISION], S.REFUSED, _("refuse")),
        T("withdraw", OPEN_STEPS, S.WITHDRAWN, pgettext_lazy("application", "withdraw")),
    ],
)


class CertificationUnit(models.Model):
    """A certification unit (认证单元): one product, one or more models, one version."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="units")
    product_name = models.CharField(_("product name"), max_length=200)
    product_name_en = models.CharField(_("product name (English)"), max_length=250, blank=True)
    trademark = models.CharField(_("trademark"), max_length=100, blank=True)
    model_names = models.JSONField(_("models"), default=list)
    version = models.CharField(_("version"), max_length=60)
    manufacturer = models.ForeignKey(
        "clients.Manufacturer", verbose_name=_("manufacturer"), on_delete=models.PROTECT, related_name="+"
    )
    production_site = models.ForeignKey(
        "clients.ProductionSite", verbose_name=_("production site"), on_delete=models.PROTECT, related_name="+"
    )
    difference_statement = models.TextField(
        _("difference statement"), blank=True, help_text=_("Required when a unit covers several models.")
    )

    class Meta:
        verbose_name = _("certification unit")
        verbose_name_plural = _("certification units")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.product_name} {' / '.join(self.model_names)} {self.version}"

    def as_record(self) -> dict:
        return {
            "product_name": self.product_name,
            "product_name_en": self.product_name_en,
            "trademark": self.trademark,
            "models": list(self.model_names),
            "version": self.version,
            "manufacturer": self.manufacturer.name,
            "manufacturer_address": self.manufacturer.address,
            "production_site": self.production_site.name,
            "production_site_address": self.production_site.address,
            "difference_statement": self.difference_statement,
        }


class Contract(models.Model):
    """The contract concluded when an application is accepted (7.3 / 4.1.2)."""

    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="contract")
    number = models.CharField(_("contract number"), max_length=60, unique=True)
    fee = models.DecimalField(_("fee"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    signed_on = models.DateField(_("signed on"))
    terms_version = models.CharField(_("terms version"), max_length=30, blank=True)
    review_notes = models.TextField(_("contract review notes"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    # The client's acceptance online: who, when, from where, which version of the terms.
    client_accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accepted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    client_accepted_at = models.DateTimeField(_("accepted online"), null=True, blank=True)
    client_accepted_ip = models.GenericIPAddressField(_("accepted from (IP)"), null=True, blank=True)
    client_terms_version = models.CharField(_("terms version accepted"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")

    def __str__(self) -> str:
        return self.number


# --- the application file (dossier): declarations, documents and their versions, submissions ---------------


class Dossier(models.Model):
    """What the application wizard knows beyond the application itself: the declarations that shape the checklist."""

    application = models.OneToOneField(
        "applications.Application", on_delete=models.CASCADE, related_name="dossier", verbose_name=_("application")
    )
    outsourcing = models.BooleanField(
        _("development or production is outsourced"),
        default=False,
        help_text=_("An outsourcing agreement is then part of the file."),
    )
    # Checklist items the market staff recorded as received on paper (an application made by API for a client that
    # sends its documents by post): they count as provided for the submission's completeness check.
    paper_items = models.JSONField(_("received on paper"), default=list, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        db_table = "portal_dossier"  # moved from the portal with its data
        verbose_name = _("application file")
        verbose_name_plural = _("application files")

    def __str__(self) -> str:
        return str(self.application)


class Document(models.Model):
    """One version of one checklist item's file. A new upload is a new version; old ones stay."""

    application = models.ForeignKey(
        "applications.Application", on_delete=models.CASCADE, related_name="documents", verbose_name=_("application")
    )
    item = models.CharField(_("checklist item"), max_length=40)
    version = models.PositiveIntegerField(_("version"))
    file = models.FileField(_("file"), upload_to=_stored_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        db_table = "portal_document"
        verbose_name = _("application document")
        verbose_name_plural = _("application documents")
        ordering = ["item", "-version"]
        constraints = [models.UniqueConstraint(fields=["application", "item", "version"], name="uniq_doc_version")]

    def __str__(self) -> str:
        return f"{self.original_name} v{self.version}"


class Submission(models.Model):
    """A submission of an application: what it held then, what changed since the last one, the client's answer."""

    application = models.ForeignKey(
        "applications.Application", on_delete=models.CASCADE, related_name="submissions", verbose_name=_("application")
    )
    round = models.PositiveIntegerField(_("submission"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("submitted"))
    answer = models.TextField(_("answer to the request for completion"), blank=True)
    requested = models.JSONField(_("what was asked for"), default=dict, blank=True)
    snapshot = models.JSONField(default=dict)
    changes = models.JSONField(default=list)

    class Meta:
        db_table = "portal_submission"
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        ordering = ["application", "round"]
        constraints = [models.UniqueConstraint(fields=["application", "round"], name="uniq_submission_round")]

    def __str__(self) -> str:
        return f"{self.application} #{self.round}"
