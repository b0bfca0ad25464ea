"""Impartiality records: declarations, conflicts of interest, consultancy engagements; each conflict and
engagement feeds the risk register."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from certbody.core.audit import audit_record
from certbody.core.dates import check_date_window
from certbody.core.errors import InvalidInput
from certbody.core.permissions import refuse_if
from certbody.core.workflow import record_creation

from .. import permissions as perms
from ..models import (
    Conflict,
    ConsultancyEngagement,
    Declaration,
    Person,
    Risk,
)
from ._common import _text

# A conflict's kind -> the threat it poses in the risk register.
THREAT_OF_CONFLICT = {
    Conflict.Kind.EMPLOYMENT: Risk.Threat.FAMILIARITY,
    Conflict.Kind.CONSULTANCY: Risk.Threat.CONSULTANCY,
    Conflict.Kind.RELATIVE: Risk.Threat.FAMILIARITY,
    Conflict.Kind.SHAREHOLDING: Risk.Threat.FINANCIAL,
    Conflict.Kind.OTHER: Risk.Threat.SELF_INTEREST,
}


@transaction.atomic
def declaration_sign(*, actor: Any, year: int | None = None, interests: str = "") -> Declaration:
    """The person signs his own yearly impartiality and confidentiality declaration (nobody signs for another)."""
    refuse_if(perms.can_sign_declaration(actor))
    person = Person.objects.get(user_id=actor.pk)
    year = year or timezone.localdate().year
    if year not in (timezone.localdate().year, timezone.localdate().year + 1):
        raise InvalidInput(_("Declarations are signed for this year or the next."), details={"field": "year"})
    if Declaration.objects.filter(person=person, year=year).exists():
        raise InvalidInput(_("The declaration for %(year)s is already signed.") % {"year": year})
    declaration = Declaration.objects.create(
        person=person,
        year=year,
        interests=(interests or "").strip(),
        signed_at=timezone.now(),
        signed_by=actor,
    )
    audit_record(
        actor=actor,
        action="declaration.sign",
        obj=declaration,
        after={"year": year, "impartiality": True, "confidentiality": True, "interests": declaration.interests},
        subject=person,
    )
    return declaration


# --- conflicts, consultancy and the risk register --------------------------------------------------------------------


def _risk_for(*, actor: Any, title: str, threat: str, **links: Any) -> Risk:
    risk = Risk.objects.create(title=title[:300], threat=threat, likelihood=3, impact=3, owner=None, **links)
    record_creation(
        risk,
        actor=actor,
        transition="create",
        after={"title": risk.title, "threat": threat, "score": risk.score, "source": sorted(links)},
    )
    return risk


@transaction.atomic
def conflict_record(
    *,
    actor: Any,
    organisation: Any,
    kind: str,
    started_on: date,
    ended_on: date | None = None,
    person: Person | None = None,
    lab: Any = None,
    description: str = "",
    engagement: ConsultancyEngagement | None = None,
) -> Conflict:
    refuse_if(perms.can_record_conflict(actor))
    if (person is None) == (lab is None):
        raise InvalidInput(_("Name the person or the laboratory."), details={"field": "person"})
    if kind not in Conflict.Kind.values:
        raise InvalidInput(_("Choose the kind of interest."), details={"field": "kind"})
    if started_on is None:
        raise InvalidInput(_("Enter when the interest started."), details={"field": "started_on"})
    check_date_window(started_on, field="started_on", label=_("From"))
    check_date_window(ended_on, field="ended_on", label=_("Until"), kind="planned")
    if ended_on is not None and ended_on < started_on:
        raise InvalidInput(_("The period ends before it starts."), details={"field": "ended_on"})
    conflict = Conflict.objects.create(
        person=person,
        lab=lab,
        organisation=organisation,
        kind=kind,
        description=(description or "").strip(),
        started_on=started_on,
        ended_on=ended_on,
        engagement=engagement,
        recorded_by=actor,
    )
    audit_record(
        actor=actor,
        action="conflict.record",
        obj=conflict,
        after={
            "person": getattr(person, "name", None),
            "lab": getattr(lab, "name", None),
            "organisation": str(organisation),
            "kind": kind,
            "started_on": started_on,
            "ended_on": ended_on,
        },
    )
    # The risk register is fed by every recorded conflict (风险信息源库).
    _risk_for(
        actor=actor,
        title=_("%(who)s: %(kind)s (%(client)s)")
        % {"who": person or lab, "kind": conflict.get_kind_display(), "client": organisation},
        threat=THREAT_OF_CONFLICT[kind],
        conflict=conflict,
    )
    return conflict


@transaction.atomic
def consultancy_record(
    *,
    actor: Any,
    organisation: Any,
    description: str,
    started_on: date,
    consultants: Iterable[Person],
    ended_on: date | None = None,
) -> ConsultancyEngagement:
    """Record a consultancy engagement sold to a client; each consultant gets a conflict, the register a risk."""
    refuse_if(perms.can_record_consultancy(actor))
    description = _text(description, "description", _("description"))
    consultants = list(consultants)
    if not consultants:
        raise InvalidInput(_("Name the consultants."), details={"field": "consultants"})
    if started_on is None:
        raise InvalidInput(_("Enter when the engagement started."), details={"field": "started_on"})
    check_date_window(started_on, field="started_on", label=_("Started on"))
    check_date_window(ended_on, field="ended_on", label=_("Ended on"), kind="planned")
    if ended_on is not None and ended_on < started_on:
        raise InvalidInput(_("The period ends before it starts."), details={"field": "ended_on"})
    engagement = ConsultancyEngagement.objects.create(
        organisation=organisation, description=description, started_on=started_on, ended_on=ended_on, recorded_by=actor
    )
    engagement.consultants.set(consultants)
    audit_record(
        actor=actor,
        action="consultancy.record",
        obj=engagement,
        after={
            "organisation": str(organisation),
            "description": description,
            "started_on": started_on,
            "ended_on": ended_on,
            "consultants": [p.name for p in consultants],
        },
    )
    _risk_for(
        actor=actor,
        title=_("Consultancy for %(client)s: %(what)s") % {"client": organisation, "what": description},
        threat=Risk.Threat.CONSULTANCY,
        engagement=engagement,
    )
    for person in consultants:
        conflict = Conflict.objects.create(
            person=person,
            organisation=organisation,
            kind=Conflict.Kind.CONSULTANCY,
            description=description,
            started_on=started_on,
            ended_on=ended_on,
            engagement=engagement,
            recorded_by=actor,
        )
        audit_record(
            actor=actor,
            action="conflict.record",
            obj=conflict,
            after={"person": person.name, "organisation": str(organisation), "kind": conflict.kind},
        )
    return engagement
