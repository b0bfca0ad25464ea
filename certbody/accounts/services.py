"""Account writes: users, roles and API tokens."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from certbody.core.audit import audit_record
from certbody.core.errors import InvalidInput
from certbody.core.roles import Role

from .models import ApiToken, RoleGrant, User


def username_taken(username: str) -> bool:
    """Whether a user holds this name in any case, compared as the database's unique index compares (LOWER): a
    check by `iexact` (UPPER on PostgreSQL) disagrees with it on some letters (İ, the Kelvin sign)."""
    return User.objects.alias(folded=Lower("username")).filter(folded=Lower(Value(username))).exists()


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str | None,
    roles: list[str],
    actor: Any,
    display_name: str = "",
    email: str = "",
    organisation=None,
    lab=None,
    is_superuser: bool = False,
) -> User:
    username = User.normalize_username(username)
    if username_taken(username):
        raise InvalidInput(_("This user name is taken; choose another."), code="username_taken")
    user = User(
        username=username,
        display_name=display_name,
        email=email,
        organisation=organisation,
        lab=lab,
        is_staff=is_superuser or Role.ADMIN in roles,  # administrators use the Django admin
        is_superuser=is_superuser,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    RoleGrant.objects.bulk_create([RoleGrant(user=user, role=r) for r in roles])
    audit_record(actor=actor, action="user.create", obj=user, after={"username": username, "roles": sorted(roles)})
    return user


@transaction.atomic
def api_token_create(*, user: User, name: str, actor: Any) -> tuple[ApiToken, str]:
    key = ApiToken.new_key()
    token = ApiToken.objects.create(user=user, name=name, key_hash=ApiToken.hash_key(key), prefix=key[3:9])
    audit_record(actor=actor, action="api_token.create", obj=token, after={"user": user.username, "name": name})
    return token, key


def api_token_authenticate(key: str) -> User | None:
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=ApiToken.hash_key(key), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: Any) -> ApiToken:
    """Revoke a token for good; revoking twice changes nothing."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="api_token.revoke", obj=token, after={"user": token.user.username})
    return token
