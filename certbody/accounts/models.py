"""Users, their roles and where they belong (a client organisation or a lab)."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from certbody.core.roles import STAFF_ROLES, Role


class User(AbstractUser):
    """A person who signs in. Client users belong to one organisation; lab users to one lab."""

    display_name = models.CharField(_("name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    organisation = models.ForeignKey(
        "clients.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    lab = models.ForeignKey(
        "labs.Lab",
        verbose_name=_("laboratory"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        # "Alice" and "alice" are one name to people: the database refuses the second, whoever races whom.
        constraints = [
            models.UniqueConstraint(
                Lower("username"),
                name="accounts_user_username_ci_uniq",
                violation_error_message=_("This user name is taken; choose another."),
            )
        ]

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    def get_full_name(self) -> str:
        return self.display_name or super().get_full_name()

    @cached_property
    def role_set(self) -> frozenset[str]:
        if not self.is_active or not self.pk:
            return frozenset()
        return frozenset(self.role_grants.values_list("role", flat=True))

    def has_role(self, *roles: str) -> bool:
        return bool(self.role_set.intersection(roles))

    @property
    def is_cb_staff(self) -> bool:
        return bool(self.role_set & STAFF_ROLES)


class RoleGrant(models.Model):
    """A role held by a user; a person may hold several."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    granted_at = models.DateTimeField(_("granted"), auto_now_add=True)

    class Meta:
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="uniq_user_role")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}"


class ApiToken(models.Model):
    """A bearer token for the REST API. Only its SHA-256 is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @classmethod
    def new_key(cls) -> str:
        return "cb_" + secrets.token_urlsafe(32)


class LoginThrottle(models.Model):
    """Failed sign-ins counted per key ("user:<name>" or "ip:<address>"); a key past the threshold is locked.

    Unknown user names get a row like known ones, so a lockout says nothing about whether the user exists.
    """

    key = models.CharField(_("key"), max_length=200, unique=True)
    failures = models.PositiveIntegerField(_("failures"), default=0)
    lockouts = models.PositiveIntegerField(_("lockouts"), default=0)
    last_failure_at = models.DateTimeField(_("last failure"), null=True, blank=True)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)

    class Meta:
        verbose_name = _("sign-in lockout")
        verbose_name_plural = _("sign-in lockouts")

    def __str__(self) -> str:
        return self.key


class TotpDevice(models.Model):
    """A staff member's authenticator app (RFC 6238 TOTP, 30 s, 6 digits, SHA-1 as the apps expect)."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="totp_device")
    secret = models.CharField(max_length=64)  # base32
    created_at = models.DateTimeField(_("enrolled"), auto_now_add=True)
    last_step = models.BigIntegerField(default=0)  # a code is accepted once: no replay within its window

    class Meta:
        verbose_name = _("two-factor device")
        verbose_name_plural = _("two-factor devices")

    def __str__(self) -> str:
        return str(self.user)


class RecoveryCode(models.Model):
    """A one-time code for when the authenticator is lost; only its SHA-256 is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("recovery code")
        verbose_name_plural = _("recovery codes")

    def __str__(self) -> str:
        return f"{self.user} · {self.pk}"
