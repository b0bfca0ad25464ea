"""Roles of the people who use a certification body's system (DOMAIN.md, 'Who uses it')."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CLIENT = "client", _("Client")
    MARKET = "market", _("Market and operations")
    ENGINEER = "engineer", _("Certification engineer")
    INSPECTOR = "inspector", _("Inspector / auditor")
    LAB = "lab", _("Testing laboratory")
    REVIEWER = "reviewer", _("Technical reviewer")
    DECIDER = "decider", _("Decision maker")
    QUALITY = "quality", _("Quality and risk")
    HR = "hr", _("Human resources")
    MANAGEMENT = "management", _("Management")
    REGULATOR = "regulator", _("Regulator")
    ADMIN = "admin", _("System administrator")


STAFF_ROLES = frozenset(
    {
        Role.MARKET,
        Role.ENGINEER,
        Role.INSPECTOR,
        Role.REVIEWER,
        Role.DECIDER,
        Role.QUALITY,
        Role.HR,
        Role.MANAGEMENT,
        Role.ADMIN,
    }
)
