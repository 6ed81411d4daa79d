"""SMS in the admin: templates an administrator edits (audited, placeholders checked), and the sent log."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from yimen.core import notify
from yimen.core.admin_audit import AuditedAdmin
from yimen.core.identity import mask_phone
from yimen.core.models import SmsMessage, SmsTemplate


def _placeholder_list(code: str) -> str:
    return "、".join(f"{{{name}}}" for name in notify.ALLOWED_PLACEHOLDERS.get(code, ()))


class SmsTemplateForm(forms.ModelForm):
    class Meta:
        model = SmsTemplate
        fields = ["code", "name", "body", "is_active"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        code = cleaned.get("code") or self.instance.code
        body = cleaned.get("body")
        if code and body is not None:
            for field, messages in notify.template_errors(code=code, body=body).items():
                for message in messages:
                    self.add_error(field if field in self.fields else None, message)
        return cleaned


@admin.register(SmsTemplate)
class SmsTemplateAdmin(AuditedAdmin):
    form = SmsTemplateForm
    list_display = ["code", "name", "body", "is_active", "updated_at"]
    list_filter = ["is_active"]
    search_fields = ["code", "name", "body"]

    @admin.display(description="可用占位符")
    def placeholders(self, obj: SmsTemplate | None) -> str:
        if obj is not None and obj.pk:
            return _placeholder_list(obj.code)
        return "；".join(f"{code}：{_placeholder_list(code)}" for code in notify.ALLOWED_PLACEHOLDERS)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # The code is what the senders ask for: renaming it would silence that kind of SMS.
        return ["code", "placeholders", "updated_at"] if obj else ["placeholders"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # switch a template off (启用) instead: senders keep asking for it


@admin.register(SmsMessage)
class SmsMessageAdmin(admin.ModelAdmin):
    """Read-only: rows are written by the worker and the gateway's reports; phones are shown masked."""

    list_display = ["created_at", "masked_phone", "template", "status", "channel", "attempts", "sent_at"]
    list_filter = ["status", "template", "channel"]
    search_fields = ["=phone", "=key", "=provider_id"]
    fields = readonly_fields = (
        "key",
        "masked_phone",
        "template",
        "text",
        "status",
        "channel",
        "attempts",
        "provider_id",
        "error",
        "created_at",
        "sent_at",
        "delivered_at",
    )
    show_full_result_count = False  # counting a province's SMS log on every page is not worth it

    @admin.display(description="手机号码")
    def masked_phone(self, obj: SmsMessage) -> str:
        return mask_phone(obj.phone)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
