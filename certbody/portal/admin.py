"""Portal records in the admin: read-only; the outbox shows what waits, what failed and why."""

from __future__ import annotations

from django.contrib import admin

from certbody.core.admin import ReadOnlyAdmin

from .models import Invitation, OutboxMail


@admin.register(OutboxMail)
class OutboxMailAdmin(ReadOnlyAdmin):
    list_display = ["id", "to", "subject", "status", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["status"]
    search_fields = ["to", "subject"]
    exclude = ["body"]  # a pending mail's text holds confirmation and invitation links


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ["email", "organisation", "invited_by", "created_at", "expires_at", "accepted_at"]
    exclude = ["token_hash"]
