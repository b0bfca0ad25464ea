"""Navigation by role for the console layout."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from certbody.core.roles import Role

# (label, url name, roles that see it)
NAV = [
    (_("My tasks"), "console:dashboard", None),
    (
        _("Applications"),
        "applications:list",
        {
            Role.CLIENT,
            Role.MARKET,
            Role.ENGINEER,
            Role.INSPECTOR,
            Role.REVIEWER,
            Role.DECIDER,
            Role.QUALITY,
            Role.MANAGEMENT,
            Role.ADMIN,
        },
    ),
    (
        _("Certificates"),
        "certificates:list",
        {
            Role.CLIENT,
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
        },
    ),
    (
        _("Surveillance"),
        "certification:surveillance_list",
        {
            Role.MARKET,
            Role.ENGINEER,
            Role.INSPECTOR,
            Role.DECIDER,
            Role.QUALITY,
            Role.MANAGEMENT,
            Role.ADMIN,
            Role.CLIENT,
        },
    ),
    (
        _("Test orders"),
        "certification:test_order_list",
        {Role.ENGINEER, Role.LAB, Role.REVIEWER, Role.DECIDER, Role.QUALITY, Role.MANAGEMENT, Role.ADMIN},
    ),
    (
        _("Inspections"),
        "certification:inspection_list",
        {Role.ENGINEER, Role.INSPECTOR, Role.REVIEWER, Role.DECIDER, Role.QUALITY, Role.MANAGEMENT, Role.ADMIN},
    ),
    (
        _("Catalogue"),
        "schemes:list",
        {
            Role.MARKET,
            Role.ENGINEER,
            Role.REVIEWER,
            Role.DECIDER,
            Role.QUALITY,
            Role.MANAGEMENT,
            Role.ADMIN,
            Role.CLIENT,
        },
    ),
    (_("Audit trail"), "console:audit", {Role.QUALITY, Role.MANAGEMENT, Role.ADMIN}),
    (_("People"), "people:list", {Role.HR, Role.QUALITY, Role.MANAGEMENT}),
    (_("Impartiality risks"), "people:risks", {Role.HR, Role.QUALITY, Role.MANAGEMENT}),
    (_("Assignment suggestions"), "people:suggestions", {Role.ENGINEER, Role.MARKET}),
    (_("Client portal"), "portal:home", {Role.CLIENT}),
    (_("Organisations to approve"), "portal:approvals", {Role.MARKET, Role.ADMIN}),
    (_("Public website"), "publicsite:staff", {Role.MARKET, Role.QUALITY, Role.MANAGEMENT, Role.ADMIN}),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    roles = user.role_set
    items = []
    for label, name, allowed in NAV:
        if allowed is None or roles & allowed:
            url = reverse(name)
            active = request.path.startswith(url) and name != "console:dashboard"  # /console/ prefixes other pages
            items.append({"label": label, "url": url, "active": active})
    return {"nav_items": items, "user_roles": [Role(r).label for r in sorted(roles)]}
