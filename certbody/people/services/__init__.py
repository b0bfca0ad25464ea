"""People and impartiality: every write goes through here (permission, validation, change and audit together).

One module per topic; every public name stays importable from `certbody.people.services`. Who may take each step:
certbody.people.permissions (the services run its checks first).
"""

from ..permissions import (
    MANAGERS,
    OVERRIDE_APPROVERS,
    OVERRIDE_REQUESTERS,
    READERS,
    can_manage,
    can_read,
)
from .committee import committee_meeting_record, committee_member_add
from .impartiality import THREAT_OF_CONFLICT, conflict_record, consultancy_record, declaration_sign
from .overrides import ensure_all, ensure_assignable, override_decide, override_request, override_use
from .records import (
    authorisation_change,
    authorisation_grant,
    evaluation_record,
    person_create,
    registration_add,
    training_record,
)
from .risks import risk_check_record, risk_create

__all__ = [
    "MANAGERS",
    "OVERRIDE_APPROVERS",
    "OVERRIDE_REQUESTERS",
    "READERS",
    "THREAT_OF_CONFLICT",
    "authorisation_change",
    "authorisation_grant",
    "can_manage",
    "can_read",
    "committee_meeting_record",
    "committee_member_add",
    "conflict_record",
    "consultancy_record",
    "declaration_sign",
    "ensure_all",
    "ensure_assignable",
    "evaluation_record",
    "override_decide",
    "override_request",
    "override_use",
    "person_create",
    "registration_add",
    "risk_check_record",
    "risk_create",
    "training_record",
]
