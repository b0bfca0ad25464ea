"""Admin: shared rules, and the core records (audit trail, status history, counters, settings).

Two kinds of model in the admin:
- reference data (catalogue, clients, labs, users, settings): administrators edit it here, and
  every add, change and delete is written to the audit chain;
- lifecycle records (applications, certificates, evaluations, the audit trail itself): read-only.
  Their state only changes through the services, which check the rules and write the history.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin
from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .audit import audit_record
from .config import DEFAULTS
from .models import AuditEvent, NumberSequence, StatusChange, SystemSetting
from .roles import Role

admin.site.site_header = gettext_lazy("certbody administration")
admin.site.site_title = gettext_lazy("certbody administration")
admin.site.index_title = gettext_lazy("Reference data and records")


def is_administrator(user: Any) -> bool:
    """Superusers, and staff accounts holding the administrator role."""
    if not (user and user.is_active and user.is_staff):
        return False
    return user.is_superuser or user.has_role(Role.ADMIN)


class AdministratorMixin:
    """Administrators may use this admin whatever their Django model permissions."""

    def has_module_permission(self, request) -> bool:
        return is_administrator(request.user) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return is_administrator(request.user) or super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args) -> bool:
        return is_administrator(request.user) or super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None) -> bool:
        return is_administrator(request.user) or super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return is_administrator(request.user) or super().has_delete_permission(request, obj)


class ReadOnlyMixin:
    """A lifecycle record: visible to administrators, never added, changed or deleted here."""

    def has_module_permission(self, request) -> bool:
        return is_administrator(request.user) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return is_administrator(request.user) or super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    # Counting a million rows twice per page is wasted work: one count is enough.
    show_full_result_count = False
    list_per_page = 50


class ReadOnlyTabularInline(ReadOnlyMixin, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True


class ReadOnlyStackedInline(ReadOnlyMixin, admin.StackedInline):
    extra = 0
    can_delete = False


def _plain(value: Any) -> Any:
    """A form value as it is recorded in an audit event: ids for objects, lists for sets."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, models.QuerySet | list | tuple | set):
        return sorted((_plain(v) for v in value), key=str)
    if isinstance(value, date | datetime | Decimal):
        return str(value)
    return value


def _changes(form: forms.ModelForm) -> tuple[dict[str, Any], dict[str, Any]]:
    fields = [f for f in form.changed_data if "password" not in f]
    before = {f: _plain(form.initial.get(f)) for f in fields}
    after = {f: _plain(form.cleaned_data.get(f)) for f in fields}
    return before, after


class AuditedAdmin(AdministratorMixin, admin.ModelAdmin):
    """Reference data edited here: each add, change and delete (inlines too) joins the audit chain."""

    def save_model(self, request, obj, form, change):
        before, after = _changes(form)
        super().save_model(request, obj, form, change)
        if change and not after:
            return
        audit_record(
            actor=request.user,
            action=f"{obj._meta.model_name}.admin_{'change' if change else 'create'}",
            obj=obj,
            before=before if change else {},
            after=after,
        )

    def save_formset(self, request, form, formset, change):
        parent = form.instance
        deleted = [f for f in formset.forms if f in getattr(formset, "deleted_forms", [])]
        for inline_form in deleted:
            if inline_form.instance.pk:
                audit_record(
                    actor=request.user,
                    action=f"{inline_form.instance._meta.model_name}.admin_delete",
                    obj=inline_form.instance,
                    before={"repr": str(inline_form.instance)},
                    subject=parent,
                )
        changed = [
            (f, f.instance.pk is None, *_changes(f))
            for f in formset.forms
            if f not in deleted and f.has_changed() and getattr(f, "cleaned_data", None)
        ]
        super().save_formset(request, form, formset, change)
        for inline_form, created, before, after in changed:
            if inline_form.instance.pk is None:
                continue
            audit_record(
                actor=request.user,
                action=f"{inline_form.instance._meta.model_name}.admin_{'create' if created else 'change'}",
                obj=inline_form.instance,
                before={} if created else before,
                after=after,
                subject=parent,
            )

    def delete_model(self, request, obj):
        audit_record(
            actor=request.user, action=f"{obj._meta.model_name}.admin_delete", obj=obj, before={"repr": str(obj)}
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                audit_record(
                    actor=request.user,
                    action=f"{obj._meta.model_name}.admin_delete",
                    obj=obj,
                    before={"repr": str(obj)},
                )
            super().delete_queryset(request, queryset)


# --- core records -------------------------------------------------------------------------------


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["seq", "occurred_at", "actor_label", "action", "object_type", "object_repr"]
    list_select_related = ["actor"]
    search_fields = ["=seq", "=object_id", "=subject_id", "^action", "actor_label"]
    search_help_text = gettext_lazy("Sequence number, object or case id (exact), action (beginning), or actor.")
    ordering = ["-seq"]


@admin.register(StatusChange)
class StatusChangeAdmin(ReadOnlyAdmin):
    list_display = ["at", "content_type", "object_id", "from_status", "to_status", "transition", "actor", "reason_code"]
    list_select_related = ["content_type", "actor"]
    list_filter = ["content_type", "transition"]
    search_fields = ["=object_id", "reason"]
    ordering = ["-at", "-id"]


@admin.register(NumberSequence)
class NumberSequenceAdmin(ReadOnlyAdmin):
    """Counters only move when a number is issued; editing one could hand out a number twice."""

    list_display = ["key", "last_value"]
    search_fields = ["^key"]
    ordering = ["key"]


class SystemSettingForm(forms.ModelForm):
    key = forms.ChoiceField(label=gettext_lazy("setting"))

    class Meta:
        model = SystemSetting
        fields = ["key", "value"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["key"].choices = [
            (key, f"{key} — {label} ({_('default')}: {default})") for key, (default, label) in DEFAULTS.items()
        ]
        self.fields["value"].help_text = _("A JSON value of the same kind as the default, e.g. 10 for days.")

    def clean(self):
        data = super().clean()
        key, value = data.get("key"), data.get("value")
        if key in DEFAULTS and "value" in data:
            default = DEFAULTS[key][0]
            if isinstance(default, int) and not isinstance(default, bool):
                if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                    self.add_error(
                        "value",
                        _("%(setting)s needs a whole number, zero or more (default %(default)s).")
                        % {"setting": key, "default": default},
                    )
            elif not isinstance(value, type(default)):
                self.add_error(
                    "value",
                    _("%(setting)s needs a value like its default, %(default)s.")
                    % {"setting": key, "default": default},
                )
        return data


@admin.register(SystemSetting)
class SystemSettingAdmin(AuditedAdmin):
    form = SystemSettingForm
    list_display = ["key", "value", "description", "default", "updated_at"]
    ordering = ["key"]

    @admin.display(description=gettext_lazy("meaning"))
    def description(self, obj):
        return DEFAULTS.get(obj.key, ("", ""))[1]

    @admin.display(description=gettext_lazy("default"))
    def default(self, obj):
        return DEFAULTS.get(obj.key, ("", ""))[0]
