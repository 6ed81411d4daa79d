"""The publications' search index (yimen/publishing/search.py): not a model, a table per database.

The statements are written out here rather than imported, so that this migration keeps creating the
schema it was written for whatever the search module becomes.
"""

from django.db import DatabaseError, migrations, transaction

POSTGRESQL = [
    """CREATE TABLE search_publication (
        id bigint PRIMARY KEY,
        organisation_id bigint NOT NULL,
        node_code varchar(40) NOT NULL,
        year smallint NOT NULL,
        kind varchar(20) NOT NULL,
        validity varchar(10) NOT NULL,
        published_at timestamptz NOT NULL,
        document_number varchar(100) NOT NULL,
        title text NOT NULL,
        title_terms tsvector NOT NULL,
        document tsvector NOT NULL
    ) WITH (toast_tuple_target = 128)""",
    # The facets and the title stay in the row; the document goes out of line, so that matching and
    # counting read narrow rows.
    "ALTER TABLE search_publication ALTER COLUMN title SET STORAGE MAIN",
    "ALTER TABLE search_publication ALTER COLUMN title_terms SET STORAGE MAIN",
    "CREATE INDEX search_publication_document ON search_publication USING gin (document)",
    "CREATE INDEX search_publication_title_terms ON search_publication USING gin (title_terms)",
    # The sample: one run of 16 consecutive ids in 32 (consecutive ids sit in the same pages, so
    # counting the sample reads few pages). Counts and facets of common words are estimated from it
    # (%% is psycopg's escape for %).
    "CREATE INDEX search_publication_sample ON search_publication USING gin (document) "
    "WHERE (id / 16) %% 32 = 0",
    "CREATE INDEX search_publication_title_sample ON search_publication USING gin (title_terms) "
    "WHERE (id / 16) %% 32 = 0",
    "CREATE INDEX search_publication_recent ON search_publication (published_at, id)",
    "CREATE INDEX search_publication_org ON search_publication (organisation_id, published_at)",
    "CREATE INDEX search_publication_number ON search_publication (document_number)",
]
POSTGRESQL_TRIGRAM = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX search_publication_number_trgm ON search_publication USING gin (document_number gin_trgm_ops)",
]
SQLITE = [
    "CREATE VIRTUAL TABLE search_publication USING fts5(title, body, tokenize='unicode61')",
    """CREATE TABLE search_publication_meta (
        id integer PRIMARY KEY,
        organisation_id integer NOT NULL,
        node_code varchar(40) NOT NULL,
        year integer NOT NULL,
        kind varchar(20) NOT NULL,
        validity varchar(10) NOT NULL,
        published_at datetime NOT NULL,
        document_number varchar(100) NOT NULL,
        title text NOT NULL
    )""",
    "CREATE INDEX search_publication_meta_recent ON search_publication_meta (published_at, id)",
    "CREATE INDEX search_publication_meta_org ON search_publication_meta (organisation_id, published_at)",
    "CREATE INDEX search_publication_meta_number ON search_publication_meta (document_number)",
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        for sql in SQLITE:
            schema_editor.execute(sql)
        return
    for sql in POSTGRESQL:
        schema_editor.execute(sql)
    try:
        # pg_trgm is a trusted extension (PostgreSQL 13+), but a cluster may not ship it: search then
        # matches parts of a 文号 by scanning the index table's 文号 column instead.
        with transaction.atomic(using=schema_editor.connection.alias):
            for sql in POSTGRESQL_TRIGRAM:
                schema_editor.execute(sql)
    except DatabaseError:
        pass


def drop(apps, schema_editor):
    schema_editor.execute("DROP TABLE IF EXISTS search_publication")
    schema_editor.execute("DROP TABLE IF EXISTS search_publication_meta")


class Migration(migrations.Migration):
    dependencies = [("publishing", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
