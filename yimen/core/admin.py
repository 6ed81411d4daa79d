from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from yimen.core import admin_sms  # noqa: F401  (registers the SMS pages)
from yimen.core.models import AuditEntry, OutboxMessage


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: the audit log is appended by the services, never edited."""

    list_display = ["seq", "at", "actor_label", "action", "object_repr"]
    list_filter = ["action"]
    search_fields = ["object_repr", "actor_label", "object_id"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "status", "attempts", "available_at", "delivered_at"]
    list_filter = ["status", "name"]
    readonly_fields = [
        "name",
        "payload",
        "key",
        "status",
        "attempts",
        "available_at",
        "claimed_until",
        "created_at",
        "delivered_at",
        "last_error",
    ]
    actions = ["requeue"]

    @admin.action(description="重新投递所选死信")
    def requeue(self, request: HttpRequest, queryset: object) -> None:
        from yimen.core.events import requeue_dead

        count = requeue_dead([m.id for m in queryset])  # type: ignore[attr-defined]
        self.message_user(request, f"已重新排队 {count} 条死信。")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
