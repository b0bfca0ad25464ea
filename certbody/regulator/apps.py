from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegulatorConfig(AppConfig):
    name = "certbody.regulator"
    label = "regulator"
    verbose_name = _("Regulator exchange")
