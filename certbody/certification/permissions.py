"""Independence (17065 7.5, 7.6), who may see evaluation records and who may take each evaluation step.

One check per workflow step, `can_<verb>(user, obj, ...) -> Refusal | None` (see certbody.core.permissions):
workflow state, role, the object relation (the case's engineer, the inspection team, the lab) and, for the steps
whose service asks the people rule engine about the actor himself (review, decision), that engine. Services run
the check first with `refuse_if`; pages (`Action(check=...)`) and the API use the same function. Whatever depends
on form input (the engineer or reviewer chosen) is a separate check taking it as a parameter.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from certbody.applications.models import APPLICATION_FLOW, Application
from certbody.core.errors import InvalidInput, NotIndependent
from certbody.core.permissions import (
    Refusal,
    first,
    forbidden,
    has_role,
    not_yours,
    role_refusal,
    transition_refusal,
)
from certbody.core.roles import Role

from .assignment import rules
from .models import (
    INSPECTION_FLOW,
    SURVEILLANCE_FLOW,
    TEST_ORDER_FLOW,
    Finding,
    Inspection,
    Involvement,
    Surveillance,
    TestOrder,
)

# Roles that see every test order, inspection and surveillance: they run the process or oversee it.
ALL_CASES = (Role.ENGINEER, Role.REVIEWER, Role.DECIDER, Role.QUALITY, Role.MANAGEMENT, Role.ADMIN, Role.MARKET)


def involvements_of(user: Any, *, application=None, surveillance=None) -> QuerySet[Involvement]:
    qs = Involvement.objects.filter(user=user)
    if application is not None:
        return qs.filter(application=application)
    return qs.filter(surveillance=surveillance)


def is_independent(user: Any, *, application=None, surveillance=None) -> bool:
    return not involvements_of(user, application=application, surveillance=surveillance).exists()


def can_manage_case(user: Any, case) -> bool:
    """The case's engineer plans and runs its evaluation."""
    return has_role(user, Role.ENGINEER) and case.engineer_id == user.pk


def can_act_for_lab(user: Any, order: TestOrder) -> bool:
    """The lab's work is the lab's: a user with the lab role of the order's laboratory records it. The case engineer
    may record it only on the lab's behalf, by the separate `*_for_lab` steps (reason and the lab's document)."""
    return has_role(user, Role.LAB) and user.lab_id is not None and user.lab_id == order.lab_id


def is_team_member(user: Any, inspection: Inspection, *, leader: bool = False) -> bool:
    qs = inspection.members.filter(user=user)
    if leader:
        qs = qs.filter(role="leader")
    return has_role(user, Role.INSPECTOR) and qs.exists()


def _client_cases(user: Any, prefix: str = "") -> Q | None:
    """A client's own cases: its applications and the surveillances of its certificates (`prefix` to the case)."""
    from certbody.core.permissions import client_organisation_id

    organisation_id = client_organisation_id(user)
    if organisation_id is None:
        return None
    return Q(**{f"{prefix}application__organisation_id": organisation_id}) | Q(
        **{f"{prefix}surveillance__certificate__organisation_id": organisation_id}
    )


def test_orders_for(user: Any) -> QuerySet[TestOrder]:
    qs = TestOrder.objects.all()
    if has_role(user, *ALL_CASES):
        return qs
    if has_role(user, Role.LAB) and user.lab_id:
        return qs.filter(lab_id=user.lab_id)
    client = _client_cases(user)
    return qs.filter(client) if client is not None else qs.none()


def inspections_for(user: Any) -> QuerySet[Inspection]:
    qs = Inspection.objects.all()
    if has_role(user, *ALL_CASES):
        return qs
    cond = Q(pk__in=[])
    if has_role(user, Role.INSPECTOR):
        cond |= Q(members__user=user)
    client = _client_cases(user)
    if client is not None:
        cond |= client
    return qs.filter(cond).distinct()


def surveillances_for(user: Any) -> QuerySet[Surveillance]:
    from certbody.core.permissions import client_organisation_id

    qs = Surveillance.objects.all()
    if has_role(user, *ALL_CASES):
        return qs
    cond = Q(pk__in=[])
    if has_role(user, Role.INSPECTOR):
        cond |= Q(involvements__user=user)
    organisation_id = client_organisation_id(user)
    if organisation_id is not None:
        cond |= Q(certificate__organisation_id=organisation_id)
    return qs.filter(cond).distinct()


# --- the people rule engine as a check --------------------------------------------------------------


def people_refusal(user: Any, role: str, case: Any) -> Refusal | None:
    """The people rule engine (certbody.people.engine.check) on `user` taking `role` in `case`, as a Refusal.

    Refusals that an approved two-person override covers pass (the service's `assign` then uses the override up).
    The result is kept on the case object for the request, so a page asking for several steps runs the engine once
    per role, not once per step."""
    engine = rules()
    memo = case.__dict__.setdefault("_people_refusals", {})
    key = (getattr(user, "pk", None), role)
    if key not in memo:
        refusals = engine.check(user, role, case=case)
        if refusals and engine.covered_by_override(user, role, case, refusals):
            refusals = []
        memo[key] = None
        if refusals:
            error = engine.refused_error(user, role, refusals)
            memo[key] = Refusal(error.code, error.message, error.details, role_ok=True, kind="assignment_refused")
    return memo[key]


# --- evaluation steps -------------------------------------------------------------------------------


def case_engineer_refusal(user: Any, case: Any) -> Refusal | None:
    """The case's engineer plans and runs its evaluation."""
    if can_manage_case(user, case):
        return None
    message = _("Only the certification engineer assigned to %(case)s may do this.") % {"case": case}
    return not_yours(message) if has_role(user, Role.ENGINEER) else forbidden(message)


def case_open_refusal(case: Any) -> Refusal | None:
    if isinstance(case, Application):
        ok = case.status == Application.Status.EVALUATION
    else:
        ok = case.status == Surveillance.Status.IN_PROGRESS
    if ok:
        return None
    return Refusal(
        "case_not_in_evaluation",
        _("%(case)s is not being evaluated now (status: %(status)s).")
        % {"case": case, "status": case.get_status_display()},
        kind=InvalidInput.code,
    )


def _takeover_refusal(user: Any, case: Any) -> Refusal | None:
    """An engineer takes a case assigned to nobody or to himself; giving it to someone else is market's step."""
    if has_role(user, Role.MARKET) or case.engineer_id in (None, user.pk):
        return None
    if isinstance(case, Application):
        return not_yours(_("Only market staff may assign the evaluation to another engineer."))
    return not_yours(_("Only market staff may assign the surveillance to another engineer."))


def can_start_evaluation(user: Any, application: Application) -> Refusal | None:
    return first(
        role_refusal(user, Role.ENGINEER, Role.MARKET),
        transition_refusal(APPLICATION_FLOW, application, "start_evaluation"),
        _takeover_refusal(user, application),
    )


def can_start_surveillance(user: Any, surveillance: Surveillance) -> Refusal | None:
    from certbody.certificates.models import Certificate

    ended = surveillance.certificate.status not in (Certificate.Status.VALID, Certificate.Status.SUSPENDED)
    return first(
        role_refusal(user, Role.ENGINEER, Role.MARKET),
        _takeover_refusal(user, surveillance),
        Refusal("invalid", _("The certificate has ended; there is nothing to survey."), kind=InvalidInput.code)
        if ended
        else None,
        transition_refusal(SURVEILLANCE_FLOW, surveillance, "start"),
    )


def can_assign_engineer(user: Any, case: Any, engineer: Any) -> Refusal | None:
    """The engineer chosen to run a case (form input): an engineer; someone other than oneself only by market."""
    if not engineer.has_role(Role.ENGINEER):
        return Refusal(
            "invalid", _("%(user)s is not a certification engineer.") % {"user": engineer}, kind=InvalidInput.code
        )
    if user.pk != engineer.pk and not has_role(user, Role.MARKET):
        if isinstance(case, Application):
            return forbidden(_("Only market staff may assign the evaluation to another engineer."))
        return forbidden(_("Only market staff may assign the surveillance to another engineer."))
    return None


def can_order_test(user: Any, case: Any) -> Refusal | None:
    return first(case_engineer_refusal(user, case), case_open_refusal(case))


def can_plan_inspection(user: Any, case: Any) -> Refusal | None:
    return first(case_engineer_refusal(user, case), case_open_refusal(case))


def can_complete_evaluation(user: Any, application: Application) -> Refusal | None:
    return first(
        case_engineer_refusal(user, application),
        transition_refusal(APPLICATION_FLOW, application, "complete_evaluation"),
    )


def can_assign_reviewer(user: Any, application: Application) -> Refusal | None:
    if not (can_manage_case(user, application) or has_role(user, Role.MANAGEMENT, Role.QUALITY)):
        return forbidden(_("Only the case engineer or management may assign the reviewer."))
    if application.status not in (Application.Status.EVALUATION, Application.Status.REVIEW):
        return Refusal("invalid", _("A reviewer is assigned during evaluation or review."), kind=InvalidInput.code)
    return None


def _assigned_reviewer_refusal(user: Any, application: Application) -> Refusal | None:
    if application.reviewer_id in (None, user.pk):
        return None
    return not_yours(_("This application is assigned to reviewer %(user)s.") % {"user": application.reviewer})


def can_review(user: Any, application: Application) -> Refusal | None:
    return first(
        role_refusal(user, Role.REVIEWER),
        transition_refusal(APPLICATION_FLOW, application, "review"),
        _assigned_reviewer_refusal(user, application),
        lambda: people_refusal(user, "reviewer", application),
    )


def can_decide(user: Any, application: Application) -> Refusal | None:
    """Grant or refuse (both leave the same state)."""
    return first(
        role_refusal(user, Role.DECIDER),
        transition_refusal(APPLICATION_FLOW, application, "grant"),
        lambda: people_refusal(user, "decision_maker", application),
    )


def can_reopen_evaluation(user: Any, application: Application) -> Refusal | None:
    """Sending the file back is part of the review (7.5) or of the decision (7.6): whoever may take that step."""
    refusal = first(
        role_refusal(user, Role.REVIEWER, Role.DECIDER),
        transition_refusal(APPLICATION_FLOW, application, "reopen_evaluation"),
    )
    if refusal is not None:
        return refusal
    if application.status == Application.Status.REVIEW:
        return first(
            role_refusal(user, Role.REVIEWER),
            _assigned_reviewer_refusal(user, application),
            lambda: people_refusal(user, "reviewer", application),
        )
    return first(role_refusal(user, Role.DECIDER), lambda: people_refusal(user, "decision_maker", application))


def can_complete_surveillance(user: Any, surveillance: Surveillance) -> Refusal | None:
    return first(
        role_refusal(user, Role.DECIDER),
        transition_refusal(SURVEILLANCE_FLOW, surveillance, "complete"),
        lambda: people_refusal(user, "decision_maker", surveillance),
    )


# --- test orders ----------------------------------------------------------------------------------


def _lab_refusal(user: Any, order: TestOrder) -> Refusal | None:
    if can_act_for_lab(user, order):
        return None
    if can_manage_case(user, order.case):
        return not_yours(
            _(
                "This is the laboratory's step; the case engineer records it only on the laboratory's behalf, "
                "with the reason and the laboratory's document."
            )
        )
    return forbidden(_("Only the laboratory may record this."))


def can_send_sample(user: Any, order: TestOrder) -> Refusal | None:
    return first(case_engineer_refusal(user, order.case), transition_refusal(TEST_ORDER_FLOW, order, "send_sample"))


def can_receive_sample(user: Any, order: TestOrder) -> Refusal | None:
    return first(_lab_refusal(user, order), transition_refusal(TEST_ORDER_FLOW, order, "receive_sample"))


def can_report_test(user: Any, order: TestOrder) -> Refusal | None:
    return first(_lab_refusal(user, order), transition_refusal(TEST_ORDER_FLOW, order, "report"))


def can_receive_sample_for_lab(user: Any, order: TestOrder) -> Refusal | None:
    """The case engineer records the lab's receipt on its behalf (the service requires reason and document)."""
    return first(case_engineer_refusal(user, order.case), transition_refusal(TEST_ORDER_FLOW, order, "receive_sample"))


def can_report_test_for_lab(user: Any, order: TestOrder) -> Refusal | None:
    """The case engineer records the lab's report on its behalf (the service requires the reason)."""
    return first(case_engineer_refusal(user, order.case), transition_refusal(TEST_ORDER_FLOW, order, "report"))


def can_cancel_test_order(user: Any, order: TestOrder) -> Refusal | None:
    return first(case_engineer_refusal(user, order.case), transition_refusal(TEST_ORDER_FLOW, order, "cancel"))


# --- inspections ----------------------------------------------------------------------------------


def can_add_finding(user: Any, inspection: Inspection) -> Refusal | None:
    if not is_team_member(user, inspection):
        return forbidden(_("Only members of the inspection team may record findings."))
    if inspection.status != Inspection.Status.PLANNED:
        return Refusal(
            "invalid", _("Findings can only be added before the inspection is completed."), kind=InvalidInput.code
        )
    return None


def can_close_findings(user: Any, inspection: Inspection) -> Refusal | None:
    """The team leader or the case engineer verifies corrective actions and closes nonconformities."""
    if is_team_member(user, inspection, leader=True) or can_manage_case(user, inspection.case):
        return None
    return forbidden(_("Only the team leader or the case engineer may close a nonconformity."))


def can_close_finding(user: Any, finding: Finding) -> Refusal | None:
    from .models import FINDING_FLOW

    return first(can_close_findings(user, finding.inspection), transition_refusal(FINDING_FLOW, finding, "close"))


def can_complete_inspection(user: Any, inspection: Inspection) -> Refusal | None:
    return first(
        None
        if is_team_member(user, inspection, leader=True)
        else forbidden(_("Only the team leader may complete the inspection.")),
        transition_refusal(INSPECTION_FLOW, inspection, "complete"),
    )


def can_cancel_inspection(user: Any, inspection: Inspection) -> Refusal | None:
    return first(
        case_engineer_refusal(user, inspection.case), transition_refusal(INSPECTION_FLOW, inspection, "cancel")
    )


# --- certificate status decisions (registered with certbody.certificates.permissions at start-up) -----------------


def current_cases(certificate: Any) -> list[Any]:
    """The evaluations a certificate's status now rests on: the application behind its current version, any open
    application on it (change, extension, recertification), its surveillance in progress and its latest completed
    one."""
    latest = certificate.versions.order_by("-version_no").values_list("decision__application_id", flat=True).first()
    applications = Application.objects.filter(
        Q(pk=latest) | Q(certificate=certificate, status__in=Application.OPEN)
    ).select_related("scheme", "organisation")
    surveillances = certificate.surveillances.filter(status=Surveillance.Status.IN_PROGRESS)
    completed = certificate.surveillances.filter(status=Surveillance.Status.COMPLETED).order_by("-sequence_no")[:1]
    return [*applications, *surveillances, *completed]


def certificate_independence_refusal(user: Any, certificate: Any) -> Refusal | None:
    """A status decision on a certificate is a decision (ISO/IEC 17065 7.6, 7.11): not by anyone who took part in
    its current evaluation or surveillance. The people rule engine's independence rule decides who took part."""
    engine = rules()
    for case in current_cases(certificate):
        kwargs = {"surveillance": case} if isinstance(case, Surveillance) else {"application": case}
        parts = engine.involvements([user.pk], role=engine.roles.DECISION_MAKER, **kwargs).get(user.pk)
        if parts:
            return Refusal(
                NotIndependent.code,
                _(
                    "%(user)s took part in the evaluation of %(case)s (%(parts)s) and so may not decide the "
                    "status of certificate %(certificate)s (ISO/IEC 17065 7.6, 7.11)."
                )
                % {"user": user, "case": case, "parts": "、".join(parts), "certificate": certificate.number},
                {"parts": parts, "rules": [{"rule": "independence", "person": str(user)}]},
                role_ok=True,
            )
    return None
