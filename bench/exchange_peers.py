"""The peers bench/exchange.py pushes to, on this machine: a 前置库 database of its own on MariaDB (the
national tables made by `yimen.exchange.ddl`) and the Standard Webhooks receiver of the HTTP tests
(tests/exchange/receiver.py) in a subprocess; and the baseline, the same rows INSERTed raw.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from common import REPO_ROOT, fail

BASELINE_BATCH = 500  # rows per executemany and commit, the 前置库 target's batch size


def connect(server: str, database: str = "") -> Any:
    import pymysql

    parts = urlsplit(server)
    return pymysql.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 3306,
        user=parts.username or "root",
        password=parts.password or "",
        database=database or None,
        charset="utf8mb4",
        autocommit=False,
    )


class FrontDb:
    """A scratch 前置库 `name` on the MariaDB `server`, with the national tables, dropped by `drop()`."""

    def __init__(self, server: str, name: str) -> None:
        self.server, self.name = server, name
        parts = urlsplit(server)
        self.endpoint = f"mysql://{parts.username or 'root'}@{parts.hostname}:{parts.port or 3306}/{name}"
        self.password = parts.password or ""
        with connect(server) as db, db.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
            cursor.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci")
        from yimen.exchange import ddl

        ddl.apply(self.endpoint, self.password)

    def drop(self) -> None:
        with connect(self.server) as db, db.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS `{self.name}`")

    def counts(self) -> dict[str, int]:
        """Rows per table that holds any (the tables keep every write: a row sent twice is two rows)."""
        found = {}
        with connect(self.server, self.name) as db, db.cursor() as cursor:
            cursor.execute("SHOW TABLES")
            for (table,) in cursor.fetchall():
                cursor.execute(f"SELECT COUNT(*) FROM `{table}`")  # nosec B608
                rows = cursor.fetchone()[0]
                if rows:
                    found[table] = rows
        return found

    def raw_insert(self, tables: list[str]) -> tuple[int, float]:
        """The baseline: each table's rows as the push left them read out, the table emptied, and the same
        rows INSERTed again (every column but the auto-increment id) with executemany, BASELINE_BATCH rows
        to a call and a commit. Only the INSERTs and commits are timed. Returns (rows, seconds)."""
        total, seconds = 0, 0.0
        with connect(self.server, self.name) as db, db.cursor() as cursor:
            for table in tables:
                cursor.execute(f"SELECT * FROM `{table}` ORDER BY id")  # nosec B608
                columns = [d[0] for d in cursor.description][1:]  # without the id, as the push writes
                rows = [row[1:] for row in cursor.fetchall()]
                cursor.execute(f"TRUNCATE TABLE `{table}`")
                db.commit()
                names = ", ".join(f"`{c}`" for c in columns)
                sql = f"INSERT INTO `{table}` ({names}) VALUES ({', '.join(['%s'] * len(columns))})"  # nosec B608
                start = time.perf_counter()
                for begin in range(0, len(rows), BASELINE_BATCH):
                    cursor.executemany(sql, rows[begin : begin + BASELINE_BATCH])
                    db.commit()
                seconds += time.perf_counter() - start
                total += len(rows)
        return total, seconds


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Tally:
    requests: int
    applied: int
    rows: int
    duplicates: int
    refused: int


STATUS = re.compile(r"requests (\d+), applied (\d+), rows (\d+), duplicates (\d+), refused (\d+)")


class Receiver:
    """tests/exchange/receiver.py in a subprocess on a free port; it prints its counts every 5 s, which a
    thread here keeps."""

    def __init__(self, secret: str) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.exchange.receiver", "--secret", secret, "--port", str(self.port)],
            cwd=REPO_ROOT,
            env=os.environ | {"PYTHONPATH": str(REPO_ROOT), "PYTHONUNBUFFERED": "1"},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if "listening on" not in line:
            fail(f"the HTTP receiver did not start: {line!r}")
        self.url = line.split("listening on", 1)[1].strip()
        self.latest: tuple[float, Tally] | None = None
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if match := STATUS.search(line):
                self.latest = (time.monotonic(), Tally(*(int(g) for g in match.groups())))

    def tally(self) -> Tally:
        """Its counts as of its next status line (at most 5 s away)."""
        asked = time.monotonic()
        for _ in range(200):
            if self.latest and self.latest[0] > asked:
                return self.latest[1]
            time.sleep(0.1)
        fail("the HTTP receiver stopped reporting")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
