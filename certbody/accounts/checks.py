"""`check --deploy`: a production server must enforce the second factor for deciding and administering roles."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def two_factor_enforced(app_configs, **kwargs):
    if settings.CERTBODY_2FA_ENFORCED:
        return []
    return [
        Warning(
            "CERTBODY_2FA_ENFORCED is off: deciding and administering roles can sign in with a password alone.",
            hint="Unset CERTBODY_2FA_ENFORCED (or set it to 1) outside a demo or development server.",
            id="certbody.W001",
        )
    ]
