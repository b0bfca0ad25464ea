"""Impartiality records (4.2): yearly declarations, consultancy engagements and conflicts of interest."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .records import Person


class Declaration(models.Model):
    """The yearly impartiality and confidentiality declaration, signed in the system by the person."""

    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="declarations")
    year = models.PositiveSmallIntegerField(_("year"))
    impartiality = models.BooleanField(_("impartiality declared"), default=True)
    confidentiality = models.BooleanField(_("confidentiality declared"), default=True)
    interests = models.TextField(_("interests declared"), blank=True)
    signed_at = models.DateTimeField(_("signed at"))
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("signed by"), null=True, blank=True, on_delete=models.PROTECT
    )

    class Meta:
        verbose_name = _("impartiality and confidentiality declaration")
        verbose_name_plural = _("impartiality and confidentiality declarations")
        ordering = ["person", "-year"]
        constraints = [models.UniqueConstraint(fields=["person", "year"], name="uniq_declaration_year")]

    def __str__(self) -> str:
        return f"{self.person} · {self.year}"


class ConsultancyEngagement(models.Model):
    """A consultancy engagement the centre sold to a client, with the people who did it (ISO/IEC 17065 4.2.6)."""

    organisation = models.ForeignKey(
        "clients.Organisation", verbose_name=_("client"), on_delete=models.PROTECT, related_name="+"
    )
    description = models.CharField(_("description"), max_length=300)
    started_on = models.DateField(_("started on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    consultants = models.ManyToManyField(Person, verbose_name=_("consultants"), related_name="consultancies")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True, on_delete=models.PROTECT
    )

    class Meta:
        verbose_name = _("consultancy engagement")
        verbose_name_plural = _("consultancy register")
        ordering = ["-started_on", "id"]

    def __str__(self) -> str:
        return f"{self.organisation} · {self.description}"


class Conflict(models.Model):
    """A conflict of interest between a person (or a lab) and a client, for a period."""

    class Kind(models.TextChoices):
        EMPLOYMENT = "employment", _("Past employment by the client")
        CONSULTANCY = "consultancy", _("Consultancy for the client")
        RELATIVE = "relative", _("Relative at the client")
        SHAREHOLDING = "shareholding", _("Shareholding in the client")
        OTHER = "other", _("Other interest")

    person = models.ForeignKey(
        Person, verbose_name=_("person"), null=True, blank=True, on_delete=models.PROTECT, related_name="conflicts"
    )
    lab = models.ForeignKey(
        "labs.Lab", verbose_name=_("laboratory"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        "clients.Organisation", verbose_name=_("client"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    description = models.CharField(_("description"), max_length=300, blank=True)
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("until"), null=True, blank=True)
    engagement = models.ForeignKey(
        ConsultancyEngagement, null=True, blank=True, on_delete=models.PROTECT, related_name="conflicts"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, blank=True, on_delete=models.PROTECT
    )

    class Meta:
        verbose_name = _("conflict of interest")
        verbose_name_plural = _("conflicts of interest")
        ordering = ["-started_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False) ^ Q(lab__isnull=False), name="conflict_person_or_lab"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person or self.lab} · {self.get_kind_display()} · {self.organisation}"
