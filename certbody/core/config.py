"""Configurable facts with defaults; staff change them as `SystemSetting` rows (admin)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

DEFAULTS: dict[str, tuple[Any, Any]] = {
    "application_review_days": (10, _("Days to review a submitted application")),
    "evaluation_days": (60, _("Days to complete the evaluation after acceptance")),
    "review_days": (10, _("Days for technical review")),
    "decision_days": (10, _("Days for the certification decision")),
    "surveillance_notice_days": (60, _("Days before a surveillance is due that it appears in the work queue")),
    "test_report_days": (30, _("Days a lab has to issue a test report after the sample arrives")),
    "earliest_record_date": ("2000-01-01", _("Earliest date a record may carry (YYYY-MM-DD)")),
}


def get_setting(key: str) -> Any:
    from .models import SystemSetting

    default = DEFAULTS[key][0]
    row = SystemSetting.objects.filter(key=key).only("value").first()
    return default if row is None else row.value
