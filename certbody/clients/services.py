"""Writes of client organisations, manufacturers and production sites."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from certbody.core.audit import audit_record
from certbody.core.errors import InvalidInput
from certbody.core.permissions import has_role, is_member_of, require
from certbody.core.roles import Role

from .models import Manufacturer, Organisation, ProductionSite


def _require_staff_or_system(actor: Any) -> None:
    # actor None is the system itself (data loading); people need a staff role.
    require(actor is None or has_role(actor, Role.MARKET, Role.ADMIN), _("Only market staff may register clients."))


def _validated(obj) -> None:
    try:
        obj.full_clean(exclude=[f.name for f in obj._meta.fields if f.is_relation])
    except ValidationError as exc:
        fields = {k: " ".join(str(m) for m in v) for k, v in exc.message_dict.items()}
        raise InvalidInput(" ".join(fields.values()), details={"fields": fields})


def _record(obj) -> dict:
    return {f.name: getattr(obj, f.attname) for f in obj._meta.concrete_fields if f.name not in ("id", "created_at")}


@transaction.atomic
def organisation_create(*, actor: Any, name: str, address: str, **fields: Any) -> Organisation:
    _require_staff_or_system(actor)
    organisation = Organisation(name=(name or "").strip(), address=(address or "").strip(), **fields)
    if organisation.uscc:
        organisation.uscc = organisation.uscc.strip().upper()
    _validated(organisation)
    organisation.save()
    audit_record(actor=actor, action="organisation.create", obj=organisation, after=_record(organisation))
    return organisation


@transaction.atomic
def manufacturer_create(
    *, actor: Any, organisation: Organisation, name: str, address: str, name_en: str = ""
) -> Manufacturer:
    require(
        actor is None or has_role(actor, Role.MARKET, Role.ADMIN) or is_member_of(actor, organisation.pk),
        _("Only the client's own users or market staff may do this."),
    )
    manufacturer = Manufacturer(organisation=organisation, name=(name or "").strip(), name_en=name_en, address=address)
    _validated(manufacturer)
    manufacturer.save()
    audit_record(
        actor=actor, action="manufacturer.create", obj=manufacturer, after=_record(manufacturer), subject=organisation
    )
    return manufacturer


@transaction.atomic
def production_site_create(*, actor: Any, manufacturer: Manufacturer, name: str, address: str) -> ProductionSite:
    require(
        actor is None or has_role(actor, Role.MARKET, Role.ADMIN) or is_member_of(actor, manufacturer.organisation_id),
        _("Only the client's own users or market staff may do this."),
    )
    site = ProductionSite(manufacturer=manufacturer, name=(name or "").strip(), address=address)
    _validated(site)
    site.save()
    audit_record(
        actor=actor, action="production_site.create", obj=site, after=_record(site), subject=manufacturer.organisation
    )
    return site


@transaction.atomic
def organisations_create_bulk(*, actor: Any, records: list[dict[str, Any]], reason: str = "") -> list[Organisation]:
    """Create many organisations at once (legacy import): each validated, one INSERT, one audit event for them all.

    The event lists every organisation created (id, name, code), so the trail is as complete as one event each.
    """
    _require_staff_or_system(actor)
    organisations = []
    for record in records:
        organisation = Organisation(**record)
        organisation.name = (organisation.name or "").strip()
        organisation.address = (organisation.address or "").strip()
        if organisation.uscc:
            organisation.uscc = organisation.uscc.strip().upper()
        try:
            # Field rules only: uniqueness is the database's (one query per row would defeat the purpose).
            organisation.clean_fields()
        except ValidationError as exc:
            fields = {k: " ".join(str(m) for m in v) for k, v in exc.message_dict.items()}
            raise InvalidInput(f"{organisation.name}: " + " ".join(fields.values()), details={"fields": fields})
        organisations.append(organisation)
    if not organisations:
        return []
    Organisation.objects.bulk_create(organisations, batch_size=1000)
    audit_record(
        actor=actor,
        action="organisation.bulk_create",
        obj=organisations[0],
        after={"count": len(organisations), "organisations": [[o.pk, o.name, o.uscc] for o in organisations]},
        reason=reason,
    )
    return organisations
