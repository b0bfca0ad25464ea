from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "certbody.portal"
    verbose_name = _("Client portal")

    def ready(self) -> None:
        from . import notify  # noqa: F401  (connects the status-change receiver)
