"""Portal forms: they only parse; the services validate and decide."""

from __future__ import annotations

from django import forms
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from certbody.api.common import LONG_TEXT
from certbody.clients.validators import validate_uscc
from certbody.core.views import apply_service_errors, text_area
from certbody.schemes.models import Scheme


class PortalForm(forms.Form):
    required_css_class = "required"

    def apply_errors(self, exc) -> None:
        apply_service_errors(self, exc)


class RegisterForm(PortalForm):
    name = forms.CharField(label=_("Organisation name"), max_length=200)
    uscc = forms.CharField(
        label=_("Unified social credit code"),
        max_length=18,
        validators=[validate_uscc],  # one clear message with the other fields' (the service checks again)
        help_text=_("18 characters, as on the business licence."),
    )
    address = forms.CharField(label=_("Address"), max_length=300)
    contact_name = forms.CharField(label=_("Contact person"), max_length=100)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=40, required=False)
    email = forms.EmailField(label=_("E-mail"), help_text=_("We send a confirmation link to this address."))
    username = forms.CharField(label=_("User name"), max_length=150)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput(render_value=False))
    password2 = forms.CharField(label=_("Password again"), widget=forms.PasswordInput(render_value=False))

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password2") and data["password"] != data["password2"]:
            self.add_error("password2", _("The two passwords differ."))
        return data


class InvitationAcceptForm(PortalForm):
    display_name = forms.CharField(label=_("Your name"), max_length=100)
    username = forms.CharField(label=_("User name"), max_length=150)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput(render_value=False))


class InviteForm(PortalForm):
    email = forms.EmailField(label=_("Colleague's e-mail"))


class StartForm(PortalForm):
    scheme = forms.ModelChoiceField(label=_("Category and scheme"), queryset=Scheme.objects.none(), empty_label=None)
    title = forms.CharField(label=_("Title"), max_length=200, help_text=_("For example: mobile banking app V7"))
    outsourcing = forms.BooleanField(label=_("Part of the development or production is outsourced"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        qs = Scheme.objects.filter(is_active=True).select_related("category").order_by("category__sort_order", "code")
        self.fields["scheme"].queryset = qs
        self.fields["scheme"].label_from_instance = lambda s: f"{s.category} · {s.code} {s.name}"


class UnitForm(PortalForm):
    product_name = forms.CharField(label=_("Product name"), max_length=200)
    model_names = forms.CharField(label=_("Models"), help_text=_("One or more, separated by commas."), max_length=500)
    version = forms.CharField(label=_("Version"), max_length=60)
    trademark = forms.CharField(label=_("Trademark"), max_length=100, required=False)
    manufacturer_name = forms.CharField(label=_("Manufacturer"), max_length=200)
    manufacturer_address = forms.CharField(label=_("Manufacturer's address"), max_length=300)
    site_name = forms.CharField(label=_("Production site"), max_length=200)
    site_address = forms.CharField(label=_("Production site's address"), max_length=300)
    difference_statement = text_area(
        _("Difference statement"), required=False, rows=2, help_text=_("Required when a unit covers several models.")
    )

    def models(self) -> list[str]:
        raw = self.cleaned_data.get("model_names", "").replace("，", ",").replace("、", ",")
        return [m.strip() for m in raw.split(",") if m.strip()]


class OutsourcingForm(PortalForm):
    outsourcing = forms.BooleanField(label=_("Part of the development or production is outsourced"), required=False)


class SubmitForm(PortalForm):
    answer = text_area(_("Your answer"), required=False, rows=4)
    answer.max_length = LONG_TEXT
    answer.validators.append(MaxLengthValidator(LONG_TEXT))

    def __init__(self, *args, returned: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if returned:
            self.fields["answer"].required = True
            self.fields["answer"].help_text = _(
                "Say what you completed; the certification body sees it with the changes."
            )
        else:
            self.fields["answer"].label = _("Note for the certification body")


class MessageForm(PortalForm):
    body = text_area(_("Message"), required=False, rows=3)
    body.max_length = LONG_TEXT
    body.validators.append(MaxLengthValidator(LONG_TEXT))


class WithdrawForm(PortalForm):
    reason = text_area(_("Why you withdraw (optional)"), required=False, rows=3)
    reason.max_length = 500
    reason.validators.append(MaxLengthValidator(500))


class ContractAcceptForm(PortalForm):
    terms_version = forms.CharField(widget=forms.HiddenInput, required=False)
    agree = forms.BooleanField(label=_("I accept the quote and the contract terms on behalf of my organisation"))
