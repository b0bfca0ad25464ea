"""Account writes: users, roles, API tokens, sign-in lockouts, two-factor devices, passwords and sessions."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from certbody.core.audit import audit_record
from certbody.core.errors import InvalidInput
from certbody.core.roles import Role

from . import totp
from .models import ApiToken, LoginThrottle, RecoveryCode, RoleGrant, TotpDevice, User

# Roles that decide or administer: their accounts must have a second factor (CERTBODY_2FA_ENFORCED).
TWO_FACTOR_ROLES = frozenset({Role.DECIDER, Role.REVIEWER, Role.QUALITY, Role.MANAGEMENT, Role.ADMIN})
RECOVERY_CODES = 10


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


def api_token_needs_two_factor(user: User) -> bool:
    """Tokens outlive the session: a user of a deciding or administering role, or anyone who enrolled a device,
    makes them only from a session that passed the second factor (whatever CERTBODY_2FA_ENFORCED says)."""
    return bool(user.role_set & TWO_FACTOR_ROLES) or user.is_superuser or has_totp_device(user)


@transaction.atomic
def api_token_create(
    *, user: User, name: str, actor: Any, days: int | None = None, two_factor_verified: bool | None = None
) -> tuple[ApiToken, str]:
    """two_factor_verified: whether the web session asking passed the second factor; None for a caller that is no
    session (a management command, a test's set-up), which the policy does not concern."""
    if two_factor_verified is False and api_token_needs_two_factor(user):
        raise InvalidInput(
            _("Confirm your sign-in with your authenticator code before creating an API token."),
            code="two_factor_required",
        )
    max_days = settings.CERTBODY_API_TOKEN_MAX_DAYS
    days = settings.CERTBODY_API_TOKEN_DAYS if days is None else days
    if not 1 <= days <= max_days:
        raise InvalidInput(
            _("A token lives between 1 and %(max)d days.") % {"max": max_days},
            code="invalid",
            details={"fields": {"days": _("A token lives between 1 and %(max)d days.") % {"max": max_days}}},
        )
    key = ApiToken.new_key()
    expires_at = timezone.now() + timedelta(days=days)
    token = ApiToken.objects.create(
        user=user, name=name, key_hash=ApiToken.hash_key(key), prefix=key[3:9], expires_at=expires_at
    )
    audit_record(
        actor=actor,
        action="api_token.create",
        obj=token,
        after={"user": user.username, "name": name, "expires_at": expires_at.isoformat()},
    )
    return token, key


def api_token_authenticate(key: str) -> User | None:
    token = (
        ApiToken.objects.select_related("user")
        .filter(
            key_hash=ApiToken.hash_key(key),
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
            user__is_active=True,
        )
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


@transaction.atomic
def api_tokens_revoke_all(*, user: User, actor: Any, reason: str) -> int:
    """Every live token of the user, revoked (password changed, account deactivated)."""
    count = 0
    for token in ApiToken.objects.select_for_update().filter(user=user, revoked_at__isnull=True):
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="api_token.revoke", obj=token, after={"user": user.username}, reason=reason)
        count += 1
    return count


# --- passwords and deactivation --------------------------------------------------------------------


@transaction.atomic
def user_password_set(*, user: User, password: str | None, actor: Any) -> User:
    """A new password (None: password sign-in disabled), by the user or an administrator: the user's API tokens
    stop working, and the change is recorded (never the password)."""
    if password is None:
        user.set_unusable_password()
    else:
        user.set_password(password)
    user.save(update_fields=["password"])
    self_change = getattr(actor, "pk", None) == user.pk
    audit_record(
        actor=actor,
        action="user.password_change" if self_change else "user.password_reset",
        obj=user,
        after={"usable": password is not None},
    )
    api_tokens_revoke_all(user=user, actor=actor, reason="password changed")
    return user


@transaction.atomic
def user_deactivated(*, user: User, actor: Any) -> None:
    """Called where an account is switched off: its tokens go with it."""
    api_tokens_revoke_all(user=user, actor=actor, reason="account deactivated")


# --- sign-in: lockout by account and by address ----------------------------------------------------


def _account_key(username: str) -> str:
    return "user:" + User.normalize_username(username or "").strip().lower()[:150]


def _ip_key(ip: str) -> str:
    return "ip:" + (ip or "unknown")[:100]


def login_keys(*, username: str | None, ip: str) -> list[str]:
    keys = [_ip_key(ip)]
    if username is not None:
        keys.insert(0, _account_key(username))
    return keys


def _threshold(key: str) -> int:
    return settings.LOGIN_LOCKOUT_IP_FAILURES if key.startswith("ip:") else settings.LOGIN_LOCKOUT_FAILURES


def login_locked_for(keys: list[str]) -> int:
    """Seconds until the longest lock on these keys ends (0: not locked). Locks whose cool-off has passed are
    lifted here, and that is recorded."""
    now = timezone.now()
    wait = 0
    for row in LoginThrottle.objects.filter(key__in=keys, locked_until__isnull=False):
        if row.locked_until > now:
            wait = max(wait, int((row.locked_until - now).total_seconds()) + 1)
        else:
            login_unlock(throttle=row, actor=None, reason="cool-off elapsed")
    return wait


@transaction.atomic
def login_failure_record(*, username: str | None, ip: str, kind: str = "password") -> int:
    """A failed sign-in (password, one-time code or API key): counted per account and per address. Reaching the
    threshold locks the key for the cool-off, doubled at each further lockout (progressive delay). Returns the
    seconds of the lock now in force (0: none). The attempted name is recorded, never the password."""
    now = timezone.now()
    window = timedelta(minutes=settings.LOGIN_LOCKOUT_COOLOFF_MINUTES)
    wait = 0
    recorded = False
    for key in login_keys(username=username, ip=ip):
        row, _created = LoginThrottle.objects.select_for_update().get_or_create(key=key)
        if row.last_failure_at and now - row.last_failure_at > window * 4:
            row.failures = 0  # old failures are forgotten; lockouts count on until a success
        row.failures += 1
        row.last_failure_at = now
        if not recorded:
            audit_record(
                actor=None,
                action="auth.login_failed",
                obj=row,
                after={"username": (username or "")[:150], "ip": ip, "kind": kind},
            )
            recorded = True
        if row.failures >= _threshold(key):
            factor = 2 ** min(row.lockouts, 10)
            lock = min(window * factor, timedelta(minutes=settings.LOGIN_LOCKOUT_MAX_MINUTES))
            row.lockouts += 1
            row.failures = 0
            row.locked_until = now + lock
            audit_record(
                actor=None,
                action="auth.lockout",
                obj=row,
                after={"until": row.locked_until.isoformat(), "lockouts": row.lockouts, "ip": ip},
            )
        if row.locked_until and row.locked_until > now:
            wait = max(wait, int((row.locked_until - now).total_seconds()) + 1)
        row.save()
    return wait


@transaction.atomic
def login_unlock(*, throttle: LoginThrottle, actor: Any, reason: str) -> None:
    """Lift a lock (an administrator, or the cool-off having passed)."""
    row = LoginThrottle.objects.select_for_update().get(pk=throttle.pk)
    if row.locked_until is None and not row.failures:
        return
    before = {"until": row.locked_until.isoformat() if row.locked_until else None, "failures": row.failures}
    row.locked_until = None
    row.failures = 0
    if actor is not None:
        row.lockouts = 0
    row.save(update_fields=["locked_until", "failures", "lockouts"])
    audit_record(actor=actor, action="auth.unlock", obj=row, before=before, reason=reason)


@transaction.atomic
def login_success_record(*, user: User, ip: str) -> None:
    """A successful password sign-in: the account's failures are forgotten (the address's are not)."""
    LoginThrottle.objects.filter(key=_account_key(user.get_username())).update(
        failures=0, lockouts=0, locked_until=None
    )
    audit_record(actor=user, action="auth.login", obj=user, after={"ip": ip})


@transaction.atomic
def logout_record(*, user: User, ip: str, reason: str = "") -> None:
    audit_record(actor=user, action="auth.logout", obj=user, after={"ip": ip}, reason=reason)


# --- two-factor authentication ---------------------------------------------------------------------


def has_totp_device(user: User) -> bool:
    return bool(user.pk) and TotpDevice.objects.filter(user=user).exists()


def two_factor_required(user: User) -> bool:
    """Must this user have a device before using the system?"""
    if not settings.CERTBODY_2FA_ENFORCED:
        return False
    return bool(user.role_set & TWO_FACTOR_ROLES) or user.is_superuser


def _code_hash(code: str) -> str:
    return hashlib.sha256("".join(code.split()).replace("-", "").lower().encode()).hexdigest()


def _new_recovery_codes(user: User) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    codes = [f"{secrets.token_hex(4)}-{secrets.token_hex(4)}" for _ in range(RECOVERY_CODES)]
    RecoveryCode.objects.bulk_create([RecoveryCode(user=user, code_hash=_code_hash(c)) for c in codes])
    return codes


@transaction.atomic
def totp_device_enrol(*, user: User, secret: str, code: str) -> list[str]:
    """The user proves the app shows the right code; the device is stored and 10 recovery codes are made (returned
    once, stored hashed)."""
    step = totp.match(secret, code)
    if step is None:
        raise InvalidInput(
            _("That code does not match. Check the time on your phone and enter the current code."),
            code="bad_code",
            details={"fields": {"code": _("That code does not match.")}},
        )
    if TotpDevice.objects.select_for_update().filter(user=user).exists():
        raise InvalidInput(_("Two-factor authentication is already set up."), code="already_enrolled")
    device = TotpDevice.objects.create(user=user, secret=secret, last_step=step)
    codes = _new_recovery_codes(user)
    audit_record(actor=user, action="auth.2fa_enrol", obj=device, subject=user)
    return codes


@transaction.atomic
def totp_device_remove(*, user: User, actor: Any, reason: str = "") -> None:
    device = TotpDevice.objects.select_for_update().filter(user=user).first()
    if device is None:
        return
    audit_record(actor=actor, action="auth.2fa_remove", obj=device, subject=user, reason=reason)
    device.delete()
    RecoveryCode.objects.filter(user=user).delete()


@transaction.atomic
def two_factor_verify(*, user: User, code: str, ip: str) -> bool:
    """The second step: a current authenticator code (each accepted once) or an unused recovery code (then used
    up). A wrong code counts as a failed sign-in of the account."""
    device = TotpDevice.objects.select_for_update().filter(user=user).first()
    if device is None:
        return False
    step = totp.match(device.secret, code, after_step=device.last_step)
    if step is not None:
        device.last_step = step
        device.save(update_fields=["last_step"])
        return True
    recovery = (
        RecoveryCode.objects.select_for_update()
        .filter(user=user, code_hash=_code_hash(code or ""), used_at__isnull=True)
        .first()
    )
    if recovery is not None:
        recovery.used_at = timezone.now()
        recovery.save(update_fields=["used_at"])
        left = RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()
        audit_record(actor=user, action="auth.recovery_code_use", obj=user, after={"left": left})
        return True
    return False
