"""Personnel and competence records: departments, people, CCAA registrations, training, evaluations and
role authorisations (ISO/IEC 17065 6.1)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from certbody.core.workflow import StatusField, StatusQuerySet, T, Workflow


class Department(models.Model):
    """A department of the centre (the seed's eight are default data)."""

    code = models.CharField(_("code"), max_length=30, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        from django.utils.translation import get_language

        if (get_language() or "").startswith("en") and self.name_en:
            return self.name_en
        return self.name_zh


class AssignmentRole(models.TextChoices):
    """The parts a person (or a lab) is assigned to in the lifecycle; the rule engine checks each."""

    ENGINEER = "engineer", _("Certification engineer")
    INSPECTOR = "inspector", _("Inspector")
    TEAM_LEADER = "team_leader", _("Inspection team leader")
    LAB = "lab", _("Testing laboratory")
    REVIEWER = "reviewer", _("Technical reviewer")
    DECISION_MAKER = "decision_maker", _("Decision maker")
    APPEAL_HANDLER = "appeal_handler", _("Appeal handler")
    LAB_ASSESSOR = "lab_assessor", _("Laboratory assessor")


class Person(models.Model):
    """A member of staff or an external expert: the personnel record behind a user account."""

    class Employment(models.TextChoices):
        FULL_TIME = "full_time", _("Full-time")
        PART_TIME = "part_time", _("Part-time")
        EXTERNAL = "external", _("External expert")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="person",
    )
    name = models.CharField(_("name"), max_length=100)
    department = models.ForeignKey(
        Department, verbose_name=_("department"), null=True, blank=True, on_delete=models.PROTECT, related_name="people"
    )
    employment = models.CharField(
        _("employment type"), max_length=20, choices=Employment.choices, default=Employment.FULL_TIME
    )
    single_cb_declared_on = models.DateField(
        _("declared practising at this certification body only"), null=True, blank=True
    )
    joined_on = models.DateField(_("joined on"), null=True, blank=True)
    left_on = models.DateField(_("left on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    def is_active_on(self, on) -> bool:
        return (self.joined_on is None or self.joined_on <= on) and (self.left_on is None or on < self.left_on)


def not_left_by(on, via: str = "") -> models.Q:
    """Persons (or, `via` "person__", their records) who have not left by `on`."""
    return models.Q(**{f"{via}left_on__isnull": True}) | models.Q(**{f"{via}left_on__gt": on})


class Registration(models.Model):
    """A CCAA registration (注册资格). One person may hold several; each is counted on its own."""

    class Family(models.TextChoices):
        PRODUCT = "product", _("Product certification inspector (检查员)")
        SERVICE = "service", _("Service certification auditor (审查员)")
        MANAGEMENT = "management", _("Management system auditor (审核员)")

    class Level(models.TextChoices):
        INTERN = "intern", _("Intern (实习)")
        FULL = "full", _("Full")
        SENIOR = "senior", _("Senior")

    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="registrations")
    family = models.CharField(_("scheme family"), max_length=20, choices=Family.choices)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices)
    number = models.CharField(_("registration number"), max_length=60, unique=True)
    specialties = models.ManyToManyField(
        "schemes.ProductCategory", verbose_name=_("specialties"), blank=True, related_name="+"
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    renewal_evidence = models.TextField(_("renewal evidence"), blank=True)
    inspections_in_period = models.PositiveSmallIntegerField(_("inspections in the period"), default=0)

    class Meta:
        verbose_name = _("CCAA registration")
        verbose_name_plural = _("CCAA registrations")
        ordering = ["person", "family", "-valid_until"]
        constraints = [
            models.CheckConstraint(condition=Q(valid_until__gte=models.F("valid_from")), name="registration_dates")
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.get_family_display()} · {self.get_level_display()} ({self.number})"

    def is_valid_on(self, on) -> bool:
        return self.valid_from <= on <= self.valid_until


class Course(models.Model):
    """A training course, internal or external (e.g. the CCAA courses the seed names)."""

    class Kind(models.TextChoices):
        INTERNAL = "internal", _("Internal")
        EXTERNAL = "external", _("External")

    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.INTERNAL)
    provider = models.CharField(_("provider"), max_length=120, blank=True)
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1, default=0)

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class Training(models.Model):
    """A person's attendance at a course, with the hours and the exam result: the training history."""

    class Exam(models.TextChoices):
        NONE = "none", _("No exam")
        PASSED = "passed", _("Passed")
        FAILED = "failed", _("Failed")

    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="trainings")
    course = models.ForeignKey(Course, verbose_name=_("course"), on_delete=models.PROTECT, related_name="trainings")
    attended_on = models.DateField(_("date"))
    hours = models.DecimalField(_("hours"), max_digits=5, decimal_places=1, default=0)
    attended = models.BooleanField(_("attended"), default=True)
    exam = models.CharField(_("exam result"), max_length=10, choices=Exam.choices, default=Exam.NONE)
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)

    class Meta:
        verbose_name = _("training record")
        verbose_name_plural = _("training records")
        ordering = ["-attended_on", "id"]

    def __str__(self) -> str:
        return f"{self.person} · {self.course} · {self.attended_on}"


class Evaluation(models.Model):
    """Yearly competence evaluation, performance evaluation, or a witnessed inspection, with outcome and evidence."""

    class Kind(models.TextChoices):
        COMPETENCE = "competence", _("Yearly competence evaluation")
        PERFORMANCE = "performance", _("Performance evaluation")
        WITNESSED = "witnessed", _("Witnessed inspection")

    class Outcome(models.TextChoices):
        COMPETENT = "competent", _("Competent")
        IMPROVE = "improve", _("Needs improvement")
        NOT_COMPETENT = "not_competent", _("Not competent")

    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="evaluations")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    evaluated_on = models.DateField(_("date"))
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    evidence = models.TextField(_("evidence"), blank=True)
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("evaluator"), null=True, blank=True, on_delete=models.PROTECT
    )
    inspection = models.ForeignKey(
        "certification.Inspection",
        verbose_name=_("inspection witnessed"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        ordering = ["-evaluated_on", "id"]

    def __str__(self) -> str:
        return f"{self.person} · {self.get_kind_display()} · {self.evaluated_on}"


class Authorisation(models.Model):
    """岗位授权: a person may act in a role within a scope for a period; suspended or revoked with a reason.

    Rows are never deleted: a suspension or revocation changes the status (status history and audit event), so the
    history of who was authorised for what, when, is kept.
    """

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        REVOKED = "revoked", _("Revoked")

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="authorisations"
    )
    role = models.CharField(_("role"), max_length=20, choices=AssignmentRole.choices)
    all_categories = models.BooleanField(_("all product categories"), default=False)
    categories = models.ManyToManyField(
        "schemes.ProductCategory", verbose_name=_("categories"), blank=True, related_name="+"
    )
    schemes = models.ManyToManyField("schemes.Scheme", verbose_name=_("schemes"), blank=True, related_name="+")
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    status = StatusField(_("status"), max_length=20, choices=Status.choices, default=Status.ACTIVE)
    status_reason = models.TextField(_("reason"), blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("granted by"), null=True, blank=True, on_delete=models.PROTECT
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = StatusQuerySet.as_manager()

    class Meta:
        verbose_name = _("authorisation")
        verbose_name_plural = _("authorisations")
        ordering = ["person", "role", "-valid_until"]
        constraints = [
            models.CheckConstraint(condition=Q(valid_until__gte=models.F("valid_from")), name="authorisation_dates")
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.get_role_display()} ({self.valid_from}–{self.valid_until})"

    def is_current_on(self, on) -> bool:
        return self.status == self.Status.ACTIVE and self.valid_from <= on <= self.valid_until

    def covers(self, scheme) -> bool:
        if scheme is None or self.all_categories:
            return True
        if any(s.pk == scheme.pk for s in self.schemes.all()):
            return True
        return any(c.pk == scheme.category_id for c in self.categories.all())


AU = Authorisation.Status
AUTHORISATION_FLOW = Workflow(
    Authorisation,
    _("authorisation"),
    [
        T("suspend", [AU.ACTIVE], AU.SUSPENDED, _("suspend")),
        T("reinstate", [AU.SUSPENDED], AU.ACTIVE, _("reinstate")),
        T("revoke", [AU.ACTIVE, AU.SUSPENDED], AU.REVOKED, _("revoke")),
    ],
)
