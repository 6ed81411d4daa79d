"""bench/search.py's data: a throwaway database, the org demo with each organisation's catalogue, N
invented publications written as rows (COPY from a writer thread on PostgreSQL, executemany on SQLite),
and the index built by the product's `search.reindex()` (timed: the indexing rate)."""

from __future__ import annotations

import os
import queue
import random
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from search_corpus import ATTACHMENT_COLUMNS, COLUMNS, Corpus, organisations, rows

BATCH = 20_000


def psql(url: str, *statements: str) -> None:
    """Run statements in the server's `postgres` database (CREATE / DROP DATABASE cannot run inside one)."""
    import psycopg

    parts = urlsplit(url)
    with psycopg.connect(parts._replace(path="/postgres").geturl(), autocommit=True) as connection:
        for sql in statements:
            connection.execute(sql)


def setup_django(var_dir: str, database_url: str) -> None:
    os.environ |= {"YIMEN_VAR": var_dir, "DJANGO_SETTINGS_MODULE": "yimen.settings", "DEBUG": "0"}
    os.environ["DATABASE_URL"] = database_url or f"sqlite:///{var_dir}/yimen.sqlite3"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


def _insert(table_name: str, columns: Sequence[str], batch: list[tuple[Any, ...]]) -> None:
    from django.db import connection

    if not batch:
        return
    names = ", ".join(columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table_name} ({names}) FROM STDIN") as copy:
                for row in batch:
                    copy.write_row(row)
            return
        adapt = connection.ops.adapt_datetimefield_value
        cursor.executemany(
            f"INSERT INTO {table_name} ({names}) VALUES ({', '.join(['%s'] * len(columns))})",
            [tuple(adapt(v) if isinstance(v, datetime) else v for v in row) for row in batch],
        )


def _complete(
    model: Any, columns: Sequence[str], rows: list[tuple[Any, ...]]
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """The model's other columns with their defaults, so that fields added later need no change here."""
    extra = [f for f in model._meta.concrete_fields if f.column not in columns and not f.primary_key]
    defaults = tuple(f.get_default() for f in extra)
    return [*columns, *(f.column for f in extra)], [row + defaults for row in rows]


def _write_batch(publications: list[tuple[Any, ...]], attachments: list[tuple[Any, ...]]) -> None:
    from django.db import transaction

    from yimen.publishing.models import Attachment, Publication

    with transaction.atomic():
        _insert(Publication._meta.db_table, *_complete(Publication, COLUMNS, publications))
        _insert(Attachment._meta.db_table, *_complete(Attachment, ATTACHMENT_COLUMNS, attachments))


class Writer:
    """On PostgreSQL a thread with its own connection COPYs each batch while the next is generated (the
    database and Python each get a core); on SQLite batches are written in the calling thread."""

    def __init__(self, threaded: bool):
        self.queue: queue.Queue[tuple[list[Any], list[Any]] | None] = queue.Queue(maxsize=2)
        self.failure: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True) if threaded else None
        if self.thread:
            self.thread.start()

    def _run(self) -> None:
        from django.db import connection

        try:
            while (batch := self.queue.get()) is not None:
                if self.failure is None:
                    _write_batch(*batch)
        except BaseException as exc:  # handed to the generating thread by finish()
            self.failure = exc
            while self.queue.get() is not None:
                pass
        finally:
            connection.close()

    def put(self, publications: list[Any], attachments: list[Any]) -> None:
        if self.thread is None:
            _write_batch(publications, attachments)
        else:
            self.queue.put((publications, attachments))

    def finish(self) -> None:
        if self.thread is not None:
            self.queue.put(None)
            self.thread.join()
        if self.failure is not None:
            raise self.failure


def generate(count: int, rng: random.Random) -> Corpus:
    """The org demo, each organisation's catalogue, then `count` publications written as rows."""
    from django.db import connection

    from yimen.demo import org as demo
    from yimen.publishing.models import Publication

    demo.load(scale="small")
    orgs = organisations()
    started = time.perf_counter()
    writer = Writer(threaded=connection.vendor == "postgresql")
    publications: list[Any] = []
    attachments: list[Any] = []
    numbers, titles = [], []
    for row, attachment in rows(count, orgs, rng):
        publications.append(row)
        if attachment:
            attachments.append(attachment)
        if row[10] and rng.random() < 0.02:
            numbers.append(row[10])
        if rng.random() < 0.001:
            titles.append(row[6])
        if len(publications) == BATCH:
            writer.put(publications, attachments)
            publications, attachments = [], []
    writer.put(publications, attachments)
    writer.finish()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{Publication._meta.db_table}', 'id'), {count})"
            )
        # What the database knows of a table that has just been filled (autovacuum would do it soon).
        cursor.execute(f"ANALYZE {Publication._meta.db_table}")
    return Corpus(count, time.perf_counter() - started, numbers, titles)


@dataclass(frozen=True)
class Indexing:
    rows: int
    seconds: float
    single: int
    single_seconds: float


def build_index(corpus: Corpus, rng: random.Random) -> Indexing:
    """`reindex()` over everything (timed), then `index()` one at a time on a sample with an empty clause
    cache (timed): the rate of publishing one item."""
    from django.db import connection, transaction

    from yimen.publishing import search, search_words
    from yimen.publishing.models import Publication

    search_words.teach_words()
    started = time.perf_counter()
    written = search.reindex()
    seconds = time.perf_counter() - started
    sample = list(Publication.objects.filter(pk__in=rng.sample(range(1, corpus.count + 1), 500)))
    search_words.clear_clause_cache()
    started = time.perf_counter()
    for publication in sample:
        with transaction.atomic():
            search.index(publication)
    single_seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE")  # as autovacuum would soon after a bulk load
        else:
            cursor.execute("ANALYZE")
    return Indexing(written, seconds, len(sample), single_seconds)
