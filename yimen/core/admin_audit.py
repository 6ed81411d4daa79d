"""A ModelAdmin base whose every add, change and delete lands in Yimen's audit log."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models, transaction
from django.forms import ModelForm
from django.http import HttpRequest

from yimen.core import audit


class AuditedAdmin(admin.ModelAdmin):
    def save_model(self, request: HttpRequest, obj: models.Model, form: ModelForm, change: bool) -> None:
        before = {name: form.initial.get(name) for name in form.changed_data} if change else None
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            after = {name: form.cleaned_data.get(name) for name in form.changed_data}
            action = f"{obj._meta.label_lower}.{'changed' if change else 'created'}"
            audit.record(action, obj, actor=request.user, before=before, after=after)

    def delete_model(self, request: HttpRequest, obj: models.Model) -> None:
        with transaction.atomic():
            audit.record(
                f"{obj._meta.label_lower}.deleted", obj, actor=request.user, before={"repr": str(obj)}
            )
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        with transaction.atomic():
            for obj in queryset:
                audit.record(
                    f"{obj._meta.label_lower}.deleted", obj, actor=request.user, before={"repr": str(obj)}
                )
            super().delete_queryset(request, queryset)
