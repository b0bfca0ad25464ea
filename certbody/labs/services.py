"""Writes of partner laboratories."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from certbody.core.audit import audit_record
from certbody.core.permissions import refuse_if

from .models import Lab
from .permissions import can_register_lab


@transaction.atomic
def lab_create(*, actor: Any, name: str, categories=(), **fields: Any) -> Lab:
    refuse_if(can_register_lab(actor))
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
