"""Full-text search over jieba-segmented text, inside the database Yimen already has.

SQLite: an FTS5 table (unicode61 tokenizer over pre-segmented text, bm25 ranking, title weighted 10×).
PostgreSQL: a table of `tsvector`s under the `simple` configuration with a GIN index, title weight A,
body weight B, ranked by ts_rank. One table per index name (`search_<name>`), keyed by the record's id.
Trigram tokenizers are avoided: they never match the two-character words most Chinese queries are.
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.backends.base.schema import BaseDatabaseSchemaEditor

from yimen.core.text import index_terms, normalize, query_terms


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
                f"INSERT INTO {table} (id, document) VALUES (%s, "  # nosec B608  # identifiers are the module's own table and column names; every value is a bound parameter
                "setweight(to_tsvector('simple', %s), 'A') || setweight(to_tsvector('simple', %s), 'B')) "
                "ON CONFLICT (id) DO UPDATE SET document = EXCLUDED.document",
                [record_id, title_terms, body_terms],
            )
        else:
            cursor.execute(f"DELETE FROM {table} WHERE rowid = %s", [record_id])  # nosec B608  # identifiers are the module's own table and column names; every value is a bound parameter
            cursor.execute(
                f"INSERT INTO {table} (rowid, title, body) VALUES (%s, %s, %s)",  # nosec B608  # identifiers are the module's own table and column names; every value is a bound parameter
                [record_id, title_terms, body_terms],
            )


def delete(name: str, record_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {_table(name)} WHERE {'id' if connection.vendor == 'postgresql' else 'rowid'} = %s",  # nosec B608  # identifiers are the module's own table and column names; every value is a bound parameter
            [record_id],
        )


def clear(name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {_table(name)}")  # nosec B608  # identifiers are the module's own table and column names; every value is a bound parameter


def count(name: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {_table(name)}")  # nosec B608  # identifiers are the module's own table and column names; every value is a bound parameter
        return int(cursor.fetchone()[0])


def query_words(query: str) -> list[str]:
    """The query's words; a query jieba can only split into single characters (不动, the start of 不动产)
    is looked up whole, as the index also holds the shorter dictionary words inside longer ones."""
    terms = query_terms(query)
    whole = "".join(terms)
    if len(terms) > 1 and all(len(t) == 1 for t in terms) and whole in normalize(query):
        return [whole]
    return terms


def _matching(name: str, query: str) -> tuple[str, list[Any]] | None:
    """FROM and WHERE of the records containing every word of `query` (PostgreSQL: with `q`, the tsquery)."""
    terms = query_words(query)
    if not terms:
        return None
    table = _table(name)
    if connection.vendor == "postgresql":
        return f"FROM {table}, plainto_tsquery('simple', %s) q WHERE document @@ q", [" ".join(terms)]
    expression = " AND ".join('"' + term.replace('"', '""') + '"' for term in terms)
    return f"FROM {table} WHERE {table} MATCH %s", [expression]


def match_count(name: str, query: str) -> int:
    """How many records contain every word of `query`, counted by the index."""
    matching = _matching(name, query)
    if matching is None:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) {matching[0]}", matching[1])
        return int(cursor.fetchone()[0])


def _ranked_columns(name: str) -> str:
    if connection.vendor == "postgresql":
        return "id, -ts_rank(document, q) AS score"
    return f"rowid AS id, bm25({_table(name)}, 10.0, 1.0) AS score"


def ranked_ids(name: str, query: str) -> list[int]:
    """Every record containing every word of `query`, best first (ties by id)."""
    matching = _matching(name, query)
    if matching is None:
        return []
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {_ranked_columns(name)} {matching[0]} ORDER BY score, id", matching[1])
        return [row[0] for row in cursor.fetchall()]


def ranked_sql(name: str, query: str, *, limit: int, offset: int = 0) -> tuple[str, list[Any]] | None:
    """SQL of one page of the records containing every word of `query`, best first.

    Its columns: `id`, `score` (lower is better: bm25 with the title weighted 10×, or minus ts_rank
    with weights A/B) and `total`, how many records match in all. Ties go by id, so pages never
    overlap. None when the query has no words.
    """
    matching = _matching(name, query)
    if matching is None:
        return None
    sql, params = matching
    columns = _ranked_columns(name)
    return (
        f"SELECT {columns}, (SELECT count(*) {sql}) AS total {sql} ORDER BY score, id LIMIT %s OFFSET %s",
        [*params, *params, max(limit, 0), offset],
    )
