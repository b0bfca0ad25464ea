"""The catalogue as data: product categories, standards, schemes and their rule versions."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


def localised(obj, field: str) -> str:
    """The English text when the page is in English and one exists, else the Chinese."""
    if (get_language() or "").startswith("en"):
        return getattr(obj, f"{field}_en") or getattr(obj, f"{field}_zh")
    return getattr(obj, f"{field}_zh")


class ProductCategory(models.Model):
    """A category of the fintech product certification catalogue (SAMR + PBOC)."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=150, blank=True)
    batch_year = models.PositiveSmallIntegerField(_("catalogue batch"), default=2019)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("product category")
        verbose_name_plural = _("product categories")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return localised(self, "name")


class Standard(models.Model):
    """A standard cited as certification basis (认证依据), with its version."""

    code = models.CharField(_("code"), max_length=60)
    version = models.CharField(_("version / year"), max_length=20)
    title_zh = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=250, blank=True)

    class Meta:
        verbose_name = _("standard")
        verbose_name_plural = _("standards")
        ordering = ["code", "version"]
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="uniq_standard_version")]

    def __str__(self) -> str:
        return f"{self.code}-{self.version}"

    def as_record(self) -> dict[str, str]:
        return {"code": self.code, "version": self.version, "title_zh": self.title_zh, "title_en": self.title_en}


class SurveillanceMethod(models.TextChoices):
    FOLLOW_UP = "follow_up_inspection", _("Follow-up inspection")
    FACTORY_SAMPLING = "factory_sampling", _("Factory sampling test")
    MARKET_SAMPLING = "market_sampling", _("Market sampling test")


DEFAULT_NUMBER_TEMPLATE = "NFCC{year}{scheme}{seq:05d}"


class Scheme(models.Model):
    """A certification scheme: mode, validity, deadlines and numbering are its data."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    number_code = models.CharField(
        _("code in certificate numbers"), max_length=12, help_text=_("Replaces {scheme} in the number template.")
    )
    name_zh = models.CharField(_("name (Chinese)"), max_length=150)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    category = models.ForeignKey(
        ProductCategory, verbose_name=_("category"), on_delete=models.PROTECT, related_name="schemes"
    )
    type_testing = models.BooleanField(_("type testing"), default=True)
    initial_inspection = models.BooleanField(_("initial factory inspection"), default=False)
    surveillance_methods = models.JSONField(_("surveillance methods"), default=list, blank=True)
    validity_years = models.PositiveSmallIntegerField(
        _("validity (years)"), default=3, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    surveillance_interval_months = models.PositiveSmallIntegerField(
        _("surveillance interval (months)"), default=12, validators=[MinValueValidator(1), MaxValueValidator(36)]
    )
    number_template = models.CharField(_("certificate number template"), max_length=80, default=DEFAULT_NUMBER_TEMPLATE)
    suspension_deadline_days = models.PositiveSmallIntegerField(
        _("days to suspend after a confirmed nonconformity"), default=5
    )
    max_suspension_days = models.PositiveSmallIntegerField(_("maximum suspension period (days)"), default=180)
    record_retention_years = models.PositiveSmallIntegerField(
        _("record retention after a certificate ends (years)"), default=2, validators=[MinValueValidator(2)]
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("scheme")
        verbose_name_plural = _("schemes")
        ordering = ["category__sort_order", "code"]

    def __str__(self) -> str:
        return f"{self.code} {localised(self, 'name')}"

    @property
    def name(self) -> str:
        return localised(self, "name")

    def current_rule(self) -> RuleVersion | None:
        return self.rule_versions.filter(is_current=True).order_by("-effective_from").first()

    def mode_record(self) -> dict:
        """The certification mode as recorded on a certificate (frozen at grant)."""
        return {
            "type_testing": self.type_testing,
            "initial_inspection": self.initial_inspection,
            "surveillance_methods": list(self.surveillance_methods),
            "surveillance_interval_months": self.surveillance_interval_months,
        }

    def mode_text(self) -> str:
        parts = []
        if self.type_testing:
            parts.append(str(_("Type testing")))
        if self.initial_inspection:
            parts.append(str(_("initial factory inspection")))
        methods = dict(SurveillanceMethod.choices)
        surv = "、".join(str(methods.get(m, m)) for m in self.surveillance_methods)
        if surv:
            parts.append(str(_("post-certification surveillance (%(methods)s)")) % {"methods": surv})
        return " + ".join(parts)


class RuleVersion(models.Model):
    """A version of a scheme's implementation rules (e.g. NFCC-IR-B01-04 V1.1/0)."""

    scheme = models.ForeignKey(Scheme, verbose_name=_("scheme"), on_delete=models.PROTECT, related_name="rule_versions")
    document_code = models.CharField(_("document code"), max_length=60)
    version = models.CharField(_("version"), max_length=20)
    effective_from = models.DateField(_("effective from"))
    is_current = models.BooleanField(_("current"), default=True)
    standards = models.ManyToManyField(Standard, verbose_name=_("standards"), related_name="rule_versions")

    class Meta:
        verbose_name = _("implementation rule version")
        verbose_name_plural = _("implementation rule versions")
        ordering = ["scheme", "-effective_from"]
        constraints = [models.UniqueConstraint(fields=["scheme", "document_code", "version"], name="uniq_rule_version")]

    def __str__(self) -> str:
        return f"{self.document_code} {self.version}"
