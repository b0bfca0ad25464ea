"""Input and output schemas of the evaluation, review, decision and surveillance endpoints."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Field, Schema

from certbody.api.common import (
    LONG_TEXT,
    ClientView,
    Day,
    Id,
    StatusChangeOut,
    Text,
    choice,
    for_client,
    history,
    transitions,
    username,
)
from certbody.applications.api import ApplicationDetailOut

from .. import services
from ..models import (
    INSPECTION_FLOW,
    SURVEILLANCE_FLOW,
    TEST_ORDER_FLOW,
    Decision,
    Finding,
    Inspection,
    Result,
    Surveillance,
    TechnicalReview,
    TestOrder,
)


class LabOut(ClientView):
    # Partner laboratories are public (the public site lists them).
    CLIENT_FIELDS = frozenset({"id", "name", "name_en", "accreditation_number", "address"})

    id: int
    name: str
    name_en: str
    accreditation_number: str
    address: str


class TestOrderOut(ClientView):
    # The client's samples and their reports; not the staff's notes.
    CLIENT_FIELDS = frozenset(
        {
            "id", "number", "application_id", "surveillance_id", "unit_id", "lab_id", "lab", "purpose",
            "purpose_label", "status", "status_label", "sample_description", "ordered_on", "sample_sent_on",
            "sample_received_on", "report_issued_on", "report_number", "report_sha256", "has_report_file", "result",
            "transitions",
        }
    )  # fmt: skip

    id: int
    number: str
    application_id: int | None
    surveillance_id: int | None
    unit_id: int | None
    lab_id: int
    lab: str
    purpose: str
    purpose_label: str = Field(alias="get_purpose_display")
    status: str
    status_label: str = Field(alias="get_status_display")
    sample_description: str
    ordered_on: date
    sample_sent_on: date | None
    sample_received_on: date | None
    report_issued_on: date | None
    report_number: str
    report_sha256: str
    has_report_file: bool
    result: str
    notes: str
    transitions: list[str]

    @staticmethod
    def resolve_lab(obj) -> str:
        return obj.lab.name

    @staticmethod
    def resolve_has_report_file(obj) -> bool:
        return bool(obj.report_file)

    @staticmethod
    def resolve_transitions(obj) -> list[str]:
        return transitions(TEST_ORDER_FLOW, obj.status)


class TestOrderDetailOut(TestOrderOut):
    CLIENT_FIELDS = TestOrderOut.CLIENT_FIELDS  # a test order's events are internal: no history

    history: list[StatusChangeOut]

    @staticmethod
    def resolve_history(obj) -> list:
        return history(obj)


class MemberOut(ClientView):
    # The team the client receives on site, by name and role; not their staff accounts.
    CLIENT_FIELDS = frozenset({"name", "role"})

    username: str
    name: str
    role: str

    @staticmethod
    def resolve_username(obj) -> str:
        return obj.user.username

    @staticmethod
    def resolve_name(obj) -> str:
        return str(obj.user)


class FindingOut(ClientView):
    # The client answers the findings; who closed one is a staff account.
    CLIENT_FIELDS = frozenset(
        {
            "id", "severity", "severity_label", "clause", "description", "corrective_action", "status",
            "created_at", "closed_at",
        }
    )  # fmt: skip

    id: int
    severity: str
    severity_label: str = Field(alias="get_severity_display")
    clause: str
    description: str
    corrective_action: str
    status: str
    created_at: datetime
    closed_at: datetime | None
    closed_by: str | None

    @staticmethod
    def resolve_closed_by(obj) -> str | None:
        return username(obj.closed_by)


class InspectionOut(ClientView):
    CLIENT_FIELDS = frozenset(
        {
            "id", "application_id", "surveillance_id", "kind", "kind_label", "status", "status_label", "site_id",
            "planned_on", "completed_on", "conclusion", "summary", "transitions",
        }
    )  # fmt: skip

    id: int
    application_id: int | None
    surveillance_id: int | None
    kind: str
    kind_label: str = Field(alias="get_kind_display")
    status: str
    status_label: str = Field(alias="get_status_display")
    site_id: int | None
    planned_on: date
    completed_on: date | None
    conclusion: str
    summary: str
    transitions: list[str]

    @staticmethod
    def resolve_transitions(obj) -> list[str]:
        return transitions(INSPECTION_FLOW, obj.status)


class InspectionDetailOut(InspectionOut):
    CLIENT_FIELDS = InspectionOut.CLIENT_FIELDS | {"members", "findings"}  # the history is internal

    members: list[MemberOut]
    findings: list[FindingOut]
    history: list[StatusChangeOut]

    @staticmethod
    def resolve_members(obj) -> list:
        return list(obj.members.select_related("user").order_by("role", "id"))

    @staticmethod
    def resolve_findings(obj) -> list:
        return list(obj.findings.select_related("closed_by"))

    @staticmethod
    def resolve_history(obj) -> list:
        return history(obj)


class SurveillanceOut(ClientView):
    # Not the engineer's or the decider's account, nor the decider's reasoning (the certificate shows the outcome).
    CLIENT_FIELDS = frozenset(
        {
            "id", "certificate", "holder_name", "sequence_no", "due_on", "methods", "status", "status_label",
            "started_on", "outcome", "completed_at", "transitions",
        }
    )  # fmt: skip

    id: int
    certificate: str = Field(description="Certificate number.")
    holder_name: str
    sequence_no: int
    due_on: date
    methods: list[str]
    status: str
    status_label: str = Field(alias="get_status_display")
    engineer: str | None
    started_on: date | None
    outcome: str
    outcome_reason: str
    decided_by: str | None
    completed_at: datetime | None
    transitions: list[str]

    @staticmethod
    def resolve_certificate(obj) -> str:
        return obj.certificate.number

    @staticmethod
    def resolve_holder_name(obj) -> str:
        return obj.certificate.holder_name

    @staticmethod
    def resolve_engineer(obj) -> str | None:
        return username(obj.engineer)

    @staticmethod
    def resolve_decided_by(obj) -> str | None:
        return username(obj.decided_by)

    @staticmethod
    def resolve_transitions(obj) -> list[str]:
        return transitions(SURVEILLANCE_FLOW, obj.status)


class SurveillanceDetailOut(SurveillanceOut):
    CLIENT_FIELDS = SurveillanceOut.CLIENT_FIELDS | {"test_orders", "inspections"}  # not the gaps, not the history

    test_orders: list[TestOrderOut]
    inspections: list[InspectionOut]
    gaps: list[str] = Field(description="What still stands between the surveillance and its outcome.")
    history: list[StatusChangeOut]

    @staticmethod
    def resolve_test_orders(obj) -> list:
        return list(obj.test_orders.select_related("lab"))

    @staticmethod
    def resolve_inspections(obj) -> list:
        return list(obj.inspections.all())

    @staticmethod
    def resolve_gaps(obj) -> list[str]:
        return services.evaluation_gaps(obj) if obj.status == Surveillance.Status.IN_PROGRESS else []

    @staticmethod
    def resolve_history(obj) -> list:
        return history(obj)


class ReviewOut(ClientView):
    CLIENT_FIELDS = frozenset()  # the technical review is internal (7.5): the reviewer and comments stay with staff

    reviewer: str
    recommendation: str
    comments: str
    completed_at: datetime

    @staticmethod
    def resolve_reviewer(obj) -> str:
        return obj.reviewer.username


class DecisionOut(ClientView):
    # The outcome and, for a refusal, its reason (the portal's rule); not the decider (7.6).
    CLIENT_FIELDS = frozenset({"outcome", "reason", "decided_at"})

    decider: str
    outcome: str
    reason: str
    decided_at: datetime

    @staticmethod
    def resolve_decider(obj) -> str:
        return obj.decider.username

    @staticmethod
    def resolve_reason(obj, context) -> str:
        if not for_client(context):
            return obj.reason
        from certbody.applications.timeline import public_reason

        return public_reason(f"application.{obj.outcome}", obj.reason)


class EvaluationOut(ClientView):
    # The client's tests, inspections and the decision; not the engineer's gaps and blockers nor the reviews.
    CLIENT_FIELDS = frozenset({"application_id", "status", "test_orders", "inspections", "decision"})

    application_id: int
    status: str
    gaps: list[str] = Field(description="What still stands between the evaluation and its review.")
    blockers: list[str] = Field(description="Results that forbid a grant.")
    test_orders: list[TestOrderOut]
    inspections: list[InspectionOut]
    reviews: list[ReviewOut]
    decision: DecisionOut | None


class DecisionResultOut(Schema):
    decision: DecisionOut
    certificate: str | None = Field(description="Number of the certificate issued or given a new version.")
    application: ApplicationDetailOut


class CaseIn(Schema):
    application_id: Id | None = Field(None, description="The application under evaluation, or")
    surveillance_id: Id | None = Field(None, description="the surveillance in progress.")


class TestOrderIn(CaseIn):
    lab_id: Id
    purpose: choice(TestOrder.Purpose) = TestOrder.Purpose.TYPE_TEST
    unit_id: Id | None = None
    sample_description: Text(200) = ""


class TestOrderFilter(Schema):
    status: choice(TestOrder.Status) | None = None
    lab_id: Id | None = None
    application_id: Id | None = None
    surveillance_id: Id | None = None


class SentIn(Schema):
    sent_on: Day


class ReceivedIn(Schema):
    received_on: Day


class ReportIn(Schema):
    report_number: Text(60)
    issued_on: Day
    result: choice(Result)


class ReceivedForLabIn(ReceivedIn):
    reason: Text(LONG_TEXT) = Field("", description="Why the laboratory does not record this itself (required).")


class ReportForLabIn(ReportIn):
    reason: Text(LONG_TEXT) = Field("", description="Why the laboratory does not record this itself (required).")


class ReasonIn(Schema):
    reason: Text(LONG_TEXT) = ""


class InspectionIn(CaseIn):
    planned_on: Day
    leader: Text(150) = Field(..., description="Username of the team leader.")
    members: list[Text(150)] = Field([], max_length=20, description="Usernames of the other inspectors.")
    site_id: Id | None = None


class InspectionFilter(Schema):
    status: choice(Inspection.Status) | None = None
    application_id: Id | None = None
    surveillance_id: Id | None = None


class FindingIn(Schema):
    severity: choice(Finding.Severity)
    description: Text(LONG_TEXT)
    clause: Text(100) = ""


class FindingCloseIn(Schema):
    corrective_action: Text(LONG_TEXT)


class InspectionCompleteIn(Schema):
    conclusion: choice(Result)
    completed_on: Day
    summary: Text(LONG_TEXT) = ""


class EngineerIn(Schema):
    engineer: Text(150) | None = Field(None, description="Username; by default the caller (market may assign).")


NO_ENGINEER = EngineerIn()  # the body may be left out: the caller takes the case


class ReviewerIn(Schema):
    reviewer: Text(150) = Field(..., description="Username of the technical reviewer.")


class ReviewIn(Schema):
    recommendation: choice(TechnicalReview.Recommendation)
    comments: Text(LONG_TEXT) = ""


class DecideIn(Schema):
    outcome: choice(Decision.Outcome)
    reason: Text(LONG_TEXT) = ""
    issued_on: Day | None = Field(None, description="Grant date; by default the day of the decision.")


class SurveillanceFilter(Schema):
    status: choice(Surveillance.Status) | None = None
    certificate: Text(60) | None = Field(None, description="Certificate number.")
    due_before: Day | None = None


class SurveillanceCompleteIn(Schema):
    outcome: choice(Surveillance.Outcome)
    reason: Text(LONG_TEXT) = ""
