"""Writes of partner laboratories."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from certbody.core.audit import audit_record
from certbody.core.permissions import has_role, require
from certbody.core.roles import Role

from .models import Lab


@transaction.atomic
def lab_create(*, actor: Any, name: str, categories=(), **fields: Any) -> Lab:
    require(actor is None or has_role(actor, Role.QUALITY, Role.ADMIN), _("Only quality staff may register labs."))
    lab = Lab.objects.create(name=name.strip(), **fields)
    if categories:
        lab.categories.set(categories)
    audit_record(
        actor=actor,
        action="lab.create",
        obj=lab,
        after={
            "name": lab.name,
            "accreditation_number": lab.accreditation_number,
            "categories": [c.code for c in categories],
        },
    )
    return lab
