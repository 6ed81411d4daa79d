"""A real SMS gateway for the tests: an HTTP server on 127.0.0.1 that checks Yimen's HMAC signature."""

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
    """Checks the signature (401 if wrong), records every request, answers the statuses in `answers`
    first and then 200 with an id; `delay` makes it slow."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.requests: list[dict[str, Any]] = []
        self.accepted: list[dict[str, Any]] = []
        self.answers: list[int] = []
        self.bad_signatures = 0
        self.delay = 0.0
        self.url = ""

    def handle(self, headers: Any, body: bytes) -> tuple[int, dict[str, str]]:
        timestamp = headers.get("X-Yimen-Timestamp", "")
        expected = signature(self.secret, timestamp, body)
        if not hmac.compare_digest(expected, headers.get("X-Yimen-Signature", "")):
            self.bad_signatures += 1
            return 401, {"error": "签名错误"}
        time.sleep(self.delay)
        payload = json.loads(body)
        self.requests.append(payload)
        status = self.answers.pop(0) if self.answers else 200
        if status != 200:
            return status, {"error": "空号" if status < 500 else "服务繁忙"}
        self.accepted.append(payload)
        return 200, {"id": f"gw-{len(self.accepted)}"}


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
        server.shutdown()
        server.server_close()
        thread.join()
