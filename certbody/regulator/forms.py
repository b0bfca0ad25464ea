from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from certbody.core.views import date_field

from .models import ExportRun, ImportBatch


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV or XLSX file"))
    mode = forms.ChoiceField(
        label=_("When some rows are invalid"),
        choices=[
            (ImportBatch.Mode.ALL_OR_NOTHING, _("import nothing (all or nothing)")),
            (ImportBatch.Mode.VALID_ROWS, _("import the valid rows")),
        ],
        initial=ImportBatch.Mode.ALL_OR_NOTHING,
        widget=forms.RadioSelect,
    )


class ExportForm(forms.Form):
    kind = forms.ChoiceField(label=_("Export"), choices=ExportRun.Kind.choices)
    changes_only = forms.BooleanField(label=_("Changes since the last export of this kind"), required=False)
    date_from = date_field(_("From"), required=False)
    date_to = date_field(_("To"), required=False)

    def clean(self):
        data = super().clean()
        if not data.get("changes_only") and not (data.get("date_from") and data.get("date_to")):
            raise forms.ValidationError(_("Give a date range, or choose the changes since the last export."))
        return data
