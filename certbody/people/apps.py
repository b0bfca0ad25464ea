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

        # The lifecycle asks these rules at every assignment without importing people (it sits below).
        from certbody.certification.assignment import AssignmentRules, register

        from . import engine, services
        from .models import AssignmentRole

        register(
            AssignmentRules(
                check=engine.check,
                covered_by_override=engine.covered_by_override,
                refused_error=engine.refused_error,
                ensure_all=services.ensure_all,
                involvements=engine.involvements,
                roles=AssignmentRole,
            )
        )
