"""Evaluation (7.4), review (7.5), decision (7.6) and surveillance (7.9)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from certbody.core.filenames import random_name
from certbody.core.workflow import StatusField, StatusQuerySet, T, Workflow


def test_report_path(instance, filename: str) -> str:
    # A random name: files are read only through the views that check who may read them (core/filenames.py).
    return random_name(f"test-reports/{timezone.now():%Y}", filename)


def test_receipt_path(instance, filename: str) -> str:
    return random_name(f"test-receipts/{timezone.now():%Y}", filename)


class Involvement(models.Model):
    """A person's part in evaluating a case. Involved people may not review or decide it."""

    class Part(models.TextChoices):
        ENGINEER = "engineer", _("Certification engineer")
        TEAM_LEADER = "team_leader", _("Inspection team leader")
        INSPECTOR = "inspector", _("Inspector")

    application = models.ForeignKey(
        "applications.Application", null=True, blank=True, on_delete=models.CASCADE, related_name="involvements"
    )
    surveillance = models.ForeignKey(
        "Surveillance", null=True, blank=True, on_delete=models.CASCADE, related_name="involvements"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="involvements")
    part = models.CharField(_("part"), max_length=20, choices=Part.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("involvement in evaluation")
        verbose_name_plural = _("involvements in evaluation")
        constraints = [
            models.CheckConstraint(
                condition=Q(application__isnull=False) ^ Q(surveillance__isnull=False), name="involvement_one_case"
            ),
            models.UniqueConstraint(fields=["application", "user", "part"], name="uniq_app_involvement"),
            models.UniqueConstraint(fields=["surveillance", "user", "part"], name="uniq_surv_involvement"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_part_display()}"


class Result(models.TextChoices):
    PASS = "pass", _("Pass")
    FAIL = "fail", _("Fail")


class TestOrder(models.Model):
    """A test order to a partner lab: type test or surveillance sampling."""

    class Purpose(models.TextChoices):
        TYPE_TEST = "type_test", _("Type test")
        FACTORY_SAMPLING = "factory_sampling", _("Factory sampling test")
        MARKET_SAMPLING = "market_sampling", _("Market sampling test")

    class Status(models.TextChoices):
        ORDERED = "ordered", _("Ordered")
        SAMPLE_SENT = "sample_sent", _("Sample sent")
        SAMPLE_RECEIVED = "sample_received", _("Sample received")
        REPORTED = "reported", _("Report issued")
        CANCELLED = "cancelled", pgettext_lazy("task", "Cancelled")

    number = models.CharField(_("number"), max_length=40, unique=True)
    application = models.ForeignKey(
        "applications.Application", null=True, blank=True, on_delete=models.PROTECT, related_name="test_orders"
    )
    surveillance = models.ForeignKey(
        "Surveillance", null=True, blank=True, on_delete=models.PROTECT, related_name="test_orders"
    )
    unit = models.ForeignKey(
        "applications.CertificationUnit",
        verbose_name=_("certification unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="test_orders",
    )
    lab = models.ForeignKey("labs.Lab", verbose_name=_("laboratory"), on_delete=models.PROTECT, related_name="orders")
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices, default=Purpose.TYPE_TEST)
    status = StatusField(_("status"), max_length=20, choices=Status.choices, default=Status.ORDERED)
    sample_description = models.CharField(_("sample"), max_length=200, blank=True)
    ordered_on = models.DateField(_("ordered on"))
    sample_sent_on = models.DateField(_("sample sent on"), null=True, blank=True)
    sample_received_on = models.DateField(_("sample received on"), null=True, blank=True)
    report_issued_on = models.DateField(_("report issued on"), null=True, blank=True)
    report_number = models.CharField(_("report number"), max_length=60, blank=True)
    report_file = models.FileField(_("test report"), upload_to=test_report_path, blank=True)
    report_sha256 = models.CharField(max_length=64, blank=True)
    # The laboratory's own record of the receipt, when the case engineer recorded it on the lab's behalf.
    receipt_document = models.FileField(_("laboratory's receipt document"), upload_to=test_receipt_path, blank=True)
    receipt_document_sha256 = models.CharField(max_length=64, blank=True)
    result = models.CharField(_("result"), max_length=10, choices=Result.choices, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    objects = StatusQuerySet.as_manager()

    class Meta:
        verbose_name = _("test order")
        verbose_name_plural = _("test orders")
        ordering = ["-ordered_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(application__isnull=False) ^ Q(surveillance__isnull=False), name="testorder_one_case"
            )
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def case(self):
        return self.application or self.surveillance


TO = TestOrder.Status
TEST_ORDER_FLOW = Workflow(
    TestOrder,
    _("test order"),
    [
        T("send_sample", [TO.ORDERED], TO.SAMPLE_SENT, _("record the sample as sent")),
        T("receive_sample", [TO.ORDERED, TO.SAMPLE_SENT], TO.SAMPLE_RECEIVED, _("record the sample as received")),
        T("report", [TO.SAMPLE_RECEIVED], TO.REPORTED, _("issue the test report")),
        T("cancel", [TO.ORDERED, TO.SAMPLE_SENT, TO.SAMPLE_RECEIVED], TO.CANCELLED, pgettext_lazy("task", "cancel")),
    ],
)


class Inspection(models.Model):
    """A factory inspection: initial (before the decision) or follow-up (surveillance)."""

    class Kind(models.TextChoices):
        INITIAL = "initial", _("Initial factory inspection")
        FOLLOW_UP = "follow_up", _("Follow-up inspection")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", pgettext_lazy("task", "Cancelled")

    application = models.ForeignKey(
        "applications.Application", null=True, blank=True, on_delete=models.PROTECT, related_name="inspections"
    )
    surveillance = models.ForeignKey(
        "Surveillance", null=True, blank=True, on_delete=models.PROTECT, related_name="inspections"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    status = StatusField(_("status"), max_length=20, choices=Status.choices, default=Status.PLANNED)
    site = models.ForeignKey(
        "clients.ProductionSite", verbose_name=_("site"), null=True, blank=True, on_delete=models.PROTECT
    )
    planned_on = models.DateField(_("planned for"))
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    conclusion = models.CharField(_("conclusion"), max_length=10, choices=Result.choices, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    objects = StatusQuerySet.as_manager()

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["planned_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(application__isnull=False) ^ Q(surveillance__isnull=False), name="inspection_one_case"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.planned_on:%Y-%m-%d}"

    @property
    def case(self):
        return self.application or self.surveillance


IN = Inspection.Status
INSPECTION_FLOW = Workflow(
    Inspection,
    _("inspection"),
    [
        T("complete", [IN.PLANNED], IN.COMPLETED, _("complete the inspection")),
        T("cancel", [IN.PLANNED], IN.CANCELLED, pgettext_lazy("task", "cancel")),
    ],
)


class InspectionMember(models.Model):
    """A member of an inspection team."""

    class Role(models.TextChoices):
        LEADER = "leader", _("Team leader")
        MEMBER = "member", _("Inspector")

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("inspector"), on_delete=models.PROTECT)
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)

    class Meta:
        verbose_name = _("inspection team member")
        verbose_name_plural = _("inspection team members")
        constraints = [models.UniqueConstraint(fields=["inspection", "user"], name="uniq_inspection_member")]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"


class Finding(models.Model):
    """A finding of an inspection; nonconformities need a verified corrective action."""

    class Severity(models.TextChoices):
        OBSERVATION = "observation", _("Observation")
        MINOR = "minor", _("Minor nonconformity")
        MAJOR = "major", _("Major nonconformity")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="findings")
    severity = models.CharField(_("severity"), max_length=12, choices=Severity.choices)
    clause = models.CharField(_("requirement / clause"), max_length=100, blank=True)
    description = models.TextField(_("description"))
    corrective_action = models.TextField(_("corrective action"), blank=True)
    status = StatusField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = StatusQuerySet.as_manager()

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.get_severity_display()}: {self.description[:40]}"


FI = Finding.Status
FINDING_FLOW = Workflow(
    Finding, _("finding"), [T("close", [FI.OPEN], FI.CLOSED, _("close after verifying the corrective action"))]
)


class TechnicalReview(models.Model):
    """The review (7.5) of all evaluation results, by someone not involved in the evaluation."""

    class Recommendation(models.TextChoices):
        GRANT = "grant", _("Grant")
        REFUSE = "refuse", _("Refuse")

    application = models.ForeignKey("applications.Application", on_delete=models.PROTECT, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recommendation = models.CharField(_("recommendation"), max_length=10, choices=Recommendation.choices)
    comments = models.TextField(_("comments"), blank=True)
    completed_at = models.DateTimeField(_("completed"))

    class Meta:
        verbose_name = _("technical review")
        verbose_name_plural = _("technical reviews")
        ordering = ["completed_at"]

    def __str__(self) -> str:
        return f"{self.application} · {self.get_recommendation_display()}"


class Decision(models.Model):
    """The certification decision (7.6), by someone not involved in the evaluation."""

    class Outcome(models.TextChoices):
        GRANT = "grant", _("Grant")
        REFUSE = "refuse", _("Refuse")

    application = models.OneToOneField("applications.Application", on_delete=models.PROTECT, related_name="decision")
    decider = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    reason = models.TextField(_("reason"), blank=True)
    decided_at = models.DateTimeField(_("decided"))

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")

    def __str__(self) -> str:
        return f"{self.application} · {self.get_outcome_display()}"


class Surveillance(models.Model):
    """A post-certification surveillance of a certificate, planned from the scheme interval."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", pgettext_lazy("task", "Cancelled")

    class Outcome(models.TextChoices):
        KEEP = "keep", _("Maintain the certificate")
        SUSPEND = "suspend", _("Suspend the certificate")
        WITHDRAW = "withdraw", _("Withdraw the certificate")

    certificate = models.ForeignKey("certificates.Certificate", on_delete=models.PROTECT, related_name="surveillances")
    sequence_no = models.PositiveSmallIntegerField(_("number"))
    due_on = models.DateField(_("due"), db_index=True)
    methods = models.JSONField(_("methods"), default=list)
    status = StatusField(_("status"), max_length=20, choices=Status.choices, default=Status.PLANNED)
    engineer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    started_on = models.DateField(_("started"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, blank=True)
    outcome_reason = models.TextField(_("reason"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = StatusQuerySet.as_manager()

    class Meta:
        verbose_name = _("surveillance")
        verbose_name_plural = _("surveillances")
        ordering = ["due_on", "id"]
        constraints = [models.UniqueConstraint(fields=["certificate", "sequence_no"], name="uniq_surveillance_seq")]

    def __str__(self) -> str:
        return f"{self.certificate.number} #{self.sequence_no}"


SV = Surveillance.Status
SURVEILLANCE_FLOW = Workflow(
    Surveillance,
    _("surveillance"),
    [
        T("start", [SV.PLANNED], SV.IN_PROGRESS, _("start the surveillance")),
        T("complete", [SV.IN_PROGRESS], SV.COMPLETED, _("decide the surveillance outcome")),
        T("cancel", [SV.PLANNED, SV.IN_PROGRESS], SV.CANCELLED, pgettext_lazy("task", "cancel")),
    ],
)
