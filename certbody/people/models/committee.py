"""The impartiality committee (维护公正性委员会) and the risk register (风险信息源库)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from certbody.core.workflow import StatusField, StatusQuerySet, T, Workflow

from .impartiality import Conflict, ConsultancyEngagement


class CommitteeMember(models.Model):
    """A member of the impartiality committee (维护公正性委员会) and the stakeholder group represented."""

    class Group(models.TextChoices):
        CB = "cb", _("Certification body")
        CLIENTS = "clients", _("Clients")
        USERS = "users", _("Users of certified products")
        REGULATORS = "regulators", _("Government and regulators")
        INDUSTRY = "industry", _("Industry associations")
        EXPERTS = "experts", _("Technical experts")
        CONSUMERS = "consumers", _("Consumers")

    name = models.CharField(_("name"), max_length=100)
    organisation_name = models.CharField(_("organisation"), max_length=200, blank=True)
    group = models.CharField(_("stakeholder group"), max_length=20, choices=Group.choices)
    joined_on = models.DateField(_("joined on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)

    class Meta:
        verbose_name = _("committee member")
        verbose_name_plural = _("committee members")
        ordering = ["group", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_group_display()})"


class CommitteeMeeting(models.Model):
    """A meeting of the impartiality committee with its minutes."""

    held_on = models.DateField(_("held on"))
    title = models.CharField(_("title"), max_length=200)
    minutes = models.TextField(_("minutes"), blank=True)
    attendees = models.ManyToManyField(CommitteeMember, verbose_name=_("attendees"), blank=True)

    class Meta:
        verbose_name = _("committee meeting")
        verbose_name_plural = _("committee meetings")
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"{self.held_on} {self.title}"


class CommitteeDecision(models.Model):
    """A decision of a committee meeting and its follow-up."""

    meeting = models.ForeignKey(
        CommitteeMeeting, verbose_name=_("meeting"), on_delete=models.PROTECT, related_name="decisions"
    )
    text = models.TextField(_("decision"))
    follow_up = models.TextField(_("follow-up"), blank=True)
    owner = models.CharField(_("owner"), max_length=100, blank=True)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    done_on = models.DateField(_("done on"), null=True, blank=True)

    class Meta:
        verbose_name = _("committee decision")
        verbose_name_plural = _("committee decisions")
        ordering = ["meeting", "id"]

    def __str__(self) -> str:
        return self.text[:80]


class Risk(models.Model):
    """An entry of the risk register (风险信息源库): a threat to impartiality, its score, controls and owner."""

    class Threat(models.TextChoices):
        SELF_INTEREST = "self_interest", _("Self-interest")
        SELF_REVIEW = "self_review", _("Self-review")
        FAMILIARITY = "familiarity", _("Familiarity")
        INTIMIDATION = "intimidation", _("Intimidation")
        FINANCIAL = "financial", _("Financial")
        CONSULTANCY = "consultancy", _("Consultancy")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    title = models.CharField(_("risk"), max_length=300)
    threat = models.CharField(_("threat"), max_length=20, choices=Threat.choices)
    likelihood = models.PositiveSmallIntegerField(
        _("likelihood"), default=3, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    impact = models.PositiveSmallIntegerField(
        _("impact"), default=3, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    controls = models.TextField(_("controls"), blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, blank=True, on_delete=models.PROTECT
    )
    review_on = models.DateField(_("review date"), null=True, blank=True)
    status = StatusField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    # Fed automatically: the consultancy engagement or conflict the risk came from.
    engagement = models.OneToOneField(
        ConsultancyEngagement, null=True, blank=True, on_delete=models.PROTECT, related_name="risk"
    )
    conflict = models.OneToOneField(Conflict, null=True, blank=True, on_delete=models.PROTECT, related_name="risk")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = StatusQuerySet.as_manager()

    class Meta:
        verbose_name = _("impartiality risk")
        verbose_name_plural = _("risk register")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def score(self) -> int:
        return self.likelihood * self.impact


RI = Risk.Status
RISK_FLOW = Workflow(Risk, _("impartiality risk"), [T("close", [RI.OPEN], RI.CLOSED, _("close"))])


class RiskCheck(models.Model):
    """An effectiveness check of a risk's controls."""

    risk = models.ForeignKey(Risk, verbose_name=_("risk"), on_delete=models.PROTECT, related_name="checks")
    checked_on = models.DateField(_("checked on"))
    effective = models.BooleanField(_("controls effective"))
    notes = models.TextField(_("notes"), blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("checked by"), null=True, blank=True, on_delete=models.PROTECT
    )

    class Meta:
        verbose_name = _("effectiveness check")
        verbose_name_plural = _("effectiveness checks")
        ordering = ["-checked_on", "-id"]

    def __str__(self) -> str:
        return f"{self.risk} · {self.checked_on}"
