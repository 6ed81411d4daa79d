"""Django admin for the disclosure settings an administrator may need to correct, every change audited.
Publications themselves change only through the services (the office pages)."""

from __future__ import annotations

from django.contrib import admin

from yimen.core.admin_audit import AuditedAdmin
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


@admin.register(FeedSource)
class FeedSourceAdmin(AuditedAdmin):
    list_display = ["name", "level", "url", "is_active", "last_fetched_at", "last_error"]
    list_filter = ["level", "is_active"]
    readonly_fields = ["etag", "last_modified", "last_fetched_at", "last_error"]
