"""SQLite: the sample of the publications' search index in an FTS5 table of its own.

Counting a common word's hits among the sample (one run of 16 consecutive ids in 32) through the main
FTS5 table still reads every hit's rowid; a table holding only the sample reads a thirty-second of
them. PostgreSQL has partial indexes over the sample already (0002). Statements written out, as in 0002.
"""

from django.db import migrations

SQLITE = [
    "CREATE VIRTUAL TABLE search_publication_sampled USING fts5(title, body, tokenize='unicode61')",
    "INSERT INTO search_publication_sampled (rowid, title, body) "
    "SELECT rowid, title, body FROM search_publication WHERE (rowid / 16) % 32 = 0",
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        return
    for sql in SQLITE:
        schema_editor.execute(sql)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        schema_editor.execute("DROP TABLE IF EXISTS search_publication_sampled")


class Migration(migrations.Migration):
    dependencies = [("publishing", "0003_revisions_and_rejections")]
    operations = [migrations.RunPython(create, drop)]
