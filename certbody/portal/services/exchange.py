"""Portal writes after sign-up: messages, notifications, the contract accepted online, the wizard's unit step."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from certbody.applications import services as app_svc
from certbody.applications.dossier import removed_on_error, require_editable, require_member, stored_content
from certbody.applications.models import Application, Contract
from certbody.core.audit import audit_record
from certbody.core.errors import InvalidInput
from certbody.core.permissions import is_member_of, refuse_if, require
from certbody.core.roles import Role
from certbody.core.uploads import check_upload
from certbody.core.workflow import lock

from .. import permissions as perms
from ..models import (
    Attachment,
    Message,
    Notification,
)
from ..notify import notify, organisation_users, role_users

# --- messages ----------------------------------------------------------------------------------


MAX_FILES_PER_REQUEST = 10


def check_batch(files: list[Any]) -> None:
    """Refuse too many files, or too many bytes together, before any of them is read into memory."""
    files = list(files)
    if len(files) > MAX_FILES_PER_REQUEST:
        raise InvalidInput(
            _("Send at most %(n)d files at once.") % {"n": MAX_FILES_PER_REQUEST},
            code="too_many_files",
            details={"fields": {"files": "too_many"}},
        )
    total_limit = settings.PORTAL_MAX_REQUEST_BYTES
    if len(files) > 1 and sum(getattr(f, "size", 0) or 0 for f in files) > total_limit:
        raise InvalidInput(
            _("The files together are larger than %(size)s; send them in several parts.")
            % {"size": filesizeformat(total_limit)},
            code="too_large",
            details={"fields": {"files": "too_large"}},
        )


@transaction.atomic
def message_post(*, actor: Any, application: Application, body: str, files: list[Any] = ()) -> Message:
    refuse_if(perms.can_post_message(actor, application))
    body = (body or "").strip()
    if not body and not files:
        raise InvalidInput(_("Write a message or attach a file."), details={"fields": {"body": "required"}})
    check_batch(files)
    checked = [check_upload(f) for f in files]  # all or nothing: a refused file keeps the message unsent
    from_client = is_member_of(actor, application.organisation_id)
    message = Message.objects.create(application=application, author=actor, from_client=from_client, body=body)
    stored: list[Any] = []
    with removed_on_error(stored):
        for c in checked:
            attachment = Attachment(
                message=message, original_name=c.name, content_type=c.kind, size=c.size, sha256=c.sha256
            )
            attachment.file.save("upload", stored_content(c), save=False)
            stored.append(attachment.file)
            attachment.save()
        audit_record(
            actor=actor,
            action="message.post",
            obj=message,
            after={"attachments": [c.name for c in checked], "sha256": [c.sha256 for c in checked]},
            subject=application,
        )
    params = {"number": application.number, "author": str(actor)}
    url = reverse("portal:messages", args=[application.pk])
    if from_client and application.engineer is not None:
        notify([application.engineer], "message", params, url=url)
    elif from_client:
        # Nobody is assigned yet: market staff see it in the portal; a client's messages never fan out as mail.
        notify(role_users(Role.MARKET), "message", params, url=url, mail=False)
    else:
        notify(organisation_users(application.organisation_id), "message", params, url=url)
    return message


# --- notifications -----------------------------------------------------------------------------


@transaction.atomic
def notifications_mark_read(*, actor: Any) -> int:
    """The reader has seen all of their notifications; answers how many were unread."""
    require(actor is not None and actor.is_authenticated, _("Sign in first."))
    return Notification.objects.filter(user=actor, read_at__isnull=True).update(read_at=timezone.now())


# --- contract accepted online ---------------------------------------------------------------------


@transaction.atomic
def contract_accept_online(*, actor: Any, application: Application, ip: str, terms_version: str) -> Contract:
    """The client accepts the quote and contract: who, when, from where and which version of the terms."""
    application = lock(Application, application.pk)
    contract = Contract.objects.select_for_update().filter(application=application).first()
    refuse_if(perms.can_accept_contract(actor, application))
    if (terms_version or "") != (contract.terms_version or ""):
        raise InvalidInput(
            _("The terms changed while you were reading them; read the current version and accept again."),
            code="terms_changed",
        )
    contract.client_accepted_by = actor
    contract.client_accepted_at = timezone.now()
    contract.client_accepted_ip = ip or None
    contract.client_terms_version = contract.terms_version
    contract.save(
        update_fields=["client_accepted_by", "client_accepted_at", "client_accepted_ip", "client_terms_version"]
    )
    audit_record(
        actor=actor,
        action="contract.accept_online",
        obj=contract,
        after={"ip": ip, "terms_version": contract.terms_version, "fee": str(contract.fee)},
        subject=application,
    )
    return contract


@transaction.atomic
def wizard_unit_add(
    *,
    actor: Any,
    application: Application,
    product_name: str,
    model_names: list[str],
    version: str,
    manufacturer_name: str,
    manufacturer_address: str,
    site_name: str,
    site_address: str,
    trademark: str = "",
    difference_statement: str = "",
):
    """Step 2 of the wizard: a unit with its manufacturer and production site, named in one form."""
    from certbody.clients.models import Manufacturer, ProductionSite
    from certbody.clients.services import manufacturer_create, production_site_create

    require_member(actor, application)
    require_editable(application)
    organisation = application.organisation
    manufacturer = Manufacturer.objects.filter(organisation=organisation, name=manufacturer_name.strip()).first()
    if manufacturer is None:
        manufacturer = manufacturer_create(
            actor=actor, organisation=organisation, name=manufacturer_name, address=manufacturer_address
        )
    site = ProductionSite.objects.filter(manufacturer=manufacturer, name=site_name.strip()).first()
    if site is None:
        site = production_site_create(actor=actor, manufacturer=manufacturer, name=site_name, address=site_address)
    return app_svc.unit_add(
        actor=actor,
        application=application,
        product_name=product_name,
        model_names=model_names,
        version=version,
        manufacturer=manufacturer,
        production_site=site,
        trademark=trademark,
        difference_statement=difference_statement,
    )
