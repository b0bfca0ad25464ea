"""People pages: personnel and competence records, alerts, headcount, impartiality registers, suggestions, overrides.

HR and quality manage; management reads; the assigning roles see suggestions and overrides; clients never.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from certbody.applications.models import Application
from certbody.core.errors import DomainError
from certbody.core.roles import Role
from certbody.core.views import Action, require_roles, run_actions
from certbody.core.web import query_date, query_int
from certbody.core.workflow import status_history
from certbody.labs.models import Lab

from . import engine, forms, selectors, services
from . import permissions as perms
from .models import (
    AssignmentRole,
    Authorisation,
    CommitteeMeeting,
    CommitteeMember,
    ConsultancyEngagement,
    Department,
    Person,
    Risk,
    not_left_by,
)

READERS = perms.READERS
ASSIGNERS = (Role.ENGINEER, Role.MARKET, Role.QUALITY, Role.MANAGEMENT)
OVERRIDE_PAGE = perms.OVERRIDE_READERS


def _post_form(request: HttpRequest, form_class, run, *, success: Any, prefix: str | None = None):
    """Bind and run one form on a list page; a DomainError is shown on the form, input kept. Returns (form, done)."""
    bound = request.method == "POST" and request.POST.get("form") == (prefix or form_class.__name__)
    form = form_class(request.POST if bound else None)
    if bound and form.is_valid():
        try:
            run(form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, success)
            return form, True
    return form, False


# --- people -----------------------------------------------------------------------------------------------------------


@login_required
def person_list(request: HttpRequest) -> HttpResponse:
    require_roles(request.user, *READERS)
    today = timezone.localdate()

    def create(data):
        person = services.person_create(actor=request.user, **data)
        request.created = person  # type: ignore[attr-defined]

    form, done = _post_form(request, forms.PersonForm, create, success=_("The personnel record was created."))
    if done:
        return redirect("people:detail", request.created.pk)  # type: ignore[attr-defined]
    people = (
        perms.people_for(request.user)
        .select_related("department", "user")
        .annotate(
            valid_registrations=Count(
                "registrations",
                filter=Q(registrations__valid_from__lte=today, registrations__valid_until__gte=today),
                distinct=True,
            ),
            current_authorisations=Count(
                "authorisations",
                filter=Q(
                    authorisations__status=Authorisation.Status.ACTIVE,
                    authorisations__valid_from__lte=today,
                    authorisations__valid_until__gte=today,
                ),
                distinct=True,
            ),
        )
        .order_by("department__sort_order", "name")
    )
    department = request.GET.get("department", "")
    department_id = query_int(department)
    if department_id is not None:
        people = people.filter(department_id=department_id)
    q = (request.GET.get("q") or "").strip()[:100]
    if q:
        people = people.filter(name__contains=q)
    if request.GET.get("former") != "1":
        people = people.filter(not_left_by(today))
    return render(
        request,
        "people/person_list.html",
        {
            "people": people[:1000],
            "departments": Department.objects.all(),
            "department": department,
            "q": q,
            "form": form,
            "can_manage": perms.can_create_person(request.user) is None,
            "headcount": selectors.headcount_by_qualification(today),
        },
        status=200,
    )


def _add_registration(request, person, data):
    services.registration_add(actor=request.user, person=person, **data)


def _grant(request, person, data):
    services.authorisation_grant(actor=request.user, person=person, **data)


def _change(request, person, data):
    services.authorisation_change(
        actor=request.user, authorisation=data["authorisation"], step=data["step"], reason=data["reason"]
    )


def _train(request, person, data):
    services.training_record(actor=request.user, person=person, **data)


def _evaluate(request, person, data):
    services.evaluation_record(actor=request.user, person=person, **data)


def _conflict(request, person, data):
    services.conflict_record(actor=request.user, person=person, **data)


def _person_actions() -> list[Action]:
    return [
        Action(
            "authorisation_grant",
            gettext_lazy("Grant an authorisation"),
            _grant,
            perms.can_grant_authorisation,
            forms.AuthorisationForm,
        ),
        Action(
            "authorisation_change",
            gettext_lazy("Suspend, reinstate or revoke an authorisation"),
            _change,
            perms.can_change_authorisations,
            forms.AuthorisationChangeForm,
            style="danger",
        ),
        Action(
            "registration_add",
            gettext_lazy("Record a CCAA registration"),
            _add_registration,
            perms.can_add_registration,
            forms.RegistrationForm,
            style="secondary",
        ),
        Action(
            "training_record",
            gettext_lazy("Record training"),
            _train,
            perms.can_record_training,
            forms.TrainingForm,
            "secondary",
        ),
        Action(
            "evaluation_record",
            gettext_lazy("Record an evaluation"),
            _evaluate,
            perms.can_record_evaluation,
            forms.EvaluationForm,
            style="secondary",
        ),
        Action(
            "conflict_record",
            gettext_lazy("Record a conflict of interest"),
            _conflict,
            perms.can_record_conflict,
            forms.ConflictForm,
            style="secondary",
        ),
    ]


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_roles(request.user, *READERS)
    person = get_object_or_404(perms.people_for(request.user).select_related("department", "user"), pk=pk)
    state = run_actions(request, person, _person_actions())
    if isinstance(state, HttpResponse):
        return state
    today = timezone.localdate()
    authorisations = list(person.authorisations.prefetch_related("categories", "schemes"))
    return render(
        request,
        "people/person_detail.html",
        {
            "person": person,
            "today": today,
            "registrations": person.registrations.prefetch_related("specialties"),
            "authorisations": [(a, list(status_history(a))) for a in authorisations],
            "trainings": person.trainings.select_related("course"),
            "evaluations": person.evaluations.select_related("evaluator"),
            "declarations": person.declarations.all(),
            "conflicts": person.conflicts.select_related("organisation"),
            "consultancies": person.consultancies.select_related("organisation"),
            "declaration_current": engine.declaration_current(person, today),
            "actions": state,
        },
        status=state.status,
    )


@login_required
def alerts(request: HttpRequest) -> HttpResponse:
    require_roles(request.user, *READERS)
    return render(request, "people/alerts.html", {"alerts": selectors.alerts()})


@login_required
def headcount(request: HttpRequest) -> HttpResponse:
    require_roles(request.user, *READERS)
    on = query_date(request.GET.get("on"), default=timezone.localdate())
    return render(request, "people/headcount.html", {"count": selectors.headcount_by_qualification(on), "on": on})


# --- impartiality -----------------------------------------------------------------------------------------------------


@login_required
def consultancy(request: HttpRequest) -> HttpResponse:
    require_roles(request.user, *READERS)
    form, done = _post_form(
        request,
        forms.ConsultancyForm,
        lambda d: services.consultancy_record(actor=request.user, **d),
        success=_("The consultancy engagement was recorded; its consultants are barred from the client."),
    )
    if done:
        return redirect("people:consultancy")
    engagements = ConsultancyEngagement.objects.select_related("organisation").prefetch_related("consultants")
    return render(
        request,
        "people/consultancy.html",
        {
            "engagements": engagements[:500],
            "form": form,
            "can_manage": perms.can_record_consultancy(request.user) is None,
        },
    )


@login_required
def committee(request: HttpRequest) -> HttpResponse:
    require_roles(request.user, *READERS)
    member_form, member_done = _post_form(
        request,
        forms.CommitteeMemberForm,
        lambda d: services.committee_member_add(actor=request.user, **d),
        success=_("The member was added."),
    )

    def meeting(d):
        decision = {
            "text": d.pop("decision"),
            "follow_up": d.pop("follow_up"),
            "owner": d.pop("owner"),
            "due_on": d.pop("due_on"),
        }
        services.committee_meeting_record(
            actor=request.user,
            attendees=CommitteeMember.objects.filter(left_on__isnull=True),
            decisions=[decision] if decision["text"].strip() else [],
            **d,
        )

    meeting_form, meeting_done = _post_form(request, forms.MeetingForm, meeting, success=_("The meeting was recorded."))
    if member_done or meeting_done:
        return redirect("people:committee")
    return render(
        request,
        "people/committee.html",
        {
            "members": CommitteeMember.objects.all(),
            "meetings": CommitteeMeeting.objects.prefetch_related("decisions", "attendees")[:100],
            "member_form": member_form,
            "meeting_form": meeting_form,
            "can_manage": perms.can_record_committee_meeting(request.user) is None,
        },
    )


@login_required
def risks(request: HttpRequest) -> HttpResponse:
    require_roles(request.user, *READERS)
    risk_form, risk_done = _post_form(
        request,
        forms.RiskForm,
        lambda d: services.risk_create(actor=request.user, owner=request.user, **d),
        success=_("The risk was added to the register."),
    )
    check_form, check_done = _post_form(
        request,
        forms.RiskCheckForm,
        lambda d: services.risk_check_record(actor=request.user, **d),
        success=_("The effectiveness check was recorded."),
    )
    if risk_done or check_done:
        return redirect("people:risks")
    items = sorted(
        Risk.objects.select_related("owner", "engagement", "conflict").prefetch_related("checks")[:500],
        key=lambda r: (r.status != Risk.Status.OPEN, -r.score, -r.pk),
    )
    return render(
        request,
        "people/risks.html",
        {
            "risks": items,
            "risk_form": risk_form,
            "check_form": check_form,
            "can_manage": perms.can_create_risk(request.user) is None,
            "today": timezone.localdate(),
        },
    )


# --- assignment: suggestions and overrides ----------------------------------------------------------------------------


def _application(number: str) -> Application | None:
    return Application.objects.select_related("organisation", "scheme__category").filter(number=number.strip()).first()


@login_required
def suggestions(request: HttpRequest) -> HttpResponse:
    require_roles(request.user, *ASSIGNERS)
    form = forms.SuggestionForm(request.GET or None)
    ranked, refused, application = [], [], None
    if form.is_bound and form.is_valid():
        application = _application(form.cleaned_data["application"])
        if application is None:
            form.add_error("application", _("No application with this number."))
        else:
            role = form.cleaned_data["role"]
            ranked = selectors.suggest(role, case=application)
            eligible = {s.user.pk for s in ranked}
            others = [
                person
                for person in Person.objects.filter(user__isnull=False, left_on__isnull=True).select_related("user")
                if person.user_id not in eligible and person.user.is_active
            ]
            checked = engine.check_many([p.user for p in others], role, case=application)
            for person, reasons in zip(others, checked, strict=True):
                if not any(r.rule in ("personnel", "authorised_role") for r in reasons):
                    refused.append((person, reasons))
    return render(
        request,
        "people/suggestions.html",
        {"form": form, "ranked": ranked, "refused": refused, "application": application},
    )


@login_required
def overrides(request: HttpRequest) -> HttpResponse:
    require_roles(request.user, *OVERRIDE_PAGE)

    def request_override(d):
        application = _application(d["application"])
        if application is None:
            raise DomainError(_("No application with this number."), code="invalid")
        if d["role"] == AssignmentRole.LAB:
            subject = Lab.objects.filter(name=d["lab"].strip()).first()
        else:
            from django.contrib.auth import get_user_model

            subject = get_user_model().objects.filter(username=d["username"].strip(), is_active=True).first()
        if subject is None:
            raise DomainError(_("Name the person (username) or the laboratory."), code="invalid")
        services.override_request(
            actor=request.user, subject=subject, role=d["role"], case=application, reason=d["reason"]
        )

    def decide(d):
        override = perms.overrides_for(request.user).filter(pk=d["override"]).first()
        if override is None:
            raise Http404
        services.override_decide(actor=request.user, override=override, approve=d["approve"], reason=d["reason"])

    request_form, requested = _post_form(
        request, forms.OverrideRequestForm, request_override, success=_("The override was requested.")
    )
    decision_form, decided = _post_form(
        request, forms.OverrideDecisionForm, decide, success=_("The override was decided.")
    )
    if requested or decided:
        return redirect("people:overrides")
    items = list(
        perms.overrides_for(request.user).select_related(
            "user", "lab", "application", "surveillance", "requested_by", "decided_by"
        )[:200]
    )
    for item in items:
        item.decidable = perms.can_decide_override(request.user, item) is None
    return render(
        request,
        "people/overrides.html",
        {
            "overrides": items,
            "request_form": request_form,
            "decision_form": decision_form,
            "can_request": perms.can_request_override(request.user) is None,
            "overridable": engine.rule_labels(sorted(engine.overridable_rules())),
        },
    )


@login_required
def declaration(request: HttpRequest) -> HttpResponse:
    """The signed-in person's own yearly impartiality and confidentiality declaration."""
    person = Person.objects.filter(user=request.user).first()
    if person is None:
        raise PermissionDenied(_("This page is for people with a personnel record."))
    today = timezone.localdate()
    form = forms.DeclarationForm(request.POST or None, initial={"year": today.year})
    if request.method == "POST" and form.is_valid():
        try:
            services.declaration_sign(
                actor=request.user, year=form.cleaned_data["year"], interests=form.cleaned_data["interests"]
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Your declaration is signed."))
            return redirect(reverse("people:declaration"))
    return render(
        request,
        "people/declaration.html",
        {
            "person": person,
            "form": form,
            "declarations": person.declarations.all(),
            "current": engine.declaration_current(person, today),
        },
    )
