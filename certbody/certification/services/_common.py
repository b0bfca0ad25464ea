"""Helpers shared by the evaluation, decision and surveillance services: the case and its checks."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from certbody.applications.models import Application
from certbody.core.dates import check_date_window
from certbody.core.errors import InvalidInput, NotIndependent
from certbody.core.permissions import refuse_if
from certbody.core.roles import Role
from certbody.core.workflow import lock

from ..assignment import rules
from ..models import (
    Involvement,
)
from ..permissions import case_engineer_refusal, case_open_refusal


def _lock_case(case):
    return lock(type(case), case.pk)


def _case_kwargs(case) -> dict[str, Any]:
    return {"application": case} if isinstance(case, Application) else {"surveillance": case}


def _subject(case):
    return case if isinstance(case, Application) else case.certificate


def _require_case_open_for_evaluation(case) -> None:
    refuse_if(case_open_refusal(case))


def _require_case_engineer(actor: Any, case) -> None:
    refuse_if(case_engineer_refusal(actor, case))


def assign(subject: Any, role: str, *, case, actor: Any) -> None:
    """Every assignment asks the people rule engine (authorisation, registration, declaration, conflicts,
    independence); a refusal names each failed rule."""
    rules().ensure_all([(subject, role)], case=case, actor=actor)


def assign_team(assignments: list[tuple[Any, str]], *, case, actor: Any) -> None:
    rules().ensure_all(assignments, case=case, actor=actor)


def _involve(case, user, part: str) -> None:
    # After a reopened evaluation, whoever reviewed the file may not join it: the review on record would then be
    # by someone involved in the evaluation (ISO/IEC 17065 7.5).
    if isinstance(case, Application) and case.reviews.filter(reviewer=user).exists():
        raise NotIndependent(
            _("%(user)s reviewed %(case)s and so may not take part in its evaluation (ISO/IEC 17065 7.5).")
            % {"user": user, "case": case},
            details={"parts": [str(Role.REVIEWER.label)]},
        )
    Involvement.objects.get_or_create(user=user, part=part, **_case_kwargs(case))


def _check_date(value: date | None, field: str, label: str, *, not_before: date | None = None) -> date:
    today = timezone.localdate()
    if value is None:
        raise InvalidInput(_("Enter the %(what)s.") % {"what": label}, details={"field": field})
    if value > today:
        message = _("The %(what)s cannot be in the future.") % {"what": label}
        raise InvalidInput(message, details={"field": field, "fields": {field: message}})
    check_date_window(value, field=field, label=label)
    if not_before and value < not_before:
        raise InvalidInput(
            _("The %(what)s cannot be before %(date)s.") % {"what": label, "date": not_before.isoformat()},
            details={"field": field},
        )
    return value
