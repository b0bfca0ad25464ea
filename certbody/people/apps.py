from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "certbody.people"
    label = "people"
    verbose_name = _("People and impartiality")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The people rules' configurable facts join the project's settings table (core.config).
        from certbody.core.config import DEFAULTS

        from .config import PEOPLE_DEFAULTS

        for key, value in PEOPLE_DEFAULTS.items():
            DEFAULTS.setdefault(key, value)
