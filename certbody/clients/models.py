"""Client organisations (委托方), their manufacturers and production sites."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .validators import validate_uscc


class Organisation(models.Model):
    """A client: applies for certification and holds certificates."""

    name = models.CharField(_("name"), max_length=200, db_index=True)
    name_en = models.CharField(_("name (English)"), max_length=250, blank=True)
    uscc = models.CharField(
        _("unified social credit code"), max_length=18, unique=True, null=True, blank=True, validators=[validate_uscc]
    )
    address = models.CharField(_("address"), max_length=300)
    address_en = models.CharField(_("address (English)"), max_length=300, blank=True)
    city = models.CharField(_("city"), max_length=60, blank=True)
    country = models.CharField(_("country"), max_length=2, default="CN")
    contact_name = models.CharField(_("contact person"), max_length=100, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    is_approved = models.BooleanField(_("approved"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("client organisation")
        verbose_name_plural = _("client organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Manufacturer(models.Model):
    """A manufacturer (生产者/制造商) named by a client; may be the client itself."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("client"), on_delete=models.CASCADE, related_name="manufacturers"
    )
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=250, blank=True)
    address = models.CharField(_("address"), max_length=300)

    class Meta:
        verbose_name = _("manufacturer")
        verbose_name_plural = _("manufacturers")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ProductionSite(models.Model):
    """A production or development site (生产企业/生产场所) of a manufacturer."""

    manufacturer = models.ForeignKey(
        Manufacturer, verbose_name=_("manufacturer"), on_delete=models.CASCADE, related_name="sites"
    )
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=300)

    class Meta:
        verbose_name = _("production site")
        verbose_name_plural = _("production sites")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
