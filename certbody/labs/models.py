"""Partner testing laboratories (检测机构)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Lab(models.Model):
    """A testing laboratory that receives samples and test orders and issues test reports."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=250, blank=True)
    accreditation_number = models.CharField(_("accreditation number"), max_length=60, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    categories = models.ManyToManyField(
        "schemes.ProductCategory", verbose_name=_("categories tested"), blank=True, related_name="labs"
    )
    is_partner = models.BooleanField(_("partner laboratory"), default=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("testing laboratory")
        verbose_name_plural = _("testing laboratories")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
