"""Sign-in (password, then the second factor), sign-out, two-factor enrolment and the user's own API tokens."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from certbody.core.errors import DomainError
from certbody.core.middleware import client_address
from certbody.core.roles import Role

from . import totp
from .forms import CodeForm, LoginForm, TokenCreateForm, lockout_message
from .middleware import is_two_factor_verified, mark_two_factor_verified
from .models import ApiToken
from .services import (
    api_token_create,
    api_token_revoke,
    has_totp_device,
    login_failure_record,
    login_keys,
    login_locked_for,
    logout_record,
    totp_device_enrol,
    totp_device_remove,
    two_factor_required,
    two_factor_verify,
)

PENDING_SECRET_KEY = "cb_2fa_pending_secret"


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        """Without a `next`, a client's users land in the portal; everyone else on the console's dashboard."""
        user = self.request.user
        if user.is_authenticated and user.role_set == {Role.CLIENT} and user.organisation_id:
            return resolve_url("portal:home")
        return super().get_default_redirect_url()


class LogoutView(auth_views.LogoutView):
    """POST only (Django refuses GET): a link cannot sign anyone out."""

    def post(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            logout_record(user=request.user, ip=client_address(request.META))
        return super().post(request, *args, **kwargs)


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


@login_required
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: the authenticator's code or a recovery code."""
    if not has_totp_device(request.user):
        return redirect("accounts:two_factor")
    if is_two_factor_verified(request):
        return redirect(_next(request))
    form = CodeForm(request.POST or None)
    ip = client_address(request.META)
    status = 200
    if request.method == "POST" and form.is_valid():
        user = request.user
        wait = login_locked_for(login_keys(username=user.get_username(), ip=ip))
        if not wait and two_factor_verify(user=user, code=form.cleaned_data["code"], ip=ip):
            mark_two_factor_verified(request)
            return redirect(_next(request))
        if not wait:
            wait = login_failure_record(username=user.get_username(), ip=ip, kind="otp")
        if wait:
            # Locked: the half-signed-in session ends; signing in again waits for the lock.
            logout(request)
            messages.error(request, lockout_message(wait))
            return redirect("accounts:login")
        form.add_error("code", _("That code does not match."))
        status = 422 if request.htmx else 200
    return render(request, "accounts/verify.html", {"form": form, "next": request.GET.get("next", "")}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    """Two-factor status: enrol an authenticator app (QR code made here), or remove it."""
    user = request.user
    enrolled = has_totp_device(user)
    context: dict = {"enrolled": enrolled, "required": two_factor_required(user), "next": request.GET.get("next", "")}
    if enrolled and not is_two_factor_verified(request):
        return redirect("accounts:verify")
    form = CodeForm(request.POST or None)
    status = 200
    if enrolled:
        if request.method == "POST" and request.POST.get("action") == "remove":
            totp_device_remove(user=user, actor=user)
            messages.success(request, _("Two-factor authentication is switched off for your account."))
            request.session.pop("cb_2fa_verified_at", None)
            return redirect("accounts:two_factor")
        return render(request, "accounts/two_factor.html", context)
    secret = request.session.get(PENDING_SECRET_KEY) or totp.new_secret()
    request.session[PENDING_SECRET_KEY] = secret
    if request.method == "POST" and form.is_valid():
        try:
            codes = totp_device_enrol(user=user, secret=secret, code=form.cleaned_data["code"])
        except DomainError as exc:
            form.add_error("code", exc.message)
            status = 422 if request.htmx else 200
        else:
            request.session.pop(PENDING_SECRET_KEY, None)
            mark_two_factor_verified(request)
            # The recovery codes are shown in this answer only; they are stored as hashes.
            context.update(enrolled=True, recovery_codes=codes, continue_url=_next(request))
            return render(request, "accounts/two_factor.html", context)
    issuer = str(getattr(settings, "SITE_TITLE", "certbody"))  # no such setting yet: the page answered 500
    uri = totp.provisioning_uri(secret, account=user.get_username(), issuer=issuer)
    context.update(form=form, secret=secret, qr=totp.qr_svg(uri))
    return render(request, "accounts/two_factor.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    form = TokenCreateForm(request.POST or None)
    new_key = None
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            token, new_key = api_token_create(
                user=request.user,
                name=form.cleaned_data["name"],
                days=form.cleaned_data.get("days"),
                actor=request.user,
                two_factor_verified=is_two_factor_verified(request),
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
            status = 422 if request.htmx else 200
        else:
            # The key is shown in this response only; it is stored as a hash and cannot be shown again.
            messages.success(request, _("Token “%(name)s” created.") % {"name": token.name})
            form = TokenCreateForm()
    own = ApiToken.objects.filter(user=request.user).order_by("revoked_at", "-created_at")
    response = render(request, "accounts/tokens.html", {"form": form, "tokens": own, "new_key": new_key}, status=status)
    if new_key:
        response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    try:
        api_token_revoke(token=token, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("accounts:tokens")
