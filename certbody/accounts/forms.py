"""Forms of the account pages."""

from __future__ import annotations

import contextvars

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.admin.forms import AdminPasswordChangeForm as AdminOwnPasswordChangeForm
from django.contrib.auth.forms import AdminPasswordChangeForm, AuthenticationForm
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from certbody.core.middleware import client_address

from .services import login_failure_record, login_keys, login_locked_for, login_success_record, user_password_set

# The administrator acting in the user admin's set-password view (the form is built by Django's view).
password_actor: contextvars.ContextVar = contextvars.ContextVar("password_actor", default=None)


def lockout_message(seconds: int) -> str:
    minutes = max(1, -(-seconds // 60))
    return ngettext(
        "Too many sign-in attempts. Try again in %(minutes)d minute.",
        "Too many sign-in attempts. Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


class LockoutMixin:
    """Any sign-in form: refused while the name or the address is locked, failures counted, success recorded.

    Unknown names and wrong passwords get the same answer, and so do their lockouts.
    """

    def clean(self):
        username = self.data.get("username", "") or ""
        ip = client_address(self.request.META) if self.request else ""
        wait = login_locked_for(login_keys(username=username, ip=ip))
        if wait:
            raise forms.ValidationError(lockout_message(wait), code="locked")
        try:
            cleaned = super().clean()
        except forms.ValidationError as exc:
            if username or self.data.get("password"):
                wait = login_failure_record(username=username, ip=ip)
                if wait:
                    raise forms.ValidationError(lockout_message(wait), code="locked") from exc
            raise
        if self.user_cache is not None:
            login_success_record(user=self.user_cache, ip=ip)
        return cleaned


class LoginForm(LockoutMixin, AuthenticationForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autofocus": True})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})


class AdminLoginForm(LockoutMixin, AdminAuthenticationForm):
    pass


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        help_text=_("The 6 digits your authenticator app shows, or one of your recovery codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "inputmode": "text"}),
    )


class AuditedSetPasswordForm(AdminPasswordChangeForm):
    """The user admin's set-password form: the change goes through user_password_set (audited, tokens revoked)."""

    def save(self, commit=True):
        usable = self.cleaned_data.get("set_usable_password", True)
        password = self.cleaned_data["password1"] if usable else None
        return user_password_set(user=self.user, password=password, actor=password_actor.get())


class AuditedOwnPasswordChangeForm(AdminOwnPasswordChangeForm):
    """The admin's own "change password" form, through user_password_set."""

    def save(self, commit=True):
        return user_password_set(user=self.user, password=self.cleaned_data["new_password1"], actor=self.user)


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=100,
        help_text=_("What the token is for, e.g. “CI export script”."),
    )
    days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["days"].max_value = settings.CERTBODY_API_TOKEN_MAX_DAYS
        self.fields["days"].validators.append(
            forms.IntegerField(max_value=settings.CERTBODY_API_TOKEN_MAX_DAYS).validators[-1]
        )
        self.fields["days"].initial = settings.CERTBODY_API_TOKEN_DAYS
        self.fields["days"].widget.attrs.update({"max": settings.CERTBODY_API_TOKEN_MAX_DAYS})

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Give the token a name."))
        return name
