"""A webhook receiver on 127.0.0.1 for the HTTP push tests, and by hand:

    python -m tests.exchange.receiver --secret whsec_… [--port 8089] [--scheme hmac-sm3]

It keeps the receiving side of Standard Webhooks: it verifies `webhook-signature` over
`id.timestamp.body` (a tampered body or a wrong secret → 400 with a message), refuses a timestamp more
than five minutes off (a replay → 400), and applies each `webhook-id` once: a repeat is answered 200
and counted in `duplicates`, not applied again. It keeps every applied id and the last message for each
`row_guid`. A test can tell it to answer otherwise (`tell`: 410, 429 with Retry-After, 503, 422 with
{"message": …}, for one row_guid or any row, for a number of requests or all of them) or to be down for
a while (`down`: it stops listening, so new connections are refused, and drops every request arriving
on a connection it had kept alive).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import socket
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from yimen.exchange.signatures import SignatureError, verify

SECRET = "whsec_" + base64.b64encode(b"yimen receiver test secret, 32 b").decode()
MESSAGES = {
    410: "该接收地址已停用",
    422: "数据校验未通过",
    429: "请求过于频繁，请稍后再试",
    503: "服务暂不可用",
}


@dataclass
class Answer:
    status: int
    message: str = ""
    retry_after: str | None = None
    times: int | None = None  # requests to answer so; None: every one


Reply = tuple[int, dict[str, Any], dict[str, str]]


class Receiver:
    def __init__(self, secret: str = SECRET, *, scheme: str | None = None, tolerance: int = 300) -> None:
        self.secret, self.scheme, self.tolerance = secret, scheme, tolerance
        self.lock = threading.Lock()
        self.requests = 0
        self.log: list[tuple[str, str, int]] = []  # (webhook-id, webhook-timestamp, status) per request
        self.ids: dict[str, str] = {}  # webhook-id applied → its row_guid
        self.rows: dict[str, dict[str, Any]] = {}  # row_guid → the last message applied for it
        self.applied: Counter[str] = Counter()  # row_guid → messages applied
        self.duplicates = 0  # requests repeating an applied webhook-id: answered 200, not applied
        self.refused: list[str] = []  # the messages of the 400s (signature, timestamp, body)
        self.answers: dict[str | None, list[Answer]] = {}  # row_guid (None: any row) → answers to give
        self.on_applied: Callable[[int], None] | None = None  # called with the count of ids applied
        self.delay = 0.0  # seconds to think before answering (a slow or distant target)
        self.down_until = 0.0
        self.port = 0
        self.url = ""
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._timers: list[threading.Timer] = []

    # --- what it is told ---------------------------------------------------------------------------

    def tell(
        self,
        status: int,
        *,
        row_guid: str | None = None,
        message: str = "",
        retry_after: str | None = None,
        times: int | None = None,
    ) -> None:
        """Answer `status` (with {"message": …} and Retry-After if given) instead of applying the row."""
        answer = Answer(status, message or MESSAGES.get(status, "拒绝接收"), retry_after, times)
        with self.lock:
            self.answers.setdefault(row_guid, []).append(answer)

    def down(self, seconds: float) -> None:
        """Stop listening for `seconds` (connections refused) and drop what arrives meanwhile."""
        with self.lock:
            self.down_until = time.monotonic() + seconds
        self._close()
        timer = threading.Timer(seconds, self._listen)
        timer.daemon = True
        self._timers.append(timer)
        timer.start()

    def seen(self, msg_id: str) -> int:
        """How many requests carried this webhook-id."""
        return sum(1 for logged, _, _ in self.log if logged == msg_id)

    # --- a request ---------------------------------------------------------------------------------

    def handle(self, headers: Any, body: bytes) -> Reply | None:
        """The answer to one request, or None to drop the connection unanswered (down)."""
        if time.monotonic() < self.down_until:
            return None
        time.sleep(self.delay)
        msg_id, stamp = headers.get("webhook-id", ""), headers.get("webhook-timestamp", "")
        try:
            verify(self.secret, headers, body, tolerance=self.tolerance, scheme=self.scheme)
            message = json.loads(body)
            guid = message["row"]["row_guid"]
            if message["operation"] not in {"I", "U", "D"} or not isinstance(message["type"], str):
                raise ValueError
        except SignatureError as exc:
            return self._refuse(msg_id, stamp, str(exc))
        except (ValueError, KeyError, TypeError):
            return self._refuse(msg_id, stamp, "正文：应为 JSON {type, operation, row}，row 含 row_guid")
        with self.lock:
            self.requests += 1
            if msg_id in self.ids:
                self.duplicates += 1
                self.log.append((msg_id, stamp, 200))
                return 200, {"id": msg_id, "duplicate": True}, {}
            answer = self._answer_for(guid)
            if answer is not None:
                self.log.append((msg_id, stamp, answer.status))
                extra = {"Retry-After": answer.retry_after} if answer.retry_after is not None else {}
                return answer.status, {"message": answer.message}, extra
            self.ids[msg_id] = guid
            self.rows[guid] = message
            self.applied[guid] += 1
            self.log.append((msg_id, stamp, 200))
            count = len(self.ids)
        if self.on_applied is not None:
            self.on_applied(count)
        return 200, {"id": msg_id}, {}

    def _refuse(self, msg_id: str, stamp: str, message: str) -> Reply:
        with self.lock:
            self.requests += 1
            self.refused.append(message)
            self.log.append((msg_id, stamp, 400))
        return 400, {"message": message}, {}

    def _answer_for(self, guid: str) -> Answer | None:
        for key in (guid, None):
            queue = self.answers.get(key)
            if queue:
                answer = queue[0]
                if answer.times is not None:
                    answer.times -= 1
                    if answer.times <= 0:
                        queue.pop(0)
                return answer
        return None

    # --- the server --------------------------------------------------------------------------------

    def start(self) -> None:
        self._listen()
        self.url = f"http://127.0.0.1:{self.port}/webhooks/yimen"

    def stop(self) -> None:
        for timer in self._timers:
            timer.cancel()
        self._close()

    def _listen(self) -> None:
        server = _Server(("127.0.0.1", self.port), _handler(self))
        self.port = server.server_address[1]
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        self._server, self._thread = server, thread

    def _close(self) -> None:
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None and thread is not None:
            server.shutdown()
            server.server_close()
            thread.join()


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a kept-alive connection's thread does not hold up a shutdown
    allow_reuse_address = True  # listen again on the same port after being down

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A sender killed or timed out mid-request resets its connection: expected here, not printed."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as a real receiver
        disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms wait for an ACK

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            reply = receiver.handle(self.headers, body) if len(body) == length else None
            if reply is None:  # down, or the sender died halfway through its request
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.connection.shutdown(socket.SHUT_RDWR)
                return
            status, answer, extra = reply
            data = json.dumps(answer, ensure_ascii=False).encode()
            with contextlib.suppress(OSError):  # the sender was killed meanwhile
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for name, value in extra.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextlib.contextmanager
def running_receiver(secret: str = SECRET, **options: Any) -> Iterator[Receiver]:
    receiver = Receiver(secret, **options)
    receiver.start()
    try:
        yield receiver
    finally:
        receiver.stop()


@pytest.fixture(name="receiver")
def receiver_fixture() -> Iterator[Receiver]:
    """A receiver listening on 127.0.0.1 with `SECRET`, stopped after the test."""
    with running_receiver() as running:
        yield running


def main() -> None:
    parser = argparse.ArgumentParser(description="Standard Webhooks 接收端（测试用）")
    parser.add_argument("--secret", default=SECRET)
    parser.add_argument("--port", type=int, default=8089)
    parser.add_argument("--scheme", choices=["hmac-sha256", "hmac-sm3"], default=None)
    parser.add_argument("--tolerance", type=int, default=300)
    parser.add_argument("--delay", type=float, default=0.0, help="每次答复前等待的秒数")
    args = parser.parse_args()
    receiver = Receiver(args.secret, scheme=args.scheme, tolerance=args.tolerance)
    receiver.port, receiver.delay = args.port, args.delay
    receiver.start()
    print(f"listening on {receiver.url}", flush=True)
    try:
        while True:
            time.sleep(5)
            print(
                f"requests {receiver.requests}, applied {len(receiver.ids)}, rows {len(receiver.rows)}, "
                f"duplicates {receiver.duplicates}, refused {len(receiver.refused)}",
                flush=True,
            )
    except KeyboardInterrupt:
        receiver.stop()


if __name__ == "__main__":
    main()
