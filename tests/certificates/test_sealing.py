"""电子印章 adapters (certificates/sealing.py): the default leaves the file alone and says it is not a seal;
the HTTP adapter speaks its documented JSON to a real server on 127.0.0.1 and turns every failure into a
SealingError with a Chinese message."""

from __future__ import annotations

import base64
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from tests.certificates.sealers import RecordingSealer, marker
from yimen.certificates import sealing
from yimen.certificates.sealing import HttpSealer, SealingError, SystemSignatureOnly

OFD = b"PK\x03\x04" + "电子证照".encode() * 10
PDF = b"%PDF-1.7\n" + b"x" * 40
IDENTIFIER = "1.2.156.3005.2.11100000000013338W001.0001.001.U"
API_KEY = "seal-test-key-0123456789"

Reply = Callable[[BaseHTTPRequestHandler, dict[str, Any]], None]


class SealService:
    """A seal service on 127.0.0.1 whose answer each test chooses; it records what it was sent."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], dict[str, Any]]] = []
        self.reply: Reply = answer_sealed
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                service.requests.append((dict(self.headers), body))
                service.reply(self, body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/seal"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def send(handler: BaseHTTPRequestHandler, status: int, body: bytes) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def answer_sealed(handler: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
    """What a working service does: the document back with a seal (here: a marker) added."""
    sealed = base64.b64decode(body["document"]) + marker(body["identifier"])
    send(handler, 200, json.dumps({"document": base64.b64encode(sealed).decode()}).encode())


@pytest.fixture
def service() -> Iterator[SealService]:
    running = SealService()
    yield running
    running.close()


def sealer_for(service: SealService, timeout: float = 5) -> HttpSealer:
    return HttpSealer(url=service.url, api_key=API_KEY, timeout=timeout)


def test_without_a_seal_service_the_file_is_unchanged_and_labelled_as_no_seal(settings: Any) -> None:
    settings.YIMEN = {**settings.YIMEN, "SEALER": "none"}
    sealer = sealing.configured()
    assert isinstance(sealer, SystemSignatureOnly)
    assert sealer.seal(OFD, kind="ofd", identifier=IDENTIFIER) == OFD
    assert sealer.label == "系统数字签名（非电子印章）"


def test_the_http_sealer_posts_the_documented_json_with_the_key(service: SealService) -> None:
    sealed = sealer_for(service).seal(OFD, kind="ofd", identifier=IDENTIFIER)
    assert sealed == OFD + marker(IDENTIFIER)
    [(headers, body)] = service.requests
    assert headers["X-Api-Key"] == API_KEY
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert body == {"identifier": IDENTIFIER, "kind": "ofd", "document": base64.b64encode(OFD).decode()}


def test_the_http_sealer_is_built_from_the_settings(service: SealService, settings: Any) -> None:
    settings.YIMEN = {
        **settings.YIMEN,
        "SEALER": "http",
        "SEALER_URL": service.url,
        "SEALER_API_KEY": API_KEY,
        "SEALER_TIMEOUT_SECONDS": 7,
    }
    sealer = sealing.configured()
    assert isinstance(sealer, HttpSealer) and sealer.timeout == 7
    assert sealer.seal(PDF, kind="pdf", identifier=IDENTIFIER) == PDF + marker(IDENTIFIER)


def test_a_server_error_is_a_sealing_error_naming_the_status(service: SealService) -> None:
    service.reply = lambda handler, body: send(handler, 500, "签章服务器内部错误".encode())
    with pytest.raises(
        SealingError, match=re.escape(f"电子印章服务返回 HTTP 500（证照 {IDENTIFIER}）：签章服务器内部错误")
    ):
        sealer_for(service).seal(OFD, kind="ofd", identifier=IDENTIFIER)


def test_no_answer_within_the_timeout_is_a_sealing_error(service: SealService) -> None:
    release = threading.Event()

    def hang(handler: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        release.wait(5)  # and never answers

    service.reply = hang
    started = time.monotonic()
    try:
        with pytest.raises(SealingError, match=r"在 0\.5 秒内没有答复"):
            sealer_for(service, timeout=0.5).seal(OFD, kind="ofd", identifier=IDENTIFIER)
    finally:
        release.set()
    assert time.monotonic() - started < 3


def test_a_refused_connection_is_a_sealing_error(service: SealService) -> None:
    url = service.url
    service.close()
    with pytest.raises(SealingError, match="无法连接电子印章服务"):
        HttpSealer(url=url, api_key=API_KEY, timeout=2).seal(OFD, kind="ofd", identifier=IDENTIFIER)


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (b"<html>ok</html>", "答复无法读取"),
        (b'{"sealed": "AAAA"}', "答复无法读取"),
        (b'{"document": "not base64!"}', "答复无法读取"),
        (json.dumps({"document": base64.b64encode(PDF).decode()}).encode(), "返回的文件不是 OFD"),
    ],
    ids=["not-json", "no-document", "bad-base64", "wrong-kind"],
)
def test_an_answer_that_is_not_a_sealed_document_is_a_sealing_error(
    service: SealService, answer: bytes, message: str
) -> None:
    service.reply = lambda handler, body: send(handler, 200, answer)
    with pytest.raises(SealingError, match=message):
        sealer_for(service).seal(OFD, kind="ofd", identifier=IDENTIFIER)


def test_a_redirect_is_not_followed(service: SealService) -> None:
    def redirect(handler: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        handler.send_response(307)
        handler.send_header("Location", "http://127.0.0.1:9/elsewhere")
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    service.reply = redirect
    with pytest.raises(SealingError, match="HTTP 307"):
        sealer_for(service).seal(OFD, kind="ofd", identifier=IDENTIFIER)
    assert len(service.requests) == 1


@pytest.mark.parametrize(
    ("conf", "message"),
    [
        ({"SEALER": "http", "SEALER_URL": "", "SEALER_API_KEY": API_KEY}, "SEALER_URL"),
        ({"SEALER": "http", "SEALER_URL": "file:///etc/passwd", "SEALER_API_KEY": API_KEY}, "https://"),
        ({"SEALER": "http", "SEALER_URL": "https://seal.example.gov.cn/", "SEALER_API_KEY": ""}, "API_KEY"),
        ({"SEALER": "nosuch.module.Sealer"}, "无法识别"),
    ],
    ids=["no-url", "file-url", "no-key", "unknown"],
)
def test_a_wrong_configuration_is_refused_with_what_to_fix(
    settings: Any, conf: dict[str, str], message: str
) -> None:
    settings.YIMEN = {**settings.YIMEN, **conf}
    with pytest.raises(ImproperlyConfigured, match=message):
        sealing.configured()


def test_a_sealer_is_named_by_its_dotted_path(settings: Any) -> None:
    settings.YIMEN = {**settings.YIMEN, "SEALER": "tests.certificates.sealers.RecordingSealer"}
    RecordingSealer.calls.clear()
    sealer = sealing.configured()
    assert sealer.seal(PDF, kind="pdf", identifier=IDENTIFIER) == PDF + marker(IDENTIFIER)
    assert [(c.identifier, c.kind, c.size) for c in RecordingSealer.calls] == [(IDENTIFIER, "pdf", len(PDF))]
