"""Forms of the evaluation pages; the planning forms are shared by applications and surveillances."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from certbody.applications.models import Application
from certbody.clients.models import ProductionSite
from certbody.core.roles import Role
from certbody.core.views import (
    ActionForm,
    UserChoiceField,
    UserMultipleChoiceField,
    date_field,
    text_area,
    users_with_role,
)
from certbody.labs.models import Lab

from .models import Finding, Inspection, Result, Surveillance, TestOrder


def _case_organisation_id(case) -> int:
    return case.organisation_id if isinstance(case, Application) else case.certificate.organisation_id


class TestOrderCreateForm(ActionForm):
    lab = forms.ModelChoiceField(label=_("Laboratory"), queryset=Lab.objects.none())
    purpose = forms.ChoiceField(label=_("Purpose"), choices=TestOrder.Purpose.choices)
    unit = forms.ModelChoiceField(label=_("Certification unit"), queryset=None, required=False)
    sample_description = forms.CharField(label=_("Sample"), max_length=200, required=False)

    def setup(self) -> None:
        self.fields["lab"].queryset = Lab.objects.filter(is_active=True, is_partner=True).order_by("name")
        if isinstance(self.obj, Application):
            # Before certification only type tests are ordered: nothing to choose.
            self.fields["unit"].queryset = self.obj.units.all()
            del self.fields["purpose"]
        else:
            del self.fields["unit"]
            self.fields["purpose"].choices = [
                c for c in TestOrder.Purpose.choices if c[0] != TestOrder.Purpose.TYPE_TEST
            ]


def _suggested(case) -> str:
    """The eligible team leaders, best first (people rule engine): the others are refused with the reasons."""
    from certbody.people.models import AssignmentRole
    from certbody.people.selectors import suggest

    names = [str(s.user) for s in suggest(AssignmentRole.TEAM_LEADER, case=case)[:5]]
    if not names:
        return _("Nobody is eligible to lead this inspection now; ask quality or HR.")
    return _("Suggested (eligible, best first): %(names)s.") % {"names": "、".join(names)}


class InspectionPlanForm(ActionForm):
    planned_on = date_field(_("Planned for"))
    leader = UserChoiceField(label=_("Team leader"), queryset=None)
    members = UserMultipleChoiceField(
        label=_("Team members"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    site = forms.ModelChoiceField(label=_("Site"), queryset=None, required=False)

    def setup(self) -> None:
        inspectors = users_with_role(Role.INSPECTOR)
        self.fields["leader"].queryset = inspectors
        self.fields["members"].queryset = inspectors
        self.fields["members"].help_text = _("Only people with the inspector role are listed.")
        self.fields["leader"].help_text = _suggested(self.obj)
        self.fields["planned_on"].initial = timezone.localdate()
        self.fields["site"].queryset = ProductionSite.objects.filter(
            manufacturer__organisation_id=_case_organisation_id(self.obj)
        ).select_related("manufacturer")
        self.fields["site"].label_from_instance = lambda s: f"{s.manufacturer.name} — {s.name}"

    def clean(self):
        data = super().clean()
        leader = data.get("leader")
        if leader is not None and data.get("members"):
            data["members"] = [m for m in data["members"] if m.pk != leader.pk]
        return data


# --- test orders ------------------------------------------------------------------------------


class SampleSentForm(ActionForm):
    sent_on = date_field(_("Sample sent on"))

    def setup(self) -> None:
        self.fields["sent_on"].initial = timezone.localdate()


class SampleReceivedForm(ActionForm):
    received_on = date_field(_("Sample received on"))

    def setup(self) -> None:
        self.fields["received_on"].initial = timezone.localdate()


class ReportForm(ActionForm):
    report_number = forms.CharField(label=_("Report number"), max_length=60)
    issued_on = date_field(_("Report date"))
    result = forms.ChoiceField(label=_("Result"), choices=Result.choices, widget=forms.RadioSelect)
    report_file = forms.FileField(
        label=_("Test report (PDF)"),
        help_text=_("The file's content is checked; only PDF documents are accepted."),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
    )

    def setup(self) -> None:
        self.fields["issued_on"].initial = timezone.localdate()


# The case engineer records a lab's step only on the lab's behalf: the reason and the lab's document are required
# (the service refuses without them too).
ON_BEHALF_HELP = _("Why the laboratory does not record this itself.")


class SampleReceivedForLabForm(SampleReceivedForm):
    reason = text_area(_("Reason"), help_text=ON_BEHALF_HELP)
    document = forms.FileField(
        label=_("The laboratory's document"),
        help_text=_("The laboratory's own record of the receipt; the file's content is checked."),
    )


class ReportForLabForm(ReportForm):
    reason = text_area(_("Reason"), help_text=ON_BEHALF_HELP)


# --- inspections ------------------------------------------------------------------------------


class FindingAddForm(ActionForm):
    severity = forms.ChoiceField(label=_("Kind of finding"), choices=Finding.Severity.choices)
    clause = forms.CharField(label=_("Requirement / clause"), max_length=100, required=False)
    description = text_area(_("Description"))


class FindingCloseForm(ActionForm):
    finding = forms.ModelChoiceField(label=_("Nonconformity"), queryset=None)
    corrective_action = text_area(_("Corrective action verified"), rows=2)

    def setup(self) -> None:
        self.fields["finding"].queryset = self.obj.findings.filter(status=Finding.Status.OPEN)


class InspectionCompleteForm(ActionForm):
    conclusion = forms.ChoiceField(label=_("Conclusion"), choices=Result.choices, widget=forms.RadioSelect)
    completed_on = date_field(_("Completed on"))
    summary = text_area(_("Summary"), required=False)

    def setup(self) -> None:
        self.fields["completed_on"].initial = timezone.localdate()


# --- surveillance -----------------------------------------------------------------------------


class SurveillanceStartForm(ActionForm):
    engineer = UserChoiceField(
        label=_("Certification engineer"),
        queryset=None,
        required=False,
        help_text=_("Leave empty to run it yourself."),
    )

    def setup(self) -> None:
        if self.user is not None and self.user.has_role(Role.MARKET):
            self.fields["engineer"].queryset = users_with_role(Role.ENGINEER)
        else:
            del self.fields["engineer"]


class SurveillanceOutcomeForm(ActionForm):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Surveillance.Outcome.choices, widget=forms.RadioSelect)
    reason = text_area(_("Reason"), required=False, help_text=_("Required to suspend or withdraw."))


# --- list filters -----------------------------------------------------------------------------


def _any(choices) -> list:
    return [("", _("Any")), *choices]


class TestOrderFilterForm(forms.Form):
    q = forms.CharField(label=_("Number"), required=False, widget=forms.TextInput(attrs={"type": "search"}))
    status = forms.ChoiceField(label=_("Status"), required=False, choices=_any(TestOrder.Status.choices))
    purpose = forms.ChoiceField(label=_("Purpose"), required=False, choices=_any(TestOrder.Purpose.choices))
    lab = forms.ModelChoiceField(
        label=_("Laboratory"), required=False, empty_label=_("Any"), queryset=Lab.objects.order_by("name")
    )

    def __init__(self, *args, show_lab: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not show_lab:
            del self.fields["lab"]


class InspectionFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=_any(Inspection.Status.choices))
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=_any(Inspection.Kind.choices))
    mine = forms.BooleanField(label=_("Only my inspections"), required=False)


class SurveillanceFilterForm(forms.Form):
    OPEN = "open"
    ALL = "all"
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Open (planned or in progress)")), (ALL, _("All")), *Surveillance.Status.choices],
    )
    due_before = date_field(_("Due before"), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    q = forms.CharField(label=_("Certificate number"), required=False, widget=forms.TextInput(attrs={"type": "search"}))
