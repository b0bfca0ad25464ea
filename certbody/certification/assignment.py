"""The assignment rules the lifecycle asks at every assignment point (ISO/IEC 17065 6.1, 7.5, 7.6).

Who may take a part in a case — engineer, inspection team, lab, reviewer, decider — is decided by the people rules
(certbody.people: personnel, authorisation, registration, declarations, conflicts, independence). Those rules read
the lifecycle's own records (who took part, who decided), so they sit above the lifecycle in the layers
(docs/architecture.md). The people app registers them here at start-up (`PeopleConfig.ready`); the lifecycle asks
through `rules()` and never imports people.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class AssignmentRules:
    # (subject, role, *, case) -> the rules `subject` breaks by taking `role` in `case` (empty: allowed)
    check: Callable[..., list[Any]]
    # (subject, role, case, refusals) -> whether an approved two-person override covers exactly these refusals
    covered_by_override: Callable[..., bool]
    # (subject, role, refusals) -> the DomainError that names them
    refused_error: Callable[..., Any]
    # (assignments, *, case, actor) -> None; raises naming every person and rule, uses approved overrides up
    ensure_all: Callable[..., None]
    # (user_ids, *, role, application=None, surveillance=None) -> {user_id: [the parts each took in the case]}
    involvements: Callable[..., dict[int, list[str]]]
    # the role names the lifecycle assigns (people.models.AssignmentRole)
    roles: Any


_rules: AssignmentRules | None = None


def register(rules: AssignmentRules) -> None:
    global _rules
    _rules = rules


def rules() -> AssignmentRules:
    if _rules is None:
        raise ImproperlyConfigured("No assignment rules are registered (certbody.people must be installed).")
    return _rules
