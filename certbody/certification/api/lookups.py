"""Finding test orders, inspections, surveillances and cases within what the caller may see."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from certbody.api.common import invalid_field, visible
from certbody.applications.api import application_visible
from certbody.applications.models import Application
from certbody.core.errors import NotFound

from ..models import Inspection, Surveillance, TestOrder
from ..permissions import inspections_for, surveillances_for, test_orders_for
from .schemas import CaseIn

TEST_ORDER = gettext_lazy("Test order")
INSPECTION = gettext_lazy("Inspection")
SURVEILLANCE = gettext_lazy("Surveillance")


def test_order_visible(user, order_id: int) -> TestOrder:
    return visible(test_orders_for(user).select_related("lab"), TEST_ORDER, pk=order_id)


def inspection_visible(user, inspection_id: int) -> Inspection:
    return visible(inspections_for(user), INSPECTION, pk=inspection_id)


def surveillance_visible(user, surveillance_id: int) -> Surveillance:
    qs = surveillances_for(user).select_related("certificate", "engineer", "decided_by")
    return visible(qs, SURVEILLANCE, pk=surveillance_id)


def case_visible(user, payload: CaseIn) -> Application | Surveillance:
    """Exactly one case: an application or a surveillance, among those the caller may see."""
    if (payload.application_id is None) == (payload.surveillance_id is None):
        invalid_field("application_id", _("Give either application_id or surveillance_id."))
    if payload.application_id is not None:
        try:
            return application_visible(user, payload.application_id)
        except NotFound:
            invalid_field("application_id", _("Unknown application."))
    try:
        return surveillance_visible(user, payload.surveillance_id)
    except NotFound:
        invalid_field("surveillance_id", _("Unknown surveillance."))


def case_organisation_id(case) -> int:
    return case.organisation_id if isinstance(case, Application) else case.certificate.organisation_id
