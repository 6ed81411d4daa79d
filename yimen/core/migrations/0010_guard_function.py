"""PostgreSQL: `yimen_expect_one(n)`, which fails the statement (SQLSTATE YM409) unless n is 1.

A guarded write (`core.batch.execute(..., guard=True)`) is sent as
`WITH changed AS (UPDATE … RETURNING 1) SELECT yimen_expect_one(count(*)) FROM changed`, so a row that
changed since it was read stops the step's writes inside the same round trip, before its COMMIT.
SQLite checks the row count after the statement instead."""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION yimen_expect_one(changed bigint) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF changed <> 1 THEN
        RAISE EXCEPTION 'guarded write changed % rows, expected 1', changed USING ERRCODE = 'YM409';
    END IF;
END
$$"""
DROP = "DROP FUNCTION IF EXISTS yimen_expect_one(bigint)"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("core", "0009_fewer_outbox_and_audit_indexes")]

    operations = [migrations.RunPython(create, drop)]
