"""Portal writes: registration, e-mail confirmation, approval or rejection of an organisation, invitations."""

from __future__ import annotations

import hashlib
import secrets
import unicodedata
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Value
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from certbody.accounts.models import User
from certbody.accounts.services import user_create, username_taken
from certbody.clients.models import Organisation
from certbody.clients.services import organisation_create
from certbody.clients.validators import is_valid_uscc
from certbody.core.audit import audit_record
from certbody.core.errors import InvalidInput
from certbody.core.permissions import refuse_if
from certbody.core.roles import Role
from certbody.core.workflow import lock

from .. import permissions as perms
from ..models import (
    EmailConfirmation,
    Invitation,
    OrganisationRejection,
)
from ..notify import notify, organisation_users, queue_mail, role_users, settings_url

CONFIRM_SALT = "certbody.portal.confirm"
CONFIRM_MAX_AGE = 3 * 24 * 3600
INVITATION_DAYS = 14
REJECTION_REASON_MAX = 500


def has_control_chars(value: str | None) -> bool:
    """Line breaks and other control characters: they break mail headers and have no place in a name."""
    return any(unicodedata.category(ch) == "Cc" for ch in (value or ""))


def _fields_error(errors: dict[str, str]) -> None:
    if errors:
        raise InvalidInput(" ".join(errors.values()), details={"fields": errors})


def _password_errors(password: str, user: Any = None) -> str:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return " ".join(exc.messages)
    return ""


def already_taken(*, uscc: str = "", username: str = "") -> dict[str, str]:
    """The registration's unique values someone else already holds, as field errors."""
    errors: dict[str, str] = {}
    if uscc and Organisation.objects.filter(uscc=uscc).exists():
        errors["uscc"] = _(
            "An organisation with this code is already registered. If it is yours, contact the certification body."
        )
    if username and username_taken(username):
        errors["username"] = _("This user name is taken; choose another.")
    return errors


def _create_unless_taken(create, *, uscc: str = "", username: str = ""):
    """Run create() in a savepoint; if another registration took the code or the user name between our check and
    our insert (two people pressing the button at the same moment), answer as the check would have."""
    try:
        with transaction.atomic():
            return create()
    except (IntegrityError, InvalidInput):
        taken = already_taken(uscc=uscc, username=username)
        if not taken:
            raise
    _fields_error(taken)


# --- registration ------------------------------------------------------------------------------


@transaction.atomic
def organisation_register(
    *,
    name: str,
    uscc: str,
    address: str,
    contact_name: str,
    contact_phone: str,
    email: str,
    username: str,
    password: str,
) -> User | None:
    """An organisation registers itself: the organisation waits for approval, its first user for e-mail confirmation.

    None: the code or the user name is already registered; the address given is told by mail (not the visitor)."""
    uscc = (uscc or "").strip().upper()
    username = (username or "").strip()
    email = (email or "").strip()
    errors = _registration_errors(
        name=name,
        uscc=uscc,
        address=address,
        contact_name=contact_name,
        email=email,
        username=username,
        password=password,
    )
    _fields_error(errors)
    # Whether a code or a name is registered is not told to an anonymous visitor (enumeration): the page answers
    # as for a success, and the outcome goes to the address given.
    if already_taken(uscc=uscc, username=username):
        _registration_refused(uscc=uscc, username=username, email=email)
        return None

    def create() -> User:
        # Self-registration: the system acts for an anonymous person; the organisation stays unapproved until staff say.
        organisation = organisation_create(
            actor=None,
            name=name,
            address=address,
            uscc=uscc,
            contact_name=contact_name.strip(),
            contact_phone=(contact_phone or "").strip(),
            contact_email=email,
            is_approved=False,
        )
        user = user_create(
            username=username,
            password=password,
            roles=[Role.CLIENT],
            actor=None,
            display_name=contact_name.strip(),
            email=email,
            organisation=organisation,
        )
        user.is_active = False  # until the e-mail address is confirmed
        user.save(update_fields=["is_active"])
        return user

    try:
        user = _create_unless_taken(create, uscc=uscc, username=username)
    except InvalidInput:
        # Lost a race to someone registering the same code or name: told by mail like the check above.
        if not already_taken(uscc=uscc, username=username):
            raise
        _registration_refused(uscc=uscc, username=username, email=email)
        return None
    _registered(user, username=username, email=email)
    return user


def _registered(user: User, *, username: str, email: str) -> None:
    """Record the registration and send the confirmation link."""
    organisation = user.organisation
    audit_record(actor=None, action="portal.register", obj=organisation, after={"user": username, "email": email})
    link = settings_url(reverse("portal:confirm", args=[confirmation_token(user)]))
    queue_mail(
        [email],
        _("Confirm your e-mail address"),
        _("Open this link within three days to confirm your e-mail address and activate your account:")
        + f"\n\n{link}\n",
    )


def _registration_errors(
    *, name: str, uscc: str, address: str, contact_name: str, email: str, username: str, password: str
) -> dict[str, str]:
    """The registration form's problems by field (empty: none); the values arrive stripped where they must be."""
    errors: dict[str, str] = {}
    if not (name or "").strip():
        errors["name"] = _("Enter the organisation's name.")
    if not is_valid_uscc(uscc):
        errors["uscc"] = _(
            "%(value)s is not a valid unified social credit code (18 characters with a correct check character)."
        ) % {"value": uscc or "—"}
    if not (address or "").strip():
        errors["address"] = _("Enter the address.")
    if not (contact_name or "").strip():
        errors["contact_name"] = _("Enter the contact person.")
    if not email:
        errors["email"] = _("Enter the e-mail address; the confirmation link is sent there.")
    if not username:
        errors["username"] = _("Choose a user name.")
    for field, value in (("name", name), ("address", address), ("contact_name", contact_name), ("username", username)):
        if field not in errors and has_control_chars(value):
            errors[field] = _("Names cannot contain line breaks or control characters.")
    problem = _password_errors(password, User(username=username, email=email))
    if problem:
        errors["password"] = problem
    return errors


def _registration_refused(*, uscc: str, username: str, email: str) -> None:
    """The registration cannot go on: tell the address given why, record it on what was already there."""
    taken = already_taken(uscc=uscc, username=username)
    existing = Organisation.objects.filter(uscc=uscc).first() if "uscc" in taken else None
    if existing is None:
        existing = User.objects.alias(folded=Lower("username")).filter(folded=Lower(Value(username))).first()
    if existing is not None:
        audit_record(
            actor=None,
            action="portal.register_refused",
            obj=existing,
            after={"fields": sorted(taken), "user": username, "email": email},
        )
    queue_mail(
        [email],
        _("Your registration could not be completed"),
        _("Someone, probably you, tried to register on the certification portal with this e-mail address.")
        + "\n\n"
        + "\n".join(taken.values())
        + "\n\n"
        + _("If you did not do this, you can ignore this e-mail."),
    )


def confirmation_token(user: User) -> str:
    return signing.dumps({"u": user.pk, "e": user.email}, salt=CONFIRM_SALT)


@transaction.atomic
def email_confirm(*, token: str) -> User:
    try:
        data = signing.loads(token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
    except signing.SignatureExpired:
        raise InvalidInput(_("The confirmation link has expired; register again."), code="expired") from None
    except signing.BadSignature:
        raise InvalidInput(_("The confirmation link is not valid."), code="bad_token") from None
    user = User.objects.select_for_update().filter(pk=data.get("u"), email=data.get("e")).first()
    if user is None:
        raise InvalidInput(_("The confirmation link is not valid."), code="bad_token")
    # Single use: once confirmed, the link never (re)activates anyone — a user staff deactivated stays deactivated.
    if EmailConfirmation.objects.filter(user=user).exists():
        raise InvalidInput(_("This confirmation link was already used; sign in."), code="used")
    if OrganisationRejection.objects.filter(organisation_id=user.organisation_id).exists():
        raise InvalidInput(_("The confirmation link is not valid."), code="bad_token")
    EmailConfirmation.objects.create(user=user, email=user.email)
    if not user.is_active:
        user.is_active = True
        user.save(update_fields=["is_active"])
    audit_record(actor=user, action="portal.email_confirm", obj=user, after={"email": user.email})
    organisation = user.organisation
    if organisation is not None and not organisation.is_approved:
        notify(  # in the portal only: sign-ups must not make the certification body send mail to all its staff
            role_users(Role.MARKET),
            "organisation_pending",
            {"name": organisation.name},
            url=reverse("portal:approvals"),
            mail=False,
        )
    return user


@transaction.atomic
def organisation_approve(*, actor: Any, organisation: Organisation) -> Organisation:
    organisation = lock(Organisation, organisation.pk)
    refuse_if(perms.can_approve_registration(actor, organisation))
    organisation.is_approved = True
    organisation.save(update_fields=["is_approved"])
    audit_record(
        actor=actor,
        action="organisation.approve",
        obj=organisation,
        before={"is_approved": False},
        after={"is_approved": True},
    )
    notify(
        organisation_users(organisation.pk),
        "organisation_approved",
        {"name": organisation.name},
        url=reverse("portal:home"),
    )
    return organisation


@transaction.atomic
def organisation_reject(*, actor: Any, organisation: Organisation, reason: str) -> Organisation:
    """Staff refuse a self-registration, saying why: it leaves the approval list, its users are deactivated and
    told the reason by e-mail."""
    organisation = lock(Organisation, organisation.pk)
    refuse_if(perms.can_reject_registration(actor, organisation))
    reason = (reason or "").replace("\r\n", "\n").strip()  # a browser sends a line end as two characters
    if not reason:
        raise InvalidInput(_("Give the reason: the applicant is told it."), code="reason")
    if len(reason) > REJECTION_REASON_MAX:
        raise InvalidInput(
            _("The reason is longer than %(n)d characters.") % {"n": REJECTION_REASON_MAX}, code="reason"
        )
    OrganisationRejection.objects.create(organisation=organisation, rejected_by=actor, reason=reason)
    applicants = list(User.objects.filter(organisation=organisation, is_active=True))
    User.objects.filter(organisation=organisation).update(is_active=False)
    audit_record(
        actor=actor,
        action="organisation.reject",
        obj=organisation,
        before={"is_approved": False},
        after={"rejected": True, "deactivated": [u.username for u in applicants]},
        reason=reason,
    )
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Registration of %(name)s not approved") % {"name": organisation.name}
        body = _("The registration of %(name)s was not approved. Reason: %(reason)s") % {
            "name": organisation.name,
            "reason": reason,
        }
    queue_mail([u.email for u in applicants if u.email], subject, body)
    return organisation


# --- invitations -------------------------------------------------------------------------------


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def invitation_create(*, actor: Any, email: str) -> tuple[Invitation, str]:
    refuse_if(perms.can_invite(actor))
    email = (email or "").strip()
    try:
        from django.core.validators import validate_email

        validate_email(email)
    except ValidationError:
        raise InvalidInput(_("Enter a valid e-mail address."), details={"fields": {"email": "invalid"}}) from None
    if not invitation_quota_take(actor.organisation_id):
        raise InvalidInput(
            _("Your organisation sent too many invitations today; try again tomorrow."), code="too_many_invitations"
        )
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        organisation_id=actor.organisation_id,
        email=email,
        token_hash=_hash(token),
        invited_by=actor,
        expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
    )
    audit_record(
        actor=actor, action="portal.invite", obj=invitation, after={"email": email}, subject=actor.organisation
    )
    link = settings_url(reverse("portal:invitation", args=[token]))
    queue_mail(
        [email],
        _("%(name)s invites you to its certification portal") % {"name": actor.organisation.name},
        _("%(person)s invites you to work on %(name)s's certification applications. Open this link to join:")
        % {"person": actor, "name": actor.organisation.name}
        + f"\n\n{link}\n",
    )
    return invitation, token


def invitation_quota_take(organisation_id: int) -> bool:
    """Count one invitation against the organisation's daily cap (PORTAL_INVITATIONS_PER_DAY, 0 = no cap)."""
    limit = settings.PORTAL_INVITATIONS_PER_DAY
    if not limit:
        return True
    day = timezone.now().strftime("%Y%m%d")
    key = f"portal-invite:{organisation_id}:{day}"
    if cache.add(key, 1, 2 * 24 * 3600):
        return True
    try:
        return cache.incr(key) <= limit
    except ValueError:  # expired between add and incr
        cache.add(key, 1, 2 * 24 * 3600)
        return True


def invitation_by_token(token: str) -> Invitation | None:
    invitation = (
        Invitation.objects.select_related("organisation", "invited_by").filter(token_hash=_hash(token or "")).first()
    )
    if (
        invitation is None
        or invitation.accepted_at
        or invitation.revoked_at
        or invitation.expires_at < timezone.now()
        or not invitation.invited_by.is_active  # whoever invited must still be one of the organisation's users
        or invitation.invited_by.organisation_id != invitation.organisation_id
    ):
        return None
    return invitation


@transaction.atomic
def invitation_revoke(*, actor: Any, invitation: Invitation) -> Invitation:
    """A colleague of the same organisation withdraws an invitation that nobody accepted yet."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    refuse_if(perms.can_revoke_invitation(actor, invitation))
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit_record(
        actor=actor,
        action="portal.invitation_revoke",
        obj=invitation,
        after={"email": invitation.email},
        subject=invitation.organisation,
    )
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, username: str, display_name: str, password: str) -> User:
    invitation = invitation_by_token(token)
    if invitation is None:
        raise InvalidInput(_("The invitation is not valid any more; ask for a new one."), code="bad_token")
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at or invitation.revoked_at:
        raise InvalidInput(_("The invitation is not valid any more; ask for a new one."), code="bad_token")
    username = (username or "").strip()
    errors: dict[str, str] = {}
    if not username:
        errors["username"] = _("Choose a user name.")
    if has_control_chars(display_name) or has_control_chars(username):
        errors["display_name"] = _("Names cannot contain line breaks or control characters.")
    problem = _password_errors(password, User(username=username, email=invitation.email))
    if problem:
        errors["password"] = problem
    _fields_error({**already_taken(username=username), **errors})
    user = _create_unless_taken(
        lambda: user_create(
            username=username,
            password=password,
            roles=[Role.CLIENT],
            actor=None,
            display_name=(display_name or "").strip(),
            email=invitation.email,  # confirmed: the link reached this address
            organisation=invitation.organisation,
        ),
        username=username,
    )
    invitation.accepted_at = timezone.now()
    invitation.user = user
    invitation.save(update_fields=["accepted_at", "user"])
    audit_record(
        actor=user,
        action="portal.invitation_accept",
        obj=invitation,
        after={"user": username},
        subject=invitation.organisation,
    )
    return user
