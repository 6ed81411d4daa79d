"""Django admin for the disclosure settings an administrator may need to correct, every change audited.
Publications themselves change only through the services (the office pages)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models, transaction
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from yimen.core.admin_audit import AuditedAdmin
from yimen.publishing import feed_import
from yimen.publishing.models import CatalogueNode, DisclosureSettings, FeedSource


@admin.register(DisclosureSettings)
class DisclosureSettingsAdmin(AuditedAdmin):
    list_display = ["organisation", "office_name", "phone", "index_code", "updated_at"]
    search_fields = ["organisation__name", "office_name"]


@admin.register(CatalogueNode)
class CatalogueNodeAdmin(AuditedAdmin):
    list_display = ["name", "code", "organisation", "parent", "responsible_office", "position", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "code", "organisation__name"]
    filter_horizontal = ["editors"]
    list_select_related = ["organisation", "parent"]


class FeedFailing(admin.SimpleListFilter):
    title = "抓取状态"
    parameter_name = "failing"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]) -> list[tuple[str, str]]:
        return [("yes", "抓取失败中"), ("no", "正常")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "yes":
            return queryset.filter(failures__gt=0)
        if self.value() == "no":
            return queryset.filter(failures=0)
        return queryset


@admin.register(FeedSource)
class FeedSourceAdmin(AuditedAdmin):
    """Sources are managed here; a feed that fails says so in the list: how many times in a row, the
    last error and when, so the administrator can correct the address or ask the portal."""

    list_display = [
        "name",
        "level",
        "url",
        "is_active",
        "state",
        "last_fetched_at",
        "last_error",
        "last_error_at",
    ]
    list_filter = [FeedFailing, "level", "is_active"]
    readonly_fields = [
        "etag",
        "last_modified",
        "last_fetched_at",
        "state",
        "failures",
        "last_error",
        "last_error_at",
    ]

    @admin.display(description="抓取状态")
    def state(self, source: FeedSource) -> str:
        return source.state

    def save_model(self, request: HttpRequest, obj: models.Model, form: ModelForm, change: bool) -> None:
        """A source added or switched on here is fetched by the worker without `yimen feeds schedule`."""
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            feed_import.ensure_scheduled()
