"""Administrators edit the reply letter templates; requests and appeals are read here (they change only
through the services, which keep the clock and the timeline right)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from yimen.core.admin_audit import AuditedAdmin
from yimen.disclosure import letter_texts
from yimen.disclosure.models import Appeal, DisclosureRequest, LetterTemplate


@admin.register(LetterTemplate)
class LetterTemplateAdmin(AuditedAdmin):
    """One template per outcome; a new one starts from the default text. The remedies paragraph
    (行政复议 60 days, 行政诉讼 6 months) is always added and is not part of the template."""

    list_display = ("outcome", "title", "updated_at")
    fields = ("outcome", "title", "body")

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial = super().get_changeform_initial_data(request)
        outcome = str(initial.get("outcome") or "")
        if outcome in letter_texts.DEFAULTS:
            initial["title"], initial["body"] = letter_texts.DEFAULTS[outcome]
        return initial

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "body" and field is not None:
            names = "、".join(
                f"{{{{ {name} }}}}（{label}）" for name, label in letter_texts.PLACEHOLDERS.items()
            )
            field.help_text = f"可用占位符：{names}"
        return field


class ReadOnly(AuditedAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(DisclosureRequest)
class DisclosureRequestAdmin(ReadOnly):
    list_display = ("number", "organisation", "applicant_name", "state", "outcome", "received_on", "due_on")
    list_filter = ("state", "outcome", "rules", "channel")
    search_fields = ("number", "applicant_name")
    date_hierarchy = "received_on"


@admin.register(Appeal)
class AppealAdmin(ReadOnly):
    list_display = ("request", "kind", "filed_on", "result", "decided_on")
    list_filter = ("kind", "result")
