"""Configurable facts of applications; staff change them as `SystemSetting` rows."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

APPLICATION_DEFAULTS: dict[str, tuple[Any, Any]] = {
    "completion_days": (30, _("Days the client has to complete an application returned for completion")),
}
