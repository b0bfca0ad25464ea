from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsoleConfig(AppConfig):
    """The staff console: the work queue, the audit trail page, navigation and the console template tags."""

    name = "certbody.console"
    label = "console"
    verbose_name = _("Console")
