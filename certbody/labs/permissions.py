"""Who may keep the register of partner laboratories: one check per step, `can_<verb>(user, obj) -> Refusal | None`
(see certbody.core.permissions). Services run it first with `refuse_if`."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from certbody.core.permissions import Refusal, forbidden, has_role
from certbody.core.roles import Role

LAB_KEEPERS = (Role.QUALITY, Role.ADMIN)


def can_register_lab(user: Any, obj: Any = None) -> Refusal | None:
    # user None: system set-up (data loading, scenarios), as elsewhere in the project.
    if user is None or has_role(user, *LAB_KEEPERS):
        return None
    return forbidden(_("Only quality staff may register labs."))
