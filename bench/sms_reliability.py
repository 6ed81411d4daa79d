"""SMS reliability under worker kills: N deliveries through the HTTP gateway channel to a local gateway
that records every key, with `yimen worker` SIGKILLed 20 times and started again. Target: 0 lost,
0 sent twice.

    .venv/bin/python bench/sms_reliability.py [--messages 10000] [--kills 20] [--postgres]

Not part of `make test` (minutes). It sets up a throwaway database (SQLite in a temporary YIMEN_VAR, or
with `--postgres` a database yimen_bench_sms_<pid> on `--server`, dropped at the end), queues N SMS to
N different phones (as the services do, `notify.queue_sms`), and runs real `yimen worker` processes
against a gateway on 127.0.0.1 that keeps the contract of `HttpGatewayTransport`: it checks the
signature, takes a key once and answers a repeat with the first id.

The kills: every other one lands at the worst moment, inside the gateway's handling of a message chosen
at random (the gateway has taken the SMS, the worker is killed before it hears the answer, so its row
still says queued: the case that sent 2 of 2,000 SMS twice); the others at a random moment 0.2–3 s
after a worker started (claiming, rendering, committing, acknowledging). A killed worker's claimed
messages come back when their lease (`--lease` seconds) runs out.

Counted at the end: lost = SMS queued whose key the gateway never took, or whose row is not `sent`;
sent twice = keys the gateway took more than once; repeats = requests carrying a key the gateway had
already taken (each would have been a second SMS to the applicant without the key); and whether every
request carried the same key in the `Idempotency-Key` header, the `msgid` and the body's `key`, and the
same phone and text on every attempt. Exits 0 when nothing is lost or sent twice, 2 otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import hmac
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from common import REPO_ROOT, bench_database, fail, load, machine, write_results

SECTION = "## SMS under worker kills (bench/sms_reliability.py) — {}"
SECRET = "bench-网关密钥"
SEED = 2026


class Gateway:
    """What the gateway saw: every request's keys, the keys it took (once each) and their ids."""

    def __init__(self, kill_at: set[int], kill: Any) -> None:
        self.lock = threading.Lock()
        self.requests = 0
        self.bad = 0
        self.inconsistent: list[str] = []
        self.first: dict[str, tuple[str, str]] = {}  # key → (phone, text) of its first request
        self.ids: dict[str, str] = {}
        self.taken: Counter[str] = Counter()  # how often each key was sent on to a phone
        self.repeats = 0
        self.kill_at = kill_at  # kill the worker while handling the n-th message taken
        self.kill = kill
        self.killed_in_flight = 0

    def handle(self, headers: Any, body: bytes) -> tuple[int, dict[str, str]]:
        timestamp = headers.get("X-Yimen-Timestamp", "")
        expected = hmac.new(SECRET.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, headers.get("X-Yimen-Signature", "")):
            with self.lock:
                self.bad += 1
            return 401, {"error": "签名错误"}
        data = json.loads(body)
        key = headers.get("Idempotency-Key", "")
        kill = False
        with self.lock:
            self.requests += 1
            if not key or key != data.get("msgid") or key != data.get("key"):
                self.inconsistent.append(f"{key!r} / {data.get('msgid')!r} / {data.get('key')!r}")
            sent = (data["phone"], data["text"])
            if self.first.setdefault(key, sent) != sent:
                self.inconsistent.append(f"{key}: another phone or text on a later attempt")
            if key in self.ids:
                self.repeats += 1
                return 200, {"id": self.ids[key]}
            self.taken[key] += 1
            self.ids[key] = f"gw-{len(self.ids) + 1}"
            if len(self.ids) in self.kill_at:
                kill = True
                self.killed_in_flight += 1
        if kill:
            self.kill()  # taken, and the worker dies before it hears so
        return 200, {"id": self.ids[key]}


def serve(gateway: Gateway) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            status, answer = gateway.handle(
                self.headers, self.rfile.read(int(self.headers["Content-Length"]))
            )
            data = json.dumps(answer).encode()
            with contextlib.suppress(OSError):  # the worker was killed meanwhile
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return server


class Workers:
    """One `yimen worker` at a time, started again as soon as it is killed."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.env = env
        self.log = log_path.open("ab")
        self.lock = threading.Lock()
        self.process: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0
        self.kills = 0

    def start(self) -> None:
        with self.lock:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "yimen.cli", "worker", "--interval", "0.2"],
                env=self.env,
                cwd=REPO_ROOT,
                stdout=subprocess.DEVNULL,
                stderr=self.log,
                start_new_session=True,
            )
            self.started_at = time.monotonic()

    def kill(self) -> None:
        with self.lock:
            if self.process is not None and self.process.poll() is None:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
                self.kills += 1

    def alive(self) -> bool:
        with self.lock:
            return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        with self.lock:
            if self.process is not None and self.process.poll() is None:
                self.process.send_signal(signal.SIGTERM)
                self.process.wait(timeout=30)


def queue(count: int) -> list[str]:
    from django.db import transaction

    from yimen.core import batch, notify

    keys = [f"sms:case.accepted:{n}:1" for n in range(count)]
    context = {"centre": "咸宁市政务服务中心", "item": "食品经营许可", "code": "7KQ2M9", "due": "12月10日"}
    for start in range(0, count, 1000):
        with transaction.atomic(), batch.collecting():
            for n in range(start, min(start + 1000, count)):
                notify.queue_sms(
                    phone=f"139{n:08d}",
                    template="case.accepted",
                    context={**context, "number": f"N{n}"},
                    key=keys[n],
                )
    return keys


def remaining() -> int:
    from django.db import connections

    from yimen.core import events
    from yimen.core.models import OutboxMessage, OutboxStatus

    left = OutboxMessage.objects.filter(
        name=events.SMS_SEND.name, status__in=[OutboxStatus.PENDING, OutboxStatus.CLAIMED]
    ).count()
    connections.close_all()
    return left


def run(args: argparse.Namespace, database: str) -> int:
    from django.core.management import call_command
    from django.db import connections

    from yimen.core.models import OutboxMessage, SmsMessage, SmsStatus

    rng = random.Random(SEED)
    started, load_start = datetime.now().astimezone(), load()
    call_command("migrate", verbosity=0)
    begin = time.monotonic()
    keys = queue(args.messages)
    connections.close_all()
    queued_seconds = time.monotonic() - begin
    print(f"queued {len(keys):,} SMS in {queued_seconds:.1f} s", flush=True)

    in_flight = args.kills // 2 + args.kills % 2
    timed = args.kills - in_flight
    kill_at = set(rng.sample(range(1, args.messages + 1), in_flight))
    var = Path(os.environ["YIMEN_VAR"])
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT),
        "YIMEN_SMS_TRANSPORT": "http",
        "YIMEN_SMS_GATEWAY_SECRET": SECRET,
        "YIMEN_SMS_GATEWAY_TIMEOUT_SECONDS": "10",
        "YIMEN_OUTBOX_LEASE_SECONDS": str(args.lease),
        "YIMEN_SMS_MONTHLY_QUOTA": "1000",
    }
    workers = Workers(env, var / "worker.log")
    gateway = Gateway(kill_at, workers.kill)
    server = serve(gateway)
    env["YIMEN_SMS_GATEWAY_URL"] = f"http://127.0.0.1:{server.server_address[1]}/sms/send"

    begin = time.monotonic()
    timed_done = 0
    next_timed = rng.uniform(0.2, 3.0)
    workers.start()
    deadline = begin + args.timeout
    try:
        while time.monotonic() < deadline:
            time.sleep(0.05)
            if not workers.alive():
                workers.start()
                next_timed = rng.uniform(0.2, 3.0)
                continue
            if timed_done < timed and time.monotonic() - workers.started_at >= next_timed:
                workers.kill()
                timed_done += 1
                continue
            if (
                len(gateway.ids) >= args.messages
                and timed_done >= timed
                and gateway.killed_in_flight >= in_flight
                and remaining() == 0
            ):
                break
        else:
            print("timed out waiting for the outbox to empty", file=sys.stderr)
    finally:
        workers.stop()
        server.shutdown()
        server.server_close()
    seconds = time.monotonic() - begin

    rows = dict(SmsMessage.objects.values_list("key", "status"))
    ids = dict(SmsMessage.objects.values_list("key", "provider_id"))
    outbox = Counter(OutboxMessage.objects.values_list("status", flat=True))
    retries = sum(n - 1 for n in SmsMessage.objects.filter(attempts__gt=1).values_list("attempts", flat=True))
    connections.close_all()
    lost = [k for k in keys if k not in gateway.taken or rows.get(k) != SmsStatus.SENT]
    twice = [k for k, n in gateway.taken.items() if n > 1]
    unknown = set(gateway.taken) - set(keys)
    wrong_ids = [k for k in keys if k in gateway.ids and ids.get(k) != gateway.ids[k]]
    verdict = not lost and not twice and not unknown and not gateway.inconsistent and not gateway.bad

    section = SECTION.format(database.split()[0])
    facts = [
        section,
        "",
        f"- Run: {started.isoformat(timespec='seconds')}; load average (1/5/15 min) {load_start} at start, "
        f"{load()} at end",
        f"- Machine: {machine('django', 'psycopg')}",
        f"- Database: {database}",
        f"- Workload: {args.messages:,} SMS (`notify.queue_sms`, template case.accepted, {args.messages:,} phones) "
        f"queued in {queued_seconds:.1f} s, then delivered by `yimen worker` through the HTTP gateway channel "
        "to a gateway on 127.0.0.1 that checks the signature, takes each Idempotency-Key once and answers a "
        f"repeat with the first id. Outbox lease {args.lease} s.",
        f"- Kills: {workers.kills} SIGKILLs of the worker's process group, each followed by a new worker: "
        f"{gateway.killed_in_flight} inside the gateway's handling of a message chosen at random (taken, "
        f"answer not yet heard), {timed_done} at a random moment 0.2–3 s after a worker started.",
        f"- Duration: {seconds:.1f} s from the first worker's start to an empty outbox "
        f"({args.messages / seconds:.0f} SMS/s including the kills and lease waits).",
        "",
        "| count | value |",
        "|---|---:|",
        f"| SMS queued | {len(keys):,} |",
        f"| requests to the gateway | {gateway.requests:,} |",
        f"| keys the gateway took (sent to a phone) | {len(gateway.taken):,} |",
        f"| **lost** (queued, never taken, or row not `sent`) | **{len(lost)}** |",
        f"| **sent twice** (a key taken more than once) | **{len(twice)}** |",
        f"| repeats: requests with a key already taken (dropped by the gateway; without the key, "
        f"each a second SMS) | {gateway.repeats} |",
        f"| requests whose header, msgid and key differ, or whose phone or text changed | "
        f"{len(gateway.inconsistent)} |",
        f"| rows whose provider id is not the gateway's first id | {len(wrong_ids)} |",
        f"| send attempts beyond the first (SmsMessage.attempts) | {retries} |",
        f"| outbox messages by status | {', '.join(f'{k} {v:,}' for k, v in sorted(outbox.items()))} |",
        "",
        f"**0 lost, 0 sent twice: {'PASS' if verdict else 'FAIL'}**",
    ]
    text = "\n".join(facts) + "\n"
    print(text)
    if args.results:
        write_results(section, text)
    if not verdict:
        fail(
            f"lost {len(lost)} (e.g. {lost[:3]}), twice {len(twice)}, unknown {len(unknown)}, "
            f"inconsistent {gateway.inconsistent[:3]}, bad signatures {gateway.bad}"
        )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--lease", type=int, default=3, help="YIMEN_OUTBOX_LEASE_SECONDS for the workers")
    parser.add_argument("--timeout", type=float, default=3600, help="give up after this many seconds")
    parser.add_argument("--postgres", action="store_true", help="a throwaway database on --server")
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--no-results", dest="results", action="store_false", help="leave RESULTS.md alone")
    args = parser.parse_args(argv)
    if args.postgres:
        with bench_database("", args.server, "sms") as url:
            from django.db import connection

            version = connection.cursor().connection.info.server_version  # type: ignore[attr-defined]
            return run(args, f"PostgreSQL {version // 10000}.{version % 10000}, {url.rsplit('/', 1)[-1]}")
    import sqlite3

    os.environ.pop("DATABASE_URL", None)
    os.environ |= {
        "YIMEN_VAR": tempfile.mkdtemp(prefix="yimen-bench-sms-"),
        "DJANGO_SETTINGS_MODULE": "yimen.settings",
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
    }
    import django

    django.setup()
    return run(args, f"SQLite {sqlite3.sqlite_version}, a file in a temporary YIMEN_VAR (WAL)")


if __name__ == "__main__":
    sys.exit(main())
