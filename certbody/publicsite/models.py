"""The public website's own records: the document library, the fee schedule and complaint intake."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from certbody.core.filenames import random_name
from certbody.core.workflow import StatusField, StatusQuerySet, T, Workflow
from certbody.schemes.models import localised


def public_document_path(instance, filename: str) -> str:
    # A random name: files are read only through the views that check who may read them (core/filenames.py).
    return random_name(f"public-documents/{timezone.now():%Y}", filename)


class DocumentKind(models.TextChoices):
    RULES = "rules", _("Implementation rules")
    FORM = "form", _("Application form")
    TEMPLATE = "template", _("Template")
    CSR_REPORT = "csr_report", _("Social-responsibility report")


class PublishedDocument(models.Model):
    """A document the centre publishes on its website; its file lives in versions, the newest current."""

    class Status(models.TextChoices):
        PUBLISHED = "published", _("On the website")
        WITHDRAWN = "withdrawn", _("Taken off the website")

    kind = models.CharField(_("kind"), max_length=20, choices=DocumentKind.choices)
    code = models.CharField(_("document code"), max_length=60, blank=True)
    title_zh = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=250, blank=True)
    scheme = models.ForeignKey(
        "schemes.Scheme",
        verbose_name=_("scheme"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="published_documents",
    )
    year = models.PositiveSmallIntegerField(_("report year"), null=True, blank=True)
    status = StatusField(_("status"), max_length=20, choices=Status.choices, default=Status.PUBLISHED)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = StatusQuerySet.as_manager()

    class Meta:
        verbose_name = _("published document")
        verbose_name_plural = _("published documents")
        ordering = ["kind", "code", "pk"]
        indexes = [models.Index(fields=["kind", "status"], name="pubdoc_kind_status")]

    def __str__(self) -> str:
        return f"{self.code} {self.title}".strip()

    @property
    def title(self) -> str:
        return localised(self, "title")

    @property
    def is_public(self) -> bool:
        return self.status == self.Status.PUBLISHED


PD = PublishedDocument.Status
# Born published (record_creation "create"); audit actions keep their "publicsite.document." names.
DOCUMENT_FLOW = Workflow(
    PublishedDocument,
    _("published document"),
    [
        T("withdraw", [PD.PUBLISHED], PD.WITHDRAWN, _("withdraw")),
        T("restore", [PD.WITHDRAWN], PD.PUBLISHED, _("publish again")),
    ],
    action_prefix="publicsite.document",
)


class DocumentVersion(models.Model):
    """One published version of a document. Never deleted: the history stays downloadable."""

    document = models.ForeignKey(
        PublishedDocument, verbose_name=_("document"), on_delete=models.PROTECT, related_name="versions"
    )
    version = models.CharField(_("version"), max_length=30)
    effective_from = models.DateField(_("effective from"))
    change_note = models.CharField(_("what changed"), max_length=300, blank=True)
    file = models.FileField(_("file"), upload_to=public_document_path)
    content_type = models.CharField(_("content type"), max_length=80)
    extension = models.CharField(_("file extension"), max_length=8)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    is_current = models.BooleanField(_("current"), default=True)
    published_at = models.DateTimeField(_("published"), auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("document version")
        verbose_name_plural = _("document versions")
        ordering = ["document", "-is_current", "-published_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["document", "version"], name="uniq_pubdoc_version"),
            models.UniqueConstraint(
                fields=["document"], condition=Q(is_current=True), name="uniq_pubdoc_current_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document} {self.version}"

    @property
    def filename(self) -> str:
        base = (self.document.code or f"document-{self.document_id}").replace("/", "-").replace(" ", "_")
        return f"{base}_{self.version}.{self.extension}".replace("/", "-")


class FeeItem(models.Model):
    """A line of the published fee schedule (收费标准), optionally for one product category."""

    category = models.ForeignKey(
        "schemes.ProductCategory",
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="fee_items",
        help_text=_("Leave empty for a fee that applies to every category."),
    )
    item_zh = models.CharField(_("fee item (Chinese)"), max_length=150)
    item_en = models.CharField(_("fee item (English)"), max_length=200, blank=True)
    amount = models.DecimalField(_("amount (CNY)"), max_digits=12, decimal_places=2, null=True, blank=True)
    unit_zh = models.CharField(_("charged per (Chinese)"), max_length=60, blank=True)
    unit_en = models.CharField(_("charged per (English)"), max_length=80, blank=True)
    note_zh = models.CharField(_("note (Chinese)"), max_length=300, blank=True)
    note_en = models.CharField(_("note (English)"), max_length=400, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("shown"), default=True)

    class Meta:
        verbose_name = _("fee item")
        verbose_name_plural = _("fee items")
        ordering = ["sort_order", "pk"]

    def __str__(self) -> str:
        return self.item

    @property
    def item(self) -> str:
        return localised(self, "item")

    @property
    def unit(self) -> str:
        return localised(self, "unit")

    @property
    def note(self) -> str:
        return localised(self, "note")


class ComplaintIntake(models.Model):
    """A complaint received through the website, acknowledged with a tracking number.

    It waits here until staff pass it to complaint handling (the complaints workflow, when it exists).
    """

    class Topic(models.TextChoices):
        CERTIFIED_PRODUCT = "certified_product", _("A certified product or certificate holder")
        SERVICE = "service", _("Our certification service")
        CONDUCT = "conduct", _("Conduct of our staff or impartiality")
        CERTIFICATE_USE = "certificate_use", _("Misuse of a certificate or mark")
        OTHER = "other", _("Something else")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        FORWARDED = "forwarded", _("Passed to complaint handling")
        CLOSED = "closed", _("Closed")

    tracking_number = models.CharField(_("tracking number"), max_length=30, unique=True)
    submit_token = models.CharField(_("submission token"), max_length=64, unique=True)
    topic = models.CharField(_("topic"), max_length=30, choices=Topic.choices)
    name = models.CharField(_("name"), max_length=100)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    certificate_number = models.CharField(_("certificate number"), max_length=60, blank=True)
    description = models.TextField(_("description"))
    language = models.CharField(_("language"), max_length=10, blank=True)
    status = StatusField(_("status"), max_length=20, choices=Status.choices, default=Status.RECEIVED)
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    handled_at = models.DateTimeField(_("handled"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    handling_note = models.TextField(_("handling note"), blank=True)

    objects = StatusQuerySet.as_manager()

    class Meta:
        verbose_name = _("complaint received online")
        verbose_name_plural = _("complaints received online")
        ordering = ["-received_at", "-pk"]

    def __str__(self) -> str:
        return self.tracking_number


CI = ComplaintIntake.Status
# Born received (record_creation "receive"); audit actions keep their "publicsite.complaint." names.
COMPLAINT_INTAKE_FLOW = Workflow(
    ComplaintIntake,
    _("complaint received online"),
    [
        T("forward", [CI.RECEIVED], CI.FORWARDED, _("pass to complaint handling")),
        T("close", [CI.RECEIVED], CI.CLOSED, _("close")),
    ],
    action_prefix="publicsite.complaint",
)
