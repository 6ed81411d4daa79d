"""The catalogue benchmark's pages: gunicorn (2 workers) serving guide pages and a one-query JSON
view under wrk, and where a guide request's time goes, in process."""

from __future__ import annotations

import cProfile
import dataclasses
import os
import pstats
import random
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from catalog_data import Corpus
from common import REPO_ROOT, best_of, fail

WARMUP_SECONDS, CONNECTIONS, ROUNDS, PROFILED_REQUESTS = 3, 16, 2, 200
TARGET_SHARE, TARGET_P99_MS = 0.25, 100.0
WRK_SCRIPT = """local codes, pattern = {}, "/"
function init(args)
  pattern = args[1]
  for line in io.lines(args[2]) do codes[#codes + 1] = line end
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 100000)
end
function request()
  return wrk.format(nil, string.format(pattern, codes[math.random(#codes)]))
end
"""
URLS = {"json": "/bench/json/%s", "guide": "/guide/%s/"}
# Library layers of a request, by (file, function) whose cumulative time cProfile reports; the
# functions under yimen/ are listed too, whatever they are.
LAYERS = [
    ("SQL execution", "django/db/backends/utils.py", "_execute"),
    ("template rendering", "django/template/backends/django.py", "render"),
    ("cache reads", "django/core/cache/backends/filebased.py", "get"),
    ("cache writes", "django/core/cache/backends/filebased.py", "set"),
]


@dataclass(frozen=True)
class WrkRun:
    name: str
    connections: int
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: str  # socket errors and non-2xx/3xx responses as wrk reports them
    cache: str = ""  # guide rounds: the share of requests answered from the guide cache

    def row(self) -> list[str]:
        numbers = [f"{self.rps:,.1f}", f"{self.p50_ms:.1f}", f"{self.p99_ms:.1f}", f"{self.requests:,}"]
        return [self.name, str(self.connections), *numbers, self.errors or "—", self.cache]


def wrk_version() -> str:
    return (
        subprocess.run(["wrk", "--version"], capture_output=True, text=True)
        .stdout.split(" Copyright")[0]
        .strip()
    )


def get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read().decode()


def start_server(var_dir: str, base: str, code: str) -> subprocess.Popen[bytes]:
    env = os.environ | {"PYTHONPATH": os.pathsep.join([var_dir, str(REPO_ROOT)])}
    argv = [sys.executable, "-m", "gunicorn", "yimen.wsgi:application", "--workers", "2"]
    argv += ["--bind", base.removeprefix("http://"), "--access-logfile", "/dev/null"]
    with open(Path(var_dir, "gunicorn.log"), "wb") as log:
        server = subprocess.Popen(argv, env=env, cwd=str(REPO_ROOT), stdout=log, stderr=log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if get(f"{base}/bench/json/{code}")[0] == 200:
                return server
        except OSError:
            time.sleep(0.3)
    stop_server(server)
    fail(f"gunicorn did not answer within 60 s:\n{Path(var_dir, 'gunicorn.log').read_text()}")
    raise AssertionError


def stop_server(server: subprocess.Popen[bytes]) -> None:
    server.terminate()  # the master stops its workers
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def check_server(base: str, corpus: Corpus, rng: random.Random) -> None:
    """The pages under load must be the right ones: the guide shows the item's name, the JSON its code."""
    names = dict(zip(corpus.codes, corpus.names.values(), strict=True))
    for code in rng.sample(corpus.codes, 20):
        status, body = get(f"{base}/guide/{code}/")
        if status != 200 or names[code] not in body:
            fail(f"/guide/{code}/ answered {status} without the item's name")
        status, body = get(f"{base}/bench/json/{code}")
        if status != 200 or f'"impl_code": "{code}"' not in body:
            fail(f"/bench/json/{code} answered {status}: {body[:100]}")


def wrk(label: str, base: str, codes: Path, seconds: int, connections: int = CONNECTIONS) -> WrkRun:
    """One wrk run on the URL named by the label's first word, each request for a random code of the file."""
    script, name = codes.with_name("codes.lua"), label.split(",")[0]
    script.write_text(WRK_SCRIPT)
    argv = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), base]
    out = subprocess.run(
        [*argv, "--", URLS[name], str(codes)], capture_output=True, text=True, check=True
    ).stdout
    unit = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    found = re.findall(r"^\s+(\d+)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    latency = {p: float(v) * unit[u] for p, v, u in found}
    total, rps = re.search(r"(\d+) requests in", out), re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not (total and rps and {"50", "99"} <= latency.keys()):
        fail(f"cannot read wrk's output:\n{out}")
    assert total and rps
    errors = "; ".join(
        line.strip() for line in out.splitlines() if "Socket errors" in line or "Non-2xx" in line
    )
    if "Non-2xx" in errors:
        fail(f"{label}: {errors}")
    return WrkRun(label, connections, float(rps[1]), latency["50"], latency["99"], int(total[1]), errors)


def load_test(base: str, var_dir: str, codes: list[str], seconds: int) -> list[WrkRun]:
    """Warm-up, then json, guide, json, guide at 16 connections and once more at 2, over every code, with
    the guides as the worker left them; then (report only) guide pages again after emptying the cache.
    The cache files a guide run adds are its misses."""
    every, pages = Path(var_dir, "codes.txt"), Path(var_dir, "cache")
    every.write_text("\n".join(codes) + "\n")

    def run(label: str, connections: int = CONNECTIONS) -> WrkRun:
        before = len(list(pages.glob("*"))) if pages.is_dir() else 0
        result = wrk(label, base, every, seconds, connections)
        if not label.startswith("guide"):
            return result
        added = len(list(pages.glob("*"))) - before if pages.is_dir() else 0
        misses = added / 2  # a miss keeps two files: the guide's body and the whole page
        hits = f"{1 - misses / result.requests:.0%} hits, {before:,} → {before + added:,} files"
        return dataclasses.replace(result, cache=hits)

    for name in URLS:
        wrk(name, base, every, WARMUP_SECONDS)
    runs = [run(name, connections) for connections in [CONNECTIONS] * ROUNDS + [2] for name in URLS]
    shutil.rmtree(pages, ignore_errors=True)
    return [*runs, run("guide, cache emptied first")]


def where_time_goes(codes: list[str], rng: random.Random) -> list[tuple[str, str]]:
    """In process (django.test.Client, which keeps its connection): ms and queries per request, guide
    pages with an empty cache and again cached; opening a connection (gunicorn does it per request when
    CONN_MAX_AGE is 0); cProfile's cumulative time of the library layers and of yimen's functions."""
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client

    client, sample = Client(HTTP_HOST="127.0.0.1"), rng.sample(codes, min(PROFILED_REQUESTS, len(codes)))
    rows, queries = [], 0

    def count(execute: Callable[..., Any], *args: Any) -> Any:
        nonlocal queries
        queries += 1
        return execute(*args)

    def requests(pattern: str) -> Callable[[], object]:
        return lambda: [client.get(pattern % code) for code in sample]

    client.get(URLS["json"] % sample[0])
    for label, pattern in [
        ("json", URLS["json"]),
        ("guide, empty cache", URLS["guide"]),
        ("guide, cached", URLS["guide"]),
    ]:
        if label == "guide, empty cache":
            cache.clear()
        queries = 0
        with connection.execute_wrapper(count):
            seconds = best_of(1, requests(pattern))
        rows.append(
            (
                f"{label}: ms and queries per request",
                f"{seconds * 1000 / len(sample):.2f} ms, {queries / len(sample):.1f}",
            )
        )

    def reconnect() -> None:
        for _ in range(50):
            connection.close()
            connection.ensure_connection()

    seconds = best_of(1, reconnect)
    max_age = connection.settings_dict["CONN_MAX_AGE"]
    when = "every request" if max_age == 0 else "kept across requests"
    label = f"opening a database connection (CONN_MAX_AGE={max_age}: under gunicorn, {when})"
    rows.append((label, f"{seconds * 1000 / 50:.2f} ms"))
    for state in ("empty cache", "cached"):
        if state == "empty cache":
            cache.clear()
        profile = cProfile.Profile()
        profile.runcall(requests(URLS["guide"]))
        stats: Any = pstats.Stats(profile)
        total, own = stats.total_tt, os.path.join(str(REPO_ROOT), "yimen") + os.sep
        layers = [
            (label, [v[3] for k, v in stats.stats.items() if k[0].endswith(path) and k[2] == fn])
            for label, path, fn in LAYERS
        ]
        mine = [
            (f"{k[0].removeprefix(own)}: {k[2]}", [v[3]])
            for k, v in stats.stats.items()
            if k[0].startswith(own) and k[2] != "__call__"  # not the middleware around everything
        ]
        mine.sort(key=lambda row: -row[1][0])
        for label, found in [("the whole request", [total]), *layers, *mine[:6]]:
            share = f"{sum(found) * 1000 / len(sample):.2f} ms ({sum(found) / total:.0%})"
            rows.append((f"guide, {state}, profiled: {label}", share))
    return rows


def page_verdicts(runs: list[WrkRun]) -> list[tuple[str, bool]]:
    def best(name: str) -> WrkRun:
        return max((r for r in runs if r.name == name and r.connections == CONNECTIONS), key=lambda r: r.rps)

    guide, json = best("guide"), best("json")
    share = guide.rps / json.rps
    return [
        (
            f"guide pages {guide.rps:,.0f} req/s = {share:.1%} of the JSON view's {json.rps:,.0f} req/s "
            f"(best rounds over every code; target ≥ {TARGET_SHARE:.0%})",
            share >= TARGET_SHARE,
        ),
        (
            f"guide pages p99 {guide.p99_ms:.1f} ms at {CONNECTIONS} connections (best round over every code; "
            f"target ≤ {TARGET_P99_MS:.0f} ms)",
            guide.p99_ms <= TARGET_P99_MS,
        ),
    ]
