"""Django admin for the disclosure settings an administrator may need to correct, every change audited.
Publications themselves change only through the services (the office pages)."""

from __future__ import annotations

from django.contrib import admin
from django.db import models, transaction
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


@admin.register(FeedSource)
class FeedSourceAdmin(AuditedAdmin):
    list_display = ["name", "level", "url", "is_active", "last_fetched_at", "last_error"]
    list_filter = ["level", "is_active"]
    readonly_fields = ["etag", "last_modified", "last_fetched_at", "last_error"]

    def save_model(self, request: HttpRequest, obj: models.Model, form: ModelForm, change: bool) -> None:
        """A source added or switched on here is fetched by the worker without `yimen feeds schedule`."""
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            feed_import.ensure_scheduled()
