from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificationConfig(AppConfig):
    name = "certbody.certification"
    label = "certification"
    verbose_name = _("Certification")

    def ready(self) -> None:
        # A certificate that ends (withdrawn, cancelled, expired) needs no more surveillance: certificates announce
        # it, the surveillance workflow here acts on it in the same transaction.
        # Likewise a withdrawn application: its open evaluation is cancelled.
        from certbody.applications.services import application_withdrawn
        from certbody.certificates.permissions import register_independence_check
        from certbody.certificates.services import certificate_ended

        from .permissions import certificate_independence_refusal
        from .services.evaluation import cancel_when_application_withdrawn
        from .services.surveillance import cancel_when_certificate_ended

        register_independence_check(certificate_independence_refusal)
        certificate_ended.connect(cancel_when_certificate_ended, dispatch_uid="certification.surveillance_ended")
        application_withdrawn.connect(cancel_when_application_withdrawn, dispatch_uid="certification.withdrawn")
