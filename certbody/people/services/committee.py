"""The impartiality committee: members and meetings."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from certbody.core.audit import audit_record
from certbody.core.dates import check_date_window
from certbody.core.errors import InvalidInput
from certbody.core.permissions import refuse_if

from .. import permissions as perms
from ..models import (
    CommitteeDecision,
    CommitteeMeeting,
    CommitteeMember,
)
from ._common import _text


@transaction.atomic
def committee_member_add(
    *, actor: Any, name: str, group: str, joined_on: date, organisation_name: str = ""
) -> CommitteeMember:
    refuse_if(perms.can_add_committee_member(actor))
    if group not in CommitteeMember.Group.values:
        raise InvalidInput(_("Choose the stakeholder group."), details={"field": "group"})
    check_date_window(joined_on, field="joined_on", label=_("Joined on"))
    member = CommitteeMember.objects.create(
        name=_text(name, "name", _("name")),
        group=group,
        joined_on=joined_on,
        organisation_name=(organisation_name or "").strip(),
    )
    audit_record(actor=actor, action="committee.member_add", obj=member, after={"name": member.name, "group": group})
    return member


@transaction.atomic
def committee_meeting_record(
    *,
    actor: Any,
    held_on: date,
    title: str,
    minutes: str = "",
    attendees: Iterable[CommitteeMember] = (),
    decisions: Iterable[dict[str, Any]] = (),
) -> CommitteeMeeting:
    refuse_if(perms.can_record_committee_meeting(actor))
    if held_on is None:
        raise InvalidInput(_("Enter the date."), details={"field": "held_on"})
    check_date_window(held_on, field="held_on", label=_("Held on"))
    decisions = list(decisions)
    for item in decisions:
        check_date_window(item.get("due_on"), field="due_on", label=_("Due on"), kind="planned")
    meeting = CommitteeMeeting.objects.create(
        held_on=held_on, title=_text(title, "title", _("title")), minutes=(minutes or "").strip()
    )
    meeting.attendees.set(list(attendees))
    for item in decisions:
        CommitteeDecision.objects.create(meeting=meeting, **item)
    audit_record(
        actor=actor,
        action="committee.meeting",
        obj=meeting,
        after={"held_on": held_on, "title": meeting.title, "decisions": meeting.decisions.count()},
    )
    return meeting
