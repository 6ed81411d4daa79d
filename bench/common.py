"""What every benchmark shares: the machine it ran on, the load, timing helpers, and its own section
of bench/RESULTS.md.

The scripts are run as `python bench/<name>.py`, so this directory is first on sys.path and they
import these helpers as `from common import ...`.
"""

from __future__ import annotations

import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from importlib import metadata
from pathlib import Path
from typing import NoReturn
from urllib.parse import urlsplit, urlunsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
# Measure this checkout's code, wherever the virtualenv's editable install points.
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(1, str(REPO_ROOT))
RESULTS_PATH = REPO_ROOT / "bench" / "RESULTS.md"
RESULTS_HEADER = """# Benchmark results

Measured on the project's 2-core machine. Absolute times depend on the machine; each benchmark's
target is a ratio against a baseline measured in the same run, so the verdicts are comparable across
runs. Each section is written by its own script (see bench/README.md) and replaced on every run.
"""


def fail(message: str) -> NoReturn:
    """A correctness check failed: say why and stop with status 2, leaving RESULTS.md alone."""
    print(f"ABORT: {message}", file=sys.stderr)
    sys.exit(2)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() in {"model name", "Model", "Hardware"}:
                return value.strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 0


def machine(*packages: str, extra: Sequence[str] = ()) -> str:
    """'2 CPUs (nproc), <model>; CPython 3.11.7; Django 5.2.19; …': the CPU, Python, the named packages'
    versions (as installed), then any `extra` words (a tool's own version line)."""
    parts = [
        f"{cpus()} CPUs (nproc), {cpu_model()}",
        f"{platform.python_implementation()} {platform.python_version()}",
    ]
    parts += [f"{metadata.metadata(p)['Name']} {metadata.version(p)}" for p in packages]
    return "; ".join([*parts, *extra])


def load() -> str:
    """The load average (1 / 5 / 15 min): other work on the shared cores skews absolute times."""
    try:
        return " / ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def best_of(times: int, fn: Callable[[], object]) -> float:
    """Seconds of the fastest of `times` calls."""
    seconds = []
    for _ in range(times):
        begin = time.perf_counter()
        fn()
        seconds.append(time.perf_counter() - begin)
    return min(seconds)


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank percentile (q in 0..1)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def table(header: str, rows: Sequence[Sequence[str]]) -> list[str]:
    """A markdown table under `header` ('| a | b |'); columns of numbers are right-aligned."""
    columns = list(zip(*rows, strict=True)) if rows else []
    align = ["---:" if all(re.match(r"[\d.,]+( |$)", c) for c in column) else "---" for column in columns]
    if not columns:
        align = ["---"] * (header.count("|") - 1)
    return [header, "|" + "|".join(align) + "|", *("| " + " | ".join(r) + " |" for r in rows), ""]


def write_results(section: str, text: str) -> None:
    """Replace this benchmark's section of RESULTS.md (from its `## ` heading to the next), or append it."""
    old = RESULTS_PATH.read_text() if RESULTS_PATH.exists() else RESULTS_HEADER
    pattern = re.compile(rf"^{re.escape(section)}[ \t]*\n.*?(?=^## |\Z)", re.MULTILINE | re.DOTALL)
    if pattern.search(old):
        new = pattern.sub(lambda _: text.rstrip("\n") + "\n\n", old, count=1)
    else:
        new = old.rstrip("\n") + "\n\n" + text
    RESULTS_PATH.write_text(new.rstrip("\n") + "\n")


def psql(url: str, sql: str) -> None:
    """One statement through psql, in the server's maintenance database (CREATE/DROP DATABASE)."""
    parts = urlsplit(url)
    env = os.environ | ({"PGPASSWORD": parts.password} if parts.password else {})
    argv = ["psql", "-q", "-d", "postgres", "-U", parts.username or "postgres"]
    argv += ["-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432), "-c", sql]
    subprocess.run(argv, env=env, check=True)


@contextmanager
def bench_database(database_url: str, server: str, label: str, *, keep: bool = False) -> Iterator[str]:
    """Django set up on the database to measure, with a scratch YIMEN_VAR: `database_url` as it is, or
    else a new database yimen_bench_<label>_<pid> on `server`, dropped at the end unless `keep`."""
    name = f"yimen_bench_{label}_{os.getpid()}"
    own = not database_url
    url = database_url or urlunsplit(urlsplit(server)._replace(path=f"/{name}"))
    if own:
        psql(url, f"CREATE DATABASE {name}")
    os.environ |= {
        "DATABASE_URL": url,
        "YIMEN_VAR": tempfile.mkdtemp(prefix=f"yimen-bench-{label}-"),
        "DJANGO_SETTINGS_MODULE": "yimen.settings",
    }
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    try:
        import django

        django.setup()
        yield url
    finally:
        if own and not keep:
            from django.db import connections

            connections.close_all()
            psql(url, f"DROP DATABASE IF EXISTS {name}")
