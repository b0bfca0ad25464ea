"""Users with their role grants inline; API tokens are shown, never created here (only their hash is kept)."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.views import PasswordChangeView
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from certbody.core.admin import AdministratorMixin, AuditedAdmin, ReadOnlyAdmin, is_administrator
from certbody.core.middleware import client_address

from .forms import AdminLoginForm, AuditedOwnPasswordChangeForm, AuditedSetPasswordForm, password_actor
from .models import ApiToken, LoginThrottle, RoleGrant, TotpDevice, User
from .services import login_unlock, logout_record, totp_device_remove, user_deactivated

# The admin's sign-in counts failures and locks like the console's; its password change and sign-out are recorded.
admin.site.login_form = AdminLoginForm
_site_logout = admin.site.logout


def _admin_password_change(request, extra_context=None):
    request.current_app = admin.site.name
    return PasswordChangeView.as_view(
        form_class=AuditedOwnPasswordChangeForm,
        success_url=reverse("admin:password_change_done", current_app=admin.site.name),
        extra_context={**admin.site.each_context(request), **(extra_context or {})},
        template_name=admin.site.password_change_template or "registration/password_change_form.html",
    )(request)


def _admin_logout(request, extra_context=None):
    if request.method == "POST" and request.user.is_authenticated:
        logout_record(user=request.user, ip=client_address(request.META))
    return _site_logout(request, extra_context)


admin.site.password_change = _admin_password_change
admin.site.logout = _admin_logout


class RoleGrantInline(AdministratorMixin, admin.TabularInline):
    model = RoleGrant
    extra = 0
    fields = ["role", "granted_at"]
    readonly_fields = ["granted_at"]


@admin.register(User)
class UserAdmin(AuditedAdmin, DjangoUserAdmin):
    list_display = ["username", "display_name", "roles", "organisation", "lab", "is_active", "is_staff", "last_login"]
    list_select_related = ["organisation", "lab"]
    list_filter = ["is_active", "is_staff", "is_superuser", "role_grants__role"]
    search_fields = ["username", "display_name", "email", "organisation__name"]
    autocomplete_fields = ["organisation", "lab"]
    show_full_result_count = False
    inlines = [RoleGrantInline]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Person"), {"fields": ["display_name", "first_name", "last_name", "email", "phone"]}),
        (_("Belongs to"), {"fields": ["organisation", "lab"]}),
        (_("Access"), {"fields": ["is_active", "is_staff", "is_superuser"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["username", "display_name", "password1", "password2"]}),
    ]
    readonly_fields = ["last_login", "date_joined"]

    change_password_form = AuditedSetPasswordForm

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("role_grants")

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            user_deactivated(user=obj, actor=request.user)

    def user_change_password(self, request, id, form_url=""):
        token = password_actor.set(request.user)
        try:
            with transaction.atomic():
                return super().user_change_password(request, id, form_url)
        finally:
            password_actor.reset(token)

    @admin.display(description=_("roles"))
    def roles(self, obj):
        return "、".join(sorted(str(g.get_role_display()) for g in obj.role_grants.all()))


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_select_related = ["user"]
    search_fields = ["name", "^prefix", "user__username"]
    exclude = ["key_hash"]
    actions = ["revoke"]

    def has_revoke_permission(self, request) -> bool:
        return is_administrator(request.user)

    @admin.action(description=_("Revoke the selected API tokens"), permissions=["revoke"])
    def revoke(self, request, queryset):
        from .services import api_token_revoke

        for token in queryset.filter(revoked_at__isnull=True):
            api_token_revoke(token=token, actor=request.user)


@admin.register(LoginThrottle)
class LoginThrottleAdmin(ReadOnlyAdmin):
    """Failed sign-ins by account name and by address; an administrator lifts a lock (recorded)."""

    list_display = ["key", "failures", "lockouts", "last_failure_at", "locked_until"]
    search_fields = ["key"]
    ordering = ["-last_failure_at"]
    actions = ["unlock"]

    def has_unlock_permission(self, request) -> bool:
        return is_administrator(request.user)

    @admin.action(description=_("Unlock the selected sign-ins"), permissions=["unlock"])
    def unlock(self, request, queryset):
        for row in queryset:
            login_unlock(throttle=row, actor=request.user, reason="unlocked by administrator")


@admin.register(TotpDevice)
class TotpDeviceAdmin(ReadOnlyAdmin):
    """Enrolled authenticators; an administrator removes one for a person who lost the phone (recorded)."""

    list_display = ["user", "created_at"]
    list_select_related = ["user"]
    search_fields = ["user__username"]
    exclude = ["secret", "last_step"]
    actions = ["remove"]

    def has_remove_permission(self, request) -> bool:
        return is_administrator(request.user)

    @admin.action(description=_("Remove the selected devices (the user enrols again)"), permissions=["remove"])
    def remove(self, request, queryset):
        for device in queryset.select_related("user"):
            totp_device_remove(user=device.user, actor=request.user, reason="removed by administrator")
