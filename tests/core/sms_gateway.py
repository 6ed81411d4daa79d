"""A real SMS gateway for the tests: an HTTP server on 127.0.0.1 that checks Yimen's HMAC signature and,
as the contract asks of a real one, sends a message key (Idempotency-Key / msgid) only once."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """Computed here, not imported from Yimen, so the tests hold Yimen to the documented contract."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


class Gateway:
    """Checks the signature (401 if wrong), records every request and its keys, answers the statuses in
    `answers` first and then 200 with an id. A key it accepted before is answered with the first id and
    not sent again (`repeats` counts them). `delay` makes it slow to take a message; `hold_answers`
    makes it take the next messages and then keep the answer back until `release` is set."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.requests: list[dict[str, Any]] = []
        self.keys: list[tuple[str, str]] = []  # (Idempotency-Key header, msgid) of every signed request
        self.accepted: list[dict[str, Any]] = []
        self.ids: dict[str, str] = {}
        self.repeats = 0
        self.answers: list[int] = []
        self.bad_signatures = 0
        self.delay = 0.0
        self.hold_answers = 0
        self.held = threading.Event()  # set once an answer is being held back
        self.release = threading.Event()
        self.lock = threading.Lock()
        self.url = ""

    def handle(self, headers: Any, body: bytes) -> tuple[int, dict[str, str]]:
        timestamp = headers.get("X-Yimen-Timestamp", "")
        expected = signature(self.secret, timestamp, body)
        if not hmac.compare_digest(expected, headers.get("X-Yimen-Signature", "")):
            self.bad_signatures += 1
            return 401, {"error": "签名错误"}
        time.sleep(self.delay)
        payload = json.loads(body)
        key = headers.get("Idempotency-Key", "")
        with self.lock:
            self.requests.append(payload)
            self.keys.append((key, payload.get("msgid", "")))
            status = self.answers.pop(0) if self.answers else 200
            if status != 200:
                return status, {"error": "空号" if status < 500 else "服务繁忙"}
            if key and key in self.ids:
                self.repeats += 1
                return 200, {"id": self.ids[key]}
            self.accepted.append(payload)
            answer = {"id": f"gw-{len(self.accepted)}"}
            if key:
                self.ids[key] = answer["id"]
            hold = self.hold_answers > 0
            self.hold_answers -= hold
        if hold:  # taken, but the answer is late: the sender times out or is killed meanwhile
            self.held.set()
            self.release.wait(timeout=60)
        return 200, answer


def _handler_class(gateway: Gateway) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            status, answer = gateway.handle(self.headers, body)
            data = json.dumps(answer, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def running_gateway(secret: str) -> Iterator[Gateway]:
    gateway = Gateway(secret)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_class(gateway))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    gateway.url = f"http://127.0.0.1:{server.server_address[1]}/sms/send"
    try:
        yield gateway
    finally:
        gateway.release.set()
        server.shutdown()
        server.server_close()
        thread.join()
