"""Full-text search over jieba-segmented text, inside the database Yimen already has.

SQLite: an FTS5 table (unicode61 tokenizer over pre-segmented text, bm25 ranking, title weighted 10×).
PostgreSQL: a table of `tsvector`s under the `simple` configuration with a GIN index, title weight A,
body weight B, ranked by ts_rank. One table per index name (`search_<name>`), keyed by the record's id.
Trigram tokenizers are avoided: they never match the two-character words most Chinese queries are.
"""

from __future__ import annotations

from django.db import connection
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from yimen.core.text import index_terms, query_terms


def _table(name: str) -> str:
    if not name.isidentifier():
        raise ValueError(name)
    return f"search_{name}"


def create_index(schema_editor: BaseDatabaseSchemaEditor, name: str) -> None:
    """Create the index table; for migrations (`RunPython`)."""
    table = _table(name)
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE TABLE {table} (id bigint PRIMARY KEY, document tsvector NOT NULL)")
        schema_editor.execute(f"CREATE INDEX {table}_gin ON {table} USING gin (document)")
    else:
        schema_editor.execute(f"CREATE VIRTUAL TABLE {table} USING fts5(title, body, tokenize='unicode61')")


def drop_index(schema_editor: BaseDatabaseSchemaEditor, name: str) -> None:
    schema_editor.execute(f"DROP TABLE IF EXISTS {_table(name)}")


def upsert(name: str, record_id: int, title: str, body: str) -> None:
    table = _table(name)
    title_terms, body_terms = index_terms(title), index_terms(body)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"INSERT INTO {table} (id, document) VALUES (%s, "
                "setweight(to_tsvector('simple', %s), 'A') || setweight(to_tsvector('simple', %s), 'B')) "
                "ON CONFLICT (id) DO UPDATE SET document = EXCLUDED.document",
                [record_id, title_terms, body_terms],
            )
        else:
            cursor.execute(f"DELETE FROM {table} WHERE rowid = %s", [record_id])
            cursor.execute(
                f"INSERT INTO {table} (rowid, title, body) VALUES (%s, %s, %s)",
                [record_id, title_terms, body_terms],
            )


def delete(name: str, record_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {_table(name)} WHERE {'id' if connection.vendor == 'postgresql' else 'rowid'} = %s",
            [record_id],
        )


def clear(name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {_table(name)}")


def count(name: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {_table(name)}")
        return int(cursor.fetchone()[0])


def match(name: str, query: str, *, limit: int = 1000) -> list[int]:
    """Ids of the records containing every word of `query`, best first."""
    terms = query_terms(query)
    if not terms:
        return []
    table = _table(name)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"SELECT id FROM {table}, plainto_tsquery('simple', %s) q WHERE document @@ q "
                "ORDER BY ts_rank(document, q) DESC, id LIMIT %s",
                [" ".join(terms), limit],
            )
        else:
            expression = " AND ".join('"' + term.replace('"', '""') + '"' for term in terms)
            cursor.execute(
                f"SELECT rowid FROM {table} WHERE {table} MATCH %s ORDER BY bm25({table}, 10.0, 1.0), rowid LIMIT %s",
                [expression, limit],
            )
        return [row[0] for row in cursor.fetchall()]
