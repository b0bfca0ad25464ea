from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicsiteConfig(AppConfig):
    name = "certbody.publicsite"
    label = "publicsite"
    verbose_name = _("Public website")
