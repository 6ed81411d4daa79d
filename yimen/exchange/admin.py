"""Django admin for the exchange targets: a read-only view beside the office's pages, which are where
targets change (exchange.services: validated, audited). The key is never displayed, the alert phone
masked."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from yimen.core.admin_audit import AuditedAdmin
from yimen.core.identity import mask_phone
from yimen.exchange import services
from yimen.exchange.models import Target

# The settings the office's form keeps (the key and the phone shown as below), then the state.
SHOWN = (
    *(name for name in services.FIELDS if name not in ("secret", "alert_phone")),
    "masked_alert_phone",
    "key_set",
    "active",
    "disabled_at",
    "disabled_reason",
    "last_push_at",
    "created_at",
)


@admin.register(Target)
class TargetAdmin(AuditedAdmin):
    list_display = ["code", "name", "role", "transport", "active", "disabled_reason", "last_push_at"]
    list_filter = ["active", "role", "transport"]
    search_fields = ["code", "name"]
    fields = SHOWN
    readonly_fields = SHOWN

    @admin.display(description="密钥")
    def key_set(self, target: Target) -> str:
        return "已设置" if target.secret else "未设置"

    @admin.display(description="告警手机")
    def masked_alert_phone(self, target: Target) -> str:
        return mask_phone(target.alert_phone) if target.alert_phone else "—"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # the office's form validates and audits a new target

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a target's deliveries are the record of what was pushed
