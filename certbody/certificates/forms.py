"""Forms of the certificate pages."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from certbody.applications.models import Application
from certbody.core.views import ActionForm, date_field, text_area
from certbody.schemes.models import ProductCategory, Scheme

from .models import CancellationReason, Certificate, NonconformityCase, SuspensionReason, WithdrawalReason


def _any(choices) -> list:
    return [("", _("Any")), *choices]


class CertificateFilterForm(forms.Form):
    number = forms.CharField(
        label=_("Number starts with"),
        required=False,
        max_length=60,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "NFCC2026"}),
    )
    holder = forms.CharField(
        label=_("Holder"), required=False, max_length=100, widget=forms.TextInput(attrs={"type": "search"})
    )
    status = forms.ChoiceField(label=_("Status"), required=False, choices=_any(Certificate.Status.choices))
    category = forms.ModelChoiceField(
        label=_("Category"), required=False, empty_label=_("Any"), queryset=ProductCategory.objects.all()
    )
    scheme = forms.ModelChoiceField(
        label=_("Scheme"),
        required=False,
        empty_label=_("Any"),
        queryset=Scheme.objects.order_by("category__sort_order", "code"),
    )
    issued_from = date_field(_("Issued from"), required=False)
    issued_to = date_field(_("Issued until"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scheme"].label_from_instance = lambda s: s.code

    def clean(self):
        data = super().clean()
        start, end = data.get("issued_from"), data.get("issued_to")
        if start and end and start > end:
            self.add_error("issued_to", _("The end of the range is before its start."))
        return data


class NonconformityConfirmForm(ActionForm):
    source = forms.ChoiceField(label=_("Source"), choices=NonconformityCase.Source.choices)
    description = text_area(_("Nonconformity"))
    confirmed_on = date_field(_("Confirmed on"), help_text=_("The suspension deadline runs from this date."))

    def setup(self) -> None:
        self.fields["confirmed_on"].initial = timezone.localdate()
        days = self.obj.scheme.suspension_deadline_days
        self.fields["confirmed_on"].help_text = _(
            "The certificate must be suspended within %(days)d days of this date unless the case is resolved."
        ) % {"days": days}


class SuspendForm(ActionForm):
    reason_code = forms.ChoiceField(label=_("Reason code"), choices=SuspensionReason.choices)
    reason = text_area(_("Reason"))
    until = date_field(_("Suspended until"))
    case = forms.ModelChoiceField(label=_("Nonconformity case"), queryset=None, required=False)

    def setup(self) -> None:
        self.fields["case"].queryset = self.obj.nonconformity_cases.filter(status=NonconformityCase.Status.OPEN)
        self.fields["case"].label_from_instance = lambda c: f"{c.confirmed_on:%Y-%m-%d} · {c.description[:60]}"
        self.fields["until"].help_text = _("At most %(days)d days from today (the scheme's maximum).") % {
            "days": self.obj.scheme.max_suspension_days
        }
        if not self.fields["case"].queryset.exists():
            del self.fields["case"]


class WithdrawForm(ActionForm):
    reason_code = forms.ChoiceField(label=_("Reason code"), choices=WithdrawalReason.choices)
    reason = text_area(_("Reason"))


class CancelForm(ActionForm):
    reason_code = forms.ChoiceField(label=_("Reason code"), choices=CancellationReason.choices)
    reason = text_area(_("Reason"))


class RestoreForm(ActionForm):
    reason = text_area(_("Evidence that the nonconformity is corrected"))


class ResolveCaseForm(ActionForm):
    case = forms.ModelChoiceField(label=_("Nonconformity case"), queryset=None)
    resolution = text_area(_("Resolution"), rows=2)

    def setup(self) -> None:
        self.fields["case"].queryset = self.obj.nonconformity_cases.filter(status=NonconformityCase.Status.OPEN)


class NewApplicationForm(ActionForm):
    KINDS = [
        (Application.Kind.CHANGE, Application.Kind.CHANGE.label),
        (Application.Kind.EXTENSION, Application.Kind.EXTENSION.label),
        (Application.Kind.RECERTIFICATION, Application.Kind.RECERTIFICATION.label),
    ]
    kind = forms.ChoiceField(label=_("Kind"), choices=KINDS, widget=forms.RadioSelect)
    title = forms.CharField(label=_("Title"), max_length=200)
    change_description = text_area(_("Description of the change"))

    def setup(self) -> None:
        self.fields["title"].initial = self.obj.product_name
