"""Certificates (7.7), their versions, and the events that suspend, restore or end them (7.11)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from certbody.core.workflow import StatusField, StatusQuerySet, T, Workflow


class Certificate(models.Model):
    """A certificate. Its content lives in immutable `CertificateVersion` rows."""

    class Status(models.TextChoices):
        VALID = "valid", _("Valid")
        SUSPENDED = "suspended", _("Suspended")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Expired")

    # CNCA status codes (认证认可条例; 证书信息表).
    CNCA_CODES = {
        Status.VALID: "01",
        Status.SUSPENDED: "02",
        Status.WITHDRAWN: "03",
        Status.CANCELLED: "04",
        Status.EXPIRED: "05",
    }

    number = models.CharField(_("certificate number"), max_length=60, unique=True)
    status = StatusField(_("status"), max_length=12, choices=Status.choices, default=Status.VALID)
    # No single-column indexes where a composite index below starts with the column (organisation, category),
    # and a partial one for the application (legacy imports have none): each index is paid on every bulk insert.
    organisation = models.ForeignKey(
        "clients.Organisation",
        verbose_name=_("holder"),
        on_delete=models.PROTECT,
        related_name="certificates",
        db_index=False,
    )
    scheme = models.ForeignKey("schemes.Scheme", verbose_name=_("scheme"), on_delete=models.PROTECT)
    category = models.ForeignKey(
        "schemes.ProductCategory", verbose_name=_("category"), on_delete=models.PROTECT, db_index=False
    )
    application = models.ForeignKey(
        "applications.Application", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    # Denormalised from the current version for fast lists and filters at 1M rows.
    holder_name = models.CharField(_("holder"), max_length=200)
    product_name = models.CharField(_("product"), max_length=200)
    first_issued_on = models.DateField(_("first issued"))
    issued_on = models.DateField(_("issued (current version)"))
    expires_on = models.DateField(_("expires"))
    version_no = models.PositiveIntegerField(_("version"), default=1)
    suspended_on = models.DateField(_("suspended on"), null=True, blank=True)
    suspended_until = models.DateField(_("suspended until"), null=True, blank=True)
    status_reason_code = models.CharField(_("reason code"), max_length=40, blank=True)
    status_changed_at = models.DateTimeField(_("status changed"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The manufacturers of the current version's units, for the public search (one LIKE / trigram index per row).
    manufacturer_names = models.CharField(_("manufacturers"), max_length=500, blank=True, default="")

    objects = StatusQuerySet.as_manager()

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_on", "-id"]
        indexes = [
            models.Index(fields=["status", "-issued_on", "-id"], name="cert_status_issued_idx"),
            models.Index(fields=["-issued_on", "-id"], name="cert_issued_idx"),
            models.Index(fields=["category", "status", "-issued_on"], name="cert_cat_status_idx"),
            models.Index(fields=["organisation", "status"], name="cert_org_status_idx"),
            models.Index(fields=["expires_on", "status"], name="cert_expiry_idx"),
            models.Index(
                fields=["application"], name="cert_application_idx", condition=models.Q(application__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def cnca_code(self) -> str:
        return self.CNCA_CODES[self.status]


C = Certificate.Status
CERTIFICATE_FLOW = Workflow(
    Certificate,
    _("certificate"),
    [
        T("suspend", [C.VALID], C.SUSPENDED, _("suspend")),
        T("restore", [C.SUSPENDED], C.VALID, _("restore")),
        T("withdraw", [C.VALID, C.SUSPENDED], C.WITHDRAWN, _("withdraw")),
        T("cancel", [C.VALID, C.SUSPENDED], C.CANCELLED, _("cancel")),
        T("expire", [C.VALID, C.SUSPENDED], C.EXPIRED, _("expire")),
    ],
)


class SuspensionReason(models.TextChoices):
    NONCONFORMITY = "nonconformity", _("Nonconformity not corrected")
    SURVEILLANCE_FAILED = "surveillance_failed", _("Surveillance found the product nonconforming")
    SURVEILLANCE_REFUSED = "surveillance_refused", _("Surveillance not possible or refused")
    MISUSE = "misuse", _("Misuse of the certificate or mark")
    CLIENT_REQUEST = "client_request", _("At the holder's request")
    OTHER = "other", _("Other")


class WithdrawalReason(models.TextChoices):
    SUSPENSION_EXPIRED = "suspension_expired", _("Suspension period ended unresolved")
    FRAUD = "fraud", _("Fraud or false information")
    FAKE_SAMPLES = "fake_samples", _("Fake or substituted samples")
    SERIOUS_ACCIDENT = "serious_accident", _("Serious quality or security accident")
    SURVEILLANCE_FAILED = "surveillance_failed", _("Surveillance found serious nonconformity")
    OTHER = "other", _("Other")


class CancellationReason(models.TextChoices):
    CLIENT_REQUEST = "client_request", _("At the holder's request")
    DISCONTINUED = "discontinued", _("Product discontinued")
    NOT_RENEWED = "not_renewed", _("Not renewed")
    OTHER = "other", _("Other")


def manufacturer_label(units: list[dict]) -> str:
    """The manufacturers of `units`, each once, as Certificate.manufacturer_names holds them."""
    names = dict.fromkeys(u.get("manufacturer") or "" for u in units)
    return "；".join(n for n in names if n)[:500]


class CertificateVersion(models.Model):
    """What a certificate says, frozen at issue. A change makes a new version; none is edited."""

    class Reason(models.TextChoices):
        INITIAL = "initial", _("Initial certification")
        CHANGE = "change", _("Change")
        EXTENSION = "extension", _("Extension of scope")
        RECERTIFICATION = "recertification", _("Recertification")

    # Found through the unique (certificate, version_no) index; the decision through a partial index.
    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="versions", db_index=False)
    version_no = models.PositiveIntegerField(_("version"))
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    decision = models.ForeignKey(
        "certification.Decision", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    decided_on = models.DateField(_("decided on"))
    issued_on = models.DateField(_("grant date"))
    valid_until = models.DateField(_("expires"))
    holder_name = models.CharField(_("holder"), max_length=200)
    holder_name_en = models.CharField(max_length=250, blank=True)
    holder_address = models.CharField(_("holder address"), max_length=300)
    holder_address_en = models.CharField(max_length=300, blank=True)
    units = models.JSONField(_("certification units"))
    standards = models.JSONField(_("standards"))
    scheme_code = models.CharField(_("scheme"), max_length=40)
    scheme_name = models.CharField(max_length=200)
    rule_document = models.CharField(_("implementation rules"), max_length=60)
    rule_version = models.CharField(_("rule version"), max_length=20)
    mode = models.JSONField(_("certification mode"))
    mode_text = models.CharField(_("certification mode"), max_length=300)
    cb_name = models.CharField(max_length=200)
    cb_address = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("certificate version")
        verbose_name_plural = _("certificate versions")
        ordering = ["certificate", "version_no"]
        indexes = [
            models.Index(fields=["decision"], name="certver_decision_idx", condition=models.Q(decision__isnull=False))
        ]
        constraints = [
            models.UniqueConstraint(fields=["certificate", "version_no"], name="uniq_cert_version"),
            models.CheckConstraint(
                condition=models.Q(issued_on__gte=models.F("decided_on")), name="grant_not_before_decision"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.certificate_id} v{self.version_no}"


class NonconformityCase(models.Model):
    """A confirmed nonconformity of a certified product: the 5-day suspension clock starts here."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        SUSPENDED = "suspended", _("Certificate suspended")
        RESOLVED = "resolved", _("Resolved without suspension")

    class Source(models.TextChoices):
        SURVEILLANCE = "surveillance", _("Surveillance")
        COMPLAINT = "complaint", _("Complaint")
        REGULATOR = "regulator", _("Regulator notice")
        OTHER = "other", _("Other")

    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="nonconformity_cases")
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    description = models.TextField(_("description"))
    confirmed_on = models.DateField(_("confirmed on"))
    suspend_by = models.DateField(_("suspend by"), db_index=True)
    status = StatusField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    resolution = models.TextField(_("resolution"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    objects = StatusQuerySet.as_manager()

    class Meta:
        verbose_name = _("nonconformity case")
        verbose_name_plural = _("nonconformity cases")
        ordering = ["suspend_by", "id"]

    def __str__(self) -> str:
        return f"{self.certificate_id}: {self.description[:40]}"


NC = NonconformityCase.Status
NONCONFORMITY_FLOW = Workflow(
    NonconformityCase,
    _("nonconformity case"),
    [
        T("suspend", [NC.OPEN], NC.SUSPENDED, _("suspend the certificate")),
        T("resolve", [NC.OPEN], NC.RESOLVED, _("resolve")),
    ],
)

from .documents.models import CertificateDocument, SigningKey  # noqa: E402, F401  (documents live in this app)
