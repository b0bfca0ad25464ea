"""Portal pages before and around the cases: registration, confirmation, invitations, the client's home."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from certbody.certificates.selectors import certificates_for
from certbody.core import throttle
from certbody.core.errors import DomainError

from .. import services as svc
from ..forms import (
    InvitationAcceptForm,
    InviteForm,
    RegisterForm,
)
from ..models import (
    Notification,
)
from ..notify import render as render_notification
from ..permissions import (
    can_invite,
    invitations_for,
    open_invitations_for,
    own_applications,
)
from .common import _posted_id, client_required

# --- registration, confirmation, invitations ---------------------------------------------------------


def _too_many(request: HttpRequest) -> HttpResponse | None:
    """The 429 answer when this address sent too many sign-ups; nothing of the refused one is stored."""
    wait = throttle.retry_after(request, throttle.SIGNUP)
    if wait is None:
        return None
    context = {"minutes": max(1, -(-wait // 60)), "back": request.path}
    response = render(request, "portal/too_many.html", context, status=429)
    response["Retry-After"] = str(wait)
    return response


@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("portal:home")
    if request.method == "POST" and (refused := _too_many(request)):
        return refused
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            svc.organisation_register(**{k: v for k, v in form.cleaned_data.items() if k != "password2"})
        except DomainError as exc:
            form.apply_errors(exc)
        else:
            return redirect("portal:register_sent")
    return render(request, "portal/register.html", {"form": form})


@require_GET
def register_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/register_sent.html")


@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The link from the e-mail shows a button: a mail scanner that follows links confirms nothing."""
    error = ""
    if request.method == "POST":
        try:
            svc.email_confirm(token=token)
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, _("Your e-mail address is confirmed. Sign in to start your application."))
            return redirect(reverse("accounts:login") + "?next=" + reverse("portal:home"))
    return render(request, "portal/confirm.html", {"error": error}, status=422 if error else 200)


@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    invite = svc.invitation_by_token(token)
    if invite is None:
        return render(request, "portal/invitation.html", {"invalid": True}, status=404)
    if request.method == "POST" and (refused := _too_many(request)):
        return refused
    form = InvitationAcceptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            svc.invitation_accept(token=token, **form.cleaned_data)
        except DomainError as exc:
            form.apply_errors(exc)
        else:
            messages.success(request, _("Welcome. Sign in with your new user name."))
            return redirect(reverse("accounts:login") + "?next=" + reverse("portal:home"))
    return render(request, "portal/invitation.html", {"form": form, "invite": invite})


# --- the client's home ---------------------------------------------------------------------------


def _unread(user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


@client_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    applications = own_applications(request.user).select_related("scheme").order_by("-created_at", "-id")[:50]
    notes = list(Notification.objects.filter(user=request.user, read_at__isnull=True)[:5])
    for n in notes:
        n.text = render_notification(n.kind, n.params)
    context = {
        "organisation": request.user.organisation,
        "applications": applications,
        "notifications": notes,
        "unread": _unread(request.user),
        "certificate_count": certificates_for(request.user).count(),
    }
    return render(request, "portal/home.html", context)


@client_required
@require_http_methods(["GET", "POST"])
def colleagues(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and request.POST.get("action") == "revoke":
        invite = get_object_or_404(invitations_for(request.user), pk=_posted_id(request, "invitation"))
        try:
            svc.invitation_revoke(actor=request.user, invitation=invite)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The invitation to %(email)s was revoked.") % {"email": invite.email})
        return redirect("portal:colleagues")
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            svc.invitation_create(actor=request.user, email=form.cleaned_data["email"])
        except DomainError as exc:
            form.apply_errors(exc)
        else:
            messages.success(request, _("The invitation was sent to %(email)s.") % form.cleaned_data)
            return redirect("portal:colleagues")
    organisation = request.user.organisation
    context = {
        "form": form,
        "members": organisation.members.filter(is_active=True).order_by("username"),
        "invitations": open_invitations_for(request.user)[:50],
        "invite_refusal": can_invite(request.user),
    }
    return render(request, "portal/colleagues.html", context)


@client_required
@require_http_methods(["GET", "POST"])
def notifications(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        svc.notifications_mark_read(actor=request.user)
        return redirect("portal:notifications")
    items = list(Notification.objects.filter(user=request.user)[:100])
    for n in items:
        n.text = render_notification(n.kind, n.params)
    return render(request, "portal/notifications.html", {"items": items})


@client_required
@require_GET
def certificates(request: HttpRequest) -> HttpResponse:
    certs = certificates_for(request.user).select_related("scheme").order_by("-id")
    rows = [{"cert": cert} for cert in certs]
    return render(request, "portal/certificates.html", {"rows": rows})
