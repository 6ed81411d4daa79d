from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from yimen.core.admin_audit import AuditedAdmin
from yimen.org.models import Organisation, Region, Staff, StaffRole, Window
from yimen.org.services import separation_error


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


class StaffRoleFormSet(forms.BaseInlineFormSet):
    """三权分立 over all the roles the page would leave the account with, the new rows included."""

    def clean(self) -> None:
        super().clean()
        roles = [
            form.cleaned_data["role"]
            for form in self.forms
            if form.cleaned_data.get("role") and not form.cleaned_data.get("DELETE")
        ]
        if message := separation_error(roles, superuser=bool(self.instance.is_superuser)):
            raise forms.ValidationError(message)


class StaffRoleInline(admin.TabularInline):
    model = StaffRole
    formset = StaffRoleFormSet
    extra = 1
    autocomplete_fields = ["organisation"]


@admin.register(Staff)
class StaffAdmin(AuditedAdmin, UserAdmin):
    list_display = ["username", "full_name", "organisation", "window", "is_active", "password_changed_at"]
    list_filter = ["is_active", "organisation"]
    search_fields = ["username", "full_name", "phone"]
    autocomplete_fields = ["organisation", "window"]
    inlines = [StaffRoleInline]
    readonly_fields = ["password_changed_at"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        ("基本信息", {"fields": ["full_name", "phone", "organisation", "window"]}),
        ("状态", {"fields": ["is_active", "is_staff", "is_superuser", "password_changed_at"]}),
    ]
    add_fieldsets = [(None, {"fields": ["username", "full_name", "organisation", "password1", "password2"]})]
