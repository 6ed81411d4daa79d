"""The stamp that tells every process its in-memory copy of the catalogue's search is stale
(catalog/search_memory.py): one row, rewritten by every change to the search index."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("catalog", "0004_serviceitem_yellow_days_left_and_more")]
    operations = [
        migrations.RunSQL(
            [
                "CREATE TABLE catalog_search_revision (id integer PRIMARY KEY, stamp bigint NOT NULL)",
                "INSERT INTO catalog_search_revision (id, stamp) VALUES (1, 0)",
            ],
            ["DROP TABLE catalog_search_revision"],
        )
    ]
