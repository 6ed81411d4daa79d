"""Open data in the Django admin: read only. Data sets and applications change only through the office's
pages and their services, which generate the files, issue the keys and write the audit log."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from yimen.core.admin_audit import AuditedAdmin
from yimen.opendata.models import AccessApplication, Dataset, Distribution


class ReadOnly(AuditedAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Dataset)
class DatasetAdmin(ReadOnly):
    list_display = (
        "identifier",
        "title",
        "publisher",
        "openness",
        "frequency",
        "is_published",
        "modified_at",
    )
    list_filter = ("is_published", "openness", "theme")
    search_fields = ("identifier", "title")


@admin.register(Distribution)
class DistributionAdmin(ReadOnly):
    list_display = ("dataset", "format", "record_count", "byte_size", "generated_at", "download_count")


@admin.register(AccessApplication)
class AccessApplicationAdmin(ReadOnly):
    list_display = ("__str__", "applicant", "publisher", "state", "created_at")
    list_filter = ("state",)
    exclude = ("phone",)
