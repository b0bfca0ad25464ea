from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Configurable facts of the portal, editable by staff like the core ones (SystemSetting rows).
PORTAL_DEFAULTS = {
    "completion_days": (30, _("Days the client has to complete an application returned for completion")),
}


class PortalConfig(AppConfig):
    name = "certbody.portal"
    verbose_name = _("Client portal")

    def ready(self) -> None:
        from certbody.core.config import DEFAULTS

        from . import notify  # noqa: F401  (connects the status-change receiver)

        for key, value in PORTAL_DEFAULTS.items():
            DEFAULTS.setdefault(key, value)
