from django.contrib import admin

from .models import ComplaintIntake, DocumentVersion, FeeItem, PublishedDocument


class ReadOnlyAdmin(admin.ModelAdmin):
    """Changes go through the staff pages (services with audit); the admin only looks."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PublishedDocument)
class PublishedDocumentAdmin(ReadOnlyAdmin):
    list_display = ("code", "title_zh", "kind", "status")
    list_filter = ("kind", "status")


@admin.register(DocumentVersion)
class DocumentVersionAdmin(ReadOnlyAdmin):
    list_display = ("document", "version", "effective_from", "is_current", "published_at")


@admin.register(FeeItem)
class FeeItemAdmin(ReadOnlyAdmin):
    list_display = ("item_zh", "category", "amount", "is_active")


@admin.register(ComplaintIntake)
class ComplaintIntakeAdmin(ReadOnlyAdmin):
    list_display = ("tracking_number", "topic", "name", "status", "received_at")
    list_filter = ("status", "topic")
