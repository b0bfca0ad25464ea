"""Configurable facts of the people rules; staff change them as `SystemSetting` rows."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

PEOPLE_DEFAULTS: dict[str, tuple[Any, Any]] = {
    "conflict_bar_months": (24, _("Months after a conflict of interest ends during which the person is barred")),
    "declaration_grace_days": (31, _("Days into a new year that last year's declaration still counts")),
    "people_alert_days": (60, _("Days before expiry that registrations and authorisations are flagged")),
    "suggestion_workload_days": (90, _("Days of assignments counted as a person's current workload")),
    "assignment_overridable_rules": (
        ["authorised_scope", "lab_scope"],
        _("Assignment rules that a second person may override with a written reason"),
    ),
}
