"""The risk register (风险信息源库): risks and the checks of their controls."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from certbody.core.audit import audit_record
from certbody.core.dates import check_date_window
from certbody.core.errors import InvalidInput
from certbody.core.permissions import refuse_if
from certbody.core.workflow import record_creation

from .. import permissions as perms
from ..models import (
    Risk,
    RiskCheck,
)
from ._common import _text


@transaction.atomic
def risk_create(
    *,
    actor: Any,
    title: str,
    threat: str,
    likelihood: int,
    impact: int,
    controls: str = "",
    owner: Any = None,
    review_on: date | None = None,
) -> Risk:
    refuse_if(perms.can_create_risk(actor))
    title = _text(title, "title", _("risk"))
    if threat not in Risk.Threat.values:
        raise InvalidInput(_("Choose the threat."), details={"field": "threat"})
    for field, value in (("likelihood", likelihood), ("impact", impact)):
        if not isinstance(value, int) or not 1 <= value <= 5:
            raise InvalidInput(_("Likelihood and impact are scored 1 to 5."), details={"field": field})
    check_date_window(review_on, field="review_on", label=_("Review date"), kind="planned")
    risk = Risk.objects.create(
        title=title,
        threat=threat,
        likelihood=likelihood,
        impact=impact,
        controls=(controls or "").strip(),
        owner=owner,
        review_on=review_on,
    )
    record_creation(risk, actor=actor, transition="create", after={"title": title, "score": risk.score})
    return risk


@transaction.atomic
def risk_check_record(*, actor: Any, risk: Risk, checked_on: date, effective: bool, notes: str = "") -> RiskCheck:
    refuse_if(perms.can_check_risk(actor, risk))
    if checked_on is None:
        raise InvalidInput(_("Enter the date."), details={"field": "checked_on"})
    check_date_window(checked_on, field="checked_on", label=_("Checked on"))
    check = RiskCheck.objects.create(
        risk=risk, checked_on=checked_on, effective=effective, notes=(notes or "").strip(), checked_by=actor
    )
    audit_record(
        actor=actor,
        action="risk.check",
        obj=check,
        after={"checked_on": checked_on, "effective": effective},
        subject=risk,
    )
    return check
