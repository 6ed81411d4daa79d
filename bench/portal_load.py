"""The public portal under a long load: the demo city on PostgreSQL, gunicorn with 2 workers, wrk over a
mix of public pages and API reads for 10 minutes on loopback. Target: 0 errors (socket errors, timeouts,
non-2xx/3xx answers); p50/p90/p99 recorded, and p99 against the same mix's p99 at 2 connections measured
in the same run (queueing, not service time).

    .venv/bin/python bench/portal_load.py [--duration 600] [--server postgres://postgres@127.0.0.1:5432/postgres]

Needs Debian's `wrk` (apt-get install wrk). Creates and drops its own database yimen_bench_portal_<pid>.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from common import REPO_ROOT, bench_database, fail, load, machine, table, write_results

SECTION = "## Public portal under load (bench/portal_load.py) — PostgreSQL"
CONNECTIONS, WORKERS, WARMUP_SECONDS, CALM_SECONDS = 16, 2, 10, 30
WRK_SCRIPT = """local paths = {}
function init(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 100000)
end
function request()
  return wrk.format(nil, paths[math.random(#paths)])
end
"""


def public_paths(rng: random.Random) -> list[str]:
    """What the public reads, weighted as a portal is used: guides and their index most, then
    published information, search, the case board, the forms' pages, reports and the API."""
    from yimen.catalog.models import ServiceItem
    from yimen.publishing.models import Publication

    codes = list(ServiceItem.objects.values_list("impl_code", flat=True))
    publications = list(Publication.objects.filter(state="published").values_list("pk", flat=True))
    orgs = sorted(
        set(Publication.objects.filter(state="published").values_list("organisation__code", flat=True))
    )
    if not codes or not publications:
        fail("the demo city has no items or no published information")
    words = ["营业执照", "公积金", "社保", "医保", "户口", "护照", "不动产", "预算", "招聘", "通知"]
    paths = ["/", "/guide/", "/open/", "/cases/", "/cases/board/", "/disclosure/", "/reports/", "/units/"]
    paths += [f"/guide/{c}/" for c in rng.sample(codes, min(len(codes), 60))] * 3
    paths += [f"/open/{p}/" for p in rng.sample(publications, min(len(publications), 60))] * 2
    paths += [f"/open/org/{o}/" for o in rng.sample(orgs, min(len(orgs), 10))]
    paths += [f"/open/search/?q={urllib.request.quote(w)}" for w in words]
    paths += ["/sitemap.xml", "/open/feeds/rss.xml", "/api/v1/items?page=1", "/api/v1/publications"]
    paths += [f"/api/v1/items/{c}" for c in rng.sample(codes, min(len(codes), 10))]
    return paths


def deliver_outbox() -> int:
    from yimen.core import events

    delivered = 0
    while True:
        done, failed = events.run_once(500)
        delivered += done
        if not done and not failed:
            return delivered


def get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=30) as response:
        return int(response.status)


def start_server(var_dir: str, base: str) -> subprocess.Popen[bytes]:
    argv = [sys.executable, "-m", "gunicorn", "yimen.wsgi:application", "--workers", str(WORKERS)]
    argv += ["--bind", base.removeprefix("http://"), "--access-logfile", "/dev/null", "--timeout", "60"]
    log = open(Path(var_dir, "gunicorn.log"), "wb")  # noqa: SIM115 (open for the server's lifetime)
    server = subprocess.Popen(argv, env=os.environ.copy(), cwd=str(REPO_ROOT), stdout=log, stderr=log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if get(f"{base}/") == 200:
                return server
        except OSError:
            time.sleep(0.3)
    server.kill()
    fail(f"gunicorn did not answer within 60 s:\n{Path(var_dir, 'gunicorn.log').read_text()}")
    raise AssertionError


def wrk(base: str, paths_file: Path, seconds: int, connections: int) -> dict[str, str]:
    script = paths_file.with_name("paths.lua")
    script.write_text(WRK_SCRIPT)
    argv = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "--latency"]
    out = subprocess.run(
        [*argv, "-s", str(script), base, "--", str(paths_file)], capture_output=True, text=True, check=True
    ).stdout
    unit = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    latency = {
        p: float(v) * unit[u] for p, v, u in re.findall(r"^\s+(\d+)%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
    }
    total, rps = re.search(r"(\d+) requests in", out), re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not (total and rps and {"50", "90", "99"} <= latency.keys()):
        fail(f"cannot read wrk's output:\n{out}")
    assert total and rps
    errors = "; ".join(
        line.strip() for line in out.splitlines() if "Socket errors" in line or "Non-2xx" in line
    )
    return {
        "connections": str(connections),
        "seconds": str(seconds),
        "requests": f"{int(total[1]):,}",
        "req/s": f"{float(rps[1]):,.1f}",
        "p50 ms": f"{latency['50']:.1f}",
        "p90 ms": f"{latency['90']:.1f}",
        "p99 ms": f"{latency['99']:.1f}",
        "errors": errors or "0",
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--duration", type=int, default=600, help="seconds of the long run (default 600)")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        fail("wrk is missing: apt-get install wrk")
    started, load_start, rng = datetime.now().astimezone(), load(), random.Random(2026)
    with bench_database("", args.server, "portal") as _url:
        from django.core.management import call_command
        from django.db import connections

        var_dir = os.environ["YIMEN_VAR"]
        began = time.monotonic()
        call_command("migrate", verbosity=0)
        call_command("loaddemo", scale="small", verbosity=0)
        delivered = deliver_outbox()
        prepared = time.monotonic() - began
        paths = public_paths(rng)
        connections.close_all()
        paths_file = Path(var_dir, "paths.txt")
        paths_file.write_text("\n".join(paths) + "\n")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            base = f"http://127.0.0.1:{s.getsockname()[1]}"
        server = start_server(var_dir, base)
        try:
            broken = []
            for path in sorted(set(paths)):
                try:
                    if get(base + path) != 200:
                        broken.append(path)
                except OSError as exc:
                    broken.append(f"{path} ({exc})")
            if broken:
                fail(f"{len(broken)} paths do not answer 200: {broken[:10]}")
            wrk(base, paths_file, WARMUP_SECONDS, CONNECTIONS)
            calm = wrk(base, paths_file, CALM_SECONDS, 2)
            long = wrk(base, paths_file, args.duration, CONNECTIONS)
        finally:
            server.terminate()
            server.wait(30)
        log_errors = [
            line
            for line in Path(var_dir, "gunicorn.log").read_text(errors="replace").splitlines()
            if "Traceback" in line or "ERROR" in line or "CRITICAL" in line
        ]
    errors_ok = long["errors"] == "0" and calm["errors"] == "0" and not log_errors
    header = ["run", *calm.keys()]
    rows = [["2 connections (service time)", *calm.values()], [f"{CONNECTIONS} connections", *long.values()]]
    text = "\n".join(
        [
            SECTION,
            "",
            f"- Run: {started.isoformat(timespec='seconds')}; load average (1/5/15 min) {load_start} at start, "
            f"{load()} at end",
            f"- Machine: {machine('django', 'gunicorn', 'psycopg')}; wrk and the {WORKERS} gunicorn workers "
            "share the cores over loopback",
            f"- Data: the demo city (`loaddemo --scale small`) on PostgreSQL, outbox delivered ({delivered:,} "
            f"events), prepared in {prepared:.0f} s",
            f"- Mix: {len(paths)} paths ({len(set(paths))} distinct) — home, guide index and pages, published "
            "information, its organisations, full-text search, case board, forms' pages, reports, sitemap, "
            "RSS, API item and publication reads; every distinct path answered 200 before the load",
            f"- Load: `wrk -t2 -c{CONNECTIONS} -d{args.duration}s --timeout 10s`, after {WARMUP_SECONDS} s of "
            f"warm-up; the same mix at 2 connections for {CALM_SECONDS} s first",
            "",
            *table("| " + " | ".join(header) + " |", rows),
            "",
            f"- Server log: {len(log_errors)} error lines",
            f"**Errors: {'0 — PASS' if errors_ok else 'FAIL'}**",
        ]
    )
    print(text)
    write_results(SECTION, text + "\n")
    return 0 if errors_ok else 1


if __name__ == "__main__":
    sys.exit(main())
