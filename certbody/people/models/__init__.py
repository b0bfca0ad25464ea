"""People, competence and impartiality: who may be sent, and freedom from conflicts (ISO/IEC 17065 4.2, 6.1).

Django finds an app's models here: every model of the package is imported below, and so are the names other
modules import from `certbody.people.models`.
"""

from .committee import RISK_FLOW, CommitteeDecision, CommitteeMeeting, CommitteeMember, Risk, RiskCheck
from .impartiality import Conflict, ConsultancyEngagement, Declaration
from .overrides import OVERRIDE_FLOW, AssignmentOverride
from .records import (
    AUTHORISATION_FLOW,
    AssignmentRole,
    Authorisation,
    Course,
    Department,
    Evaluation,
    Person,
    Registration,
    Training,
    not_left_by,
)

__all__ = [
    "AUTHORISATION_FLOW",
    "OVERRIDE_FLOW",
    "RISK_FLOW",
    "AssignmentOverride",
    "AssignmentRole",
    "Authorisation",
    "CommitteeDecision",
    "CommitteeMeeting",
    "CommitteeMember",
    "Conflict",
    "ConsultancyEngagement",
    "Course",
    "Declaration",
    "Department",
    "Evaluation",
    "Person",
    "Registration",
    "Risk",
    "RiskCheck",
    "Training",
    "not_left_by",
]
