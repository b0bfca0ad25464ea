"""Exchange with regulators and registries: legacy certificate imports and CNCA / IAF CertSearch exports."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from certbody.core.filenames import random_name
from certbody.core.workflow import StatusField, StatusQuerySet, T, Workflow


def export_path(instance, filename: str) -> str:
    # A random name: files are read only through the views that check who may read them (core/filenames.py).
    return random_name(f"exports/{timezone.now():%Y/%m}", filename)


class ImportBatch(models.Model):
    """One upload of legacy certificates: imported whole, in part (the valid rows) or refused; audited once."""

    class Mode(models.TextChoices):
        ALL_OR_NOTHING = "all", _("All or nothing")
        VALID_ROWS = "valid_rows", _("Import the valid rows")

    class Status(models.TextChoices):
        IMPORTED = "imported", _("Imported")
        PARTIAL = "partial", _("Valid rows imported")
        REFUSED = "refused", _("Refused")

    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    file_format = models.CharField(_("format"), max_length=8)
    mode = models.CharField(_("mode"), max_length=12, choices=Mode.choices, default=Mode.ALL_OR_NOTHING)
    status = StatusField(_("status"), max_length=10, choices=Status.choices)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_imported = models.PositiveIntegerField(_("rows imported"), default=0)
    rows_rejected = models.PositiveIntegerField(_("rows rejected"), default=0)
    organisations_created = models.PositiveIntegerField(_("holders created"), default=0)
    first_certificate_id = models.BigIntegerField(null=True, blank=True)
    last_certificate_id = models.BigIntegerField(null=True, blank=True)
    # [row, column, reason] triples, the first ERROR_LIMIT of them (the counts above are complete).
    errors = models.JSONField(_("errors"), default=list, blank=True)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("imported at"), auto_now_add=True)

    objects = StatusQuerySet.as_manager()

    class Meta:
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.created_at:%Y-%m-%d %H:%M})" if self.created_at else self.file_name


# Born in its final state (record_creation "import", audited as "certificate.import"): no step follows.
IMPORT_BATCH_FLOW = Workflow(ImportBatch, _("import batch"), [], action_prefix="certificate")


class ExportRun(models.Model):
    """One generated export. The last finished run of a kind is where "changes since the last export" start."""

    class Kind(models.TextChoices):
        CNCA = "cnca", _("CNCA certificate information sheet (证书信息表)")
        IAF = "iaf", _("IAF CertSearch upload")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("export"), max_length=8, choices=Kind.choices)
    status = StatusField(_("status"), max_length=8, choices=Status.choices, default=Status.PENDING)
    date_from = models.DateField(_("from"), null=True, blank=True)
    date_to = models.DateField(_("to"), null=True, blank=True)
    changes_only = models.BooleanField(_("changes since the last export"), default=False)
    since = models.DateTimeField(_("changes since"), null=True, blank=True)
    # The moment the records were read: the next "changes since the last export" starts here.
    cutoff = models.DateTimeField(_("data as of"), null=True, blank=True)
    row_count = models.PositiveIntegerField(_("rows"), default=0)
    file = models.FileField(_("file"), upload_to=export_path, blank=True)
    json_file = models.FileField(_("JSON body"), upload_to=export_path, blank=True)
    error = models.TextField(_("error"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = StatusQuerySet.as_manager()

    class Meta:
        verbose_name = _("export run")
        verbose_name_plural = _("export runs")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["kind", "status", "-cutoff"], name="export_last_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"


ER = ExportRun.Status
# Born pending (record_creation "request"); the job finishes or fails it. Audit actions: "export.<step>".
EXPORT_RUN_FLOW = Workflow(
    ExportRun,
    _("export"),
    [T("generate", [ER.PENDING], ER.DONE, _("generate")), T("fail", [ER.PENDING], ER.FAILED, _("fail"))],
    action_prefix="export",
)
