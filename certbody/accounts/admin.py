"""Users with their role grants inline; API tokens are shown, never created here (only their hash is kept)."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from certbody.core.admin import AdministratorMixin, AuditedAdmin, ReadOnlyAdmin, is_administrator

from .models import ApiToken, RoleGrant, User


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

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("role_grants")

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
