"""Forms of the public website and of its staff pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from certbody.core.views import ActionForm, date_field, text_area
from certbody.schemes.models import ProductCategory, Scheme

from .models import ComplaintIntake, DocumentKind


class QueryForm(forms.Form):
    """The certificate query: at least one of the three."""

    number = forms.CharField(label=_("Certificate number"), required=False, max_length=60)
    holder = forms.CharField(label=_("Certificate holder"), required=False, max_length=100)
    product = forms.CharField(label=_("Product"), required=False, max_length=100)

    def clean(self):
        data = super().clean()
        if not any((data.get(k) or "").strip() for k in ("number", "holder", "product")):
            raise forms.ValidationError(_("Enter a certificate number, a holder or a product."))
        return data


class ComplaintForm(forms.Form):
    required_css_class = "required"

    submit_token = forms.CharField(label=_("submission token"), widget=forms.HiddenInput, max_length=64)
    topic = forms.ChoiceField(
        label=_("What is the complaint about?"), choices=[("", _("Choose…")), *ComplaintIntake.Topic.choices]
    )
    name = forms.CharField(label=_("Your name"), max_length=100)
    organisation = forms.CharField(label=_("Organisation"), max_length=200, required=False)
    email = forms.EmailField(
        label=_("E-mail"), required=False, help_text=_("We send the acknowledgement with the tracking number here.")
    )
    phone = forms.CharField(
        label=_("Phone"), max_length=40, required=False, help_text=_("Give an e-mail address, a phone number or both.")
    )
    certificate_number = forms.CharField(
        label=_("Certificate number (if the complaint concerns one)"), max_length=60, required=False
    )
    description = forms.CharField(
        label=_("What happened?"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Say what, when and where; name the product or people concerned."),
    )

    def clean(self):
        data = super().clean()
        if not (data.get("email") or "").strip() and not (data.get("phone") or "").strip() and not self.errors:
            self.add_error("email", _("Give an e-mail address or a phone number so that we can reply."))
        return data


class DocumentCreateForm(forms.Form):
    required_css_class = "required"

    kind = forms.ChoiceField(label=_("Kind"), choices=DocumentKind.choices)
    code = forms.CharField(label=_("Document code"), max_length=60, required=False)
    title_zh = forms.CharField(label=_("Title (Chinese)"), max_length=200)
    title_en = forms.CharField(label=_("Title (English)"), max_length=250, required=False)
    scheme = forms.ModelChoiceField(
        label=_("Scheme"),
        queryset=Scheme.objects.order_by("code"),
        required=False,
        empty_label=_("None (applies to all)"),
    )
    year = forms.IntegerField(
        label=_("Report year"), required=False, min_value=2000, max_value=2100, help_text=_("For CSR reports.")
    )


class PublishVersionForm(ActionForm):
    version = forms.CharField(label=_("Version"), max_length=30, help_text=_("e.g. V1.1/0"))
    effective_from = date_field(_("Effective from"))
    change_note = forms.CharField(label=_("What changed"), max_length=300, required=False)
    file = forms.FileField(
        label=_("File"), help_text=_("Rules and reports: PDF. Forms and templates: PDF, Word or Excel.")
    )


class NoteForm(ActionForm):
    note = text_area(_("Note"))


class FeeForm(forms.Form):
    required_css_class = "required"

    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=ProductCategory.objects.order_by("sort_order", "code"),
        required=False,
        empty_label=_("Every category"),
    )
    item_zh = forms.CharField(label=_("Fee item (Chinese)"), max_length=150)
    item_en = forms.CharField(label=_("Fee item (English)"), max_length=200, required=False)
    amount = forms.DecimalField(label=_("Amount (CNY)"), max_digits=12, decimal_places=2, required=False, min_value=0)
    unit_zh = forms.CharField(label=_("Charged per (Chinese)"), max_length=60, required=False)
    unit_en = forms.CharField(label=_("Charged per (English)"), max_length=80, required=False)
    note_zh = forms.CharField(label=_("Note (Chinese)"), max_length=300, required=False)
    note_en = forms.CharField(label=_("Note (English)"), max_length=400, required=False)
    sort_order = forms.IntegerField(label=_("Order"), min_value=0, max_value=32767, initial=100)
