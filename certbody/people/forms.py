"""Forms of the people pages: input only; the services validate and decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from certbody.clients.models import Organisation
from certbody.core.views import ActionForm, date_field, text_area
from certbody.schemes.models import ProductCategory, Scheme

from .models import (
    AssignmentRole,
    Authorisation,
    CommitteeMember,
    Conflict,
    Course,
    Department,
    Evaluation,
    Person,
    Registration,
    Risk,
    Training,
)

ASSIGNABLE_ROLES = [(r.value, r.label) for r in AssignmentRole if r != AssignmentRole.LAB]
# The roles of 岗位授权 (the engine checks these; engineers need no authorisation).
AUTHORISED_ROLES = [
    (r.value, r.label) for r in AssignmentRole if r not in (AssignmentRole.LAB, AssignmentRole.ENGINEER)
]


class OrganisationField(forms.ModelChoiceField):
    """A client named by its exact registered name or USCC (never a <select> of every client)."""

    widget = forms.TextInput

    def __init__(self, **kwargs):
        super().__init__(queryset=Organisation.objects.all(), **kwargs)

    def to_python(self, value):
        value = (value or "").strip()
        if not value:
            return None
        found = Organisation.objects.filter(name=value).first() or Organisation.objects.filter(uscc=value).first()
        if found is None:
            raise forms.ValidationError(_("No client with this name or code."))
        return found

    def prepare_value(self, value):
        return value.name if isinstance(value, Organisation) else value


def _people():
    return Person.objects.filter(left_on__isnull=True).order_by("name")


class PersonForm(forms.Form):
    required_css_class = "required"
    name = forms.CharField(label=_("Name"), max_length=100)
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.all(), required=False)
    employment = forms.ChoiceField(label=_("Employment type"), choices=Person.Employment.choices)
    joined_on = date_field(_("Joined on"), required=False)
    single_cb_declared_on = date_field(_("Declared practising at this certification body only, on"), required=False)


class RegistrationForm(ActionForm):
    family = forms.ChoiceField(label=_("Scheme family"), choices=Registration.Family.choices)
    level = forms.ChoiceField(label=_("Level"), choices=Registration.Level.choices)
    number = forms.CharField(label=_("Registration number"), max_length=60)
    valid_from = date_field(_("Valid from"))
    valid_until = date_field(_("Valid until"))
    specialties = forms.ModelMultipleChoiceField(
        label=_("Specialties"), queryset=ProductCategory.objects.all(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    inspections_in_period = forms.IntegerField(label=_("Inspections in the period"), min_value=0, initial=0)
    renewal_evidence = text_area(_("Renewal evidence"), required=False, rows=2)


class AuthorisationForm(ActionForm):
    role = forms.ChoiceField(label=_("Role"), choices=AUTHORISED_ROLES)
    valid_from = date_field(_("Valid from"))
    valid_until = date_field(_("Valid until"))
    all_categories = forms.BooleanField(label=_("All product categories"), required=False)
    categories = forms.ModelMultipleChoiceField(
        label=_("Categories"), queryset=ProductCategory.objects.all(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    schemes = forms.ModelMultipleChoiceField(label=_("Schemes"), queryset=Scheme.objects.all(), required=False)


class AuthorisationChangeForm(ActionForm):
    authorisation = forms.ModelChoiceField(label=_("Authorisation"), queryset=Authorisation.objects.none())
    step = forms.ChoiceField(
        label=_("Step"),
        choices=[("suspend", _("Suspend")), ("reinstate", _("Reinstate")), ("revoke", _("Revoke"))],
    )
    reason = text_area(_("Reason"), rows=2)

    def setup(self) -> None:
        self.fields["authorisation"].queryset = self.obj.authorisations.exclude(status=Authorisation.Status.REVOKED)


class TrainingForm(ActionForm):
    course = forms.ModelChoiceField(label=_("Course"), queryset=Course.objects.all())
    attended_on = date_field(_("Date"))
    hours = forms.DecimalField(label=_("Hours"), min_value=0, max_digits=5, decimal_places=1, required=False)
    attended = forms.BooleanField(label=_("Attended"), required=False, initial=True)
    exam = forms.ChoiceField(label=_("Exam result"), choices=Training.Exam.choices)
    score = forms.IntegerField(label=_("Score"), min_value=0, max_value=100, required=False)


class EvaluationForm(ActionForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=Evaluation.Kind.choices)
    evaluated_on = date_field(_("Date"))
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Evaluation.Outcome.choices)
    evidence = text_area(_("Evidence"), rows=2)


class ConflictForm(ActionForm):
    organisation = OrganisationField(label=_("Client (exact name or USCC)"))
    kind = forms.ChoiceField(label=_("Kind"), choices=Conflict.Kind.choices)
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
    started_on = date_field(_("From"))
    ended_on = date_field(_("Until"), required=False, help_text=_("Empty while the interest lasts."))


class ConsultancyForm(forms.Form):
    required_css_class = "required"
    organisation = OrganisationField(label=_("Client (exact name or USCC)"))
    description = forms.CharField(label=_("Description"), max_length=300)
    started_on = date_field(_("Started on"))
    ended_on = date_field(_("Ended on"), required=False)
    consultants = forms.ModelMultipleChoiceField(label=_("Consultants"), queryset=Person.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["consultants"].queryset = _people()


class CommitteeMemberForm(forms.Form):
    required_css_class = "required"
    name = forms.CharField(label=_("Name"), max_length=100)
    organisation_name = forms.CharField(label=_("Organisation"), max_length=200, required=False)
    group = forms.ChoiceField(label=_("Stakeholder group"), choices=CommitteeMember.Group.choices)
    joined_on = date_field(_("Joined on"))


class MeetingForm(forms.Form):
    required_css_class = "required"
    held_on = date_field(_("Held on"))
    title = forms.CharField(label=_("Title"), max_length=200)
    minutes = text_area(_("Minutes"), required=False, rows=4)
    decision = text_area(_("Decision"), required=False, rows=2)
    follow_up = text_area(_("Follow-up"), required=False, rows=2)
    owner = forms.CharField(label=_("Owner"), max_length=100, required=False)
    due_on = date_field(_("Due on"), required=False)


class RiskForm(forms.Form):
    required_css_class = "required"
    title = forms.CharField(label=_("Risk"), max_length=300)
    threat = forms.ChoiceField(label=_("Threat"), choices=Risk.Threat.choices)
    likelihood = forms.IntegerField(label=_("Likelihood (1–5)"), min_value=1, max_value=5)
    impact = forms.IntegerField(label=_("Impact (1–5)"), min_value=1, max_value=5)
    controls = text_area(_("Controls"), required=False, rows=2)
    review_on = date_field(_("Review date"), required=False)


class RiskCheckForm(forms.Form):
    required_css_class = "required"
    risk = forms.ModelChoiceField(label=_("Risk"), queryset=Risk.objects.all(), empty_label=_("Choose…"))
    checked_on = date_field(_("Checked on"))
    effective = forms.BooleanField(label=_("Controls effective"), required=False)
    notes = text_area(_("Notes"), required=False, rows=2)


class SuggestionForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=ASSIGNABLE_ROLES)
    application = forms.CharField(label=_("Application number"), max_length=40)


class OverrideRequestForm(forms.Form):
    required_css_class = "required"
    role = forms.ChoiceField(label=_("Role"), choices=[(r.value, r.label) for r in AssignmentRole])
    username = forms.CharField(label=_("Person (username)"), max_length=150, required=False)
    lab = forms.CharField(label=_("Laboratory (name)"), max_length=200, required=False)
    application = forms.CharField(label=_("Application number"), max_length=40)
    reason = text_area(_("Reason"), rows=2)


class OverrideDecisionForm(forms.Form):
    override = forms.IntegerField(widget=forms.HiddenInput)
    approve = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("1", _("Approve")), ("0", _("Reject"))],
        coerce=lambda v: v == "1",
    )
    reason = text_area(_("Reason"), rows=2)


class DeclarationForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2199)
    interests = text_area(
        _("Interests to declare"),
        required=False,
        rows=3,
        help_text=_("Employment, consultancy, relatives or shareholdings at clients; empty if none."),
    )
    confirm = forms.BooleanField(
        label=_("I declare that I will act impartially and keep confidential what I learn in certification work.")
    )
