"""PostgreSQL: drop `yimen_expect_one(n)` (0010). A guarded write is now checked by the row count its UPDATE
reports, on both databases, so no statement calls the function any more."""

import importlib

from django.db import migrations

guard = importlib.import_module("yimen.core.migrations.0010_guard_function")


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(guard.DROP)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(guard.CREATE, params=None)


class Migration(migrations.Migration):
    dependencies = [("core", "0010_guard_function")]

    operations = [migrations.RunPython(drop, create)]
