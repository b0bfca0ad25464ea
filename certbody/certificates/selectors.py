"""Reads of certificates, filtered by who asks."""

from __future__ import annotations

from typing import Any

from django.db.models import F, Q, QuerySet

from certbody.clients.models import Organisation
from certbody.core.permissions import has_role
from certbody.core.roles import Role

from .models import Certificate

# Roles that see every certificate (certificates are public records; the console shows more).
ALL_CERTIFICATES = (
    Role.MARKET,
    Role.ENGINEER,
    Role.INSPECTOR,
    Role.REVIEWER,
    Role.DECIDER,
    Role.QUALITY,
    Role.HR,
    Role.MANAGEMENT,
    Role.REGULATOR,
    Role.ADMIN,
)


def certificates_for(user: Any) -> QuerySet[Certificate]:
    qs = Certificate.objects.all()
    if has_role(user, *ALL_CERTIFICATES):
        return qs
    from certbody.core.permissions import client_organisation_id

    organisation_id = client_organisation_id(user)
    return qs.filter(organisation_id=organisation_id) if organisation_id is not None else qs.none()


# A holder search naming more organisations than this is too vague to be useful; the first ones are used.
MAX_HOLDERS = 2000
# Fewer matching certificates than this are cheaper to sort than to find by walking the date index.
SORT_MATCHES_BELOW = 50_000


def holder_matches(qs: QuerySet[Certificate], term: str) -> tuple[QuerySet[Certificate], bool]:
    """Certificates whose holder's name contains `term` (Chinese or English), and whether they are few.

    The substring is looked up in the organisation table (thousands of rows), not scanned
    across a million certificates: any term length works, and no match costs nothing.
    The certificates are then found through the (organisation, status) index.
    """
    term = term.strip()
    holders = list(
        Organisation.objects.filter(Q(name__contains=term) | Q(name_en__icontains=term)).values_list("pk", flat=True)[
            :MAX_HOLDERS
        ]
    )
    few = Certificate.objects.filter(organisation_id__in=holders).order_by().values("pk")[:SORT_MATCHES_BELOW].count()
    if few < SORT_MATCHES_BELOW:
        return qs.filter(organisation_id__in=holders), True
    # Many matches: walking the date index finds a page at once. `+ 0` keeps the planner off the
    # organisation index, through which it would fetch and sort hundreds of thousands of rows.
    return qs.alias(holder_key=F("organisation_id") + 0).filter(holder_key__in=holders), False
