"""SMS in the admin: templates an administrator edits (audited, placeholders checked), and the sent log."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from yimen.core import notify
from yimen.core.admin_audit import AuditedAdmin
from yimen.core.fields import matching
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
    """Read-only: rows are written by the worker and the gateway's reports; phones are shown masked.

    The search box finds a message by its whole key or gateway id, or by the whole phone number (spaces
    allowed): the phone is sealed, so it is compared through its blind index, and a part of a number
    finds nothing."""

    list_display = ["created_at", "masked_phone", "template", "status", "channel", "attempts", "sent_at"]
    list_filter = ["status", "template", "channel"]
    search_fields = ["=key", "=provider_id"]
    search_help_text = "输入完整的手机号码、幂等键或网关短信编号（手机号码已加密存储，只能按完整号码查找）"
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

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[SmsMessage], search_term: str
    ) -> tuple[QuerySet[SmsMessage], bool]:
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if search_term.strip():
            found |= queryset.filter(matching(SmsMessage, "phone", search_term))
        return found, may_have_duplicates

    @admin.display(description="手机号码")
    def masked_phone(self, obj: SmsMessage) -> str:
        return mask_phone(obj.phone)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
