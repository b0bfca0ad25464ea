from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Demo data on top of every app: the replayed history (`seed_demo`), the bulk load, the public site's demo
    content, and the scenario builders tests use."""

    name = "certbody.demo"
    label = "demo"
    verbose_name = _("Demo")
