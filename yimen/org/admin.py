from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from yimen.core.admin_audit import AuditedAdmin
from yimen.org.models import Organisation, Region, Staff, StaffRole, Window


@admin.register(Region)
class RegionAdmin(AuditedAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]


@admin.register(Organisation)
class OrganisationAdmin(AuditedAdmin):
    list_display = ["code", "name", "kind", "region", "contact_phone", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name", "uscc"]
    autocomplete_fields = ["region", "parent"]


@admin.register(Window)
class WindowAdmin(AuditedAdmin):
    list_display = ["number", "name", "is_comprehensive", "supervision_phone", "is_active"]
    list_filter = ["is_comprehensive", "is_active"]
    search_fields = ["number", "name"]
    filter_horizontal = ["organisations"]


class StaffRoleInline(admin.TabularInline):
    model = StaffRole
    extra = 1
    autocomplete_fields = ["organisation"]


@admin.register(Staff)
class StaffAdmin(AuditedAdmin, UserAdmin):
    list_display = ["username", "full_name", "organisation", "window", "is_active", "locked_until"]
    list_filter = ["is_active", "organisation"]
    search_fields = ["username", "full_name", "phone"]
    autocomplete_fields = ["organisation", "window"]
    inlines = [StaffRoleInline]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        ("基本信息", {"fields": ["full_name", "phone", "organisation", "window"]}),
        ("状态", {"fields": ["is_active", "is_staff", "is_superuser", "failed_logins", "locked_until"]}),
    ]
    add_fieldsets = [(None, {"fields": ["username", "full_name", "organisation", "password1", "password2"]})]
