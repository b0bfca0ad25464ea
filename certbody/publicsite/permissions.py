"""Who keeps which part of the public website.

Controlled documents (rules, forms, templates, CSR reports) are the quality function's; the fee schedule is
market's (it quotes and contracts); complaints received online go to quality, who run complaint handling.
Management and the administrator may do all of it.
"""

from __future__ import annotations

from typing import Any

from certbody.core.permissions import has_role
from certbody.core.roles import Role

LIBRARY_ROLES = (Role.QUALITY, Role.MANAGEMENT, Role.ADMIN)
FEE_ROLES = (Role.MARKET, Role.MANAGEMENT, Role.ADMIN)
COMPLAINT_ROLES = (Role.QUALITY, Role.MANAGEMENT, Role.ADMIN)
STAFF_ROLES = tuple(dict.fromkeys(LIBRARY_ROLES + FEE_ROLES + COMPLAINT_ROLES))


def can_manage_library(user: Any) -> bool:
    return has_role(user, *LIBRARY_ROLES)


def can_manage_fees(user: Any) -> bool:
    return has_role(user, *FEE_ROLES)


def can_handle_complaints(user: Any) -> bool:
    return has_role(user, *COMPLAINT_ROLES)
