"""Forms of the application pages."""

from __future__ import annotations

import re

from django import forms
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from certbody.certification.models import Decision, TechnicalReview
from certbody.clients.models import Manufacturer, Organisation, ProductionSite
from certbody.core.permissions import has_role
from certbody.core.roles import Role
from certbody.core.views import ActionForm, UserChoiceField, date_field, text_area, users_with_role
from certbody.schemes.models import Scheme

from . import checklist
from .models import Application

ORGANISATION_RESULTS = 10


def search_organisations(query: str, limit: int = ORGANISATION_RESULTS + 1) -> list[Organisation]:
    """Client organisations matching a name, English name or credit code: never the whole table."""
    query = (query or "").strip()
    if not query:
        return []
    condition = Q(name__icontains=query) | Q(name_en__icontains=query)
    if len(query) == 18:
        condition |= Q(uscc=query.upper())
    return list(Organisation.objects.filter(condition).order_by("name")[:limit])


def _any(choices) -> list:
    return [("", _("Any")), *choices]


class ApplicationFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Number, client or title")}),
    )
    status = forms.ChoiceField(label=_("Status"), required=False, choices=_any(Application.Status.choices))
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=_any(Application.Kind.choices))
    scheme = forms.ModelChoiceField(
        label=_("Scheme"),
        required=False,
        empty_label=_("Any"),
        queryset=Scheme.objects.order_by("category__sort_order", "code"),
    )


class ApplicationCreateForm(forms.Form):
    """Clients apply for their own organisation; market staff find the organisation by searching."""

    organisation_query = forms.CharField(
        label=_("Client organisation"),
        max_length=200,
        required=False,
        help_text=_("Type part of the name or the unified social credit code, then choose."),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    scheme = forms.ModelChoiceField(
        label=_("Scheme"),
        empty_label=_("Choose a scheme"),
        queryset=Scheme.objects.filter(is_active=True)
        .select_related("category")
        .order_by("category__sort_order", "code"),
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        help_text=_("Usually the product and the scheme, e.g. “Mobile banking client V6 — client software”."),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.candidates: list[Organisation] = []
        self.organisation: Organisation | None = None
        self.own_organisation = None
        if (
            user is not None
            and has_role(user, Role.CLIENT)
            and user.organisation_id
            and not has_role(user, Role.MARKET)
        ):
            self.own_organisation = user.organisation
            del self.fields["organisation_query"]
        else:
            field = self.fields["organisation_query"]
            field.required = True
            field.widget.attrs.update(
                {
                    "hx-get": reverse("applications:organisation_search"),
                    "hx-trigger": "input changed delay:300ms, search",
                    "hx-target": "#org-candidates",
                    "hx-sync": "this:replace",
                }
            )
        self.fields["scheme"].label_from_instance = lambda s: f"{s.code} · {s.name}"

    @property
    def picks_organisation(self) -> bool:
        return "organisation_query" in self.fields

    def chosen_id(self) -> int | None:
        raw = (self.data.get("organisation") or "").strip()
        return int(raw) if raw.isdigit() else None

    def clean(self):
        data = super().clean()
        if not self.picks_organisation:
            self.organisation = self.own_organisation
            return data
        query = (data.get("organisation_query") or "").strip()
        chosen = self.chosen_id()
        if chosen is not None:
            self.organisation = Organisation.objects.filter(pk=chosen).first()
        if self.organisation is None and query:
            matches = search_organisations(query)
            exact = [o for o in matches if o.name == query or (o.uscc or "") == query.upper()]
            if len(exact) == 1:
                self.organisation = exact[0]
            elif len(matches) == 1:
                self.organisation = matches[0]
            else:
                self.candidates = matches[:ORGANISATION_RESULTS]
                if matches:
                    self.add_error("organisation_query", _("Several organisations match: choose one below."))
                else:
                    self.add_error("organisation_query", _("No client organisation matches “%(q)s”.") % {"q": query})
        if self.organisation is not None:
            # Shown again, already chosen, if the page comes back with another error.
            self.candidates = [self.organisation]
        return data


def split_models(text: str) -> list[str]:
    return [m.strip() for m in re.split(r"[\n,，、;；]+", text or "") if m.strip()]


class UnitAddForm(ActionForm):
    product_name = forms.CharField(label=_("Product name"), max_length=200)
    product_name_en = forms.CharField(label=_("Product name (English)"), max_length=250, required=False)
    trademark = forms.CharField(label=_("Trademark"), max_length=100, required=False)
    model_names = forms.CharField(
        label=_("Models"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One per line or separated by commas."),
    )
    version = forms.CharField(label=_("Version"), max_length=60)
    manufacturer = forms.ModelChoiceField(label=_("Manufacturer"), queryset=None, empty_label=_("Choose…"))
    production_site = forms.ModelChoiceField(label=_("Production site"), queryset=None, empty_label=_("Choose…"))
    difference_statement = text_area(
        _("Difference statement"), required=False, rows=2, help_text=_("Required when the unit covers several models.")
    )

    def setup(self) -> None:
        org_id = self.obj.organisation_id
        self.fields["manufacturer"].queryset = Manufacturer.objects.filter(organisation_id=org_id)
        self.fields["production_site"].queryset = ProductionSite.objects.filter(
            manufacturer__organisation_id=org_id
        ).select_related("manufacturer")
        self.fields["production_site"].label_from_instance = lambda s: f"{s.name} ({s.manufacturer.name})"
        if not self.fields["manufacturer"].queryset.exists():
            self.fields["manufacturer"].help_text = _(
                "This client has no manufacturer on record yet; ask the certification body to add one."
            )

    def clean_model_names(self) -> list[str]:
        return split_models(self.cleaned_data["model_names"])


class ManufacturerAddForm(ActionForm):
    name = forms.CharField(label=_("Manufacturer name"), max_length=200)
    name_en = forms.CharField(label=_("Name (English)"), max_length=250, required=False)
    address = forms.CharField(label=_("Address"), max_length=300)


class SiteAddForm(ActionForm):
    manufacturer = forms.ModelChoiceField(label=_("Manufacturer"), queryset=None)
    name = forms.CharField(label=_("Site name"), max_length=200)
    address = forms.CharField(label=_("Address"), max_length=300)

    def setup(self) -> None:
        self.fields["manufacturer"].queryset = Manufacturer.objects.filter(organisation_id=self.obj.organisation_id)


class UnitRemoveForm(ActionForm):
    unit = forms.ModelChoiceField(label=_("Certification unit"), queryset=None)

    def setup(self) -> None:
        self.fields["unit"].queryset = self.obj.units.all()


class ReturnForm(ActionForm):
    reason = text_area(_("What is missing"))
    missing_items = forms.MultipleChoiceField(
        label=_("Documents to provide again"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The client sees these items marked on the checklist."),
    )

    def setup(self) -> None:
        self.fields["missing_items"].choices = [(i.code, i.label) for i in checklist.for_application(self.obj)]


class AcceptForm(ActionForm):
    contract_number = forms.CharField(label=_("Contract number"), max_length=60)
    fee = forms.DecimalField(label=_("Fee (CNY)"), min_value=0, max_digits=12, decimal_places=2)
    signed_on = date_field(_("Contract signed on"))
    engineer = UserChoiceField(label=_("Certification engineer"), queryset=None, required=False)
    evaluation_required = forms.BooleanField(label=_("Evaluation required"), required=False, initial=True)
    terms_version = forms.CharField(label=_("Terms version"), max_length=30, required=False)
    review_notes = text_area(_("Contract review notes"), required=False, rows=2)

    def setup(self) -> None:
        self.fields["engineer"].queryset = users_with_role(Role.ENGINEER)
        self.fields["signed_on"].initial = timezone.localdate()
        if self.obj.kind == Application.Kind.INITIAL:
            self.fields["evaluation_required"].help_text = _("An initial certification always needs an evaluation.")


class StartEvaluationForm(ActionForm):
    engineer = UserChoiceField(
        label=_("Certification engineer"),
        queryset=None,
        required=False,
        help_text=_("Leave empty to keep the one assigned."),
    )

    def setup(self) -> None:
        if self.user is not None and self.user.has_role(Role.MARKET):
            self.fields["engineer"].queryset = users_with_role(Role.ENGINEER)
            self.fields["engineer"].initial = self.obj.engineer_id
        else:
            del self.fields["engineer"]


class AssignReviewerForm(ActionForm):
    reviewer = UserChoiceField(label=_("Technical reviewer"), queryset=None)

    def setup(self) -> None:
        self.fields["reviewer"].queryset = users_with_role(Role.REVIEWER)
        self.fields["reviewer"].initial = self.obj.reviewer_id


class ReviewForm(ActionForm):
    recommendation = forms.ChoiceField(
        label=_("Recommendation"), choices=TechnicalReview.Recommendation.choices, widget=forms.RadioSelect
    )
    comments = text_area(_("Comments"), required=False, help_text=_("Required for a recommendation to refuse."))


class DecideForm(ActionForm):
    outcome = forms.ChoiceField(label=_("Decision"), choices=Decision.Outcome.choices, widget=forms.RadioSelect)
    reason = text_area(
        _("Reason"), required=False, help_text=_("Required to refuse, or to differ from the reviewer's recommendation.")
    )
    issued_on = date_field(
        _("Grant date"), required=False, help_text=_("Defaults to today; not earlier than the decision.")
    )

    def setup(self) -> None:
        latest = self.obj.reviews.order_by("-completed_at").first()
        if latest is not None:
            self.fields["outcome"].initial = latest.recommendation
