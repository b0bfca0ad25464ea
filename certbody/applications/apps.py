from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApplicationsConfig(AppConfig):
    name = "certbody.applications"
    label = "applications"
    verbose_name = _("Applications")

    def ready(self) -> None:
        # The applications' configurable facts join the project's settings table (core.config).
        from certbody.core.config import DEFAULTS

        from .config import APPLICATION_DEFAULTS

        for key, value in APPLICATION_DEFAULTS.items():
            DEFAULTS.setdefault(key, value)
