"""Initial factory inspection (ISO/IEC 17065 7.4): the plan and its team, findings, completion, cancellation."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from certbody.applications.models import Application
from certbody.core.audit import audit_record
from certbody.core.dates import check_date_window
from certbody.core.errors import InvalidInput
from certbody.core.permissions import refuse_if
from certbody.core.roles import Role
from certbody.core.workflow import lock, record_creation

from ..models import (
    FINDING_FLOW,
    INSPECTION_FLOW,
    Finding,
    Inspection,
    InspectionMember,
    Involvement,
    Result,
    Surveillance,
)
from ..permissions import (
    can_add_finding,
    can_cancel_inspection,
    can_close_finding,
    can_complete_inspection,
    can_plan_inspection,
)
from ._common import (
    _case_kwargs,
    _check_date,
    _involve,
    _lock_case,
    _subject,
    assign_team,
)


@transaction.atomic
def inspection_plan(
    *,
    actor: Any,
    case: Application | Surveillance,
    planned_on: date,
    leader: Any,
    members: list[Any] | None = None,
    site: Any = None,
) -> Inspection:
    case = _lock_case(case)
    refuse_if(can_plan_inspection(actor, case))
    # One row per person: a name given twice (or the leader listed again) is the same team member.
    members = list({m.pk: m for m in (members or []) if m.pk != leader.pk}.values())
    team = [leader, *members]
    not_inspectors = [str(u) for u in team if not u.has_role(Role.INSPECTOR)]
    if not_inspectors:
        raise InvalidInput(
            _("Not inspectors: %(names)s.") % {"names": "、".join(not_inspectors)}, details={"field": "members"}
        )
    if planned_on is None:
        raise InvalidInput(_("Enter the planned date."), details={"field": "planned_on"})
    check_date_window(planned_on, field="planned_on", label=_("Planned for"), kind="planned")
    assign_team([(leader, "team_leader"), *((m, "inspector") for m in members)], case=case, actor=actor)
    kind = Inspection.Kind.INITIAL if isinstance(case, Application) else Inspection.Kind.FOLLOW_UP
    inspection = Inspection.objects.create(
        kind=kind, planned_on=planned_on, site=site, created_by=actor, **_case_kwargs(case)
    )
    InspectionMember.objects.create(inspection=inspection, user=leader, role=InspectionMember.Role.LEADER)
    for member in members:
        InspectionMember.objects.create(inspection=inspection, user=member, role=InspectionMember.Role.MEMBER)
    _involve(case, leader, Involvement.Part.TEAM_LEADER)
    for member in members:
        _involve(case, member, Involvement.Part.INSPECTOR)
    audit_record(
        actor=actor,
        action="inspection.plan",
        obj=inspection,
        after={
            "status": inspection.status,
            "kind": kind,
            "planned_on": planned_on,
            "leader": leader.username,
            "members": [m.username for m in members],
        },
        subject=_subject(case),
    )
    return inspection


@transaction.atomic
def finding_add(*, actor: Any, inspection: Inspection, severity: str, description: str, clause: str = "") -> Finding:
    inspection = lock(Inspection, inspection.pk)
    refuse_if(can_add_finding(actor, inspection))
    if severity not in Finding.Severity.values:
        raise InvalidInput(_("Choose the kind of finding."), details={"field": "severity"})
    if not (description or "").strip():
        raise InvalidInput(_("Describe the finding."), details={"field": "description"})
    finding = Finding.objects.create(
        inspection=inspection,
        severity=severity,
        description=description.strip(),
        clause=clause.strip(),
        created_by=actor,
        status=Finding.Status.CLOSED if severity == Finding.Severity.OBSERVATION else Finding.Status.OPEN,
    )
    # An observation is born closed: its history must start with that state (record_creation), like any entity
    # not born in its default state.
    record_creation(
        finding,
        actor=actor,
        transition="add",
        after={"severity": severity, "clause": finding.clause, "description": finding.description},
        subject=_subject(inspection.case),
    )
    return finding


@transaction.atomic
def finding_close(*, actor: Any, finding: Finding, corrective_action: str) -> Finding:
    """The team leader verifies the client's corrective action and closes the nonconformity."""
    finding = lock(Finding, finding.pk)
    inspection = finding.inspection
    refuse_if(can_close_finding(actor, finding))
    if not (corrective_action or "").strip():
        raise InvalidInput(
            _("Describe the corrective action that was verified."), details={"field": "corrective_action"}
        )
    finding.corrective_action = corrective_action.strip()
    finding.closed_by = actor
    finding.closed_at = timezone.now()
    return FINDING_FLOW.apply(
        finding,
        "close",
        actor=actor,
        after={"corrective_action": finding.corrective_action},
        update_fields=["corrective_action", "closed_by", "closed_at"],
        subject=_subject(inspection.case),
    )


@transaction.atomic
def inspection_complete(
    *, actor: Any, inspection: Inspection, conclusion: str, completed_on: date, summary: str = ""
) -> Inspection:
    inspection = lock(Inspection, inspection.pk)
    refuse_if(can_complete_inspection(actor, inspection))
    if conclusion not in Result.values:
        raise InvalidInput(_("Choose the conclusion: pass or fail."), details={"field": "conclusion"})
    if (
        conclusion == Result.PASS
        and inspection.findings.filter(severity=Finding.Severity.MAJOR, status=Finding.Status.OPEN).exists()
    ):
        raise InvalidInput(_("An inspection with an open major nonconformity cannot conclude 'pass'."))
    inspection.completed_on = _check_date(completed_on, "completed_on", _("completion date"))
    inspection.conclusion = conclusion
    inspection.summary = (summary or "").strip()
    return INSPECTION_FLOW.apply(
        inspection,
        "complete",
        actor=actor,
        after={"conclusion": conclusion, "completed_on": inspection.completed_on},
        update_fields=["completed_on", "conclusion", "summary"],
        subject=_subject(inspection.case),
    )


@transaction.atomic
def inspection_cancel(*, actor: Any, inspection: Inspection, reason: str) -> Inspection:
    inspection = lock(Inspection, inspection.pk)
    refuse_if(can_cancel_inspection(actor, inspection))
    if not (reason or "").strip():
        raise InvalidInput(_("Give the reason for cancelling."), details={"field": "reason"})
    return INSPECTION_FLOW.apply(
        inspection, "cancel", actor=actor, reason=reason.strip(), subject=_subject(inspection.case)
    )
